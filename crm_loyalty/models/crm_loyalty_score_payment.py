# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Credit and payment risk of the scored customers (README, *Payment risk (credit analysis)*), from how their posted
invoices were paid: the partial reconciliations of the invoices' receivable lines."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

PAYMENT_GRADES = [
    ("a", "A (pays on time)"),
    ("b", "B (pays a little late)"),
    ("c", "C (pays late)"),
    ("d", "D (high risk)"),
]


class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"  # pylint: disable=consider-merging-classes-inherited

    payment_invoice_count = fields.Integer(
        string="Invoices Due (payment window)",
        readonly=True,
        help="Installments of the customer's posted invoices falling due in the ranking window up to the "
        "computation date, net of credit notes; the payment figures are measured on them.",
    )
    payment_days_late = fields.Float(
        string="Average Days Late",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Per invoice (per installment when it has several), the days between its due date and the payments "
        "that settled it (weighted by the amount "
        "each paid, 0 for a payment on or before the due date; what is still open counts until the computation "
        "date), averaged over the invoices due in the window. Credit notes reduce what is owed; they are not "
        "payments.",
    )
    payment_late_share = fields.Float(
        string="Paid Late (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Share of the invoices due in the window paid after their due date, or still unpaid after it.",
    )
    payment_max_days_late = fields.Integer(
        string="Longest Delay (days)",
        readonly=True,
        aggregator="max",
        help="Longest delay of a payment (or of what is still open) after the due date, in the window.",
    )
    payment_overdue_amount = fields.Monetary(
        string="Overdue at Computation",
        readonly=True,
        help="What the customer still owed on invoices past their due date on the computation date "
        "(company currency, any invoice date).",
    )
    payment_oldest_due_date = fields.Date(
        string="Oldest Overdue Due Date",
        readonly=True,
        help="Due date of the oldest invoice still overdue on the computation date.",
    )
    payment_grade = fields.Selection(
        PAYMENT_GRADES,
        string="Payment Risk",
        readonly=True,
        index="btree_not_null",
        help="From the payment delay: the larger of the average days late and the days the oldest overdue "
        "invoice has been overdue. A up to the company's B threshold, then B, C and D from their thresholds "
        "(Settings > Customer Pyramid > Payment risk). Empty for a customer with no invoice due in the window "
        "and nothing overdue.",
    )

    @api.model
    def _loyalty_after_write_back(self, company, run, reference_date):
        res = super()._loyalty_after_write_back(company, run, reference_date)
        self._loyalty_update_payment_risk(company, reference_date, since=run._loyalty_since())
        return res

    @api.model
    def _loyalty_finish_settings(self, company):
        settings = super()._loyalty_finish_settings(company)
        settings["payment"] = [
            company.loyalty_ranking_months,
            company.currency_id.id,
            company.currency_id.rounding,
            company.currency_id.decimal_places,
            company.loyalty_payment_b_days,
            company.loyalty_payment_c_days,
            company.loyalty_payment_d_days,
        ]
        return settings

    @api.model
    def _loyalty_changed_queries(self, company, since, reference_date):
        """The partners of ``company`` whose payment figures may differ from those stored as of
        ``since.reference_date``: an invoice or credit note (its payments and reconciliations write it) or a
        reconciliation written since the watermark; and when the date moved, an
        installment falling due on the way or leaving the window, a payment or an invoice dated in between, or
        something overdue (its delay grows)."""
        months = company.loyalty_ranking_months
        params = {
            "company": company.id,
            "since": since.watermark,
            "ref0": since.reference_date,
            "ref": reference_date,
            "start0": since.reference_date - relativedelta(months=months),
            "start": reference_date - relativedelta(months=months),
        }
        moved = reference_date > since.reference_date
        queries = super()._loyalty_changed_queries(company, since, reference_date)
        queries += [
            SQL(
                """SELECT move.commercial_partner_id FROM account_move move
                    WHERE move.company_id = %(company)s AND move.move_type IN ('out_invoice', 'out_refund')
                      AND (move.write_date >= %(since)s OR move.create_date >= %(since)s)""",
                **params,
            ),
            SQL(
                """SELECT move.commercial_partner_id FROM account_partial_reconcile partial
                     JOIN account_move_line line ON line.id = partial.debit_move_id
                     JOIN account_move move ON move.id = line.move_id
                    WHERE partial.company_id = %(company)s AND move.move_type = 'out_invoice'
                      AND (partial.create_date >= %(since)s OR partial.write_date >= %(since)s
                           OR (partial.max_date > %(ref0)s AND partial.max_date <= %(ref)s))""",
                **params,
            ),
        ]
        if moved:
            queries += [
                SQL(
                    """SELECT move.commercial_partner_id FROM account_move_line line
                         JOIN account_move move ON move.id = line.move_id
                        WHERE line.company_id = %(company)s AND line.display_type = 'payment_term'
                          AND move.move_type = 'out_invoice'
                          AND (line.date_maturity BETWEEN %(ref0)s AND %(ref)s
                               OR (line.date_maturity > %(start0)s AND line.date_maturity <= %(start)s))""",
                    **params,
                ),
                SQL(
                    """SELECT move.commercial_partner_id FROM account_move move
                        WHERE move.company_id = %(company)s AND move.move_type = 'out_invoice'
                          AND move.invoice_date > %(ref0)s AND move.invoice_date <= %(ref)s""",
                    **params,
                ),
                SQL(
                    """SELECT score.partner_id FROM crm_loyalty_score score
                        WHERE score.company_id = %(company)s AND score.payment_oldest_due_date IS NOT NULL""",
                    **params,
                ),
            ]
        return queries

    @api.model
    def _loyalty_payment_risk_query(self, company, reference_date, partners=None):
        """Per commercial partner of ``company`` (of those the SQL ``partners`` selects, when given): the
        payment figures as of ``reference_date``, in one statement over the receivable lines of its posted
        invoices and their partial reconciliations (amounts in company currency). A reconciliation counts on
        the date of its later line (``max_date``): one dated after the computation date had not happened
        yet."""
        rounding = company.currency_id.rounding / 2
        return SQL(
            """
            WITH lines AS (
                -- each receivable line (installment) of a posted invoice due by the computation date, with
                -- what credit notes took off it and what payments paid, and how late
                SELECT move.commercial_partner_id AS partner_id, line.date_maturity AS due_date,
                       line.date_maturity > %(window_start)s AS in_window,
                       line.balance - COALESCE(SUM(partial.amount) FILTER (WHERE other.move_type = 'out_refund'), 0)
                           AS owed,
                       COALESCE(SUM(partial.amount) FILTER (WHERE other.move_type <> 'out_refund'), 0) AS paid,
                       COALESCE(SUM(partial.amount * GREATEST(partial.max_date - line.date_maturity, 0))
                                    FILTER (WHERE other.move_type <> 'out_refund'), 0) AS paid_days,
                       MAX(partial.max_date - line.date_maturity) FILTER (WHERE other.move_type <> 'out_refund')
                           AS paid_delay
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
             LEFT JOIN account_partial_reconcile partial
                    ON partial.debit_move_id = line.id AND partial.max_date <= %(ref)s
             LEFT JOIN account_move_line other_line ON other_line.id = partial.credit_move_id
             LEFT JOIN account_move other ON other.id = other_line.move_id
                 WHERE move.company_id = %(company)s
                   AND move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.invoice_date <= %(ref)s
                   AND line.display_type = 'payment_term'
                   AND line.balance > 0
                   AND line.date_maturity <= %(ref)s
                   AND %(partners)s
              GROUP BY line.id, move.commercial_partner_id
            ),
            measured AS (
                SELECT partner_id, due_date, in_window, open,
                       -- what is still open is late until the computation date
                       (paid_days + CASE WHEN open > %(rounding)s THEN open * (%(ref)s - due_date) ELSE 0 END)
                           / owed AS days_late,
                       GREATEST(COALESCE(paid_delay, 0),
                                CASE WHEN open > %(rounding)s THEN %(ref)s - due_date ELSE 0 END) AS delay
                  FROM (SELECT lines.*, GREATEST(owed - paid, 0) AS open FROM lines) lines
                 WHERE owed > %(rounding)s
            )
            SELECT partner_id,
                   COUNT(*) FILTER (WHERE in_window) AS invoices,
                   AVG(days_late) FILTER (WHERE in_window) AS days_late,
                   100.0 * COUNT(*) FILTER (WHERE in_window AND delay > 0)
                       / NULLIF(COUNT(*) FILTER (WHERE in_window), 0) AS late_share,
                   MAX(delay) FILTER (WHERE in_window) AS max_delay,
                   SUM(open) FILTER (WHERE due_date < %(ref)s AND open > %(rounding)s) AS overdue,
                   MIN(due_date) FILTER (WHERE due_date < %(ref)s AND open > %(rounding)s) AS oldest_due
              FROM measured
          GROUP BY partner_id
            """,
            company=company.id,
            ref=reference_date,
            window_start=reference_date - relativedelta(months=company.loyalty_ranking_months),
            rounding=rounding,
            # through the contacts (the moves' partner is indexed, their commercial partner is not)
            partners=SQL(
                """move.commercial_partner_id IN (%(partners)s)
                   AND move.partner_id IN (SELECT contact.id FROM res_partner contact
                                            WHERE contact.commercial_partner_id IN (%(partners)s))""",
                partners=partners,
            )
            if partners
            else SQL("TRUE"),
        )

    @api.model
    def _loyalty_update_payment_risk(self, company, reference_date, since=None):
        """Write the payment figures and grade of the scores of ``company`` in one statement (only the scores
        whose figures change): of every score, or, with ``since`` (:class:`Since`), of the customers whose
        inputs changed since (:meth:`_loyalty_changed_partners`).

        :returns: the number of scores written"""
        for model, names in (
            ("account.move", ["company_id", "move_type", "state", "invoice_date", "commercial_partner_id"]),
            ("account.move.line", ["move_id", "display_type", "balance", "date_maturity"]),
            ("account.partial.reconcile", ["debit_move_id", "credit_move_id", "amount", "max_date"]),
        ):
            self.env[model].flush_model(names)
        self.flush_model()
        partners = None
        if since:
            partners, _count = self._loyalty_changed_partners(company, since, reference_date)
        self.env.cr.execute(
            SQL(
                """
                WITH risk AS (%(query)s),
                figures AS (
                    SELECT base.id,
                           COALESCE(risk.invoices, 0) AS invoices,
                           COALESCE(ROUND(risk.days_late::numeric, 1), 0) AS days_late,
                           COALESCE(ROUND(risk.late_share::numeric, 1), 0) AS late_share,
                           COALESCE(risk.max_delay, 0) AS max_delay,
                           COALESCE(ROUND(risk.overdue::numeric, %(digits)s), 0) AS overdue,
                           risk.oldest_due,
                           GREATEST(COALESCE(risk.days_late, 0), COALESCE(%(ref)s - risk.oldest_due, 0)) AS delay,
                           COALESCE(risk.invoices, 0) > 0 OR risk.oldest_due IS NOT NULL AS graded
                      FROM crm_loyalty_score base
                 LEFT JOIN risk ON risk.partner_id = base.partner_id
                     WHERE base.company_id = %(company)s AND %(changed)s
                ),
                graded AS (
                    SELECT id, invoices, days_late, late_share, max_delay, overdue, oldest_due,
                           CASE WHEN NOT graded THEN NULL
                                WHEN delay >= %(d_days)s THEN 'd'
                                WHEN delay >= %(c_days)s THEN 'c'
                                WHEN delay >= %(b_days)s THEN 'b'
                                ELSE 'a' END AS grade
                      FROM figures
                )
                UPDATE crm_loyalty_score score
                   SET payment_invoice_count = graded.invoices,
                       payment_days_late = graded.days_late,
                       payment_late_share = graded.late_share,
                       payment_max_days_late = graded.max_delay,
                       payment_overdue_amount = graded.overdue,
                       payment_oldest_due_date = graded.oldest_due,
                       payment_grade = graded.grade
                  FROM graded
                 WHERE graded.id = score.id
                   -- write only what changed
                   AND (score.payment_invoice_count, score.payment_days_late, score.payment_late_share,
                        score.payment_max_days_late, score.payment_overdue_amount, score.payment_oldest_due_date,
                        score.payment_grade)
                       IS DISTINCT FROM
                       (graded.invoices, graded.days_late::float8, graded.late_share::float8, graded.max_delay,
                        graded.overdue, graded.oldest_due, graded.grade::varchar)
                """,
                query=self._loyalty_payment_risk_query(company, reference_date, partners),
                changed=SQL("base.partner_id IN (%s)", partners) if partners else SQL("TRUE"),
                digits=company.currency_id.decimal_places,
                ref=reference_date,
                company=company.id,
                b_days=company.loyalty_payment_b_days,
                c_days=company.loyalty_payment_c_days,
                d_days=company.loyalty_payment_d_days,
            )
        )
        written = self.env.cr.rowcount
        self.invalidate_model(
            [
                "payment_invoice_count",
                "payment_days_late",
                "payment_late_share",
                "payment_max_days_late",
                "payment_overdue_amount",
                "payment_oldest_due_date",
                "payment_grade",
            ]
        )
        return written
