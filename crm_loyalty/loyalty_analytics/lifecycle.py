# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Value phase, historical lifetime value, risk and elastic-customer flags.

Pure functions on numpy / pandas data (no Odoo import).
"""

import numpy as np

PHASE_RISING = "rising"
PHASE_PEAK = "peak"
PHASE_DECLINING = "declining"


def value_phase(period_revenue, threshold_pct):
    """Value phase of each customer from the trend of its revenue.

    :param period_revenue: 2-D array (customers x K periods, oldest first) of
        revenue per period, K >= 2
    :param threshold_pct: a trend above ``+threshold_pct`` % of the mean
        revenue per period is *rising*, below ``-threshold_pct`` % *declining*,
        in between *peak* (a plateau)
    :returns: ``(phases, trend_pct)``: object array of phase codes, and the
        least-squares slope of the revenue per period as a percent of the mean
        revenue per period (0 where the mean is not positive)

    A customer whose mean revenue over the periods is zero or negative (it
    stopped buying, or credit notes outweigh purchases) is *declining*.
    """
    revenue = np.nan_to_num(np.asarray(period_revenue, dtype=float))
    if revenue.ndim != 2 or revenue.shape[1] < 2:
        raise ValueError("The value phase needs the revenue of at least two periods per customer.")
    threshold = float(threshold_pct)
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError("The value-phase threshold must be a non-negative percentage.")
    periods = revenue.shape[1]
    x = np.arange(periods, dtype=float) - (periods - 1) / 2.0
    slope = revenue @ x / float(x @ x)
    mean = revenue.mean(axis=1)
    trend = np.zeros_like(mean)
    np.divide(slope * 100.0, mean, out=trend, where=mean > 0)
    phases = np.where(
        mean <= 0,
        PHASE_DECLINING,
        np.where(trend > threshold, PHASE_RISING, np.where(trend < -threshold, PHASE_DECLINING, PHASE_PEAK)),
    ).astype(object)
    return phases, trend


def observed_retention(previous_active, kept_active):
    """Share of the customers active in the previous window still active now.

    :returns: a float in [0, 1], or ``None`` when there was no customer to observe
    """
    previous_active = int(previous_active)
    if previous_active <= 0:
        return None
    return min(1.0, max(0.0, int(kept_active) / previous_active))


def historical_clv(monthly_margin, annual_retention, months=12, annual_discount_rate=0.10):
    """Lifetime value from history, when no model can be fitted.

    ``CLV = m * sum_{k=1..months} s^(k/12) / (1 + i)^k`` with ``m`` the
    customer's gross margin per month over a fixed observation period (the
    Odoo layer uses the ranking window, so that a single recent purchase is not
    taken for a monthly habit), ``s`` the
    observed annual retention (the customer survives month ``k`` with
    probability ``s^(k/12)``) and ``i`` the monthly discount rate equivalent to
    ``annual_discount_rate``.

    :param monthly_margin: array, average margin per month (company currency)
    :param annual_retention: float in [0, 1] (``None``: no churn observed, 1.0)
    :returns: numpy array of the discounted value over ``months`` months
    """
    margin = np.nan_to_num(np.asarray(monthly_margin, dtype=float))
    retention = 1.0 if annual_retention is None else float(annual_retention)
    if not 0.0 <= retention <= 1.0:
        raise ValueError("The retention rate must be between 0 and 1.")
    if int(months) != months or months < 0:
        raise ValueError("The CLV horizon must be a whole, non-negative number of months.")
    annual = float(annual_discount_rate)
    if not np.isfinite(annual) or annual <= -1:
        raise ValueError("The annual discount rate must be a number above -100% (e.g. 0.10 for 10%).")
    k = np.arange(1, int(months) + 1, dtype=float)
    factor = float(np.sum(retention ** (k / 12.0) / (1.0 + annual) ** (k / 12.0)))
    return margin * factor


def at_risk(is_active, probability_alive, threshold):
    """Active customers whose probability of being alive is under ``threshold``.

    ``probability_alive`` may hold NaN (no model): such customers are not flagged.
    """
    threshold = float(threshold)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("The P(alive) threshold must be between 0 and 1.")
    alive = np.asarray(probability_alive, dtype=float)
    return np.asarray(is_active, dtype=bool) & np.isfinite(alive) & (alive < threshold)


def elastic_flags(profit_class, clv, avg_discount_pct, invoiced_in_window, discount_threshold_pct):
    """Automatic elastic-customer flags of break-even ("general") customers.

    :returns: ``(positive_clv, price_insensitive)`` boolean arrays: a general
        customer with a positive lifetime value; a general customer invoiced in
        the window whose average discount is under ``discount_threshold_pct`` %
    """
    threshold = float(discount_threshold_pct)
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError("The discount threshold must be a non-negative percentage.")
    general = np.asarray(profit_class, dtype=object) == "general"
    clv = np.nan_to_num(np.asarray(clv, dtype=float))
    discount = np.nan_to_num(np.asarray(avg_discount_pct, dtype=float))
    invoiced = np.asarray(invoiced_in_window, dtype=bool)
    return general & (clv > 0), general & invoiced & (discount < threshold)


def estimate_moved(new, old, absolute, relative):
    """Whether a model estimate moved beyond its tolerance from the stored value, per customer.

    A refitted model moves its estimates a little every day for every customer; the stored value is kept
    while the new one stays within ``max(absolute, relative x |old|)`` of it. Compared with the stored
    value (not the previous run's), so the drift never adds up beyond the tolerance.

    :param new: the new estimates (NaN: no estimate)
    :param old: the stored ones (NaN: none stored)
    :returns: boolean array, True where the estimate must be written (a value appeared or went, or
        moved beyond the tolerance)
    """
    new = np.asarray(new, dtype=float)
    old = np.asarray(old, dtype=float)
    if absolute < 0 or relative < 0:
        raise ValueError("Tolerances cannot be negative.")
    missing_new, missing_old = np.isnan(new), np.isnan(old)
    with np.errstate(invalid="ignore"):
        moved = np.abs(new - old) > np.maximum(absolute, relative * np.abs(old))
    return np.where(missing_new | missing_old, missing_new != missing_old, moved)
