# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.crm_loyalty.models.loyalty_access import LOYALTY_USER, check_group

RECENT_MONTHS = 3  # the recent satisfaction: ratings of the tickets of the window's last three months
FALLING_BY = 1.0  # falling: the recent average at least one point (of 5) below the rest of the window's
PROFIT_POTENTIAL_QUANTILE = 0.8  # high lifetime value: the top fifth of the company's positive lifetime values


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
    satisfaction_recent = fields.Float(
        string="Recent Satisfaction",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Average rating of the customer's tickets created in the last three months of the ranking window.",
    )
    satisfaction_trend = fields.Float(
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Recent satisfaction minus that of the rest of the ranking window (0 when either has no rating).",
    )
    satisfaction_alert = fields.Boolean(
        string="Low Satisfaction, Profit Potential",
        readonly=True,
        help="A key (profitable) customer, or one whose lifetime value is in the company's top fifth, whose "
        "satisfaction is below the company's threshold or fell by a point or more in the last three months.",
    )

    @api.model
    def _loyalty_after_write_back(self, company, run, reference_date):
        res = super()._loyalty_after_write_back(company, run, reference_date)
        self._loyalty_update_service_figures(company, reference_date)
        return res

    @api.model
    def _loyalty_update_service_figures(self, company, reference_date):
        """Set the ticket, complaint and satisfaction figures of every score of ``company`` as of
        ``reference_date`` in one set-based UPDATE that writes only the scores whose figures changed;
        returns how many it wrote."""
        self.env["helpdesk.ticket"].flush_model()
        self.env["helpdesk.ticket.stage"].flush_model(["closed"])
        self.env["helpdesk.ticket.category"].flush_model(["is_complaint"])
        self.env["rating.rating"].flush_model()
        self.flush_model(["partner_id", "company_id", "clv", "profit_class"])
        date_from = reference_date - relativedelta(months=company.loyalty_ranking_months)
        recent_from = max(date_from, reference_date - relativedelta(months=RECENT_MONTHS))
        self.env.cr.execute(
            SQL(
                """
                SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY clv)
                  FROM crm_loyalty_score WHERE company_id = %s AND clv > 0
                """,
                PROFIT_POTENTIAL_QUANTILE,
                company.id,
            )
        )
        high_clv = self.env.cr.fetchone()[0]
        # rounded to the fields' digits: the stored figures compare equal to the new ones when nothing changed
        new_values = SQL(
            """(COALESCE(stats.tickets, 0), COALESCE(stats.complaints, 0), COALESCE(stats.open_tickets, 0),
                COALESCE(ROUND(stats.resolution_hours::numeric, 1), 0),
                COALESCE(ROUND(ratings.satisfaction::numeric, 2), 0),
                COALESCE(ratings.rating_count, 0), COALESCE(ROUND(ratings.recent::numeric, 2), 0),
                COALESCE(ROUND((ratings.recent - ratings.earlier)::numeric, 2), 0),
                COALESCE((ratings.satisfaction < %(threshold)s OR ratings.recent <= ratings.earlier - %(falling_by)s)
                         AND (base.profit_class = 'key' OR base.clv >= %(high_clv)s), FALSE))""",
            threshold=company.loyalty_satisfaction_threshold,
            falling_by=FALLING_BY,
            high_clv=high_clv,
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_loyalty_score score
                   SET (ticket_count, complaint_count, open_ticket_count, avg_resolution_hours, satisfaction,
                        satisfaction_count, satisfaction_recent, satisfaction_trend, satisfaction_alert) = %(new)s
                  FROM crm_loyalty_score base
             LEFT JOIN (
                        SELECT ticket.commercial_partner_id AS partner_id,
                               COUNT(*) FILTER (WHERE ticket.create_date >= %(date_from)s) AS tickets,
                               COUNT(*) FILTER (WHERE ticket.create_date >= %(date_from)s
                                                  AND category.is_complaint) AS complaints,
                               COUNT(*) FILTER (WHERE NOT COALESCE(stage.closed, FALSE)) AS open_tickets,
                               AVG(EXTRACT(EPOCH FROM ticket.closed_date - ticket.create_date)::float / 3600.0)
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
                               COUNT(*) AS rating_count,
                               AVG(rating.rating) FILTER (WHERE ticket.create_date >= %(recent_from)s) AS recent,
                               AVG(rating.rating) FILTER (WHERE ticket.create_date < %(recent_from)s) AS earlier
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
                        score.avg_resolution_hours, score.satisfaction, score.satisfaction_count,
                        score.satisfaction_recent, score.satisfaction_trend, score.satisfaction_alert)
                       IS DISTINCT FROM %(new)s
                """,
                new=new_values,
                company=company.id,
                date_from=date_from,
                recent_from=recent_from,
                date_to=reference_date + relativedelta(days=1),
            )
        )
        written = self.env.cr.rowcount
        self.invalidate_model(
            [
                "ticket_count",
                "complaint_count",
                "open_ticket_count",
                "avg_resolution_hours",
                "satisfaction",
                "satisfaction_count",
                "satisfaction_recent",
                "satisfaction_trend",
                "satisfaction_alert",
            ]
        )
        return written

    # ------------------------------------------------------------------
    # Satisfaction and complaint analysis
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_check_report_access(self):
        """The satisfaction and complaint entry points: Loyalty Users only."""
        check_group(self.env, LOYALTY_USER, self.env._("Only Loyalty Users can open the customer loyalty reports."))

    @api.model
    def _loyalty_report_action(self, xmlid):
        self._loyalty_check_report_access()
        return self.env["ir.actions.act_window"]._for_xml_id(xmlid)

    @api.model
    def action_loyalty_satisfaction_analysis(self):
        return self._loyalty_report_action("crm_loyalty_helpdesk.crm_loyalty_ticket_report_action_satisfaction")

    @api.model
    def action_loyalty_complaint_analysis(self):
        return self._loyalty_report_action("crm_loyalty_helpdesk.crm_loyalty_ticket_report_action_complaint")

    @api.model
    def action_loyalty_satisfaction_alerts(self):
        return self._loyalty_report_action("crm_loyalty_helpdesk.crm_loyalty_score_action_satisfaction_alert")

    @api.model
    def _loyalty_satisfaction_alert_count(self, company):
        # under the user's record rules: a salesperson counts their own customers
        return self.search_count([("company_id", "=", company.id), ("satisfaction_alert", "=", True)])
