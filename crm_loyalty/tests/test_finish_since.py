# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The finish step's figures (payment risk, segments) recomputed only for the customers whose inputs changed
since the previous run, and the same figures as recomputing every customer."""

from contextlib import closing
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..models import crm_loyalty_run as run_module
from ..models import crm_loyalty_score_since as since_module
from ..models.crm_loyalty_run import Since
from .common import LoyaltyCommon

AGED_TABLES = ["account_move", "account_move_line", "account_partial_reconcile", "res_partner", "res_users"]


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestFinishSince(LoyaltyCommon):
    """Customers of the test company as of 2025-06-30 (ranking window of 12 months); an earlier run as of
    2025-05-20 for the runs whose date moves."""

    earlier = date(2025, 5, 20)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(cls.env, login="since_seller", groups="sales_team.group_sale_salesman")
        cls.other_seller = new_test_user(cls.env, login="since_other", groups="sales_team.group_sale_salesman")
        cls.payer = cls._partner("Pays Today")
        cls.buyer = cls._partner("Buys Today")
        cls.grown = cls._partner("Grows", loyalty_employee_count=5)
        cls.handed = cls._partner("Changes Hands", user_id=cls.seller.id)
        cls.quiet = cls._partner("Nothing Happens", user_id=cls.seller.id, loyalty_employee_count=20)
        cls.debtor = cls._partner("Still Owes")
        cls.leaving = cls._partner("Leaves the Window")
        cls.falling_due = cls._partner("Falls Due")
        cls.veteran = cls._partner("One Year Now")
        cls.undone = cls._partner("Payment Undone")
        cls.costly = cls._partner("Its Product Costs More")
        invoices = cls._invoices(
            [
                {"partner": cls.payer, "amount": 1000.0, "date": date(2025, 3, 1), "due": date(2025, 3, 31)},
                {"partner": cls.buyer, "amount": 800.0, "date": date(2025, 2, 1), "due": date(2025, 3, 3)},
                {"partner": cls.grown, "amount": 900.0, "date": date(2025, 2, 1), "due": date(2025, 3, 3)},
                {"partner": cls.handed, "amount": 700.0, "date": date(2025, 2, 1), "due": date(2025, 3, 3)},
                {"partner": cls.quiet, "amount": 600.0, "date": date(2025, 1, 2), "due": date(2025, 2, 1)},
                {"partner": cls.debtor, "amount": 500.0, "date": date(2025, 3, 1), "due": date(2025, 4, 1)},
                # due inside the window of 2025-05-20 (after 2024-05-20), outside that of 2025-06-30
                {"partner": cls.leaving, "amount": 400.0, "date": date(2024, 5, 1), "due": date(2024, 6, 10)},
                # falls due between the two dates
                {"partner": cls.falling_due, "amount": 300.0, "date": date(2025, 5, 1), "due": date(2025, 6, 1)},
                # 0.97 years of cooperation on 2025-05-20, 1.08 on 2025-06-30
                # in the window at both dates (due after 2024-06-30)
                {"partner": cls.veteran, "amount": 200.0, "date": date(2024, 6, 1), "due": date(2024, 8, 1)},
                {"partner": cls.undone, "amount": 100.0, "date": date(2025, 2, 1), "due": date(2025, 3, 3)},
            ]
        )
        cls.invoice = dict(zip(["payer", "buyer", "grown", "handed", "quiet"], invoices[:5], strict=True))
        cls._pay(cls.invoice["buyer"], 800.0, date(2025, 3, 3))
        cls._pay(cls.invoice["grown"], 900.0, date(2025, 3, 3))
        cls._pay(cls.invoice["handed"], 700.0, date(2025, 3, 3))
        cls._pay(cls.invoice["quiet"], 600.0, date(2025, 2, 1))
        cls._pay(invoices[6], 400.0, date(2024, 7, 10))  # 30 days late
        cls._pay(invoices[8], 200.0, date(2024, 8, 1))
        cls._invoices([{"partner": cls.costly, "amount": 100.0, "date": date(2025, 2, 1), "product": cls.product_cost}])
        cls.invoice["undone"] = invoices[9]
        cls._pay(invoices[9], 100.0, date(2025, 3, 3))
        cls.scores = cls.env["crm.loyalty.score"]

    def setUp(self):
        super().setUp()
        # a dozen customers: a few changed ones are more than a quarter of them; look each one up all the same
        everyone = patch.object(since_module, "EVERYONE_SHARE", 1.0)
        everyone.start()
        self.addCleanup(everyone.stop)

    def _age_everything(self):
        """What the test wrote so far was written yesterday, and the runs' watermark is an hour old: what the
        test writes next is what changed since (everything in a test shares one transaction, so one date)."""
        self.env.flush_all()
        for table in AGED_TABLES:
            self.env.cr.execute(
                SQL(
                    """UPDATE %s SET write_date = (now() AT TIME ZONE 'UTC') - INTERVAL '1 day',
                                     create_date = (now() AT TIME ZONE 'UTC') - INTERVAL '1 day'""",
                    SQL.identifier(table),
                )
            )
        self.env.cr.execute(
            """UPDATE crm_loyalty_run SET finish_watermark = (now() AT TIME ZONE 'UTC') - INTERVAL '1 hour'
                WHERE finish_watermark IS NOT NULL"""
        )
        self.env.invalidate_all()

    def _changed(self, since, reference_date):
        query, _count = self.scores._loyalty_changed_partners(self.company, since, reference_date)
        self.env.cr.execute(query)
        return self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())

    def _assert_as_full(self):
        """Recomputing every customer's figures changes nothing the incremental run wrote."""
        self.assertEqual(self.scores._loyalty_update_payment_risk(self.company, self.today), 0)
        self.assertEqual(self.scores._loyalty_update_bands(self.company, self.today), 0)

    def test_same_day_rerun_recomputes_the_changed_customers(self):
        first = self._recompute()
        self.assertFalse(first._loyalty_since(), "no earlier run: every customer")
        self.assertEqual(self._score(self.payer).payment_overdue_amount, 1000.0)
        self._age_everything()
        self._pay(self.invoice["payer"], 1000.0, self.today)
        self._invoices([{"partner": self.buyer, "amount": 10000.0, "date": self.today}])
        self.grown.loyalty_employee_count = 60
        self.handed.user_id = self.other_seller
        # a payment taken back: no partial reconciliation left, the same revenue (the engine writes no score)
        self.invoice["undone"].line_ids.filtered("reconciled").remove_move_reconcile()
        # no invoice written, yet the run writes the score (its margin)
        self.product_cost.standard_price = 90.0
        second = self._recompute()
        since = second._loyalty_since()
        self.assertEqual(since, Since(first.finish_watermark, self.today, second.id), "based on the first run")
        changed = self._changed(since, self.today)
        self.assertIn(self.payer, changed, "a payment writes the invoice")
        self.assertIn(self.undone, changed, "taking a payment back writes the invoice")
        self.assertIn(self.buyer, changed, "the run wrote its score: its revenue changed")
        self.assertIn(self.costly, changed, "the run wrote its score: its margin changed")
        self.assertTrue((self.grown | self.handed) <= changed, "the contact was written")
        self.assertNotIn(self.quiet, changed, "nothing of it was written")
        # the figures of the changed customers are those of today
        self.assertEqual(self._score(self.payer).payment_overdue_amount, 0.0)
        self.assertEqual(self._score(self.undone).payment_overdue_amount, 100.0)
        self.assertEqual(self._score(self.grown).size_band_id.lower_bound, 50)
        self.assertEqual(self._score(self.handed).user_id, self.other_seller)
        self.assertEqual(self._score(self.buyer).volume_band_id.lower_bound, 10000)
        self._assert_as_full()

    def test_next_run_after_the_date_moved(self):
        self._recompute(date=self.earlier)
        self.assertEqual(self._score(self.leaving).payment_invoice_count, 1, "due in the window of 2025-05-20")
        self.assertEqual(self._score(self.payer).payment_overdue_amount, 1000.0)
        self.assertEqual(self._score(self.veteran).tenure_band_id.lower_bound, 0)
        self._age_everything()
        run = self.env["crm.loyalty.run"].search([], limit=1, order="id desc")
        since = Since(run.finish_watermark, self.earlier, run_id=0)  # no run wrote a score
        # nothing was written since: what the date alone changes
        changed = self._changed(since, self.today)
        self.assertTrue(
            (self.debtor | self.leaving | self.falling_due) <= changed,
            "overdue (its delay grows), an installment leaving the window, one falling due",
        )
        self.assertIn(self.veteran, changed, "a year of cooperation on the way")
        self.assertNotIn(self.quiet, changed)
        self._recompute()
        self.assertFalse(self._score(self.leaving).payment_invoice_count)
        self.assertEqual(self._score(self.veteran).tenure_band_id.lower_bound, 1)
        self.assertEqual(self._score(self.debtor).payment_days_late, 90.0)
        self._assert_as_full()

    def test_incremental_figures_equal_a_full_recompute_when_the_engine_writes_nothing(self):
        """The date moved and no score was written: the figures of the finish step follow the date all the
        same, for the customers whose figures the date changes, and equal those of every customer recomputed."""
        run = self._recompute(date=self.earlier)
        self._age_everything()
        since = Since(run.finish_watermark, self.earlier, run_id=0)  # no run wrote a score
        self.assertEqual(
            self.scores._loyalty_update_payment_risk(self.company, self.today, since=since),
            5,
            "three overdue (payer, debtor, costly), one leaving the window, one falling due",
        )
        self.assertEqual(self.scores._loyalty_update_bands(self.company, self.today, since=since), 1, "veteran")
        self.assertEqual(self._score(self.debtor).payment_days_late, 90.0)
        self.assertEqual(self._score(self.falling_due).payment_grade, "b")
        self.assertEqual(self._score(self.veteran).tenure_band_id.lower_bound, 1)
        self.assertFalse(self._score(self.leaving).payment_invoice_count)
        self._assert_as_full()

    def test_every_customer_when_most_changed(self):
        run = self._recompute(date=self.earlier)
        self._age_everything()
        since = Since(run.finish_watermark, self.earlier, run_id=0)
        partners, count = self.scores._loyalty_changed_partners(self.company, since, self.today)
        self.assertTrue(partners)
        share = (count - 0.5) / self.scores.search_count([("company_id", "=", self.company.id)])
        with patch.object(since_module, "EVERYONE_SHARE", share):
            partners, same = self.scores._loyalty_changed_partners(self.company, since, self.today)
        self.assertEqual(same, count)
        self.assertIsNone(partners, "more than the share: every customer's statement")

    def test_every_customer_when_the_settings_or_the_date_say_so(self):
        self._recompute()
        self.assertTrue(self._recompute()._loyalty_since(), "same settings, same date")
        self.company.loyalty_payment_b_days += 1
        self.assertFalse(self._recompute()._loyalty_since(), "a payment threshold changed")
        self.assertTrue(self._recompute()._loyalty_since())
        self.env.ref("crm_loyalty.band_tenure_1").lower_bound = 2
        self.assertFalse(self._recompute()._loyalty_since(), "a band changed")
        self.assertFalse(self._recompute(date=self.earlier)._loyalty_since(), "a date before the last run's")
        self.assertTrue(self._recompute()._loyalty_since(), "a later date")
        run = self.env["res.partner"].loyalty_recompute(self.company, history_months=2)
        self.assertFalse(run._loyalty_since(), "a history rebuild")


