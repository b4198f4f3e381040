# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CrmLoyaltyKpi(models.Model):
    _inherit = "crm.loyalty.kpi"

    satisfaction = fields.Float(
        string="Average Satisfaction",
        digits=(3, 2),
        readonly=True,
        aggregator="avg",
        help="Average rating (1 to 5) the customers gave to their helpdesk tickets during the month.",
    )
    satisfaction_count = fields.Integer(string="Ratings", readonly=True)

    @api.model
    def _loyalty_kpi_extra(self, company, start, end, partner_user, partner_level):
        extra = super()._loyalty_kpi_extra(company, start, end, partner_user, partner_level)
        self.env["rating.rating"].flush_model()
        self.env["helpdesk.ticket"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT ticket.commercial_partner_id, SUM(rating.rating), COUNT(*)
                  FROM rating_rating rating
                  JOIN helpdesk_ticket ticket ON rating.res_model = 'helpdesk.ticket' AND ticket.id = rating.res_id
                 WHERE rating.consumed
                   AND rating.rating > 0
                   AND ticket.company_id = %(company)s
                   AND COALESCE(rating.write_date, rating.create_date) >= %(start)s
                   AND COALESCE(rating.write_date, rating.create_date) < %(end)s
              GROUP BY ticket.commercial_partner_id
                """,
                company=company.id,
                start=start,
                end=end + relativedelta(days=1),
            )
        )
        totals = defaultdict(lambda: [0.0, 0])
        for partner_id, rating_sum, count in self.env.cr.fetchall():
            keys = [(False, False)]
            if partner_user.get(partner_id):
                keys.append((partner_user[partner_id], False))
            if partner_level.get(partner_id):
                keys.append((False, partner_level[partner_id]))
            for key in keys:
                totals[key][0] += float(rating_sum)
                totals[key][1] += count
        for key, (rating_sum, count) in totals.items():
            extra.setdefault(key, {}).update({"satisfaction": rating_sum / count, "satisfaction_count": count})
        return extra
