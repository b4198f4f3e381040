# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One truth per figure: the same period gives the same pyramid counts, revenue and margin per level, and the
same migration, through every reader (dashboard, economics, KPIs, migration, workbook sheets)."""

import base64
import io
from collections import Counter
from datetime import date

import openpyxl
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import tagged

from .common import LoyaltyCommon

RANKED = ("top", "big", "medium", "small")


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestOneTruth(LoyaltyCommon):
    """30 customers invoiced over 15 months (some with a product that costs, some credit notes), the pyramid
    computed on 2025-06-30 (a month-end) with its history rebuilt over 3 month-ends. The period: the ranking window
    ending that day (2024-07-01 to 2025-06-30); the month: June 2025."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Truth {i:02d}", "is_company": True} for i in range(30)]
        )
        specs = []
        for index, partner in enumerate(cls.customers):
            for month in range(index % 3, 15, 1 + index % 5):
                spec = {
                    "partner": partner,
                    "amount": 100.0 + ((index * 37 + month * 11) % 50) * 10,
                    "date": cls.today - relativedelta(months=month, days=index % 20),
                }
                if index % 4 == 0:
                    spec.update(product=cls.product_cost, quantity=1 + month % 3)
                specs.append(spec)
            if index % 7 == 0:
                specs.append({"partner": partner, "amount": 90.0, "move_type": "out_refund", "date": date(2025, 6, 10)})
        cls._invoices(specs)
        run = cls.env["res.partner"].loyalty_recompute(cls.company, history_months=3)
        assert run.state == "done", run.error
        cls.date_from, cls.date_to = date(2024, 7, 1), cls.today

    def _scores(self):
        """What the dashboard's pyramid and the Financial Statistics sheet read: the scores per level."""
        groups = self.env["crm.loyalty.score"]._read_group(
            [("company_id", "=", self.company.id), ("invoice_count", ">", 0)],
            ["level_id"],
            ["__count", "revenue_window:sum", "margin_window:sum"],
        )
        return {level.code: (count, round(revenue, 2), round(margin, 2)) for level, count, revenue, margin in groups}

    def _workbook(self, economics):
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook(economics=economics)
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)

    @staticmethod
    def _rows(sheet, first_row):
        rows = {}
        for row in sheet.iter_rows(min_row=first_row, values_only=True):
            if row and row[0]:
                rows[row[0]] = row
        return rows

    def test_same_period_same_figures_everywhere(self):
        scores = self._scores()
        names = {level.code: level.name for level in self.levels.values()}
        self.assertTrue(all(scores.get(code) for code in ("top", "small")), scores)
        # the pyramid economics of the ranking window
        economics = self.env["crm.loyalty.economics"].create(
            {"company_id": self.company.id, "date_from": self.date_from, "date_to": self.date_to}
        )
        economics.action_compute()
        lines = {
            line.level_id.code: (line.customers, round(line.revenue, 2), round(line.gross_profit, 2))
            for line in economics.line_ids
            if line.level_id.code in (*RANKED, "inactive")
        }
        self.assertEqual(lines, {code: scores[code] for code in lines}, "economics = scores")
        self.assertEqual(set(lines), set(scores), "the same levels")
        # the dashboard's pyramid: each level's customers and revenue
        dashboard = self.env["crm.loyalty.dashboard"].create({"company_id": self.company.id})
        pyramid = str(dashboard.pyramid_html)
        for code in RANKED:
            count = scores.get(code, (0,))[0]
            self.assertIn(f"<strong>{names[code]}</strong> · {count} customers", pyramid)
        # the workbook of these economics: its Pyramid and Financial Statistics sheets
        book = self._workbook(economics)
        pyramid_sheet = self._rows(book[book.sheetnames[0]], 3)
        financial = self._rows(book["Financial Statistics"], 2)
        # each sheet says its period: the economics' dates, the scores' computation and ranking window
        self.assertIn("2024-07-01 - 2025-06-30", next(book[book.sheetnames[0]].iter_rows(values_only=True))[0])
        period = "Levels as of 06/30/2025; revenue of the ranking window, 07/01/2024 to 06/30/2025."
        self.assertIn(period, financial)
        self.assertIn(period, str(dashboard.pyramid_html))
        for code, (count, revenue, margin) in scores.items():
            self.assertEqual(tuple(pyramid_sheet[names[code]][1:4]), (count, revenue, margin), f"Pyramid {code}")
            self.assertEqual(tuple(financial[names[code]][1:4]), (count, revenue, margin), f"Financial {code}")
        # the levels at the end of June: the KPIs of June, the migration from May to June, the Migration sheet
        counts = Counter({code: scores[code][0] for code in RANKED if code in scores})
        kpis = self.env["crm.loyalty.kpi"].sudo()._loyalty_compute_month(date(2025, 6, 1), self.company)
        by_level = {row.level_id.code: row.active_end for row in kpis if row.level_id and not row.user_id}
        self.assertEqual({code: n for code, n in by_level.items() if n}, dict(counts), "KPIs of June")
        total = kpis.filtered(lambda row: not row.level_id and not row.user_id)
        self.assertEqual(total.active_end, sum(counts.values()))
        migration = self.env["crm.loyalty.migration"].create(
            {"company_id": self.company.id, "date_a": date(2025, 5, 31), "date_b": self.date_to}
        )
        migration.action_compute()
        to_level = Counter()
        for line in migration.line_ids:
            if line.level_b_id.code in RANKED:
                to_level[line.level_b_id.code] += 1
        self.assertEqual(dict(to_level), dict(counts), "migration to the end of June")
        counts_sheet, _amounts = self.env["crm.loyalty.workbook"]._loyalty_migration_tables(
            self.company, date(2025, 6, 1), self.date_to
        )
        self.assertEqual(
            {code: int(counts_sheet[code].sum()) for code in RANKED if counts_sheet[code].sum()},
            dict(counts),
            "Migration sheet",
        )
