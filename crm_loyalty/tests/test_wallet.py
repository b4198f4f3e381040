# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from contextlib import closing
from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2.errors import SerializationFailure

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestShareOfWallet(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env, login="wallet_seller", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        cls.other_seller = new_test_user(
            cls.env, login="wallet_other", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        cls.mine = cls._partner("Wallet Customer", user_id=cls.seller.id)
        cls.theirs = cls._partner("Someone Else's Customer", user_id=cls.other_seller.id)
        cls.unknown = cls._partner("No Estimate")
        cls._invoices(
            [
                {"partner": cls.mine, "amount": 1000.0, "date": date(2024, 12, 1)},
                {"partner": cls.mine, "amount": 2000.0, "date": date(2025, 5, 1)},
                {"partner": cls.theirs, "amount": 500.0, "date": date(2025, 5, 1)},
                {"partner": cls.unknown, "amount": 700.0, "date": date(2025, 5, 1)},
            ]
        )
        cls.Wallet = cls.env["crm.loyalty.wallet"]

    def _estimate(self, partner, amount, day=None, user=None):
        wallet = self.Wallet.with_user(user) if user else self.Wallet
        return wallet.create({"partner_id": partner.id, "amount": amount, "date": day or self.today})

    def test_share_and_potential(self):
        self._recompute()
        score = self._score(self.mine)
        form = Form(self.Wallet.with_user(self.seller))
        form.partner_id = self.mine
        form.amount = 10000.0
        form.source = "customer"
        estimate = form.save()
        self.assertEqual((estimate.user_id, estimate.score_id), (self.seller, score))
        # shown at once, without waiting for the night's recompute
        self.assertEqual(
            (score.wallet_estimate, score.wallet_revenue, score.wallet_share, score.wallet_potential),
            (10000.0, 3000.0, 30.0, 7000.0),
        )
        # a newer estimate replaces it; an older one recorded later does not
        self._estimate(self.mine, 5000.0)
        self._estimate(self.mine, 99999.0, date(2024, 1, 1))
        self.assertEqual((score.wallet_estimate, score.wallet_share, score.wallet_date), (5000.0, 60.0, self.today))
        # the customer buys more: the next run updates the share; beyond the estimate, no potential left
        self._invoices([{"partner": self.mine, "amount": 3000.0}])
        self._recompute()
        self.assertEqual((score.wallet_revenue, score.wallet_share, score.wallet_potential), (6000.0, 120.0, 0.0))
        # no estimate: nothing rather than 0 %, and out of the Share of Wallet list
        unknown = self._score(self.unknown)
        self.assertEqual((unknown.wallet_estimate, unknown.wallet_share, unknown.wallet_date), (0.0, 0.0, False))
        self.env.flush_all()
        self.env.cr.execute("SELECT wallet_share FROM crm_loyalty_score WHERE id = %s", [unknown.id])
        self.assertIsNone(self.env.cr.fetchone()[0])
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_score_action_wallet")
        listed = self.env["crm.loyalty.score"].search([("wallet_estimate", "!=", False)], order="wallet_potential desc")
        self.assertEqual(listed, score)
        self.assertIn("wallet_estimate", action["domain"])

    def test_estimate_before_the_first_score_and_window_of_six_months(self):
        estimate = self._estimate(self.mine, 6000.0)
        self.assertFalse(estimate.score_id, "not scored yet")
        self.company.loyalty_ranking_months = 6
        self._recompute()
        score = self._score(self.mine)
        self.assertEqual(estimate.score_id, score)
        # 2000 in six months: 4000 a year
        self.assertEqual((score.wallet_revenue, score.wallet_share, score.wallet_potential), (4000.0, 66.7, 2000.0))

    def test_bad_input(self):
        for amount in (0.0, -5.0):
            with self.assertRaisesRegex(ValidationError, "must be a positive amount"), self.env.cr.savepoint():
                self._estimate(self.mine, amount)
        for amount in ("abc", float("nan")):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self._estimate(self.mine, amount)
        with self.assertRaisesRegex(ValidationError, "in the future"), self.env.cr.savepoint():
            self._estimate(self.mine, 100.0, date(2025, 7, 1))

    def test_rights(self):
        self._recompute()
        # a salesperson records estimates of their own customers, not of another salesperson's
        self._estimate(self.mine, 8000.0, user=self.seller)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self._estimate(self.theirs, 8000.0, user=self.seller)
        self.assertEqual(self.Wallet.with_user(self.other_seller).search([]), self.Wallet.browse())
        billing = new_test_user(self.env, login="wallet_billing", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            self.Wallet.with_user(billing).search([])
        # the brief of the visit shows it
        visit = self.env["crm.loyalty.visit"].create(
            {"partner_id": self.mine.id, "user_id": self.seller.id, "date_planned": date(2025, 7, 10)}
        )
        visit.with_user(self.seller).action_prepare_brief()
        self.assertIn("We have 38% of its yearly spend", visit.brief_html)
        other = self.env["crm.loyalty.visit"].create(
            {"partner_id": self.unknown.id, "user_id": self.seller.id, "date_planned": date(2025, 7, 10)}
        )
        other.action_prepare_brief()
        self.assertIn("No estimate of its yearly spend yet.", other.brief_html)


@tagged("post_install", "-at_install")
class TestWalletConcurrency(LoyaltyCommon):
    """A spend estimate saved while a run refreshes the same score: two real connections against the committed
    demo company (not the test transaction). Odoo's transactions are REPEATABLE READ: a run whose transaction
    began before the estimate was committed cannot write over the score the estimate changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main = cls.env.ref("base.main_company")
        cls.as_of = date.today() - timedelta(days=210)  # many scores change against the committed pyramid

    def _connection(self):
        return closing(odoo.sql_db.db_connect(self.env.cr.dbname).cursor())

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [self.main.id]})

    def _changed_score(self, cr):
        """A score of the demo company that a run as of seven months ago rewrites (tried, then rolled back)."""
        env = self._env(cr)
        run = env["res.partner"].loyalty_recompute(self.main, date=self.as_of)
        self.assertEqual(run.state, "done")
        cr.execute("SELECT id, revenue_window FROM crm_loyalty_score WHERE company_id = %s", [self.main.id])
        rewritten = dict(cr.fetchall())
        cr.rollback()
        cr.execute("SELECT id, revenue_window FROM crm_loyalty_score WHERE company_id = %s", [self.main.id])
        committed = dict(cr.fetchall())
        cr.rollback()
        changed = [score_id for score_id, revenue in rewritten.items() if committed.get(score_id) != revenue]
        self.assertTrue(changed, "the run as of seven months ago changes revenues")
        # the demo company's score, read by the test itself whatever its user's allowed companies
        return self.env["crm.loyalty.score"].sudo().browse(max(changed))

    def _save_estimate(self, score, amount):
        """In a connection of its own, as a user's request: the estimate saved and committed; removed and the
        score's share of wallet put back when the test ends."""
        with self._connection() as cr:
            env = self._env(cr)
            estimate = env["crm.loyalty.wallet"].create(
                {"partner_id": score.partner_id.id, "company_id": self.main.id, "amount": amount}
            )
            env.flush_all()
            self.assertEqual(env["crm.loyalty.score"].browse(score.id).wallet_estimate, amount)
            # the user's request ends: another connection, not the test transaction (removed at the end)
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._forget_estimate, estimate.id, score.id)
        return estimate.id

    def _forget_estimate(self, estimate_id, score_id):
        with self._connection() as cr:
            env = self._env(cr)
            env["crm.loyalty.wallet"].browse(estimate_id).unlink()
            env.flush_all()
            cr.commit()  # pylint: disable=invalid-commit
        with self._connection() as cr:
            cr.execute("SELECT wallet_estimate FROM crm_loyalty_score WHERE id = %s", [score_id])
            self.assertFalse(cr.fetchone()[0], "the demo score is back to no estimate")

    def _assert_share(self, env, score_id, amount):
        score = env["crm.loyalty.score"].browse(score_id)
        yearly = score.revenue_window * 12.0 / (self.main.loyalty_ranking_months or 12)
        self.assertEqual(score.wallet_estimate, amount, "the estimate is not lost")
        self.assertAlmostEqual(score.wallet_revenue, yearly, places=2, msg="the share uses the run's revenue")
        self.assertAlmostEqual(score.wallet_share, round(100.0 * yearly / amount, 1), places=1)

    def test_run_retried_after_an_estimate_saved_meanwhile(self):
        with self._connection() as cr_run:
            score = self._changed_score(cr_run)
            # the run's request begins (its snapshot), then a salesperson saves an estimate of that customer
            cr_run.execute("SELECT 1")
            self._save_estimate(score, 123456.0)
            # the conflict is logged by the database layer as a bad query: expected here
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                self._env(cr_run)["res.partner"].loyalty_recompute(self.main, date=self.as_of)
            cr_run.rollback()
            # not a failed run: Odoo retries the request in a new transaction, which sees the estimate
            env = self._env(cr_run)
            failed = [("state", "=", "failed"), ("reference_date", "=", self.as_of)]
            self.assertFalse(env["crm.loyalty.run"].search(failed))
            run = env["res.partner"].loyalty_recompute(self.main, date=self.as_of)
            self.assertEqual(run.state, "done")
            self._assert_share(env, score.id, 123456.0)
            cr_run.rollback()

    def test_background_step_waits_for_an_estimate_saved_meanwhile(self):
        with self._connection() as cr_run:
            score = self._changed_score(cr_run)
            env = self._env(cr_run)
            run = env["res.partner"].loyalty_recompute(self.main, date=self.as_of, background=True)
            cron = env.ref("crm_loyalty.ir_cron_crm_loyalty_process_runs")
            triggers = env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
            for _call in range(10):  # gather and compute, in this transaction (the scheduler's commits left out)
                env["crm.loyalty.run"]._cron_process_runs()
                if run.step == "write":
                    break
            self.assertEqual(run.step, "write")
            self._save_estimate(score, 654321.0)
            with mute_logger("odoo.sql_db"):  # the conflict, logged as a bad query: expected here
                env["crm.loyalty.run"]._cron_process_runs()
            # the write step met the score the estimate changed: rolled back to its savepoint, not failed, and
            # the scheduler called again to start it over in a new transaction
            self.assertEqual((run.state, run.step, run.error), ("running", "write", False))
            new_triggers = env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
            self.assertTrue(new_triggers, "the scheduler is called again")
            self.assertLessEqual(min(new_triggers.mapped("call_at")), fields.Datetime.now() + timedelta(seconds=5))
            cr_run.rollback()
