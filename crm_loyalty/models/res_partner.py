# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.query import Query

from .crm_loyalty_number_mixin import check_number_vals
from .loyalty_access import LOYALTY_MANAGER, LOYALTY_USER, check_group
from .loyalty_search import check_number, check_relational, positive

_logger = logging.getLogger(__name__)

USER_TRIGGERS = ("server_action", "manual", "settings")

_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(count, operator, value):
    return _COMPARE[operator](count, value)


class ResPartner(models.Model):
    """A thin extension: the contact links to its scores (one per company) and shows them;
    no figure of the score is mirrored here. Every field is for Loyalty Users only."""

    _inherit = "res.partner"

    loyalty_score_ids = fields.Many2many(
        "crm.loyalty.score",
        string="Pyramid Scores",
        compute="_compute_loyalty_score_ids",
        search="_search_loyalty_score_ids",
        groups=LOYALTY_USER,
        help="Scores of the commercial partner, one per company (those the user may read).",
    )
    loyalty_score_id = fields.Many2one(
        "crm.loyalty.score",
        string="Pyramid Score",
        compute="_compute_loyalty_score_id",
        search="_search_loyalty_score_id",
        groups=LOYALTY_USER,
        help="Score of the commercial partner in the current company.",
    )
    loyalty_level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Pyramid Level",
        compute="_compute_loyalty_score_id",
        search="_search_loyalty_level_id",
        groups=LOYALTY_USER,
        help="Pyramid level of the commercial partner in the current company.",
    )
    loyalty_employee_count = fields.Integer(
        string="Employees",
        groups=LOYALTY_USER,
        help="The customer company's employees, entered by hand or imported (Odoo has no such field): its size "
        "band in the pyramid's segments (0: not known).",
    )
    loyalty_history_count = fields.Integer(
        compute="_compute_loyalty_history_count", search="_search_loyalty_history_count", groups=LOYALTY_USER
    )
    loyalty_visit_count = fields.Integer(
        string="Visits",
        compute="_compute_loyalty_visit_count",
        search="_search_loyalty_visit_count",
        groups=LOYALTY_USER,
    )

    # the numeric checks of the module's fields, as crm.loyalty.number.mixin (res.partner cannot take the mixin:
    # a second parent breaks its many2many fields)
    @api.model_create_multi
    def create(self, vals_list):
        check_number_vals(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_number_vals(self, [vals])
        return super().write(vals)

    @api.constrains("loyalty_employee_count")
    def _check_loyalty_employee_count(self):
        for partner in self:
            if not 0 <= partner.loyalty_employee_count <= 10_000_000:
                raise ValidationError(
                    self.env._(
                        "The employees of %(partner)s must be a number between 0 (not known) and 10,000,000.",
                        partner=partner.display_name,
                    )
                )

    # uid: scores are looked up with the user's record rules, also when a related field reaches
    # them as superuser (each user and su flag has its own cached value)
    @api.depends_context("uid", "allowed_company_ids")
    @api.depends("commercial_partner_id")
    def _compute_loyalty_score_ids(self):
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(self, self.env.companies, as_user=True)
        by_partner = defaultdict(list)
        for (partner_id, _company_id), score in scores.items():
            by_partner[partner_id].append(score.id)
        for partner in self:
            partner.loyalty_score_ids = [Command.set(by_partner.get(partner.commercial_partner_id.id, []))]

    @api.depends_context("company", "uid")
    @api.depends("commercial_partner_id")
    def _compute_loyalty_score_id(self):
        company = self.env.company
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(self, company, as_user=True)
        empty = self.env["crm.loyalty.score"]
        for partner in self:
            score = scores.get((partner.commercial_partner_id.id, company.id), empty)
            partner.loyalty_score_id = score
            partner.loyalty_level_id = score.level_id

    def _loyalty_scores_domain(self, name, operator, value):
        """``(domain on the scores, negate)`` for the condition ``operator value`` on the score field ``name``;
        refuses (UserError) a condition that makes no sense."""
        check_relational(self, name, operator, value)
        operator, value, negate = positive(operator, value)
        if operator == "any":
            return list(value), negate
        if operator == "!=":  # "!= False": any score
            return [], negate
        if operator == "in":
            return [("id", "in", value if isinstance(value, Query) else [item for item in value if item])], negate
        if isinstance(value, str):  # a customer's name, as for a many2one
            return [("partner_id", operator, value)], negate
        return [("id", "=", value)], negate

    def _search_loyalty_score_ids(self, operator, value):
        """Partners whose commercial partner has scores matching the condition. The scores are
        searched with the user's rights (ACL and record rules), so a user without loyalty rights
        cannot search contacts by their scores."""
        domain, negate = self._loyalty_scores_domain("loyalty_score_ids", operator, value)
        scores = self.env["crm.loyalty.score"]._search(domain)
        return [("commercial_partner_id", "not in" if negate else "in", scores.subselect("partner_id"))]

    def _search_loyalty_score_id(self, operator, value):
        """Only the score of the current company counts."""
        domain, negate = self._loyalty_scores_domain("loyalty_score_id", operator, value)
        domain = [("company_id", "=", self.env.company.id), *domain]
        return [("loyalty_score_ids", "not any" if negate else "any", domain)]

    def _search_loyalty_level_id(self, operator, value):
        check_relational(self, "loyalty_level_id", operator, value)
        operator, value, negate = positive(operator, value)
        domain = [("company_id", "=", self.env.company.id), ("level_id", operator, value)]
        return [("loyalty_score_ids", "not any" if negate else "any", domain)]

    def _loyalty_search_count(self, name, operator, value, model_name, partner_field):
        """Contacts whose commercial partner has ``operator value`` records of ``model_name`` in the current
        company (the user's record rules apply, as in the count shown)."""
        value = check_number(self, name, operator, value, 2**31 - 1)
        counts = self._loyalty_count_per_commercial_domain(model_name, partner_field)
        matching = [partner_id for partner_id, count in counts.items() if _compare(count, operator, value)]
        if _compare(0, operator, value):  # contacts without any record match too
            others = [partner_id for partner_id, count in counts.items() if not _compare(count, operator, value)]
            return [("commercial_partner_id", "not in", others)]
        return [("commercial_partner_id", "in", matching)]

    def _search_loyalty_history_count(self, operator, value):
        return self._loyalty_search_count("loyalty_history_count", operator, value, "crm.loyalty.history", "partner_id")

    def _search_loyalty_visit_count(self, operator, value):
        return self._loyalty_search_count(
            "loyalty_visit_count", operator, value, "crm.loyalty.visit", "commercial_partner_id"
        )

    def _loyalty_count_per_commercial(self, model_name, partner_field):
        """Records of ``model_name`` per commercial partner of ``self`` in the current company
        (the user's record rules apply)."""
        return self._loyalty_count_per_commercial_domain(
            model_name, partner_field, [(partner_field, "in", self.commercial_partner_id.ids)]
        )

    @api.model
    def _loyalty_count_per_commercial_domain(self, model_name, partner_field, domain=()):
        groups = self.env[model_name]._read_group(
            [*domain, ("company_id", "=", self.env.company.id)], [partner_field], ["__count"]
        )
        return {partner.id: count for partner, count in groups}

    @api.depends_context("company", "uid")
    def _compute_loyalty_history_count(self):
        counts = self._loyalty_count_per_commercial("crm.loyalty.history", "partner_id")
        for partner in self:
            partner.loyalty_history_count = counts.get(partner.commercial_partner_id.id, 0)

    @api.depends_context("company", "uid")
    def _compute_loyalty_visit_count(self):
        counts = self._loyalty_count_per_commercial("crm.loyalty.visit", "commercial_partner_id")
        for partner in self:
            partner.loyalty_visit_count = counts.get(partner.commercial_partner_id.id, 0)

    @api.model
    def _loyalty_contact_ids(self, company):
        """Customer contacts of ``company`` for the pyramid: active commercial partners that are not a
        company, not an internal (or archived) user, and not vendors only."""
        self.flush_model(["active", "commercial_partner_id", "company_id", "supplier_rank", "customer_rank"])
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.id
                  FROM res_partner partner
                 WHERE partner.active
                   AND partner.id = partner.commercial_partner_id
                   AND (partner.company_id IS NULL OR partner.company_id = %(company)s)
                   AND NOT (COALESCE(partner.supplier_rank, 0) > 0 AND COALESCE(partner.customer_rank, 0) = 0)
                   AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = partner.id)
                   AND NOT EXISTS (SELECT 1 FROM res_users u
                                    WHERE u.partner_id = partner.id AND (NOT u.share OR NOT u.active))
                """,
                company=company.id,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Public entry points
    # ------------------------------------------------------------------

    @api.model
    def loyalty_recompute(self, company=None, date=None, background=False, history_months=0):
        """Recompute the customer pyramid of one company and return its run.

        Meant for server actions and automated actions::

            env['res.partner'].loyalty_recompute()                  # now, in this transaction
            env['res.partner'].loyalty_recompute(background=True)   # queued for the scheduler

        :param company: ``res.company`` record or id; default: current company
        :param date: date the windows end on; default: today
        :param background: queue the run and return at once (the scheduled action *Customer Loyalty:
            process recompute runs* computes it step by step, the requester is notified when it ends)
        :param history_months: first rebuild the level history as of each month-end of these last months
        :returns: the ``crm.loyalty.run``: done or failed when computed now, queued in the background
        :raises UserError: another run of the company is in progress (the message names it)
        """
        check_group(self.env, LOYALTY_MANAGER, self.env._("Only Loyalty Managers can recompute the customer pyramid."))
        company = self.env["res.company"]._loyalty_allowed_company(company)
        reference_date = self.env["crm.loyalty.run"]._loyalty_reference_date(date)
        if isinstance(history_months, bool) or not isinstance(history_months, int) or not 0 <= history_months <= 240:
            raise UserError(self.env._("The history to rebuild is a number of months between 0 and 240."))
        trigger = self.env.context.get("loyalty_trigger", "server_action")
        # a user's run is theirs (server action, button, settings); the others (the nightly job, the installation)
        # are the engine's own, whatever a context says
        if trigger not in USER_TRIGGERS and not self.env.su:
            trigger = "server_action"
        # rights checked above: the engine writes runs, scores and history as superuser
        engine = self.env["crm.loyalty.engine"].sudo()
        if background:
            return engine._loyalty_queue(company, trigger, reference_date, history_months)
        return engine._loyalty_run_now(company, trigger, reference_date, history_months)

    @api.model
    def _cron_loyalty_recompute(self):
        """Nightly: a background run for every company. A company whose pyramid is being computed is
        skipped; when that computation holds the company right now (an immediate run), the nightly job
        comes back in a quarter of an hour for it."""
        # the nightly job recomputes every company, whichever companies its user is allowed in
        partners = self.sudo().with_context(loyalty_trigger="scheduled")
        engine = partners.env["crm.loyalty.engine"]
        retry = False
        for company in partners.env["res.company"].search([]):
            try:
                with self.env.cr.savepoint():
                    partners.loyalty_recompute(company, background=True)
            except UserError as refusal:
                _logger.info("Nightly pyramid of company %s skipped: %s", company.id, refusal.args[0])
                retry |= not engine._loyalty_active_run(company)
        if retry:
            self.env.ref("crm_loyalty.ir_cron_crm_loyalty_recompute")._trigger(
                fields.Datetime.now() + timedelta(minutes=15)
            )

    @api.model
    def action_loyalty_recompute(self):
        """*Recompute Now*: queue the current company's pyramid and return at once."""
        run = self.with_context(loyalty_trigger="manual").loyalty_recompute(background=True)
        return run._loyalty_queued_action(
            self.env._("Customer pyramid queued"),
            self.env._(
                "Run #%(id)s computes the pyramid of %(company)s in the background; you will be notified "
                "when it ends (progress: Customer Loyalty > Computation Runs).",
                id=run.id,
                company=run.company_id.display_name,
            ),
        )

    def action_loyalty_open_score(self):
        """The score of the customer (its company's, for a contact) in the current company."""
        self.ensure_one()
        score = self.loyalty_score_id
        if not score:
            return False
        return score._loyalty_form_action()

    def action_loyalty_open_visits(self):
        """Visits to the customer (and its contacts) in the current company."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_visit_action")
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
        ]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_loyalty_open_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_history_action")
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
        ]
        action["context"] = {"create": False}
        return action

    def action_loyalty_override(self):
        self.ensure_one()
        check_group(self.env, LOYALTY_MANAGER, self.env._("Only Loyalty Managers can override pyramid levels."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Pyramid Level"),
            "res_model": "crm.loyalty.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }
