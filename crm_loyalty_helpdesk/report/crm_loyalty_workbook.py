# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The workbook's satisfaction and complaint analysis sheets, from the helpdesk tickets of the scored customers
(under the user's record rules: a salesperson exports their own customers)."""

from dateutil.relativedelta import relativedelta

from odoo import fields, models

from odoo.addons.crm_loyalty.models.loyalty_dates import month_label
from odoo.addons.crm_loyalty.report.crm_loyalty_workbook import _sheet_name

MONTHS = 12  # the monthly tables: the last twelve months


class CrmLoyaltyWorkbook(models.AbstractModel):
    _inherit = "crm.loyalty.workbook"

    def _loyalty_report_sheets(self, workbook, formats, company):
        super()._loyalty_report_sheets(workbook, formats, company)
        self._loyalty_sheet_service(workbook, formats, company)

    def _loyalty_sheet_service(self, workbook, formats, company):
        report = self.env["crm.loyalty.ticket.report"]
        base = [("company_id", "=", company.id)]
        since = fields.Date.context_today(self).replace(day=1) - relativedelta(months=MONTHS - 1)
        self._loyalty_sheet_satisfaction(workbook, formats, company, report, base, since)
        self._loyalty_sheet_complaints(workbook, formats, report, base, since)

    def _loyalty_grade_columns(self, report, domain, groupby):
        """Per group of ``groupby``: ratings, customers, average and the share of each rating grade (one
        GROUP BY)."""
        aggregates = [
            "__count",
            "partner_id:count_distinct",
            "rating:avg",
            "satisfied_count:sum",
            "okay_count:sum",
            "dissatisfied_count:sum",
        ]
        return [
            (group, count, customers, average, *(graded / count for graded in grades))
            for group, count, customers, average, *grades in report._read_group(domain, [groupby], aggregates)
        ]

    def _loyalty_sheet_satisfaction(self, workbook, formats, company, report, base, since):
        """Ratings per level and per month (distribution and average), and the key customers whose satisfaction
        is low or falling."""
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Satisfaction")))
        sheet.write(0, 0, self.env._("Satisfaction analysis: the ratings of the customers' tickets"), formats["title"])
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 8, 14)
        grades = dict(report._fields["rating_grade"]._description_selection(self.env))
        headers = [
            self.env._("Ratings"),
            self.env._("Customers"),
            self.env._("Average (1-5)"),
            grades["top"],
            grades["ok"],
            grades["ko"],
        ]
        number = [formats["int"], formats["int"], formats["ratio"], formats["pct"], formats["pct"], formats["pct"]]
        rated = [*base, ("rating", "!=", False)]
        per_level = [
            (level.name or self.env._("No Level"), *figures)
            for level, *figures in sorted(
                self._loyalty_grade_columns(report, rated, "level_id"), key=lambda line: line[0].sequence
            )
        ]
        row = self._loyalty_write_table(sheet, formats, 2, [self.env._("Level"), *headers], per_level, [None, *number])
        if not per_level:
            row += 1
            sheet.write(row, 0, self.env._("No rated ticket yet."))
        per_month = [
            (month_label(self.env, month), *figures)
            for month, *figures in sorted(
                self._loyalty_grade_columns(report, [*rated, ("rating_date", ">=", since)], "rating_date:month")
            )
        ]
        row = self._loyalty_write_table(
            sheet, formats, row + 2, [self.env._("Month Rated"), *headers], per_month, [None, *number]
        )
        scores = self.env["crm.loyalty.score"].search(
            [("company_id", "=", company.id), ("satisfaction_alert", "=", True)], order="clv desc"
        )
        row += 2
        sheet.write(row, 0, self.env._("Low Satisfaction, Profit Potential"), formats["bold"])
        profit_classes = dict(scores._fields["profit_class"]._description_selection(self.env))
        self._loyalty_write_table(
            sheet,
            formats,
            row + 1,
            [
                self.env._("Customer"),
                self.env._("Level"),
                self.env._("Profit Class"),
                self.env._("Lifetime Value"),
                self.env._("Satisfaction"),
                self.env._("Recent Satisfaction"),
                self.env._("Satisfaction Trend"),
                self.env._("Complaints"),
            ],
            [
                (
                    score.partner_id.display_name,
                    score.level_id.name or "",
                    profit_classes.get(score.profit_class, ""),
                    score.clv,
                    score.satisfaction,
                    score.satisfaction_recent or None,
                    score.satisfaction_trend,
                    score.complaint_count,
                )
                for score in scores
            ],
            [None, None, None, formats["money"], formats["ratio"], formats["ratio"], formats["ratio"], formats["int"]],
        )

    def _loyalty_sheet_complaints(self, workbook, formats, report, base, since):
        """Complaints per category and per month: how many, of how many customers, how fast closed, how rated."""
        sheet = workbook.add_worksheet(_sheet_name(self.env._("Complaint Analysis")))
        sheet.write(0, 0, self.env._("Complaint analysis: tickets of the complaint categories"), formats["title"])
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 6, 15)
        complaints = [*base, ("is_complaint", "=", True)]
        aggregates = [
            "__count",
            "partner_id:count_distinct",
            "open_count:sum",
            "rated_count:sum",
            "resolution_hours:avg",
            "rating:avg",
        ]
        headers = [
            self.env._("Complaints"),
            self.env._("Customers"),
            self.env._("Still Open"),
            self.env._("Average Resolution (h)"),
            self.env._("Average Rating (1-5)"),
        ]
        number = [formats["int"], formats["int"], formats["int"], formats["ratio"], formats["ratio"]]

        def lines(group_by, domain, label):
            return [
                (label(key), count, customers, still_open, hours, rating if rated else None)
                for key, count, customers, still_open, rated, hours, rating in report._read_group(
                    domain, [group_by], aggregates
                )
            ]

        row = 2
        tables = [
            ("category_id", complaints, self.env._("Category"), lambda category: category.name or self.env._("None")),
            ("level_id", complaints, self.env._("Level"), lambda level: level.name or self.env._("No Level")),
            (
                "date:month",
                [*complaints, ("date", ">=", fields.Datetime.to_datetime(since))],
                self.env._("Month Created"),
                lambda month: month_label(self.env, month),
            ),
        ]
        for group_by, domain, title, label in tables:
            table = lines(group_by, domain, label)
            row = self._loyalty_write_table(sheet, formats, row, [title, *headers], table, [None, *number])
            if not table:
                row += 1
                sheet.write(row, 0, self.env._("No complaint yet."))
            row += 2
