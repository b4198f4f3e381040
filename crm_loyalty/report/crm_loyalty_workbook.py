# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import base64
import os
import re
import tempfile

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..loyalty_analytics import RANKED_CODES
from ..loyalty_analytics.kpi import LEVEL_CODES, levels_at, migration_matrix
from ..models.crm_loyalty_score_segment import BAND_COLUMNS
from ..models.loyalty_access import LOYALTY_MANAGER, LOYALTY_USER, check_group

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


# the score's band columns and their aliases in the Customers sheet's statement
BAND_ALIASES = {f"{kind}_band": column for kind, column in BAND_COLUMNS.items()}


def _sheet_name(name):
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    return _SHEET_FORBIDDEN.sub(" ", name)[:31]


class CrmLoyaltyWorkbook(models.AbstractModel):
    """The Excel workbook of the customer pyramid (xlsxwriter).

    Sheets: Pyramid (economics per level and a pyramid-shaped bar chart),
    Customers (one row per scored customer), Migration (level at the start x
    level at the end of the period, heat map), KPIs (monthly company figures
    with line charts) and, when exported from a scenario, Scenario. Sheet and
    column names follow the language of the user.
    """

    _name = "crm.loyalty.workbook"
    _description = "Customer Pyramid Excel Workbook"

    # ------------------------------------------------------------------
    # entry points
    # ------------------------------------------------------------------
    @api.model
    def loyalty_export_workbook(self, economics=None, scenario=None, company=None):
        """Build the workbook and store it as an attachment (also for server actions).

        Without economics, those of the last twelve full months of ``company``
        (default: the current company) are used, created on first use.

        :returns: the ``ir.attachment`` holding the .xlsx file
        """
        check_group(self.env, LOYALTY_USER, self.env._("Only Loyalty Users can export the customer pyramid."))
        economics = self._loyalty_check_record(economics, "crm.loyalty.economics")
        scenario = self._loyalty_check_record(scenario, "crm.loyalty.scenario")
        if scenario:
            scenario.check_access("read")
            economics = scenario.economics_id
        if economics:
            economics.check_access("read")
            if economics.needs_compute and economics.has_access("write"):
                economics.action_compute()
            company, date_from, date_to = economics.company_id, economics.date_from, economics.date_to
        else:
            company = self.env["res.company"]._loyalty_allowed_company(company)
            date_from, date_to = self._loyalty_default_period()
            # the economics count every customer of the company: for who may read them; a salesperson who
            # sees their own customers exports the sheets their rights fill
            if self.env["crm.loyalty.economics"].has_access("read"):
                economics = self._loyalty_default_economics(company)
        content = self._loyalty_build(company, date_from, date_to, economics, scenario)
        name = self.env._(
            "Customer Pyramid %(date_from)s - %(date_to)s.xlsx",
            date_from=fields.Date.to_string(date_from),
            date_to=fields.Date.to_string(date_to),
        )
        values = {
            "name": name,
            "datas": base64.b64encode(content),
            "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        # attached to the economics (or scenario) for those who may edit it; for the others (who may only
        # read it) a personal download, readable by its creator only
        record = scenario or economics
        if record and record.has_access("write"):
            values.update(res_model=record._name, res_id=record.id)
        return self.env["ir.attachment"].create(values)

    @api.model
    def _loyalty_check_record(self, value, model_name):
        """``value`` as one record of ``model_name`` (None or an empty recordset: none); anything else is
        refused with a sentence (a server action or an RPC call may pass an id or a text)."""
        if value is None or value is False:
            return self.env[model_name]
        if isinstance(value, models.BaseModel) and value._name == model_name and len(value) <= 1:
            return value
        raise UserError(
            self.env._(
                "Give one record of %(model)s to export, not “%(value)s”.",
                model=self.env["ir.model"]._get(model_name).name,
                value=value,
            )
        )

    @api.model
    def _loyalty_default_period(self):
        """The last twelve full months: ``(date_from, date_to)``."""
        date_to = fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)
        return date_to.replace(day=1) - relativedelta(months=11), date_to

    @api.model
    def _loyalty_default_economics(self, company):
        date_from, date_to = self._loyalty_default_period()
        economics_model = self.env["crm.loyalty.economics"]
        economics = economics_model.search(
            [("company_id", "=", company.id), ("date_from", "=", date_from), ("date_to", "=", date_to)], limit=1
        )
        if economics:
            return economics
        if not (self.env.su or self.env.user.has_group(LOYALTY_MANAGER)):
            raise UserError(
                self.env._(
                    "The pyramid economics of the last twelve months are not computed yet: ask a Loyalty Manager "
                    "to compute them (Customer Loyalty > Pyramid Economics)."
                )
            )
        economics = economics_model.create(
            {
                "name": self.env._("Last 12 Months"),
                "company_id": company.id,
                "date_from": date_from,
                "date_to": date_to,
            }
        )
        economics.action_compute()
        return economics

    @api.model
    def _loyalty_download_action(self, attachment):
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # building
    # ------------------------------------------------------------------
    def _loyalty_build(self, company, date_from, date_to, economics, scenario=None):
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        try:
            # constant_memory: rows are streamed to disk, 100k customers stay small in memory
            workbook = xlsxwriter.Workbook(
                path, {"constant_memory": True, "default_date_format": "yyyy-mm-dd", "strings_to_numbers": False}
            )
            formats = self._loyalty_formats(workbook, company.currency_id)
            self._loyalty_sheet_pyramid(workbook, formats, economics)
            self._loyalty_sheet_customers(workbook, formats, company)
            self._loyalty_sheet_migration(workbook, formats, company, date_from, date_to)
            self._loyalty_sheet_kpis(workbook, formats, company, date_to)
            # the articles' reports: crm_loyalty_workbook_reports.py
            self._loyalty_report_sheets(workbook, formats, company)
            if scenario:
                self._loyalty_sheet_scenario(workbook, formats, scenario)
            workbook.close()
            with open(path, "rb") as handle:
                return handle.read()
        finally:
            os.unlink(path)

    def _loyalty_visible_scores(self, company):
        """The scores of ``company`` the user may read (record rules: a salesperson exports their own
        customers), as a query for ``IN``; flushed."""
        score_model = self.env["crm.loyalty.score"]
        score_model.flush_model()
        return score_model._search([("company_id", "=", company.id)])

    def _loyalty_sheet_note(self, sheet, formats, title, text):
        """A sheet that only says why it holds no figure (what it needs, or what the user may not read)."""
        sheet.write(0, 0, title, formats["title"])
        sheet.write(2, 0, text)

    def _loyalty_formats(self, workbook, currency):
        digits = currency.decimal_places
        number = "#,##0" + ("." + "0" * digits if digits else "")
        symbol = (currency.symbol or currency.name).replace('"', "")
        money = f'"{symbol}" {number}' if currency.position == "before" else f'{number} "{symbol}"'
        return {
            "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "money": workbook.add_format({"num_format": money}),
            "money_bold": workbook.add_format({"num_format": money, "bold": True}),
            "int": workbook.add_format({"num_format": "#,##0"}),
            "int_bold": workbook.add_format({"num_format": "#,##0", "bold": True}),
            "pct": workbook.add_format({"num_format": "0.0%"}),
            "ratio": workbook.add_format({"num_format": "0.00"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "bold": workbook.add_format({"bold": True}),
        }

    @api.model
    def _loyalty_level_names(self, company):
        levels = self.env["crm.loyalty.level"].search([("company_id", "=", company.id)])
        return {level.code: level.name for level in levels}

    def _loyalty_sheet_pyramid(self, workbook, formats, economics):
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Pyramid")))
        if not economics:
            self._loyalty_sheet_note(
                sheet,
                formats,
                self.env._("Pyramid economics"),
                self.env._(
                    "The pyramid economics count every customer of the company: they are for users who may read "
                    "all customers. Your customers are in the Customers sheet."
                ),
            )
            return
        sheet.write(
            0,
            0,
            self.env._(
                "Pyramid economics %(date_from)s - %(date_to)s",
                date_from=fields.Date.to_string(economics.date_from),
                date_to=fields.Date.to_string(economics.date_to),
            ),
            formats["title"],
        )
        headers = [
            self.env._("Level"),
            self.env._("Customers"),
            self.env._("Revenue"),
            self.env._("Gross Profit"),
            self.env._("Revenue per Customer"),
            self.env._("Profit per Customer"),
            self.env._("Margin (%)"),
            self.env._("Allocated Costs"),
            self.env._("Profit after Costs"),
            self.env._("Return on Costs"),
        ]
        lines = economics.line_ids.sorted(lambda line: LEVEL_CODES.index(line.level_id.code))
        # pyramid-style chart: stacked bars, an invisible offset series (hidden column L: half the free
        # space) centres each level's bar; rows are streamed (constant memory), so written in one pass
        ranked = lines.filtered(lambda line: line.level_id.code in RANKED_CODES)
        widest = max(ranked.mapped("customers") or [0]) or 1
        sheet.set_row(2, 30)
        sheet.write_row(2, 0, headers, formats["header"])
        sheet.write_string(2, 11, self.env._("Offset"), formats["header"])
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 9, 15)
        sheet.set_column(11, 11, None, None, {"hidden": True})
        row = 3
        for line in lines:
            sheet.write_string(row, 0, line.level_id.name)
            sheet.write_number(row, 1, line.customers, formats["int"])
            sheet.write_number(row, 2, line.revenue, formats["money"])
            sheet.write_number(row, 3, line.gross_profit, formats["money"])
            sheet.write_number(row, 4, line.avg_revenue, formats["money"])
            sheet.write_number(row, 5, line.avg_profit, formats["money"])
            sheet.write_number(row, 6, line.margin_pct / 100.0, formats["pct"])
            sheet.write_number(row, 7, line.cost, formats["money"])
            sheet.write_number(row, 8, line.profit_after_cost, formats["money"])
            if line.cost:
                sheet.write_number(row, 9, line.roi, formats["ratio"])
            if line in ranked:
                sheet.write_number(row, 11, (widest - line.customers) / 2.0)
            row += 1
        # the chart draws the ranked levels (Top to Small), which come first in the pyramid order
        first, last = 3, 3 + len(ranked) - 1
        sheet.write_string(row, 0, self.env._("Total"), formats["bold"])
        sheet.write_number(row, 1, economics.customer_count, formats["int_bold"])
        sheet.write_number(row, 2, economics.revenue, formats["money_bold"])
        sheet.write_number(row, 3, economics.gross_profit, formats["money_bold"])
        sheet.write_number(row, 7, economics.total_cost, formats["money_bold"])
        sheet.write_number(row, 8, economics.profit_after_cost, formats["money_bold"])
        if not ranked:
            return
        name = sheet.get_name()
        chart = workbook.add_chart({"type": "bar", "subtype": "stacked"})
        chart.add_series(
            {
                "name": self.env._("Offset"),
                "categories": [name, first, 0, last, 0],
                "values": [name, first, 11, last, 11],
                "fill": {"none": True},
                "border": {"none": True},
            }
        )
        chart.add_series(
            {
                "name": self.env._("Customers"),
                "categories": [name, first, 0, last, 0],
                "values": [name, first, 1, last, 1],
                "fill": {"color": "#2F75B5"},
                "data_labels": {"value": True, "position": "center", "font": {"color": "white"}},
                "gap": 20,
            }
        )
        chart.set_title({"name": self.env._("Customer Pyramid")})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})  # top of the pyramid at the top
        chart.set_x_axis({"visible": False, "major_gridlines": {"visible": False}})
        chart.set_size({"width": 620, "height": 340})
        chart.show_hidden_data()
        sheet.insert_chart(row + 2, 0, chart)

    def _loyalty_customer_columns(self):
        return [
            (self.env._("Customer"), "text", 32),
            (self.env._("Reference"), "text", 12),
            (self.env._("Level"), "text", 12),
            (self.env._("Rank"), "int", 8),
            (self.env._("Salesperson"), "text", 20),
            (self.env._("Revenue (ranking window)"), "money", 16),
            (self.env._("Gross Margin (ranking window)"), "money", 16),
            (self.env._("Margin (%)"), "pct", 10),
            (self.env._("Lifetime Revenue"), "money", 16),
            (self.env._("Invoices"), "int", 9),
            (self.env._("Last Invoice"), "date", 12),
            (self.env._("Lifetime Value"), "money", 16),
            (self.env._("P(alive)"), "pct", 9),
            (self.env._("Profit Class"), "text", 14),
            (self.env._("Value Phase"), "text", 11),
            (self.env._("Key Account"), "bool", 9),
            (self.env._("Elastic"), "bool", 9),
            (self.env._("At Risk"), "bool", 9),
            (self.env._("Payment Risk"), "text", 12),
            (self.env._("Average Days Late"), "ratio", 10),
            (self.env._("Overdue at Computation"), "money", 16),
            # the segments (crm_loyalty_score_segment.py)
            (self.env._("Industry"), "text", 18),
            (self.env._("Country"), "text", 14),
            (self.env._("Sales Team"), "text", 16),
            (self.env._("Years of Cooperation"), "text", 14),
            (self.env._("Business Volume"), "text", 18),
            (self.env._("Company Size"), "text", 18),
            (self.env._("Lifetime Value Band"), "text", 16),
        ]

    def _loyalty_sheet_customers(self, workbook, formats, company):
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Customers")))
        columns = self._loyalty_customer_columns()
        for index, (_title, _kind, width) in enumerate(columns):
            sheet.set_column(index, index, width)
        sheet.write_row(0, 0, [title for title, _kind, _width in columns], formats["header"])
        sheet.freeze_panes(1, 0)
        score_model = self.env["crm.loyalty.score"]
        visible = self._loyalty_visible_scores(company)
        self.env["res.partner"].flush_model(["name", "ref", "user_id"])
        score_model.flush_model(["industry_id", "country_id", "team_id", *BAND_ALIASES.values()])
        lang = self.env.lang or "en_US"
        yes, no = self.env._("Yes"), self.env._("No")
        profit_classes = dict(score_model._fields["profit_class"]._description_selection(self.env))
        phases = dict(score_model._fields["value_phase"]._description_selection(self.env))
        grades = dict(score_model._fields["payment_grade"]._description_selection(self.env))
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.name, partner.ref,
                       COALESCE(level.name ->> %(lang)s, level.name ->> 'en_US'), ranked.position, sales.name,
                       score.revenue_window, score.margin_window, score.margin_percent, score.revenue_lifetime,
                       score.invoice_count, score.last_invoice_date, score.clv, score.probability_alive,
                       score.profit_class, score.value_phase, score.is_key_account, score.is_elastic, score.at_risk,
                       score.payment_grade, score.payment_days_late, score.payment_overdue_amount,
                       COALESCE(industry.name ->> %(lang)s, industry.name ->> 'en_US'),
                       COALESCE(country.name ->> %(lang)s, country.name ->> 'en_US'),
                       COALESCE(team.name ->> %(lang)s, team.name ->> 'en_US'),
                       %(bands)s
                  FROM crm_loyalty_score score
                  JOIN res_partner partner ON partner.id = score.partner_id
             LEFT JOIN crm_loyalty_level level ON level.id = score.level_id
             LEFT JOIN res_users users ON users.id = partner.user_id
             LEFT JOIN res_partner sales ON sales.id = users.partner_id
             LEFT JOIN res_partner_industry industry ON industry.id = score.industry_id
             LEFT JOIN res_country country ON country.id = score.country_id
             LEFT JOIN crm_team team ON team.id = score.team_id
             %(band_joins)s
             -- the rank in the company's whole ranking table (not the user's part of it)
             LEFT JOIN (SELECT ranking.id, row_number() OVER (ORDER BY %(rank_order)s) AS position
                          FROM crm_loyalty_score ranking
                         WHERE ranking.company_id = %(company)s AND ranking.is_ranked) ranked ON ranked.id = score.id
                 WHERE score.id IN %(visible)s
              ORDER BY score.level_sequence, ranked.position NULLS LAST, partner.name, score.id
                """,
                lang=lang,
                visible=visible.subselect(),
                rank_order=score_model._loyalty_rank_sql("ranking"),
                company=company.id,
                bands=SQL(", ").join(
                    SQL(
                        "COALESCE(%s ->> %s, %s ->> 'en_US')",
                        SQL.identifier(alias, "name"),
                        lang,
                        SQL.identifier(alias, "name"),
                    )
                    for alias in BAND_ALIASES
                ),
                band_joins=SQL(" ").join(
                    SQL(
                        "LEFT JOIN crm_loyalty_band %s ON %s = %s",
                        SQL.identifier(alias),
                        SQL.identifier(alias, "id"),
                        SQL.identifier("score", column),
                    )
                    for alias, column in BAND_ALIASES.items()
                ),
            )
        )
        row = 0
        money, integer, pct, date = formats["money"], formats["int"], formats["pct"], formats["date"]
        while batch := self.env.cr.fetchmany(5000):
            for record in batch:
                row += 1
                (
                    name,
                    ref,
                    level,
                    rank,
                    user,
                    revenue,
                    margin,
                    margin_pct,
                    lifetime,
                    invoices,
                    last_date,
                    clv,
                    alive,
                    profit_class,
                    phase,
                    key_account,
                    elastic,
                    at_risk,
                    payment_grade,
                    days_late,
                    overdue,
                    *segments,
                ) = record
                sheet.write_string(row, 0, name or "")
                sheet.write_string(row, 1, ref or "")
                sheet.write_string(row, 2, level or "")
                if rank:
                    sheet.write_number(row, 3, rank, integer)
                sheet.write_string(row, 4, user or "")
                sheet.write_number(row, 5, float(revenue or 0.0), money)
                sheet.write_number(row, 6, float(margin or 0.0), money)
                sheet.write_number(row, 7, float(margin_pct or 0.0) / 100.0, pct)
                sheet.write_number(row, 8, float(lifetime or 0.0), money)
                sheet.write_number(row, 9, invoices or 0, integer)
                if last_date:
                    sheet.write_datetime(row, 10, last_date, date)
                sheet.write_number(row, 11, float(clv or 0.0), money)
                sheet.write_number(row, 12, float(alive or 0.0), pct)
                sheet.write_string(row, 13, profit_classes.get(profit_class, ""))
                sheet.write_string(row, 14, phases.get(phase, ""))
                sheet.write_string(row, 15, yes if key_account else no)
                sheet.write_string(row, 16, yes if elastic else no)
                sheet.write_string(row, 17, yes if at_risk else no)
                sheet.write_string(row, 18, grades.get(payment_grade, ""))
                if payment_grade:
                    sheet.write_number(row, 19, float(days_late or 0.0), formats["ratio"])
                    sheet.write_number(row, 20, float(overdue or 0.0), money)
                for offset, segment in enumerate(segments):
                    sheet.write_string(row, 21 + offset, segment or "")
        sheet.autofilter(0, 0, max(row, 1), len(columns) - 1)

    def _loyalty_migration_tables(self, company, date_from, date_to):
        """Counts and revenue from the level at the start of the period to the level at its end, of the customers
        whose level history the user may read (record rules: a salesperson's own customers)."""
        date_a = date_from - relativedelta(days=1)
        history = self.env["crm.loyalty.history"]._loyalty_history_slice(company, [date_a, date_to], readable=True)
        if history.empty:
            level_a = level_b = history.set_index("partner_id")["level_code"]
        else:
            level_a, level_b = levels_at(history, date_a), levels_at(history, date_to)
        figures = self.env["crm.loyalty.invoice"]._loyalty_period_figures(company, date_from, date_to)
        return migration_matrix(level_a, level_b, figures.set_index("partner_id")["revenue"])

    def _loyalty_sheet_migration(self, workbook, formats, company, date_from, date_to):
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Migration")))
        counts, amounts = self._loyalty_migration_tables(company, date_from, date_to)
        names = self._loyalty_level_names(company)
        names["none"] = self.env._("Not in Pyramid")
        labels = [names.get(code, code) for code in [*LEVEL_CODES, "none"]]
        date_a = date_from - relativedelta(days=1)
        sheet.write(
            0,
            0,
            self.env._(
                "Customers from the level at %(date_a)s (rows) to the level at %(date_b)s (columns)",
                date_a=fields.Date.to_string(date_a),
                date_b=fields.Date.to_string(date_to),
            ),
            formats["title"],
        )
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, len(labels), 13)
        blocks = [
            (2, counts, formats["int"], self.env._("Customers")),
            (len(labels) + 5, amounts, formats["money"], self.env._("Revenue")),
        ]
        for top, table, cell_format, title in blocks:
            sheet.write_string(top, 0, title, formats["header"])
            sheet.write_row(top, 1, labels, formats["header"])
            for offset, (code, values) in enumerate(table.iterrows(), start=1):
                sheet.write_string(top + offset, 0, names.get(code, code), formats["header"])
                for column, value in enumerate(values.tolist(), start=1):
                    sheet.write_number(top + offset, column, float(value), cell_format)
            sheet.conditional_format(
                top + 1,
                1,
                top + len(labels),
                len(labels),
                {"type": "3_color_scale", "min_color": "#F8F8F8", "mid_color": "#FFEB84", "max_color": "#F8696B"},
            )

    def _loyalty_sheet_kpis(self, workbook, formats, company, date_to):
        sheet = workbook.add_worksheet(_sheet_name(self.env._("KPIs")))
        # the company's rows for who may read every customer, else the user's own (as on the dashboard)
        scope = self.env["crm.loyalty.kpi"]._loyalty_scope()
        kpis = (
            self.env["crm.loyalty.kpi"]
            .search(
                [
                    ("company_id", "=", company.id),
                    *scope,
                    ("date_month", "<=", date_to),
                ],
                order="date_month desc",
                limit=24,
            )
            .sorted("date_month")
        )
        headers = [
            self.env._("Month"),
            self.env._("Active Customers"),
            self.env._("New Customers"),
            self.env._("Lost Customers"),
            self.env._("Retention (%)"),
            self.env._("Churn (%)"),
            self.env._("Upgrades"),
            self.env._("Downgrades"),
            self.env._("Customer Development"),
            self.env._("Revenue"),
            self.env._("Visit Completion (%)"),
        ]
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, formats["header"])
        sheet.set_column(0, len(headers) - 1, 13)
        sheet.freeze_panes(1, 1)
        for row, kpi in enumerate(kpis, start=1):
            sheet.write_datetime(row, 0, kpi.date_month, formats["date"])
            for column, value in enumerate([kpi.active_end, kpi.new_count, kpi.lost_count], start=1):
                sheet.write_number(row, column, value, formats["int"])
            sheet.write_number(row, 4, kpi.retention_rate / 100.0, formats["pct"])
            sheet.write_number(row, 5, kpi.churn_rate / 100.0, formats["pct"])
            for column, value in enumerate([kpi.upgrades, kpi.downgrades, kpi.development], start=6):
                sheet.write_number(row, column, value, formats["int"])
            sheet.write_number(row, 9, kpi.revenue, formats["money"])
            sheet.write_number(row, 10, kpi.visit_completion / 100.0, formats["pct"])
        if not kpis:
            sheet.write_string(2, 0, self.env._("No monthly KPI snapshot yet."))
            return
        name, last = sheet.get_name(), len(kpis)
        charts = [
            (self.env._("Customers"), [(1, "#2F75B5"), (2, "#70AD47"), (3, "#C00000")], None),
            (self.env._("Retention and Churn"), [(4, "#2F75B5"), (5, "#C00000")], {"num_format": "0%"}),
        ]
        for index, (title, series, axis) in enumerate(charts):
            chart = workbook.add_chart({"type": "line"})
            for column, color in series:
                chart.add_series(
                    {
                        "name": [name, 0, column],
                        "categories": [name, 1, 0, last, 0],
                        "values": [name, 1, column, last, column],
                        "line": {"color": color, "width": 2.25},
                        "marker": {"type": "circle", "size": 4},
                    }
                )
            chart.set_title({"name": title})
            chart.set_x_axis({"date_axis": True, "num_format": "yyyy-mm"})
            if axis:
                chart.set_y_axis(axis)
            chart.set_size({"width": 560, "height": 300})
            sheet.insert_chart(last + 3, 0 if index == 0 else 7, chart)

    def _loyalty_sheet_scenario(self, workbook, formats, scenario):
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Scenario")))
        sheet.set_column(0, 4, 18)
        sheet.write_string(0, 0, scenario.name, formats["title"])
        sheet.write_row(
            2, 0, [self.env._("From Level"), self.env._("To Level"), self.env._("Customers to Move")], formats["header"]
        )
        row = 3
        for line in scenario.line_ids:
            sheet.write_string(row, 0, line.from_level_id.name)
            sheet.write_string(row, 1, line.to_level_id.name)
            sheet.write_number(row, 2, line.count, formats["int"])
            row += 1
        row += 1
        for label, value in [
            (self.env._("Revenue Now"), scenario.revenue_before),
            (self.env._("Revenue Change"), scenario.revenue_change),
            (self.env._("Revenue after Scenario"), scenario.revenue_after),
            (self.env._("Profit after Costs Now"), scenario.profit_before),
            (self.env._("Profit Change"), scenario.profit_change),
            (self.env._("Profit after Costs after Scenario"), scenario.profit_after),
        ]:
            sheet.write_string(row, 0, label, formats["bold"])
            sheet.write_number(row, 1, value, formats["money"])
            row += 1
        row += 1
        sheet.write_row(
            row, 0, [self.env._("Level"), self.env._("Customers Now"), self.env._("Customers after")], formats["header"]
        )
        after = scenario._loyalty_customers_after()
        for line in scenario.economics_id.line_ids.sorted("sequence"):
            row += 1
            sheet.write_string(row, 0, line.level_id.name)
            sheet.write_number(row, 1, line.customers, formats["int"])
            sheet.write_number(row, 2, after.get(line.level_id.code, line.customers), formats["int"])
