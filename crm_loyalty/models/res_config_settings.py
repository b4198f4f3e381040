# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models

from ..loyalty_analytics import RANKED_CODES
from .crm_loyalty_number_mixin import check_number_vals
from .loyalty_access import LOYALTY_MANAGER

# company settings whose change needs a recompute of the pyramid
RECOMPUTE_SETTINGS = (
    "loyalty_ranking_months",
    "loyalty_activity_months",
    "loyalty_level_margin",
    "loyalty_profit_band_low",
    "loyalty_profit_band_high",
    "loyalty_clv_months",
    "loyalty_clv_discount_rate",
    "loyalty_alive_threshold",
    "loyalty_at_risk_mode",
    "loyalty_phase_period_months",
    "loyalty_phase_periods",
    "loyalty_phase_threshold",
    "loyalty_discount_threshold",
    "loyalty_key_account_threshold",
    "loyalty_payment_b_days",
    "loyalty_payment_c_days",
    "loyalty_payment_d_days",
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_ranking_months = fields.Integer(
        related="company_id.loyalty_ranking_months", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_activity_months = fields.Integer(
        related="company_id.loyalty_activity_months", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_level_margin = fields.Float(
        related="company_id.loyalty_level_margin", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_profit_band_low = fields.Float(
        related="company_id.loyalty_profit_band_low", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_profit_band_high = fields.Float(
        related="company_id.loyalty_profit_band_high", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_clv_months = fields.Integer(related="company_id.loyalty_clv_months", readonly=False, groups=LOYALTY_MANAGER)
    loyalty_clv_discount_rate = fields.Float(
        related="company_id.loyalty_clv_discount_rate", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_alive_threshold = fields.Float(
        related="company_id.loyalty_alive_threshold", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_at_risk_mode = fields.Selection(
        related="company_id.loyalty_at_risk_mode", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_phase_period_months = fields.Integer(
        related="company_id.loyalty_phase_period_months", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_phase_periods = fields.Integer(
        related="company_id.loyalty_phase_periods", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_phase_threshold = fields.Float(
        related="company_id.loyalty_phase_threshold", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_discount_threshold = fields.Float(
        related="company_id.loyalty_discount_threshold", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_history_months = fields.Integer(
        related="company_id.loyalty_history_months", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_key_account_threshold = fields.Float(
        related="company_id.loyalty_key_account_threshold", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_customer_manager_id = fields.Many2one(
        related="company_id.loyalty_customer_manager_id", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_backtest_months = fields.Integer(
        related="company_id.loyalty_backtest_months", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_payment_b_days = fields.Integer(
        related="company_id.loyalty_payment_b_days", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_payment_c_days = fields.Integer(
        related="company_id.loyalty_payment_c_days", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_payment_d_days = fields.Integer(
        related="company_id.loyalty_payment_d_days", readonly=False, groups=LOYALTY_MANAGER
    )
    loyalty_share_top = fields.Float(string="Top (%)", digits=(5, 2), groups=LOYALTY_MANAGER)
    loyalty_share_big = fields.Float(string="Big (%)", digits=(5, 2), groups=LOYALTY_MANAGER)
    loyalty_share_medium = fields.Float(string="Medium (%)", digits=(5, 2), groups=LOYALTY_MANAGER)
    loyalty_share_small = fields.Float(string="Small (%)", digits=(5, 2), groups=LOYALTY_MANAGER)

    loyalty_recompute_needed = fields.Boolean(
        groups=LOYALTY_MANAGER, help="A setting of the pyramid changes: saving queues a recompute of the company."
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_number_vals(self, vals_list)
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id") or self.env.company.id)
            # settings are for managers (the fields' groups): the company's current values, compared only
            vals["loyalty_recompute_needed"] = any(
                name in vals and self._loyalty_differs(company.sudo()[name], vals[name]) for name in RECOMPUTE_SETTINGS
            )
        return super().create(vals_list)

    @api.model
    def _loyalty_differs(self, current, new):
        if isinstance(current, float):
            return abs(current - float(new or 0.0)) > 1e-9
        return current != new

    def _loyalty_ranked_levels(self):
        return self.env["crm.loyalty.level"].search(
            [("company_id", "=", self.company_id.id), ("code", "in", RANKED_CODES)]
        )

    @api.model
    def get_values(self):
        res = super().get_values()
        # the pyramid block is for Loyalty Managers: other administrators open and save the settings
        # without reading (or resetting) the shares
        if not self.env.user.has_group(LOYALTY_MANAGER):
            return res
        levels = self.env["crm.loyalty.level"].search(
            [("company_id", "=", self.env.company.id), ("code", "in", RANKED_CODES)]
        )
        for level in levels:
            res[f"loyalty_share_{level.code}"] = level.share
        return res

    def set_values(self):
        super().set_values()
        if not self.env.user.has_group(LOYALTY_MANAGER):
            return
        self.env["res.company"]._loyalty_allowed_company(self.company_id)
        levels = self._loyalty_ranked_levels()
        if not levels:
            return
        # the four shares change together: check the total once, after all of them (the levels are written as
        # superuser for that: the user is a Loyalty Manager, checked above, of the settings' company)
        recompute = self.loyalty_recompute_needed
        for level in levels.sudo().with_context(loyalty_defer_share_check=True):
            new_share = self[f"loyalty_share_{level.code}"]
            if level.share != new_share:
                level.share = new_share
                recompute = True
        self.company_id._loyalty_check_shares()
        if recompute:
            # a manager (checked above) changed the pyramid: it is recomputed in the background
            self.env["crm.loyalty.engine"].sudo().with_context(loyalty_trigger="settings")._loyalty_queue(
                self.company_id, "settings", fields.Date.context_today(self), behind=True
            )
