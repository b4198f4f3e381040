# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The rank and the day counts of a score are read live (not stored): right, sortable, searchable,
averaged in grouped lists, and a re-run does not rewrite the customers below one who moved up."""

import base64
import io
from datetime import timedelta

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestLiveFigures(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.best, cls.tied_more, cls.tied_less, cls.small = (
            cls._partner(name) for name in ("Best", "Tied, More Lifetime", "Tied, Less Lifetime", "Small")
        )
        cls.old = cls._partner("Old Customer")
        cls.suspect = cls._partner("Never Bought")
        cls._invoices(
            [
                {"partner": cls.best, "amount": 900.0, "date": cls.today - timedelta(days=10)},
                {"partner": cls.best, "amount": 100.0, "date": cls.today - timedelta(days=200)},
                {"partner": cls.tied_more, "amount": 500.0, "date": cls.today - timedelta(days=3)},
                {"partner": cls.tied_more, "amount": 300.0, "date": cls.today - timedelta(days=500)},
                {"partner": cls.tied_less, "amount": 500.0, "date": cls.today - timedelta(days=40)},
                {"partner": cls.small, "amount": 50.0, "date": cls.today},
                {"partner": cls.old, "amount": 700.0, "date": cls.today - timedelta(days=450)},
            ]
        )
        cls.env["res.partner"].loyalty_recompute(cls.company)
        cls.scores = cls.env["crm.loyalty.score"].search([("company_id", "=", cls.company.id)])

    def _scores(self, *partners):
        return [self._score(partner) for partner in partners]

    def test_rank_is_the_ranking_table_position(self):
        best, tied_more, tied_less, small, old, suspect = self._scores(
            self.best, self.tied_more, self.tied_less, self.small, self.old, self.suspect
        )
        # window revenue, then lifetime revenue (the tie), highest first; not ranked: 0
        self.assertEqual([best.rank, tied_more.rank, tied_less.rank, small.rank], [1, 2, 3, 4])
        self.assertEqual((old.rank, suspect.rank), (0, 0))
        self.assertTrue(best.is_ranked and not old.is_ranked)
        Score = self.env["crm.loyalty.score"]
        company = [("company_id", "=", self.company.id)]
        self.assertEqual(Score.search([*company, ("rank", "=", 1)]), best)
        self.assertEqual(Score.search([*company, ("rank", "<=", 2)]), best | tied_more)
        self.assertEqual(Score.search([*company, ("rank", ">", 3)]), small)
        self.assertEqual(Score.search([*company, ("rank", "=", 0)]), self.scores - best - tied_more - tied_less - small)
        self.assertEqual(
            Score.search([*company, ("rank", "=", False)]), self.scores - best - tied_more - tied_less - small
        )
        self.assertEqual(Score.search([*company, ("rank", "!=", 1)]), self.scores - best)
        with self.assertRaisesRegex(UserError, "whole number"):
            Score.search([*company, ("rank", "ilike", "1")])
        with self.assertRaisesRegex(UserError, "whole number"):
            Score.search([*company, ("recency_days", ">", 2.5)])
        ranked = Score.search([*company, ("is_ranked", "=", True)], order="rank")
        self.assertEqual(ranked.mapped("rank"), [1, 2, 3, 4])
        self.assertEqual(Score.search([*company, ("is_ranked", "=", True)], order="rank desc")[0], small)
        # the rank follows the stored revenue at once, with no run (written as the engine does: as superuser)
        small.sudo().revenue_window = 5000.0
        small.invalidate_recordset(["rank"])
        best.invalidate_recordset(["rank"])
        self.assertEqual((small.rank, best.rank), (1, 2))

    def test_a_customer_moving_up_does_not_rewrite_those_below(self):
        first = self.scores.run_id
        self.assertEqual(len(first), 1)
        levels = {score: score.level_id for score in self.scores}
        self._invoices([{"partner": self.small, "amount": 600.0}])
        run = self.env["res.partner"].loyalty_recompute(self.company)
        small, best, tied_more, tied_less = self._scores(self.small, self.best, self.tied_more, self.tied_less)
        self.assertEqual((small.rank, tied_more.rank, tied_less.rank), (2, 3, 4), "moved up past two customers")
        self.assertEqual(small.run_id, run)
        self.assertEqual(
            {score: score.level_id for score in self.scores - small}, {s: levels[s] for s in self.scores - small}
        )
        self.assertEqual((run.written_count, (self.scores - small).run_id), (1, first), "only the buyer is written")

    def test_day_counts_as_of_today(self):
        best, tied_more, suspect = self._scores(self.best, self.tied_more, self.suspect)
        self.assertEqual((best.recency_days, best.tenure_days), (10, 200))
        self.assertEqual((suspect.recency_days, suspect.tenure_days), (0, 0))
        Score = self.env["crm.loyalty.score"]
        company = [("company_id", "=", self.company.id)]
        self.assertEqual(Score.search([*company, ("recency_days", ">", 100)]), self._score(self.old))
        self.assertEqual(Score.search([*company, ("recency_days", "=", 3)]), tied_more)
        self.assertIn(suspect, Score.search([*company, ("recency_days", "<", 5)]), "never invoiced: 0 days")
        self.assertNotIn(suspect, Score.search([*company, ("tenure_days", ">=", 1)]))
        self.assertEqual(
            Score.search([*company, ("invoice_count", ">", 0)], order="recency_days desc")[0].partner_id, self.old
        )
        # averaged in a grouped list, as the list computes them
        groups = Score.read_group(company, ["recency_days:avg", "tenure_days:avg"], ["is_ranked"])
        for group in groups:
            members = Score.search(group["__domain"])
            self.assertAlmostEqual(group["recency_days"], sum(members.mapped("recency_days")) / len(members))
            self.assertAlmostEqual(group["tenure_days"], sum(members.mapped("tenure_days")) / len(members))
        # a week later, with no run: a week more
        with freeze_time(self.today + timedelta(days=7)):
            best.invalidate_recordset()
            self.assertEqual((best.recency_days, best.tenure_days), (17, 207))
            self.assertEqual(Score.search([*company, ("recency_days", "=", 10)]), tied_more)

    def test_workbook_ranks(self):
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook(company=self.company)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        ranks = {row[0]: row[3] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(
            [ranks[partner.name] for partner in (self.best, self.tied_more, self.tied_less, self.small)], [1, 2, 3, 4]
        )
        self.assertIsNone(ranks[self.old.name])
