# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.1.0: Loyalty Users see the customers whose salesperson they are, unless they are in the new
"User: All Customers" group (implied by Sales' "All Documents"). Users who were given the loyalty rights
directly, without being salespeople, saw every customer before: they keep doing so.

The loyalty fields removed from contacts were computed; scores, history, overrides and settings stay as
they are. The recompute engine's new columns: runs of the previous version ran in the request and ended
(step done, 100 %); economics and migration analyses were computed when saved, so they do not need a
computation (their new ``needs_compute`` flag is off, a migration's ``computed_on`` is its last save).
Three single-column indexes are dropped: the score's partner and company (its unique partner / company
index serves them) and the history's company (few values: its date and partner indexes serve). The level
history is not rebuilt: it holds the real changes since the module was installed (managers
can rebuild it from the invoices with the dashboard's Rebuild History)."""

import logging

from odoo import SUPERUSER_ID, Command, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """UPDATE crm_loyalty_run
              SET mode = 'sync', step = 'done', progress = 100,
                  date_end = date_start + make_interval(secs => coalesce(duration, 0))
            WHERE date_end IS NULL AND state IN ('done', 'failed')"""
    )
    _logger.info("crm_loyalty: %s earlier runs marked ended", cr.rowcount)
    cr.execute("UPDATE crm_loyalty_economics SET needs_compute = false WHERE computed_on IS NOT NULL")
    cr.execute(
        """UPDATE crm_loyalty_migration
              SET needs_compute = false, computed_on = coalesce(computed_on, write_date)
            WHERE EXISTS (SELECT 1 FROM crm_loyalty_migration_line line
                           WHERE line.migration_id = crm_loyalty_migration.id)"""
    )
    # indexes the engine no longer keeps (the unique partner / company index serves the scores)
    cr.execute(
        """DROP INDEX IF EXISTS crm_loyalty_score__partner_id_index, crm_loyalty_score__company_id_index,
                                crm_loyalty_history__company_id_index"""
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    every_customer = env.ref("crm_loyalty.group_loyalty_user_all")
    salesman = env.ref("sales_team.group_sale_salesman")
    users = env.ref("crm_loyalty.group_loyalty_user").users.filtered(
        lambda user: salesman not in user.groups_id and every_customer not in user.groups_id
    )
    if users:
        every_customer.users = [Command.link(user.id) for user in users]
        _logger.info(
            "crm_loyalty: %s direct Loyalty Users keep seeing every customer: %s", len(users), users.mapped("login")
        )
