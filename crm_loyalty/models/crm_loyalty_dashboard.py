# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_amount, format_datetime
from odoo.tools.translate import LazyTranslate

from ..loyalty_analytics import RANKED_CODES
from .loyalty_access import LOYALTY_USER, check_group
from .loyalty_dates import month_label
from .loyalty_search import unsearchable

_lt = LazyTranslate(__name__)

# pyramid shape: width (%) of each ranked level's bar, top to bottom
_SHAPE = {"top": 28, "big": 46, "medium": 68, "small": 100}
_COLOURS = {"top": "#1F4E79", "big": "#2F75B5", "medium": "#5B9BD5", "small": "#9DC3E6"}

# (field, label, higher is better, kind)
_TILES = [
    ("active_end", _lt("Active Customers"), True, "int"),
    ("new_count", _lt("New Customers"), True, "int"),
    ("lost_count", _lt("Lost Customers"), False, "int"),
    ("retention_rate", _lt("Retention"), True, "pct"),
    ("churn_rate", _lt("Churn"), False, "pct"),
    ("development", _lt("Customer Development"), True, "int"),
    ("revenue", _lt("Revenue"), True, "money"),
    ("visit_completion", _lt("Visit Completion"), True, "pct"),
]


class CrmLoyaltyDashboard(models.TransientModel):
    """CRM > Customer Loyalty > Dashboard: the pyramid drawn top to bottom with
    counts and revenue per level, KPI tiles for the last month against the
    month before, and links into the analysis views."""

    _name = "crm.loyalty.dashboard"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin"]
    _check_company_auto = True
    _description = "Customer Loyalty Dashboard"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    # always the last full month: computed, so that no value or context key (default_month) makes the dashboard
    # compute the KPIs of another month
    month = fields.Date(string="Last Month", compute="_compute_month", search=unsearchable("month"))
    run_html = fields.Html(
        string="Computation", compute="_compute_dashboard", sanitize=False, search=unsearchable("run_html")
    )
    pyramid_html = fields.Html(
        string="Pyramid", compute="_compute_dashboard", sanitize=False, search=unsearchable("pyramid_html")
    )
    tiles_html = fields.Html(
        string="KPIs", compute="_compute_dashboard", sanitize=False, search=unsearchable("tiles_html")
    )
    trend_data = fields.Json(
        string="Trend",
        compute="_compute_trend_data",
        help="Retention and churn rates and active customers of the last 24 months with KPIs.",
        search=unsearchable("trend_data"),
    )

    @api.depends_context("tz")
    def _compute_month(self):
        self.month = fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._("Customer Loyalty Dashboard")

    @api.model
    def action_open_dashboard(self):
        dashboard = self.create({})
        dashboard._loyalty_ensure_kpis()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer Loyalty Dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "target": "current",
        }

    def _loyalty_ensure_kpis(self):
        """Snapshots of the last month and the month before, computed if missing."""
        check_group(self.env, LOYALTY_USER, self.env._("Only Loyalty Users can open the customer loyalty dashboard."))
        for dashboard in self:
            self.env["res.company"]._loyalty_allowed_company(dashboard.company_id)
            months = (dashboard.month, dashboard.month - relativedelta(months=1))
            self.env["crm.loyalty.kpi"]._loyalty_ensure_months(months, dashboard.company_id)
        self.invalidate_recordset(["pyramid_html", "tiles_html"])

    @api.depends("company_id", "month")
    def _compute_dashboard(self):
        for dashboard in self:
            dashboard.run_html = dashboard._loyalty_run_html()
            dashboard.pyramid_html = dashboard._loyalty_pyramid_html()
            dashboard.tiles_html = dashboard._loyalty_tiles_html()

    @api.depends("company_id", "month")
    def _compute_trend_data(self):
        """The company's monthly KPIs (all salespeople, all levels) of the 24 months up to the dashboard's
        month, for the trend chart; months without KPIs are left out (the scheduled action computes each
        month's at the start of the next)."""
        kpi_model = self.env["crm.loyalty.kpi"]
        for dashboard in self:
            rows = kpi_model.search_read(
                [
                    ("company_id", "=", dashboard.company_id.id),
                    *kpi_model._loyalty_scope(),
                    ("date_month", ">", dashboard.month - relativedelta(months=24)),
                    ("date_month", "<=", dashboard.month),
                ],
                ["date_month", "retention_rate", "churn_rate", "active_end"],
                order="date_month",
            )
            dashboard.trend_data = {
                "labels": [month_label(self.env, row["date_month"]) for row in rows],
                "series": {
                    "retention": {
                        "label": self.env._("Retention (%)"),
                        "values": [row["retention_rate"] for row in rows],
                        "axis": self.env._("Rate (%)"),
                    },
                    "churn": {"label": self.env._("Churn (%)"), "values": [row["churn_rate"] for row in rows]},
                    "active": {
                        "label": self.env._("Active Customers"),
                        "values": [row["active_end"] for row in rows],
                        "axis": self.env._("Customers"),
                    },
                },
                "empty": self.env._("No monthly KPIs yet: they are computed at the start of every month.")
                if ("user_id", "=", False) in kpi_model._loyalty_scope()
                else self.env._(
                    "No monthly KPIs of your customers yet: they are computed at the start of every month for the "
                    "customers you are the salesperson of."
                ),
            }

    def _loyalty_run_html(self):
        """The computation in progress (state, step, percent), else the last one."""
        self.ensure_one()
        runs = self.env["crm.loyalty.run"]
        run = runs.search(
            [("company_id", "=", self.company_id.id), ("state", "in", ("queued", "running"))], limit=1
        ) or runs.search([("company_id", "=", self.company_id.id)], limit=1)
        if not run:
            return Markup("<div class='alert alert-info'>%s</div>") % self.env._(
                "The pyramid has not been computed yet: it is computed every night."
            )
        state = dict(run._fields["state"]._description_selection(self.env))[run.state]
        if run.state in ("queued", "running"):
            step = dict(run._fields["step"]._description_selection(self.env)).get(run.step, "")
            text = self.env._(
                "Computation in progress (run #%(id)s): %(state)s, %(step)s, %(progress).0f%%.",
                id=run.id,
                state=state,
                step=step,
                progress=run.progress,
            )
            kind = "warning"
        else:
            text = self.env._(
                "Last computation (run #%(id)s): %(state)s on %(date)s.",
                id=run.id,
                state=state,
                date=format_datetime(self.env, run.date_end or run.date_start),
            )
            kind = "danger" if run.state == "failed" else "light"
        return Markup("<div class='alert alert-%s py-2 o_loyalty_run'>%s</div>") % (kind, text)

    def action_recompute(self):
        return self.env["res.partner"].action_loyalty_recompute()

    def action_rebuild_history(self):
        """Managers: the current company's pyramid recomputed in the background with its level history
        rebuilt from the invoices (the button asks for a confirmation first)."""
        self.ensure_one()
        run = (
            self.env["res.partner"]
            .with_context(loyalty_trigger="manual")
            .loyalty_recompute(self.company_id, background=True, history_months=self.company_id.loyalty_history_months)
        )
        return run._loyalty_queued_action(
            self.env._("Level history rebuild queued"),
            self.env._(
                "Run #%(id)s rebuilds %(months)s months of history in the background; you will be notified "
                "when it ends.",
                id=run.id,
                months=run.history_months,
            ),
        )

    def _loyalty_pyramid_html(self):
        self.ensure_one()
        groups = {
            level: (count, revenue)
            for level, count, revenue in self.env["crm.loyalty.score"]._read_group(
                [("company_id", "=", self.company_id.id), ("level_id", "!=", False)],
                ["level_id"],
                ["__count", "revenue_window:sum"],
            )
        }
        levels = self.env["crm.loyalty.level"].search([("company_id", "=", self.company_id.id)])
        rows = []
        for level in levels:
            count, revenue = groups.get(level, (0, 0.0))
            ranked = level.code in RANKED_CODES
            width = _SHAPE.get(level.code, 100)
            colour = _COLOURS.get(level.code, "#BFBFBF")
            text_colour = "#FFFFFF" if level.code in ("top", "big") else "#1B1B1B"
            rows.append(
                Markup(
                    "<div class='o_loyalty_level %s' style='width:%s%%;margin:2px auto;padding:6px 4px;"
                    "background:%s;color:%s;text-align:center;border-radius:3px'>"
                    "<strong>%s</strong> · %s · %s</div>"
                )
                % (
                    "o_loyalty_ranked" if ranked else "o_loyalty_other",
                    width,
                    colour,
                    text_colour,
                    level.name,
                    self.env._("%(count)s customers", count=count),
                    format_amount(self.env, revenue, self.currency_id),
                )
            )
            if level.code == "small":
                rows.append(Markup("<hr style='margin:6px 0'/>"))
        return Markup(
            "<div class='o_loyalty_pyramid' style='max-width:640px;margin:auto'>"
            "<div class='text-muted small text-center o_loyalty_period'>%s</div>%s</div>"
        ) % (self.env["crm.loyalty.run"]._loyalty_scores_period(self.company_id), Markup("").join(rows))

    def _loyalty_format(self, value, kind):
        if value is None:
            return "—"
        if kind == "money":
            return format_amount(self.env, value, self.currency_id)
        if kind == "pct":
            return f"{value:.1f} %"
        return f"{int(value):,}"

    def _loyalty_tiles_html(self):
        self.ensure_one()
        kpi_model = self.env["crm.loyalty.kpi"]
        domain = [("company_id", "=", self.company_id.id), *kpi_model._loyalty_scope()]
        last = kpi_model.search([*domain, ("date_month", "=", self.month)], limit=1)
        before = kpi_model.search([*domain, ("date_month", "=", self.month - relativedelta(months=1))], limit=1)
        tiles = []
        for field_name, label, higher_is_better, kind in _TILES:
            # a month without snapshot (before the level history starts) shows no figure, not a zero
            value = last[field_name] if last else None
            previous = before[field_name] if before else None
            delta = value - previous if last and before else None
            good = delta is not None and (delta > 0) == higher_is_better
            colour = "#6C757D" if not delta else ("#198754" if good else "#DC3545")
            arrow = "" if delta is None else "▲" if delta > 0 else "▼" if delta < 0 else "="
            tiles.append(
                Markup(
                    "<div class='o_loyalty_tile' style='flex:1 0 170px;border:1px solid #DEE2E6;border-radius:4px;"
                    "padding:8px;margin:4px'><div class='text-muted small'>%s</div>"
                    "<div style='font-size:1.5em;font-weight:bold'>%s</div>"
                    "<div style='color:%s'>%s %s <span class='text-muted'>%s</span></div></div>"
                )
                % (
                    label._translate(self.env.lang),
                    self._loyalty_format(value, kind),
                    colour,
                    arrow,
                    self._loyalty_format(None if delta is None else abs(delta), kind),
                    self.env._("vs %(value)s", value=self._loyalty_format(previous, kind)),
                )
            )
        title = self.env._(
            "%(month)s against %(previous)s",
            month=month_label(self.env, self.month, wide=True),
            previous=month_label(self.env, self.month - relativedelta(months=1), wide=True),
        )
        if any(term == ("user_id", "=", self.env.uid) for term in self.env["crm.loyalty.kpi"]._loyalty_scope()):
            title = self.env._("%(title)s: your customers", title=title)
        return Markup("<h4>%s</h4><div style='display:flex;flex-wrap:wrap'>%s</div>") % (
            title,
            Markup("").join(tiles),
        )

    def action_export_workbook(self):
        workbook = self.env["crm.loyalty.workbook"]
        return workbook._loyalty_download_action(workbook.loyalty_export_workbook(company=self.company_id))
