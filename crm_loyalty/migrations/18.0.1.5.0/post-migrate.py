# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.5.0: segment bands. The bands of the existing scores are set now, as of the date of each company's
last finished run (one set-based statement per company), rather than at the next night's run."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for company, reference_date in env["crm.loyalty.run"]._loyalty_last_reference_dates():
        changed = env["crm.loyalty.score"]._loyalty_update_bands(company, reference_date)
        _logger.info(
            "crm_loyalty: segment bands of company %s as of %s (%s scores)", company.id, reference_date, changed
        )
