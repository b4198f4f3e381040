# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Levels at a date from one reader of the history that reads only the rows it needs (the slice), and the same
answers as the whole history replayed."""

from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from ..loyalty_analytics.kpi import ever_active_before, levels_at, new_customers, period_kpis, period_kpis_by_level
from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestHistorySlice(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(cls.env, login="slice_seller", groups="sales_team.group_sale_salesman")
        other = new_test_user(cls.env, login="slice_other", groups="sales_team.group_sale_salesman")
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": f"Slice {i:02d}", "is_company": True, "user_id": [cls.seller.id, other.id, False][i % 3]}
                for i in range(24)
            ]
        )
        cls.theirs = cls.customers.filtered(lambda partner: partner.user_id == other)
        specs = []
        for index, partner in enumerate(cls.customers):
            # customers who come, go and come back over 20 months, amounts that move the ranking
            for month in range(index % 5, 20, 2 + index % 5):
                specs.append(
                    {
                        "partner": partner,
                        "amount": 100.0 + ((index * 37 + month * 11) % 50) * 10,
                        "date": cls.today - relativedelta(months=month, days=index % 20),
                    }
                )
        invoices = cls._invoices(specs)
        cls.company.loyalty_activity_months = 3
        cls.company.loyalty_ranking_months = 3
        run = cls.env["res.partner"].loyalty_recompute(cls.company, history_months=12)
        assert run.state == "done", run.error
        # a customer leaves the company's pyramid (its invoices cancelled, archived): its score goes, a row to
        # no level
        cls.leaver = cls.customers[5]
        leaver_invoices = invoices.filtered(lambda move: move.partner_id == cls.leaver)
        leaver_invoices.button_draft()
        leaver_invoices.button_cancel()
        cls.leaver.active = False
        run = cls.env["res.partner"].loyalty_recompute(cls.company)
        assert run.state == "done", run.error
        cls.history = cls.env["crm.loyalty.history"]

    def _dates(self):
        month_ends = self.history._loyalty_month_ends(self.today, 12)
        return [month_ends[0] - relativedelta(days=1), *month_ends, self.today, date(2025, 3, 15)]

    def test_slice_gives_the_levels_of_the_whole_history(self):
        whole = self.history._loyalty_history_frame(self.company)
        self.assertIn(self.leaver.id, set(whole.loc[whole["level_code"].isna(), "partner_id"]), "a row to no level")
        dates = self._dates()
        piece = self.history._loyalty_history_slice(self.company, dates)
        # the slice of the two dates of a period: only the rows that decide them, the same answers (new customers:
        # never active before the start, whether or not they were active at a date of the slice)
        for first, start in enumerate(dates):
            for end in dates[first + 1 :]:
                if end < start:
                    continue
                small = self.history._loyalty_history_slice(self.company, [start, end])
                self.assertLess(len(small), len(whole), "only the rows that decide")
                self.assertEqual(period_kpis(small, start, end), period_kpis(whole, start, end), f"{start}-{end}")
                self.assertEqual(period_kpis_by_level(small, start, end), period_kpis_by_level(whole, start, end))
        for day in dates:
            self.assertEqual(levels_at(piece, day).to_dict(), levels_at(whole, day).to_dict(), f"levels at {day}")
            self.assertEqual(ever_active_before(piece, day), ever_active_before(whole, day), f"active by {day}")
        for start, end in zip(dates, dates[1:], strict=False):
            if start <= end:
                self.assertEqual(period_kpis(piece, start, end), period_kpis(whole, start, end))
                self.assertEqual(period_kpis_by_level(piece, start, end), period_kpis_by_level(whole, start, end))
                self.assertEqual(new_customers(piece, start, end), new_customers(whole, start, end))
        empty = self.history._loyalty_history_slice(self.env["res.company"].create({"name": "Empty"}), dates)
        self.assertTrue(empty.empty)

    def test_slice_with_the_users_rights(self):
        """A salesperson's slice: the rows of their customers only, as the whole history they may read."""
        history = self.history.with_user(self.seller)
        dates = self._dates()
        whole = history._loyalty_history_frame(self.company, readable=True)
        piece = history._loyalty_history_slice(self.company, dates, readable=True)
        self.assertEqual(set(piece["partner_id"]), set(whole["partner_id"]))
        self.assertTrue(set(whole["partner_id"]) & set((self.customers - self.theirs).ids))
        self.assertFalse(set(whole["partner_id"]) & set(self.theirs.ids), "not another salesperson's customers")
        for day in dates:
            self.assertEqual(levels_at(piece, day).to_dict(), levels_at(whole, day).to_dict(), f"levels at {day}")
