# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Bad input, through the forms and over RPC (``call_kw``, as the web client and JSON-RPC dispatch):
refused with a sentence (UserError / ValidationError, shown without traceback), nothing stored."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import LoyaltyCommon

NAN, INF = float("nan"), float("inf")


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestBadInput(LoyaltyCommon):
    def _refused(self, call, message, exception=ValidationError):
        """``call`` fails with ``exception`` and ``message``; its transaction is rolled back, as an RPC
        request's is when it fails."""
        with self.assertRaisesRegex(exception, message), self.env.cr.savepoint():
            call()
        self.env.invalidate_all()

    def _rpc(self, records, method, *args):
        return call_kw(self.env[records._name], method, [records.ids, *args], {})

    def test_company_settings_over_rpc(self):
        settings = {
            "loyalty_ranking_months": 12,
            "loyalty_activity_months": 12,
            "loyalty_key_account_threshold": 200000.0,
            "loyalty_alive_threshold": 0.5,
            "loyalty_clv_discount_rate": 10.0,
            "loyalty_profit_band_high": 10.0,
        }
        self.company.write(settings)
        cases = [
            ({"loyalty_ranking_months": "abc"}, "must be a number, not “abc”"),
            ({"loyalty_ranking_months": 2.5}, "must be a whole number"),
            ({"loyalty_ranking_months": 10**12}, "out of range"),
            ({"loyalty_ranking_months": 0}, "at least one month"),
            ({"loyalty_activity_months": -3}, "at least one month"),
            ({"loyalty_activity_months": 241}, "at most 240 months"),
            ({"loyalty_key_account_threshold": NAN}, "must be a finite number"),
            ({"loyalty_key_account_threshold": INF}, "must be a finite number"),
            ({"loyalty_key_account_threshold": 1e300}, "out of range"),
            ({"loyalty_key_account_threshold": 0.0}, "positive amount"),
            ({"loyalty_key_account_threshold": 10.0**13}, "at most 1,000,000,000,000"),
            ({"loyalty_alive_threshold": "0,5"}, "must be a number"),
            ({"loyalty_alive_threshold": 1.5}, "between 0 and 1"),
            ({"loyalty_clv_discount_rate": NAN}, "finite"),
            ({"loyalty_profit_band_high": 150.0}, "must start below where it ends"),
            ({"loyalty_phase_periods": 1000}, "at least two of them"),
            ({"loyalty_discount_threshold": 101.0}, "cannot be negative, nor above 100%"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                self._refused(lambda vals=vals: self._rpc(self.company, "write", vals), message)
                stored = self.company.read(list(settings))[0]
                self.assertEqual({name: stored[name] for name in settings}, settings, "nothing stored")

    def test_settings_form(self):
        shares = {code: level.share for code, level in self.levels.items()}
        for top, small in ((1.0, 79.99), (1.0, 80.01)):  # 99.99 % and 100.01 %
            with self.subTest(total=top + 4 + 15 + small):
                form = Form(self.env["res.config.settings"])
                form.loyalty_share_top, form.loyalty_share_small = top, small
                self._refused(lambda form=form: form.save().execute(), "must add up to 100%")
                self.assertEqual({code: level.share for code, level in self.levels.items()}, shares)
        for field_name, value, message in [
            ("loyalty_ranking_months", 0, "at least one month"),
            ("loyalty_ranking_months", 10**12, "out of range"),
            ("loyalty_key_account_threshold", -5.0, "positive amount"),
            ("loyalty_alive_threshold", 2.0, "between 0 and 1"),
            ("loyalty_clv_months", 0, "at least one month"),
        ]:
            with self.subTest(field=field_name, value=value):
                form = Form(self.env["res.config.settings"])
                setattr(form, field_name, value)
                self._refused(lambda form=form: form.save().execute(), message)
        self.assertEqual(self.company.loyalty_ranking_months, 12)
        # text over RPC, straight into the settings
        self._refused(
            lambda: call_kw(self.env["res.config.settings"], "create", [{"loyalty_share_top": "one"}], {}),
            "must be a number",
        )

    def test_levels_over_rpc(self):
        top = self.levels["top"]
        for vals, message in [
            ({"share": NAN}, "finite"),
            ({"share": "x"}, "must be a number"),
            ({"share": 1000.0}, "positive percentage"),
            ({"visit_interval_months": -1}, "cannot be negative"),
            ({"visit_interval_months": 10**12}, "out of range"),
            ({"visit_interval_months": 500}, "nor more than 120 months"),
            ({"cost_weight": INF}, "finite"),
            ({"cost_weight": -1.0}, "cannot be negative"),
        ]:
            with self.subTest(vals=vals):
                self._refused(lambda vals=vals: self._rpc(top, "write", vals), message)
        self.assertEqual((top.share, top.visit_interval_months, top.cost_weight), (1.0, 1, 1.0))

    def test_override_refusals(self):
        customer = self._partner("Override Me")
        self._invoices([{"partner": customer, "amount": 10.0}])
        self._recompute()
        score = self._score(customer)
        other_level = self.env["crm.loyalty.level"].search(
            [("company_id", "=", self.setup_other_company()["company"].id), ("code", "=", "top")]
        )
        for level, reason, message, exception in [
            # the wizard's level is checked against its company (check_company), as soon as it is chosen
            (other_level, "Strategic", "belongs to another company", UserError),
            (self.levels["top"], "   ", "Give a reason", UserError),
        ]:
            with self.subTest(reason=reason, level=level.display_name):
                self._refused(
                    lambda level=level, reason=reason: self.env["crm.loyalty.override.wizard"]
                    .create({"partner_id": customer.id, "level_id": level.id, "reason": reason})
                    .action_apply(),
                    message,
                    exception,
                )
        self.assertFalse(score.override_level_id)
        self.assertEqual(score.level_id, self.levels["top"])
        self.assertFalse(
            self.env["crm.loyalty.history"].search([("partner_id", "=", customer.id), ("reason", "=", "manual")])
        )

    def test_recompute_arguments(self):
        partners = self.env["res.partner"]
        for kwargs, message in [
            ({"date": "abc"}, "is not a date"),
            ({"date": "2025-13-45"}, "is not a date"),
            ({"date": 20250101}, "is not a date"),
            ({"date": self.today + timedelta(days=1)}, "in the future"),
            ({"date": "1850-01-01"}, "before 1900"),
            ({"company": 999999}, "no company with id 999999"),
            ({"company": "main"}, "Give one company"),
        ]:
            with self.subTest(kwargs=kwargs):
                self._refused(
                    lambda kwargs=kwargs: call_kw(partners, "loyalty_recompute", [], kwargs), message, UserError
                )
        self.assertFalse(self.env["crm.loyalty.run"].search([("company_id", "=", self.company.id)]))

    def test_economics_scenario_and_plans(self):
        Economics = self.env["crm.loyalty.economics"]

        def negative_cost():
            with Form(Economics) as form:
                form.marketing_cost = -100.0

        self._refused(negative_cost, "positive amount or zero")
        self._refused(lambda: call_kw(Economics, "create", [{"sales_cost": "lots"}], {}), "must be a number")
        self._refused(lambda: call_kw(Economics, "create", [{"sales_cost": NAN}], {}), "finite")
        self.assertFalse(Economics.search([]))
        customers = self.env["res.partner"].create([{"name": f"C{i}", "is_company": True} for i in range(4)])
        self._invoices([{"partner": p, "amount": 100.0 * (i + 1)} for i, p in enumerate(customers)])
        self._recompute()
        economics = Economics.create({"date_from": self.today.replace(day=1), "date_to": self.today})
        economics.action_compute()
        move = {"from_level_id": self.levels["small"].id, "to_level_id": self.levels["top"].id}
        Scenario = self.env["crm.loyalty.scenario"]
        for count, message in [(50, "than it holds"), (-1, "zero or more"), ("two", "must be a number")]:
            with self.subTest(count=count):
                self._refused(
                    lambda count=count: call_kw(
                        Scenario,
                        "create",
                        [{"economics_id": economics.id, "line_ids": [Command.create({**move, "count": count})]}],
                        {},
                    ),
                    message,
                )
        self.assertFalse(Scenario.search([]))
        # annual plans and visits
        Target = self.env["crm.loyalty.target"]
        self._refused(lambda: Target.create({"user_id": self.env.uid, "year": 1999}), "between 2000 and 2100")
        self._refused(lambda: Target.create({"user_id": self.env.uid, "target_new_revenue": -5.0}), "positive or zero")
        self._refused(
            lambda: Target.create({"user_id": self.env.uid, "target_new_customers": "ten"}), "must be a number"
        )
        plan = self.env["crm.loyalty.visit.plan"].create({"user_id": self.env.uid, "date_month": date(2025, 7, 1)})
        visit = self.env["crm.loyalty.visit"].create(
            {
                "partner_id": customers[0].id,
                "user_id": self.env.uid,
                "plan_id": plan.id,
                "date_planned": date(2025, 7, 9),
            }
        )
        self._refused(lambda: visit.write({"date_planned": date(2025, 8, 1)}), "in the month of its plan")
        self.assertEqual(visit.date_planned, date(2025, 7, 9))
