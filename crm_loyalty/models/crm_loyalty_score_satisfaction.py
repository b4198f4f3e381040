# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Satisfaction and complaints (seed 002, DOMAIN §3): they need the customers' helpdesk tickets and ratings,
which the bridge module ``crm_loyalty_helpdesk`` brings (OCA's ``helpdesk_mgmt`` and ``helpdesk_mgmt_rating``).
The bridge overrides these entry points; without it, they say so."""

from odoo import api, models

from .loyalty_access import LOYALTY_USER, check_group


class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _loyalty_helpdesk_message(self):
        return self.env._(
            "Satisfaction and complaints need the module Customer Loyalty Pyramid - Helpdesk (crm_loyalty_helpdesk), "
            "which reads the tickets and ratings of OCA's Helpdesk (helpdesk_mgmt, helpdesk_mgmt_rating). Ask your "
            "administrator to install it."
        )

    @api.model
    def _loyalty_check_report_access(self):
        """The satisfaction and complaint entry points, with or without the bridge: Loyalty Users only."""
        check_group(self.env, LOYALTY_USER, self.env._("Only Loyalty Users can open the customer loyalty reports."))

    @api.model
    def _loyalty_needs_helpdesk(self, title):
        self._loyalty_check_report_access()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": self._loyalty_helpdesk_message(), "type": "warning", "sticky": True},
        }

    @api.model
    def action_loyalty_satisfaction_analysis(self):
        """Ratings per level, complaint category and month."""
        return self._loyalty_needs_helpdesk(self.env._("Satisfaction Analysis"))

    @api.model
    def action_loyalty_complaint_analysis(self):
        """Complaints per category, level and month."""
        return self._loyalty_needs_helpdesk(self.env._("Complaint Analysis"))

    @api.model
    def action_loyalty_satisfaction_alerts(self):
        """The profitable or high-lifetime-value customers whose satisfaction is low or falling."""
        return self._loyalty_needs_helpdesk(self.env._("Low Satisfaction, Profit Potential"))

    @api.model
    def _loyalty_satisfaction_alert_count(self, company):
        """How many customers of ``company`` :meth:`action_loyalty_satisfaction_alerts` lists; None without
        the helpdesk."""
        return None
