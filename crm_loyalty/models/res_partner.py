# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .loyalty_access import LOYALTY_MANAGER, LOYALTY_USER, check_group


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
    loyalty_history_count = fields.Integer(compute="_compute_loyalty_history_count", groups=LOYALTY_USER)
    loyalty_visit_count = fields.Integer(string="Visits", compute="_compute_loyalty_visit_count", groups=LOYALTY_USER)

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

    def _search_loyalty_score_ids(self, operator, value):
        """Partners whose commercial partner has scores matching the condition. The scores are
        searched with the user's rights (ACL and record rules), so a user without loyalty rights
        cannot search contacts by their scores."""
        if operator in ("any", "not any"):
            domain, positive = value, operator == "any"
        elif operator in ("=", "!=") and not value:
            domain, positive = [], operator == "!="
        elif operator in ("in", "not in", "=", "!="):
            ids = [value] if isinstance(value, int) else list(value)
            domain, positive = [("id", "in", ids)], operator in ("in", "=")
        else:
            raise UserError(self.env._("Pyramid scores cannot be searched with the operator %s.", operator))
        scores = self.env["crm.loyalty.score"]._search(domain)
        return [("commercial_partner_id", "in" if positive else "not in", scores.subselect("partner_id"))]

    def _search_loyalty_score_id(self, operator, value):
        """Only the score of the current company counts."""
        if operator in ("any", "not any"):
            domain = [("company_id", "=", self.env.company.id), *value]
            return [("loyalty_score_ids", operator, domain)]
        if operator in ("=", "!=") and not value:
            domain = [("company_id", "=", self.env.company.id)]
            return [("loyalty_score_ids", "any" if operator == "!=" else "not any", domain)]
        return [("loyalty_score_ids", operator, value)]

    def _search_loyalty_level_id(self, operator, value):
        domain = [("company_id", "=", self.env.company.id), ("level_id", operator, value)]
        return [("loyalty_score_ids", "any", domain)]

    @api.depends_context("company")
    def _loyalty_count_per_commercial(self, model_name, partner_field):
        """Records of ``model_name`` per commercial partner of ``self`` in the current company
        (the user's record rules apply)."""
        groups = self.env[model_name]._read_group(
            [
                (partner_field, "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ],
            [partner_field],
            ["__count"],
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

    # ------------------------------------------------------------------
    # Public entry points
    # ------------------------------------------------------------------

    @api.model
    def loyalty_recompute(self, company=None, date=None):
        """Recompute the customer pyramid of one company and return its run.

        Meant for server actions and automated actions::

            env['res.partner'].loyalty_recompute()

        :param company: ``res.company`` record or id; default: current company
        :param date: date the windows end on; default: today
        :returns: the ``crm.loyalty.run`` logged for this computation
        """
        check_group(self.env, LOYALTY_MANAGER, self.env._("Only Loyalty Managers can recompute the customer pyramid."))
        company = self.env["res.company"]._loyalty_allowed_company(company)
        reference_date = self.env["crm.loyalty.run"]._loyalty_reference_date(date)
        trigger = self.env.context.get("loyalty_trigger", "server_action")
        return self.env["crm.loyalty.score"]._loyalty_recompute(company, trigger, date=reference_date)

    @api.model
    def _cron_loyalty_recompute(self):
        # the nightly job recomputes every company, whichever companies its user is allowed in
        partners = self.sudo().with_context(loyalty_trigger="scheduled")
        for company in partners.env["res.company"].search([]):
            partners.loyalty_recompute(company)

    @api.model
    def action_loyalty_recompute(self):
        run = self.with_context(loyalty_trigger="manual").loyalty_recompute()
        if run.state == "failed":
            title, message, kind = self.env._("Recompute failed"), run.error, "danger"
        else:
            title, kind = self.env._("Customer pyramid recomputed"), "success"
            message = self.env._(
                "%(count)s customers scored in %(duration).1f s, %(changes)s level changes.",
                count=run.partner_count,
                duration=run.duration,
                changes=run.change_count,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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
