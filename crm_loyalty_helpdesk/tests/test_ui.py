# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.tests import new_test_user, tagged

from odoo.addons.crm_loyalty.tests.common_tour import LoyaltyTourCase


@tagged("post_install", "-at_install")
class TestLoyaltyHelpdeskTour(LoyaltyTourCase):
    def test_helpdesk_tour(self):
        """A helpdesk agent without loyalty rights: the ticket of a Top customer takes the Top priority."""
        new_test_user(
            self.env,
            login="tour_agent",
            name="Tour Agent",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_user",
            company_id=self.company.id,
        )
        self.assertEqual(self.levels["top"].helpdesk_priority, "3")
        self.start_tour("/odoo", "crm_loyalty_helpdesk_tour", login="tour_agent")
        ticket = self.env["helpdesk.ticket"].search([("name", "=", "Tour: the audit report is late")])
        self.assertEqual((ticket.partner_id, ticket.priority), (self.top_customer, "3"))
