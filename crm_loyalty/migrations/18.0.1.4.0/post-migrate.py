# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.4.0: payment risk. The grades of the existing scores are computed now, as of the date of each
company's last finished run (one set-based statement per company), rather than at the next night's run."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for company, reference_date in env["crm.loyalty.run"]._loyalty_last_reference_dates():
        env["crm.loyalty.score"]._loyalty_update_payment_risk(company, reference_date)
        _logger.info("crm_loyalty: payment risk of company %s as of %s", company.id, reference_date)
