# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Numerical analytics of crm_loyalty: pure functions on pandas / numpy data.

This package must not import Odoo: the models gather data with SQL, call these
functions and write the results back in bulk.
"""

from .clv import (
    BgNbdParams,
    ClvFitError,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_expected_purchases_new,
    bgnbd_probability_alive,
    clv_summary,
    discounted_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    rfm_from_transactions,
)
from .lifecycle import (
    PHASE_DECLINING,
    PHASE_PEAK,
    PHASE_RISING,
    at_risk,
    elastic_flags,
    estimate_moved,
    historical_clv,
    observed_retention,
    value_phase,
)
from .pyramid import (
    DEFAULT_SHARES,
    LEVEL_CODES,
    RANKED_CODES,
    PyramidConfigError,
    assign_levels,
    customer_metrics,
    cut_counts,
    level_bounds,
    margin_percent,
    margin_ranks,
    profit_classes,
    rank_customers,
    validate_profit_band,
    validate_shares,
)
