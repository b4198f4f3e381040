"""Backtest of the BG/NBD model: CDNOW (the paper's figure 4), prepared histories, too little history."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from loyalty_analytics.backtest import (
    FEW_CUSTOMERS,
    NO_FIT,
    NO_PURCHASE,
    REPEAT_BUCKETS,
    SHORT_HISTORY,
    backtest_bgnbd,
    roc_auc,
)
from loyalty_analytics.clv import BgNbdParams

CDNOW = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow_sample.txt"


@pytest.fixture(scope="module")
def cdnow():
    if not CDNOW.exists():
        pytest.skip(f"CDNOW sample not found at {CDNOW} (the shared/ data folder must sit beside the clone)")
    frame = pd.read_csv(
        CDNOW, sep=r"\s+", header=None, names=["customer", "customer_full", "date", "cds", "dollars"], dtype=str
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    frame["dollars"] = frame["dollars"].astype(float)
    return frame


def test_roc_auc():
    assert roc_auc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert roc_auc([0.1, 0.3, 0.8, 0.9], [True, True, False, False]) == 0.0
    # one tie between a positive and a negative counts half: 3.5 of 4 pairs
    assert roc_auc([0.9, 0.5, 0.5, 0.1], [True, True, False, False]) == pytest.approx(0.875)
    assert roc_auc([0.5, 0.5, 0.5], [True, False, True]) is None  # nothing ranked
    assert roc_auc([0.9, 0.1], [True, True]) is None  # one class only
    with pytest.raises(ValueError):
        roc_auc([0.9, np.nan], [True, False])


def test_cdnow_calibration_chart(cdnow):
    """The paper's setting: 39 weeks of calibration, 39 of holdout, 2,357 customers. The fit is the
    paper's; the holdout holds 1,882 purchase days of these customers (counted from the file); the
    conditional expectations track the actual purchases per number of repeat purchases (figure 4)."""
    result = backtest_bgnbd(cdnow, "customer", "date", "dollars", "1997-09-30", "1998-06-30")
    assert result.ok
    assert result.customers == 2357 and result.repeat_customers == 946
    assert result.params.a == pytest.approx(0.793, abs=0.001) and result.params.r == pytest.approx(0.243, abs=0.001)
    holdout = cdnow[cdnow["date"] > "1997-09-30"]
    assert result.actual_total == holdout.groupby(["customer", "date"]).ngroups == 1882
    assert result.returning_customers == holdout["customer"].nunique()
    assert result.predicted_total == pytest.approx(1653.4, abs=0.5)
    chart = result.by_repeat
    assert list(chart.index) == list(range(REPEAT_BUCKETS + 1))
    assert chart["customers"].sum() == 2357
    assert chart.loc[0, "customers"] == 1411 and chart.loc[REPEAT_BUCKETS, "customers"] == 64
    mean_predicted = chart["predicted"] / chart["customers"]
    mean_actual = chart["actual"] / chart["customers"]
    assert (mean_predicted.diff().dropna() > 0).all()  # more past purchases, more predicted
    assert np.abs(mean_predicted - mean_actual).max() < 0.55
    # per customer the model beats "keeps buying at his past rate"
    assert result.mae == pytest.approx(0.785, abs=0.001)
    assert result.mae < result.mae_naive
    # P(alive) is 1 for the one-time buyers, who mostly do not come back: it ranks them first
    assert result.auc == pytest.approx(0.316, abs=0.001)
    assert result.auc_repeat == pytest.approx(0.698, abs=0.001)
    assert result.auc_expected == pytest.approx(0.773, abs=0.001)
    assert not result.degenerate


def _history(rows):
    return pd.DataFrame(rows, columns=["customer", "date", "amount"]).assign(date=lambda f: pd.to_datetime(f["date"]))


def _simulate(n, truth, seed, first=0, start="2022-01-01", end="2024-12-31", spread=365):
    """Purchases of ``n`` customers drawn from the BG/NBD process ``truth`` (rates per week; ``a`` = 0: no
    drop-out), from a first purchase in the first ``spread`` days, one row per purchase day."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    rows = []
    for customer in range(first, first + n):
        rate = rng.gamma(truth.r, 1.0 / truth.alpha)
        drop = rng.beta(truth.a, truth.b) if truth.a else 0.0
        day = start + pd.Timedelta(days=int(rng.integers(0, spread)))
        rows.append((customer, day, 10.0))
        while True:
            wait = rng.exponential(7.0 / max(rate, 1e-3))
            day += pd.Timedelta(days=max(1, round(min(wait, 5000))))
            if day > end or rng.random() < drop:
                break
            rows.append((customer, day, 10.0))
    return rows


