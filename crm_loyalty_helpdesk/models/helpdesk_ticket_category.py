# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import fields, models

from odoo.addons.crm_loyalty.models.loyalty_access import LOYALTY_USER


class HelpdeskTicketCategory(models.Model):
    _inherit = "helpdesk.ticket.category"

    is_complaint = fields.Boolean(
        string="Complaint",
        groups=LOYALTY_USER,
        help="Tickets of this category count as customer complaints in the customer's score.",
    )
