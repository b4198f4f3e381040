# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.tools import SQL


class CrmLoyaltyMoveCost(models.Model):
    """The cost of each product (``standard_price`` of the company, and the factor of its unit) when the
    sums of the invoices (``crm.loyalty.move``) were last brought up to date: the invoices with a product
    whose cost changed since are read again."""

    _name = "crm.loyalty.move.cost"
    _description = "Customer Loyalty: product costs the invoice sums were read with"
    _log_access = False
    # company_id is a plain integer (no foreign key): ir.rule words the refusal (see ir_rule.py)
    _loyalty_integer_company = True

    company_id = fields.Integer(string="Company", required=True, readonly=True)
    product_id = fields.Integer(string="Product", required=True, readonly=True)
    standard_price = fields.Float(digits=0, readonly=True)
    uom_factor = fields.Float(digits=0, readonly=True)

    _sql_constraints = [
        ("product_unique", "UNIQUE(company_id, product_id)", "A product has one remembered cost per company.")
    ]

    @api.model
    def _loyalty_current(self, company):
        """Every product with its current cost for ``company`` (columns product_id, standard_price,
        uom_factor)."""
        return SQL(
            """SELECT product.id AS product_id,
                      COALESCE((product.standard_price ->> %s)::numeric, 0) AS standard_price,
                      COALESCE(uom.factor, 1)::numeric AS uom_factor
                 FROM product_product product
                 JOIN product_template template ON template.id = product.product_tmpl_id
            LEFT JOIN uom_uom uom ON uom.id = template.uom_id""",
            str(company.id),
        )

    @api.model
    def _loyalty_changed_products(self, company):
        """The products whose cost changed since it was remembered (or never remembered)."""
        return SQL(
            """SELECT current.product_id
                  FROM (%s) current
             LEFT JOIN crm_loyalty_move_cost seen
                    ON seen.company_id = %s AND seen.product_id = current.product_id
                 WHERE seen.id IS NULL
                    OR seen.standard_price != current.standard_price
                    OR seen.uom_factor != current.uom_factor""",
            self._loyalty_current(company),
            company.id,
        )

    @api.model
    def _loyalty_remember(self, company):
        """Remember the current costs of ``company``'s products."""
        self.env["product.product"].flush_model(["standard_price", "product_tmpl_id"])
        self.env["product.template"].flush_model(["uom_id"])
        self.env["uom.uom"].flush_model(["factor"])
        self._loyalty_clear(company)
        self.env.cr.execute(
            SQL(
                """INSERT INTO crm_loyalty_move_cost (company_id, product_id, standard_price, uom_factor)
                   SELECT %s, current.product_id, current.standard_price, current.uom_factor FROM (%s) current""",
                company.id,
                self._loyalty_current(company),
            )
        )

    @api.model
    def _loyalty_clear(self, company):
        self.env.cr.execute(SQL("DELETE FROM crm_loyalty_move_cost WHERE company_id = %s", company.id))
