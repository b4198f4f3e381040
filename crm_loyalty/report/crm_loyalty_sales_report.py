# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The articles' sales dynamics (README, *Financial statistics and sales dynamics*): revenue and customers per month,
sliced by the customers' pyramid level and segments of the last computation."""

from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_loyalty_score import PROFIT_CLASSES
from ..models.crm_loyalty_score_payment import PAYMENT_GRADES


class CrmLoyaltySalesReport(models.Model):
    """One row per customer and month with posted invoices, from the invoice sums the pyramid keeps
    (``crm.loyalty.move``, brought up to date by every computation), joined with the customer's score: its
    level and segments now. The level of each past month is in the retention KPIs (revenue and active
    customers per month and level)."""

    _name = "crm.loyalty.sales.report"
    _description = "Customer Sales Dynamics"
    _auto = False
    _order = "date desc"
    _rec_name = "partner_id"

    date = fields.Date(string="Month", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customers", readonly=True, help="As a measure: the customers who bought."
    )
    level_id = fields.Many2one("crm.loyalty.level", string="Level", readonly=True, help="The customer's level now.")
    profit_class = fields.Selection(PROFIT_CLASSES, readonly=True)
    payment_grade = fields.Selection(PAYMENT_GRADES, string="Payment Risk", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", string="Industry", readonly=True)
    country_id = fields.Many2one("res.country", string="Country", readonly=True)
    state_id = fields.Many2one("res.country.state", string="State", readonly=True)
    tenure_band_id = fields.Many2one("crm.loyalty.band", string="Years of Cooperation", readonly=True)
    volume_band_id = fields.Many2one("crm.loyalty.band", string="Business Volume", readonly=True)
    size_band_id = fields.Many2one("crm.loyalty.band", string="Company Size", readonly=True)
    clv_band_id = fields.Many2one("crm.loyalty.band", string="Lifetime Value Band", readonly=True)
    revenue = fields.Monetary(readonly=True, help="Posted invoices minus credit notes, in the company's currency.")
    margin = fields.Monetary(string="Gross Margin", readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)

    # the view reads these fields' columns: a change of one of them flushes before the view is read
    _depends = {
        "crm.loyalty.move": ["move_id", "company_id", "partner_id", "day", "refund", "amount", "cost"],
        "crm.loyalty.score": [
            "company_id",
            "partner_id",
            "level_id",
            "profit_class",
            "payment_grade",
            "user_id",
            "team_id",
            "industry_id",
            "country_id",
            "state_id",
            "tenure_band_id",
            "volume_band_id",
            "size_band_id",
            "clv_band_id",
        ],
    }

    # the query in parts another addon extends (a column in _select and _group_by, a table in _from), as Odoo's
    # own reports (account.invoice.report)
    def _select(self):
        return SQL(
            """
            SELECT MIN(move.move_id) AS id,
                   date_trunc('month', move.day)::date AS date,
                   score.company_id,
                   score.partner_id,
                   score.level_id,
                   score.profit_class,
                   score.payment_grade,
                   score.user_id,
                   score.team_id,
                   score.industry_id,
                   score.country_id,
                   score.state_id,
                   score.tenure_band_id,
                   score.volume_band_id,
                   score.size_band_id,
                   score.clv_band_id,
                   SUM(move.amount) AS revenue,
                   SUM(move.amount - move.cost) AS margin,
                   COUNT(*) FILTER (WHERE NOT move.refund) AS invoice_count
            """
        )

    def _from(self):
        return SQL(
            """
              FROM crm_loyalty_move move
              JOIN crm_loyalty_score score ON score.partner_id = move.partner_id AND score.company_id = move.company_id
            """
        )

    def _where(self):
        return SQL()

    def _group_by(self):
        return SQL("GROUP BY date_trunc('month', move.day), score.id")

    def _query(self):
        where = self._where()
        return SQL(
            "%s %s %s %s",
            self._select(),
            self._from(),
            SQL("WHERE %s", where) if where else SQL(),
            self._group_by(),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
