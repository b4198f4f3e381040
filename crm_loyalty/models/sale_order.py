# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.tools import SQL

from .loyalty_access import LOYALTY_USER
from .loyalty_search import hide_unsearchable


class SaleOrder(models.Model):
    _inherit = "sale.order"

    loyalty_score_id = fields.Many2one(
        "crm.loyalty.score",
        string="Customer Score",
        compute="_compute_loyalty_score_id",
        search="_search_loyalty_score_id",
        groups=LOYALTY_USER,
        help="Pyramid score of the customer in the order's company (read from the stored scores).",
    )
    loyalty_level_id = fields.Many2one(
        related="loyalty_score_id.level_id", string="Pyramid Level", groups=LOYALTY_USER, depends_context=("uid",)
    )
    loyalty_level_code = fields.Selection(
        related="loyalty_score_id.level_code", groups=LOYALTY_USER, depends_context=("uid",)
    )
    loyalty_currency_id = fields.Many2one(
        related="loyalty_score_id.currency_id", string="Loyalty Currency", groups=LOYALTY_USER, depends_context=("uid",)
    )
    loyalty_clv = fields.Monetary(
        related="loyalty_score_id.clv",
        currency_field="loyalty_currency_id",
        groups=LOYALTY_USER,
        depends_context=("uid",),
    )
    loyalty_profit_class = fields.Selection(
        related="loyalty_score_id.profit_class", groups=LOYALTY_USER, depends_context=("uid",)
    )
    loyalty_is_elastic = fields.Boolean(
        related="loyalty_score_id.is_elastic", string="Elastic Customer", groups=LOYALTY_USER, depends_context=("uid",)
    )
    loyalty_elastic_strategy = fields.Text(
        related="loyalty_score_id.elastic_strategy", groups=LOYALTY_USER, depends_context=("uid",)
    )
    loyalty_payment_grade = fields.Selection(
        related="loyalty_score_id.payment_grade", groups=LOYALTY_USER, depends_context=("uid",)
    )
    loyalty_payment_days_late = fields.Float(
        related="loyalty_score_id.payment_days_late", groups=LOYALTY_USER, depends_context=("uid",)
    )

    # uid: looked up with the user's record rules, also when the related fields above reach it as
    # superuser, so that a salesperson sees no score of another salesperson's customer
    @api.depends_context("uid")
    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_loyalty_score_id(self):
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(
            self.partner_id, self.company_id, as_user=True
        )
        for order in self:
            order.loyalty_score_id = scores.get((order.partner_id.commercial_partner_id.id, order.company_id.id))

    @api.depends("partner_id", "company_id")
    def _compute_pricelist_id(self):
        """New quotations take the pricelist of the customer's level when it has one."""
        res = super()._compute_pricelist_id()
        # only for who may record a quotation in that company (the form's onchange is open to any employee): the
        # pricelist says the customer's level
        if not self.env["sale.order"].has_access("create"):
            return res
        companies = self.env.user.company_ids
        drafts = self.filtered(
            lambda o: o.state == "draft" and o.partner_id and (self.env.su or o.company_id in companies)
        )
        if not drafts:
            return res
        # a business rule for whoever writes the quotation (with or without loyalty rights): only the
        # level's pricelist reaches the order, no figure of the score
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(drafts.partner_id, drafts.company_id)
        for order in drafts:
            score = scores.get((order.partner_id.commercial_partner_id.id, order.company_id.id))
            pricelist = score.level_id.pricelist_id if score else False
            if pricelist and (not pricelist.company_id or pricelist.company_id == order.company_id):
                order.pricelist_id = pricelist
        return res

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        # the elastic strategy is a text computed when shown: not offered as a filter (searching it is refused)
        return hide_unsearchable(self, super().fields_get(allfields, attributes))

    def _search_loyalty_score_id(self, operator, value):
        return [("partner_id.commercial_partner_id.loyalty_score_ids", operator, value)]

    @api.model
    def _loyalty_pipeline_partner_ids(self, company):
        """Commercial partners with a quotation or sales order of ``company``."""
        self.flush_model(["partner_id", "state", "company_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT partner.commercial_partner_id
                  FROM sale_order so
                  JOIN res_partner partner ON partner.id = so.partner_id
                 WHERE so.state IN ('draft', 'sent', 'sale')
                   AND so.company_id = %(company)s
                """,
                company=company.id,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}
