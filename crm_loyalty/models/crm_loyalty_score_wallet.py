# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Share of wallet on the score: our yearly revenue over the customer's latest spend estimate."""

from odoo import api, fields, models

WALLET_FIELDS = ("wallet_estimate", "wallet_date", "wallet_revenue", "wallet_share", "wallet_potential")


class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"  # pylint: disable=consider-merging-classes-inherited

    wallet_ids = fields.One2many("crm.loyalty.wallet", "score_id", string="Spend Estimates")
    wallet_estimate = fields.Monetary(
        string="Yearly Spend Estimate",
        compute="_compute_wallet",
        store=True,
        help="The customer's latest estimate of what it spends per year in our category (Share of Wallet).",
    )
    wallet_date = fields.Date(string="Estimated On", compute="_compute_wallet", store=True)
    wallet_revenue = fields.Monetary(
        string="Our Yearly Revenue",
        compute="_compute_wallet",
        store=True,
        help="Our revenue from the customer in the ranking window, per year (the window's revenue itself when "
        "the window is 12 months).",
    )
    wallet_share = fields.Float(
        string="Share of Wallet (%)",
        digits=(16, 1),
        compute="_compute_wallet",
        store=True,
        aggregator="avg",
        help="Our yearly revenue over the customer's yearly spend estimate; empty without an estimate.",
    )
    wallet_potential = fields.Monetary(
        string="Untapped Potential",
        compute="_compute_wallet",
        store=True,
        help="The yearly spend estimate minus our yearly revenue (0 when we already have all of it): what the "
        "customer spends with others.",
    )

    @api.depends("wallet_ids.amount", "wallet_ids.date", "revenue_window")
    def _compute_wallet(self):
        # the recompute writes the revenue with SQL: its finish step recomputes the scores with an estimate
        for score in self:
            latest = score.wallet_ids.sorted(lambda w: (w.date, w.id), reverse=True)[:1]
            if not latest:
                score.update(dict.fromkeys(WALLET_FIELDS, False))
                continue
            revenue = score.revenue_window * 12.0 / (score.company_id.loyalty_ranking_months or 12)
            score.update(
                {
                    "wallet_estimate": latest.amount,
                    "wallet_date": latest.date,
                    "wallet_revenue": revenue,
                    "wallet_share": 100.0 * revenue / latest.amount,
                    "wallet_potential": max(latest.amount - revenue, 0.0),
                }
            )

    @api.model
    def _loyalty_after_write_back(self, company, run, reference_date):
        res = super()._loyalty_after_write_back(company, run, reference_date)
        scores = self.env["crm.loyalty.wallet"]._loyalty_link_scores(company)
        for name in WALLET_FIELDS:
            self.env.add_to_compute(self._fields[name], scores)
        scores.flush_recordset(list(WALLET_FIELDS))
        return res

    def action_open_wallet(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Spend Estimates of %(partner)s", partner=self.partner_id.display_name),
            "res_model": "crm.loyalty.wallet",
            "view_mode": "list,form",
            "domain": [("score_id", "=", self.id)],
            "context": {"default_partner_id": self.partner_id.id, "default_company_id": self.company_id.id},
        }
