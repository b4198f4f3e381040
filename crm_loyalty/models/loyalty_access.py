# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may do what: the module's groups and the explicit check every action makes before it
works as superuser."""

from odoo.exceptions import AccessError

LOYALTY_USER = "crm_loyalty.group_loyalty_user"
LOYALTY_USER_ALL = "crm_loyalty.group_loyalty_user_all"
LOYALTY_MANAGER = "crm_loyalty.group_loyalty_manager"


def check_group(env, group, message):
    """Raise ``AccessError(message)`` unless the user of ``env`` belongs to ``group`` (an xml id).

    Code already running as superuser (crons, demo data, ``sudo()`` callers) is trusted. Note that
    ``env.user`` is always a superuser record: the flag must be read on the caller's ``env``.
    """
    if not (env.su or env.user.has_group(group)):
        raise AccessError(message)
