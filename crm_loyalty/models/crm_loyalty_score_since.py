# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The customers whose figures of the finish step (payment risk, bands, ...) may have changed since the
previous run: the nightly run recomputes those figures for them only (``crm.loyalty.run._loyalty_since``)."""

import logging

from odoo import api, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

CHANGED_TABLE = "crm_loyalty_changed"
EVERYONE_SHARE = 0.25  # more changed customers than this share of them: recompute every customer


class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _loyalty_finish_settings(self, company):
        """Hook: the settings of ``company`` the finish step's figures depend on, as a dict of JSON values
        (each figure adds its own); when they change, the next run recomputes them for every customer."""
        return {}

    @api.model
    def _loyalty_changed_queries(self, company, since, reference_date):
        """Hook: SQL queries (one column of partner ids each) of the customers of ``company`` whose figures
        of the finish step may differ from those stored as of ``since.reference_date`` (:class:`Since`), each
        figure adding the inputs it reads. Here: the contacts written since the watermark, and the customers
        whose score the run wrote. The engine writes a
        score when its values changed and stamps it with its run (not by its write date: the engine writes in
        bulk with the server's clock, and a run a few minutes after the previous one would see every score as
        changed); only the engine writes the values and creates the scores."""
        return [
            SQL("SELECT partner.id FROM res_partner partner WHERE partner.write_date >= %s", since.watermark),
            SQL(
                "SELECT score.partner_id FROM crm_loyalty_score score WHERE score.company_id = %s AND score.run_id = %s",  # noqa: E501
                company.id,
                since.run_id,
            ),
        ]

    @api.model
    def _loyalty_changed_partners(self, company, since, reference_date):
        """The customers whose figures of the finish step may have changed (:meth:`_loyalty_changed_queries`),
        collected once per run in a temporary table that every figure of the step reads.

        :returns: ``(SQL selecting their partner_id, their number)``, or ``(None, their number)`` when they
            are more than a quarter of the company's customers (the figures' statements over every customer
            are then cheaper than looking each one up: a run whose date moved after a long pause)
        """
        cr = self.env.cr
        table = SQL.identifier(f"{CHANGED_TABLE}_{int(since.run_id)}")
        cr.execute(SQL("SELECT to_regclass(%s)", f"pg_temp.{CHANGED_TABLE}_{int(since.run_id)}"))
        if not cr.fetchone()[0]:
            self.env.flush_all()  # the write dates of every model the queries read
            queries = self._loyalty_changed_queries(company, since, reference_date)
            cr.execute(
                SQL(
                    """CREATE TEMPORARY TABLE %(table)s ON COMMIT DROP AS
                       SELECT partner_id FROM (%(union)s) AS changed(partner_id) WHERE partner_id IS NOT NULL""",
                    table=table,
                    union=SQL(" UNION ").join(queries),
                )
            )
            count = cr.rowcount
            cr.execute(SQL("CREATE UNIQUE INDEX ON %s (partner_id)", table))
            cr.execute(SQL("ANALYZE %s", table))
            _logger.info("Finish step of run %s: %s customers whose inputs changed", since.run_id, count)
        else:
            cr.execute(SQL("SELECT COUNT(*) FROM %s", table))
            count = cr.fetchone()[0]
        # the customers the run scored (its compute step counted them), else those with a score
        total = self.env["crm.loyalty.run"].browse(since.run_id).exists().partner_count
        if not total:
            total = self.search_count([("company_id", "=", company.id)])
        if count > total * EVERYONE_SHARE:
            return None, count
        return SQL("SELECT partner_id FROM %s", table), count
