# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from collections import defaultdict

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from .loyalty_access import LOYALTY_MANAGER, LOYALTY_USER, check_group
from .loyalty_search import check_relational, positive, unsearchable

# the flags of an elastic customer (README, *Elastic customers*): two computed by the runs, two set by hand
ELASTIC_FLAGS = ("elastic_positive_clv", "elastic_price_insensitive", "elastic_innovative", "elastic_influential")

PROFIT_CLASSES = [
    ("key", "Key (profitable)"),
    ("general", "General (break-even)"),
    ("loss", "Loss-making"),
]

CLV_METHODS = [("bgnbd", "BG/NBD + Gamma-Gamma"), ("historical", "Historical (fallback: no model fitted)")]
VALUE_PHASES = [("rising", "Rising"), ("peak", "Peak"), ("declining", "Declining")]


class CrmLoyaltyScore(models.Model):
    _name = "crm.loyalty.score"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin"]
    _description = "Customer Pyramid Score"
    _order = "company_id, level_sequence, rank, id"
    _rec_name = "partner_id"
    _check_company_auto = True

    # no index of their own: the unique (partner_id, company_id) index serves both (fewer indexes to
    # maintain when a run writes a million scores)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Level",
        index=True,
        ondelete="restrict",
        readonly=True,
        check_company=True,
        help="Effective level: the manual override when there is one, else the computed level.",
    )
    level_code = fields.Selection(related="level_id.code", string="Level Code")
    level_sequence = fields.Integer(related="level_id.sequence", store=True)
    computed_level_id = fields.Many2one(
        "crm.loyalty.level", string="Computed Level", ondelete="restrict", readonly=True, check_company=True
    )
    override_level_id = fields.Many2one(
        "crm.loyalty.level", string="Override Level", ondelete="restrict", readonly=True, check_company=True
    )
    override_reason = fields.Text(readonly=True)
    override_user_id = fields.Many2one("res.users", string="Overridden By", readonly=True)
    override_date = fields.Datetime(string="Overridden On", readonly=True)
    is_active_customer = fields.Boolean(string="Active Customer", readonly=True)
    revenue_window = fields.Monetary(string="Revenue (ranking window)", readonly=True)
    revenue_lifetime = fields.Monetary(string="Lifetime Revenue", readonly=True)
    cost_window = fields.Monetary(string="Cost (ranking window)", readonly=True)
    margin_window = fields.Monetary(string="Gross Margin (ranking window)", readonly=True)
    margin_percent = fields.Float(string="Margin (%)", digits=(16, 2), readonly=True, aggregator="avg")
    profit_class = fields.Selection(PROFIT_CLASSES, readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    first_invoice_date = fields.Date(readonly=True)
    last_invoice_date = fields.Date(readonly=True)
    avg_invoice_value = fields.Monetary(string="Average Invoice", readonly=True, aggregator="avg")
    clv = fields.Monetary(
        string="Lifetime Value",
        readonly=True,
        help="Discounted gross margin expected from the customer over the lifetime value horizon.",
    )
    clv_method = fields.Selection(CLV_METHODS, string="Lifetime Value Method", readonly=True)
    probability_alive = fields.Float(
        string="P(alive)",
        digits=(3, 2),
        readonly=True,
        aggregator="avg",
        help="Probability that the customer is still buying from us (BG/NBD model); empty when no model fits.",
    )
    expected_purchases = fields.Float(
        digits=(16, 2), readonly=True, help="Purchases (invoice days) expected over the lifetime value horizon."
    )
    expected_spend = fields.Monetary(string="Expected Spend per Purchase", readonly=True, aggregator="avg")
    at_risk = fields.Boolean(
        string="At Risk", readonly=True, help="Active customer whose P(alive) is under the company's threshold."
    )
    value_phase = fields.Selection(VALUE_PHASES, readonly=True)
    phase_trend = fields.Float(
        string="Revenue Trend (%/period)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Slope of the revenue over the last periods, as a percent of the average revenue per period.",
    )
    value_phase_strategy = fields.Char(
        compute="_compute_strategies", string="Phase Strategy", search=unsearchable("value_phase_strategy")
    )
    avg_discount = fields.Float(
        string="Average Discount (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Average discount on the customer's invoice lines in the ranking window, weighted by amount.",
    )
    elastic_positive_clv = fields.Boolean(string="Positive Lifetime Value", readonly=True)
    elastic_price_insensitive = fields.Boolean(string="Price-Insensitive", readonly=True)
    elastic_innovative = fields.Boolean(string="Innovative", readonly=True)
    elastic_innovative_user_id = fields.Many2one("res.users", string="Innovative Set By", readonly=True)
    elastic_innovative_date = fields.Datetime(string="Innovative Set On", readonly=True)
    elastic_influential = fields.Boolean(string="Market-Influential", readonly=True)
    elastic_influential_user_id = fields.Many2one("res.users", string="Influential Set By", readonly=True)
    elastic_influential_date = fields.Datetime(string="Influential Set On", readonly=True)
    is_elastic = fields.Boolean(
        string="Elastic",
        readonly=True,
        help="A customer with any elastic flag: positive lifetime value or price-insensitive (break-even "
        "customers), innovative or market-influential (set by hand).",
    )
    elastic_strategy = fields.Text(
        compute="_compute_strategies", string="Elastic Strategy", search=unsearchable("elastic_strategy")
    )
    is_key_account = fields.Boolean(
        string="Key Account",
        readonly=True,
        help="Revenue in the ranking window at or above the company's key account volume.",
    )
    key_account_manager_id = fields.Many2one(
        "res.users",
        string="Key Account Manager",
        help="Owns the customer's data; defaults to the company's customer manager.",
    )
    open_quotation_count = fields.Integer(
        string="Open Quotations", compute="_compute_department_figures", search=unsearchable("open_quotation_count")
    )
    open_quotation_amount = fields.Monetary(
        string="Open Quotations Amount",
        compute="_compute_department_figures",
        search=unsearchable("open_quotation_amount"),
    )
    next_visit_date = fields.Date(
        string="Next Visit", compute="_compute_department_figures", search=unsearchable("next_visit_date")
    )
    run_id = fields.Many2one(
        "crm.loyalty.run",
        string="Last Changed By",
        readonly=True,
        index=True,  # the finish step reads the scores its run wrote; a run's deletion empties it
        ondelete="set null",
        check_company=True,
        help="The last run that changed these figures; runs write only the scores whose values changed.",
    )
    date_computed = fields.Datetime(string="Figures Changed On", readonly=True)
    values_hash = fields.Char(readonly=True, copy=False, help="Hash of the values the last run wrote.")

    _sql_constraints = [
        ("partner_company_uniq", "unique(partner_id, company_id)", "A customer has one score per company."),
    ]

    # what a Loyalty Manager sets by hand on a score; every other figure is written by the runs, the override
    # wizard (with its reason and history row) and the innovative / influential flags, each as superuser after
    # its own checks
    _LOYALTY_HAND_FIELDS = frozenset({"key_account_manager_id"})

    def write(self, vals):
        if not self.env.su and set(vals) - self._LOYALTY_HAND_FIELDS:
            raise UserError(
                self.env._(
                    "The figures of a pyramid score are computed from the invoices and cannot be edited: to move a "
                    "customer to another level, use Override Level, which records your reason in the level "
                    "history. (Fields: %(fields)s)",
                    fields=", ".join(sorted(set(vals) - self._LOYALTY_HAND_FIELDS)),
                )
            )
        return super().write(vals)

    @api.model
    def _loyalty_scores_by_partner(self, partners, companies, as_user=False):
        """Scores of the commercial partners of ``partners`` in ``companies``, by
        ``(commercial partner id, company id)``, in one search.

        :param as_user: look them up with the record rules of the environment's user (an empty
            result for a user without loyalty rights), even when called as superuser, e.g. through
            a related field; otherwise as superuser, for business rules (the level's pricelist on a
            quotation, a ticket's priority) that show no figure of the score to the user
        """
        if as_user:
            if not self.env.user.has_group(LOYALTY_USER):
                return {}
            scores_model = self.sudo(False)
        else:
            scores_model = self.sudo()
        scores = scores_model.search(
            [("partner_id", "in", partners.commercial_partner_id.ids), ("company_id", "in", companies.ids)]
        )
        return {(score.partner_id.id, score.company_id.id): score for score in scores}

    @api.model
    def _loyalty_check_readable(self, partners, companies):
        """Refuse (AccessError) unless the user may read the score of every commercial partner of ``partners`` in
        ``companies`` that has one: a visit, a brief or a spend estimate is made only for a customer whose
        figures the user may see. The scores' record rules decide (a salesperson with *Own Documents Only* may
        not work with a colleague's customer)."""
        if self.env.su or not partners or not companies:
            return
        domain = [("partner_id", "in", partners.commercial_partner_id.ids), ("company_id", "in", companies.ids)]
        # which scores exist (as superuser: ids only), to compare them with those the user's rules let through
        scores = self.sudo().search(domain)
        forbidden = scores - scores.sudo(False)._filtered_access("read")
        if forbidden:
            customers = partners.commercial_partner_id.filtered(lambda p: p.id in forbidden.partner_id.ids)
            raise AccessError(
                self.env._(
                    "You may not work with the customer %(customers)s: its pyramid figures are not yours to see "
                    "(another salesperson's customer, or another company's).",
                    customers=", ".join(customers.mapped("display_name")),
                )
            )

    @api.model
    def _loyalty_level_domain(self, records, name, operator, value):
        """Domain on ``records`` (a model with ``company_id`` and ``commercial_partner_id``: visits, tickets) for
        the condition ``operator value`` on their customer's level (field ``name``): the records whose customer
        has, in the record's company, a score the user may read with such a level; a negative condition is the
        negation of the positive one (no readable score: no level)."""
        check_relational(records, name, operator, value)
        operator, value, negate = positive(operator, value)
        domain = expression.OR(
            [
                [
                    ("company_id", "=", company.id),
                    (
                        "commercial_partner_id",
                        "in",
                        self._search([("company_id", "=", company.id), ("level_id", operator, value)]).subselect(
                            "partner_id"
                        ),
                    ),
                ]
                for company in self.env.user.company_ids
            ]
        )
        return ["!", *domain] if negate else domain

    def _loyalty_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # One view of the customer: what each department holds
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_department_figures(self):
        """Open quotations (sales) and the next visit of the customer in the score's company, as far as the
        user's own rights on quotations and visits show them. What it owes past due is one figure, the payment
        figures' (crm_loyalty_score_payment.py)."""
        self.check_access("read")
        quotations = defaultdict(lambda: [0, 0.0])
        orders = self.env["sale.order"]
        for company in self.company_id:
            scores = self.filtered(lambda s, company=company: s.company_id == company)
            partners = scores.partner_id
            for order_partner, count, amount in (
                orders._read_group(
                    [
                        ("partner_id", "child_of", partners.ids),
                        ("company_id", "=", company.id),
                        ("state", "in", ("draft", "sent")),
                    ],
                    ["partner_id"],
                    ["__count", "amount_untaxed:sum"],
                )
                if orders.has_access("read")
                else []
            ):
                figures = quotations[(order_partner.commercial_partner_id.id, company.id)]
                figures[0] += count
                figures[1] += amount
        next_visits = self.env["crm.loyalty.visit"]._loyalty_next_visits(self.partner_id, self.company_id)
        for score in self:
            key = (score.partner_id.id, score.company_id.id)
            score.next_visit_date = next_visits.get(key, False)
            score.open_quotation_count, score.open_quotation_amount = quotations.get(key, (0, 0.0))

    # ------------------------------------------------------------------
    # Strategies (README, *Value phase* and *Elastic customers*)
    # ------------------------------------------------------------------

    def _phase_strategies(self):
        return {
            "rising": self.env._("Help it grow: propose new services and raise our share of its spend."),
            "peak": self.env._("Keep it: best resources and one-to-one service to hold the relationship."),
            "declining": self.env._(
                "Analyse why its value falls; win it back if worth it, reduce effort and exposure when risk grows."
            ),
        }

    def _elastic_strategies(self):
        return {
            "elastic_positive_clv": self.env._(
                "Positive lifetime value: partner with it for the long term rather than for short-term profit."
            ),
            "elastic_price_insensitive": self.env._(
                "Price-insensitive: there is room for price; sell value, not discounts."
            ),
            "elastic_innovative": self.env._(
                "Innovative: keep it actively; it pulls our service forward. Embed our people in its projects."
            ),
            "elastic_influential": self.env._(
                "Market-influential: keep it actively for reputation and referrals; raise its switching cost."
            ),
        }

    @api.depends(
        "value_phase",
        "elastic_positive_clv",
        "elastic_price_insensitive",
        "elastic_innovative",
        "elastic_influential",
    )
    def _compute_strategies(self):
        phases = self._phase_strategies()
        elastic = self._elastic_strategies()
        for score in self:
            score.value_phase_strategy = phases.get(score.value_phase, False)
            score.elastic_strategy = "\n".join(text for flag, text in elastic.items() if score[flag]) or False

    @api.model
    def _loyalty_elastic_sql(self, **sources):
        """The one formula of the elastic flag, as SQL: any of its four flags (:data:`ELASTIC_FLAGS`), each read
        from the table alias given for it by name (default ``score``; None: a row that has no such flag yet)."""
        return SQL(" OR ").join(
            SQL("COALESCE(%s.%s, FALSE)", SQL.identifier(sources.get(flag, "score")), SQL.identifier(flag))
            if sources.get(flag, "score")
            else SQL("FALSE")
            for flag in ELASTIC_FLAGS
        )

    def _loyalty_refresh_elastic(self):
        """Recompute the elastic flag of these scores from their four flags (after one of them was set)."""
        if not self:
            return
        self.flush_recordset([*ELASTIC_FLAGS, "is_elastic"])
        self.env.cr.execute(
            SQL(
                "UPDATE crm_loyalty_score score SET is_elastic = %s WHERE score.id = ANY(%s)",
                self._loyalty_elastic_sql(),
                self.ids,
            )
        )
        self.invalidate_recordset(["is_elastic"])

    def _loyalty_set_manual_flag(self, flag, value):
        """Set or clear the manual elastic flag ``flag`` (innovative / influential)."""
        if flag not in ("elastic_innovative", "elastic_influential"):
            raise UserError(self.env._("Only the innovative and market-influential flags are set by hand."))
        check_group(
            self.env,
            LOYALTY_USER,
            self.env._("Only Loyalty Users can flag innovative or market-influential customers."),
        )
        # scores are read-only for users: a user flags the customers they may read (record rules),
        # the flag and who set it are written as superuser
        self.check_access("read")
        self._loyalty_wait_for_no_run()
        for score in self.sudo():
            vals = {
                flag: value,
                f"{flag}_user_id": value and self.env.uid,
                f"{flag}_date": value and fields.Datetime.now(),
            }
            score.write(vals)
            score._loyalty_refresh_elastic()

    def action_toggle_innovative(self):
        for score in self:
            score._loyalty_set_manual_flag("elastic_innovative", not score.elastic_innovative)

    def action_toggle_influential(self):
        for score in self:
            score._loyalty_set_manual_flag("elastic_influential", not score.elastic_influential)

    # ------------------------------------------------------------------
    # Manual override
    # ------------------------------------------------------------------

    def _loyalty_log_changes(self, new_levels, reason, note=False, run=False):
        """Write one history row per score whose level changes to ``new_levels[score]``."""
        vals_list = [
            {
                "partner_id": score.partner_id.id,
                "company_id": score.company_id.id,
                "level_from_id": score.level_id.id,
                "level_to_id": level.id,
                "reason": reason,
                "note": note,
                "run_id": run and run.id,
            }
            for score, level in new_levels.items()
            if score.level_id != level
        ]
        # history is read-only for users: callers are the override (managers, checked) and the contact merge
        return self.env["crm.loyalty.history"].sudo().create(vals_list)

    def _loyalty_check_override_rights(self):
        check_group(
            self.env, LOYALTY_MANAGER, self.env._("Only Loyalty Managers can override or clear pyramid levels.")
        )
        self.check_access("read")
        self._loyalty_wait_for_no_run()

    def _loyalty_wait_for_no_run(self):
        """Hand changes (overrides, flags) take the company's lock: refused with a sentence while a run writes
        the pyramid, instead of waiting for it or colliding with it."""
        engine = self.env["crm.loyalty.engine"]
        for company in self.company_id:
            if not engine._loyalty_acquire(company):
                raise UserError(engine._loyalty_busy_message(company))
            # a background run between its compute step and its history rows has the level changes aside
            active = engine._loyalty_active_run(company)
            if active.state == "running" and active.step in ("write", "log"):
                raise UserError(engine._loyalty_busy_message(company, active))

    def _loyalty_set_override(self, level, reason):
        self._loyalty_check_override_rights()
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Give a reason for overriding the level."))
        if len(level) != 1:
            raise UserError(self.env._("Choose the level the customer is moved to."))
        for score in self:
            if level.company_id != score.company_id:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s belongs to another company than the score of %(partner)s.",
                        level=level.display_name,
                        partner=score.partner_id.display_name,
                    )
                )
        self._loyalty_log_changes(dict.fromkeys(self, level), "manual", note=reason)
        # scores are written by the recompute only; the manager's override (checked above) as superuser
        self.sudo().write(
            {
                "override_level_id": level.id,
                "override_reason": reason,
                "override_user_id": self.env.uid,
                "override_date": fields.Datetime.now(),
                "level_id": level.id,
            }
        )

    def action_clear_override(self):
        self._loyalty_check_override_rights()
        scores = self.filtered("override_level_id")
        scores._loyalty_log_changes(
            {score: score.computed_level_id for score in scores}, "manual", note=self.env._("Override cleared")
        )
        for score in scores:
            score.sudo().write(
                {
                    "override_level_id": False,
                    "override_reason": False,
                    "override_user_id": False,
                    "override_date": False,
                    "level_id": score.computed_level_id.id,
                }
            )
        return True

    # ------------------------------------------------------------------
    # Contact merge
    # ------------------------------------------------------------------

    _MERGED_FIELDS = (
        ("override_level_id", ("override_reason", "override_user_id", "override_date")),
        ("elastic_innovative", ("elastic_innovative_user_id", "elastic_innovative_date")),
        ("elastic_influential", ("elastic_influential_user_id", "elastic_influential_date")),
        ("key_account_manager_id", ()),
    )

    @api.model
    def _loyalty_merge_partners(self, src_partners, dst_partner):
        """Prepare the scores for the contact merge wizard, which then moves every reference of
        ``src_partners`` to ``dst_partner`` (history rows, visits, ... follow as they are).

        One score per company is kept (the surviving partner's, else the best-ranked source's), and
        takes over what people set by hand on the others (override with its reason, innovative and
        influential flags, key account manager) where it has none; the others are deleted. Without
        this, the wizard's update collides on one score per partner and company, and it deletes
        every score of the sources, overrides included. The next recompute refreshes the figures.
        """
        # the wizard moves every reference of the merged partners as superuser (raw SQL) once the
        # user may merge them; scores follow their partner in the same way
        scores = self.sudo().search([("partner_id", "in", (src_partners | dst_partner).ids)])
        for company in scores.company_id:
            company_scores = scores.filtered(lambda s, company=company: s.company_id == company)
            keep = (
                company_scores.filtered(lambda s: s.partner_id == dst_partner)
                or company_scores.sorted(lambda s: (s.level_sequence or 0, s.rank or float("inf"), s.id))[:1]
            )
            others = company_scores - keep
            vals = {}
            for field_name, companions in self._MERGED_FIELDS:
                donor = others.filtered(field_name)[:1]
                if donor and not keep[field_name]:
                    for name in (field_name, *companions):
                        vals[name] = donor[name].id if isinstance(donor[name], models.BaseModel) else donor[name]
            if vals.get("override_level_id") and vals["override_level_id"] != keep.level_id.id:
                level = self.env["crm.loyalty.level"].browse(vals["override_level_id"])
                keep._loyalty_log_changes(
                    {keep: level},
                    "manual",
                    note=self.env._(
                        "Override kept from the merged contact: %(reason)s", reason=vals["override_reason"]
                    ),
                )
                vals.update(level_id=level.id)
            if vals:
                keep.write(vals)
                keep._loyalty_refresh_elastic()
            others.unlink()

    def action_override(self):
        self.ensure_one()
        return self.partner_id.action_loyalty_override()

    def action_open_history(self):
        self.ensure_one()
        return self.partner_id.with_company(self.company_id).action_loyalty_open_history()

    @api.model
    def _loyalty_after_write_back(self, company, run, reference_date):
        """Hook: set-based updates of other figures of the scores of ``company`` (e.g. helpdesk statistics
        in the bridge addon), in the finish step of the run. ``run._loyalty_since()`` tells which customers
        may be left alone (those whose inputs were not written since the previous run's finish)."""

    @api.model
    def _loyalty_computed_levels(self, company):
        """The level code each customer of ``company`` was given by the last run (before any override), as
        a Series indexed by partner id: what the next run starts from (no flip-flop)."""
        self.flush_model(["computed_level_id", "company_id"])
        frame = self.env["crm.loyalty.invoice"]._loyalty_read_frame(
            self.env.cr,
            SQL(
                """SELECT partner_id, computed_level_id FROM crm_loyalty_score
                    WHERE company_id = %s AND computed_level_id IS NOT NULL""",
                company.id,
            ),
            ["partner_id", "level_id"],
            integers=["partner_id", "level_id"],
        )
        codes = self.env["crm.loyalty.level"]._loyalty_codes_by_id(company)
        return pd.Series(
            frame["level_id"].map(codes).to_numpy(dtype=object), index=frame["partner_id"].to_numpy(), dtype=object
        )

    @api.model
    def _loyalty_level_counts(self, company):
        groups = self._read_group([("company_id", "=", company.id)], ["level_id"], ["__count"])
        return {level.code: count for level, count in groups if level}
