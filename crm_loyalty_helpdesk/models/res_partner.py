# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    loyalty_ticket_count = fields.Integer(related="loyalty_score_id.ticket_count", string="Tickets (window)")
    loyalty_complaint_count = fields.Integer(related="loyalty_score_id.complaint_count")
    loyalty_open_ticket_count = fields.Integer(related="loyalty_score_id.open_ticket_count")
    loyalty_avg_resolution_hours = fields.Float(related="loyalty_score_id.avg_resolution_hours")
    loyalty_satisfaction = fields.Float(related="loyalty_score_id.satisfaction")
