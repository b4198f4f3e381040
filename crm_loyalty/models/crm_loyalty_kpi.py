# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..loyalty_analytics.kpi import period_kpis


class CrmLoyaltyKpi(models.Model):
    """Monthly retention KPIs, per company and per salesperson.

    Reproducible for past months: the levels at the start and the end of the
    month come from the level history, the revenue from the posted invoices.
    A row without salesperson is the company total; the salesperson of a
    customer is its current salesperson.
    """

    _name = "crm.loyalty.kpi"
    _description = "Customer Retention KPIs (monthly snapshot)"
    _order = "date_month desc, company_id, user_id"

    date_month = fields.Date(string="Month", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    active_start = fields.Integer(string="Active at Start", readonly=True, aggregator="sum")
    active_end = fields.Integer(string="Active Customers", readonly=True, aggregator="sum")
    new_count = fields.Integer(string="New Customers", readonly=True)
    lost_count = fields.Integer(string="Lost Customers", readonly=True)
    retained_count = fields.Integer(string="Retained Customers", readonly=True)
    retention_rate = fields.Float(string="Retention (%)", digits=(5, 1), readonly=True, aggregator="avg")
    churn_rate = fields.Float(string="Churn (%)", digits=(5, 1), readonly=True, aggregator="avg")
    upgrades = fields.Integer(readonly=True)
    downgrades = fields.Integer(readonly=True)
    development = fields.Integer(string="Customer Development", readonly=True, help="New customers + upgrades.")
    revenue = fields.Monetary(
        readonly=True, help="Untaxed revenue of the month's posted invoices and credit notes (by invoice salesperson)."
    )

    _sql_constraints = [
        (
            "month_company_user_uniq",
            "unique(date_month, company_id, user_id)",
            "One KPI row per month and salesperson.",
        ),
    ]

    @api.model
    def _loyalty_history_frame(self, company):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT history.partner_id, history.date, level.code
                  FROM crm_loyalty_history history
             LEFT JOIN crm_loyalty_level level ON level.id = history.level_to_id
                 WHERE history.company_id = %s
              ORDER BY history.date, history.id
                """,
                company.id,
            )
        )
        frame = pd.DataFrame(self.env.cr.fetchall(), columns=["partner_id", "date", "level_code"])
        frame["date"] = pd.to_datetime(frame["date"])
        return frame

    @api.model
    def _loyalty_revenue_by_user(self, company, start, end):
        self.env.cr.execute(
            SQL(
                """
                SELECT move.invoice_user_id, SUM(-line.balance)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE move.company_id = %(company)s
                   AND move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND move.invoice_date BETWEEN %(start)s AND %(end)s
                   AND line.display_type = 'product'
                   AND line.account_id IS NOT NULL
              GROUP BY move.invoice_user_id
                """,
                company=company.id,
                start=start,
                end=end,
            )
        )
        return {user_id: float(amount) for user_id, amount in self.env.cr.fetchall()}

    @api.model
    def _compute_month(self, date_month=None, companies=None):
        """(Re)compute the snapshot of a month (default: the previous month)."""
        start = fields.Date.to_date(date_month) or (fields.Date.context_today(self) - relativedelta(months=1))
        start = start.replace(day=1)
        end = start + relativedelta(months=1, days=-1)
        day_before = start - relativedelta(days=1)
        rows = self.browse()
        for company in companies or self.env["res.company"].search([]):
            history = self._loyalty_history_frame(company)
            revenue = self._loyalty_revenue_by_user(company, start, end)
            partners = self.env["res.partner"].browse(history["partner_id"].unique().tolist())
            salesperson = {partner.id: partner.user_id.id for partner in partners}
            history["user_id"] = history["partner_id"].map(salesperson)
            groups = [(False, history)] + [(user_id, frame) for user_id, frame in history.groupby("user_id") if user_id]
            vals_list = []
            for user_id, frame in groups:
                kpis = period_kpis(frame, day_before, end)
                vals_list.append(
                    {
                        "date_month": start,
                        "company_id": company.id,
                        "user_id": int(user_id) if user_id else False,
                        "active_start": kpis["active_start"],
                        "active_end": kpis["active_end"],
                        "new_count": kpis["new"],
                        "lost_count": kpis["lost"],
                        "retained_count": kpis["retained"],
                        "retention_rate": 100.0 * kpis["retention_rate"] if kpis["retention_rate"] is not None else 0.0,
                        "churn_rate": 100.0 * kpis["churn_rate"] if kpis["churn_rate"] is not None else 0.0,
                        "upgrades": kpis["upgrades"],
                        "downgrades": kpis["downgrades"],
                        "development": kpis["development"],
                        "revenue": sum(revenue.values()) if not user_id else revenue.get(int(user_id), 0.0),
                    }
                )
            self.sudo().search([("company_id", "=", company.id), ("date_month", "=", start)]).unlink()
            rows |= self.sudo().create(vals_list)
        return rows

    @api.model
    def _cron_compute_previous_month(self):
        self._compute_month()
