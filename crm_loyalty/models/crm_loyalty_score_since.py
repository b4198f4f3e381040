# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The customers whose figures of the finish step (payment risk, bands, ...) may have changed since the
previous run: the nightly run recomputes those figures for them only (``crm.loyalty.run._loyalty_since``)."""

from odoo import api, models
from odoo.tools import SQL

CHANGED_TABLE = "crm_loyalty_changed"


class CrmLoyaltyScore(models.Model):
    _inherit = "crm.loyalty.score"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _loyalty_finish_settings(self, company):
        """Hook: the settings of ``company`` the finish step's figures depend on, as a dict of JSON values
        (each figure adds its own); when they change, the next run recomputes them for every customer."""
        return {}

    @api.model
    def _loyalty_changed_partners(self, company, since, queries):
        """Collect in a temporary table the partners that the SQL ``queries`` select (one column of partner
        ids each), together with the partners whose score the run wrote: the engine writes a score when its
        values changed, and stamps it with its run (not by its write date: the engine writes in bulk with the
        server's clock, and a run a few minutes after the previous one would see every score as changed).
        Only the engine writes the values and creates the scores.

        :returns: ``(SQL selecting their partner_id, their number)``
        """
        cr = self.env.cr
        self.env.flush_all()  # the write dates of every model the queries read
        scores = SQL(
            """SELECT score.partner_id FROM crm_loyalty_score score
                WHERE score.company_id = %(company)s
                  AND score.run_id = %(run)s""",
            company=company.id,
            run=since.run_id,
        )
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(CHANGED_TABLE)))
        cr.execute(
            SQL(
                """CREATE TEMPORARY TABLE %(table)s ON COMMIT DROP AS
                   SELECT partner_id FROM (%(union)s) AS changed(partner_id) WHERE partner_id IS NOT NULL""",
                table=SQL.identifier(CHANGED_TABLE),
                union=SQL(" UNION ").join([scores, *queries]),
            )
        )
        count = cr.rowcount
        cr.execute(SQL("CREATE UNIQUE INDEX ON %s (partner_id)", SQL.identifier(CHANGED_TABLE)))
        cr.execute(SQL("ANALYZE %s", SQL.identifier(CHANGED_TABLE)))
        return SQL("SELECT partner_id FROM %s", SQL.identifier(CHANGED_TABLE)), count
