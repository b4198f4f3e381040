# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .loyalty_search import unsearchable


class CrmLoyaltyTarget(models.Model):
    """Annual plan of a salesperson: new customers and revenue from them.

    Actuals are computed from the level history (customers of the
    salesperson active at the date and never active before the year) and the
    posted invoices of those customers since January 1st, up to today (or the
    end of the year for past years).
    """

    _name = "crm.loyalty.target"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin", "crm.loyalty.number.mixin"]
    _description = "Salesperson Annual Plan"
    _order = "year desc, user_id"
    _check_company_auto = True

    year = fields.Integer(required=True, default=lambda self: fields.Date.context_today(self).year)
    user_id = fields.Many2one("res.users", string="Salesperson", required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    target_new_customers = fields.Integer(string="Target: New Customers")
    target_new_revenue = fields.Monetary(string="Target: New Revenue")
    actual_new_customers = fields.Integer(
        string="New Customers", compute="_compute_actuals", search=unsearchable("actual_new_customers")
    )
    actual_new_revenue = fields.Monetary(
        string="New Revenue", compute="_compute_actuals", search=unsearchable("actual_new_revenue")
    )
    attainment_new_customers = fields.Float(
        string="New Customers Attainment (%)",
        digits=(5, 1),
        compute="_compute_actuals",
        search=unsearchable("attainment_new_customers"),
    )
    attainment_new_revenue = fields.Float(
        string="New Revenue Attainment (%)",
        digits=(5, 1),
        compute="_compute_actuals",
        search=unsearchable("attainment_new_revenue"),
    )

    _sql_constraints = [
        ("year_user_company_uniq", "unique(year, user_id, company_id)", "One annual plan per salesperson and year."),
    ]

    @api.constrains("year", "target_new_customers", "target_new_revenue")
    def _check_target(self):
        for target in self:
            if not 2000 <= target.year <= 2100:
                raise ValidationError(self.env._("The year of an annual plan must be between 2000 and 2100."))
            if target.target_new_customers < 0 or target.target_new_revenue < 0:
                raise ValidationError(self.env._("Annual plan targets must be positive or zero."))

    def _compute_actuals(self):
        today = fields.Date.context_today(self)
        cache = {}
        for target in self:
            start = date(target.year, 1, 1)
            end = min(date(target.year, 12, 31), today)
            key = (target.company_id.id, target.year)
            if key not in cache:
                history = self.env["crm.loyalty.history"]._loyalty_history_slice(
                    target.company_id, [date(target.year - 1, 12, 31), end]
                )
                figures = self.env["crm.loyalty.invoice"]._loyalty_period_figures(target.company_id, start, end)
                cache[key] = (history, figures)
            history, figures = cache[key]
            kpi_model = self.env["crm.loyalty.kpi"]
            salesperson = kpi_model._loyalty_salesperson_map(history["partner_id"].unique())
            mine = history[history["partner_id"].map(salesperson) == target.user_id.id]
            fresh, revenue = kpi_model._loyalty_new_business(mine, date(target.year - 1, 12, 31), end, figures)
            target.actual_new_customers = len(fresh)
            target.actual_new_revenue = revenue
            target.attainment_new_customers = (
                100.0 * len(fresh) / target.target_new_customers if target.target_new_customers else 0.0
            )
            target.attainment_new_revenue = (
                100.0 * revenue / target.target_new_revenue if target.target_new_revenue else 0.0
            )