def test_prepared_history_known_holdout():
    """A population drawn from a BG/NBD process, and 30 prepared customers whose holdout is known: 10 buy
    on the 15th of every month and keep buying (6 purchases from January to June 2025), 10 did so until
    June 2024 and then stopped, 10 bought once. Their levels are the groups of the result. A second
    invoice on a holdout day is one purchase; a credit note on its own day is none; a purchase wiped by a
    credit note the same day is none."""
    rows = _simulate(200, BgNbdParams(r=0.8, alpha=6.0, a=0.6, b=2.5), seed=11, first=100, end="2025-06-30")
    for customer in range(30):
        if customer < 10:
            days = pd.date_range("2024-01-01", "2025-06-01", freq="MS") + pd.Timedelta(days=14)
        elif customer < 20:
            days = pd.date_range("2024-01-01", "2024-06-01", freq="MS") + pd.Timedelta(days=14)
        else:
            days = [pd.Timestamp("2024-03-10")]
        rows += [(customer, day, 100.0) for day in days]
    rows.append((0, "2025-02-15", 50.0))
    rows.append((1, "2025-03-01", -30.0))
    rows.append((2, "2025-03-15", -100.0))
    levels = pd.Series(
        {customer: ("top" if customer < 10 else "small" if customer < 20 else "once") for customer in range(30)}
    )
    result = backtest_bgnbd(_history(rows), "customer", "date", "amount", "2024-12-31", "2025-06-30", groups=levels)
    assert result.ok and result.customers == 230
    steady, lapsed, once = (result.by_group.loc[level] for level in ("top", "small", "once"))
    # 6 purchase days for each steady customer, one of customer 2's wiped by its credit note
    assert steady["customers"] == 10 and steady["actual"] == 59
    assert lapsed["customers"] == 10 and lapsed["actual"] == 0
    assert once["customers"] == 10 and once["actual"] == 0
    assert result.by_group["customers"].sum() == 30  # the simulated customers have no level
    assert steady["predicted"] / 10 > 3.0 > 1.0 > lapsed["predicted"] / 10
    simulated = _history(rows)
    simulated = simulated[(simulated["customer"] >= 100) & (simulated["date"] > "2024-12-31")]
    assert result.actual_total == 59 + len(simulated)
    assert result.by_repeat["customers"].sum() == 230
    assert result.by_repeat["actual"].sum() == result.actual_total


def test_simulated_population_predicts_its_holdout():
    """3,000 customers drawn from a known BG/NBD process: the backtest predicts their total within 5 %, the
    repeat buyers' P(alive) and the expected purchases rank who comes back well, and the model beats the
    naive rule."""
    rows = _simulate(3000, BgNbdParams(r=0.8, alpha=6.0, a=0.6, b=2.5), seed=7, start="2023-01-01", spread=180)
    result = backtest_bgnbd(_history(rows), "customer", "date", "amount", "2024-06-30", "2024-12-31")
    assert result.ok and result.customers == 3000
    assert result.predicted_total == pytest.approx(result.actual_total, rel=0.05)
    assert result.auc_repeat > 0.8 and result.auc_expected > 0.8
    assert result.mae < result.mae_naive


def test_too_little_history():
    one = _history([(1, "2025-01-10", 100.0)])
    result = backtest_bgnbd(one, "customer", "date", "amount", "2024-12-31", "2025-06-30")
    assert result.reason == NO_PURCHASE and result.customers == 0
    # purchases starting 2 months before a 6-month holdout: too short a calibration
    recent = _history([(c, day, 50.0) for c in range(40) for day in ("2024-11-01", "2024-12-01")])
    result = backtest_bgnbd(recent, "customer", "date", "amount", "2024-12-31", "2025-06-30")
    assert result.reason == SHORT_HISTORY and result.first_date == pd.Timestamp("2024-11-01")
    few = _history([(c, day, 50.0) for c in range(5) for day in ("2024-01-01", "2024-06-01")])
    result = backtest_bgnbd(few, "customer", "date", "amount", "2024-12-31", "2025-06-30")
    assert result.reason == FEW_CUSTOMERS and result.customers == 5
    once = _history([(c, "2024-02-01", 50.0) for c in range(40)])
    result = backtest_bgnbd(once, "customer", "date", "amount", "2024-12-31", "2025-06-30")
    assert result.reason == NO_FIT and "more than once" in result.fit_error
    with pytest.raises(ValueError):
        backtest_bgnbd(once, "customer", "date", "amount", "2024-12-31", "2024-12-31")


def test_no_dropout_is_degenerate():
    """Customers who never drop out, with similar purchase rates (as the demo data): the fit finds no
    drop-out (a -> 0), P(alive) is 1 for all and ranks nothing: no AUC of P(alive), rather than a 0.5 that
    would look like a coin toss."""
    rows = _simulate(100, BgNbdParams(r=9.0, alpha=100.0, a=0.0, b=1.0), seed=0)
    result = backtest_bgnbd(_history(rows), "customer", "date", "amount", "2024-06-30", "2024-12-31")
    assert result.ok and result.degenerate and result.params.a < 1e-3
    assert result.auc is None and result.auc_repeat is None
    assert result.auc_expected is not None
