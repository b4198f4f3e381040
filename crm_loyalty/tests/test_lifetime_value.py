# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import timedelta

import numpy as np
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..loyalty_analytics import historical_clv
from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestLifetimeValueModel(LoyaltyCommon):
    """A few hundred customers with purchase histories drawn from a
    buy-till-you-die process: the BG/NBD and Gamma-Gamma models fit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = np.random.default_rng(42)
        customers = cls.env["res.partner"].create([{"name": f"Buyer {i:03d}", "is_company": True} for i in range(240)])
        specs = []
        for partner in customers:
            day = int(rng.integers(30, 700))  # first purchase, days ago
            mean_gap = float(rng.gamma(2.0, 25.0))
            spend = float(rng.gamma(6.0, 20.0))
            for _purchase in range(12):
                specs.append(
                    {
                        "partner": partner,
                        "amount": round(spend * rng.uniform(0.7, 1.3), 2),
                        "date": cls.today - timedelta(days=day),
                    }
                )
                if rng.random() < 0.25:  # drops out
                    break
                day -= int(rng.exponential(mean_gap)) + 1
                if day < 0:
                    break
        # hand-made cases
        cls.loyal = cls._partner("Weekly Buyer")  # bought every 2 weeks until yesterday
        cls.gone = cls._partner("Stopped Buyer")  # bought every week for 6 months, silent for 11 months
        cls.same_day = cls._partner("Same Day Buyer")  # two invoices on one day: one purchase
        cls.wiped = cls._partner("Wiped Buyer")  # second purchase fully credited the same day
        cls.today_only = cls._partner("New Today")  # first and only purchases today
        specs += [
            {"partner": cls.loyal, "amount": 100.0, "date": cls.today - timedelta(days=1 + 14 * k)} for k in range(20)
        ]
        specs += [
            {"partner": cls.gone, "amount": 100.0, "date": cls.today - timedelta(days=335 + 7 * k)} for k in range(26)
        ]
        specs += [
            {"partner": cls.same_day, "amount": 80.0, "date": cls.today - timedelta(days=100)},
            {"partner": cls.same_day, "amount": 20.0, "date": cls.today - timedelta(days=100)},
            {"partner": cls.wiped, "amount": 50.0, "date": cls.today - timedelta(days=200)},
            {"partner": cls.wiped, "amount": 70.0, "date": cls.today - timedelta(days=20)},
            {"partner": cls.wiped, "amount": 70.0, "date": cls.today - timedelta(days=20), "move_type": "out_refund"},
            {"partner": cls.today_only, "amount": 40.0},
            {"partner": cls.today_only, "amount": 60.0},
        ]
        cls._invoices(specs)

    def test_model_fits_and_scores_are_finite(self):
        run = self._recompute()
        self.assertEqual(run.clv_method, "bgnbd", run.clv_note)
        self.assertIn("BG/NBD on", run.clv_note)
        self.assertIn("Gamma-Gamma", run.clv_note)
        scores = self.env["crm.loyalty.score"].search([("company_id", "=", self.company.id), ("invoice_count", ">", 0)])
        self.assertGreater(len(scores), 240)
        self.assertEqual(set(scores.mapped("clv_method")), {"bgnbd"})
        for score in scores:
            self.assertTrue(0.0 <= score.probability_alive <= 1.0, score.partner_id.name)
            self.assertGreaterEqual(score.expected_purchases, 0.0)
            self.assertGreater(score.expected_spend, 0.0)
        self.env.cr.execute(
            """SELECT count(*) FROM crm_loyalty_score
                WHERE company_id = %s
                  AND (clv = 'NaN' OR probability_alive = 'NaN' OR expected_purchases = 'NaN'
                       OR expected_spend = 'NaN' OR phase_trend = 'NaN' OR avg_discount = 'NaN')""",
            [self.company.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no NaN stored")
        loyal, gone = self._score(self.loyal), self._score(self.gone)
        self.assertGreater(loyal.probability_alive, 0.75)
        self.assertLess(gone.probability_alive, 0.2)
        self.assertGreater(loyal.clv, gone.clv)
        self.assertGreater(loyal.expected_purchases, gone.expected_purchases)
        # one purchase (same-day invoices, a purchase wiped by a credit note, only today): alive, finite
        for partner in (self.same_day, self.wiped, self.today_only):
            score = self._score(partner)
            self.assertEqual(score.probability_alive, 1.0, partner.name)
            self.assertTrue(np.isfinite(score.clv) and score.clv > 0, partner.name)
        self.assertEqual(self._score(self.same_day).invoice_count, 2)
        self.assertEqual(self._score(self.today_only).tenure_days, 0)
        # the contact shows the score of its commercial partner
        self.assertEqual(self.loyal.loyalty_score_id, loyal)
        self.assertEqual(self.loyal.loyalty_score_id.clv_method, "bgnbd")

    def test_fit_reused_for_a_week(self):
        """The nightly runs of a week reuse the models fitted as of its first day; a week after that fit, or
        as soon as the customers fitted on changed by more than 2 %, they are fitted again."""
        first = self._recompute()
        self.assertIn("BG/NBD on", first.clv_note)
        self.assertEqual(first.clv_params["fitted_on"], str(self.today))
        with freeze_time(self.today + timedelta(days=3)):
            second = self._recompute()
        self.assertIn("reused", second.clv_note)
        self.assertEqual(second.clv_params, first.clv_params)
        self.assertEqual(second.clv_method, "bgnbd")
        # the fit's own date counts, not the last run's: 8 days after it, fitted again
        with freeze_time(self.today + timedelta(days=8)):
            third = self._recompute()
        self.assertNotIn("reused", third.clv_note)
        self.assertEqual(third.clv_params["fitted_on"], str(self.today + timedelta(days=8)))
        self.assertNotEqual(third.clv_params["bgnbd"]["r"], first.clv_params["bgnbd"]["r"])
        # 10 new repeat buyers (4 % more customers): fitted again the next day
        newcomers = self.env["res.partner"].create([{"name": f"Newcomer {i}", "is_company": True} for i in range(10)])
        self._invoices(
            [
                {"partner": partner, "amount": 90.0, "date": self.today + timedelta(days=day)}
                for partner in newcomers
                for day in (2, 6)
            ]
        )
        with freeze_time(self.today + timedelta(days=9)):
            fourth = self._recompute()
        self.assertIn("BG/NBD on", fourth.clv_note)
        self.assertEqual(fourth.clv_params["fitted_on"], str(self.today + timedelta(days=9)))
        self.assertEqual(fourth.clv_params["bgnbd"]["n_customers"], third.clv_params["bgnbd"]["n_customers"] + 10)

    def test_at_risk_flag_then_treated_as_inactive(self):
        self.company.loyalty_alive_threshold = 0.3
        self._recompute()
        gone = self._score(self.gone)
        self.assertTrue(gone.is_active_customer)
        self.assertTrue(gone.at_risk)
        self.assertNotEqual(gone.level_id.code, "inactive")
        self.assertFalse(self._score(self.loyal).at_risk)
        at_risk = self.env["res.partner"].search([("loyalty_score_id.at_risk", "=", True)])
        self.assertIn(self.gone, at_risk)
        self.assertNotIn(self.loyal, at_risk)
        # treat as inactive: the level changes, the history says why
        self.company.loyalty_at_risk_mode = "inactive"
        self._recompute()
        gone.invalidate_recordset()
        self.assertEqual(gone.level_id.code, "inactive")
        change = self.env["crm.loyalty.history"].search([("partner_id", "=", self.gone.id)], limit=1)
        self.assertEqual((change.level_to_id.code, change.reason), ("inactive", "at_risk"))
        self.assertFalse(self._score(self.loyal).level_id.code == "inactive")

    def _stored_and_fresh(self, run):
        """The stored estimates and the run's own fresh computation of them, by partner."""
        fresh = self.env["crm.loyalty.engine"].sudo()._loyalty_prepare(run).scores
        fresh = fresh.set_index("partner_id")
        scores = self.env["crm.loyalty.score"].search([("company_id", "=", self.company.id)])
        return scores, fresh

    def test_next_day_writes_only_estimates_beyond_their_tolerance(self):
        """A day later the refitted model moves every P(alive) and lifetime value a little: the scores are
        rewritten only where an estimate moved beyond its tolerance, and every stored estimate stays within
        it of the day's computation."""
        first = self._recompute()
        self.assertEqual(first.written_count, first.partner_count)
        for days in (1, 2, 3):
            with freeze_time(self.today + timedelta(days=days)):
                run = self._recompute()
                scores, fresh = self._stored_and_fresh(run)
            self.assertLess(run.written_count, run.partner_count, f"day {days}: scores are kept")
            moved_within = 0
            for score in scores:
                new = fresh.loc[score.partner_id.id]
                for name, absolute, relative in (
                    ("probability_alive", 0.005, 0.0),
                    ("expected_purchases", 0.005, 0.005),
                    ("expected_spend", 0.01, 0.005),
                    ("clv", 0.01, 0.005),
                ):
                    stored, fresh_value = score[name], np.nan_to_num(new[name])  # no estimate: empty, read as 0
                    tolerance = max(absolute, relative * abs(stored)) + 1e-9
                    self.assertLessEqual(abs(fresh_value - stored), tolerance, f"{score.partner_id.name} {name}")
                    moved_within += fresh_value != stored
                # the exact figures are the day's
                self.assertEqual(score.at_risk, bool(new["at_risk"]))
                self.assertEqual(score.computed_level_id.id, new["computed_level_id"])
            self.assertGreater(moved_within, 0, f"day {days}: estimates moved within their tolerance, not written")
        # months later, the fortnightly buyer has been silent: its P(alive) fell beyond its tolerance, rewritten
        loyal = self._score(self.loyal)
        before = loyal.probability_alive
        with freeze_time(self.today + timedelta(days=120)):
            run = self._recompute()
        loyal.invalidate_recordset()
        self.assertEqual(loyal.run_id, run)
        self.assertLess(loyal.probability_alive, before - 0.1)


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestLifetimeValueRules(LoyaltyCommon):
    def test_fallback_to_historical_clv(self):
        kept, lost, new = self._partner("Kept"), self._partner("Lost"), self._partner("New")
        self._invoices(
            [
                {"partner": kept, "amount": 600.0, "date": self.today - timedelta(days=532)},
                {"partner": kept, "amount": 600.0, "date": self.today - timedelta(days=166)},
                {"partner": lost, "amount": 300.0, "date": self.today - timedelta(days=480)},
                {"partner": new, "amount": 100.0, "date": self.today - timedelta(days=90)},
            ]
        )
        run = self._recompute()
        self.assertEqual(run.clv_method, "historical")
        self.assertIn("annual retention 0.50", run.clv_note)
        score = self._score(kept)
        self.assertEqual(score.clv_method, "historical")
        self.assertFalse(score.probability_alive)
        self.assertFalse(score.at_risk)
        # no product: cost 0; margin 600 in the 12-month ranking window (the older invoice is outside it)
        expected = historical_clv([600.0 / 12], 0.5, 12, 0.10)[0]
        self.assertAlmostEqual(score.clv, expected, places=2)
        self.assertEqual(self._score(lost).clv, 0.0, "no margin in the observation window")
        # a customer never invoiced has no lifetime value
        suspect = self._partner("Nobody")
        self._recompute()
        self.assertFalse(self._score(suspect).clv_method)
        self.assertEqual(self._score(suspect).clv, 0.0)

    def test_single_recent_purchase_is_not_a_monthly_habit(self):
        """One 90,000 invoice five days old: a year of the window's margin at most, not 12 x 90,000."""
        buyer = self._partner("One Big Order")
        self._invoices([{"partner": buyer, "amount": 90000.0, "date": self.today - timedelta(days=5)}])
        run = self._recompute()
        self.assertEqual(run.clv_method, "historical")
        self.assertIn("of the last 12 months per month", run.clv_note)
        clv = self._score(buyer).clv
        # retention not observed (1.00): 7,500 a month for 12 months, discounted at 10% a year
        self.assertAlmostEqual(clv, 7500.0 * sum(1.1 ** (-k / 12) for k in range(1, 13)), places=2)
        self.assertAlmostEqual(clv, 85503.66, places=2)  # was 1,026,000 when one month of tenure was a habit
        # a longer window spreads the same margin over more months
        self.company.loyalty_ranking_months = 24
        self._recompute()
        self.assertAlmostEqual(self._score(buyer).clv, clv / 2, places=2)

    def test_value_phase(self):
        rising, peak, declining = self._partner("Rising"), self._partner("Peak"), self._partner("Declining")
        specs = []
        for quarter, (up, flat, down) in enumerate(
            [(100, 500, 800), (200, 520, 600), (300, 480, 300), (400, 500, 100)]
        ):
            day = self.today - timedelta(days=(3 - quarter) * 91 + 10)
            specs += [
                {"partner": rising, "amount": float(up), "date": day},
                {"partner": peak, "amount": float(flat), "date": day},
                {"partner": declining, "amount": float(down), "date": day},
            ]
        self._invoices(specs)
        self._recompute()
        self.assertEqual(self._score(rising).value_phase, "rising")
        self.assertAlmostEqual(self._score(rising).phase_trend, 40.0, places=1)
        self.assertEqual(self._score(peak).value_phase, "peak")
        self.assertEqual(self._score(declining).value_phase, "declining")
        self.assertIn("grow", rising.loyalty_score_id.value_phase_strategy)
        # a stricter threshold turns the rising customer into a plateau
        self.company.loyalty_phase_threshold = 50.0
        self._recompute()
        self.assertEqual(self._score(rising).value_phase, "peak")

    def test_elastic_customers(self):
        cheap, discounted, profitable = self._partner("Fair Price"), self._partner("Haggler"), self._partner("Rich")
        # cost 60 per unit: 63 leaves a 4.8% margin (break-even band 0-10%)
        self._invoices(
            [
                {"partner": cheap, "amount": 63.0, "quantity": 10, "product": self.product_cost},
                {
                    "partner": cheap,
                    "amount": 63.0,
                    "quantity": 10,
                    "product": self.product_cost,
                    "date": self.today - timedelta(days=60),
                },
                {"partner": discounted, "amount": 80.0, "quantity": 10, "product": self.product_cost, "discount": 20.0},
                {"partner": profitable, "amount": 100.0, "quantity": 10, "product": self.product_cost},
            ]
        )
        self._recompute()
        cheap_score, discounted_score = self._score(cheap), self._score(discounted)
        self.assertEqual((cheap_score.profit_class, discounted_score.profit_class), ("general", "general"))
        self.assertEqual(discounted_score.avg_discount, 20.0)
        self.assertTrue(cheap_score.elastic_price_insensitive)
        self.assertFalse(discounted_score.elastic_price_insensitive)
        self.assertTrue(cheap_score.elastic_positive_clv)
        self.assertTrue(cheap_score.is_elastic)
        self.assertIn("room for price", cheap_score.elastic_strategy)
        self.assertFalse(self._score(profitable).is_elastic, "key customers are not elastic by themselves")
        # manual flags: who and when, on any customer
        self._score(profitable).action_toggle_influential()
        score = self._score(profitable)
        self.assertTrue(score.elastic_influential and score.is_elastic)
        self.assertEqual(score.elastic_influential_user_id, self.env.user)
        self.assertTrue(score.elastic_influential_date)
        self.assertIn("referrals", profitable.loyalty_score_id.elastic_strategy)
        self._recompute()
        self.assertTrue(self._score(profitable).is_elastic, "a recompute keeps the manual flags")
        elastic = self.env["res.partner"].search([("loyalty_score_id.is_elastic", "=", True)])
        self.assertEqual(elastic & (cheap | discounted | profitable), cheap | discounted | profitable)
        self._score(profitable).action_toggle_influential()
        self.assertFalse(self._score(profitable).is_elastic)
        self.assertFalse(self._score(profitable).elastic_influential_user_id)
        # the sales order shows the flags
        order = self.env["sale.order"].create(
            {"partner_id": cheap.id, "order_line": [Command.create({"product_id": self.product_cost.id})]}
        )
        self.assertTrue(order.loyalty_is_elastic)
        self.assertEqual(order.loyalty_level_id, cheap_score.level_id)
        self.assertEqual(order.loyalty_clv, cheap_score.clv)

    def test_lifetime_settings_refused(self):
        for vals, message in [
            ({"loyalty_alive_threshold": 1.5}, "between 0 and 1"),
            ({"loyalty_clv_months": 0}, "at least one month"),
            ({"loyalty_phase_periods": 1}, "at least two of them"),
            ({"loyalty_clv_discount_rate": -100.0}, "above -100%"),
            ({"loyalty_discount_threshold": -1.0}, "cannot be negative"),
        ]:
            with self.subTest(vals=vals), self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                self.company.write(vals)
