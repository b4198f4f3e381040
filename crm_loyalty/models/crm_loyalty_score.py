# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import io
import logging
import time
from collections import defaultdict
from datetime import timedelta

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..loyalty_analytics import (
    LEVEL_CODES,
    ClvFitError,
    PyramidConfigError,
    assign_levels,
    at_risk,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    customer_metrics,
    discounted_clv,
    elastic_flags,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    historical_clv,
    margin_percent,
    observed_retention,
    profit_classes,
    rfm_from_transactions,
    value_phase,
)
from .loyalty_access import LOYALTY_MANAGER, LOYALTY_USER, check_group

_logger = logging.getLogger(__name__)

PROFIT_CLASSES = [
    ("key", "Key (profitable)"),
    ("general", "General (break-even)"),
    ("loss", "Loss-making"),
]

# Columns written by a recompute, in the order of the temporary table.
_TMP_COLUMNS = [
    ("partner_id", "integer"),
    ("computed_level_id", "integer"),
    ("is_active_customer", "boolean"),
    ("rank", "integer"),
    ("revenue_window", "numeric"),
    ("revenue_lifetime", "numeric"),
    ("cost_window", "numeric"),
    ("margin_window", "numeric"),
    ("margin_percent", "double precision"),
    ("profit_class", "varchar"),
    ("invoice_count", "integer"),
    ("first_invoice_date", "date"),
    ("last_invoice_date", "date"),
    ("tenure_days", "integer"),
    ("recency_days", "integer"),
    ("avg_invoice_value", "numeric"),
    ("clv", "numeric"),
    ("clv_method", "varchar"),
    ("probability_alive", "double precision"),
    ("expected_purchases", "double precision"),
    ("expected_spend", "numeric"),
    ("at_risk", "boolean"),
    ("value_phase", "varchar"),
    ("phase_trend", "double precision"),
    ("avg_discount", "double precision"),
    ("elastic_positive_clv", "boolean"),
    ("elastic_price_insensitive", "boolean"),
    ("is_key_account", "boolean"),
    ("change_reason", "varchar"),  # history reason when not the run's trigger
]
# temporary columns that are not score columns
_TMP_ONLY = {"partner_id", "change_reason"}

CLV_METHODS = [("bgnbd", "BG/NBD + Gamma-Gamma"), ("historical", "Historical")]
VALUE_PHASES = [("rising", "Rising"), ("peak", "Peak"), ("declining", "Declining")]


