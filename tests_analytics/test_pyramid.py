import numpy as np
import pandas as pd
import pytest
from loyalty_analytics import (
    DEFAULT_SHARES,
    PyramidConfigError,
    assign_levels,
    customer_metrics,
    cut_counts,
    level_bounds,
    margin_percent,
    margin_ranks,
    profit_classes,
    validate_shares,
)


@pytest.mark.parametrize(
    "n, expected",
    [
        (200, (2, 8, 30, 160)),
        (1, (1, 0, 0, 0)),
        (0, (0, 0, 0, 0)),
        (10, (1, 0, 1, 8)),
        (100, (1, 4, 15, 80)),
        (1000, (10, 40, 150, 800)),
        (7, (1, 0, 1, 5)),
    ],
)
def test_cut_counts_default_shares(n, expected):
    counts = cut_counts(n, DEFAULT_SHARES)
    assert tuple(counts[c] for c in ("top", "big", "medium", "small")) == expected
    assert sum(counts.values()) == n


def test_cut_counts_no_float_drift():
    # 0.1 + 0.2 style shares that would drift in floating point
    shares = {"top": 0.1, "big": 0.2, "medium": 19.7, "small": 80.0}
    counts = cut_counts(1000, shares)
    assert counts == {"top": 1, "big": 2, "medium": 197, "small": 800}


@pytest.mark.parametrize(
    "shares, message",
    [
        ({"top": 1, "big": 4, "medium": 15, "small": 81}, "add up to 100"),
        ({"top": 0, "big": 5, "medium": 15, "small": 80}, "positive"),
        ({"top": -1, "big": 6, "medium": 15, "small": 80}, "positive"),
        ({"top": 1, "big": 4, "medium": 95}, "missing"),
        ({"top": float("nan"), "big": 4, "medium": 15, "small": 80}, "positive"),
    ],
)
def test_validate_shares_refuses(shares, message):
    with pytest.raises(PyramidConfigError, match=message):
        validate_shares(shares)


def _frame(rows):
    return pd.DataFrame(
        rows,
        columns=["partner_id", "revenue_window", "revenue_lifetime", "move_count", "is_active", "in_pipeline"],
    )


def test_assign_levels_200_active_and_others():
    rng = np.random.default_rng(7)
    revenues = rng.permutation(np.arange(1, 201) * 100.0)
    rows = [(i + 1, rev, rev, 3, True, False) for i, rev in enumerate(revenues)]
    rows += [(1001, 0.0, 500.0, 2, False, False)]  # inactive
    rows += [(1002, 0.0, 0.0, 0, False, True)]  # prospect
    rows += [(1003, 0.0, 0.0, 0, False, False)]  # suspect
    frame = _frame(rows)
    result = assign_levels(frame, DEFAULT_SHARES)
    counts = result["level_code"].value_counts().to_dict()
    assert counts == {"top": 2, "big": 8, "medium": 30, "small": 160, "inactive": 1, "prospect": 1, "suspect": 1}
    # the two best customers are top, ranked 1 and 2
    best = frame.loc[result["level_code"] == "top", "revenue_window"].sort_values(ascending=False).tolist()
    assert best == [20000.0, 19900.0]
    assert result.loc[frame["revenue_window"] == 20000.0, "rank"].item() == 1
    assert (result.loc[~frame["is_active"], "rank"] == 0).all()


def test_assign_levels_ties_use_lifetime_then_id():
    frame = _frame(
        [
            (5, 100.0, 100.0, 1, True, False),
            (3, 100.0, 100.0, 1, True, False),
            (9, 100.0, 900.0, 1, True, False),
        ]
    )
    result = assign_levels(frame, DEFAULT_SHARES)
    ranks = dict(zip(frame["partner_id"], result["rank"], strict=True))
    assert ranks == {9: 1, 3: 2, 5: 3}
    assert result.loc[frame["partner_id"] == 9, "level_code"].item() == "top"


def test_single_active_customer_is_top():
    result = assign_levels(_frame([(1, 10.0, 10.0, 1, True, False)]), DEFAULT_SHARES)
    assert result["level_code"].tolist() == ["top"]


def test_non_positive_window_revenue_never_above_small():
    frame = _frame(
        [
            (1, -50.0, 10.0, 2, True, False),  # credit note larger than invoices
            (2, 0.0, 0.0, 1, True, False),
        ]
    )
    result = assign_levels(frame, DEFAULT_SHARES)
    assert result["level_code"].tolist() == ["small", "small"]


def test_margin_ranks_and_bounds():
    counts = cut_counts(200, DEFAULT_SHARES)
    assert level_bounds(counts) == {"top": (1, 2), "big": (3, 10), "medium": (11, 40), "small": (41, 200)}
    assert margin_ranks(counts, 5.0) == {("top", "big"): 1, ("big", "medium"): 1, ("medium", "small"): 2}
    assert margin_ranks(counts, 0.0) == {("top", "big"): 0, ("big", "medium"): 0, ("medium", "small"): 0}
    assert margin_ranks(counts, 10.0)[("medium", "small")] == 3
    for bad in (-1.0, 51.0, float("nan")):
        with pytest.raises(PyramidConfigError, match="between 0% and 50%"):
            margin_ranks(counts, bad)


