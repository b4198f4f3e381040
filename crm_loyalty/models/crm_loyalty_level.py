# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..loyalty_analytics import RANKED_CODES, PyramidConfigError, validate_shares

LEVEL_CODE_SELECTION = [
    ("top", "Top"),
    ("big", "Big"),
    ("medium", "Medium"),
    ("small", "Small"),
    ("inactive", "Inactive"),
    ("prospect", "Prospect"),
    ("suspect", "Suspect"),
]

# code: (English name, colour index, share in percent)
DEFAULT_LEVELS = {
    "top": ("Top", 10, 1.0),
    "big": ("Big", 4, 4.0),
    "medium": ("Medium", 2, 15.0),
    "small": ("Small", 3, 80.0),
    "inactive": ("Inactive", 1, 0.0),
    "prospect": ("Prospect", 8, 0.0),
    "suspect": ("Suspect", 0, 0.0),
}


class CrmLoyaltyLevel(models.Model):
    _name = "crm.loyalty.level"
    _description = "Customer Pyramid Level"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(LEVEL_CODE_SELECTION, required=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer(string="Colour")
    share = fields.Float(
        string="Share (%)",
        digits=(5, 2),
        help="Share of the active customers in this level (ranked levels only). "
        "Top, Big, Medium and Small must add up to 100%.",
    )
    is_ranked = fields.Boolean(compute="_compute_is_ranked")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    description = fields.Text(translate=True)

    @api.depends("code")
    def _compute_is_ranked(self):
        for level in self:
            level.is_ranked = level.code in RANKED_CODES

    @api.constrains("code", "company_id")
    def _check_code_unique(self):
        groups = self._read_group(
            [("company_id", "in", self.company_id.ids)],
            ["company_id", "code"],
            ["__count"],
        )
        for company, code, count in groups:
            if count > 1:
                label = dict(LEVEL_CODE_SELECTION)[code]
                raise ValidationError(
                    self.env._(
                        "Company %(company)s already has a pyramid level with code "
                        "%(code)s: each code can be used only once per company.",
                        company=company.display_name,
                        code=label,
                    )
                )

    @api.constrains("share", "code", "company_id")
    def _check_share(self):
        for level in self:
            if level.code in RANKED_CODES and level.share <= 0:
                raise ValidationError(
                    self.env._(
                        "The share of level %(level)s must be a positive percentage.",
                        level=level.display_name,
                    )
                )
        if not self.env.context.get("loyalty_defer_share_check"):
            self.company_id._loyalty_check_shares()

    def _loyalty_shares(self):
        """Mapping code -> share of the ranked levels in ``self``."""
        return {level.code: level.share for level in self if level.code in RANKED_CODES}

    @api.model
    def _loyalty_levels_by_code(self, company):
        """All levels of ``company`` by code; refuses an incomplete pyramid."""
        levels = self.search([("company_id", "=", company.id)])
        by_code = {level.code: level for level in levels}
        missing = [label for code, label in LEVEL_CODE_SELECTION if code not in by_code]
        if missing:
            raise ValidationError(
                self.env._(
                    "The customer pyramid of %(company)s is missing the level(s) %(levels)s. "
                    "Create them under CRM > Configuration > Pyramid Levels.",
                    company=company.display_name,
                    levels=", ".join(missing),
                )
            )
        try:
            validate_shares(levels._loyalty_shares())
        except PyramidConfigError as error:
            raise ValidationError(str(error)) from error
        return by_code
