# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import tempfile

import pandas as pd

from odoo import api, models
from odoo.tools import SQL


class CrmLoyaltyInvoice(models.AbstractModel):
    """What the module reads from the posted customer invoices and credit notes, in one place.

    Amounts are the untaxed product lines in company currency, signed (credit notes subtract): the
    ``price_subtotal`` of Odoo's invoice analysis. Cost is the quantity in the product's unit times the
    product's current cost (``standard_price``), as that report's margin. The engine, the KPIs, the
    economics, the migration matrix and the annual plans all read through these methods.
    """

    _name = "crm.loyalty.invoice"
    _description = "Customer Loyalty: figures of the posted customer invoices"

    @api.model
    def _loyalty_flush(self):
        """Write pending ORM changes of everything the queries below read."""
        for model in ("account.move", "account.move.line", "product.product", "product.template", "uom.uom"):
            self.env[model].flush_model()

    @api.model
    def _loyalty_posted_moves(self, company):
        """Posted customer invoices and credit notes of ``company`` (on ``move``)."""
        return SQL(
            """move.company_id = %s
               AND move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
               AND move.commercial_partner_id IS NOT NULL""",
            company.id,
        )

    @api.model
    def _loyalty_move_filter(self, company, date_to, date_from=None):
        """Posted customer invoices and credit notes of ``company`` dated up to ``date_to``."""
        return SQL(
            "%s AND move.invoice_date <= %s AND move.invoice_date >= %s",
            self._loyalty_posted_moves(company),
            date_to,
            date_from or "1900-01-01",
        )

    @api.model
    def _loyalty_line_sums(self, company):
        """The sums of the product lines (needs the joins of :meth:`_loyalty_cost_joins`): ``amount`` (net
        revenue), ``cost``, and, on invoices only, the gross amount weighted by the discount and the gross
        amount itself (``discount_weighted``, ``discount_base``)."""
        return SQL(
            """COALESCE(SUM(-line.balance), 0) AS amount,
               COALESCE(SUM(%s), 0) AS cost,
               COALESCE(SUM(ABS(line.price_unit * line.quantity) * COALESCE(line.discount, 0))
                        FILTER (WHERE move.move_type = 'out_invoice'), 0) AS discount_weighted,
               COALESCE(SUM(ABS(line.price_unit * line.quantity))
                        FILTER (WHERE move.move_type = 'out_invoice'), 0) AS discount_base""",
            self._loyalty_cost_sql(company),
        )

    @api.model
    def _loyalty_cost_sql(self, company):
        """Cost of an invoice line (needs the joins of :meth:`_loyalty_cost_joins`): quantity in the
        product's unit x current cost, returned by credit notes."""
        return SQL(
            """line.quantity
               / NULLIF(COALESCE(uom_line.factor, 1) / COALESCE(uom_template.factor, 1), 0.0)
               * COALESCE((product.standard_price ->> %(company_key)s)::numeric, 0)
               * (CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END)""",
            company_key=str(company.id),
        )

    @api.model
    def _loyalty_cost_joins(self):
        return SQL(
            """LEFT JOIN product_product product ON product.id = line.product_id
               LEFT JOIN product_template template ON template.id = product.product_tmpl_id
               LEFT JOIN uom_uom uom_line ON uom_line.id = line.product_uom_id
               LEFT JOIN uom_uom uom_template ON uom_template.id = template.uom_id"""
        )

    @api.model
    def _loyalty_day_query(self, company, date_to):
        """Per commercial partner and invoice date: the sums of :meth:`_loyalty_line_sums`, in one scan of
        the product lines (the engine reads them from the sums it keeps per invoice, ``crm.loyalty.move``,
        which must equal this reading)."""
        return SQL(
            """
            SELECT move.commercial_partner_id AS partner_id,
                   move.invoice_date AS day,
                   %(sums)s
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
                   %(joins)s
             WHERE %(moves)s
               AND line.display_type = 'product'
               AND line.account_id IS NOT NULL
          GROUP BY move.commercial_partner_id, move.invoice_date
            """,
            sums=self._loyalty_line_sums(company),
            joins=self._loyalty_cost_joins(),
            moves=self._loyalty_move_filter(company, date_to),
        )

    @api.model
    def _loyalty_move_day_query(self, company, date_to):
        """Per commercial partner and invoice date: the number of invoices and of credit notes (one scan
        of the moves)."""
        return SQL(
            """
            SELECT move.commercial_partner_id AS partner_id,
                   move.invoice_date AS day,
                   COUNT(*) FILTER (WHERE move.move_type = 'out_invoice') AS invoices,
                   COUNT(*) FILTER (WHERE move.move_type = 'out_refund') AS refunds
              FROM account_move move
             WHERE %(moves)s
          GROUP BY move.commercial_partner_id, move.invoice_date
            """,
            moves=self._loyalty_move_filter(company, date_to),
        )

    @api.model
    def _loyalty_read_frame(self, cr, query, columns, dates=(), integers=()):
        """Run ``query`` on cursor ``cr`` and read its rows into a DataFrame through ``COPY ... TO
        STDOUT`` into a temporary file: no Python tuple or Decimal per value. Other columns are floats.
        """
        if dates:
            # dates travel as days since 1970-01-01: no Python string per row (memory at a million customers)
            select = [
                SQL("(query.%s - DATE '1970-01-01')", SQL.identifier(name)) if name in dates else SQL.identifier(name)
                for name in columns
            ]
            query = SQL("SELECT %s FROM (%s) query", SQL(", ").join(select), query)
        copy = SQL("COPY (%s) TO STDOUT WITH (FORMAT csv)", query)
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as handle:
            cr.copy_expert(cr.mogrify(copy).decode(), handle)
            empty = not handle.tell()
            handle.seek(0)
            dtypes = {name: "float64" for name in columns}
            dtypes.update(dict.fromkeys([*integers, *dates], "int64"))
            if empty:
                frame = pd.DataFrame({name: pd.Series(dtype=dtypes.get(name, "object")) for name in columns})
            else:
                frame = pd.read_csv(handle, names=list(columns), header=None, dtype=dtypes)
        for name in dates:
            frame[name] = pd.to_datetime(frame[name], unit="D")
        return frame

    @api.model
    def _loyalty_period_figures(self, company, date_from, date_to):
        """Revenue and cost per commercial partner of the posted customer invoices and credit notes
        dated in [date_from, date_to].

        :returns: DataFrame ``partner_id``, ``revenue``, ``cost``
        """
        self._loyalty_flush()
        query = SQL(
            """
            SELECT move.commercial_partner_id, SUM(-line.balance), COALESCE(SUM(%(cost)s), 0)
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
                   %(joins)s
             WHERE %(moves)s
               AND line.display_type = 'product'
               AND line.account_id IS NOT NULL
          GROUP BY move.commercial_partner_id
            """,
            cost=self._loyalty_cost_sql(company),
            joins=self._loyalty_cost_joins(),
            moves=self._loyalty_move_filter(company, date_to, date_from),
        )
        return self._loyalty_read_frame(self.env.cr, query, ["partner_id", "revenue", "cost"], integers=["partner_id"])

    @api.model
    def _loyalty_revenue_by_salesperson(self, company, date_from, date_to):
        """Revenue per invoice salesperson of the posted customer invoices and credit notes dated in
        [date_from, date_to]: ``{user id or None: amount}``."""
        self._loyalty_flush()
        self.env.cr.execute(
            SQL(
                """
                SELECT move.invoice_user_id, SUM(-line.balance)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE %(moves)s
                   AND line.display_type = 'product'
                   AND line.account_id IS NOT NULL
              GROUP BY move.invoice_user_id
                """,
                moves=self._loyalty_move_filter(company, date_to, date_from),
            )
        )
        return {user_id: float(amount) for user_id, amount in self.env.cr.fetchall()}
