# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Segment bands (README, *Segmentation*: customers segmented by years of cooperation, business volume, company size
and customer value): each band starts at a lower bound and runs up to the next band of its kind. Shipped with sensible
bounds (data/crm_loyalty_band_data.xml); managers edit them, and the next run applies them."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

BAND_KINDS = [
    ("tenure", "Years of Cooperation"),
    ("volume", "Business Volume"),
    ("size", "Company Size"),
    ("clv", "Lifetime Value"),
]


class CrmLoyaltyBand(models.Model):
    _name = "crm.loyalty.band"
    _inherit = ["crm.loyalty.number.mixin"]
    _description = "Customer Segment Band"
    _order = "kind, lower_bound, id"

    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(BAND_KINDS, required=True)
    lower_bound = fields.Float(
        string="From",
        required=True,
        digits=(16, 2),
        help="The band holds the customers whose value is at least this and below the next band's: years since "
        "the first invoice (years of cooperation), revenue of the ranking window (business volume, company "
        "currency), employees (company size) or lifetime value (company currency).",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "kind_lower_bound_unique",
            "UNIQUE(kind, lower_bound)",
            "Two bands of the same kind cannot start at the same value.",
        ),
    ]

    @api.constrains("lower_bound", "kind")
    def _check_lower_bound(self):
        for band in self:
            if band.lower_bound < 0 and band.kind != "clv":
                raise ValidationError(
                    self.env._(
                        "The band %(band)s cannot start below 0: years, revenue and employees are never negative.",
                        band=band.name,
                    )
                )
            if abs(band.lower_bound) > 10**12:
                raise ValidationError(self.env._("A band starts at most at 1,000,000,000,000."))
