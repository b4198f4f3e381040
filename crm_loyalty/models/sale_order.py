# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    loyalty_score_id = fields.Many2one(
        "crm.loyalty.score",
        string="Customer Score",
        compute="_compute_loyalty_score_id",
        search="_search_loyalty_score_id",
        help="Pyramid score of the customer in the order's company (read from the stored scores).",
    )
    loyalty_level_id = fields.Many2one(related="loyalty_score_id.level_id", string="Pyramid Level")
    loyalty_level_code = fields.Selection(related="loyalty_score_id.level_code")
    loyalty_currency_id = fields.Many2one(related="loyalty_score_id.currency_id", string="Loyalty Currency")
    loyalty_clv = fields.Monetary(related="loyalty_score_id.clv", currency_field="loyalty_currency_id")
    loyalty_profit_class = fields.Selection(related="loyalty_score_id.profit_class")
    loyalty_is_elastic = fields.Boolean(related="loyalty_score_id.is_elastic", string="Elastic Customer")
    loyalty_elastic_positive_clv = fields.Boolean(related="loyalty_score_id.elastic_positive_clv")
    loyalty_elastic_price_insensitive = fields.Boolean(related="loyalty_score_id.elastic_price_insensitive")
    loyalty_elastic_innovative = fields.Boolean(related="loyalty_score_id.elastic_innovative")
    loyalty_elastic_influential = fields.Boolean(related="loyalty_score_id.elastic_influential")
    loyalty_elastic_strategy = fields.Text(related="loyalty_score_id.elastic_strategy")

    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_loyalty_score_id(self):
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(self.partner_id, self.company_id)
        for order in self:
            score = scores.get((order.partner_id.commercial_partner_id.id, order.company_id.id))
            order.loyalty_score_id = score.sudo(False) if score else False

    @api.depends("partner_id", "company_id")
    def _compute_pricelist_id(self):
        """New quotations take the pricelist of the customer's level when it has one."""
        res = super()._compute_pricelist_id()
        for order in self.filtered(lambda o: o.state == "draft" and o.partner_id):
            pricelist = order.loyalty_score_id.sudo().level_id.pricelist_id
            if pricelist and (not pricelist.company_id or pricelist.company_id == order.company_id):
                order.pricelist_id = pricelist
        return res

    def _search_loyalty_score_id(self, operator, value):
        return [("partner_id.commercial_partner_id.loyalty_score_ids", operator, value)]
