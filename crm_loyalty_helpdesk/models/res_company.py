# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_loyalty.models.loyalty_access import LOYALTY_USER


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_satisfaction_threshold = fields.Float(
        string="Low Satisfaction Below",
        digits=(3, 1),
        default=3.0,
        groups=LOYALTY_USER,
        help="A customer's average rating (1 to 5) below this is low satisfaction.",
    )

    @api.constrains("loyalty_satisfaction_threshold")
    def _check_loyalty_satisfaction_threshold(self):
        for company in self:
            if not 1.0 < company.loyalty_satisfaction_threshold <= 5.0:
                raise ValidationError(
                    self.env._("Low satisfaction is below a rating between 1 (excluded) and 5 (included).")
                )
