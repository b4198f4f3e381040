# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from .crm_loyalty_history import HISTORY_REASONS

RUN_STATES = [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")]
RUN_STEPS = [
    ("gather", "Reading the Invoices"),
    ("history", "Rebuilding the History"),
    ("compute", "Computing"),
    ("write", "Writing"),
    ("log", "Level History"),
    ("notify", "Key Accounts"),
    ("finish", "Finishing"),
    ("done", "Done"),
]

# a transaction that began this long before the finish step and committed between the step's snapshot and its
# look at the open transactions would be missed by the watermark: the margin keeps it in
WATERMARK_MARGIN = "5 minutes"


@dataclass(frozen=True)
class Since:
    """What the finish step of run ``run_id`` may leave alone: the figures the previous run stored, as of
    ``reference_date``, still hold for every customer none of whose inputs was written at or after
    ``watermark`` and whose score run ``run_id`` did not write (see :meth:`CrmLoyaltyRun._loyalty_since`)."""

    watermark: datetime
    reference_date: date
    run_id: int


class CrmLoyaltyRun(models.Model):
    """One computation of a company's pyramid (see ``crm.loyalty.engine``)."""

    _name = "crm.loyalty.run"
    _inherit = ["crm.loyalty.company.mixin"]
    _check_company_auto = True
    _description = "Customer Pyramid Computation Run"
    _order = "date_start desc, id desc"
    _rec_name = "date_start"

    trigger = fields.Selection(
        [(code, label) for code, label in HISTORY_REASONS if code not in ("at_risk", "rebuild")],
        required=True,
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Started By", readonly=True)
    reference_date = fields.Date(readonly=True, help="Date the windows end on.")
    date_start = fields.Datetime(string="Started", required=True, readonly=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Ended", readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 3), readonly=True)
    mode = fields.Selection(
        [("sync", "Immediate"), ("background", "Background")],
        required=True,
        default="sync",
        readonly=True,
        help="Immediate: computed in the request that asked for it. Background: queued and computed by the "
        "scheduled action Customer Loyalty: process recompute runs, step by step.",
    )
    state = fields.Selection(RUN_STATES, required=True, default="queued", readonly=True, index=True)
    step = fields.Selection(RUN_STEPS, default="gather", readonly=True)
    progress = fields.Float(string="Progress (%)", digits=(5, 1), readonly=True)
    history_months = fields.Integer(
        string="History Months",
        readonly=True,
        help="The run first rebuilds the level history from the invoices as of each month-end of these last "
        "months (0: no rebuild).",
    )
    gathered_to = fields.Integer(
        readonly=True, help="First reading of the invoices' sums: invoices read so far, up to this id."
    )
    history_done = fields.Integer(readonly=True, help="Month-ends of the history rebuilt so far.")
    notified_partner_id = fields.Integer(readonly=True, help="Key account changes notified up to this partner id.")
    error = fields.Text(readonly=True)
    partner_count = fields.Integer(string="Customers", readonly=True)
    change_count = fields.Integer(string="Changes", readonly=True)
    written_count = fields.Integer(
        string="Scores Written",
        readonly=True,
        help="Scores inserted, updated or removed: only those whose values changed.",
    )
    count_top = fields.Integer(string="Top", readonly=True)
    count_big = fields.Integer(string="Big", readonly=True)
    count_medium = fields.Integer(string="Medium", readonly=True)
    count_small = fields.Integer(string="Small", readonly=True)
    count_inactive = fields.Integer(string="Inactive", readonly=True)
    count_prospect = fields.Integer(string="Prospect", readonly=True)
    count_suspect = fields.Integer(string="Suspect", readonly=True)
    clv_method = fields.Selection(
        [("bgnbd", "BG/NBD + Gamma-Gamma"), ("historical", "Historical")],
        string="Lifetime Value Method",
        readonly=True,
    )
    clv_note = fields.Text(string="Lifetime Value Model", readonly=True)
    clv_params = fields.Json(
        string="Lifetime Value Parameters",
        readonly=True,
        help="The BG/NBD and Gamma-Gamma parameters the run used, and the date they were fitted as of.",
    )
    backtest_id = fields.Many2one(
        "crm.loyalty.backtest",
        string="Lifetime Value Backtest",
        readonly=True,
        ondelete="set null",
        check_company=True,
        help="The backtest of the lifetime-value model shown with this run (computed by it, or by a run of the "
        "previous days).",
    )
    history_ids = fields.One2many("crm.loyalty.history", "run_id", string="Level Changes")
    finish_watermark = fields.Datetime(
        readonly=True,
        help="The finish step's figures (payment risk, bands, ...) saw every input written before this time; "
        "the next run recomputes them only for the customers whose inputs were written since.",
    )
    finish_fingerprint = fields.Char(
        readonly=True,
        help="Digest of the settings the finish step's figures depend on: when they change, the next run "
        "recomputes the figures of every customer.",
    )

    def _loyalty_start_finish(self):
        """At the start of the finish step: remember its watermark, the start of the oldest transaction still
        open on the database (a write not yet committed carries a write date at least that old, Odoo's write
        date being its transaction's start) less a margin, and the digest of the figures' settings."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """SELECT (LEAST(now(), MIN(xact_start)) - %s::interval) AT TIME ZONE 'UTC'
                     FROM pg_stat_activity
                    WHERE datname = current_database()""",
                WATERMARK_MARGIN,
            )
        )
        watermark = self.env.cr.fetchone()[0]
        settings = self.env["crm.loyalty.score"]._loyalty_finish_settings(self.company_id)
        digest = hashlib.sha256(json.dumps(settings, default=str, sort_keys=True).encode()).hexdigest()
        self.write({"finish_watermark": watermark, "finish_fingerprint": digest})

    def _loyalty_since(self):
        """What the finish step of this run may leave alone (:class:`Since`), or ``None`` when every
        customer's figures are recomputed: no earlier run of the company stored them with this run's
        settings, as of this run's date or before, or this run rebuilds the history."""
        self.ensure_one()
        if self.history_months or not self.finish_fingerprint:
            return None
        previous = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "done"),
                ("finish_watermark", "!=", False),
                ("id", "!=", self.id),
            ],
            order="finish_watermark desc, id desc",
            limit=1,
        )
        if (
            not previous
            or previous.finish_fingerprint != self.finish_fingerprint
            or not previous.reference_date
            or previous.reference_date > self.reference_date
        ):
            return None
        return Since(previous.finish_watermark, previous.reference_date, self.id)

    @api.model
    def _loyalty_recent_fit(self, company, reference_date, max_days):
        """The lifetime-value parameters of the company's latest ended run, when they were fitted as of a
        date at most ``max_days`` from ``reference_date``: ``(params dict, run)``, else ``(None, None)``."""
        run = self.search(
            [("company_id", "=", company.id), ("state", "=", "done"), ("clv_method", "=", "bgnbd")],
            order="date_end desc, id desc",
            limit=1,
        )
        params = run.clv_params or {}
        fitted_on = params.get("fitted_on")
        if not (fitted_on and params.get("bgnbd") and params.get("gamma_gamma")):
            return None, None
        if abs((fields.Date.to_date(fitted_on) - reference_date).days) > max_days:
            return None, None
        return params, run

    @api.model
    def _loyalty_last_reference_dates(self):
        """``(company, reference date)`` of each company's latest finished run (upgrades compute new figures
        as of that date rather than waiting for the next night's run)."""
        self.flush_model(["company_id", "state", "reference_date", "date_end"])
        self.env.cr.execute(
            """SELECT DISTINCT ON (company_id) company_id, reference_date
                 FROM crm_loyalty_run
                WHERE state = 'done' AND reference_date IS NOT NULL
             ORDER BY company_id, date_end DESC NULLS LAST, id DESC"""
        )
        return [(self.env["res.company"].browse(company_id), date) for company_id, date in self.env.cr.fetchall()]

    @api.model
    def _loyalty_scores_period(self, company):
        """The period the scores of ``company`` show, for the screens and sheets that read them: the levels as
        of the last finished computation, the revenue of its ranking window."""
        run = self.search(
            [("company_id", "=", company.id), ("state", "=", "done")], order="date_end desc, id desc", limit=1
        )
        if not run.reference_date:
            return self.env._("Not computed yet.")
        windows = self.env["crm.loyalty.engine"]._loyalty_windows(company, run.reference_date)
        return self.env._(
            "Levels as of %(date)s; revenue of the ranking window, %(date_from)s to %(date_to)s.",
            date=format_date(self.env, run.reference_date),
            date_from=format_date(self.env, windows["rank_from"]),
            date_to=format_date(self.env, windows["ref"]),
        )

    @api.model
    def _loyalty_reference_date(self, date=None):
        """The date the windows of a run end on: ``date`` (a date or ``YYYY-MM-DD``), default today;
        refuses text that is not a date and dates in the future."""
        today = fields.Date.context_today(self)
        if not date:
            return today
        try:
            value = fields.Date.to_date(date)
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise UserError(self.env._("“%(value)s” is not a date: give it as YYYY-MM-DD.", value=date))
        if value > today:
            raise UserError(
                self.env._(
                    "The pyramid cannot be computed for a date in the future (%(date)s); today is %(today)s.",
                    date=value,
                    today=today,
                )
            )
        if value.year < 1900:
            raise UserError(self.env._("The pyramid cannot be computed for a date before 1900 (%(date)s).", date=value))
        return value

    def _loyalty_queued_action(self, title, message):
        """The web client's notification that this background run is queued, then a reload of the view."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _loyalty_describe(self):
        """ "Run #12 (background, 40%), started by Anna on 2026-11-24 10:42:03": for refusals."""
        self.ensure_one()
        return self.env._(
            "run #%(id)s (%(mode)s, %(state)s %(progress).0f%%), started by %(user)s on %(date)s",
            id=self.id,
            mode=dict(self._fields["mode"]._description_selection(self.env))[self.mode],
            state=dict(self._fields["state"]._description_selection(self.env))[self.state].lower(),
            progress=self.progress,
            user=self.user_id.name or self.env._("the scheduler"),
            date=fields.Datetime.to_string(self.date_start),
        )

    @api.model
    def _cron_process_runs(self):
        """Scheduled action *Customer Loyalty: process recompute runs*: the next step of the queued runs."""
        self.env["crm.loyalty.engine"]._loyalty_process_queue()
