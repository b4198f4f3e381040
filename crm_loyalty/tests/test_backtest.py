# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import base64
import io
from collections import Counter
from datetime import date, timedelta

import numpy as np
import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyCommon

CUTOFF = date(2024, 12, 30)  # six months before LoyaltyCommon.today (30 June 2025)


def _purchase_days(seed, count):
    """Purchase days of ``count`` customers who buy as the BG/NBD model says (Gamma purchase rates, a
    Beta drop-out chance after each purchase), first purchases from January to April 2024, up to
    LoyaltyCommon.today; deterministic."""
    rng = np.random.default_rng(seed)
    customers = []
    for _customer in range(count):
        rate, drop = rng.gamma(1.5, 1.0 / 8.0), rng.beta(0.8, 2.0)  # purchases per week
        day = date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 120)))
        days = [day]
        while True:
            day += timedelta(days=max(1, round(min(rng.exponential(7.0 / max(rate, 1e-3)), 5000))))
            if day > LoyaltyCommon.today or rng.random() < drop:
                break
            days.append(day)
        customers.append(days)
    return customers


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestLifetimeValueBacktest(LoyaltyCommon):
    """A prepared history whose holdout is known: 30 customers drawn from the model, a customer buying on
    the 15th of every month all along (6 purchases in the holdout) and one who stopped in June 2024."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.drawn = _purchase_days(3, 30)
        cls.steady = cls._partner("Steady Buyer")
        cls.lapsed = cls._partner("Lapsed Buyer")
        specs = []
        for index, days in enumerate(cls.drawn):
            partner = cls._partner(f"Drawn Customer {index:02d}")
            specs += [{"partner": partner, "amount": 100.0 + 10 * index, "date": day} for day in days]
        monthly = [date(2024, month, 15) for month in range(1, 13)] + [date(2025, month, 15) for month in range(1, 7)]
        specs += [{"partner": cls.steady, "amount": 500.0, "date": day} for day in monthly]
        specs += [{"partner": cls.lapsed, "amount": 300.0, "date": day} for day in monthly[:6]]
        # a second invoice the same holdout day is one purchase; a credit note on a day of its own is none
        specs.append({"partner": cls.steady, "amount": 50.0, "date": date(2025, 2, 15)})
        specs.append({"partner": cls.lapsed, "amount": 100.0, "date": date(2025, 3, 1), "move_type": "out_refund"})
        cls._invoices(specs)
        cls.holdout = Counter()  # purchase days after the cut-off, per drawn customer
        for index, days in enumerate(cls.drawn):
            cls.holdout[index] = len({day for day in days if day > CUTOFF})

    def test_purchases_counted_as_the_lifetime_value_counts_them(self):
        """A purchase is a day with a positive net amount, in the backtest as in the lifetime value: an invoice
        credited the same day and a free invoice are none."""
        buyer = self._partner("Refunding Buyer")
        specs = [{"partner": buyer, "amount": 200.0, "date": date(2024, month, 10)} for month in range(1, 7)]
        specs += [
            {"partner": buyer, "amount": 250.0, "date": date(2025, 3, 10)},
            {"partner": buyer, "amount": 250.0, "date": date(2025, 3, 10), "move_type": "out_refund"},
            {"partner": buyer, "amount": 0.0, "date": date(2025, 4, 10)},
        ]
        self._invoices(specs)
        backtest = self._recompute().backtest_id
        self.assertEqual(backtest.customers, 33)
        self.assertEqual(backtest.actual_total, sum(self.holdout.values()) + 6, "the buyer bought nothing since")
        self.assertEqual(backtest.returning_customers, sum(1 for count in self.holdout.values() if count) + 1)

    def test_backtest_of_a_run(self):
        run = self._recompute()
        backtest = run.backtest_id
        self.assertEqual(backtest.state, "done", backtest.message)
        self.assertEqual((backtest.cutoff_date, backtest.end_date, backtest.holdout_months), (CUTOFF, self.today, 6))
        self.assertEqual(backtest.run_id, run)
        self.assertEqual(backtest.customers, 32)
        # what the customers did is known: 6 purchase days of the steady buyer, none of the lapsed one
        self.assertEqual(backtest.actual_total, sum(self.holdout.values()) + 6)
        self.assertEqual(backtest.returning_customers, sum(1 for count in self.holdout.values() if count) + 1)
        self.assertEqual(
            backtest.repeat_customers, sum(1 for days in self.drawn if len(days) > 1 and days[1] <= CUTOFF) + 2
        )
        self.assertAlmostEqual(
            backtest.total_error,
            100.0 * (backtest.predicted_total - backtest.actual_total) / backtest.actual_total,
            delta=0.5,  # stored to a tenth of a percent, from totals before they are rounded to a tenth
        )
        self.assertFalse(backtest.degenerate)
        self.assertGreater(backtest.auc_repeat, 0.75, "the repeat buyers who came back were more alive")
        self.assertLess(backtest.mae, backtest.mae_naive)
        self.assertEqual(backtest.params.keys(), {"r", "alpha", "a", "b"})
        # the calibration chart: the steady buyer (11 repeat purchases) is in 7+, the lapsed one (5) in 5
        lines = {(line.kind, line.name, line.series): line for line in backtest.line_ids}
        self.assertEqual(
            sum(line.customers for key, line in lines.items() if key[0] == "repeat" and key[2] == "actual"), 32
        )
        self.assertEqual(
            sum(line.purchases for key, line in lines.items() if key[0] == "repeat" and key[2] == "actual"),
            backtest.actual_total,
        )
        self.assertAlmostEqual(
            sum(line.purchases for key, line in lines.items() if key[0] == "repeat" and key[2] == "predicted"),
            backtest.predicted_total,
            places=3,
        )
        seven = lines["repeat", "7+", "actual"]
        self.assertAlmostEqual(seven.per_customer, seven.purchases / seven.customers)
        # per level at the cut-off: every customer of the cut-off had one
        level_actual = [line for key, line in lines.items() if key[0] == "level" and key[2] == "actual"]
        self.assertEqual(sum(line.customers for line in level_actual), 32)
        self.assertEqual(sum(line.purchases for line in level_actual), backtest.actual_total)
        self.assertTrue(all(line.level_id.name == line.name for line in level_actual))

    def test_next_runs_reuse_it_for_a_week(self):
        first = self._recompute().backtest_id

        def recompute_on(day):
            with freeze_time(day):
                return self._recompute()

        self.assertEqual(recompute_on(self.today + timedelta(days=3)).backtest_id, first, "three days old: it serves")
        later = recompute_on(self.today + timedelta(days=8)).backtest_id
        self.assertNotEqual(later, first)
        self.assertEqual(later.cutoff_date, date(2025, 1, 8))
        self.company.loyalty_backtest_months = 3
        shorter = recompute_on(self.today + timedelta(days=9)).backtest_id
        self.assertEqual(
            (shorter.holdout_months, shorter.cutoff_date), (3, date(2025, 4, 9)), "new holdout: new backtest"
        )
        self.assertEqual(self.env["crm.loyalty.backtest"].search_count([("company_id", "=", self.company.id)]), 3)

    def test_too_little_history_says_so(self):
        self.company.loyalty_backtest_months = 12  # cut-off 30 June 2024: invoices only since January
        backtest = self._recompute().backtest_id
        self.assertEqual(backtest.state, "insufficient")
        self.assertIn("too little history before the cut-off date to predict the 12 months", backtest.message)
        self.assertFalse(backtest.line_ids)
        self.company.loyalty_backtest_months = 24
        backtest = self._recompute().backtest_id
        self.assertEqual(backtest.state, "insufficient")
        self.assertEqual(backtest.message, "No customer had bought anything on or before the cut-off date.")
        with self.assertRaisesRegex(ValidationError, "backtest holdout must be at least one month"):
            self.company.loyalty_backtest_months = 0
        with self.assertRaisesRegex(ValidationError, "at most 60 months"):
            self.company.loyalty_backtest_months = 61

    def test_chart_and_access(self):
        backtest = self._recompute().backtest_id
        action = backtest.with_context(loyalty_chart="repeat").action_loyalty_chart()
        self.assertEqual(action["res_model"], "crm.loyalty.backtest.line")
        self.assertEqual(action["context"]["graph_groupbys"], ["name", "series"])
        # what the graph reads: per number of repeat purchases, predicted beside actual
        groups = self.env["crm.loyalty.backtest.line"].read_group(
            action["domain"], ["per_customer:avg"], ["name", "series"], lazy=False
        )
        self.assertEqual(len(groups), 16)
        self.assertEqual([group["name"] for group in groups[::2]], ["0", "1", "2", "3", "4", "5", "6", "7+"])
        per_level = backtest.with_context(loyalty_chart="level").action_loyalty_chart()
        self.assertIn(("kind", "=", "level"), per_level["domain"])
        # users who may read every customer read it (the model measured on all of them); only managers delete
        seller = new_test_user(self.env, login="backtest_seller", groups="sales_team.group_sale_salesman_all_leads")
        self.assertEqual(backtest.with_user(seller).auc_repeat, backtest.auc_repeat)
        own = new_test_user(self.env, login="backtest_own", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            backtest.with_user(own).read(["mae"])
        with self.assertRaises(AccessError):
            backtest.with_user(seller).unlink()
        with self.assertRaises(AccessError):
            backtest.with_user(seller).write({"auc": 1.0})
        billing = new_test_user(self.env, login="backtest_billing", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            backtest.with_user(billing).read(["mae"])

    def test_workbook_sheet(self):
        backtest = self._recompute().backtest_id
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook(company=self.company)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        rows = list(book["Lifetime Value Backtest"].iter_rows(values_only=True))
        self.assertEqual(rows[0][0], "Backtest 2024-12-30 to 2025-06-30")
        figures = {row[0]: row[1] for row in rows[2:13]}
        self.assertEqual(figures["Customers at the cut-off"], 32)
        self.assertEqual(figures["Actual purchases"], backtest.actual_total)
        self.assertAlmostEqual(figures["P(alive) AUC (repeat buyers)"], backtest.auc_repeat)
        table = rows.index(next(row for row in rows if row[0] == "Repeat purchases before the cut-off"))
        buckets = rows[table + 1 : table + 9]
        self.assertEqual([row[0] for row in buckets], ["0", "1", "2", "3", "4", "5", "6", "7+"])
        self.assertEqual(sum(row[1] for row in buckets), 32)
        self.assertEqual(sum(row[5] for row in buckets), backtest.actual_total)
