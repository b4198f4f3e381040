# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Backtest of the BG/NBD purchase model on a company's own purchases.

Pure functions on pandas / numpy data. Nothing here imports Odoo.

The model is calibrated on the purchases up to a cut-off date, predicts the
purchases of each customer of that date over the following period (the
holdout), and the prediction is compared with what the customers did: the
calibration chart of Fader, Hardie & Lee (2005, figure 4: purchases in the
holdout per number of repeat purchases in the calibration period), the same
per group (the pyramid level at the cut-off), in total, the mean absolute
error per customer beside a naive rule (each customer keeps buying at his
past rate), and how well P(alive) at the cut-off separates the customers who
bought again from those who did not (the area under the ROC curve: over all
customers, over the repeat buyers only, and of the expected purchases for
comparison). BG/NBD gives P(alive) = 1 to every customer who bought only once
(a customer can only drop out right after a repeat purchase), so over all
customers P(alive) ranks the one-time buyers first: on CDNOW its AUC is 0.32,
0.70 over the repeat buyers, 0.77 for the expected purchases.

Only the customers who bought before the cut-off are predicted: the model
says nothing of customers acquired during the holdout.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .clv import (
    MIN_CUSTOMERS_BGNBD,
    ClvFitError,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    fit_bgnbd,
    rfm_from_transactions,
)

REPEAT_BUCKETS = 7  # 0 to 6 repeat purchases, then "7+" (as in the paper's figure 4)
# a fit whose drop-out parameter ``a`` is this small finds no drop-out: P(alive) is 1 for everyone
DEGENERATE_A = 1e-3
# the spread of P(alive) under which it does not rank customers at all
FLAT_P_ALIVE = 1e-6
# the calibration period must last at least this share of the holdout (the paper's CDNOW backtest: 39 and 39
# weeks; a shorter history has seen too few repeat purchases to predict a longer period)
MIN_CALIBRATION_SHARE = 0.5

# reasons for which there is no backtest (the caller words them for the user)
NO_PURCHASE = "no_purchase"  # nothing bought on or before the cut-off
SHORT_HISTORY = "short_history"  # the purchases start too shortly before the cut-off
FEW_CUSTOMERS = "few_customers"  # fewer customers at the cut-off than the model needs
NO_FIT = "no_fit"  # the model could not be fitted (the error says why)


@dataclass
class BacktestResult:
    """What a backtest found. ``reason`` is set (one of the module's reason codes) when there is none:
    ``fit_error`` then holds the model's own message for :data:`NO_FIT`, ``first_date`` the first purchase
    day and ``customers`` the customers of the cut-off, so that the caller can say why."""

    cutoff: pd.Timestamp
    end: pd.Timestamp
    reason: str = None
    fit_error: str = None
    first_date: pd.Timestamp = None
    customers: int = 0
    repeat_customers: int = 0
    returning_customers: int = 0
    predicted_total: float = 0.0
    actual_total: float = 0.0
    mae: float = None
    mae_naive: float = None
    auc: float = None
    auc_repeat: float = None
    auc_expected: float = None
    degenerate: bool = False
    params: object = None
    by_repeat: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_group: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self):
        return self.reason is None


