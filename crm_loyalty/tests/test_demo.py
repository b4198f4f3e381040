# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    def test_demo_populates_every_level(self):
        if not self.env.ref("crm_loyalty.demo_partner_001", raise_if_not_found=False):
            self.skipTest("crm_loyalty was installed without demo data")
        company = self.env.ref("base.main_company")
        groups = self.env["crm.loyalty.score"]._read_group([("company_id", "=", company.id)], ["level_id"], ["__count"])
        counts = {level.code: count for level, count in groups}
        for code in ("top", "big", "medium", "small", "inactive", "prospect", "suspect"):
            self.assertGreater(counts.get(code, 0), 0, f"no demo customer at level {code}")
        # three years of posted invoices
        moves = self.env["account.move"].search(
            [("company_id", "=", company.id), ("state", "=", "posted"), ("move_type", "=", "out_invoice")],
            order="invoice_date",
        )
        self.assertGreaterEqual((moves[-1].invoice_date - moves[0].invoice_date).days, 2 * 365)

    def test_demo_has_a_year_of_history_and_analysis(self):
        if not self.env.ref("crm_loyalty.demo_partner_001", raise_if_not_found=False):
            self.skipTest("crm_loyalty was installed without demo data")
        company = self.env.ref("base.main_company")
        dates = self.env["crm.loyalty.history"].search([("company_id", "=", company.id)]).mapped("date")
        self.assertGreaterEqual((max(dates) - min(dates)).days, 300, "a year of monthly level changes")
        kpis = self.env["crm.loyalty.kpi"].search(
            [("company_id", "=", company.id), ("user_id", "=", False), ("level_id", "=", False)]
        )
        self.assertEqual(len(kpis), 12)
        self.assertTrue(any(kpi.active_end for kpi in kpis))
        economics = self.env["crm.loyalty.economics"].search([("company_id", "=", company.id)], limit=1)
        self.assertTrue(economics.line_ids and economics.scenario_ids)
        self.assertTrue(self.env["crm.loyalty.migration"].search([("company_id", "=", company.id)]).line_ids)

    def test_demo_customers_have_segments(self):
        """The demo contacts carry an industry and an employee count, so the segment pivots have something to
        slice: most scored customers have an industry and a size band, and more than one of each."""
        if not self.env.ref("crm_loyalty.demo_partner_001", raise_if_not_found=False):
            self.skipTest("crm_loyalty was installed without demo data")
        company = self.env.ref("base.main_company")
        scores = self.env["crm.loyalty.score"].search([("company_id", "=", company.id), ("invoice_count", ">", 0)])
        self.assertGreater(len(scores.filtered("industry_id")), len(scores) * 0.7)
        self.assertGreater(len(scores.filtered("size_band_id")), len(scores) * 0.4)
        self.assertGreater(len(scores.industry_id), 3)
        self.assertGreater(len(scores.size_band_id), 2)

    def test_demo_behaves_like_a_real_company(self):
        """The demo customers buy at their own rate and leave: the lifetime-value models fit (not degenerate),
        P(alive) spreads and is lower for the customers who left, some Top or Big customers are at risk, the
        KPIs show churn; customers pay with grades A to D; three salespeople have customers, spend estimates,
        plans and visits; each level has a customer team."""
        if not self.env.ref("crm_loyalty.demo_partner_001", raise_if_not_found=False):
            self.skipTest("crm_loyalty was installed without demo data")
        company = self.env.ref("base.main_company")
        run = self.env["crm.loyalty.run"].search([("company_id", "=", company.id), ("state", "=", "done")], limit=1)
        self.assertEqual(run.clv_method, "bgnbd", run.clv_note)
        self.assertLess(run.clv_params["bgnbd"]["a"], 100, "a degenerate fit (nobody leaves) has a huge a")
        scores = self.env["crm.loyalty.score"].search([("company_id", "=", company.id), ("invoice_count", ">", 0)])
        self.assertEqual(set(scores.mapped("clv_method")), {"bgnbd"})
        alive = scores.mapped("probability_alive")
        self.assertLess(min(alive), 0.1)
        self.assertGreater(max(alive), 0.9)
        active = scores.filtered("is_active_customer")
        inactive = scores - active
        self.assertTrue(active and inactive)

        def mean(records):
            return sum(records.mapped("probability_alive")) / len(records)

        self.assertLess(mean(inactive), mean(active) - 0.2)
        self.assertTrue(scores.filtered(lambda s: s.at_risk and s.level_code in ("top", "big")))
        self.assertEqual(set(scores.mapped("payment_grade")) - {False}, {"a", "b", "c", "d"})
        kpis = self.env["crm.loyalty.kpi"].search(
            [("company_id", "=", company.id), ("user_id", "=", False), ("level_id", "=", False)]
        )
        self.assertGreaterEqual(len(kpis.filtered("lost_count")), 6, "customers leave in most months")
        self.assertTrue(all(0 < kpi.retention_rate < 100 for kpi in kpis.filtered("lost_count")))
        salespeople = (
            self.env.ref("base.user_demo")
            | self.env.ref("crm_loyalty.demo_user_chen")
            | self.env.ref("crm_loyalty.demo_user_noah")
        )
        month = fields.Date.context_today(company).replace(day=1)
        for user in salespeople:
            with self.subTest(salesperson=user.name):
                self.assertGreaterEqual(len(scores.filtered(lambda s, user=user: s.partner_id.user_id == user)), 10)
                plan = self.env["crm.loyalty.visit.plan"].search(
                    [("user_id", "=", user.id), ("date_month", "=", month)]
                )
                self.assertTrue(plan.visit_ids)
                done = self.env["crm.loyalty.visit"].search([("user_id", "=", user.id), ("state", "=", "done")])
                self.assertTrue(done.filtered("outcome"))
        self.assertTrue(self.env["crm.loyalty.visit"].search([("state", "=", "cancelled")]))
        self.assertGreaterEqual(len(self.env["crm.loyalty.wallet"].search([("company_id", "=", company.id)])), 8)
        levels = self.env["crm.loyalty.level"].search([("company_id", "=", company.id)])
        self.assertTrue(all(levels.mapped("team_id")))
