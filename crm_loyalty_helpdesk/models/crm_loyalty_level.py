# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The priority a level gives to the new helpdesk tickets of its customers."""

import json

from odoo import api, fields, models

from odoo.addons.crm_loyalty.models.loyalty_access import LOYALTY_USER

TICKET_PRIORITIES = [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High")]
# level code: the priority of its customers' new tickets
DEFAULT_PRIORITIES = {
    "top": "3",
    "big": "2",
    "medium": "1",
    "small": "0",
    "inactive": "0",
    "prospect": "1",
    "suspect": "0",
}


class CrmLoyaltyLevel(models.Model):
    _inherit = "crm.loyalty.level"

    helpdesk_priority = fields.Selection(
        TICKET_PRIORITIES,
        string="Ticket Priority",
        default="1",
        help="Priority given to the new helpdesk tickets of the customers of this level.",
        groups=LOYALTY_USER,  # a field on crm_loyalty's model; tickets read it as superuser (a business rule)
    )

    @api.model_create_multi
    def create(self, vals_list):
        # the levels of a new company: each level's default priority
        for vals in vals_list:
            if "helpdesk_priority" not in vals and vals.get("code") in DEFAULT_PRIORITIES:
                vals["helpdesk_priority"] = DEFAULT_PRIORITIES[vals["code"]]
        return super().create(vals_list)

    @api.model
    def _loyalty_default_priorities(self):
        """Give each level without a priority its default one (at installation: the priorities a level kept
        from before the bridge had the field stay)."""
        self.flush_model(["helpdesk_priority", "code"])
        self.env.cr.execute(
            """UPDATE crm_loyalty_level
                  SET helpdesk_priority = (%s::jsonb ->> code)
                WHERE helpdesk_priority IS NULL""",
            [json.dumps(DEFAULT_PRIORITIES)],
        )
        self.invalidate_model(["helpdesk_priority"])
