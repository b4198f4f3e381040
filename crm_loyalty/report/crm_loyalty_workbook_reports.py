# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sheets of the workbook for the reports the articles ask for (DOMAIN §3): credit analysis."""

from odoo import models
from odoo.tools import SQL

from .crm_loyalty_workbook import _sheet_name


class CrmLoyaltyWorkbook(models.AbstractModel):
    _inherit = "crm.loyalty.workbook"  # pylint: disable=consider-merging-classes-inherited

    def _loyalty_report_sheets(self, workbook, formats, economics):
        self._loyalty_sheet_credit(workbook, formats, economics.company_id)

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
