# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import LoyaltyCommon


def _report_revenue(env, company, date_from, date_to):
    """Odoo's own invoice analysis, same filters as the pyramid."""
    groups = (
        env["account.invoice.report"]
        .with_company(company)
        ._read_group(
            [
                ("company_id", "=", company.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
            ],
            [],
            ["price_subtotal:sum", "price_margin:sum"],
        )
    )
    return groups[0]


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestPyramidCounts(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Customer {i:03d}", "is_company": True} for i in range(200)]
        )
        # distinct amounts: customer i bills (i + 1) * 10.25, spread over the window
        cls._invoices(
            [
                {
                    "partner": partner,
                    "amount": (i + 1) * 10.25,
                    "date": cls.today - timedelta(days=(i * 7) % 360),
                }
                for i, partner in enumerate(cls.customers)
            ]
        )

    def test_200_active_customers_exact_cuts(self):
        run = self._recompute()
        self.assertEqual(
            (run.count_top, run.count_big, run.count_medium, run.count_small),
            (2, 8, 30, 160),
        )
        scores = self.env["crm.loyalty.score"].search(
            [("company_id", "=", self.company.id), ("partner_id", "in", self.customers.ids)]
        )
        self.assertEqual(len(scores), 200)
        by_level = {code: scores.filtered(lambda s, c=code: s.level_id.code == c) for code in self.levels}
        self.assertEqual([len(by_level[code]) for code in ("top", "big", "medium", "small")], [2, 8, 30, 160])
        # Top are the two biggest customers, ranked 1 and 2
        self.assertEqual(by_level["top"].partner_id, self.customers[-2:])
        self.assertEqual(sorted(by_level["top"].mapped("rank")), [1, 2])
        best = scores.filtered(lambda s: s.rank == 1)
        self.assertEqual(best.partner_id, self.customers[-1])
        self.assertEqual(best.revenue_window, 2050.0)
        self.assertEqual(best.invoice_count, 1)
        # every Big customer out-sells every Medium customer
        self.assertGreater(
            min(by_level["big"].mapped("revenue_window")), max(by_level["medium"].mapped("revenue_window"))
        )
        self.assertTrue(all(scores.mapped("is_active_customer")))
        # the contact form reads the level of the current company
        self.assertEqual(self.customers[-1].loyalty_level_id, self.levels["top"])
        found = self.env["res.partner"].search([("loyalty_level_id", "=", self.levels["top"].id)])
        self.assertEqual(found & self.customers, self.customers[-2:])

    def test_reconciliation_with_invoice_analysis(self):
        # some noise in and out of the window, credit notes included
        extra = self._partner("Noise Ltd")
        self._invoices(
            [
                {"partner": extra, "amount": 333.33, "date": self.today - timedelta(days=400)},
                {"partner": extra, "amount": 99.99, "date": self.today - timedelta(days=20), "move_type": "out_refund"},
                {"partner": self.customers[0], "amount": 0.01, "date": self.today - timedelta(days=364)},
                {"partner": self.customers[1], "amount": 7.77, "date": self.today - timedelta(days=365)},
            ]
        )
        for months in (12, 3, 1, 36):
            self.company.loyalty_ranking_months = months
            run = self._recompute()
            window = self.env["crm.loyalty.engine"]._loyalty_windows(self.company, self.today)
            report = _report_revenue(self.env, self.company, window["rank_from"], self.today)
            groups = self.env["crm.loyalty.score"]._read_group(
                [("company_id", "=", self.company.id)], [], ["revenue_window:sum", "margin_window:sum"]
            )
            self.assertEqual(run.state, "done")
            self.assertAlmostEqual(groups[0][0], report[0], places=2, msg=f"window of {months} months")
            self.assertAlmostEqual(groups[0][1], report[1], places=2, msg=f"margin, window of {months} months")
        # the whole history: lifetime revenue matches too
        lifetime = self.env["crm.loyalty.score"]._read_group(
            [("company_id", "=", self.company.id)], [], ["revenue_lifetime:sum"]
        )[0][0]
        report = _report_revenue(self.env, self.company, "1900-01-01", self.today)
        self.assertAlmostEqual(lifetime, report[0], places=2)


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestPyramidRules(LoyaltyCommon):
    def test_single_active_customer_is_top(self):
        partner = self._partner("Lonely Buyer")
        self._invoices([{"partner": partner, "amount": 10.0}])
        run = self._recompute()
        self.assertEqual(self._level(partner), "top")
        self.assertEqual((run.count_top, run.count_big, run.count_medium, run.count_small), (1, 0, 0, 0))

    def test_inactive_prospect_suspect(self):
        old = self._partner("Old Customer")
        self._invoices([{"partner": old, "amount": 500.0, "date": self.today - timedelta(days=500)}])
        with_opportunity = self._partner("Pipeline Opportunity")
        self.env["crm.lead"].create(
            {"name": "Deal", "type": "opportunity", "partner_id": with_opportunity.id, "company_id": self.company.id}
        )
        won_only = self._partner("Won Long Ago")
        self.env["crm.lead"].create(
            {"name": "Won deal", "type": "opportunity", "partner_id": won_only.id, "probability": 100}
        )
        with_quote = self._partner("Pipeline Quotation")
        self.env["sale.order"].create(
            {
                "partner_id": with_quote.id,
                "company_id": self.company.id,
                "order_line": [Command.create({"product_id": self.product_cost.id, "product_uom_qty": 1})],
            }
        )
        cancelled_quote = self._partner("Cancelled Quotation")
        order = self.env["sale.order"].create(
            {
                "partner_id": cancelled_quote.id,
                "order_line": [Command.create({"product_id": self.product_cost.id, "product_uom_qty": 1})],
            }
        )
        order._action_cancel()
        suspect = self._partner("Just Met")
        vendor = self._partner("Paper Supplier", supplier_rank=1)
        archived = self._partner("Gone", active=False)
        self._recompute()
        self.assertEqual(self._level(old), "inactive")
        self.assertEqual(self._level(with_opportunity), "prospect")
        self.assertEqual(self._level(with_quote), "prospect")
        self.assertEqual(self._level(won_only), "suspect")
        self.assertEqual(self._level(cancelled_quote), "suspect")
        self.assertEqual(self._level(suspect), "suspect")
        self.assertFalse(self._score(vendor), "a vendor is not a customer contact")
        self.assertFalse(self._score(archived))
        self.assertFalse(self._score(self.company.partner_id), "the company itself is not a customer")
        old_score = self._score(old)
        self.assertFalse(old_score.is_active_customer)
        self.assertEqual(old_score.revenue_lifetime, 500.0)
        self.assertEqual(old_score.revenue_window, 0.0)
        self.assertEqual(old_score.recency_days, 500)
        self.assertFalse(old_score.profit_class)

    def test_only_posted_customer_invoices_of_the_company_count(self):
        mixed = self._partner("Mixed Moves")
        draft_only = self._partner("Draft Only")
        cancelled_only = self._partner("Cancelled Only")
        billed_vendor = self._partner("Vendor With Bill")
        other_company_customer = self._partner("Other Company Customer")
        other = self.setup_other_company()["company"]
        self._invoices(
            [
                {"partner": mixed, "amount": 1000.0},
                {"partner": mixed, "amount": 300.0, "move_type": "out_refund"},
                {"partner": other_company_customer, "amount": 5000.0, "company": other},
                {"partner": billed_vendor, "amount": 800.0, "move_type": "in_invoice"},
            ]
        )
        self._invoices([{"partner": mixed, "amount": 50000.0}, {"partner": draft_only, "amount": 70000.0}], post=False)
        cancelled = self._invoices([{"partner": cancelled_only, "amount": 90000.0}])
        cancelled.button_draft()
        cancelled.button_cancel()
        run = self._recompute()
        score = self._score(mixed)
        self.assertEqual(score.revenue_window, 700.0)
        self.assertEqual(score.revenue_lifetime, 700.0)
        self.assertEqual(score.invoice_count, 1)
        self.assertEqual(self._level(mixed), "top")
        self.assertEqual(self._level(draft_only), "suspect")
        self.assertEqual(self._level(cancelled_only), "suspect")
        self.assertFalse(self._score(billed_vendor))
        self.assertEqual(self._level(other_company_customer), "suspect")
        self.assertEqual(run.count_top + run.count_big + run.count_medium + run.count_small, 1)
        # the other company has its own pyramid, where that customer is Top
        other_run = self.env["res.partner"].loyalty_recompute(other)
        self.assertEqual(other_run.state, "done")
        other_score = self.env["crm.loyalty.score"].search(
            [("partner_id", "=", other_company_customer.id), ("company_id", "=", other.id)]
        )
        self.assertEqual(other_score.level_id.code, "top")
        self.assertEqual(other_score.level_id.company_id, other)
        self.assertEqual(other_score.revenue_window, 5000.0)
        self.assertEqual(other_company_customer.with_company(other).loyalty_level_id, other_score.level_id)
        self.assertEqual(other_company_customer.loyalty_level_id, self.levels["suspect"])

    def test_child_contacts_roll_up_to_the_company(self):
        parent = self._partner("Holding")
        child = self.env["res.partner"].create({"name": "Buyer", "parent_id": parent.id})
        small = self._partner("Small Fry")
        self._invoices(
            [
                {"partner": child, "amount": 400.0},
                {"partner": parent, "amount": 100.0, "date": self.today - timedelta(days=30)},
                {"partner": small, "amount": 450.0},
            ]
        )
        self._recompute()
        self.assertFalse(
            self.env["crm.loyalty.score"].search([("partner_id", "=", child.id)]),
            "no score of its own for a child contact",
        )
        score = self._score(parent)
        self.assertEqual(score.partner_id, parent)
        self.assertEqual(score.revenue_window, 500.0)
        self.assertEqual(score.invoice_count, 2)
        self.assertEqual(score.first_invoice_date, self.today - timedelta(days=30))
        self.assertEqual(score.last_invoice_date, self.today)
        self.assertEqual(score.avg_invoice_value, 250.0)
        self.assertEqual(score.tenure_days, 30)
        self.assertEqual(child.loyalty_level_id, self.levels["top"])
        self.assertEqual(child.loyalty_score_id.revenue_window, 500.0)
        self.assertEqual(self._level(small), "small")

    def test_foreign_currency_invoice_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        partner = self._partner("Euro Customer")
        invoice = self._invoices([{"partner": partner, "amount": 300.0, "currency": eur}])
        self._recompute()
        self.assertEqual(invoice.amount_untaxed_signed, 150.0)
        self.assertEqual(self._score(partner).revenue_window, 150.0)
        report = _report_revenue(self.env, self.company, self.today, self.today)
        self.assertAlmostEqual(report[0], 150.0, places=2)

    def test_net_negative_window_revenue_never_above_small(self):
        refunded = self._partner("Refunded")
        self._invoices(
            [
                {"partner": refunded, "amount": 100.0},
                {"partner": refunded, "amount": 900.0, "move_type": "out_refund"},
            ]
        )
        self._recompute()
        score = self._score(refunded)
        self.assertTrue(score.is_active_customer)
        self.assertEqual(score.revenue_window, -800.0)
        self.assertEqual(score.level_id.code, "small")
        self.assertEqual(score.margin_percent, 0.0)

    def test_margin_and_profit_classes(self):
        key = self._partner("Profitable")
        general = self._partner("Break Even")
        loss = self._partner("Loss Maker")
        # cost is 60 per unit (product standard price)
        self._invoices(
            [
                {"partner": key, "amount": 100.0, "quantity": 2, "product": self.product_cost},
                {"partner": general, "amount": 63.0, "quantity": 2, "product": self.product_cost},
                {"partner": loss, "amount": 50.0, "quantity": 2, "product": self.product_cost},
                {
                    "partner": loss,
                    "amount": 50.0,
                    "quantity": 1,
                    "product": self.product_cost,
                    "move_type": "out_refund",
                },
            ]
        )
        self._recompute()
        key_score, general_score, loss_score = self._score(key), self._score(general), self._score(loss)
        self.assertEqual(
            (key_score.revenue_window, key_score.cost_window, key_score.margin_window), (200.0, 120.0, 80.0)
        )
        self.assertEqual(key_score.margin_percent, 40.0)
        self.assertEqual(key_score.profit_class, "key")
        self.assertAlmostEqual(general_score.margin_percent, 6 / 126 * 100, places=2)
        self.assertEqual(general_score.profit_class, "general")
        # 2 x 50 invoiced, 1 x 50 refunded: revenue 50, cost 60
        self.assertEqual((loss_score.revenue_window, loss_score.cost_window), (50.0, 60.0))
        self.assertEqual(loss_score.profit_class, "loss")
        self.assertEqual(key.loyalty_score_id.profit_class, "key")
        # the break-even band is configurable
        self.company.write({"loyalty_profit_band_low": -50.0, "loyalty_profit_band_high": 50.0})
        self._recompute()
        self.assertEqual(self._score(key).profit_class, "general")
        self.assertEqual(self._score(loss).profit_class, "general")

    def test_activity_window_is_configurable(self):
        partner = self._partner("Seasonal")
        self._invoices([{"partner": partner, "amount": 100.0, "date": self.today - timedelta(days=200)}])
        self.company.loyalty_activity_months = 6
        self._recompute()
        self.assertEqual(self._level(partner), "inactive")
        self.company.loyalty_activity_months = 12
        self._recompute()
        self.assertEqual(self._level(partner), "top")

    def test_custom_shares_cut(self):
        partners = self.env["res.partner"].create([{"name": f"P{i}", "is_company": True} for i in range(10)])
        self._invoices([{"partner": p, "amount": 100.0 + i} for i, p in enumerate(partners)])
        self.env["res.config.settings"].create(
            {"loyalty_share_top": 10, "loyalty_share_big": 10, "loyalty_share_medium": 30, "loyalty_share_small": 50}
        ).execute()
        run = self._recompute()
        self.assertEqual((run.count_top, run.count_big, run.count_medium, run.count_small), (1, 1, 3, 5))
        self.assertEqual(self._level(partners[-1]), "top")
        self.assertEqual(self._level(partners[0]), "small")