class CrmLoyaltyScore(models.Model):
    _name = "crm.loyalty.score"
    _description = "Customer Pyramid Score"
    _order = "company_id, level_sequence, rank, id"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Level",
        index=True,
        ondelete="restrict",
        readonly=True,
        check_company=True,
        help="Effective level: the manual override when there is one, else the computed level.",
    )
    level_code = fields.Selection(related="level_id.code", string="Level Code")
    level_sequence = fields.Integer(related="level_id.sequence", store=True)
    computed_level_id = fields.Many2one(
        "crm.loyalty.level", string="Computed Level", ondelete="restrict", readonly=True, check_company=True
    )
    override_level_id = fields.Many2one(
        "crm.loyalty.level", string="Override Level", ondelete="restrict", readonly=True, check_company=True
    )
    override_reason = fields.Text(readonly=True)
    override_user_id = fields.Many2one("res.users", string="Overridden By", readonly=True)
    override_date = fields.Datetime(string="Overridden On", readonly=True)
    is_active_customer = fields.Boolean(string="Active Customer", readonly=True)
    rank = fields.Integer(readonly=True, help="Position in the ranking table of active customers (1 = best).")
    revenue_window = fields.Monetary(string="Revenue (ranking window)", readonly=True)
    revenue_lifetime = fields.Monetary(string="Lifetime Revenue", readonly=True)
    cost_window = fields.Monetary(string="Cost (ranking window)", readonly=True)
    margin_window = fields.Monetary(string="Gross Margin (ranking window)", readonly=True)
    margin_percent = fields.Float(string="Margin (%)", digits=(16, 2), readonly=True, aggregator="avg")
    profit_class = fields.Selection(PROFIT_CLASSES, readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    first_invoice_date = fields.Date(readonly=True)
    last_invoice_date = fields.Date(readonly=True)
    tenure_days = fields.Integer(string="Tenure (days)", readonly=True, aggregator="avg")
    recency_days = fields.Integer(string="Recency (days)", readonly=True, aggregator="avg")
    avg_invoice_value = fields.Monetary(string="Average Invoice", readonly=True, aggregator="avg")
    clv = fields.Monetary(
        string="Lifetime Value",
        readonly=True,
        help="Discounted gross margin expected from the customer over the lifetime value horizon.",
    )
    clv_method = fields.Selection(CLV_METHODS, string="Lifetime Value Method", readonly=True)
    probability_alive = fields.Float(
        string="P(alive)",
        digits=(3, 2),
        readonly=True,
        aggregator="avg",
        help="Probability that the customer is still buying from us (BG/NBD model); empty when no model fits.",
    )
    expected_purchases = fields.Float(
        digits=(16, 2), readonly=True, help="Purchases (invoice days) expected over the lifetime value horizon."
    )
    expected_spend = fields.Monetary(string="Expected Spend per Purchase", readonly=True, aggregator="avg")
    at_risk = fields.Boolean(
        string="At Risk", readonly=True, help="Active customer whose P(alive) is under the company's threshold."
    )
    value_phase = fields.Selection(VALUE_PHASES, readonly=True)
    phase_trend = fields.Float(
        string="Revenue Trend (%/period)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Slope of the revenue over the last periods, as a percent of the average revenue per period.",
    )
    value_phase_strategy = fields.Char(compute="_compute_strategies", string="Phase Strategy")
    avg_discount = fields.Float(
        string="Average Discount (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Average discount on the customer's invoice lines in the ranking window, weighted by amount.",
    )
    elastic_positive_clv = fields.Boolean(string="Positive Lifetime Value", readonly=True)
    elastic_price_insensitive = fields.Boolean(string="Price-Insensitive", readonly=True)
    elastic_innovative = fields.Boolean(string="Innovative", readonly=True)
    elastic_innovative_user_id = fields.Many2one("res.users", string="Innovative Set By", readonly=True)
    elastic_innovative_date = fields.Datetime(string="Innovative Set On", readonly=True)
    elastic_influential = fields.Boolean(string="Market-Influential", readonly=True)
    elastic_influential_user_id = fields.Many2one("res.users", string="Influential Set By", readonly=True)
    elastic_influential_date = fields.Datetime(string="Influential Set On", readonly=True)
    is_elastic = fields.Boolean(
        string="Elastic",
        readonly=True,
        help="A customer with any elastic flag: positive lifetime value or price-insensitive (break-even "
        "customers), innovative or market-influential (set by hand).",
    )
    elastic_strategy = fields.Text(compute="_compute_strategies", string="Elastic Strategy")
    is_key_account = fields.Boolean(
        string="Key Account",
        readonly=True,
        help="Revenue in the ranking window at or above the company's key account volume.",
    )
    key_account_manager_id = fields.Many2one(
        "res.users",
        string="Key Account Manager",
        help="Owns the customer's data; defaults to the company's customer manager.",
    )
    open_quotation_count = fields.Integer(string="Open Quotations", compute="_compute_department_figures")
    open_quotation_amount = fields.Monetary(string="Open Quotations Amount", compute="_compute_department_figures")
    overdue_invoice_count = fields.Integer(string="Overdue Invoices", compute="_compute_department_figures")
    overdue_amount = fields.Monetary(string="Overdue Amount", compute="_compute_department_figures")
    oldest_overdue_date = fields.Date(string="Oldest Due Date", compute="_compute_department_figures")
    next_visit_date = fields.Date(string="Next Visit", compute="_compute_department_figures")
    run_id = fields.Many2one("crm.loyalty.run", string="Last Run", readonly=True, ondelete="set null")
    date_computed = fields.Datetime(string="Computed On", readonly=True)

    _sql_constraints = [
        ("partner_company_uniq", "unique(partner_id, company_id)", "A customer has one score per company."),
    ]

    @api.model
    def _loyalty_scores_by_partner(self, partners, companies, as_user=False):
        """Scores of the commercial partners of ``partners`` in ``companies``, by
        ``(commercial partner id, company id)``, in one search.

        :param as_user: look them up with the record rules of the environment's user (an empty
            result for a user without loyalty rights), even when called as superuser, e.g. through
            a related field; otherwise as superuser, for business rules (the level's pricelist on a
            quotation, a ticket's priority) that show no figure of the score to the user
        """
        if as_user:
            if not self.env.user.has_group(LOYALTY_USER):
                return {}
            scores_model = self.sudo(False)
        else:
            scores_model = self.sudo()
        scores = scores_model.search(
            [("partner_id", "in", partners.commercial_partner_id.ids), ("company_id", "in", companies.ids)]
        )
        return {(score.partner_id.id, score.company_id.id): score for score in scores}

    def _loyalty_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # One view of the customer: what each department holds
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_department_figures(self):
        """Open quotations (sales), overdue invoices (finance) and the next visit of the customer in
        the score's company."""
        # the user may read these scores (record rules: their customers): the sales orders, invoices
        # and visits of those customers are summed as superuser, only counts and amounts are shown
        self.check_access("read")
        quotations = defaultdict(lambda: [0, 0.0])
        overdue = {}
        today = fields.Date.context_today(self)
        for company in self.company_id:
            scores = self.filtered(lambda s, company=company: s.company_id == company)
            partners = scores.partner_id
            for order_partner, count, amount in (
                self.env["sale.order"]
                .sudo()
                ._read_group(
                    [
                        ("partner_id", "child_of", partners.ids),
                        ("company_id", "=", company.id),
                        ("state", "in", ("draft", "sent")),
                    ],
                    ["partner_id"],
                    ["__count", "amount_untaxed:sum"],
                )
            ):
                figures = quotations[(order_partner.commercial_partner_id.id, company.id)]
                figures[0] += count
                figures[1] += amount
            for partner, count, amount, oldest in (
                self.env["account.move"]
                .sudo()
                ._read_group(
                    [
                        ("commercial_partner_id", "in", partners.ids),
                        ("company_id", "=", company.id),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("payment_state", "in", ("not_paid", "partial")),
                        ("invoice_date_due", "<", today),
                    ],
                    ["commercial_partner_id"],
                    ["__count", "amount_residual_signed:sum", "invoice_date_due:min"],
                )
            ):
                overdue[(partner.id, company.id)] = (count, amount, oldest)
        next_visits = self.env["crm.loyalty.visit"].sudo()._loyalty_next_visits(self.partner_id, self.company_id)
        for score in self:
            key = (score.partner_id.id, score.company_id.id)
            score.next_visit_date = next_visits.get(key, False)
            score.open_quotation_count, score.open_quotation_amount = quotations.get(key, (0, 0.0))
            (
                score.overdue_invoice_count,
                score.overdue_amount,
                score.oldest_overdue_date,
            ) = overdue.get(key, (0, 0.0, False))

    # ------------------------------------------------------------------
    # Strategies (DOMAIN: value life cycle and elastic customers)
    # ------------------------------------------------------------------

    def _phase_strategies(self):
        return {
            "rising": self.env._("Help it grow: propose new services and raise our share of its spend."),
            "peak": self.env._("Keep it: best resources and one-to-one service to hold the relationship."),
            "declining": self.env._(
                "Analyse why its value falls; win it back if worth it, reduce effort and exposure when risk grows."
            ),
        }

    def _elastic_strategies(self):
        return {
            "elastic_positive_clv": self.env._(
                "Positive lifetime value: partner with it for the long term rather than for short-term profit."
            ),
            "elastic_price_insensitive": self.env._(
                "Price-insensitive: there is room for price; sell value, not discounts."
            ),
            "elastic_innovative": self.env._(
                "Innovative: keep it actively; it pulls our service forward. Embed our people in its projects."
            ),
            "elastic_influential": self.env._(
                "Market-influential: keep it actively for reputation and referrals; raise its switching cost."
            ),
        }

    @api.depends(
        "value_phase",
        "elastic_positive_clv",
        "elastic_price_insensitive",
        "elastic_innovative",
        "elastic_influential",
    )
    def _compute_strategies(self):
        phases = self._phase_strategies()
        elastic = self._elastic_strategies()
        for score in self:
            score.value_phase_strategy = phases.get(score.value_phase, False)
            score.elastic_strategy = "\n".join(text for flag, text in elastic.items() if score[flag]) or False

    def _loyalty_set_manual_flag(self, flag, value):
        """Set or clear the manual elastic flag ``flag`` (innovative / influential)."""
        if flag not in ("elastic_innovative", "elastic_influential"):
            raise UserError(self.env._("Only the innovative and market-influential flags are set by hand."))
        check_group(
            self.env,
            LOYALTY_USER,
            self.env._("Only Loyalty Users can flag innovative or market-influential customers."),
        )
        # scores are read-only for users: a user flags the customers they may read (record rules),
        # the flag and who set it are written as superuser
        self.check_access("read")
        for score in self.sudo():
            vals = {
                flag: value,
                f"{flag}_user_id": value and self.env.uid,
                f"{flag}_date": value and fields.Datetime.now(),
            }
            other = "elastic_influential" if flag == "elastic_innovative" else "elastic_innovative"
            vals["is_elastic"] = bool(
                value or score[other] or score.elastic_positive_clv or score.elastic_price_insensitive
            )
            score.write(vals)

    def action_toggle_innovative(self):
        for score in self:
            score._loyalty_set_manual_flag("elastic_innovative", not score.elastic_innovative)

    def action_toggle_influential(self):
        for score in self:
            score._loyalty_set_manual_flag("elastic_influential", not score.elastic_influential)

    # ------------------------------------------------------------------
    # Manual override
    # ------------------------------------------------------------------

    def _loyalty_log_changes(self, new_levels, reason, note=False, run=False):
        """Write one history row per score whose level changes to ``new_levels[score]``."""
        vals_list = [
            {
                "partner_id": score.partner_id.id,
                "company_id": score.company_id.id,
                "level_from_id": score.level_id.id,
                "level_to_id": level.id,
                "reason": reason,
                "note": note,
                "run_id": run and run.id,
            }
            for score, level in new_levels.items()
            if score.level_id != level
        ]
        # history is read-only for users: callers are the override (managers, checked) and the contact merge
        return self.env["crm.loyalty.history"].sudo().create(vals_list)

    def _loyalty_check_override_rights(self):
        check_group(
            self.env, LOYALTY_MANAGER, self.env._("Only Loyalty Managers can override or clear pyramid levels.")
        )
        self.check_access("read")

    def _loyalty_set_override(self, level, reason):
        self._loyalty_check_override_rights()
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Give a reason for overriding the level."))
        if len(level) != 1:
            raise UserError(self.env._("Choose the level the customer is moved to."))
        for score in self:
            if level.company_id != score.company_id:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s belongs to another company than the score of %(partner)s.",
                        level=level.display_name,
                        partner=score.partner_id.display_name,
                    )
                )
        self._loyalty_log_changes(dict.fromkeys(self, level), "manual", note=reason)
        # scores are written by the recompute only; the manager's override (checked above) as superuser
        self.sudo().write(
            {
                "override_level_id": level.id,
                "override_reason": reason,
                "override_user_id": self.env.uid,
                "override_date": fields.Datetime.now(),
                "level_id": level.id,
            }
        )

    def action_clear_override(self):
        self._loyalty_check_override_rights()
        scores = self.filtered("override_level_id")
        scores._loyalty_log_changes(
            {score: score.computed_level_id for score in scores}, "manual", note=self.env._("Override cleared")
        )
        for score in scores:
            score.sudo().write(
                {
                    "override_level_id": False,
                    "override_reason": False,
                    "override_user_id": False,
                    "override_date": False,
                    "level_id": score.computed_level_id.id,
                }
            )
        return True

    # ------------------------------------------------------------------
    # Contact merge
    # ------------------------------------------------------------------

    _MERGED_FIELDS = (
        ("override_level_id", ("override_reason", "override_user_id", "override_date")),
        ("elastic_innovative", ("elastic_innovative_user_id", "elastic_innovative_date")),
        ("elastic_influential", ("elastic_influential_user_id", "elastic_influential_date")),
        ("key_account_manager_id", ()),
    )

    @api.model
    def _loyalty_merge_partners(self, src_partners, dst_partner):
        """Prepare the scores for the contact merge wizard, which then moves every reference of
        ``src_partners`` to ``dst_partner`` (history rows, visits, ... follow as they are).

        One score per company is kept (the surviving partner's, else the best-ranked source's), and
        takes over what people set by hand on the others (override with its reason, innovative and
        influential flags, key account manager) where it has none; the others are deleted. Without
        this, the wizard's update collides on one score per partner and company, and it deletes
        every score of the sources, overrides included. The next recompute refreshes the figures.
        """
        # the wizard moves every reference of the merged partners as superuser (raw SQL) once the
        # user may merge them; scores follow their partner in the same way
        scores = self.sudo().search([("partner_id", "in", (src_partners | dst_partner).ids)])
        for company in scores.company_id:
            company_scores = scores.filtered(lambda s, company=company: s.company_id == company)
            keep = (
                company_scores.filtered(lambda s: s.partner_id == dst_partner)
                or company_scores.sorted(lambda s: (s.level_sequence or 0, s.rank or float("inf"), s.id))[:1]
            )
            others = company_scores - keep
            vals = {}
            for field_name, companions in self._MERGED_FIELDS:
                donor = others.filtered(field_name)[:1]
                if donor and not keep[field_name]:
                    for name in (field_name, *companions):
                        vals[name] = donor[name].id if isinstance(donor[name], models.BaseModel) else donor[name]
            if vals.get("override_level_id") and vals["override_level_id"] != keep.level_id.id:
                level = self.env["crm.loyalty.level"].browse(vals["override_level_id"])
                keep._loyalty_log_changes(
                    {keep: level},
                    "manual",
                    note=self.env._(
                        "Override kept from the merged contact: %(reason)s", reason=vals["override_reason"]
                    ),
                )
                vals.update(level_id=level.id)
            if vals:
                manual = any(vals.get(flag) or keep[flag] for flag in ("elastic_innovative", "elastic_influential"))
                vals["is_elastic"] = bool(manual or keep.elastic_positive_clv or keep.elastic_price_insensitive)
                keep.write(vals)
            others.unlink()

    def action_override(self):
        self.ensure_one()
        return self.partner_id.action_loyalty_override()

    def action_open_history(self):
        self.ensure_one()
        return self.partner_id.with_company(self.company_id).action_loyalty_open_history()

    # ------------------------------------------------------------------
    # Recompute
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_recompute(self, company, trigger, date=None):
        """Recompute the pyramid of ``company`` atomically and log the run.

        Works as superuser: callers are :meth:`res.partner.loyalty_recompute`, which checks the
        group and the company, and the nightly cron.

        :returns: the ``crm.loyalty.run`` record (state ``done`` or ``failed``)
        """
        reference_date = fields.Date.to_date(date) or fields.Date.context_today(self)
        Run = self.env["crm.loyalty.run"].sudo()
        run = Run.create(
            {
                "trigger": trigger,
                "company_id": company.id,
                "user_id": self.env.uid,
                "reference_date": reference_date,
                "date_start": fields.Datetime.now(),
                "state": "done",
            }
        )
        started = time.perf_counter()
        try:
            with self.env.cr.savepoint():
                stats = self.sudo()._loyalty_compute_company(company, run, trigger, reference_date)
        except Exception as error:
            self.env.invalidate_all()
            _logger.exception("Customer pyramid recompute failed for company %s", company.id)
            message = error.args[0] if isinstance(error, UserError | ValidationError) else repr(error)
            run.write({"state": "failed", "error": message, "duration": time.perf_counter() - started})
            return run
        self.env.invalidate_all()
        stats["duration"] = time.perf_counter() - started
        run.write(stats)
        _logger.info(
            "Customer pyramid of company %s recomputed in %.2fs: %s customers, %s changes",
            company.id,
            stats["duration"],
            stats["partner_count"],
            stats["change_count"],
        )
        return run

    def _loyalty_windows(self, company, reference_date):
        return {
            "ref": reference_date,
            "rank_from": reference_date - relativedelta(months=company.loyalty_ranking_months) + timedelta(days=1),
            "act_from": reference_date - relativedelta(months=company.loyalty_activity_months) + timedelta(days=1),
            "prev_act_from": reference_date
            - relativedelta(months=2 * company.loyalty_activity_months)
            + timedelta(days=1),
        }

    def _loyalty_invoice_filter(self, company, reference_date):
        return SQL(
            """move.company_id = %(company)s
               AND move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
               AND move.invoice_date <= %(ref)s""",
            company=company.id,
            ref=reference_date,
        )

    @api.model
    def _loyalty_cost_sql(self, company):
        """Cost of an invoice line (needs the joins of :meth:`_loyalty_cost_joins`):
        quantity in the product's unit x current cost, returned by credit notes."""
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
    def _loyalty_period_figures(self, company, date_from, date_to):
        """Revenue and cost per commercial partner of the posted customer
        invoices and credit notes dated in [date_from, date_to], as in
        :meth:`_loyalty_fetch_revenue` (company currency, untaxed, signed).

        :returns: DataFrame ``partner_id``, ``revenue``, ``cost``
        """
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT move.commercial_partner_id, SUM(-line.balance), COALESCE(SUM(%(cost)s), 0)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                       %(joins)s
                 WHERE move.company_id = %(company)s
                   AND move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND move.invoice_date BETWEEN %(date_from)s AND %(date_to)s
                   AND line.display_type = 'product'
                   AND line.account_id IS NOT NULL
              GROUP BY move.commercial_partner_id
                """,
                cost=self._loyalty_cost_sql(company),
                joins=self._loyalty_cost_joins(),
                company=company.id,
                date_from=date_from,
                date_to=date_to,
            )
        )
        frame = pd.DataFrame(self.env.cr.fetchall(), columns=["partner_id", "revenue", "cost"])
        return frame.astype({"partner_id": int, "revenue": float, "cost": float})

    def _loyalty_fetch_revenue(self, company, windows):
        """Revenue, lifetime revenue and cost per commercial partner (one aggregate).

        Amounts are the untaxed product lines in company currency, signed
        (credit notes subtract): the ``price_subtotal`` of Odoo's invoice
        analysis. Cost is the quantity in the product's unit times the
        product's current cost (``standard_price``), as that report's margin.
        The average discount weights each invoice line's discount by its gross
        amount (unit price x quantity, in the invoice's currency).
        """
        cost = self._loyalty_cost_sql(company)
        query = SQL(
            """
            SELECT move.commercial_partner_id,
                   COALESCE(SUM(-line.balance) FILTER (WHERE move.invoice_date >= %(rank_from)s), 0),
                   SUM(-line.balance),
                   COALESCE(SUM(%(cost)s) FILTER (WHERE move.invoice_date >= %(rank_from)s), 0),
                   COALESCE(SUM(%(cost)s), 0),
                   SUM(ABS(line.price_unit * line.quantity) * COALESCE(line.discount, 0))
                       FILTER (WHERE move.invoice_date >= %(rank_from)s AND move.move_type = 'out_invoice'),
                   SUM(ABS(line.price_unit * line.quantity))
                       FILTER (WHERE move.invoice_date >= %(rank_from)s AND move.move_type = 'out_invoice')
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
         LEFT JOIN product_product product ON product.id = line.product_id
         LEFT JOIN product_template template ON template.id = product.product_tmpl_id
         LEFT JOIN uom_uom uom_line ON uom_line.id = line.product_uom_id
         LEFT JOIN uom_uom uom_template ON uom_template.id = template.uom_id
             WHERE %(where)s
               AND line.display_type = 'product'
               AND line.account_id IS NOT NULL
          GROUP BY move.commercial_partner_id
            """,
            rank_from=windows["rank_from"],
            cost=cost,
            where=self._loyalty_invoice_filter(company, windows["ref"]),
        )
        self.env.cr.execute(query)
        frame = pd.DataFrame(
            self.env.cr.fetchall(),
            columns=[
                "partner_id",
                "revenue_window",
                "revenue_lifetime",
                "cost_window",
                "cost_lifetime",
                "discount_weighted",
                "discount_base",
            ],
        )
        for column in frame.columns[1:]:
            frame[column] = frame[column].astype(float)
        return frame

    def _loyalty_fetch_moves(self, company, windows):
        """Invoice counts and dates per commercial partner (one aggregate)."""
        query = SQL(
            """
            SELECT move.commercial_partner_id,
                   COUNT(*),
                   COUNT(*) FILTER (WHERE move.move_type = 'out_invoice'),
                   COUNT(*) FILTER (WHERE move.move_type = 'out_invoice'
                                      AND move.invoice_date >= %(act_from)s),
                   COUNT(*) FILTER (WHERE move.move_type = 'out_invoice'
                                      AND move.invoice_date >= %(prev_act_from)s
                                      AND move.invoice_date < %(act_from)s),
                   MIN(move.invoice_date) FILTER (WHERE move.move_type = 'out_invoice'),
                   MAX(move.invoice_date) FILTER (WHERE move.move_type = 'out_invoice')
              FROM account_move move
             WHERE %(where)s
          GROUP BY move.commercial_partner_id
            """,
            act_from=windows["act_from"],
            prev_act_from=windows["prev_act_from"],
            where=self._loyalty_invoice_filter(company, windows["ref"]),
        )
        self.env.cr.execute(query)
        return pd.DataFrame(
            self.env.cr.fetchall(),
            columns=[
                "partner_id",
                "move_count",
                "invoice_count",
                "active_invoice_count",
                "previous_invoice_count",
                "first_invoice_date",
                "last_invoice_date",
            ],
        )

    def _loyalty_fetch_days(self, company, windows):
        """Net revenue per commercial partner and invoice date (one aggregate)."""
        query = SQL(
            """
            SELECT move.commercial_partner_id, move.invoice_date, SUM(-line.balance)
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
             WHERE %(where)s
               AND line.display_type = 'product'
               AND line.account_id IS NOT NULL
          GROUP BY move.commercial_partner_id, move.invoice_date
            """,
            where=self._loyalty_invoice_filter(company, windows["ref"]),
        )
        self.env.cr.execute(query)
        days = pd.DataFrame(self.env.cr.fetchall(), columns=["partner_id", "date", "amount"])
        days["date"] = pd.to_datetime(days["date"])
        days["amount"] = days["amount"].astype(float)
        return days

    def _loyalty_fetch_pipeline(self, company):
        """Commercial partners with an open opportunity or a quotation / sale order."""
        query = SQL(
            """
            SELECT partner.commercial_partner_id
              FROM crm_lead lead
              JOIN res_partner partner ON partner.id = lead.partner_id
             WHERE lead.type = 'opportunity'
               AND lead.active
               AND COALESCE(lead.probability, 0) < 100
               AND (lead.company_id IS NULL OR lead.company_id = %(company)s)
             UNION
            SELECT partner.commercial_partner_id
              FROM sale_order so
              JOIN res_partner partner ON partner.id = so.partner_id
             WHERE so.state IN ('draft', 'sent', 'sale')
               AND so.company_id = %(company)s
            """,
            company=company.id,
        )
        self.env.cr.execute(query)
        return {row[0] for row in self.env.cr.fetchall()}

    def _loyalty_fetch_contacts(self, company):
        """Customer contacts of ``company``: active commercial partners that are
        not a company, not an internal (or archived) user, and not vendors only."""
        query = SQL(
            """
            SELECT partner.id
              FROM res_partner partner
             WHERE partner.active
               AND partner.id = partner.commercial_partner_id
               AND (partner.company_id IS NULL OR partner.company_id = %(company)s)
               AND NOT (COALESCE(partner.supplier_rank, 0) > 0 AND COALESCE(partner.customer_rank, 0) = 0)
               AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = partner.id)
               AND NOT EXISTS (SELECT 1 FROM res_users u
                                WHERE u.partner_id = partner.id AND (NOT u.share OR NOT u.active))
            """,
            company=company.id,
        )
        self.env.cr.execute(query)
        return [row[0] for row in self.env.cr.fetchall()]

    def _loyalty_build_frame(self, company, windows):
        """One row per customer of ``company`` with everything the analytics need."""
        revenue = self._loyalty_fetch_revenue(company, windows)
        moves = self._loyalty_fetch_moves(company, windows)
        pipeline = self._loyalty_fetch_pipeline(company)
        contacts = self._loyalty_fetch_contacts(company)
        partner_ids = set(contacts) | pipeline | set(moves["partner_id"].tolist()) | set(revenue["partner_id"].tolist())
        partner_ids.discard(None)
        frame = pd.DataFrame({"partner_id": np.fromiter(sorted(partner_ids), dtype=np.int64)})
        frame = frame.merge(moves, on="partner_id", how="left").merge(revenue, on="partner_id", how="left")
        for column in ("move_count", "invoice_count", "active_invoice_count", "previous_invoice_count"):
            frame[column] = frame[column].astype(float).fillna(0).astype(np.int64)
        for column in revenue.columns[1:]:
            frame[column] = frame[column].astype(float).fillna(0.0)
        frame["first_invoice_date"] = pd.to_datetime(frame["first_invoice_date"])
        frame["last_invoice_date"] = pd.to_datetime(frame["last_invoice_date"])
        frame["is_active"] = frame["active_invoice_count"] > 0
        frame["in_pipeline"] = frame["partner_id"].isin(pipeline)
        return frame

    def _loyalty_lifetime_values(self, company, frame, days, reference_date):
        """CLV, P(alive), expected purchases and spend per customer.

        BG/NBD and Gamma-Gamma are fitted on the company's customers (one
        purchase per customer and invoice date with a positive net amount,
        time in weeks); CLV is the discounted gross margin over the horizon
        (expected spend x the customer's lifetime margin rate). When a model
        cannot be fitted, CLV falls back to the historical method: gross margin
        of the ranking window per month of that window x expected lifetime from
        the observed retention.

        :returns: (DataFrame aligned on ``frame``, method code, note for the run)
        """
        months = company.loyalty_clv_months
        rate = company.loyalty_clv_discount_rate / 100.0
        result = pd.DataFrame(
            {
                "clv": 0.0,
                "clv_method": None,
                "probability_alive": np.nan,
                "expected_purchases": np.nan,
                "expected_spend": np.nan,
            },
            index=frame.index,
        )
        invoiced = frame["move_count"].to_numpy() > 0
        if not invoiced.any():
            return result, False, self.env._("No posted invoice: no lifetime value.")
        revenue = frame["revenue_lifetime"].to_numpy()
        margin = revenue - frame["cost_lifetime"].to_numpy()
        margin_rate = np.zeros_like(revenue)
        np.divide(margin, revenue, out=margin_rate, where=revenue > 0)
        margin_rate = np.clip(margin_rate, -1.0, 1.0)

        purchases = days[days["amount"] > 0]
        rfm = rfm_from_transactions(purchases, "partner_id", "date", "amount", reference_date, time_unit_days=7)
        position = pd.Series(np.arange(len(frame)), index=frame["partner_id"].to_numpy())
        rows = position.reindex(rfm.index).to_numpy()
        notes = []
        bgnbd = gamma_gamma = None
        try:
            bgnbd = fit_bgnbd(rfm["frequency"], rfm["recency"], rfm["T"])
            notes.append(
                self.env._(
                    "BG/NBD on %(count)s customers: r=%(r).4f alpha=%(alpha).4f a=%(a).4f b=%(b).4f",
                    count=len(rfm),
                    **bgnbd.to_dict(),
                )
            )
            gamma_gamma = fit_gamma_gamma(rfm["frequency"], rfm["monetary_value"])
            notes.append(
                self.env._(
                    "Gamma-Gamma: p=%(p).4f q=%(q).4f gamma=%(gamma).4f",
                    **gamma_gamma.to_dict(),
                )
            )
        except ClvFitError as error:
            notes.append(self.env._("No model: %(reason)s", reason=str(error)))
        if bgnbd is not None:
            horizon = months * 365.25 / 12.0 / 7.0
            args = (rfm["frequency"], rfm["recency"], rfm["T"])
            result.iloc[rows, result.columns.get_loc("probability_alive")] = bgnbd_probability_alive(bgnbd, *args)
            result.iloc[rows, result.columns.get_loc("expected_purchases")] = bgnbd_expected_purchases(
                bgnbd, horizon, *args
            )
        if bgnbd is not None and gamma_gamma is not None:
            result.iloc[rows, result.columns.get_loc("expected_spend")] = gamma_gamma_expected_spend(
                gamma_gamma, rfm["frequency"], rfm["monetary_value"]
            )
            result.iloc[rows, result.columns.get_loc("clv")] = discounted_clv(
                bgnbd,
                gamma_gamma,
                *args,
                rfm["monetary_value"],
                months=months,
                annual_discount_rate=rate,
                time_unit_days=7.0,
                margin_rate=margin_rate[rows],
            )
            result.loc[invoiced, "clv_method"] = "bgnbd"
            return result, "bgnbd", "\n".join(notes)
        # historical fallback: the gross margin of the ranking window per month of that window, a fixed
        # observation period (a single recent purchase is not taken for a monthly habit)
        retention = observed_retention(
            (frame["previous_invoice_count"] > 0).sum(),
            ((frame["previous_invoice_count"] > 0) & (frame["active_invoice_count"] > 0)).sum(),
        )
        window_margin = frame["revenue_window"].to_numpy() - frame["cost_window"].to_numpy()
        clv = historical_clv(window_margin / company.loyalty_ranking_months, retention, months, rate)
        result.loc[invoiced, "clv"] = clv[invoiced]
        result.loc[invoiced, "clv_method"] = "historical"
        if retention is None:
            retention_text = self.env._("not observed (1.00 assumed)")
        else:
            retention_text = f"{retention:.2f}"
        notes.append(
            self.env._(
                "Historical lifetime value: gross margin of the last %(window)s months per month x expected "
                "lifetime, annual retention %(r)s.",
                window=company.loyalty_ranking_months,
                r=retention_text,
            )
        )
        return result, "historical", "\n".join(notes)

    def _loyalty_value_phases(self, company, frame, days, reference_date):
        """Value phase from the revenue of the last periods (credit notes included)."""
        period_months = company.loyalty_phase_period_months
        periods = company.loyalty_phase_periods
        ref = pd.Timestamp(reference_date)
        # boundaries, oldest first: a date d is in period k when bound[k] < d <= bound[k + 1]
        bounds = np.array(
            [ref - pd.DateOffset(months=period_months * k) for k in range(periods, -1, -1)], dtype="datetime64[ns]"
        )
        dates = days["date"].to_numpy(dtype="datetime64[ns]")
        index = np.searchsorted(bounds, dates, side="left") - 1
        recent = (index >= 0) & (index < periods)
        position = pd.Series(np.arange(len(frame)), index=frame["partner_id"].to_numpy())
        rows = position.reindex(days["partner_id"].to_numpy()[recent]).to_numpy()
        matrix = np.zeros((len(frame), periods))
        np.add.at(matrix, (rows, index[recent]), days["amount"].to_numpy()[recent])
        phases, trend = value_phase(matrix, company.loyalty_phase_threshold)
        invoiced = frame["move_count"].to_numpy() > 0
        return np.where(invoiced, phases, None), np.where(invoiced, trend, 0.0)

    def _loyalty_compute_company(self, company, run, trigger, reference_date):
        levels = self.env["crm.loyalty.level"]._loyalty_levels_by_code(company)
        windows = self._loyalty_windows(company, reference_date)
        self.env.flush_all()
        frame = self._loyalty_build_frame(company, windows)
        days = self._loyalty_fetch_days(company, windows)
        lifetime, clv_method, clv_note = self._loyalty_lifetime_values(company, frame, days, reference_date)
        phases, trend = self._loyalty_value_phases(company, frame, days, reference_date)
        shares = {code: level.share for code, level in levels.items()}
        try:
            risk = at_risk(frame["is_active"], lifetime["probability_alive"], company.loyalty_alive_threshold)
            demoted = risk if company.loyalty_at_risk_mode == "inactive" else np.zeros(len(frame), dtype=bool)
            pyramid = assign_levels(frame.assign(is_active=frame["is_active"] & ~demoted), shares)
            margin = frame["revenue_window"] - frame["cost_window"]
            classes = profit_classes(
                frame["revenue_window"],
                margin,
                company.loyalty_profit_band_low,
                company.loyalty_profit_band_high,
            )
        except PyramidConfigError as error:
            raise ValidationError(str(error)) from error
        # only active customers get a profit class
        classes = np.where(frame["is_active"], classes, None)
        discount = np.zeros(len(frame))
        np.divide(
            frame["discount_weighted"].to_numpy(),
            frame["discount_base"].to_numpy(),
            out=discount,
            where=frame["discount_base"].to_numpy() > 0,
        )
        positive_clv, price_insensitive = elastic_flags(
            classes,
            lifetime["clv"],
            discount,
            frame["discount_base"].to_numpy() > 0,
            company.loyalty_discount_threshold,
        )
        metrics = customer_metrics(frame, reference_date)
        digits = company.currency_id.decimal_places
        level_ids = pyramid["level_code"].map({code: level.id for code, level in levels.items()})
        out = pd.DataFrame(
            {
                "partner_id": frame["partner_id"],
                "computed_level_id": level_ids.astype(np.int64),
                "is_active_customer": frame["is_active"],
                "rank": pyramid["rank"],
                "revenue_window": frame["revenue_window"].round(digits),
                "revenue_lifetime": frame["revenue_lifetime"].round(digits),
                "cost_window": frame["cost_window"].round(digits),
                "margin_window": margin.round(digits),
                "margin_percent": np.round(margin_percent(frame["revenue_window"], margin), 4),
                "profit_class": classes,
                "invoice_count": frame["invoice_count"],
                "first_invoice_date": frame["first_invoice_date"].dt.date,
                "last_invoice_date": frame["last_invoice_date"].dt.date,
                "tenure_days": metrics["tenure_days"],
                "recency_days": metrics["recency_days"],
                "avg_invoice_value": metrics["avg_invoice_value"].round(digits),
                "clv": lifetime["clv"].round(digits),
                "clv_method": lifetime["clv_method"],
                "probability_alive": lifetime["probability_alive"].round(6),
                "expected_purchases": lifetime["expected_purchases"].round(6),
                "expected_spend": lifetime["expected_spend"].round(digits),
                "at_risk": risk,
                "value_phase": phases,
                "phase_trend": np.round(trend, 4),
                "avg_discount": np.round(discount, 4),
                "elastic_positive_clv": positive_clv,
                "elastic_price_insensitive": price_insensitive,
                "is_key_account": frame["revenue_window"].to_numpy() >= company.loyalty_key_account_threshold,
                "change_reason": np.where(demoted, "at_risk", None),
            }
        )
        self._loyalty_load_tmp(out)
        key_changes = self._loyalty_key_account_changes(company)
        change_count = self._loyalty_write_back(company, run, trigger)
        self._loyalty_notify_key_accounts(company, key_changes)
        self._loyalty_after_write_back(company, run, reference_date)
        counts = self._loyalty_level_counts(company)
        stats = {f"count_{code}": counts.get(code, 0) for code in LEVEL_CODES}
        stats.update(partner_count=len(out), change_count=change_count, clv_method=clv_method, clv_note=clv_note)
        return stats

    def _loyalty_load_tmp(self, out):
        """COPY the computed rows into a temporary table."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS crm_loyalty_score_tmp")
        cr.execute(
            SQL(
                "CREATE TEMP TABLE crm_loyalty_score_tmp (%s) ON COMMIT DROP",
                SQL(", ").join(SQL("%s %s", SQL.identifier(name), SQL(sqltype)) for name, sqltype in _TMP_COLUMNS),
            )
        )
        buffer = io.StringIO()
        out[[name for name, _type in _TMP_COLUMNS]].to_csv(buffer, index=False, header=False, na_rep="")
        buffer.seek(0)
        cr.copy_expert("COPY crm_loyalty_score_tmp FROM STDIN WITH (FORMAT csv)", buffer)
        cr.execute("CREATE UNIQUE INDEX ON crm_loyalty_score_tmp (partner_id)")
        cr.execute("ANALYZE crm_loyalty_score_tmp")

    def _loyalty_write_back(self, company, run, trigger):
        """History rows for every change, then bulk UPDATE / INSERT / DELETE.

        :returns: number of level changes written to the history
        """
        cr = self.env.cr
        params = {
            "company": company.id,
            "run": run.id,
            "reason": trigger,
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
        }
        # fresh statistics: after a first run (or mass deletion) the planner would
        # otherwise take the score table for empty and pick nested loops
        cr.execute("ANALYZE crm_loyalty_score")
        history_columns = SQL(
            "date, partner_id, company_id, level_from_id, level_to_id, reason, run_id, user_id, "
            "create_uid, create_date, write_uid, write_date"
        )
        # changed or new levels
        cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_history (%(columns)s)
                SELECT %(now)s, tmp.partner_id, %(company)s, score.level_id,
                       COALESCE(score.override_level_id, tmp.computed_level_id),
                       COALESCE(tmp.change_reason, %(reason)s), %(run)s, %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM crm_loyalty_score_tmp tmp
             LEFT JOIN crm_loyalty_score score
                    ON score.partner_id = tmp.partner_id AND score.company_id = %(company)s
                 WHERE score.level_id IS DISTINCT FROM COALESCE(score.override_level_id, tmp.computed_level_id)
                """,
                columns=history_columns,
                **params,
            )
        )
        change_count = cr.rowcount
        # customers that left the universe (archived, became a vendor only, ...)
        cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_history (%(columns)s)
                SELECT %(now)s, score.partner_id, %(company)s, score.level_id, NULL,
                       %(reason)s, %(run)s, %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM crm_loyalty_score score
                 WHERE score.company_id = %(company)s
                   AND score.level_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM crm_loyalty_score_tmp tmp WHERE tmp.partner_id = score.partner_id)
                """,
                columns=history_columns,
                **params,
            )
        )
        change_count += cr.rowcount
        cr.execute(
            SQL(
                """
                DELETE FROM crm_loyalty_score score
                 WHERE score.company_id = %(company)s
                   AND NOT EXISTS (SELECT 1 FROM crm_loyalty_score_tmp tmp WHERE tmp.partner_id = score.partner_id)
                """,
                **params,
            )
        )
        value_columns = [name for name, _type in _TMP_COLUMNS if name not in _TMP_ONLY]
        cr.execute(
            SQL(
                """
                UPDATE crm_loyalty_score score
                   SET %(assignments)s,
                       level_id = COALESCE(score.override_level_id, tmp.computed_level_id),
                       level_sequence = level.sequence,
                       is_elastic = tmp.elastic_positive_clv OR tmp.elastic_price_insensitive
                                    OR COALESCE(score.elastic_innovative, FALSE)
                                    OR COALESCE(score.elastic_influential, FALSE),
                       run_id = %(run)s, date_computed = %(now)s, write_uid = %(uid)s, write_date = %(now)s
                  FROM crm_loyalty_score_tmp tmp, crm_loyalty_level level
                 WHERE score.partner_id = tmp.partner_id
                   AND score.company_id = %(company)s
                   AND level.id = COALESCE(score.override_level_id, tmp.computed_level_id)
                """,
                assignments=SQL(", ").join(
                    SQL("%s = tmp.%s", SQL.identifier(name), SQL.identifier(name)) for name in value_columns
                ),
                **params,
            )
        )
        cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_score (partner_id, company_id, %(columns)s, level_id, level_sequence,
                                               is_elastic, run_id, date_computed,
                                               create_uid, create_date, write_uid, write_date)
                SELECT tmp.partner_id, %(company)s, %(tmp_columns)s, tmp.computed_level_id, level.sequence,
                       tmp.elastic_positive_clv OR tmp.elastic_price_insensitive,
                       %(run)s, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM crm_loyalty_score_tmp tmp
                  JOIN crm_loyalty_level level ON level.id = tmp.computed_level_id
                    ON CONFLICT (partner_id, company_id) DO NOTHING
                """,
                columns=SQL(", ").join(SQL.identifier(name) for name in value_columns),
                tmp_columns=SQL(", ").join(SQL("tmp.%s", SQL.identifier(name)) for name in value_columns),
                **params,
            )
        )
        cr.execute("DROP TABLE crm_loyalty_score_tmp")
        self.env["crm.loyalty.score"].invalidate_model()
        self.env["crm.loyalty.history"].invalidate_model()
        return change_count

    def _loyalty_key_account_changes(self, company):
        """Customers who become (True) or cease to be (False) key accounts, from the temporary table."""
        self.env.cr.execute(
            SQL(
                """
                SELECT tmp.partner_id, tmp.is_key_account
                  FROM crm_loyalty_score_tmp tmp
             LEFT JOIN crm_loyalty_score score
                    ON score.partner_id = tmp.partner_id AND score.company_id = %(company)s
                 WHERE COALESCE(score.is_key_account, FALSE) IS DISTINCT FROM tmp.is_key_account
                """,
                company=company.id,
            )
        )
        return dict(self.env.cr.fetchall())

    def _loyalty_notify_key_accounts(self, company, changes):
        """Default manager for new key accounts; a to-do activity for the manager on every change."""
        if not changes:
            return
        scores = self.search([("company_id", "=", company.id), ("partner_id", "in", list(changes))])
        default_manager = company.loyalty_customer_manager_id
        if default_manager:
            scores.filtered(lambda s: s.is_key_account and not s.key_account_manager_id).write(
                {"key_account_manager_id": default_manager.id}
            )
        for score in scores:
            manager = score.key_account_manager_id or default_manager or score.partner_id.user_id
            if not manager:
                continue
            if changes[score.partner_id.id]:
                summary = self.env._("New key account")
                note = self.env._(
                    "%(partner)s reached the key account volume of %(company)s: revenue %(revenue)s in the ranking "
                    "window.",
                    partner=score.partner_id.display_name,
                    company=company.display_name,
                    revenue=format_amount(self.env, score.revenue_window, company.currency_id),
                )
            else:
                summary = self.env._("No longer a key account")
                note = self.env._(
                    "%(partner)s fell under the key account volume of %(company)s.",
                    partner=score.partner_id.display_name,
                    company=company.display_name,
                )
            score.partner_id.with_company(company).activity_schedule(
                "mail.mail_activity_data_todo", user_id=manager.id, summary=summary, note=note
            )

    def _loyalty_after_write_back(self, company, run, reference_date):
        """Hook: set-based updates of other figures of the scores of ``company``
        (e.g. helpdesk statistics in the bridge addon), inside the run's savepoint."""

    def _loyalty_level_counts(self, company):
        groups = self._read_group([("company_id", "=", company.id)], ["level_id"], ["__count"])
        return {level.code: count for level, count in groups if level}
