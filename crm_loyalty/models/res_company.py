# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..loyalty_analytics import RANKED_CODES
from .crm_loyalty_level import DEFAULT_LEVELS


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_level_ids = fields.One2many("crm.loyalty.level", "company_id", string="Pyramid Levels")
    loyalty_ranking_months = fields.Integer(
        string="Ranking Window (months)",
        default=12,
        help="Customers are ranked by their revenue over this many months up to the computation date.",
    )
    loyalty_activity_months = fields.Integer(
        string="Activity Window (months)",
        default=12,
        help="A customer is active when it has a posted invoice in this many months up to the computation date.",
    )
    loyalty_profit_band_low = fields.Float(
        string="Break-even Band From (%)",
        default=0.0,
        help="Customers whose gross margin % in the ranking window is below this are loss-making.",
    )
    loyalty_profit_band_high = fields.Float(
        string="Break-even Band To (%)",
        default=10.0,
        help="Customers whose gross margin % in the ranking window reaches this are key customers; "
        "between the two bounds they are general (break-even) customers.",
    )

    @api.constrains("loyalty_ranking_months", "loyalty_activity_months")
    def _check_loyalty_windows(self):
        for company in self:
            if company.loyalty_ranking_months <= 0 or company.loyalty_activity_months <= 0:
                raise ValidationError(
                    self.env._(
                        "The ranking and activity windows of %(company)s must be at least one month.",
                        company=company.display_name,
                    )
                )

    @api.constrains("loyalty_profit_band_low", "loyalty_profit_band_high")
    def _check_loyalty_profit_band(self):
        for company in self:
            if company.loyalty_profit_band_low >= company.loyalty_profit_band_high:
                raise ValidationError(
                    self.env._(
                        "The break-even band of %(company)s must start below where it ends "
                        "(from %(low)s%% to %(high)s%%).",
                        company=company.display_name,
                        low=company.loyalty_profit_band_low,
                        high=company.loyalty_profit_band_high,
                    )
                )

    def _loyalty_check_shares(self):
        """The ranked shares of each company must add up to exactly 100%."""
        for company in self:
            levels = self.env["crm.loyalty.level"].search(
                [("company_id", "=", company.id), ("code", "in", RANKED_CODES)]
            )
            if not levels:
                continue
            total_hundredths = sum(round(level.share * 100) for level in levels)
            if total_hundredths != 100_00:
                raise ValidationError(
                    self.env._(
                        "The shares of the Top, Big, Medium and Small levels of %(company)s must add "
                        "up to 100%% (they add up to %(total)s%%). Change them together in "
                        "Settings > CRM > Customer Pyramid.",
                        company=company.display_name,
                        total=total_hundredths / 100,
                    )
                )

    def _loyalty_create_levels(self):
        """Create the default pyramid levels where a company has none of a code."""
        Level = self.env["crm.loyalty.level"].sudo().with_context(loyalty_defer_share_check=True)
        vals_list = []
        for company in self:
            existing = set(Level.search([("company_id", "=", company.id)]).mapped("code"))
            for sequence, (code, (name, color, share)) in enumerate(DEFAULT_LEVELS.items()):
                if code in existing:
                    continue
                vals_list.append(
                    {
                        "name": name,
                        "code": code,
                        "sequence": (sequence + 1) * 10,
                        "color": color,
                        "share": share,
                        "company_id": company.id,
                    }
                )
        Level.create(vals_list)
        self._loyalty_check_shares()

    @api.model
    def _loyalty_install_levels(self):
        self.search([])._loyalty_create_levels()

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._loyalty_create_levels()
        return companies
