# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.5.0: segment bands. The bands of the existing scores are set now, as of the date of each company's
last finished run (one set-based statement per company), rather than at the next night's run."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(
        """SELECT DISTINCT ON (company_id) company_id, reference_date
             FROM crm_loyalty_run
            WHERE state = 'done' AND reference_date IS NOT NULL
         ORDER BY company_id, date_end DESC NULLS LAST, id DESC"""
    )
    for company_id, reference_date in cr.fetchall():
        company = env["res.company"].browse(company_id)
        changed = env["crm.loyalty.score"]._loyalty_update_bands(company, reference_date)
        _logger.info(
            "crm_loyalty: segment bands of company %s as of %s (%s scores)", company_id, reference_date, changed
        )
