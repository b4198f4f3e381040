# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

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

# code: (visit interval in months (0 = no regular visit), win-back visit)
DEFAULT_POLICIES = {
    "top": (1, False),
    "big": (2, False),
    "medium": (3, False),
    "small": (0, False),
    "inactive": (0, True),
    "prospect": (0, False),
    "suspect": (0, False),
}

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
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.number.mixin"]
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
    is_ranked = fields.Boolean(compute="_compute_is_ranked", search="_search_is_ranked")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    description = fields.Text(translate=True)
    cost_weight = fields.Float(
        string="Cost Weight",
        digits=(16, 2),
        default=1.0,
        help="Default weight of the level when the pyramid economics allocate marketing and sales costs by "
        "level weights (customers x weight).",
    )
    # service policy
    visit_interval_months = fields.Integer(
        string="Visit Every (months)",
        help="Salespeople visit the customers of this level every so many months; 0: no regular visit.",
    )
    winback_visit = fields.Boolean(
        string="One Win-Back Visit",
        help="Plan one visit to win the customer back after it reaches this level (e.g. Inactive).",
    )
    team_id = fields.Many2one(
        "crm.team", string="Customer Team", check_company=True, help="Sales team that serves this level."
    )
    user_ids = fields.Many2many(
        "res.users", string="Team Members", help="Users who deal with this level (sales, service, marketing)."
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist for New Quotations",
        check_company=True,
        help="New quotations of customers of this level use this pricelist.",
    )

    @api.depends("code")
    def _compute_is_ranked(self):
        for level in self:
            level.is_ranked = level.code in RANKED_CODES

    def _search_is_ranked(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Ranked can only be compared with True or False (= or !=)."))
        ranked = (operator == "=") == value
        return [("code", "in" if ranked else "not in", list(RANKED_CODES))]

    @api.constrains("visit_interval_months")
    def _check_visit_interval(self):
        for level in self:
            if not 0 <= level.visit_interval_months <= 120:
                raise ValidationError(
                    self.env._(
                        "The visit interval of level %(level)s cannot be negative, nor more than 120 months "
                        "(0: no regular visit).",
                        level=level.display_name,
                    )
                )

    @api.constrains("cost_weight")
    def _check_cost_weight(self):
        for level in self:
            if not 0 <= level.cost_weight <= 10**6:
                raise ValidationError(
                    self.env._(
                        "The cost weight of level %(level)s cannot be negative, nor above 1,000,000.",
                        level=level.display_name,
                    )
                )

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
            if level.code in RANKED_CODES and not 0 < level.share <= 100:
                raise ValidationError(
                    self.env._(
                        "The share of level %(level)s must be a positive percentage, at most 100.",
                        level=level.display_name,
                    )
                )
        # the settings and the installation write the shares of several levels, then check them once (as superuser,
        # after their own checks); a user's own write is always checked
        if not (self.env.su and self.env.context.get("loyalty_defer_share_check")):
            self.company_id._loyalty_check_shares()

    def _loyalty_shares(self):
        """Mapping code -> share of the ranked levels in ``self``."""
        return {level.code: level.share for level in self if level.code in RANKED_CODES}

    @api.model
    def _loyalty_codes_by_id(self, company):
        """``{level id: code}`` of every level of ``company`` (for the readers of history and scores)."""
        self.flush_model(["code", "company_id"])
        self.env.cr.execute(SQL("SELECT id, code FROM crm_loyalty_level WHERE company_id = %s", company.id))
        return dict(self.env.cr.fetchall())

    @api.model
    def _loyalty_translate_default_names(self, langs):
        """Give the levels that still carry their default English name the default name in ``langs``
        where they have none in that language yet (a language installed after the levels were created).
        A name someone changed is left alone."""
        # called while a language's terms are loaded, which only administrators may do (module rights):
        # checked here, the levels' names are then written as superuser whatever the loyalty rights
        self.env["ir.module.module"].check_access("write")
        defaults = {code: name for code, (name, _color, _share) in DEFAULT_LEVELS.items()}
        self.flush_model(["name", "code"])
        self.env.cr.execute("SELECT id, code, name FROM crm_loyalty_level")
        rows = self.env.cr.fetchall()
        for lang in langs:
            if lang == "en_US":
                continue
            names = self.env["res.company"].with_context(lang=lang)._loyalty_level_names()
            for level_id, code, stored in rows:
                english = stored.get("en_US")
                if english != defaults.get(code) or stored.get(lang, english) != english:
                    continue
                self.browse(level_id).sudo().update_field_translations("name", {lang: names[code]})

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
