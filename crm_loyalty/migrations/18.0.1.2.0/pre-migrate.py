# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.2.0: a score's rank and day counts (recency, tenure) are no longer stored but read live (a
stored rank changed for every customer below one who moved up, the day counts for everyone every day,
and a nightly run rewrote every score). Who is ranked is kept in the new ``is_ranked`` column, filled
here from the stored rank. The old columns stay, unused, as Odoo leaves those of fields no longer stored
(nothing is dropped by an upgrade). The next run rewrites every score once: the values it compares
exactly changed (the hash of the stored values)."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute("ALTER TABLE crm_loyalty_score ADD COLUMN IF NOT EXISTS is_ranked boolean")
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'crm_loyalty_score' AND column_name = 'rank'"""
    )
    if cr.fetchone():
        cr.execute("UPDATE crm_loyalty_score SET is_ranked = COALESCE(rank, 0) > 0")
        _logger.info("crm_loyalty: %s scores marked ranked or not from their stored rank", cr.rowcount)
