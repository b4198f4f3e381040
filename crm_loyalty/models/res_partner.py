# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError


class ResPartner(models.Model):
    _inherit = "res.partner"

    loyalty_score_ids = fields.One2many("crm.loyalty.score", "partner_id", string="Pyramid Scores")
    loyalty_score_id = fields.Many2one(
        "crm.loyalty.score",
        string="Pyramid Score",
        compute="_compute_loyalty_score_id",
        search="_search_loyalty_score_id",
        help="Score of the commercial partner in the current company.",
    )
    loyalty_level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Pyramid Level",
        compute="_compute_loyalty_score_id",
        search="_search_loyalty_level_id",
        help="Pyramid level of the commercial partner in the current company.",
    )
    loyalty_level_code = fields.Selection(related="loyalty_level_id.code", string="Pyramid Level Code")
    loyalty_computed_level_id = fields.Many2one(related="loyalty_score_id.computed_level_id")
    loyalty_override_level_id = fields.Many2one(related="loyalty_score_id.override_level_id")
    loyalty_override_reason = fields.Text(related="loyalty_score_id.override_reason")
    loyalty_override_user_id = fields.Many2one(related="loyalty_score_id.override_user_id")
    loyalty_override_date = fields.Datetime(related="loyalty_score_id.override_date")
    loyalty_currency_id = fields.Many2one(related="loyalty_score_id.currency_id", string="Loyalty Currency")
    loyalty_rank = fields.Integer(related="loyalty_score_id.rank", string="Pyramid Rank")
    loyalty_revenue_window = fields.Monetary(
        related="loyalty_score_id.revenue_window", currency_field="loyalty_currency_id"
    )
    loyalty_revenue_lifetime = fields.Monetary(
        related="loyalty_score_id.revenue_lifetime", currency_field="loyalty_currency_id"
    )
    loyalty_margin_window = fields.Monetary(
        related="loyalty_score_id.margin_window", currency_field="loyalty_currency_id"
    )
    loyalty_margin_percent = fields.Float(related="loyalty_score_id.margin_percent")
    loyalty_avg_invoice_value = fields.Monetary(
        related="loyalty_score_id.avg_invoice_value", currency_field="loyalty_currency_id"
    )
    loyalty_profit_class = fields.Selection(related="loyalty_score_id.profit_class")
    loyalty_invoice_count = fields.Integer(related="loyalty_score_id.invoice_count", string="Posted Invoices")
    loyalty_first_invoice_date = fields.Date(related="loyalty_score_id.first_invoice_date")
    loyalty_last_invoice_date = fields.Date(related="loyalty_score_id.last_invoice_date")
    loyalty_tenure_days = fields.Integer(related="loyalty_score_id.tenure_days")
    loyalty_recency_days = fields.Integer(related="loyalty_score_id.recency_days")
    loyalty_date_computed = fields.Datetime(related="loyalty_score_id.date_computed")
    loyalty_clv = fields.Monetary(related="loyalty_score_id.clv", currency_field="loyalty_currency_id")
    loyalty_clv_method = fields.Selection(related="loyalty_score_id.clv_method")
    loyalty_probability_alive = fields.Float(related="loyalty_score_id.probability_alive")
    loyalty_expected_purchases = fields.Float(related="loyalty_score_id.expected_purchases")
    loyalty_at_risk = fields.Boolean(related="loyalty_score_id.at_risk", string="At Risk")
    loyalty_value_phase = fields.Selection(related="loyalty_score_id.value_phase", string="Value Phase")
    loyalty_phase_trend = fields.Float(related="loyalty_score_id.phase_trend")
    loyalty_value_phase_strategy = fields.Char(related="loyalty_score_id.value_phase_strategy")
    loyalty_avg_discount = fields.Float(related="loyalty_score_id.avg_discount")
    loyalty_elastic_positive_clv = fields.Boolean(related="loyalty_score_id.elastic_positive_clv")
    loyalty_elastic_price_insensitive = fields.Boolean(related="loyalty_score_id.elastic_price_insensitive")
    loyalty_elastic_innovative = fields.Boolean(related="loyalty_score_id.elastic_innovative")
    loyalty_elastic_innovative_user_id = fields.Many2one(related="loyalty_score_id.elastic_innovative_user_id")
    loyalty_elastic_innovative_date = fields.Datetime(related="loyalty_score_id.elastic_innovative_date")
    loyalty_elastic_influential = fields.Boolean(related="loyalty_score_id.elastic_influential")
    loyalty_elastic_influential_user_id = fields.Many2one(related="loyalty_score_id.elastic_influential_user_id")
    loyalty_elastic_influential_date = fields.Datetime(related="loyalty_score_id.elastic_influential_date")
    loyalty_is_elastic = fields.Boolean(related="loyalty_score_id.is_elastic", string="Elastic Customer")
    loyalty_elastic_strategy = fields.Text(related="loyalty_score_id.elastic_strategy")
    loyalty_is_key_account = fields.Boolean(related="loyalty_score_id.is_key_account", string="Key Account")
    loyalty_key_account_manager_id = fields.Many2one(
        related="loyalty_score_id.key_account_manager_id", string="Key Account Manager"
    )
    # one view of the customer: what each department holds
    loyalty_open_quotation_count = fields.Integer(
        string="Open Quotations", compute="_compute_loyalty_department_figures"
    )
    loyalty_open_quotation_amount = fields.Monetary(
        string="Open Quotations Amount",
        compute="_compute_loyalty_department_figures",
        currency_field="loyalty_company_currency_id",
    )
    loyalty_overdue_invoice_count = fields.Integer(
        string="Overdue Invoices", compute="_compute_loyalty_department_figures"
    )
    loyalty_overdue_amount = fields.Monetary(
        string="Overdue Amount",
        compute="_compute_loyalty_department_figures",
        currency_field="loyalty_company_currency_id",
    )
    loyalty_oldest_overdue_date = fields.Date(string="Oldest Due Date", compute="_compute_loyalty_department_figures")
    loyalty_next_visit_date = fields.Date(string="Next Visit", compute="_compute_loyalty_department_figures")
    loyalty_company_currency_id = fields.Many2one(
        "res.currency", compute="_compute_loyalty_department_figures", string="Company Currency"
    )
    loyalty_history_ids = fields.One2many("crm.loyalty.history", "partner_id", string="Level History")
    loyalty_history_count = fields.Integer(compute="_compute_loyalty_history_count")
    loyalty_visit_count = fields.Integer(string="Visits", compute="_compute_loyalty_visit_count")

    @api.depends_context("company")
    @api.depends("commercial_partner_id.loyalty_score_ids.level_id")
    def _compute_loyalty_score_id(self):
        company = self.env.company
        partners = self.commercial_partner_id
        scores = self.env["crm.loyalty.score"].search(
            [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        )
        by_partner = {score.partner_id.id: score for score in scores}
        for partner in self:
            score = by_partner.get(partner.commercial_partner_id.id, self.env["crm.loyalty.score"])
            partner.loyalty_score_id = score
            partner.loyalty_level_id = score.level_id

    def _search_loyalty_score_id(self, operator, value):
        if operator == "any":
            # e.g. a search on a related field: only the current company's score counts
            value = [("company_id", "=", self.env.company.id), *value]
        return [("commercial_partner_id.loyalty_score_ids", operator, value)]

    def _search_loyalty_level_id(self, operator, value):
        scores = self.env["crm.loyalty.score"]._search(
            [("company_id", "=", self.env.company.id), ("level_id", operator, value)]
        )
        return [("commercial_partner_id.loyalty_score_ids", "in", scores)]

    @api.depends_context("company")
    def _compute_loyalty_department_figures(self):
        """Open quotations (sales) and overdue invoices (finance) of the commercial partner, current company."""
        company = self.env.company
        partners = self.commercial_partner_id
        quotations = defaultdict(lambda: [0, 0.0])
        for order_partner, count, amount in (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "child_of", partners.ids),
                    ("company_id", "=", company.id),
                    ("state", "in", ("draft", "sent")),
                ],
                ["partner_id"],
                ["__count", "amount_untaxed:sum"],
            )
        ):
            figures = quotations[order_partner.commercial_partner_id.id]
            figures[0] += count
            figures[1] += amount
        overdue = {
            partner.id: (count, amount, oldest)
            for partner, count, amount, oldest in self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", fields.Date.context_today(self)),
                ],
                ["commercial_partner_id"],
                ["__count", "amount_residual_signed:sum", "invoice_date_due:min"],
            )
        }
        next_visits = self.env["crm.loyalty.visit"].sudo()._loyalty_next_visits(self)
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.loyalty_next_visit_date = next_visits.get(commercial.id, False)
            quote_count, quote_amount = quotations.get(commercial.id, (0, 0.0))
            count, amount, oldest = overdue.get(commercial.id, (0, 0.0, False))
            partner.loyalty_open_quotation_count = quote_count
            partner.loyalty_open_quotation_amount = quote_amount
            partner.loyalty_overdue_invoice_count = count
            partner.loyalty_overdue_amount = amount
            partner.loyalty_oldest_overdue_date = oldest
            partner.loyalty_company_currency_id = company.currency_id

    @api.depends_context("company")
    def _loyalty_count_per_commercial(self, model_name, partner_field):
        """Records of ``model_name`` per commercial partner of ``self`` in the current company."""
        groups = self.env[model_name]._read_group(
            [
                (partner_field, "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ],
            [partner_field],
            ["__count"],
        )
        return {partner.id: count for partner, count in groups}

    def _compute_loyalty_history_count(self):
        counts = self._loyalty_count_per_commercial("crm.loyalty.history", "partner_id")
        for partner in self:
            partner.loyalty_history_count = counts.get(partner.commercial_partner_id.id, 0)

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
        if not (self.env.is_superuser() or self.env.user.has_group("crm_loyalty.group_loyalty_manager")):
            raise AccessError(self.env._("Only Loyalty Managers can recompute the customer pyramid."))
        if isinstance(company, int):
            company = self.env["res.company"].browse(company)
        company = company or self.env.company
        trigger = self.env.context.get("loyalty_trigger", "server_action")
        return self.env["crm.loyalty.score"]._loyalty_recompute(company, trigger, date=date)

    @api.model
    def _cron_loyalty_recompute(self):
        for company in self.env["res.company"].search([]):
            self.with_context(loyalty_trigger="scheduled").loyalty_recompute(company)

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

    def _compute_loyalty_visit_count(self):
        counts = self._loyalty_count_per_commercial("crm.loyalty.visit", "commercial_partner_id")
        for partner in self:
            partner.loyalty_visit_count = counts.get(partner.commercial_partner_id.id, 0)

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
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Pyramid Level"),
            "res_model": "crm.loyalty.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def _loyalty_score_for_flags(self):
        """Score of the current company, created when the customer has none yet."""
        self.ensure_one()
        score = self.loyalty_score_id
        if not score:
            self.env["crm.loyalty.score"].check_access("read")
            score = (
                self.env["crm.loyalty.score"]
                .sudo()
                .create({"partner_id": self.commercial_partner_id.id, "company_id": self.env.company.id})
            )
            self.invalidate_recordset(["loyalty_score_id"])
        return score

    def action_loyalty_toggle_innovative(self):
        self._loyalty_score_for_flags().action_toggle_innovative()

    def action_loyalty_toggle_influential(self):
        self._loyalty_score_for_flags().action_toggle_influential()

    def action_loyalty_clear_override(self):
        self.ensure_one()
        return self.loyalty_score_id.action_clear_override()
