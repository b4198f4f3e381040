# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestDifferentiatedService(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="customer_manager", groups="sales_team.group_sale_manager", company_id=cls.company.id
        )
        cls.company.loyalty_customer_manager_id = cls.manager

    def test_default_service_policy(self):
        policy = {code: (lvl.visit_interval_months, lvl.winback_visit) for code, lvl in self.levels.items()}
        self.assertEqual(policy["top"], (1, False))
        self.assertEqual(policy["big"], (2, False))
        self.assertEqual(policy["medium"], (3, False))
        self.assertEqual(policy["small"], (0, False))
        self.assertEqual(policy["inactive"], (0, True))
        with self.assertRaisesRegex(ValidationError, "cannot be negative"), self.env.cr.savepoint():
            self.levels["top"].visit_interval_months = -1

    def test_key_account_promotion_schedules_an_activity(self):
        self.company.loyalty_key_account_threshold = 1000.0
        big = self._partner("Big Spender")
        modest = self._partner("Modest")
        self._invoices([{"partner": big, "amount": 1200.0}, {"partner": modest, "amount": 300.0}])
        self._recompute()
        score = self._score(big)
        self.assertTrue(score.is_key_account)
        self.assertFalse(self._score(modest).is_key_account)
        self.assertEqual(score.key_account_manager_id, self.manager)
        self.assertEqual(big.loyalty_score_id.key_account_manager_id, self.manager)
        activity = big.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual((activity.user_id, activity.summary), (self.manager, "New key account"))
        self.assertFalse(modest.activity_ids)
        # no change, no new activity
        self._recompute()
        self.assertEqual(len(big.activity_ids), 1)
        # a credit note takes it under the volume: the manager is told again
        self._invoices([{"partner": big, "amount": 500.0, "move_type": "out_refund"}])
        self._recompute()
        self.assertFalse(self._score(big).is_key_account)
        self.assertEqual(big.activity_ids.sorted("id")[-1].summary, "No longer a key account")

    def test_quotation_pricelist_by_level(self):
        vip_pricelist = self.env["product.pricelist"].create({"name": "VIP prices", "company_id": self.company.id})
        self.levels["top"].pricelist_id = vip_pricelist
        top, small = self._partner("Top Buyer"), self._partner("Small Buyer")
        self._invoices([{"partner": top, "amount": 5000.0}, {"partner": small, "amount": 10.0}])
        self._recompute()
        self.env.user.groups_id |= self.env.ref("product.group_product_pricelist")
        with Form(self.env["sale.order"]) as order_form:
            order_form.partner_id = top
            self.assertEqual(order_form.pricelist_id, vip_pricelist)
            order_form.partner_id = small
            self.assertNotEqual(order_form.pricelist_id, vip_pricelist)
            order_form.partner_id = top
            with order_form.order_line.new() as line:
                line.product_id = self.product_cost
        order = order_form.record
        self.assertEqual(order.pricelist_id, vip_pricelist)
        self.assertEqual(order.loyalty_level_id, self.levels["top"])
        # confirmed orders keep their pricelist when the level's pricelist changes
        order.action_confirm()
        self.levels["top"].pricelist_id = False
        order.invalidate_recordset()
        self.assertEqual(order.pricelist_id, vip_pricelist)

    def test_one_view_of_the_customer(self):
        customer = self._partner("Everywhere Ltd")
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
        overdue = self._invoices([{"partner": customer, "amount": 400.0, "date": self.today - timedelta(days=60)}])
        overdue.invoice_date_due = self.today - timedelta(days=30)
        self._invoices([{"partner": customer, "amount": 100.0}])  # due today (immediate term): not overdue
        self.env["sale.order"].create(
            {
                "partner_id": contact.id,
                "order_line": [Command.create({"product_id": self.product_cost.id, "price_unit": 250.0})],
            }
        )
        self._recompute()
        for partner in (customer, contact):
            score = partner.loyalty_score_id
            self.assertEqual(score.partner_id, customer)
            # what it owes past due: the payment figures, the one source of that figure
            self.assertEqual(score.payment_overdue_amount, 400.0)
            self.assertEqual(score.payment_oldest_due_date, self.today - timedelta(days=30))
            self.assertEqual(score.open_quotation_count, 1)
            self.assertEqual(score.open_quotation_amount, 250.0)
