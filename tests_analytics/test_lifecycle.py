import numpy as np
import pytest
from loyalty_analytics import at_risk, elastic_flags, estimate_moved, historical_clv, observed_retention, value_phase


def test_value_phase_rising_peak_declining():
    revenue = np.array(
        [
            [100.0, 200.0, 300.0, 400.0],  # rising
            [300.0, 310.0, 290.0, 300.0],  # peak (plateau)
            [400.0, 300.0, 200.0, 100.0],  # declining
            [0.0, 0.0, 0.0, 0.0],  # stopped buying
            [100.0, -300.0, 0.0, 0.0],  # credit notes outweigh purchases
        ]
    )
    phases, trend = value_phase(revenue, 10.0)
    assert phases.tolist() == ["rising", "peak", "declining", "declining", "declining"]
    # slope 100 per period on a mean of 250: +40 % per period
    assert trend[0] == pytest.approx(40.0)
    assert trend[2] == pytest.approx(-40.0)
    assert np.isfinite(trend).all()


def test_value_phase_threshold_is_configurable():
    revenue = np.array([[100.0, 105.0, 110.0, 115.0]])
    assert value_phase(revenue, 10.0)[0].tolist() == ["peak"]
    assert value_phase(revenue, 1.0)[0].tolist() == ["rising"]
    with pytest.raises(ValueError, match="at least two periods"):
        value_phase(np.array([[1.0]]), 10.0)
    with pytest.raises(ValueError, match="non-negative"):
        value_phase(revenue, -1)


def test_historical_clv():
    # no churn, no discount: 12 months of margin
    assert historical_clv([10.0], 1.0, months=12, annual_discount_rate=0.0).tolist() == pytest.approx([120.0])
    # everybody churns at once: survival 0 after the first instant
    assert historical_clv([10.0], 0.0, months=12, annual_discount_rate=0.0).tolist() == [0.0]
    half = historical_clv([10.0], 0.5, months=12, annual_discount_rate=0.1)[0]
    assert 0 < half < 120.0
    assert historical_clv([-10.0], 0.5)[0] < 0  # loss-making stays negative
    assert historical_clv([10.0], None, months=12, annual_discount_rate=0.0)[0] == pytest.approx(120.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        historical_clv([1.0], 1.5)


def test_observed_retention():
    assert observed_retention(10, 7) == 0.7
    assert observed_retention(0, 0) is None


def test_at_risk_ignores_missing_probabilities():
    flags = at_risk([True, True, False, True], [0.2, 0.9, 0.1, float("nan")], 0.5)
    assert flags.tolist() == [True, False, False, False]
    with pytest.raises(ValueError, match="between 0 and 1"):
        at_risk([True], [0.5], 2)


def test_elastic_flags_only_for_general_customers():
    positive, insensitive = elastic_flags(
        ["general", "general", "key", "general", None],
        [100.0, -5.0, 100.0, 50.0, 100.0],
        [2.0, 1.0, 0.0, 12.0, 0.0],
        [True, True, True, True, False],
        5.0,
    )
    assert positive.tolist() == [True, False, False, True, False]
    assert insensitive.tolist() == [True, True, False, False, False]


def test_estimate_moved_beyond_tolerance():
    old = np.array([0.500, 0.500, 1000.0, 1000.0, np.nan, 0.3, np.nan, 0.0, 0.0])
    new = np.array([0.504, 0.506, 1004.0, 1006.0, np.nan, np.nan, 0.2, 0.004, 0.02])
    moved = estimate_moved(new, old, absolute=0.005, relative=0.005)
    # within 0.005; beyond; within 0.5% of 1000; beyond; no estimate either side; went; appeared;
    # near zero the absolute tolerance holds
    assert moved.tolist() == [False, True, False, True, False, True, True, False, True]


def test_estimate_moved_drift_does_not_add_up():
    """Compared with the stored value: small daily moves are written once they add up beyond the tolerance."""
    stored, written = 100.0, []
    for day in range(1, 11):
        value = 100.0 - 0.2 * day  # 0.2 a day, tolerance 0.5
        if estimate_moved([value], [stored], absolute=0.5, relative=0.0)[0]:
            stored = value
            written.append(day)
    assert written == [3, 6, 9]


def test_estimate_moved_rejects_negative_tolerance():
    with pytest.raises(ValueError, match="negative"):
        estimate_moved([1.0], [1.0], absolute=-1.0, relative=0.0)
