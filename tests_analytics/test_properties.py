"""Property-based tests of the pure analytics on random invoice histories (hypothesis)."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from loyalty_analytics import (
    RANKED_CODES,
    ClvFitError,
    assign_levels,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    cut_counts,
    discounted_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    historical_clv,
    rfm_from_transactions,
)
from loyalty_analytics.kpi import period_kpis, period_kpis_by_level

REFERENCE = date(2025, 6, 30)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# an invoice: (customer, days before the reference date, amount; credit notes negative)
invoices = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=40),
        st.integers(min_value=0, max_value=1100),
        st.one_of(
            st.floats(min_value=0.01, max_value=1e7, allow_nan=False, allow_infinity=False),
            st.floats(min_value=-5e3, max_value=-0.01, allow_nan=False, allow_infinity=False),
            st.just(0.0),
        ),
    ),
    min_size=0,
    max_size=200,
)

# shares in hundredths of a percent, all positive, summing to 100 %
shares_strategy = (
    st.lists(st.integers(min_value=1, max_value=9997), min_size=3, max_size=3, unique=True)
    .map(sorted)
    .filter(lambda cuts: cuts[-1] < 10000)
    .map(lambda cuts: [b - a for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)])
    .map(lambda parts: dict(zip(RANKED_CODES, (p / 100 for p in parts), strict=True)))
)


def _frame(rows, window_days=365, activity_days=365, extra_customers=0):
    """The frame ``assign_levels`` takes, built from invoices as the Odoo layer does."""
    moves = pd.DataFrame(rows, columns=["partner_id", "days", "amount"])
    customers = sorted(set(moves["partner_id"]) | set(range(1000, 1000 + extra_customers)))
    frame = pd.DataFrame({"partner_id": np.array(customers, dtype=np.int64)})
    in_window = moves[moves["days"] < window_days].groupby("partner_id")["amount"].sum()
    lifetime = moves.groupby("partner_id")["amount"].sum()
    active = moves[(moves["days"] < activity_days) & (moves["amount"] >= 0)].groupby("partner_id").size()
    count = moves.groupby("partner_id").size()
    frame["revenue_window"] = frame["partner_id"].map(in_window).fillna(0.0).to_numpy()
    frame["revenue_lifetime"] = frame["partner_id"].map(lifetime).fillna(0.0).to_numpy()
    frame["move_count"] = frame["partner_id"].map(count).fillna(0).astype(int).to_numpy()
    frame["is_active"] = frame["partner_id"].map(active).fillna(0).to_numpy() > 0
    frame["in_pipeline"] = frame["partner_id"] % 3 == 0
    return frame


@SETTINGS
@given(rows=invoices, shares=shares_strategy, extra=st.integers(min_value=0, max_value=5))
def test_levels_add_up_and_follow_the_rounding_rule(rows, shares, extra):
    frame = _frame(rows, extra_customers=extra)
    result = assign_levels(frame, shares)
    active = frame["is_active"].to_numpy()
    n_active = int(active.sum())
    codes = result["level_code"]
    # every customer has exactly one level; the ranked levels hold exactly the active customers
    assert len(result) == len(frame)
    assert codes[active].isin(RANKED_CODES).all()
    assert not codes[~active].isin(RANKED_CODES).any()
    # the cuts: the first ceil(n x cumulative share) customers, except that a customer without
    # positive window revenue is never above Small (it moves down, nobody moves up)
    counts = cut_counts(n_active, shares)
    assert sum(counts.values()) == n_active
    cumulative = 0
    for code in RANKED_CODES[:-1]:
        cumulative += round(shares[code] * 100)
        expected_boundary = min(n_active, -(-n_active * cumulative // 10000))
        placed = sum(counts[c] for c in RANKED_CODES[: RANKED_CODES.index(code) + 1])
        assert placed == expected_boundary
    ranks = result["rank"].to_numpy()
    revenue = frame["revenue_window"].to_numpy()
    for position, code in enumerate(RANKED_CODES):
        boundary = sum(counts[c] for c in RANKED_CODES[: position + 1])
        start = boundary - counts[code]
        in_slot = active & (ranks > start) & (ranks <= boundary)
        if code == "small":
            assert (codes[in_slot] == "small").all()
        else:
            assert (codes[in_slot & (revenue > 0)] == code).all()
            assert (codes[in_slot & (revenue <= 0)] == "small").all()


@SETTINGS
@given(rows=invoices, shares=shares_strategy)
def test_ranks_are_a_permutation_best_first(rows, shares):
    frame = _frame(rows)
    result = assign_levels(frame, shares)
    active = frame["is_active"].to_numpy()
    ranks = result["rank"].to_numpy()
    assert sorted(ranks[active].tolist()) == list(range(1, int(active.sum()) + 1))
    assert (ranks[~active] == 0).all()
    ordered = frame.loc[active].assign(rank=ranks[active]).sort_values("rank")
    assert (np.diff(ordered["revenue_window"].to_numpy()) <= 0).all(), "window revenue never rises down the table"


def _transactions(rows):
    frame = pd.DataFrame(rows, columns=["partner_id", "days", "amount"])
    frame["date"] = pd.Timestamp(REFERENCE) - pd.to_timedelta(frame["days"], unit="D")
    return frame


@SETTINGS
@given(rows=invoices, months=st.integers(min_value=0, max_value=60), rate=st.floats(min_value=0.0, max_value=2.0))
def test_lifetime_values_stay_in_range(rows, months, rate):
    rfm = rfm_from_transactions(_transactions(rows), "partner_id", "date", "amount", REFERENCE, time_unit_days=7)
    assert np.isfinite(rfm.to_numpy(dtype=float)).all()
    assert ((rfm["recency"] >= 0) & (rfm["recency"] <= rfm["T"])).all()
    try:
        bgnbd = fit_bgnbd(rfm["frequency"], rfm["recency"], rfm["T"])
    except ClvFitError:
        bgnbd = None
    if bgnbd is not None:
        args = (rfm["frequency"], rfm["recency"], rfm["T"])
        alive = bgnbd_probability_alive(bgnbd, *args)
        assert np.isfinite(alive).all() and ((alive >= 0) & (alive <= 1)).all()
        expected = bgnbd_expected_purchases(bgnbd, months * 365.25 / 12 / 7, *args)
        assert np.isfinite(expected).all() and (expected >= -1e-9).all()
        try:
            gamma_gamma = fit_gamma_gamma(rfm["frequency"], rfm["monetary_value"])
        except ClvFitError:
            gamma_gamma = None
        if gamma_gamma is not None:
            spend = gamma_gamma_expected_spend(gamma_gamma, rfm["frequency"], rfm["monetary_value"])
            assert np.isfinite(spend).all() and (spend >= 0).all()
            clv = discounted_clv(
                bgnbd, gamma_gamma, *args, rfm["monetary_value"], months=months, annual_discount_rate=rate
            )
            assert np.isfinite(clv).all() and (clv >= -1e-6).all()
    # the historical fallback: finite, proportional to the margin, never above the undiscounted sum
    margin = np.array([amount for _p, _d, amount in rows] or [0.0]) / 12
    retention = 0.5
    values = historical_clv(margin, retention, months, rate)
    assert np.isfinite(values).all()
    assert (np.abs(values) <= np.abs(margin) * months + 1e-6).all()


# a level history: (customer, days before the reference date, level code or None for "left")
histories = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=30),
        st.integers(min_value=0, max_value=120),
        st.sampled_from([*RANKED_CODES, "inactive", "prospect", "suspect", None]),
    ),
    min_size=0,
    max_size=150,
)


@SETTINGS
@given(
    rows=histories, start_back=st.integers(min_value=0, max_value=120), length=st.integers(min_value=0, max_value=60)
)
def test_kpis_add_up_across_levels(rows, start_back, length):
    history = pd.DataFrame(rows, columns=["partner_id", "days", "level_code"])
    history["date"] = pd.Timestamp(REFERENCE) - pd.to_timedelta(history["days"], unit="D")
    start = REFERENCE - timedelta(days=start_back)
    end = start + timedelta(days=length)
    assume(end <= REFERENCE + timedelta(days=30))
    total = period_kpis(history, start, end)
    by_level = period_kpis_by_level(history, start, end)
    for key in ("active_start", "active_end", "new", "lost", "retained", "upgrades", "downgrades", "development"):
        assert sum(kpis[key] for kpis in by_level.values()) == total[key], key
    assert total["retained"] + total["lost"] == total["active_start"]
    if total["retention_rate"] is None:
        assert total["active_start"] == 0
    else:
        assert 0.0 <= total["retention_rate"] <= 1.0
        assert abs(total["retention_rate"] + total["churn_rate"] - 1.0) < 1e-12
    for kpis in by_level.values():
        assert kpis["retained"] + kpis["lost"] == kpis["active_start"]
