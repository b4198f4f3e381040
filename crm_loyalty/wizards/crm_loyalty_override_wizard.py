# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models

from ..models.loyalty_access import LOYALTY_MANAGER, check_group
from ..models.loyalty_search import unsearchable


class CrmLoyaltyOverrideWizard(models.TransientModel):
    _name = "crm.loyalty.override.wizard"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin"]
    _check_company_auto = True
    _description = "Override a Customer's Pyramid Level"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    current_level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Current Level",
        compute="_compute_current_level_id",
        search=unsearchable("current_level_id"),
    )
    level_id = fields.Many2one(
        "crm.loyalty.level",
        string="New Level",
        required=True,
        check_company=True,
    )
    reason = fields.Text(required=True)

    @api.depends("partner_id", "company_id")
    def _compute_current_level_id(self):
        for wizard in self:
            wizard.current_level_id = wizard._get_score().level_id

    def _get_score(self):
        return self.env["crm.loyalty.score"].search(
            [
                ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
            ],
            limit=1,
        )

    def action_apply(self):
        self.ensure_one()
        check_group(self.env, LOYALTY_MANAGER, self.env._("Only Loyalty Managers can override pyramid levels."))
        self.env["res.company"]._loyalty_allowed_company(self.company_id)
        score = self._get_score()
        if not score:
            # scores are only written by the recompute: the manager's first override of a customer
            # never scored creates its score as superuser (rights checked just above)
            score = (
                self.env["crm.loyalty.score"]
                .sudo()
                .create({"partner_id": self.partner_id.commercial_partner_id.id, "company_id": self.company_id.id})
            )
        score._loyalty_set_override(self.level_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