def roc_auc(scores, labels):
    """Area under the ROC curve of ``scores`` for the boolean ``labels`` (Mann-Whitney: the probability
    that a random positive scores above a random negative, ties counting half). None when one class is
    missing or every score is the same (the scores then rank nothing)."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=bool)
    if scores.shape != labels.shape:
        raise ValueError("The scores and labels must have one value per customer.")
    if not np.all(np.isfinite(scores)):
        raise ValueError("The scores must be finite numbers.")
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives or np.ptp(scores) <= FLAT_P_ALIVE:
        return None
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def _sums_by(keys, customers_predicted_actual):
    frame = pd.DataFrame(customers_predicted_actual)
    frame["key"] = keys
    grouped = frame.groupby("key", sort=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "predicted": grouped["predicted"].sum(),
            "actual": grouped["actual"].sum(),
        }
    )
    out.index.name = None
    return out


def backtest_bgnbd(purchases, customer_col, date_col, amount_col, cutoff, end, groups=None, time_unit_days=7.0):
    """Calibrate BG/NBD on the purchases up to ``cutoff`` and compare its predictions for ``cutoff`` (excl.)
    to ``end`` (incl.) with the purchases of that period.

    :param purchases: DataFrame, one row per purchase (or invoice / credit note), as for
        :func:`~.clv.rfm_from_transactions`; a purchase is a customer's day with a positive net amount
    :param cutoff: last day of the calibration period
    :param end: last day of the holdout (after ``cutoff``)
    :param groups: optional Series indexed by customer (e.g. the level at the cut-off): the comparison per
        group; customers missing from it are left out of :attr:`BacktestResult.by_group` only
    :param time_unit_days: the time unit of the fit (7: weeks)
    :returns: :class:`BacktestResult`; ``by_repeat`` is indexed 0 to :data:`REPEAT_BUCKETS` (the last one
        counting that many repeat purchases or more), ``by_group`` by group; both hold ``customers``,
        ``predicted`` and ``actual`` purchases (sums over their customers)
    """
    cutoff = pd.Timestamp(cutoff).normalize()
    end = pd.Timestamp(end).normalize()
    if pd.isna(cutoff) or pd.isna(end) or end <= cutoff:
        raise ValueError("The holdout must end after the cut-off date.")
    result = BacktestResult(cutoff=cutoff, end=end)
    rfm = rfm_from_transactions(purchases, customer_col, date_col, amount_col, cutoff, time_unit_days=time_unit_days)
    result.customers = len(rfm)
    if rfm.empty:
        result.reason = NO_PURCHASE
        return result
    holdout_days = (end - cutoff).days
    first = cutoff - pd.Timedelta(days=float(rfm["T"].max()) * time_unit_days)
    result.first_date = first.round("D")
    if (cutoff - result.first_date).days < MIN_CALIBRATION_SHARE * holdout_days:
        result.reason = SHORT_HISTORY
        return result
    if len(rfm) < MIN_CUSTOMERS_BGNBD:
        result.reason = FEW_CUSTOMERS
        return result
    frequency, recency, big_t = rfm["frequency"], rfm["recency"], rfm["T"]
    try:
        params = fit_bgnbd(frequency, recency, big_t)
    except ClvFitError as error:
        result.reason, result.fit_error = NO_FIT, str(error)
        return result
    result.params = params
    horizon = holdout_days / float(time_unit_days)
    predicted = bgnbd_expected_purchases(params, horizon, frequency, recency, big_t)
    alive = bgnbd_probability_alive(params, frequency, recency, big_t)

    # what happened: the purchase days of the holdout, counted as the calibration counts them
    holdout = rfm_from_transactions(
        purchases,
        customer_col,
        date_col,
        amount_col,
        end,
        time_unit_days=time_unit_days,
        first_date=cutoff + pd.Timedelta(days=1),
    )
    holdout = (holdout["frequency"] + 1).reindex(rfm.index, fill_value=0)
    actual = holdout.to_numpy(dtype=float)
    naive = (
        np.divide(
            frequency.to_numpy(dtype=float),
            big_t.to_numpy(dtype=float),
            out=np.zeros(len(rfm)),
            where=big_t.to_numpy() > 0,
        )
        * horizon
    )

    result.repeat_customers = int((frequency > 0).sum())
    result.returning_customers = int((actual > 0).sum())
    result.predicted_total = float(predicted.sum())
    result.actual_total = float(actual.sum())
    result.mae = float(np.abs(predicted - actual).mean())
    result.mae_naive = float(np.abs(naive - actual).mean())
    result.degenerate = params.a < DEGENERATE_A or np.ptp(alive) <= FLAT_P_ALIVE
    returned = actual > 0
    if not result.degenerate:
        repeat = frequency.to_numpy() > 0
        result.auc = roc_auc(alive, returned)
        result.auc_repeat = roc_auc(alive[repeat], returned[repeat])
    result.auc_expected = roc_auc(predicted, returned)
    values = {"predicted": predicted, "actual": actual}
    buckets = np.minimum(frequency.to_numpy(), REPEAT_BUCKETS)
    result.by_repeat = _sums_by(buckets, values).reindex(range(REPEAT_BUCKETS + 1), fill_value=0)
    if groups is not None:
        keys = pd.Series(groups).reindex(rfm.index).to_numpy()
        known = pd.notna(keys)
        result.by_group = _sums_by(keys[known], {name: value[known] for name, value in values.items()})
    return result
