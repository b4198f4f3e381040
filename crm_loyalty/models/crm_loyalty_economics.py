# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..loyalty_analytics.kpi import KpiInputError, level_economics, levels_at
from .loyalty_access import LOYALTY_MANAGER, check_group, check_period
from .loyalty_search import unsearchable

# what the computation depends on: changing it asks for a new computation
_INPUTS = {"date_from", "date_to", "marketing_cost", "sales_cost", "allocation_rule", "company_id", "line_ids"}

ALLOCATION_RULES = [
    ("customers", "By Customer Count"),
    ("revenue", "By Revenue"),
    ("weights", "By Level Weights"),
]


def _default_date_from(record):
    return fields.Date.context_today(record).replace(day=1) - relativedelta(years=1)


def _default_date_to(record):
    return fields.Date.context_today(record).replace(day=1) - relativedelta(days=1)


class CrmLoyaltyEconomics(models.Model):
    """Pyramid economics of a period (README, *Pyramid economics*).

    Customers are counted in the level they held at the end of the period
    (from the level history; customers whose history starts after the period
    take their current level). Revenue and gross profit are those of the posted
    invoices and credit notes dated in the period, as in Odoo's invoice
    analysis. Marketing and sales costs entered by the managers are
    allocated to the levels by customer count, by revenue or by level weights.
    """

    _name = "crm.loyalty.economics"
    _description = "Customer Pyramid Economics"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin", "mail.thread", "crm.loyalty.number.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, default=lambda self: self.env._("Pyramid Economics"), tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True, default=_default_date_from, tracking=True)
    date_to = fields.Date(string="To", required=True, default=_default_date_to, tracking=True)
    marketing_cost = fields.Monetary(string="Marketing Costs", tracking=True)
    sales_cost = fields.Monetary(string="Sales Costs", tracking=True)
    total_cost = fields.Monetary(string="Costs to Allocate", compute="_compute_total_cost", store=True)
    allocation_rule = fields.Selection(
        ALLOCATION_RULES,
        required=True,
        default="customers",
        tracking=True,
        help="How the marketing and sales costs are shared between the levels: in proportion to their "
        "customers, to their revenue, or to their customers times the level weight.",
    )
    line_ids = fields.One2many("crm.loyalty.economics.line", "economics_id", string="Levels")
    scenario_ids = fields.One2many("crm.loyalty.scenario", "economics_id", string="Scenarios")
    scenario_count = fields.Integer(compute="_compute_scenario_count", search=unsearchable("scenario_count"))
    customer_count = fields.Integer(string="Customers", compute="_compute_totals", store=True)
    revenue = fields.Monetary(compute="_compute_totals", store=True)
    gross_profit = fields.Monetary(compute="_compute_totals", store=True)
    profit_after_cost = fields.Monetary(string="Profit after Costs", compute="_compute_totals", store=True)
    roi = fields.Float(
        string="Return on Costs",
        digits=(16, 2),
        compute="_compute_totals",
        store=True,
        help="Profit after costs divided by the costs (0 without costs).",
    )
    unclassified_count = fields.Integer(
        string="Customers without Level",
        readonly=True,
        help="Customers invoiced in the period that have no level (never ranked); their revenue is not in the levels.",
    )
    unclassified_revenue = fields.Monetary(string="Revenue without Level", readonly=True)
    computed_on = fields.Datetime(readonly=True)
    needs_compute = fields.Boolean(
        default=True, readonly=True, copy=False, help="Never computed, or the period, costs or weights changed since."
    )

    def write(self, vals):
        if _INPUTS & set(vals) and "needs_compute" not in vals:
            vals = dict(vals, needs_compute=True)
        return super().write(vals)

    @api.depends("marketing_cost", "sales_cost")
    def _compute_total_cost(self):
        for economics in self:
            economics.total_cost = economics.marketing_cost + economics.sales_cost

    @api.depends("line_ids.customers", "line_ids.revenue", "line_ids.gross_profit", "line_ids.profit_after_cost")
    def _compute_totals(self):
        for economics in self:
            lines = economics.line_ids
            economics.customer_count = sum(lines.mapped("customers"))
            economics.revenue = sum(lines.mapped("revenue"))
            economics.gross_profit = sum(lines.mapped("gross_profit"))
            economics.profit_after_cost = sum(lines.mapped("profit_after_cost"))
            cost = sum(lines.mapped("cost"))
            economics.roi = economics.profit_after_cost / cost if cost > 0 else 0.0

    def _compute_scenario_count(self):
        for economics in self:
            economics.scenario_count = len(economics.scenario_ids)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for economics in self:
            check_period(self.env, economics.date_from, economics.date_to)
            if economics.date_to < economics.date_from:
                raise ValidationError(self.env._("The end of the period must not be before its start."))

    def _loyalty_company_locked(self):
        # free to change company until computed (its lines and scenarios then belong to the company)
        return self.filtered(lambda economics: economics.computed_on or economics.line_ids or economics.scenario_ids)

    @api.constrains("marketing_cost", "sales_cost")
    def _check_costs(self):
        for economics in self:
            if economics.marketing_cost < 0 or economics.sales_cost < 0:
                raise ValidationError(self.env._("Marketing and sales costs must be a positive amount or zero."))

    # ------------------------------------------------------------------
    # computation
    # ------------------------------------------------------------------
    def _loyalty_customer_frame(self):
        """One row per customer of the period: ``partner_id``, ``level_code``,
        ``revenue``, ``margin`` (level at the end of the period)."""
        self.ensure_one()
        company = self.company_id
        history = self.env["crm.loyalty.history"]._loyalty_history_slice(company, [self.date_to])
        level_end = levels_at(history, self.date_to) if not history.empty else pd.Series(dtype=object)
        figures = self.env["crm.loyalty.invoice"]._loyalty_period_figures(company, self.date_from, self.date_to)
        self.env["crm.loyalty.score"].flush_model(["level_id"])
        # through COPY, as integers: no Python object per customer (a million customers)
        current = (
            self.env["crm.loyalty.invoice"]
            ._loyalty_read_frame(
                self.env.cr,
                SQL(
                    "SELECT partner_id, level_id FROM crm_loyalty_score WHERE company_id = %s AND level_id IS NOT NULL",
                    company.id,
                ),
                ["partner_id", "level_id"],
                integers=["partner_id", "level_id"],
            )
            .set_index("partner_id")["level_id"]
        )
        codes = self.env["crm.loyalty.level"]._loyalty_codes_by_id(company)
        # customers whose history starts after the period (ranked for the first time later, e.g. the
        # module was installed after the period) take their current level
        known = pd.Index(
            history.loc[history["date"] < pd.Timestamp(self.date_to) + pd.Timedelta(days=1), "partner_id"].unique()
        )
        later = current.index.difference(known)
        partners = pd.Index(level_end.index).union(pd.Index(figures["partner_id"])).union(later)
        frame = pd.DataFrame(index=partners)
        frame.index.name = "partner_id"
        frame["level_code"] = level_end.reindex(partners)
        missing = (frame["level_code"].isna() & ~partners.isin(known)).to_numpy()
        frame.loc[missing, "level_code"] = current.reindex(partners[missing]).map(codes).to_numpy()
        indexed = figures.set_index("partner_id")
        frame["revenue"] = indexed["revenue"].reindex(partners).fillna(0.0)
        frame["margin"] = frame["revenue"] - indexed["cost"].reindex(partners).fillna(0.0)
        return frame.reset_index()

    def action_compute(self):
        check_group(self.env, LOYALTY_MANAGER, self.env._("Only Loyalty Managers can compute the pyramid economics."))
        self.check_access("write")
        for economics in self:
            frame = economics._loyalty_customer_frame()
            classified = frame[frame["level_code"].notna()]
            unclassified = frame[frame["level_code"].isna()]
            levels = self.env["crm.loyalty.level"].search([("company_id", "=", economics.company_id.id)])
            by_code = {level.code: level for level in levels}
            weights = {line.level_id.code: line.weight for line in economics.line_ids}
            for code, level in by_code.items():
                weights.setdefault(code, level.cost_weight)
            try:
                table = level_economics(classified, economics.total_cost, economics.allocation_rule, weights=weights)
            except KpiInputError as error:
                raise UserError(str(error)) from error
            digits = economics.currency_id.decimal_places
            commands = [(5, 0, 0)]
            for code, row in table.iterrows():
                commands.append(
                    (
                        0,
                        0,
                        {
                            "level_id": by_code[code].id,
                            "weight": weights.get(code, 0.0),
                            "customers": int(row["customers"]),
                            "revenue": round(float(row["revenue"]), digits),
                            "gross_profit": round(float(row["gross_profit"]), digits),
                            "avg_revenue": float(row["avg_revenue"]),
                            "avg_profit": float(row["avg_profit"]),
                            "margin_pct": float(row["margin_pct"]),
                            "cost": round(float(row["cost"]), digits),
                            "profit_after_cost": round(float(row["profit_after_cost"]), digits),
                            "roi": float(row["roi"]) if pd.notna(row["roi"]) else 0.0,
                        },
                    )
                )
            economics.write(
                {
                    "needs_compute": False,
                    "line_ids": commands,
                    "unclassified_count": len(unclassified),
                    "unclassified_revenue": round(float(unclassified["revenue"].sum()), digits),
                    "computed_on": fields.Datetime.now(),
                }
            )
        return True

    def _loyalty_economics_table(self):
        """The computed lines as the DataFrame of ``level_economics`` (for scenarios)."""
        self.ensure_one()
        rows = {
            line.level_id.code: {
                "customers": line.customers,
                "revenue": line.revenue,
                "gross_profit": line.gross_profit,
                "avg_revenue": line.avg_revenue,
                "avg_profit": line.avg_profit,
            }
            for line in self.line_ids
        }
        return pd.DataFrame.from_dict(rows, orient="index")

    def action_export_workbook(self):
        """Download the Excel workbook of these economics."""
        self.ensure_one()
        workbook = self.env["crm.loyalty.workbook"]
        return workbook._loyalty_download_action(workbook.loyalty_export_workbook(economics=self))

    def action_open_scenarios(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("crm_loyalty.crm_loyalty_scenario_action")
        action["domain"] = [("economics_id", "=", self.id)]
        action["context"] = {"default_economics_id": self.id}
        return action

    def action_new_scenario(self):
        """The what-if wizard: a scenario form in a dialog, saved as a scenario record."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("What-if Scenario"),
            "res_model": "crm.loyalty.scenario",
            "view_mode": "form",
            "target": "new",
            "context": {"default_economics_id": self.id},
        }


class CrmLoyaltyEconomicsLine(models.Model):
    _name = "crm.loyalty.economics.line"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.number.mixin"]
    _check_company_auto = True
    _description = "Customer Pyramid Economics per Level"
    _order = "economics_id, sequence, id"

    economics_id = fields.Many2one(
        "crm.loyalty.economics", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="economics_id.company_id", store=True)
    currency_id = fields.Many2one(related="economics_id.currency_id")
    level_id = fields.Many2one(
        "crm.loyalty.level", string="Level", required=True, ondelete="cascade", check_company=True
    )
    sequence = fields.Integer(related="level_id.sequence", store=True)
    weight = fields.Float(
        string="Cost Weight",
        digits=(16, 2),
        help="With the allocation by level weights, a level receives costs in proportion to its customers "
        "times this weight.",
    )
    customers = fields.Integer(readonly=True)
    revenue = fields.Monetary(readonly=True)
    gross_profit = fields.Monetary(readonly=True)
    avg_revenue = fields.Monetary(string="Revenue per Customer", readonly=True, aggregator="avg")
    avg_profit = fields.Monetary(string="Profit per Customer", readonly=True, aggregator="avg")
    margin_pct = fields.Float(string="Margin (%)", digits=(16, 2), readonly=True, aggregator="avg")
    cost = fields.Monetary(string="Allocated Costs", readonly=True)
    profit_after_cost = fields.Monetary(string="Profit after Costs", readonly=True)
    roi = fields.Float(
        string="Return on Costs", digits=(16, 2), readonly=True, aggregator="avg", help="Profit after costs / costs."
    )

    def write(self, vals):
        if "weight" in vals:
            self.economics_id.needs_compute = True
        return super().write(vals)

    @api.constrains("weight")
    def _check_weight(self):
        for line in self:
            if not 0 <= line.weight <= 10**6:
                raise ValidationError(self.env._("Level weights must be positive numbers or zero, at most 1,000,000."))
