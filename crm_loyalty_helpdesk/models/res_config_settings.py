# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import fields, models

from odoo.addons.crm_loyalty.models.loyalty_access import LOYALTY_MANAGER


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_satisfaction_threshold = fields.Float(
        related="company_id.loyalty_satisfaction_threshold", readonly=False, groups=LOYALTY_MANAGER
    )
