# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Dates as the user's language writes them."""

from babel.dates import format_skeleton

from odoo.tools.misc import babel_locale_parse


def month_label(env, day, wide=False):
    """The month of ``day`` in the user's language: "Nov 2026" (``wide``: "November 2026") in English, "2026年11月"
    in Chinese (a locale's own pattern, where a fixed "MMM yyyy" gives "十一月 2026")."""
    return format_skeleton("yMMMM" if wide else "yMMM", day, locale=babel_locale_parse(env.lang or "en_US"))
