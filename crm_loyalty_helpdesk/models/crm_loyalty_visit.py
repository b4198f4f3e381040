# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import models


class CrmLoyaltyVisit(models.Model):
    _inherit = "crm.loyalty.visit"

    def _loyalty_brief_tickets(self):
        """Open tickets of the customer in the visit's company, for the pre-visit brief: those the user may read
        (none without helpdesk rights)."""
        tickets = super()._loyalty_brief_tickets()
        open_tickets = self._loyalty_readable_search(
            "helpdesk.ticket",
            [
                ("commercial_partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("stage_id.closed", "=", False),
            ],
            order="create_date",
        )
        return tickets + [
            {"name": f"{ticket.number} {ticket.name}", "date": ticket.create_date, "stage": ticket.stage_id.name}
            for ticket in open_tickets
        ]
