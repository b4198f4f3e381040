# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from ..loyalty_analytics import RANKED_CODES
from ..loyalty_analytics.kpi import levels_at, new_customers, period_kpis, period_kpis_by_level
from .loyalty_access import LOYALTY_MANAGER, LOYALTY_USER_ALL, check_group

# what a group of KPI rows (several salespeople, levels or months) shows in grouped lists and pivots:
# flows (new, lost, revenue, visits) add up; rates are the ratio of their sums (a month of 90 customers
# weighs more than one of 3), not an average of rates
KPI_RATIOS = {
    "retention_rate": ("retained_count", "active_start"),
    "churn_rate": ("lost_count", "active_start"),
    "visit_completion": ("visit_done_count", "visit_count"),
    "attainment_new_customers": ("ytd_new_customers", "target_new_customers"),
    "attainment_new_revenue": ("ytd_new_revenue", "target_new_revenue"),
}
# stocks (customers at a date, year-to-date figures, yearly targets repeated each month) add up within a
# month, and over months show the average of the monthly totals, never their sum
KPI_STOCKS = (
    "active_start",
    "active_end",
    "target_new_customers",
    "ytd_new_customers",
    "target_new_revenue",
    "ytd_new_revenue",
)


class CrmLoyaltyKpi(models.Model):
    """Monthly retention KPIs, per company and per salesperson.

    Reproducible for past months: the levels at the start and the end of the
    month come from the level history, the revenue from the posted invoices.
    A row without salesperson is the company total; the salesperson of a
    customer is its current salesperson.
    """

    _name = "crm.loyalty.kpi"
    _inherit = ["crm.loyalty.company.mixin"]
    _check_company_auto = True
    _description = "Customer Retention KPIs (monthly snapshot)"
    _order = "date_month desc, company_id, user_id, level_id"

    date_month = fields.Date(string="Month", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    active_start = fields.Integer(
        string="Active at Start",
        readonly=True,
        aggregator="avg",
        help="Active customers at the start of the month; over several months, the average of the monthly totals.",
    )
    active_end = fields.Integer(
        string="Active Customers",
        readonly=True,
        aggregator="avg",
        help="Active customers at the end of the month; over several months, the average of the monthly totals.",
    )
    new_count = fields.Integer(string="New Customers", readonly=True)
    lost_count = fields.Integer(string="Lost Customers", readonly=True)
    retained_count = fields.Integer(string="Retained Customers", readonly=True)
    retention_rate = fields.Float(
        string="Retention (%)",
        digits=(5, 1),
        readonly=True,
        aggregator="avg",
        help="Retained customers / active customers at the start; for a group of rows, the ratio of their sums.",
    )
    churn_rate = fields.Float(
        string="Churn (%)",
        digits=(5, 1),
        readonly=True,
        aggregator="avg",
        help="Lost customers / active customers at the start; for a group of rows, the ratio of their sums.",
    )
    upgrades = fields.Integer(readonly=True)
    downgrades = fields.Integer(readonly=True)
    development = fields.Integer(string="Customer Development", readonly=True, help="New customers + upgrades.")
    level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Level",
        index=True,
        readonly=True,
        check_company=True,
        help="Rows per level: customers counted in their level at the start of the month "
        "(lost, retained, upgrades, downgrades) or at its end (active, new, revenue, visits).",
    )
    revenue = fields.Monetary(
        readonly=True,
        help="Untaxed revenue of the month's posted invoices and credit notes (by invoice salesperson; by the "
        "customer's level at the end of the month on level rows).",
    )
    visit_count = fields.Integer(string="Visits Planned", readonly=True)
    visit_done_count = fields.Integer(string="Visits Done", readonly=True)
    visit_completion = fields.Float(
        string="Visit Completion (%)",
        digits=(5, 1),
        readonly=True,
        aggregator="avg",
        help="Visits done / visits planned in the month (cancelled visits count as not done).",
    )
    target_new_customers = fields.Integer(string="Yearly Target: New Customers", readonly=True)
    ytd_new_customers = fields.Integer(
        string="New Customers (Year to Date)",
        readonly=True,
        help="Customers of the salesperson active at the end of the month and never active before this year.",
    )
    attainment_new_customers = fields.Float(
        string="New Customers Attainment (%)",
        digits=(5, 1),
        compute="_compute_attainment",
        store=True,
        aggregator="avg",
    )
    target_new_revenue = fields.Monetary(string="Yearly Target: New Revenue", readonly=True)
    ytd_new_revenue = fields.Monetary(
        string="New Revenue (Year to Date)",
        readonly=True,
        help="Revenue since January 1st from the new customers of the year.",
    )
    attainment_new_revenue = fields.Float(
        string="New Revenue Attainment (%)",
        digits=(5, 1),
        compute="_compute_attainment",
        store=True,
        aggregator="avg",
    )

    _sql_constraints = [
        (
            "month_company_user_uniq",
            "unique NULLS NOT DISTINCT (date_month, company_id, user_id, level_id)",
            "One KPI row per month, salesperson and level.",
        ),
    ]

    def _read_group_select(self, aggregate_spec, query):
        fname, property_name, func = parse_read_group_spec(aggregate_spec)
        if property_name or func not in ("sum", "avg"):
            return super()._read_group_select(aggregate_spec, query)
        if fname in KPI_RATIOS:
            numerator, denominator = KPI_RATIOS[fname]
            return SQL(
                "COALESCE(100.0 * SUM(%s) / NULLIF(SUM(%s), 0), 0)",
                self._field_to_sql(self._table, numerator, query),
                self._field_to_sql(self._table, denominator, query),
            )
        if fname in KPI_STOCKS:
            return SQL(
                "COALESCE(SUM(%s)::numeric / NULLIF(COUNT(DISTINCT %s), 0), 0)",
                self._field_to_sql(self._table, fname, query),
                self._field_to_sql(self._table, "date_month", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    @api.depends("target_new_customers", "ytd_new_customers", "target_new_revenue", "ytd_new_revenue")
    def _compute_attainment(self):
        for row in self:
            row.attainment_new_customers = (
                100.0 * row.ytd_new_customers / row.target_new_customers if row.target_new_customers else 0.0
            )
            row.attainment_new_revenue = (
                100.0 * row.ytd_new_revenue / row.target_new_revenue if row.target_new_revenue else 0.0
            )

    @api.model
    def _loyalty_scope(self):
        """The rows of the whole company (no salesperson, no level) for users who may read every customer, else
        the user's own salesperson rows (their customers; the record rules give them no other row): what the
        dashboard and the workbook show."""
        if self.env.su or self.env.user.has_group(LOYALTY_USER_ALL):
            return [("user_id", "=", False), ("level_id", "=", False)]
        return [("user_id", "=", self.env.uid), ("level_id", "=", False)]

    @api.model
    def _loyalty_visit_counts(self, company, start, end):
        """Visits planned in the month: ``{(user_id, partner_id): (planned, done)}``."""
        groups = self.env["crm.loyalty.visit"]._read_group(
            [("company_id", "=", company.id), ("date_planned", ">=", start), ("date_planned", "<=", end)],
            ["user_id", "commercial_partner_id", "state"],
            ["__count"],
        )
        counts = {}
        for user, partner, state, count in groups:
            planned, done = counts.get((user.id, partner.id), (0, 0))
            counts[(user.id, partner.id)] = (planned + count, done + (count if state == "done" else 0))
        return counts

    @api.model
    def _loyalty_salesperson_map(self, partner_ids):
        """``{partner id: salesperson id}`` in one query (no ORM cache for 100k customers)."""
        if len(partner_ids) == 0:
            return {}
        self.env["res.partner"].flush_model(["user_id"])
        self.env.cr.execute(
            SQL(
                "SELECT id, user_id FROM res_partner WHERE id = ANY(%s) AND user_id IS NOT NULL",
                [int(partner_id) for partner_id in partner_ids],
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _loyalty_new_business(self, history, year_before, end, figures):
        """New customers of the year up to ``end`` in ``history`` (active at ``end``, never active up
        to ``year_before``, the last day of the previous year) and their revenue in ``figures``."""
        fresh = new_customers(history, year_before, end) if not history.empty else set()
        return fresh, float(figures.loc[figures["partner_id"].isin(fresh), "revenue"].sum())

    @api.model
    def _loyalty_visit_values(self, visits, keep):
        """Visit figures of the visits ``keep(user_id, partner_id)`` accepts."""
        planned = done = 0
        for (user_id, partner_id), (count, count_done) in visits.items():
            if keep(user_id, partner_id):
                planned += count
                done += count_done
        return {
            "visit_count": planned,
            "visit_done_count": done,
            "visit_completion": 100.0 * done / planned if planned else 0.0,
        }

    @api.model
    def _loyalty_kpi_extra(self, company, start, end, partner_user, partner_level):
        """Hook for more figures per row (the helpdesk bridge adds satisfaction).

        :param partner_user: dict partner id -> salesperson id
        :param partner_level: dict partner id -> level code at the end of the month
        :returns: dict ``(user_id or False, level code or False) -> {field: value}``
        """
        return {}

    @api.model
    def _loyalty_row_values(self, kpis):
        return {
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
        }

    @api.model
    def _compute_month(self, date_month=None, companies=None):
        """(Re)compute the snapshot of a month (default: the previous month).

        Rows: the company total (no salesperson, no level), one per
        salesperson and one per ranked level.

        Computed and written as superuser: the rows count every customer, visit and annual plan of
        the company whoever asks, and KPI rows are read-only for users. Callers are the monthly
        cron, the demo data, and the dashboard after its own check of the user's group.
        """
        return self.sudo()._loyalty_compute_month(date_month, companies).sudo(False)

    @api.model
    def _loyalty_ensure_months(self, months, company):
        """Compute the snapshots of ``months`` of ``company`` that do not exist yet. As superuser, as
        :meth:`_compute_month`: whether a month has rows is the company's business, not the user's rows (a
        salesperson sees only their own); the caller (the dashboard) checked the user's group and company."""
        kpis = self.sudo()
        for month in months:
            if not kpis.search_count([("company_id", "=", company.id), ("date_month", "=", month)], limit=1):
                kpis._loyalty_compute_month(month, company)

    @api.model
    def _loyalty_compute_month(self, date_month, companies):
        start = fields.Date.to_date(date_month) or (fields.Date.context_today(self) - relativedelta(months=1))
        start = start.replace(day=1)
        end = start + relativedelta(months=1, days=-1)
        day_before = start - relativedelta(days=1)
        year_before = start.replace(month=1, day=1) - relativedelta(days=1)
        rows = self.browse()
        for company in companies or self.env["res.company"].search([]):
            history = self.env["crm.loyalty.history"]._loyalty_history_slice(company, [day_before, end, year_before])
            if history.empty or history["date"].min() >= pd.Timestamp(start):
                # the level history starts after the month began: no level at its start, no figure
                # (never "everyone new" or "0 % retention"); rebuilding the history fills it
                self.search([("company_id", "=", company.id), ("date_month", "=", start)]).unlink()
                continue
            revenue = self.env["crm.loyalty.invoice"]._loyalty_revenue_by_salesperson(company, start, end)
            partner_revenue = (
                self.env["crm.loyalty.invoice"]._loyalty_period_figures(company, start, end).set_index("partner_id")
            )["revenue"]
            visits = self._loyalty_visit_counts(company, start, end)
            salesperson = self._loyalty_salesperson_map(
                set(history["partner_id"].unique().tolist()) | {partner for _user, partner in visits}
            )
            level_end = levels_at(history, end) if not history.empty else pd.Series(dtype=object)
            history["user_id"] = history["partner_id"].map(salesperson)
            extra = self._loyalty_kpi_extra(company, start, end, salesperson, level_end.to_dict())
            targets = {
                target.user_id.id: target
                for target in self.env["crm.loyalty.target"].search(
                    [("company_id", "=", company.id), ("year", "=", start.year)]
                )
            }
            users = {int(user_id) for user_id in history["user_id"].dropna() if user_id} | set(targets)
            users |= {user for user, _partner in visits if user}

            base = {"date_month": start, "company_id": company.id}
            vals_list = [
                {
                    **base,
                    "user_id": False,
                    "level_id": False,
                    **self._loyalty_row_values(period_kpis(history, day_before, end)),
                    "revenue": sum(revenue.values()),
                    **self._loyalty_visit_values(visits, lambda _user, _partner: True),
                    **extra.get((False, False), {}),
                }
            ]
            # revenue since January 1st per customer, for the new business of the year
            ytd = (
                self.env["crm.loyalty.invoice"]._loyalty_period_figures(
                    company, year_before + relativedelta(days=1), end
                )
                if users
                else None
            )
            for user_id in sorted(users):
                frame = history[history["user_id"] == user_id]
                kpis = period_kpis(frame, day_before, end)
                fresh, ytd_revenue = self._loyalty_new_business(frame, year_before, end, ytd)
                target = targets.get(user_id)
                vals_list.append(
                    {
                        **base,
                        "user_id": user_id,
                        "level_id": False,
                        **self._loyalty_row_values(kpis),
                        "revenue": revenue.get(user_id, 0.0),
                        **self._loyalty_visit_values(visits, lambda user, _partner, user_id=user_id: user == user_id),
                        "ytd_new_customers": len(fresh),
                        "ytd_new_revenue": ytd_revenue,
                        "target_new_customers": target.target_new_customers if target else 0,
                        "target_new_revenue": target.target_new_revenue if target else 0.0,
                        **extra.get((user_id, False), {}),
                    }
                )
            levels = self.env["crm.loyalty.level"].search(
                [("company_id", "=", company.id), ("code", "in", list(RANKED_CODES))]
            )
            by_level = period_kpis_by_level(history, day_before, end)
            for level in levels:
                members = level_end[level_end == level.code].index
                vals_list.append(
                    {
                        **base,
                        "user_id": False,
                        "level_id": level.id,
                        **self._loyalty_row_values(by_level[level.code]),
                        "revenue": float(partner_revenue.reindex(members).fillna(0.0).sum()),
                        **self._loyalty_visit_values(
                            visits,
                            lambda _user, partner, code=level.code, level_end=level_end: level_end.get(partner) == code,
                        ),
                        **extra.get((False, level.code), {}),
                    }
                )
            self.search([("company_id", "=", company.id), ("date_month", "=", start)]).unlink()
            rows |= self.create(vals_list)
        return rows

    @api.model
    def _cron_compute_previous_month(self):
        self._compute_month()

    def action_open_economics(self):
        """Pyramid economics of the row's month (created on first use, by a Loyalty Manager)."""
        self.ensure_one()
        end = self.date_month + relativedelta(months=1, days=-1)
        economics = self.env["crm.loyalty.economics"].search(
            [("company_id", "=", self.company_id.id), ("date_from", "=", self.date_month), ("date_to", "=", end)],
            limit=1,
        )
        if not economics:
            check_group(
                self.env,
                LOYALTY_MANAGER,
                self.env._(
                    "The pyramid economics of this month are not computed yet: ask a Loyalty Manager to open them."
                ),
            )
            economics = self.env["crm.loyalty.economics"].create(
                {"company_id": self.company_id.id, "date_from": self.date_month, "date_to": end}
            )
            economics.action_compute()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.loyalty.economics",
            "res_id": economics.id,
            "view_mode": "form",
        }
