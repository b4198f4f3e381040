# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Segments of the scored customers (README, *Segmentation*): the customer's industry, country, state, salesperson and
sales team, stored with the score; and its band of years of cooperation, business volume, company size and lifetime
value (``crm.loyalty.band``), set by every run's finish step in one statement."""

from odoo import api, fields, models
from odoo.tools import SQL

SEGMENT_COLUMNS = ["user_id", "team_id", "industry_id", "country_id", "state_id"]
BAND_COLUMNS = {"tenure": "tenure_band_id", "volume": "volume_band_id", "size": "size_band_id", "clv": "clv_band_id"}


class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"  # pylint: disable=consider-merging-classes-inherited

    user_id = fields.Many2one(store=True)
    # Odoo 18 keeps no sales team on the contact: the salesperson's main team
    team_id = fields.Many2one(related="partner_id.user_id.sale_team_id", string="Sales Team", store=True)
    industry_id = fields.Many2one(related="partner_id.industry_id", string="Industry", store=True)
    country_id = fields.Many2one(related="partner_id.country_id", string="Country", store=True)
    state_id = fields.Many2one(related="partner_id.state_id", string="State", store=True)
    tenure_band_id = fields.Many2one(
        "crm.loyalty.band",
        string="Years of Cooperation",
        readonly=True,
        ondelete="set null",
        domain=[("kind", "=", "tenure")],
        help="Band of the years since the customer's first invoice, as of the computation.",
    )
    volume_band_id = fields.Many2one(
        "crm.loyalty.band",
        string="Business Volume",
        readonly=True,
        ondelete="set null",
        domain=[("kind", "=", "volume")],
        help="Band of the revenue of the ranking window.",
    )
    size_band_id = fields.Many2one(
        "crm.loyalty.band",
        string="Company Size",
        readonly=True,
        ondelete="set null",
        domain=[("kind", "=", "size")],
        help="Band of the customer's employees (Employees on the contact's Loyalty tab), as of the computation.",
    )
    clv_band_id = fields.Many2one(
        "crm.loyalty.band",
        string="Lifetime Value Band",
        readonly=True,
        ondelete="set null",
        domain=[("kind", "=", "clv")],
        help="Band of the customer's lifetime value.",
    )

    @api.model
    def _loyalty_after_write_back(self, company, run, reference_date):
        res = super()._loyalty_after_write_back(company, run, reference_date)
        self._loyalty_update_bands(company, reference_date, since=run._loyalty_since())
        return res

    @api.model
    def _loyalty_finish_settings(self, company):
        settings = super()._loyalty_finish_settings(company)
        self.env["crm.loyalty.band"].flush_model()
        self.env.cr.execute("SELECT id, kind, lower_bound, active FROM crm_loyalty_band ORDER BY id")
        settings["bands"] = self.env.cr.fetchall()
        return settings

    @api.model
    def _loyalty_changed_queries(self, company, since, reference_date):
        """The partners of ``company`` whose segments may differ from those stored as of
        ``since.reference_date`` besides those of the base (the contact written: its employees; the score
        written: its revenue and value; the salesperson, team, industry and country follow the contact through
        the ORM): when the date moved, a customer whose years of cooperation crossed the start of a band."""
        queries = super()._loyalty_changed_queries(company, since, reference_date)
        if reference_date != since.reference_date:
            queries.append(
                SQL(
                    """SELECT score.partner_id FROM crm_loyalty_score score
                        WHERE score.company_id = %(company)s AND score.invoice_count > 0
                          AND EXISTS (SELECT 1 FROM crm_loyalty_band band
                                       WHERE band.kind = 'tenure' AND band.active
                                         AND band.lower_bound
                                             BETWEEN LEAST(%(ref0)s::date - score.first_invoice_date,
                                                           %(ref)s::date - score.first_invoice_date) / 365.25
                                                 AND GREATEST(%(ref0)s::date - score.first_invoice_date,
                                                              %(ref)s::date - score.first_invoice_date) / 365.25)""",
                    company=company.id,
                    ref0=since.reference_date,
                    ref=reference_date,
                )
            )
        return queries

    @api.model
    def _loyalty_update_bands(self, company, reference_date, since=None):
        """Set the segments of the scores of ``company`` as of ``reference_date`` in one statement, writing
        only the scores whose segments change: the four bands, and the customer's salesperson, team, industry,
        country and state (the engine inserts scores in bulk, past the ORM's related fields; afterwards they
        follow the contact through the ORM). A customer never invoiced has no band of tenure, volume or value;
        one whose employees are not known has no size band. Every score, or with ``since``
        (:class:`Since`), those whose inputs changed since (:meth:`_loyalty_changed_partners`).

        :returns: the number of scores written"""
        self.flush_model(["company_id", "partner_id", "first_invoice_date", "revenue_window", "clv", "invoice_count"])
        self.env["res.partner"].flush_model(
            ["loyalty_employee_count", "user_id", "industry_id", "country_id", "state_id"]
        )
        self.env["res.users"].flush_model(["sale_team_id"])
        self.env["crm.loyalty.band"].flush_model()
        changed = SQL("TRUE")
        if since:
            partners, _count = self._loyalty_changed_partners(company, since, reference_date)
            if partners:
                changed = SQL("score.partner_id IN (%s)", partners)
        self.env.cr.execute(
            SQL(
                """
                WITH bands AS (
                    SELECT id, kind, lower_bound,
                           LEAD(lower_bound) OVER (PARTITION BY kind ORDER BY lower_bound) AS upper_bound
                      FROM crm_loyalty_band
                     WHERE active
                ),
                scores AS (
                    SELECT score.id, partner.user_id, salesperson.sale_team_id AS team_id, partner.industry_id,
                           partner.country_id, partner.state_id,
                           CASE WHEN score.invoice_count > 0
                                THEN (%(ref)s::date - score.first_invoice_date) / 365.25 END AS tenure,
                           CASE WHEN score.invoice_count > 0 THEN score.revenue_window END AS volume,
                           NULLIF(partner.loyalty_employee_count, 0) AS size,
                           CASE WHEN score.invoice_count > 0 THEN score.clv END AS clv
                      FROM crm_loyalty_score score
                      JOIN res_partner partner ON partner.id = score.partner_id
                 LEFT JOIN res_users salesperson ON salesperson.id = partner.user_id
                     WHERE score.company_id = %(company)s AND %(changed)s
                ),
                banded AS (
                    SELECT scores.id, scores.user_id, scores.team_id, scores.industry_id, scores.country_id,
                           scores.state_id, tenure.id AS tenure, volume.id AS volume, size.id AS size, clv.id AS clv
                      FROM scores
                 LEFT JOIN bands tenure ON tenure.kind = 'tenure' AND scores.tenure >= tenure.lower_bound
                           AND (tenure.upper_bound IS NULL OR scores.tenure < tenure.upper_bound)
                 LEFT JOIN bands volume ON volume.kind = 'volume' AND scores.volume >= volume.lower_bound
                           AND (volume.upper_bound IS NULL OR scores.volume < volume.upper_bound)
                 LEFT JOIN bands size ON size.kind = 'size' AND scores.size >= size.lower_bound
                           AND (size.upper_bound IS NULL OR scores.size < size.upper_bound)
                 LEFT JOIN bands clv ON clv.kind = 'clv' AND scores.clv >= clv.lower_bound
                           AND (clv.upper_bound IS NULL OR scores.clv < clv.upper_bound)
                )
                UPDATE crm_loyalty_score score
                   SET tenure_band_id = banded.tenure, volume_band_id = banded.volume,
                       size_band_id = banded.size, clv_band_id = banded.clv, user_id = banded.user_id,
                       team_id = banded.team_id, industry_id = banded.industry_id, country_id = banded.country_id,
                       state_id = banded.state_id
                  FROM banded
                 WHERE banded.id = score.id
                   AND (score.user_id IS DISTINCT FROM banded.user_id
                        OR score.team_id IS DISTINCT FROM banded.team_id
                        OR score.industry_id IS DISTINCT FROM banded.industry_id
                        OR score.country_id IS DISTINCT FROM banded.country_id
                        OR score.state_id IS DISTINCT FROM banded.state_id
                        OR score.tenure_band_id IS DISTINCT FROM banded.tenure
                        OR score.volume_band_id IS DISTINCT FROM banded.volume
                        OR score.size_band_id IS DISTINCT FROM banded.size
                        OR score.clv_band_id IS DISTINCT FROM banded.clv)
                """,
                ref=reference_date,
                company=company.id,
                changed=changed,
            )
        )
        changed = self.env.cr.rowcount
        self.invalidate_model([*BAND_COLUMNS.values(), *SEGMENT_COLUMNS])
        return changed