@tagged("post_install", "-at_install")
class TestFinishWatermark(LoyaltyCommon):
    """Against the database from connections of their own (not the test transaction)."""

    def test_a_write_not_yet_committed_is_after_the_watermark(self):
        """A payment registered in a transaction that began before the finish step and commits after it: its
        write date (the start of its transaction) is at or after the watermark, so the next run sees it."""
        company = self.env.ref("base.main_company")
        with closing(odoo.sql_db.db_connect(self.env.cr.dbname).cursor()) as writer:
            writer.execute(
                """UPDATE res_partner SET write_date = now() AT TIME ZONE 'UTC'
                    WHERE id = %s RETURNING write_date""",
                [company.partner_id.id],
            )
            written = writer.fetchone()[0]
            with (
                closing(odoo.sql_db.db_connect(self.env.cr.dbname).cursor()) as finisher,
                patch.object(run_module, "WATERMARK_MARGIN", "0 seconds"),
            ):
                env = api.Environment(finisher, SUPERUSER_ID, {})
                run = env["crm.loyalty.run"].create(
                    {"company_id": company.id, "trigger": "manual", "reference_date": date.today()}
                )
                run._loyalty_start_finish()
                finisher.execute("SELECT now() AT TIME ZONE 'UTC'")
                started = finisher.fetchone()[0]
                self.assertGreater(started, written, "the finish step's transaction began after the write")
                self.assertLessEqual(run.finish_watermark, written)
                finisher.rollback()
            writer.rollback()
