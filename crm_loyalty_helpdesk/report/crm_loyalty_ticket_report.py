# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The articles' satisfaction and complaint analysis (README, *Helpdesk*): one row per helpdesk ticket of a scored
customer, with its customer's pyramid level and profit class, its category and its latest rating."""

from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.crm_loyalty.models.crm_loyalty_score import PROFIT_CLASSES
from odoo.addons.rating.models.rating_data import RATING_LIMIT_MIN, RATING_LIMIT_OK, RATING_LIMIT_SATISFIED

RATING_GRADES = [("top", "Satisfied"), ("ok", "Okay"), ("ko", "Dissatisfied")]


class CrmLoyaltyTicketReport(models.Model):
    _name = "crm.loyalty.ticket.report"
    _description = "Customer Service Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one("helpdesk.ticket", string="Ticket", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    level_id = fields.Many2one(
        "crm.loyalty.level", string="Level", readonly=True, help="The customer's pyramid level now."
    )
    profit_class = fields.Selection(PROFIT_CLASSES, readonly=True)
    date = fields.Datetime(string="Created On", readonly=True)
    closed_date = fields.Datetime(string="Closed On", readonly=True)
    category_id = fields.Many2one("helpdesk.ticket.category", string="Category", readonly=True)
    is_complaint = fields.Boolean(string="Complaint", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", string="Helpdesk Team", readonly=True)
    agent_id = fields.Many2one("res.users", string="Assigned To", readonly=True)
    is_closed = fields.Boolean(string="Closed", readonly=True)
    resolution_hours = fields.Float(
        string="Resolution (h)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Hours from creation to closing; empty while the ticket is open.",
    )
    rating = fields.Float(
        string="Satisfaction",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="The customer's latest rating of the ticket, 1 to 5; empty when not rated.",
    )
    rating_grade = fields.Selection(RATING_GRADES, string="Rating", readonly=True)
    rating_date = fields.Datetime(string="Rated On", readonly=True)
    rated_count = fields.Integer(string="Ratings", readonly=True)
    # counters to sum per group (one GROUP BY gives a table's every column)
    open_count = fields.Integer(string="Open Tickets", readonly=True)
    satisfied_count = fields.Integer(string="Satisfied Ratings", readonly=True)
    okay_count = fields.Integer(string="Okay Ratings", readonly=True)
    dissatisfied_count = fields.Integer(string="Dissatisfied Ratings", readonly=True)

    # the view reads these fields' columns: a change of one of them flushes before the view is read
    _depends = {
        "helpdesk.ticket": [
            "company_id",
            "commercial_partner_id",
            "create_date",
            "closed_date",
            "category_id",
            "team_id",
            "user_id",
            "stage_id",
            "active",
        ],
        "helpdesk.ticket.stage": ["closed"],
        "helpdesk.ticket.category": ["is_complaint"],
        "crm.loyalty.score": ["partner_id", "company_id", "level_id", "profit_class"],
        "res.partner": ["user_id"],
        "rating.rating": ["res_model", "res_id", "rating", "consumed", "write_date", "create_date"],
    }

    # the query in parts another addon extends, as Odoo's own reports (account.invoice.report)
    def _select(self):
        return SQL(
            """
            SELECT ticket.id AS id,
                   ticket.id AS ticket_id,
                   ticket.company_id,
                   ticket.commercial_partner_id AS partner_id,
                   partner.user_id AS salesperson_id,
                   score.level_id,
                   score.profit_class,
                   ticket.create_date AS date,
                   ticket.closed_date,
                   ticket.category_id,
                   COALESCE(category.is_complaint, FALSE) AS is_complaint,
                   ticket.team_id,
                   ticket.user_id AS agent_id,
                   COALESCE(stage.closed, FALSE) AS is_closed,
                   CASE WHEN stage.closed AND ticket.closed_date IS NOT NULL
                        THEN EXTRACT(EPOCH FROM ticket.closed_date - ticket.create_date) / 3600.0 END
                       AS resolution_hours,
                   rating.rating,
                   CASE WHEN rating.rating >= %(satisfied)s THEN 'top'
                        WHEN rating.rating >= %(ok)s THEN 'ok'
                        WHEN rating.rating >= %(minimum)s THEN 'ko' END AS rating_grade,
                   rating.rating_date,
                   (rating.rating IS NOT NULL)::int AS rated_count,
                   (NOT COALESCE(stage.closed, FALSE))::int AS open_count,
                   (rating.rating >= %(satisfied)s)::int AS satisfied_count,
                   (rating.rating >= %(ok)s AND rating.rating < %(satisfied)s)::int AS okay_count,
                   (rating.rating >= %(minimum)s AND rating.rating < %(ok)s)::int AS dissatisfied_count
            """,
            satisfied=RATING_LIMIT_SATISFIED,
            ok=RATING_LIMIT_OK,
            minimum=RATING_LIMIT_MIN,
        )

    def _from(self):
        return SQL(
            """
              FROM helpdesk_ticket ticket
              JOIN crm_loyalty_score score
                ON score.partner_id = ticket.commercial_partner_id AND score.company_id = ticket.company_id
              JOIN res_partner partner ON partner.id = ticket.commercial_partner_id
         LEFT JOIN helpdesk_ticket_stage stage ON stage.id = ticket.stage_id
         LEFT JOIN helpdesk_ticket_category category ON category.id = ticket.category_id
         -- the latest filled rating of each ticket, in one pass over the tickets' ratings (a LATERAL
         -- subquery per ticket costs 100k index lookups and a JIT compilation at 100k tickets)
         LEFT JOIN (
                    SELECT DISTINCT ON (last.res_id)
                           last.res_id, last.rating, COALESCE(last.write_date, last.create_date) AS rating_date
                      FROM rating_rating last
                     WHERE last.res_model = 'helpdesk.ticket'
                       AND last.consumed
                       AND last.rating >= %(minimum)s
                  ORDER BY last.res_id, COALESCE(last.write_date, last.create_date) DESC, last.id DESC
                   ) rating ON rating.res_id = ticket.id
            """,
            minimum=RATING_LIMIT_MIN,
        )

    def _where(self):
        return SQL("ticket.active")

    def _query(self):
        return SQL("%s %s WHERE %s", self._select(), self._from(), self._where())

    def _search(self, domain, offset=0, limit=None, order=None):
        """A row shows a ticket (its name, agent and rating): only the rows of the tickets the user may read
        (helpdesk's own rules: an agent's team, an employee's own tickets), within the report's rules (the
        customers' scope, own or all)."""
        query = super()._search(domain, offset=offset, limit=limit, order=order)
        if not self.env.su and not query.is_empty():
            query.add_where(
                SQL(
                    "%s IN %s",
                    SQL.identifier(self._table, "ticket_id"),
                    self.env["helpdesk.ticket"]._search([]).subselect(),
                )
            )
        return query

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
