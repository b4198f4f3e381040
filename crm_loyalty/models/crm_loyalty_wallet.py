# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Share of wallet (README, *Share of wallet*): what a customer spends per year in our category, as estimated by a
salesperson or a manager; the score compares it with our revenue."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

WALLET_SOURCES = [
    ("customer", "Told by the customer"),
    ("salesperson", "Salesperson's estimate"),
    ("study", "Market study"),
    ("other", "Other"),
]


class CrmLoyaltyWallet(models.Model):
    _name = "crm.loyalty.wallet"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.number.mixin"]
    _description = "Customer Spend Estimate (Share of Wallet)"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('parent_id', '=', False)]",
        help="The customer company (a contact's estimate is its company's).",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        string="Yearly Spend in Our Category",
        required=True,
        help="What the customer spends per year, with us and with competitors, on what we sell.",
    )
    date = fields.Date(string="Estimated On", required=True, default=fields.Date.context_today)
    user_id = fields.Many2one("res.users", string="Estimated By", required=True, default=lambda self: self.env.user)
    source = fields.Selection(WALLET_SOURCES, required=True, default="salesperson")
    note = fields.Char()
    score_id = fields.Many2one(
        "crm.loyalty.score",
        string="Score",
        compute="_compute_score_id",
        store=True,
        index="btree_not_null",
        ondelete="set null",
        help="The customer's score in the estimate's company (set when the customer is first scored).",
    )

    @api.constrains("amount")
    def _check_amount(self):
        for estimate in self:
            if estimate.amount <= 0:
                raise ValidationError(
                    self.env._(
                        "The yearly spend of %(partner)s must be a positive amount (an estimate of what it spends "
                        "per year in our category).",
                        partner=estimate.partner_id.display_name,
                    )
                )

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for estimate in self:
            if estimate.date > today:
                raise ValidationError(self.env._("An estimate cannot be dated in the future."))

    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_score_id(self):
        # which score an estimate belongs to, whoever records it (the estimate itself is under record rules)
        scores = (
            self.env["crm.loyalty.score"]._loyalty_scores_by_partner(self.partner_id, self.company_id) if self else {}
        )
        for estimate in self:
            estimate.score_id = scores.get(
                (estimate.partner_id.commercial_partner_id.id, estimate.company_id.id), False
            )

    @api.model
    def _loyalty_link_scores(self, company):
        """Link the estimates of ``company`` recorded before their customer was scored; returns the scores
        whose share of wallet is to be recomputed (every score with an estimate: its revenue may have
        changed)."""
        self.flush_model(["partner_id", "company_id", "score_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_loyalty_wallet wallet
                   SET score_id = score.id
                  FROM res_partner partner, crm_loyalty_score score
                 WHERE wallet.company_id = %(company)s
                   AND wallet.score_id IS NULL
                   AND partner.id = wallet.partner_id
                   AND score.partner_id = partner.commercial_partner_id
                   AND score.company_id = wallet.company_id
                """,
                company=company.id,
            )
        )
        self.invalidate_model(["score_id"])
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT score_id FROM crm_loyalty_wallet WHERE company_id = %s AND score_id IS NOT NULL",
                company.id,
            )
        )
        return self.env["crm.loyalty.score"].browse([row[0] for row in self.env.cr.fetchall()])
