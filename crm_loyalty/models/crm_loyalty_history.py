# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models

HISTORY_REASONS = [
    ("scheduled", "Scheduled"),
    ("server_action", "Server Action"),
    ("manual", "Manual"),
    ("at_risk", "At Risk (P(alive))"),
]


class CrmLoyaltyHistory(models.Model):
    _name = "crm.loyalty.history"
    _description = "Customer Pyramid Level Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    level_from_id = fields.Many2one("crm.loyalty.level", string="From Level", ondelete="set null", readonly=True)
    level_to_id = fields.Many2one("crm.loyalty.level", string="To Level", ondelete="set null", readonly=True)
    direction = fields.Selection(
        [("new", "New"), ("up", "Upgrade"), ("down", "Downgrade"), ("same", "Same"), ("removed", "Removed")],
        compute="_compute_direction",
    )
    reason = fields.Selection(HISTORY_REASONS, required=True, readonly=True)
    note = fields.Text(readonly=True)
    run_id = fields.Many2one("crm.loyalty.run", string="Run", ondelete="set null", readonly=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)

    @api.depends("level_from_id.sequence", "level_to_id.sequence")
    def _compute_direction(self):
        for change in self:
            if not change.level_from_id:
                change.direction = "new"
            elif not change.level_to_id:
                change.direction = "removed"
            elif change.level_to_id.sequence < change.level_from_id.sequence:
                change.direction = "up"
            elif change.level_to_id.sequence > change.level_from_id.sequence:
                change.direction = "down"
            else:
                change.direction = "same"
