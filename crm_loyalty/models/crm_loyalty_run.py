# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import UserError

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