def _ranked_200(order=None):
    """200 active customers, partner id i with window revenue (201 - i) x 100: rank i."""
    order = order if order is not None else np.arange(1, 201)
    return _frame([(int(pid), float(201 - rank) * 100.0, 0.0, 1, True, False) for rank, pid in enumerate(order, 1)])


def test_margin_keeps_a_customer_at_the_edge():
    # partner 40 was Medium (rank 40, the last of Medium); three customers overtake it: rank 43
    order = list(range(1, 201))
    order.remove(40)
    order.insert(42, 40)
    frame = _ranked_200(order)
    previous = pd.Series("medium", index=pd.Index([40]))
    strict = assign_levels(frame, DEFAULT_SHARES, previous=previous, margin_percent=0.0)
    assert strict.loc[frame["partner_id"] == 40, "level_code"].item() == "small"
    assert not strict["kept"].any()
    # rank 43 is 3 past Medium's last rank (40): beyond a margin of 2 ranks
    result = assign_levels(frame, DEFAULT_SHARES, previous=previous, margin_percent=5.0)
    assert result.loc[frame["partner_id"] == 40, "level_code"].item() == "small"
    # one customer fewer overtakes it: rank 42, within the margin, it stays Medium
    order.remove(40)
    order.insert(41, 40)
    frame = _ranked_200(order)
    result = assign_levels(frame, DEFAULT_SHARES, previous=previous, margin_percent=5.0)
    row = frame["partner_id"] == 40
    assert result.loc[row, "level_code"].item() == "medium"
    assert result.loc[row, "kept"].item()
    assert result.loc[row, "rank"].item() == 42
    # the shares still hold within the margin: 31 Medium, one more than the cut
    assert result["level_code"].value_counts()["medium"] == 31


def test_margin_works_both_ways_and_back_and_forth():
    # a Small customer climbing one rank into Medium stays Small; two days of ranks moving around the cut
    # give no change for a customer whose rank moves within the margin
    previous = pd.Series("small", index=pd.Index([42]))
    order = list(range(1, 201))
    order.remove(42)
    order.insert(39, 42)  # rank 40: Medium by the cut
    result = assign_levels(_ranked_200(order), DEFAULT_SHARES, previous=previous, margin_percent=5.0)
    assert result.loc[_ranked_200(order)["partner_id"] == 42, "level_code"].item() == "small"
    order.remove(42)
    order.insert(37, 42)  # rank 38: 3 past Small's first rank (41), beyond the margin
    frame = _ranked_200(order)
    result = assign_levels(frame, DEFAULT_SHARES, previous=previous, margin_percent=5.0)
    assert result.loc[frame["partner_id"] == 42, "level_code"].item() == "medium"


def test_margin_never_keeps_a_level_across_two_cuts_nor_without_revenue():
    frame = _ranked_200()
    # partner 5 was Top (ranks 1-2, margin 1): rank 5 is in Big's ranks, beyond the margin
    previous = pd.Series({5: "top", 3: "top", 199: "medium"})
    result = assign_levels(frame, DEFAULT_SHARES, previous=previous, margin_percent=5.0)
    codes = dict(zip(frame["partner_id"], result["level_code"], strict=True))
    assert codes[5] == "big"
    assert codes[3] == "top"  # rank 3, the first of Big: within the margin of 1
    assert codes[199] == "small"
    frame.loc[frame["partner_id"] == 41, "revenue_window"] = 0.0
    frame.loc[frame["partner_id"] == 40, "revenue_window"] = -5.0
    result = assign_levels(frame, DEFAULT_SHARES, previous=pd.Series({40: "medium"}), margin_percent=50.0)
    assert result.loc[frame["partner_id"] == 40, "level_code"].item() == "small"


def test_margin_without_previous_levels_is_the_plain_cut():
    frame = _ranked_200()
    plain = assign_levels(frame, DEFAULT_SHARES)
    for previous in (None, pd.Series(dtype=object)):
        result = assign_levels(frame, DEFAULT_SHARES, previous=previous, margin_percent=5.0)
        assert result["level_code"].tolist() == plain["level_code"].tolist()
        assert not result["kept"].any()


def test_profit_classes_and_margin_percent():
    revenue = np.array([100.0, 100.0, 100.0, 0.0, 0.0, -10.0])
    margin = np.array([30.0, 5.0, -2.0, 0.0, -5.0, 1.0])
    classes = profit_classes(revenue, margin, 0.0, 10.0)
    assert classes.tolist() == ["key", "general", "loss", "general", "loss", "general"]
    pct = margin_percent(revenue, margin)
    assert pct.tolist() == [30.0, 5.0, -2.0, 0.0, 0.0, 0.0]
    assert not np.isnan(pct).any()
    with pytest.raises(PyramidConfigError, match="below its upper bound"):
        profit_classes(revenue, margin, 10.0, 10.0)


def test_customer_metrics():
    frame = pd.DataFrame(
        {
            "first_invoice_date": [pd.Timestamp("2025-01-01"), pd.NaT],
            "last_invoice_date": [pd.Timestamp("2025-12-01"), pd.NaT],
            "revenue_lifetime": [300.0, 0.0],
            "invoice_count": [3, 0],
        }
    )
    metrics = customer_metrics(frame, "2025-12-31")
    assert metrics["tenure_days"].tolist() == [364, 0]
    assert metrics["recency_days"].tolist() == [30, 0]
    assert metrics["avg_invoice_value"].tolist() == [100.0, 0.0]
