# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"

    ticket_count = fields.Integer(string="Tickets", readonly=True, help="Tickets created in the ranking window.")
    complaint_count = fields.Integer(
        string="Complaints", readonly=True, help="Tickets of a complaint category created in the ranking window."
    )
    open_ticket_count = fields.Integer(string="Open Tickets", readonly=True)
    avg_resolution_hours = fields.Float(
        string="Average Resolution (h)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Average time from creation to closing of the tickets closed in the ranking window.",
    )
    satisfaction = fields.Float(
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Average rating (1 to 5) the customer gave to its tickets created in the ranking window.",
    )
    satisfaction_count = fields.Integer(string="Ratings", readonly=True)

    @api.model
    def _loyalty_after_write_back(self, company, run, reference_date):
        res = super()._loyalty_after_write_back(company, run, reference_date)
        self.env["helpdesk.ticket"].flush_model()
        self.env["rating.rating"].flush_model()
        date_from = reference_date - relativedelta(months=company.loyalty_ranking_months)
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_loyalty_score score
                   SET ticket_count = COALESCE(stats.tickets, 0),
                       complaint_count = COALESCE(stats.complaints, 0),
                       open_ticket_count = COALESCE(stats.open_tickets, 0),
                       avg_resolution_hours = COALESCE(stats.resolution_hours, 0),
                       satisfaction = COALESCE(ratings.satisfaction, 0),
                       satisfaction_count = COALESCE(ratings.rating_count, 0)
                  FROM crm_loyalty_score base
             LEFT JOIN (
                        SELECT ticket.commercial_partner_id AS partner_id,
                               COUNT(*) FILTER (WHERE ticket.create_date >= %(date_from)s) AS tickets,
                               COUNT(*) FILTER (WHERE ticket.create_date >= %(date_from)s
                                                  AND category.is_complaint) AS complaints,
                               COUNT(*) FILTER (WHERE NOT COALESCE(stage.closed, FALSE)) AS open_tickets,
                               AVG(EXTRACT(EPOCH FROM ticket.closed_date - ticket.create_date) / 3600.0)
                                   FILTER (WHERE stage.closed AND ticket.closed_date >= %(date_from)s)
                                   AS resolution_hours
                          FROM helpdesk_ticket ticket
                     LEFT JOIN helpdesk_ticket_stage stage ON stage.id = ticket.stage_id
                     LEFT JOIN helpdesk_ticket_category category ON category.id = ticket.category_id
                         WHERE ticket.company_id = %(company)s
                           AND ticket.active
                           AND ticket.create_date < %(date_to)s
                      GROUP BY ticket.commercial_partner_id
                       ) stats ON stats.partner_id = base.partner_id
             LEFT JOIN (
                        SELECT ticket.commercial_partner_id AS partner_id,
                               AVG(rating.rating) AS satisfaction,
                               COUNT(*) AS rating_count
                          FROM rating_rating rating
                          JOIN helpdesk_ticket ticket
                            ON rating.res_model = 'helpdesk.ticket' AND ticket.id = rating.res_id
                         WHERE rating.consumed
                           AND rating.rating > 0
                           AND ticket.company_id = %(company)s
                           AND ticket.create_date >= %(date_from)s
                           AND ticket.create_date < %(date_to)s
                      GROUP BY ticket.commercial_partner_id
                       ) ratings ON ratings.partner_id = base.partner_id
                 WHERE base.id = score.id
                   AND score.company_id = %(company)s
                   -- write only what changed
                   AND (score.ticket_count, score.complaint_count, score.open_ticket_count,
                        score.avg_resolution_hours, score.satisfaction, score.satisfaction_count)
                       IS DISTINCT FROM
                       (COALESCE(stats.tickets, 0), COALESCE(stats.complaints, 0), COALESCE(stats.open_tickets, 0),
                        COALESCE(stats.resolution_hours, 0), COALESCE(ratings.satisfaction, 0),
                        COALESCE(ratings.rating_count, 0))
                """,
                company=company.id,
                date_from=date_from,
                date_to=reference_date + relativedelta(days=1),
            )
        )
        self.invalidate_model(
            [
                "ticket_count",
                "complaint_count",
                "open_ticket_count",
                "avg_resolution_hours",
                "satisfaction",
                "satisfaction_count",
            ]
        )
        return res
