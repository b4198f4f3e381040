# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The sums of every posted customer invoice and credit note, kept up to date between runs."""

from odoo import api, fields, models
from odoo.tools import SQL

BUILD_MOVES = 1_000_000  # invoice ids read per read-only transaction when a company's sums are first built


class CrmLoyaltyMove(models.Model):
    """One row per posted customer invoice or credit note: what the pyramid needs of its product lines
    (the sums of :meth:`crm.loyalty.invoice._loyalty_day_query`, per invoice). A run brings the rows up to
    date with the invoices changed since the previous run (:meth:`_loyalty_sync`) instead of scanning
    every invoice line again, then reads the sums per customer and day from here.

    An invoice is read again when it was written since (its ``write_date``: posting, reset to draft,
    cancellation, payment), when its customer or date changed, when it was deleted, and when the cost
    of one of its products changed (:class:`CrmLoyaltyMoveCost`). Rebuilding the history starts from
    the invoices again.
    """

    _name = "crm.loyalty.move"
    _description = "Customer Loyalty: sums of a posted customer invoice"
    _log_access = False
    # company_id is a plain integer (no foreign key): ir.rule words the refusal (see ir_rule.py)
    _loyalty_integer_company = True

    # plain integers, no foreign keys: the rows are rebuilt from the invoices, and a first build at a
    # million customers inserts millions of rows
    move_id = fields.Integer(string="Invoice", required=True, readonly=True)
    company_id = fields.Integer(string="Company", required=True, readonly=True, index=True)
    partner_id = fields.Integer(string="Customer", required=True, readonly=True)
    day = fields.Date(required=True, readonly=True)
    refund = fields.Boolean(string="Credit Note", readonly=True)
    move_write_date = fields.Datetime(readonly=True, help="Last update of the invoice when it was read.")
    line_count = fields.Integer(readonly=True, help="Product lines.")
    # numeric columns: the sums of the invoice lines without rounding
    amount = fields.Float(digits=0, readonly=True, help="Net revenue (credit notes negative).")
    cost = fields.Float(digits=0, readonly=True)
    discount_weighted = fields.Float(digits=0, readonly=True)
    discount_base = fields.Float(digits=0, readonly=True)

    _sql_constraints = [("move_unique", "UNIQUE(move_id)", "An invoice has one row of sums.")]

    COLUMNS = (
        "move_id",
        "company_id",
        "partner_id",
        "day",
        "refund",
        "move_write_date",
        "line_count",
        "amount",
        "cost",
        "discount_weighted",
        "discount_base",
    )

    # ------------------------------------------------------------------
    # Queries
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_qualifies(self, company):
        """The invoices whose sums are kept: posted customer invoices and credit notes of ``company``."""
        return SQL(
            "%s AND move.invoice_date IS NOT NULL", self.env["crm.loyalty.invoice"]._loyalty_posted_moves(company)
        )

    @api.model
    def _loyalty_sums_query(self, company, moves):
        """The row of every qualifying invoice matching the condition ``moves`` (on ``move``), in the
        order of :attr:`COLUMNS`."""
        invoices = self.env["crm.loyalty.invoice"]
        return SQL(
            """
            SELECT move.id, move.company_id, move.commercial_partner_id, move.invoice_date,
                   move.move_type = 'out_refund', move.write_date,
                   COUNT(line.id),
                   %(sums)s
              FROM account_move move
         LEFT JOIN account_move_line line
                ON line.move_id = move.id AND line.display_type = 'product' AND line.account_id IS NOT NULL
                   %(joins)s
             WHERE %(qualifies)s AND %(moves)s
          GROUP BY move.id
            """,
            sums=invoices._loyalty_line_sums(company),
            joins=invoices._loyalty_cost_joins(),
            qualifies=self._loyalty_qualifies(company),
            moves=moves,
        )

    @api.model
    def _loyalty_rows_query(self, company, date_to):
        """The rows of ``company`` up to ``date_to``, with the columns of the sums per customer and day
        (``invoices`` and ``refunds`` 1 or 0): nearly every customer has one invoice a day, so that adding
        up the few repeated days afterwards costs less than a GROUP BY of every row."""
        return SQL(
            """
            SELECT partner_id, day, amount, cost, discount_weighted, discount_base, line_count AS lines,
                   (NOT refund)::int AS invoices, refund::int AS refunds
              FROM crm_loyalty_move
             WHERE company_id = %s AND day <= %s
            """,
            company.id,
            date_to,
        )

    # ------------------------------------------------------------------
    # Keeping the sums up to date
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_has_sums(self, company):
        self.env.cr.execute(SQL("SELECT 1 FROM crm_loyalty_move WHERE company_id = %s LIMIT 1", company.id))
        return bool(self.env.cr.rowcount)

    @api.model
    def _loyalty_read_range(self, reader_env, company, first_id, last_id, handle):
        """Write into the binary file ``handle`` the rows of the invoices with ids from ``first_id`` to
        ``last_id``, read with ``reader_env`` (a read-only transaction, on the replica when there is one);
        :meth:`_loyalty_insert_read` inserts them. For a company without rows yet: :meth:`_loyalty_sync`
        afterwards catches up with what changed since the read."""
        query = self._loyalty_sums_query(company, SQL("move.id BETWEEN %s AND %s", first_id, last_id))
        reader_env.cr.copy_expert(reader_env.cr.mogrify(SQL("COPY (%s) TO STDOUT", query)).decode(), handle)

    @api.model
    def _loyalty_insert_read(self, handle):
        handle.seek(0)
        self.env.cr.copy_expert(
            self.env.cr.mogrify(
                SQL(
                    "COPY crm_loyalty_move (%s) FROM STDIN",
                    SQL(", ").join(SQL.identifier(name) for name in self.COLUMNS),
                )
            ).decode(),
            handle,
        )

    @api.model
    def _loyalty_build(self, company):
        """The rows of every invoice of ``company``, which has none yet, in this transaction: read into a
        temporary table first (``CREATE TABLE AS`` reads with parallel workers, ``INSERT ... SELECT`` with
        one process: 1.4 s + 1.2 s instead of 4.5 s for 334k invoices).

        :returns: the number of invoices read
        """
        cr = self.env.cr
        self.env["crm.loyalty.move.cost"]._loyalty_remember(company)
        cr.execute("DROP TABLE IF EXISTS crm_loyalty_move_new")
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE crm_loyalty_move_new ON COMMIT DROP AS %s",
                self._loyalty_sums_query(company, SQL("TRUE")),
            )
        )
        columns = SQL(", ").join(SQL.identifier(name) for name in self.COLUMNS)
        cr.execute(SQL("INSERT INTO crm_loyalty_move (%s) SELECT * FROM crm_loyalty_move_new", columns))
        read = cr.rowcount
        cr.execute("DROP TABLE crm_loyalty_move_new")
        cr.execute("ANALYZE crm_loyalty_move")
        return read

    @api.model
    def _loyalty_sync(self, company):
        """Bring the rows of ``company`` up to date with its invoices, in this transaction: rows of
        invoices deleted, no longer posted or changed since they were read go, the invoices posted or
        changed since, and those with a product whose cost changed, are read again. The caller holds the
        company's run lock (one writer per company).

        :returns: the number of invoices read
        """
        cr = self.env.cr
        self.env["crm.loyalty.invoice"]._loyalty_flush()
        self.env.flush_all()
        costs = self.env["crm.loyalty.move.cost"]
        if not self._loyalty_has_sums(company):
            return self._loyalty_build(company)
        cr.execute("CREATE TEMPORARY TABLE IF NOT EXISTS crm_loyalty_move_todo (move_id integer) ON COMMIT DROP")
        cr.execute("TRUNCATE crm_loyalty_move_todo")
        cr.execute(costs._loyalty_changed_products(company))
        changed = [product_id for (product_id,) in cr.fetchall()]
        by_cost = SQL(
            """UNION
               -- a product's cost changed
               SELECT DISTINCT line.move_id
                 FROM account_move_line line
                 JOIN crm_loyalty_move kept ON kept.move_id = line.move_id AND kept.company_id = %s
                WHERE line.product_id = ANY(%s)""",
            company.id,
            changed,
        )
        cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_move_todo (move_id)
                -- posted since, gone since (deleted, reset, cancelled) or changed since: one full join
                SELECT COALESCE(kept.move_id, move.id)
                  FROM (SELECT move_id, move_write_date, partner_id, day
                          FROM crm_loyalty_move WHERE company_id = %(company)s) kept
             FULL JOIN (SELECT move.id, move.write_date, move.commercial_partner_id, move.invoice_date
                          FROM account_move move WHERE %(qualifies)s) move
                    ON move.id = kept.move_id
                 WHERE move.id IS NULL OR kept.move_id IS NULL
                       OR move.write_date IS DISTINCT FROM kept.move_write_date
                       OR move.commercial_partner_id != kept.partner_id
                       OR move.invoice_date != kept.day
                %(by_cost)s
                """,
                qualifies=self._loyalty_qualifies(company),
                company=company.id,
                by_cost=by_cost if changed else SQL(),
            )
        )
        todo = cr.rowcount
        if todo:
            cr.execute("ANALYZE crm_loyalty_move_todo")
            cr.execute("DELETE FROM crm_loyalty_move WHERE move_id IN (SELECT move_id FROM crm_loyalty_move_todo)")
            cr.execute(
                SQL(
                    "INSERT INTO crm_loyalty_move (%s) %s",
                    SQL(", ").join(SQL.identifier(name) for name in self.COLUMNS),
                    self._loyalty_sums_query(company, SQL("move.id IN (SELECT move_id FROM crm_loyalty_move_todo)")),
                )
            )
        costs._loyalty_remember(company)
        if todo > 10_000:
            cr.execute("ANALYZE crm_loyalty_move")
        return todo

    @api.model
    def _loyalty_clear(self, company):
        """Forget the rows of ``company``: the next run reads every invoice again."""
        self.env.cr.execute(SQL("DELETE FROM crm_loyalty_move WHERE company_id = %s", company.id))
        self.env["crm.loyalty.move.cost"]._loyalty_clear(company)
