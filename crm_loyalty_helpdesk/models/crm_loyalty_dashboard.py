# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The dashboard's satisfaction tile: the key or high-lifetime-value customers whose satisfaction is low or
falling."""

from markupsafe import Markup

from odoo import api, fields, models

from odoo.addons.crm_loyalty.models.loyalty_access import LOYALTY_USER
from odoo.addons.crm_loyalty.models.loyalty_search import unsearchable


class CrmLoyaltyDashboard(models.TransientModel):
    _inherit = "crm.loyalty.dashboard"

    satisfaction_html = fields.Html(
        string="Satisfaction",
        compute="_compute_satisfaction_html",
        sanitize=False,
        search=unsearchable("satisfaction_html"),
        groups=LOYALTY_USER,
    )

    @api.depends("company_id")
    @api.depends_context("uid")
    def _compute_satisfaction_html(self):
        for dashboard in self:
            dashboard.satisfaction_html = dashboard._loyalty_satisfaction_html()

    def _loyalty_satisfaction_html(self):
        self.ensure_one()
        # under the user's record rules: a salesperson counts their own customers
        count = self.env["crm.loyalty.score"]._loyalty_satisfaction_alert_count(self.company_id)
        colour = "#DC3545" if count else "#198754"
        return Markup(
            "<div class='o_loyalty_tile o_loyalty_satisfaction' style='border:1px solid #DEE2E6;border-radius:4px;"
            "padding:8px;margin:4px'><div class='text-muted small'>%s</div>"
            "<div style='font-size:1.5em;font-weight:bold;color:%s'>%s</div>"
            "<div class='text-muted small'>%s</div></div>"
        ) % (
            self.env._("Low Satisfaction, Profit Potential"),
            colour,
            self.env._("%(count)s customers", count=count),
            self.env._(
                "Key (profitable) customers or customers with a high lifetime value whose satisfaction is low or "
                "falling: raise their satisfaction first."
            ),
        )

    def action_open_satisfaction_alerts(self):
        return self.env["crm.loyalty.score"].action_loyalty_satisfaction_alerts()
