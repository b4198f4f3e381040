# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_loyalty_history import HISTORY_REASONS


class CrmLoyaltyRun(models.Model):
    _name = "crm.loyalty.run"
    _description = "Customer Pyramid Computation Run"
    _order = "date_start desc, id desc"
    _rec_name = "date_start"

    trigger = fields.Selection(
        [(code, label) for code, label in HISTORY_REASONS if code != "at_risk"], required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Started By", readonly=True)
    reference_date = fields.Date(readonly=True, help="Date the windows end on.")
    date_start = fields.Datetime(string="Started", required=True, readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 3), readonly=True)
    state = fields.Selection([("done", "Done"), ("failed", "Failed")], required=True, readonly=True)
    error = fields.Text(readonly=True)
    partner_count = fields.Integer(string="Customers", readonly=True)
    change_count = fields.Integer(string="Changes", readonly=True)
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
    history_ids = fields.One2many("crm.loyalty.history", "run_id", string="Level Changes")

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
