# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.1.0: Loyalty Users see the customers whose salesperson they are, unless they are in the new
"User: All Customers" group (implied by Sales' "All Documents"). Users who were given the loyalty rights
directly, without being salespeople, saw every customer before: they keep doing so.

No stored column changes: the loyalty fields removed from contacts were computed, scores, history,
overrides and settings stay as they are."""

import logging

from odoo import SUPERUSER_ID, Command, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
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
