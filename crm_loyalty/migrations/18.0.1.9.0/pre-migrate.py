# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.9.0: the ticket priority of a level (``crm_loyalty_level.helpdesk_priority``) belongs to the helpdesk
bridge now. Its field records are no longer the base addon's (their xml ids go), so that the upgrade does not
drop the column: the bridge, upgraded in the same run or installed later, declares the field and takes it over
with the priorities already set."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """DELETE FROM ir_model_data
            WHERE module = 'crm_loyalty'
              AND (name = 'field_crm_loyalty_level__helpdesk_priority'
                   OR name LIKE 'selection\\_\\_crm\\_loyalty\\_level\\_\\_helpdesk\\_priority\\_\\_%')"""
    )
    _logger.info("crm_loyalty: the levels' ticket priorities kept for the helpdesk bridge (%s records)", cr.rowcount)
