# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import json
from unittest.mock import patch

from odoo.tests import tagged

from .common_tour import LoyaltyTourCase


@tagged("post_install", "-at_install")
class TestLoyaltyTours(LoyaltyTourCase):
    def test_salesperson_tour(self):
        """Dashboard, pyramid, scores, the contact's Loyalty tab, a quotation taking the Top pricelist."""
        self.start_tour("/odoo", "crm_loyalty_salesperson_tour", login="demo")  # Marc Demo, a demo salesperson
        order = self.env["sale.order"].search([("partner_id", "=", self.top_customer.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.pricelist_id, self.top_pricelist)
        self.assertEqual(order.user_id, self.salesperson)

    def test_manager_tour(self):
        """Settings refused then saved, Recompute Now in the background, an override, economics, a scenario,
        the workbook."""
        with self.scheduler():
            self.start_tour("/odoo/settings", "crm_loyalty_manager_tour", login="tour_manager")
        self.assertEqual(self.company.loyalty_history_months, 18)
        run = self.env["crm.loyalty.run"].search([("mode", "=", "background")], order="id desc", limit=1)
        self.assertEqual((run.state, run.user_id), ("done", self.manager))
        # the end of the run is announced to the manager on the bus (the web client cannot receive it in tests:
        # Odoo refuses websockets while a test runs)
        notifications = self.env["bus.bus"].sudo().search([("message", "like", "Customer pyramid recomputed")])
        self.assertTrue(notifications, "no notification of the finished run")
        self.assertEqual(json.loads(notifications[-1].channel)[1:], ["res.partner", self.manager.partner_id.id])
        self.assertEqual(json.loads(notifications[-1].message)["payload"]["type"], "success")
        score = self.env["crm.loyalty.score"].search([("partner_id", "=", self.key_customer.id)])
        self.assertEqual(score.level_id, self.levels["top"])
        self.assertEqual(score.override_level_id, self.levels["top"])
        history = self.env["crm.loyalty.history"].search(
            [("partner_id", "=", self.key_customer.id), ("reason", "=", "manual")]
        )
        self.assertEqual(history.note, "Strategic account for the tour")
        scenario = self.env["crm.loyalty.scenario"].search([("name", "=", "Tour: two Big to Top")])
        self.assertEqual(len(scenario), 1)
        self.assertGreater(scenario.revenue_change, 0)
        workbook = self.env["ir.attachment"].search(
            [("create_uid", "=", self.manager.id), ("name", "=like", "%.xlsx")], order="id desc", limit=1
        )
        self.assertTrue(workbook, "the workbook was not exported")

    def test_visit_tour(self):
        """Plans generated and confirmed, a brief prepared and printed, a visit done, the plan's completion."""
        # the printed brief opens as HTML where wkhtmltopdf is missing: the tour expects that, on any machine
        with patch.object(type(self.env["ir.actions.report"]), "get_wkhtmltopdf_state", lambda self: "install"):
            self.start_tour("/odoo", "crm_loyalty_visit_tour", login="tour_manager")
        visit = self.env["crm.loyalty.visit"].search([("partner_id", "=", self.top_customer.id)])
        self.assertEqual((visit.state, visit.outcome), ("done", "positive"))
        self.assertTrue(visit.brief_html)
        self.assertEqual(visit.plan_id.state, "confirmed")
        self.assertEqual(visit.plan_id.done_count, 1)
        self.assertAlmostEqual(visit.plan_id.completion_rate, 100.0 / visit.plan_id.visit_count)
