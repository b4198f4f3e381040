# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Numerical analytics of crm_loyalty: pure functions on pandas / numpy data.

This package must not import Odoo: the models gather data with SQL, call these
functions and write the results back in bulk.
"""

from .pyramid import (
    DEFAULT_SHARES,
    LEVEL_CODES,
    RANKED_CODES,
    PyramidConfigError,
    assign_levels,
    customer_metrics,
    cut_counts,
    margin_percent,
    profit_classes,
    rank_customers,
    validate_profit_band,
    validate_shares,
)
