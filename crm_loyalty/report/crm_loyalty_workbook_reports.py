# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sheets of the workbook for the reports the articles ask for (README, *Financial statistics and sales dynamics*):
customer financial statistics, sales dynamics, credit analysis; and the backtest of the lifetime-value model on the
company's own invoices. A bridge adds its own sheets (``_loyalty_report_sheets``)."""

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import SQL

from ..models.loyalty_dates import month_label
from .crm_loyalty_workbook import _sheet_name


class CrmLoyaltyWorkbook(models.AbstractModel):
    _inherit = "crm.loyalty.workbook"  # pylint: disable=consider-merging-classes-inherited

    def _loyalty_report_sheets(self, workbook, formats, company):
        self._loyalty_sheet_financial(workbook, formats, company)
        self._loyalty_sheet_sales(workbook, formats, company)
        self._loyalty_sheet_credit(workbook, formats, company)
        self._loyalty_sheet_backtest(workbook, formats, company)

    def _loyalty_sheet_financial(self, workbook, formats, company):
        """Customer financial statistics: per level, the invoiced customers' revenue, margin, invoices, lifetime
        value and what they owe past due (under the user's record rules)."""
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Financial Statistics")))
        sheet.write(0, 0, self.env._("Customer financial statistics per level"), formats["title"])
        sheet.write(1, 0, self.env["crm.loyalty.run"]._loyalty_scores_period(company))
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 9, 15)
        groups = self.env["crm.loyalty.score"]._read_group(
            [("company_id", "=", company.id), ("invoice_count", ">", 0)],
            ["level_id"],
            [
                "__count",
                "revenue_window:sum",
                "margin_window:sum",
                "revenue_lifetime:sum",
                "invoice_count:sum",
                "clv:sum",
                "payment_overdue_amount:sum",
            ],
        )
        lines = []
        totals = [0.0] * 7
        for level, count, revenue, margin, lifetime, invoices, clv, overdue in sorted(
            groups, key=lambda group: group[0].sequence
        ):
            figures = (count, revenue, margin, lifetime, invoices, clv, overdue)
            totals = [total + value for total, value in zip(totals, figures, strict=True)]
            lines.append((level.name or self.env._("No Level"), *self._loyalty_financial_figures(*figures)))
        if lines:
            lines.append((self.env._("Total"), *self._loyalty_financial_figures(*totals)))
        money, integer = formats["money"], formats["int"]
        row = self._loyalty_write_table(
            sheet,
            formats,
            2,
            [
                self.env._("Level"),
                self.env._("Customers"),
                self.env._("Revenue (ranking window)"),
                self.env._("Gross Margin (ranking window)"),
                self.env._("Margin (%)"),
                self.env._("Lifetime Revenue"),
                self.env._("Invoices"),
                self.env._("Average Invoice"),
                self.env._("Lifetime Value"),
                self.env._("Overdue at Computation"),
            ],
            lines,
            [None, integer, money, money, formats["pct"], money, integer, money, money, money],
        )
        if not lines:
            sheet.write(row + 1, 0, self.env._("No invoiced customer yet."))

    @staticmethod
    def _loyalty_financial_figures(count, revenue, margin, lifetime, invoices, clv, overdue):
        margin_share = margin / revenue if revenue > 0 else None
        average = lifetime / invoices if invoices else None
        return (count, revenue, margin, margin_share, lifetime, invoices, average, clv, overdue)

    def _loyalty_sheet_sales(self, workbook, formats, company, months=24):
        """Sales dynamics: revenue and customers per month of the last ``months``, per level of the customers
        now, with a stacked column chart of the revenue."""
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Sales Dynamics")))
        sheet.write(0, 0, self.env._("Sales dynamics: revenue and customers per month and level"), formats["title"])
        today = fields.Date.context_today(self)
        since = today.replace(day=1) - relativedelta(months=months - 1)
        sheet.write(
            1,
            0,
            self.env._(
                "Invoices dated %(date_from)s to %(date_to)s, per level of the customers now. %(period)s",
                date_from=fields.Date.to_string(since),
                date_to=fields.Date.to_string(today),
                period=self.env["crm.loyalty.run"]._loyalty_scores_period(company),
            ),
        )
        groups = self.env["crm.loyalty.sales.report"]._read_group(
            [("company_id", "=", company.id), ("date", ">=", since)],
            ["date:month", "level_id"],
            ["revenue:sum", "partner_id:count_distinct"],
        )
        levels = sorted({level for _month, level, _revenue, _count in groups}, key=lambda level: level.sequence)
        cells = {(month, level): (revenue, count) for month, level, revenue, count in groups}
        month_list = sorted({month for month, _level, _revenue, _count in groups})
        names = [level.name or self.env._("No Level") for level in levels]
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 2 * len(levels) + 2, 14)
        headers = [
            self.env._("Month"),
            *(self.env._("Revenue: %(level)s", level=name) for name in names),
            self.env._("Revenue"),
            *(self.env._("Customers: %(level)s", level=name) for name in names),
        ]
        lines = [
            (
                month_label(self.env, month),
                *(cells.get((month, level), (0.0, 0))[0] for level in levels),
                sum(cells.get((month, level), (0.0, 0))[0] for level in levels),
                *(cells.get((month, level), (0.0, 0))[1] for level in levels),
            )
            for month in month_list
        ]
        row = self._loyalty_write_table(
            sheet,
            formats,
            2,
            headers,
            lines,
            [None, *([formats["money"]] * (len(levels) + 1)), *([formats["int"]] * len(levels))],
        )
        if not lines:
            sheet.write(row + 1, 0, self.env._("No posted invoice in the last 24 months."))
            return
        name = sheet.get_name()
        chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
        for column in range(1, len(levels) + 1):
            chart.add_series(
                {
                    "name": [name, 2, column],
                    "categories": [name, 3, 0, row, 0],
                    "values": [name, 3, column, row, column],
                }
            )
        chart.set_title({"name": self.env._("Revenue per Month and Level")})
        chart.set_size({"width": 720, "height": 360})
        sheet.insert_chart(row + 2, 0, chart)

    def _loyalty_write_table(self, sheet, formats, row, headers, lines, cell_formats):
        """``headers`` on ``row``, then one row per item of ``lines`` (tuples, None written as -), each cell
        in its column's format of ``cell_formats`` (None: text); returns the last row written."""
        sheet.write_row(row, 0, headers, formats["header"])
        for line in lines:
            row += 1
            for column, (value, cell_format) in enumerate(zip(line, cell_formats, strict=True)):
                if value is None:
                    sheet.write_string(row, column, "-")
                elif cell_format is None:
                    sheet.write_string(row, column, str(value))
                else:
                    sheet.write_number(row, column, value, cell_format)
        return row

    def _loyalty_sheet_credit(self, workbook, formats, company):
        """Credit analysis: per level and payment-risk grade, the customers, their revenue, what they owe
        past due and how late they pay."""
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Credit Analysis")))
        headers = [
            self.env._("Level"),
            self.env._("Payment Risk"),
            self.env._("Customers"),
            self.env._("Revenue (ranking window)"),
            self.env._("Overdue at Computation"),
            self.env._("Average Days Late"),
            self.env._("Paid Late (%)"),
        ]
        sheet.write(0, 0, self.env._("Credit analysis: payment risk per level"), formats["title"])
        sheet.write(1, 0, self.env["crm.loyalty.run"]._loyalty_scores_period(company))
        sheet.set_column(0, 1, 18)
        sheet.set_column(2, len(headers) - 1, 16)
        grades = dict(self.env["crm.loyalty.score"]._fields["payment_grade"]._description_selection(self.env))
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(level.name ->> %(lang)s, level.name ->> 'en_US'), score.payment_grade, COUNT(*),
                       SUM(score.revenue_window), SUM(score.payment_overdue_amount), AVG(score.payment_days_late),
                       AVG(score.payment_late_share)
                  FROM crm_loyalty_score score
                  JOIN crm_loyalty_level level ON level.id = score.level_id
                 WHERE score.id IN %(visible)s AND score.payment_grade IS NOT NULL
              GROUP BY level.sequence, level.id, score.payment_grade
              ORDER BY level.sequence, level.id, score.payment_grade
                """,
                lang=self.env.lang or "en_US",
                visible=self._loyalty_visible_scores(company).subselect(),
            )
        )
        lines = [
            (
                level or "",
                grades.get(grade, ""),
                count,
                float(revenue or 0.0),
                float(overdue or 0.0),
                float(days_late or 0.0),
                float(late_share or 0.0) / 100.0,
            )
            for level, grade, count, revenue, overdue, days_late, late_share in self.env.cr.fetchall()
        ]
        money = formats["money"]
        cell_formats = [None, None, formats["int"], money, money, formats["ratio"], formats["pct"]]
        row = self._loyalty_write_table(sheet, formats, 2, headers, lines, cell_formats)
        if not lines:
            sheet.write(row + 1, 0, self.env._("No customer has an invoice due in the ranking window yet."))

    def _loyalty_sheet_backtest(self, workbook, formats, company):
        """The company's latest lifetime-value backtest: its figures, the calibration chart's table (purchases
        per customer in the holdout, per number of repeat purchases before the cut-off) with its chart, and
        the same per level at the cut-off. Rows in order (the workbook streams them)."""
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Lifetime Value Backtest")))
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 5, 16)
        backtests = self.env["crm.loyalty.backtest"]
        if not backtests.has_access("read"):
            self._loyalty_sheet_note(
                sheet,
                formats,
                self.env._("Lifetime value backtest"),
                self.env._(
                    "The backtest measures the model on every customer of the company: it is for users who may "
                    "read all customers."
                ),
            )
            return
        backtest = backtests.search([("company_id", "=", company.id)], limit=1)
        if not backtest:
            sheet.write(0, 0, self.env._("Lifetime value backtest"), formats["title"])
            sheet.write(2, 0, self.env._("No backtest yet: the next recompute of the pyramid computes one."))
            return
        sheet.write(0, 0, backtest.display_name, formats["title"])
        if backtest.state != "done":
            sheet.write(2, 0, backtest.message or "")
            return
        no_auc = backtest.degenerate or not backtest.returning_customers
        figures = [
            (self.env._("Customers at the cut-off"), backtest.customers, formats["int"]),
            (self.env._("Repeat buyers"), backtest.repeat_customers, formats["int"]),
            (self.env._("Bought again in the holdout"), backtest.returning_customers, formats["int"]),
            (self.env._("Predicted purchases"), backtest.predicted_total, formats["ratio"]),
            (self.env._("Actual purchases"), backtest.actual_total, formats["ratio"]),
            (self.env._("Total error"), backtest.total_error / 100.0, formats["pct"]),
            (self.env._("Mean absolute error per customer"), backtest.mae, formats["ratio"]),
            (self.env._("Naive rule's error per customer"), backtest.mae_naive, formats["ratio"]),
            (self.env._("P(alive) AUC"), None if no_auc else backtest.auc, formats["ratio"]),
            (self.env._("P(alive) AUC (repeat buyers)"), None if no_auc else backtest.auc_repeat, formats["ratio"]),
            (
                self.env._("Expected purchases AUC"),
                None if not backtest.returning_customers else backtest.auc_expected,
                formats["ratio"],
            ),
        ]
        row = 1
        for label, value, number_format in figures:
            row += 1
            sheet.write_string(row, 0, label)
            if value is None:
                sheet.write_string(row, 1, "-")
            else:
                sheet.write_number(row, 1, value, number_format)
        if backtest.message:
            row += 1
            sheet.write_string(row, 0, backtest.message)
        headers = [
            self.env._("Customers"),
            self.env._("Predicted per Customer"),
            self.env._("Actual per Customer"),
            self.env._("Predicted"),
            self.env._("Actual"),
        ]
        tables = [
            ("repeat", self.env._("Repeat purchases before the cut-off")),
            ("level", self.env._("Level at the cut-off")),
        ]
        chart_rows = None
        for kind, title in tables:
            row += 2
            sheet.write_row(row, 0, [title, *headers], formats["header"])
            first = row + 1
            lines = backtest.line_ids.filtered(lambda line, kind=kind: line.kind == kind)
            groups = {}
            for line in lines:
                groups.setdefault((line.sequence, line.name), {})[line.series] = line
            for (_sequence, name), pair in sorted(groups.items(), key=lambda item: item[0][0]):
                predicted, actual = pair.get("predicted"), pair.get("actual")
                row += 1
                sheet.write_string(row, 0, name)
                sheet.write_number(row, 1, (predicted or actual).customers, formats["int"])
                sheet.write_number(row, 2, predicted.per_customer if predicted else 0.0, formats["ratio"])
                sheet.write_number(row, 3, actual.per_customer if actual else 0.0, formats["ratio"])
                sheet.write_number(row, 4, predicted.purchases if predicted else 0.0, formats["ratio"])
                sheet.write_number(row, 5, actual.purchases if actual else 0.0, formats["ratio"])
            if kind == "repeat" and row >= first:
                chart_rows = (first, row)
        if chart_rows:
            name = sheet.get_name()
            chart = workbook.add_chart({"type": "column"})
            for column, label, color in ((2, headers[1], "#A6A6A6"), (3, headers[2], "#2F75B5")):
                chart.add_series(
                    {
                        "name": label,
                        "categories": [name, chart_rows[0], 0, chart_rows[1], 0],
                        "values": [name, chart_rows[0], column, chart_rows[1], column],
                        "fill": {"color": color},
                    }
                )
            chart.set_title({"name": self.env._("Calibration Chart")})
            chart.set_x_axis({"name": self.env._("Repeat purchases before the cut-off")})
            chart.set_y_axis({"name": self.env._("Purchases per customer in the holdout")})
            chart.set_size({"width": 620, "height": 340})
            sheet.insert_chart(2, 7, chart)
