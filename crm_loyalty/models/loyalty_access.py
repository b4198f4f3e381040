# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may do what: the module's groups and the explicit check every action makes before it
works as superuser; the dates an analysis may cover."""

from datetime import date

from odoo.exceptions import AccessError, ValidationError

LOYALTY_USER = "crm_loyalty.group_loyalty_user"
LOYALTY_USER_ALL = "crm_loyalty.group_loyalty_user_all"
LOYALTY_MANAGER = "crm_loyalty.group_loyalty_manager"

# the dates an analysis may cover: within the invoices any company can hold, and within what pandas' timestamps
# (the history readers) represent
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2200, 12, 31)


def check_group(env, group, message):
    """Raise ``AccessError(message)`` unless the user of ``env`` belongs to ``group`` (an xml id).

    Code already running as superuser (crons, demo data, ``sudo()`` callers) is trusted. Note that
    ``env.user`` is always a superuser record: the flag must be read on the caller's ``env``.
    """
    if not (env.su or env.user.has_group(group)):
        raise AccessError(message)


def check_period(env, *dates):
    """Refuse (ValidationError) a date of an analysis period outside :data:`FIRST_DATE` .. :data:`LAST_DATE`."""
    for day in dates:
        if day and not FIRST_DATE <= day <= LAST_DATE:
            raise ValidationError(
                env._(
                    "The date %(date)s is out of range: an analysis covers dates between %(first)s and %(last)s.",
                    date=day,
                    first=FIRST_DATE,
                    last=LAST_DATE,
                )
            )
