# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Score figures read live instead of stored: the rank in the ranking table and the day counts.

A run writes a score only when its figures change. A stored rank would change for every customer
below one who moves up, and stored day counts for every customer every day: a nightly run would
rewrite every score. They are read from the stored revenue and invoice dates instead, and stay
sortable, searchable and (day counts) averaged in grouped lists and pivots.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .loyalty_search import check_number

# the ranking table: window revenue desc, lifetime revenue desc, partner id asc (loyalty_analytics.rank_customers)
RANK_ORDER = (("revenue_window", "DESC"), ("revenue_lifetime", "DESC"), ("partner_id", "ASC"))
DAY_COUNTS = {"recency_days": "last_invoice_date", "tenure_days": "first_invoice_date"}
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
MAX_RANK = 2**31 - 1
MAX_DAYS = 100_000  # about 270 years: any invoice date is within it, and so is the date it is compared with


# one model in several files of a few hundred lines each (fields and actions, live figures): not merged
class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"  # pylint: disable=consider-merging-classes-inherited

    is_ranked = fields.Boolean(
        string="Ranked",
        readonly=True,
        help="In the ranking table: an active customer (not taken as inactive for being at risk).",
    )
    rank = fields.Integer(
        compute="_compute_rank",
        search="_search_rank",
        aggregator=None,
        help="Position in the ranking table of active customers (1 = best): window revenue, then lifetime "
        "revenue, highest first.",
    )
    tenure_days = fields.Integer(
        string="Tenure (days)",
        compute="_compute_day_counts",
        search="_search_tenure_days",
        aggregator="avg",
        help="Days from the first invoice to today.",
    )
    recency_days = fields.Integer(
        string="Recency (days)",
        compute="_compute_day_counts",
        search="_search_recency_days",
        aggregator="avg",
        help="Days from the last invoice to today.",
    )

    def _loyalty_rank_sql(self, alias, reverse=False):
        terms = [
            SQL(
                "%s %s",
                SQL.identifier(alias, name),
                SQL({"ASC": "DESC", "DESC": "ASC"}[direction] if reverse else direction),
            )
            for name, direction in RANK_ORDER
        ]
        return SQL(", ").join(terms)

    def _loyalty_ranks(self, condition, company=None, revenue_from=None):
        """``{score id: rank}`` of the ranked scores whose rank meets ``condition`` (SQL on ``position``),
        by one window over each company's ranking table (``company``'s only, when given). Ids only: a
        search filters them with the user's record rules.

        :param revenue_from: the lowest window revenue of the scores wanted: the window then sorts only the
            head of the table (every customer ranked before them has at least that revenue), so the ranks
            of the first pages (Top, Big) cost little even with a million customers
        """
        self.flush_model(["company_id", "is_ranked", *(name for name, _direction in RANK_ORDER)])
        self.env.cr.execute(
            SQL(
                """SELECT id, position FROM (
                       SELECT id, row_number() OVER (PARTITION BY company_id ORDER BY %(order)s) AS position
                         FROM crm_loyalty_score score
                        WHERE score.is_ranked %(company)s %(head)s
                   ) ranked
                   WHERE %(condition)s""",
                order=self._loyalty_rank_sql("score"),
                company=SQL("AND score.company_id = %s", company) if company else SQL(),
                head=SQL("AND score.revenue_window >= %s", revenue_from) if revenue_from is not None else SQL(),
                condition=condition,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.depends("company_id", "is_ranked", "revenue_window", "revenue_lifetime")
    def _compute_rank(self):
        ranks = {}
        for company in self.company_id:
            scores = self.filtered(lambda s, company=company: s.company_id == company and s.is_ranked)
            if scores:
                lowest = min(scores.mapped("revenue_window"))
                ranks.update(self._loyalty_ranks(SQL("id = ANY(%s)", scores.ids), company.id, lowest))
        for score in self:
            score.rank = ranks.get(score.id, 0)

    def _search_rank(self, operator, value):
        value = check_number(self, "rank", operator, value, MAX_RANK)  # rank = False (0): not ranked
        ids = list(self._loyalty_ranks(SQL("position %s %s", SQL(operator), value)))
        # the rank of a customer out of the ranking table is 0 (shown empty): only rank = 0 (or != n) finds it,
        # not rank <= 10
        if (operator == "=" and value == 0) or (operator == "!=" and value != 0):
            return ["|", ("id", "in", ids), ("is_ranked", "=", False)]
        return [("id", "in", ids)]

    @api.depends("first_invoice_date", "last_invoice_date")
    @api.depends_context("tz")
    def _compute_day_counts(self):
        today = fields.Date.context_today(self)
        for score in self:
            for name, date_field in DAY_COUNTS.items():
                date = score[date_field]
                score[name] = max((today - date).days, 0) if date else 0

    def _loyalty_search_days(self, name, operator, value):
        """``days`` op value as a condition on the invoice date: days = today - date, so days > n is
        date < today - n. Never invoiced: 0 days."""
        value = check_number(self, name, operator, value, MAX_DAYS)
        date_field = DAY_COUNTS[name]
        domain = [(date_field, FLIPPED[operator], fields.Date.context_today(self) - timedelta(days=value))]
        if {"=": value == 0, "!=": value != 0, "<": value > 0, "<=": value >= 0, ">": value < 0, ">=": value <= 0}[
            operator
        ]:
            domain = ["|", (date_field, "=", False), *domain]
        return domain

    def _search_recency_days(self, operator, value):
        return self._loyalty_search_days("recency_days", operator, value)

    def _search_tenure_days(self, operator, value):
        return self._loyalty_search_days("tenure_days", operator, value)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # the day counts in grouped lists and pivots (average) and as a sort key; a date in the future
        # counts 0, as in the compute
        if fname in DAY_COUNTS:
            date = super()._field_to_sql(alias, DAY_COUNTS[fname], query, flush)
            return SQL("COALESCE(GREATEST(%s - %s, 0), 0)", fields.Date.context_today(self), date)
        return super()._field_to_sql(alias, fname, query, flush)

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if field_name == "rank":
            # ranked first, in the ranking table's order (the unranked score of an inactive customer has
            # rank 0, shown empty)
            reverse = direction.code == "DESC"
            return SQL(
                "COALESCE(%s, FALSE) %s, %s",
                self._field_to_sql(alias, "is_ranked", query),
                SQL("ASC" if reverse else "DESC"),
                self._loyalty_rank_sql(alias, reverse),
            )
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)
