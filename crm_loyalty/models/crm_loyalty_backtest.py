# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lifetime value proven on the company's own invoices (README, *Lifetime value proven on your own invoices*): the
BG/NBD model calibrated on the invoices up to a cut-off date predicts the following months, which already happened; a
run of the pyramid compares the prediction with what the customers did (:mod:`..loyalty_analytics.backtest`)."""

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..loyalty_analytics.backtest import FEW_CUSTOMERS, NO_FIT, NO_PURCHASE, REPEAT_BUCKETS, backtest_bgnbd

REBACKTEST_DAYS = 7  # a backtest whose cut-off is at most this many days older serves the next runs


class CrmLoyaltyBacktest(models.Model):
    _name = "crm.loyalty.backtest"
    _inherit = ["crm.loyalty.company.mixin"]
    _check_company_auto = True
    _description = "Lifetime Value Backtest"
    _order = "cutoff_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    run_id = fields.Many2one(
        "crm.loyalty.run",
        string="Computed by Run",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        check_company=True,
    )
    cutoff_date = fields.Date(
        string="Cut-off", required=True, readonly=True, help="The model is calibrated on the invoices up to this date."
    )
    end_date = fields.Date(
        string="Holdout End",
        required=True,
        readonly=True,
        help="The model's predictions for the day after the cut-off up to this date are compared with the "
        "purchases of that period.",
    )
    holdout_months = fields.Integer(string="Holdout (months)", readonly=True)
    state = fields.Selection(
        [("done", "Computed"), ("insufficient", "Too Little History")], required=True, readonly=True, default="done"
    )
    message = fields.Text(readonly=True, help="Why there is no backtest, or what limits it.")
    customers = fields.Integer(
        readonly=True, help="Customers who had bought before the cut-off: those the model predicts."
    )
    repeat_customers = fields.Integer(
        string="Repeat Buyers", readonly=True, help="Of them, who had bought twice or more."
    )
    returning_customers = fields.Integer(
        string="Bought Again", readonly=True, help="Of them, who bought again between the cut-off and the holdout end."
    )
    predicted_total = fields.Float(string="Predicted Purchases", digits=(16, 1), readonly=True)
    actual_total = fields.Float(
        string="Actual Purchases",
        digits=(16, 1),
        readonly=True,
        help="Purchases of these customers in the holdout: one per customer and day with a positive net amount.",
    )
    total_error = fields.Float(
        string="Total Error (%)",
        digits=(16, 1),
        readonly=True,
        help="Predicted minus actual purchases, in percent of the actual ones.",
    )
    mae = fields.Float(
        string="Mean Absolute Error",
        digits=(16, 3),
        readonly=True,
        help="Purchases per customer between the prediction and what the customer did, on average.",
    )
    mae_naive = fields.Float(
        string="Naive Rule's Error",
        digits=(16, 3),
        readonly=True,
        help="The same error for the rule 'each customer keeps buying at his past rate': the model is useful "
        "where it does better.",
    )
    auc = fields.Float(
        string="P(alive) AUC",
        digits=(16, 3),
        readonly=True,
        help="How well P(alive) at the cut-off separates the customers who bought again from those who did not: "
        "1 perfectly, 0.5 no better than chance. The model gives P(alive) = 1 to customers who bought only "
        "once, so over all customers it ranks them first.",
    )
    auc_repeat = fields.Float(
        string="P(alive) AUC (Repeat Buyers)",
        digits=(16, 3),
        readonly=True,
        help="The same among the customers who had bought twice or more: where P(alive) tells customers apart.",
    )
    auc_expected = fields.Float(
        string="Expected Purchases AUC",
        digits=(16, 3),
        readonly=True,
        help="The same for the expected purchases, for comparison.",
    )
    degenerate = fields.Boolean(
        string="No Drop-out Found",
        readonly=True,
        help="The model found no customer dropping out: P(alive) is 1 for everyone and separates nothing.",
    )
    params = fields.Json(string="BG/NBD Parameters", readonly=True)
    line_ids = fields.One2many("crm.loyalty.backtest.line", "backtest_id", string="Calibration", readonly=True)

    @api.depends("cutoff_date", "end_date")
    def _compute_display_name(self):
        for backtest in self:
            backtest.display_name = self.env._(
                "Backtest %(cutoff)s to %(end)s", cutoff=backtest.cutoff_date, end=backtest.end_date
            )

    # ------------------------------------------------------------------
    # Computed by the runs
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_cutoff(self, company, reference_date):
        months = company.loyalty_backtest_months
        return reference_date - relativedelta(months=months), months

    @api.model
    def _loyalty_reusable(self, company, reference_date):
        """The company's latest backtest when it can serve a run as of ``reference_date``: same holdout
        length, a cut-off at most :data:`REBACKTEST_DAYS` older, a holdout ending on or before that date."""
        cutoff, months = self._loyalty_cutoff(company, reference_date)
        latest = self.search([("company_id", "=", company.id)], limit=1)
        if (
            latest
            and latest.holdout_months == months
            and abs((cutoff - latest.cutoff_date).days) <= REBACKTEST_DAYS
            and latest.end_date <= reference_date
        ):
            return latest
        return self.browse()

    @api.model
    def _loyalty_prepare(self, company, data, reference_date):
        """What a run's compute step stores (:meth:`_loyalty_store`): the id of a backtest to reuse, or the
        values of a new one, from the run's gathered ``data`` (before the scores consume it)."""
        reusable = self._loyalty_reusable(company, reference_date)
        if reusable:
            return reusable.id
        cutoff, months = self._loyalty_cutoff(company, reference_date)
        days = data["days"]
        levels = None
        if len(days) and (days["day"] <= pd.Timestamp(cutoff)).any():
            # the pyramid as it was at the cut-off: the prediction is the one a user had then
            levels, _notes = self.env["crm.loyalty.engine"]._loyalty_levels_at(company, data, cutoff)
        # the purchases as the lifetime value counts them
        purchases = self.env["crm.loyalty.engine"]._loyalty_purchase_days(days)
        result = backtest_bgnbd(purchases, "partner_id", "day", "amount", cutoff, reference_date, groups=levels)
        values = {
            "company_id": company.id,
            "cutoff_date": cutoff,
            "end_date": reference_date,
            "holdout_months": months,
            "customers": result.customers,
        }
        if not result.ok:
            values.update(state="insufficient", message=self._loyalty_insufficient_message(result, months))
            return values
        params = result.params
        values.update(
            state="done",
            repeat_customers=result.repeat_customers,
            returning_customers=result.returning_customers,
            predicted_total=result.predicted_total,
            actual_total=result.actual_total,
            total_error=(
                100.0 * (result.predicted_total - result.actual_total) / result.actual_total
                if result.actual_total
                else 0.0
            ),
            mae=result.mae,
            mae_naive=result.mae_naive,
            auc=result.auc or 0.0,
            auc_repeat=result.auc_repeat or 0.0,
            auc_expected=result.auc_expected or 0.0,
            degenerate=result.degenerate,
            params={"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b},
            message=self._loyalty_limits_message(result),
            line_ids=self._loyalty_line_commands(company, result),
        )
        return values

    @api.model
    def _loyalty_insufficient_message(self, result, months):
        if result.reason == NO_PURCHASE:
            return self.env._("No customer had bought anything on or before the cut-off date.")
        if result.reason == FEW_CUSTOMERS:
            return self.env._(
                "Only %(count)s customers had bought before the cut-off date; the model needs at least 20.",
                count=result.customers,
            )
        if result.reason == NO_FIT:
            return self.env._(
                "The purchase model could not be calibrated on the invoices up to the cut-off date: %(reason)s",
                reason=result.fit_error,
            )
        return self.env._(
            "The invoices start on %(first)s: too little history before the cut-off date to predict the "
            "%(months)s months after it. The backtest needs invoices from at least half that long before "
            "the cut-off.",
            first=result.first_date.date(),
            months=months,
        )

    @api.model
    def _loyalty_limits_message(self, result):
        notes = []
        if result.degenerate:
            notes.append(
                self.env._(
                    "The model found no customer dropping out before the cut-off (a = %(a).2g): P(alive) is 1 "
                    "for every customer and cannot tell who will buy again, so it has no AUC. The expected "
                    "purchases still rank customers.",
                    a=result.params.a,
                )
            )
        if not result.returning_customers:
            notes.append(self.env._("No customer of the cut-off bought again in the holdout: no AUC."))
        return "\n".join(notes) or False

    @api.model
    def _loyalty_line_commands(self, company, result):
        """Two lines (predicted, actual) per number of repeat purchases, then per level at the cut-off."""

        def pair(values, row):
            return [
                fields.Command.create(
                    {**values, "series": series, "customers": int(row["customers"]), "purchases": float(row[series])}
                )
                for series in ("predicted", "actual")
            ]

        commands = []
        for bucket, row in result.by_repeat.iterrows():
            label = f"{bucket}+" if bucket == REPEAT_BUCKETS else str(bucket)
            commands += pair({"kind": "repeat", "sequence": int(bucket), "name": label}, row)
        levels = self.env["crm.loyalty.level"]._loyalty_levels_by_code(company)
        for level in sorted(levels.values(), key=lambda level: (level.sequence, level.id)):
            if level.code in result.by_group.index:
                values = {"kind": "level", "sequence": level.sequence, "name": level.name, "level_id": level.id}
                commands += pair(values, result.by_group.loc[level.code])
        return commands

    @api.model
    def _loyalty_store(self, run, prepared):
        """Link ``run`` to its backtest, created from :meth:`_loyalty_prepare`'s values when it is new."""
        if not prepared:
            return
        if isinstance(prepared, int):
            backtest = self.browse(prepared)
        else:
            backtest = self.create({**prepared, "run_id": run.id})
        run.backtest_id = backtest

    # ------------------------------------------------------------------
    # Charts
    # ------------------------------------------------------------------

    def action_loyalty_chart(self):
        """The calibration chart (``kind`` repeat) or the comparison per level, as a graph."""
        self.ensure_one()
        kind = self.env.context.get("loyalty_chart")
        if kind not in ("repeat", "level"):
            kind = "repeat"
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_backtest_line_action")
        action["domain"] = [("backtest_id", "=", self.id), ("kind", "=", kind)]
        action["context"] = {
            "graph_measure": "per_customer",
            "graph_stacked": False,
            "graph_groupbys": ["level_id" if kind == "level" else "name", "series"],
        }
        action["name"] = (
            self.env._("Purchases per Customer by Level") if kind == "level" else self.env._("Calibration Chart")
        )
        return action


class CrmLoyaltyBacktestLine(models.Model):
    """Predicted or actual purchases of a group of customers in a backtest (two lines per group, so that
    the graph view shows them side by side)."""

    _name = "crm.loyalty.backtest.line"
    _inherit = ["crm.loyalty.company.mixin"]
    _check_company_auto = True
    _description = "Lifetime Value Backtest Line"
    _order = "backtest_id, kind, sequence, series desc"

    backtest_id = fields.Many2one(
        "crm.loyalty.backtest", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(related="backtest_id.company_id", store=True)
    kind = fields.Selection([("repeat", "Repeat Purchases before the Cut-off"), ("level", "Level at the Cut-off")])
    sequence = fields.Integer()
    name = fields.Char(string="Group", help="Repeat purchases before the cut-off, or the level at the cut-off.")
    level_id = fields.Many2one(
        "crm.loyalty.level", string="Level at the Cut-off", ondelete="set null", check_company=True
    )
    series = fields.Selection([("predicted", "Predicted"), ("actual", "Actual")], string="Purchases")
    customers = fields.Integer(aggregator="max")
    purchases = fields.Float(string="Purchases (Total)", digits=(16, 1))
    per_customer = fields.Float(
        string="Purchases per Customer",
        digits=(16, 3),
        compute="_compute_per_customer",
        store=True,
        aggregator="avg",
    )

    @api.depends("purchases", "customers")
    def _compute_per_customer(self):
        for line in self:
            line.per_customer = line.purchases / line.customers if line.customers else 0.0
