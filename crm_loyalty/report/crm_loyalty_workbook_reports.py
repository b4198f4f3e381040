# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sheets of the workbook for the reports the articles ask for (DOMAIN §3): credit analysis; and the backtest of
the lifetime-value model on the company's own invoices."""

from odoo import models
from odoo.tools import SQL

from .crm_loyalty_workbook import _sheet_name


class CrmLoyaltyWorkbook(models.AbstractModel):
    _inherit = "crm.loyalty.workbook"  # pylint: disable=consider-merging-classes-inherited

    def _loyalty_report_sheets(self, workbook, formats, economics):
        self._loyalty_sheet_credit(workbook, formats, economics.company_id)
        self._loyalty_sheet_backtest(workbook, formats, economics.company_id)

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
        sheet.write_row(2, 0, headers, formats["header"])
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
        row = 2
        for level, grade, count, revenue, overdue, days_late, late_share in self.env.cr.fetchall():
            row += 1
            sheet.write_string(row, 0, level or "")
            sheet.write_string(row, 1, grades.get(grade, ""))
            sheet.write_number(row, 2, count, formats["int"])
            sheet.write_number(row, 3, float(revenue or 0.0), formats["money"])
            sheet.write_number(row, 4, float(overdue or 0.0), formats["money"])
            sheet.write_number(row, 5, float(days_late or 0.0), formats["ratio"])
            sheet.write_number(row, 6, float(late_share or 0.0) / 100.0, formats["pct"])
        if row == 2:
            sheet.write(3, 0, self.env._("No customer has an invoice due in the ranking window yet."))

    def _loyalty_sheet_backtest(self, workbook, formats, company):
        """The company's latest lifetime-value backtest: its figures, the calibration chart's table (purchases
        per customer in the holdout, per number of repeat purchases before the cut-off) with its chart, and
        the same per level at the cut-off. Rows in order (the workbook streams them)."""
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Lifetime Value Backtest")))
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 5, 16)
        backtest = self.env["crm.loyalty.backtest"].search([("company_id", "=", company.id)], limit=1)
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
