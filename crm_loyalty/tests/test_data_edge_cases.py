# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Invoice data that real databases hold, and partners that change after being scored: the recompute
succeeds, reconciles with Odoo's invoice analysis and stores no NaN."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import LoyaltyCommon
from .test_pyramid import _report_revenue

FLOAT_COLUMNS = ("margin_percent", "probability_alive", "expected_purchases", "phase_trend", "avg_discount")
NUMERIC_COLUMNS = (
    "revenue_window",
    "revenue_lifetime",
    "cost_window",
    "margin_window",
    "avg_invoice_value",
    "clv",
    "expected_spend",
)


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestDataEdgeCases(LoyaltyCommon):
    def _line_invoice(self, partner, lines, date=None, currency=None):
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": date or self.today,
            "invoice_line_ids": [
                Command.create({"name": "Line", "tax_ids": [Command.clear()], **line}) for line in lines
            ],
        }
        if currency:
            vals["currency_id"] = currency.id
        move = self.env["account.move"].create(vals)
        move.action_post()
        return move

    def _assert_sound(self):
        """The run is done, no NaN or infinity is stored, and the window revenue matches Odoo's report."""
        run = self._recompute()
        self.env.flush_all()
        checks = [f"{column} = 'NaN'::float OR {column} IN ('Infinity', '-Infinity')" for column in FLOAT_COLUMNS]
        checks += [f"{column} = 'NaN'::numeric" for column in NUMERIC_COLUMNS]
        self.env.cr.execute(
            f"SELECT COUNT(*) FROM crm_loyalty_score WHERE company_id = %s AND ({' OR '.join(checks)})",
            [self.company.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no NaN or infinity stored")
        window = self.env["crm.loyalty.engine"]._loyalty_windows(self.company, self.today)
        report = _report_revenue(self.env, self.company, window["rank_from"], self.today)
        total = self.env["crm.loyalty.score"]._read_group(
            [("company_id", "=", self.company.id)], [], ["revenue_window:sum", "margin_window:sum"]
        )[0]
        self.assertAlmostEqual(total[0], report[0], places=2)
        self.assertAlmostEqual(total[1], report[1], places=2)
        return run

    def test_unusual_invoice_lines(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        odd = self._partner("Odd Lines Ltd")
        self._line_invoice(
            odd,
            [
                {"price_unit": 80.0, "quantity": 1.0},  # no product
                {"product_id": self.product_cost.id, "price_unit": 100.0, "quantity": 0.0},  # zero quantity
                {"product_id": self.product_cost.id, "price_unit": 100.0, "quantity": 3.0, "discount": 100.0},
                {"product_id": self.product_cost.id, "price_unit": -30.0, "quantity": 1.0},  # negative price
                # 2 dozen of a product kept in units: 24 units at cost 60
                {"product_id": self.product_cost.id, "product_uom_id": dozen.id, "price_unit": 1000.0, "quantity": 2},
            ],
        )
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0), (str(self.today - timedelta(days=5)), 4.0)])
        foreign = self._partner("Euro Rates Ltd")
        before = self._line_invoice(
            foreign, [{"price_unit": 400.0}], date=self.today - timedelta(days=30), currency=eur
        )
        after = self._line_invoice(foreign, [{"price_unit": 400.0}], currency=eur)
        self.assertEqual((before.amount_untaxed_signed, after.amount_untaxed_signed), (200.0, 100.0))
        self._assert_sound()
        score = self._score(odd)
        self.assertEqual(score.revenue_window, 80.0 + 0.0 + 0.0 - 30.0 + 2000.0)
        # cost: 3 x 60 (discounted lines keep their cost), -1 x 60 (negative price, positive quantity... and
        # a cost of one unit), 24 x 60 (dozens in units)
        self.assertEqual(score.cost_window, 3 * 60.0 + 1 * 60.0 + 24 * 60.0)
        self.assertEqual(self._score(foreign).revenue_window, 300.0, "each invoice at its own date's rate")

    def test_partner_changes_after_scoring(self):
        archived = self._partner("Archived Ltd")
        turned = self._partner("Turned Person Ltd")
        joined = self._partner("Joined Ltd")
        parent = self._partner("Parent Group")
        self._invoices([{"partner": p, "amount": 500.0} for p in (archived, turned, joined, parent)])
        self._recompute()
        archived.action_archive()
        turned.is_company = False
        joined.write({"is_company": False, "parent_id": parent.id})  # becomes a contact of another customer
        self._assert_sound()
        self.assertEqual(self._score(turned).revenue_window, 500.0)
        # posted invoices keep the commercial entity they were posted for (as Odoo's invoice analysis does);
        # new invoices of the contact go to its new company
        self.assertEqual(self._score(joined).revenue_window, 500.0)
        self._invoices([{"partner": joined, "amount": 200.0}])
        self._assert_sound()
        self.assertEqual(self._score(parent).revenue_window, 700.0)
        # an archived customer keeps its invoices in the figures: it is still scored
        self.assertEqual(self._score(archived).revenue_window, 500.0)

    def test_merged_partners_keep_history_and_overrides(self):
        kept = self._partner("Survivor Ltd")
        merged = self._partner("Duplicate Ltd")
        other = self._partner("Other Duplicate Ltd")
        self._invoices([{"partner": kept, "amount": 100.0}, {"partner": merged, "amount": 900.0}])
        self._invoices([{"partner": other, "amount": 50.0}])
        self._recompute()
        self._score(merged)._loyalty_set_override(self.levels["top"], "Group account")
        self._score(merged).action_toggle_influential()
        history = self.env["crm.loyalty.history"].search([("partner_id", "in", (merged | other).ids)])
        self.assertTrue(history)
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((kept | merged | other).ids, kept)
        self.assertFalse((merged | other).exists())
        score = self._score(kept)
        self.assertEqual(len(score), 1)
        self.assertEqual(score.override_level_id, self.levels["top"])
        self.assertEqual(score.override_reason, "Group account")
        self.assertEqual(score.level_id, self.levels["top"])
        self.assertTrue(score.elastic_influential and score.is_elastic)
        self.assertEqual(history.exists().partner_id, kept, "the merged contacts' history is on the survivor")
        self.assertTrue(
            self.env["crm.loyalty.history"].search([("partner_id", "=", kept.id), ("note", "ilike", "Group account")])
        )
        # the next recompute adds up their invoices and keeps the override
        self._assert_sound()
        self.assertEqual(score.revenue_window, 1050.0)
        self.assertEqual(score.level_id, self.levels["top"])
