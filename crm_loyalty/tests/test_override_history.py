# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.crm_loyalty.models.crm_loyalty_score import CrmLoyaltyScore

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestOverrideHistory(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big_buyer = cls._partner("Big Buyer")
        cls.small_buyer = cls._partner("Small Buyer")
        cls._invoices(
            [
                {"partner": cls.big_buyer, "amount": 1000.0},
                {"partner": cls.small_buyer, "amount": 10.0},
            ]
        )

    def _history(self, partner):
        return self.env["crm.loyalty.history"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)], order="id"
        )

    def test_history_rows_for_every_change(self):
        run = self._recompute()
        history = self._history(self.small_buyer)
        self.assertEqual(len(history), 1)
        self.assertFalse(history.level_from_id)
        self.assertEqual(history.level_to_id, self.levels["small"])
        self.assertEqual(history.reason, "server_action")
        self.assertEqual(history.run_id, run)
        self.assertEqual(history.direction, "new")
        self.assertEqual(run.change_count, len(run.history_ids))
        # nothing changes: no new rows
        run2 = self._recompute()
        self.assertEqual(run2.change_count, 0)
        self.assertEqual(len(self._history(self.small_buyer)), 1)
        # the small buyer overtakes: both swap, from the nightly job
        self._invoices([{"partner": self.small_buyer, "amount": 5000.0}])
        self.env["res.partner"]._cron_loyalty_recompute()
        self._process_queue()
        up, down = self._history(self.small_buyer)[-1], self._history(self.big_buyer)[-1]
        self.assertEqual((up.level_from_id, up.level_to_id), (self.levels["small"], self.levels["top"]))
        self.assertEqual((down.level_from_id, down.level_to_id), (self.levels["top"], self.levels["small"]))
        self.assertEqual((up.reason, up.direction, down.direction), ("scheduled", "up", "down"))
        self.assertEqual(self.small_buyer.loyalty_history_count, 2)
        # the button of the menu logs a manual run
        self.env["res.partner"].action_loyalty_recompute()
        self._process_queue()
        last_run = self.env["crm.loyalty.run"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual((last_run.trigger, last_run.state), ("manual", "done"))
        # a customer who disappears (archived) leaves a last row
        suspect = self._partner("Passer-by")
        self._recompute()
        suspect.active = False
        self._recompute()
        gone = self._history(suspect)
        self.assertEqual(len(gone), 2)
        self.assertEqual(
            (gone[-1].level_from_id, gone[-1].level_to_id), (self.levels["suspect"], self.env["crm.loyalty.level"])
        )

    def test_override_kept_across_recompute(self):
        self._recompute()
        with Form(
            self.env["crm.loyalty.override.wizard"].with_context(default_partner_id=self.small_buyer.id)
        ) as wizard:
            self.assertEqual(wizard.current_level_id, self.levels["small"])
            wizard.level_id = self.levels["big"]
            wizard.reason = "Strategic reference customer"
        wizard.record.action_apply()
        score = self._score(self.small_buyer)
        self.assertEqual(score.level_id, self.levels["big"])
        self.assertEqual(score.override_user_id, self.env.user)
        manual = self._history(self.small_buyer)[-1]
        self.assertEqual(
            (manual.reason, manual.level_from_id, manual.level_to_id, manual.note),
            ("manual", self.levels["small"], self.levels["big"], "Strategic reference customer"),
        )
        # recompute twice, with new invoices: the override stands, the computed level moves
        self._invoices([{"partner": self.small_buyer, "amount": 2.0, "date": self.today - timedelta(days=1)}])
        self._recompute()
        self._recompute()
        score.invalidate_recordset()
        self.assertEqual(score.level_id, self.levels["big"])
        self.assertEqual(score.computed_level_id, self.levels["small"])
        self.assertEqual(score.revenue_window, 12.0)
        self.assertEqual(len(self._history(self.small_buyer)), 2)
        # cleared: back to the computed level, logged
        self.small_buyer.loyalty_score_id.action_clear_override()
        self.assertEqual(score.level_id, self.levels["small"])
        self.assertFalse(score.override_level_id)
        cleared = self._history(self.small_buyer)[-1]
        self.assertEqual((cleared.reason, cleared.level_to_id), ("manual", self.levels["small"]))
        self._recompute()
        self.assertEqual(score.level_id, self.levels["small"])

    def test_override_before_first_computation(self):
        newcomer = self._partner("Newcomer")
        wizard = self.env["crm.loyalty.override.wizard"].create(
            {"partner_id": newcomer.id, "level_id": self.levels["top"].id, "reason": "Signed a framework contract"}
        )
        wizard.action_apply()
        self.assertEqual(newcomer.loyalty_level_id, self.levels["top"])
        self._recompute()
        self.assertEqual(self._score(newcomer).level_id, self.levels["top"])
        self.assertEqual(self._score(newcomer).computed_level_id, self.levels["suspect"])

    def test_failing_run_keeps_previous_levels(self):
        self._recompute()
        history_before = self.env["crm.loyalty.history"].search_count([("company_id", "=", self.company.id)])
        self._invoices([{"partner": self.small_buyer, "amount": 9000.0}])

        def boom(self, company):
            raise RuntimeError("disk full")

        with (
            patch.object(CrmLoyaltyScore, "_loyalty_level_counts", boom),
            self.assertLogs("odoo.addons.crm_loyalty.models.crm_loyalty_engine", "ERROR"),
        ):
            run = self.env["res.partner"].loyalty_recompute(self.company)
        self.assertEqual(run.state, "failed")
        self.assertIn("disk full", run.error)
        self.assertEqual(self._level(self.small_buyer), "small")
        self.assertEqual(self._level(self.big_buyer), "top")
        self.assertEqual(self._score(self.small_buyer).revenue_window, 10.0)
        self.assertEqual(
            self.env["crm.loyalty.history"].search_count([("company_id", "=", self.company.id)]), history_before
        )
        # the next run succeeds and applies the change
        self._recompute()
        self.assertEqual(self._level(self.small_buyer), "top")

    def test_access_rights(self):
        self._recompute()
        salesman = new_test_user(
            self.env,
            login="loyalty_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        env = self.env(user=salesman)
        # salespeople read the scores and history of customers they can see ...
        self.assertEqual(self.big_buyer.with_env(env).loyalty_level_id, self.levels["top"])
        self.assertTrue(env["crm.loyalty.score"].search([("partner_id", "=", self.big_buyer.id)]))
        self.assertTrue(env["crm.loyalty.history"].search([("partner_id", "=", self.big_buyer.id)]))
        # ... but neither recompute nor override
        with self.assertRaises(AccessError):
            env["res.partner"].loyalty_recompute()
        with self.assertRaises(AccessError):
            self._score(self.big_buyer).with_env(env)._loyalty_set_override(self.levels["small"], "no")
        with self.assertRaises(AccessError):
            env["crm.loyalty.level"].browse(self.levels["top"].id).write({"name": "VIP"})
        # other companies' scores stay hidden
        other = self.setup_other_company()["company"]
        self.env["res.partner"].loyalty_recompute(other)
        self.assertFalse(env["crm.loyalty.score"].search([("company_id", "=", other.id)]))
