# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from ..loyalty_analytics.kpi import KpiInputError, scenario
from .loyalty_search import unsearchable


class CrmLoyaltyScenario(models.Model):
    """What-if scenario on the pyramid economics of a period (README, *What-if scenarios*).

    Lines move N customers from one level to another; each moved customer
    takes the average revenue and gross profit per customer of its new level
    instead of those of its old level. Fixed (marketing and sales) costs are
    unchanged, so the profit change is also the change of profit after costs.
    """

    _name = "crm.loyalty.scenario"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin", "crm.loyalty.number.mixin"]
    _description = "Customer Pyramid What-if Scenario"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, default=lambda self: self.env._("What-if Scenario"))
    economics_id = fields.Many2one(
        "crm.loyalty.economics", string="Economics", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="economics_id.company_id", store=True)
    currency_id = fields.Many2one(related="economics_id.currency_id")
    line_ids = fields.One2many("crm.loyalty.scenario.line", "scenario_id", string="Moves", copy=True)
    revenue_before = fields.Monetary(related="economics_id.revenue", string="Revenue Now")
    profit_before = fields.Monetary(related="economics_id.profit_after_cost", string="Profit after Costs Now")
    revenue_change = fields.Monetary(compute="_compute_result", store=True)
    profit_change = fields.Monetary(compute="_compute_result", store=True)
    revenue_after = fields.Monetary(string="Revenue after Scenario", compute="_compute_result", store=True)
    profit_after = fields.Monetary(string="Profit after Costs after Scenario", compute="_compute_result", store=True)
    error = fields.Char(
        compute="_compute_result_display", help="Why the scenario cannot be computed.", search=unsearchable("error")
    )
    result_html = fields.Html(
        string="New Pyramid", compute="_compute_result_display", sanitize=False, search=unsearchable("result_html")
    )

    def _loyalty_moves(self):
        self.ensure_one()
        return [(line.from_level_id.code, line.to_level_id.code, line.count) for line in self.line_ids]

    def _loyalty_result(self):
        """``scenario()`` on the economics of the period; raises KpiInputError."""
        self.ensure_one()
        for line in self.line_ids:
            line._loyalty_check_line()
        table = self.economics_id._loyalty_economics_table()
        if table.empty:
            raise KpiInputError("The economics of this period have no customers: compute them first.")
        labels = {line.level_id.code: line.level_id.name for line in self.economics_id.line_ids}
        labels.update({line.from_level_id.code: line.from_level_id.name for line in self.line_ids})
        labels.update({line.to_level_id.code: line.to_level_id.name for line in self.line_ids})
        return table, scenario(table, self._loyalty_moves(), labels)

    @api.depends(
        "line_ids.from_level_id",
        "line_ids.to_level_id",
        "line_ids.count",
        "economics_id.line_ids.customers",
        "economics_id.line_ids.avg_revenue",
        "economics_id.line_ids.avg_profit",
        "economics_id.revenue",
        "economics_id.profit_after_cost",
    )
    def _compute_result(self):
        for record in self:
            record.revenue_change = record.profit_change = 0.0
            record.revenue_after = record.economics_id.revenue
            record.profit_after = record.economics_id.profit_after_cost
            if not record.economics_id:
                continue
            try:
                result = record._loyalty_result()[1]
            except KpiInputError:
                continue
            record.revenue_change = result["revenue_change"]
            record.profit_change = result["profit_change"]
            record.revenue_after = record.economics_id.revenue + result["revenue_change"]
            record.profit_after = record.economics_id.profit_after_cost + result["profit_change"]

    @api.depends(
        "line_ids.from_level_id",
        "line_ids.to_level_id",
        "line_ids.count",
        "economics_id.line_ids.customers",
        "economics_id.line_ids.avg_revenue",
    )
    def _compute_result_display(self):
        for record in self:
            record.error = record.result_html = False
            if not record.economics_id:
                continue
            try:
                table, result = record._loyalty_result()
            except KpiInputError as error:
                record.error = str(error)
                continue
            record.result_html = record._loyalty_pyramid_html(table, result)

    def _loyalty_pyramid_html(self, table, result):
        levels = {line.level_id.code: line.level_id for line in self.economics_id.line_ids}
        currency = self.currency_id
        rows = []
        for code in table.index:
            before = int(table.at[code, "customers"])
            after = int(result["customers"][code])
            revenue_after = after * float(table.at[code, "avg_revenue"])
            rows.append(
                Markup(
                    "<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
                )
                % (
                    levels[code].display_name,
                    before,
                    after,
                    f"{after - before:+d}",
                    format_amount(self.env, revenue_after, currency),
                )
            )
        header = Markup(
            "<tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr>"
        ) % (
            self.env._("Level"),
            self.env._("Customers Now"),
            self.env._("Customers after"),
            self.env._("Change"),
            self.env._("Revenue after"),
        )
        return Markup("<table class='table table-sm o_loyalty_scenario'><thead>%s</thead><tbody>%s</tbody></table>") % (
            header,
            Markup("").join(rows) or escape(""),
        )

    @api.constrains("line_ids", "economics_id")
    def _check_scenario(self):
        for record in self:
            try:
                record._loyalty_result()
            except KpiInputError as error:
                raise ValidationError(str(error)) from error

    def action_export_workbook(self):
        """Download the Excel workbook of the economics, with a Scenario sheet."""
        self.ensure_one()
        workbook = self.env["crm.loyalty.workbook"]
        return workbook._loyalty_download_action(workbook.loyalty_export_workbook(scenario=self))

    def _loyalty_customers_after(self):
        """New number of customers per level code."""
        self.ensure_one()
        return self._loyalty_result()[1]["customers"]


class CrmLoyaltyScenarioLine(models.Model):
    _name = "crm.loyalty.scenario.line"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.number.mixin"]
    _check_company_auto = True
    _description = "What-if Scenario Move"
    _order = "scenario_id, id"

    scenario_id = fields.Many2one(
        "crm.loyalty.scenario", required=True, index=True, ondelete="cascade", check_company=True
    )
    # stored: the company rule reads it (a line follows its scenario, which follows its economics)
    company_id = fields.Many2one(related="scenario_id.company_id", store=True, index=True)
    from_level_id = fields.Many2one("crm.loyalty.level", string="From Level", required=True, check_company=True)
    to_level_id = fields.Many2one("crm.loyalty.level", string="To Level", required=True, check_company=True)
    count = fields.Integer(string="Customers to Move", default=1)

    def _loyalty_check_line(self):
        """Refuse a line that makes no sense (KpiInputError with a user message)."""
        for line in self:
            if line.count < 0:
                raise KpiInputError("The number of customers to move must be a whole number, zero or more.")
            if line.from_level_id and line.from_level_id == line.to_level_id:
                raise KpiInputError(
                    f"A scenario line must move customers to another level (not {line.from_level_id.name} to itself)."
                )

    @api.constrains("count", "from_level_id", "to_level_id")
    def _check_line(self):
        try:
            self._loyalty_check_line()
        except KpiInputError as error:
            raise ValidationError(str(error)) from error
