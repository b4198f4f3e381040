import pandas as pd
import pytest
from loyalty_analytics.kpi import (
    KpiInputError,
    level_economics,
    levels_at,
    migration_matrix,
    new_customers,
    period_kpis,
    period_kpis_by_level,
    scenario,
)


def _history(rows):
    return pd.DataFrame(rows, columns=["partner_id", "date", "level_code"]).assign(
        date=lambda f: pd.to_datetime(f["date"])
    )


HISTORY = _history(
    [
        (1, "2025-01-05", "small"),
        (1, "2025-02-10", "medium"),  # upgrade in February
        (2, "2025-01-05", "big"),
        (2, "2025-02-20", "inactive"),  # lost in February
        (3, "2025-01-05", "medium"),
        (3, "2025-02-03", "small"),  # downgrade in February
        (4, "2025-02-15", "prospect"),
        (4, "2025-02-25", "small"),  # new in February
        (5, "2024-06-01", "small"),
        (5, "2024-12-01", "inactive"),
        (5, "2025-02-26", "small"),  # won back: active again, not new
        (6, "2025-01-05", "top"),  # retained, unchanged
    ]
)


def test_levels_at():
    at = levels_at(HISTORY, "2025-02-10")
    assert at.to_dict() == {1: "medium", 2: "big", 3: "small", 5: "inactive", 6: "top"}


def test_period_kpis_february():
    kpis = period_kpis(HISTORY, "2025-01-31", "2025-02-28")
    assert kpis == {
        "active_start": 4,  # 1, 2, 3, 6
        "active_end": 5,  # 1, 3, 4, 5, 6
        "new": 1,  # 4 (5 was active before)
        "lost": 1,  # 2
        "retained": 3,
        "retention_rate": 0.75,
        "churn_rate": 0.25,
        "upgrades": 1,
        "downgrades": 1,
        "development": 2,
    }
    assert period_kpis(HISTORY, "2023-01-01", "2023-12-31")["retention_rate"] is None
    with pytest.raises(KpiInputError, match="must not be before"):
        period_kpis(HISTORY, "2025-03-01", "2025-02-01")


def test_migration_matrix():
    a = levels_at(HISTORY, "2025-01-31")
    b = levels_at(HISTORY, "2025-02-28")
    counts, revenue = migration_matrix(a, b, pd.Series({1: 100.0, 2: 50.0, 3: 10.0, 4: 5.0, 5: 7.0, 6: 1000.0}))
    assert counts.loc["small", "medium"] == 1
    assert counts.loc["big", "inactive"] == 1
    assert counts.loc["none", "small"] == 1  # customer 4 was not in the pyramid at A
    assert counts.loc["top", "top"] == 1
    assert int(counts.to_numpy().sum()) == 6
    assert revenue.loc["small", "medium"] == 100.0
    assert list(counts.index[:4]) == ["top", "big", "medium", "small"]


SCORES = pd.DataFrame(
    {
        "level_code": ["top", "big", "big", "small", "small", "small", "small"],
        "revenue": [1000.0, 400.0, 200.0, 50.0, 30.0, 20.0, 0.0],
        "margin": [300.0, 100.0, 60.0, 10.0, 5.0, 5.0, 0.0],
    }
)


def test_level_economics_allocation_rules():
    by_count = level_economics(SCORES, 700.0, "customers")
    assert by_count["customers"].to_dict() == {"top": 1, "big": 2, "small": 4}
    assert by_count["cost"].to_dict() == {"top": 100.0, "big": 200.0, "small": 400.0}
    assert by_count.at["big", "avg_revenue"] == 300.0
    assert by_count.at["top", "margin_pct"] == 30.0
    assert by_count.at["small", "profit_after_cost"] == -380.0
    assert by_count.at["top", "roi"] == 2.0
    by_revenue = level_economics(SCORES, 170.0, "revenue")
    assert by_revenue["cost"].round(6).to_dict() == {"top": 100.0, "big": 60.0, "small": 10.0}
    by_weight = level_economics(SCORES, 100.0, "weights", {"top": 6, "big": 1, "small": 0.5})
    assert by_weight["cost"].to_dict() == {"top": 60.0, "big": 20.0, "small": 20.0}
    assert level_economics(SCORES)["roi"].tolist() == [None, None, None]
    with pytest.raises(KpiInputError, match="positive amount or zero"):
        level_economics(SCORES, -1.0)
    with pytest.raises(KpiInputError, match="allocation rule"):
        level_economics(SCORES, 1.0, "magic")


def test_scenario_seed_002_example():
    economics = level_economics(
        pd.DataFrame(
            {
                "level_code": ["top"] + ["big"] * 2 + ["medium"] * 4 + ["small"] * 10,
                "revenue": [1000.0] + [500.0] * 2 + [200.0] * 4 + [50.0] * 10,
                "margin": [300.0] + [120.0] * 2 + [40.0] * 4 + [5.0] * 10,
            }
        )
    )
    # "if 6 Small customers move up: 3 to Medium, 2 to Big, 1 to Top"
    result = scenario(economics, [("small", "medium", 3), ("small", "big", 2), ("small", "top", 1)])
    assert result["revenue_change"] == 3 * 150 + 2 * 450 + 1 * 950
    assert result["profit_change"] == 3 * 35 + 2 * 115 + 1 * 295
    assert result["customers"] == {"top": 2, "big": 4, "medium": 7, "small": 4}
    with pytest.raises(KpiInputError, match="more customers out of level 'small'"):
        scenario(economics, [("small", "top", 11)])
    with pytest.raises(KpiInputError, match="another level"):
        scenario(economics, [("big", "big", 1)])
    with pytest.raises(KpiInputError, match="whole number"):
        scenario(economics, [("small", "big", -2)])
    with pytest.raises(KpiInputError, match="no customers"):
        scenario(economics, [("inactive", "big", 1)])


def test_period_kpis_by_level_february():
    by_level = period_kpis_by_level(HISTORY, "2025-01-31", "2025-02-28")
    # start: 1 small, 2 big, 3 medium, 6 top; end: 1 medium, 3 small, 4 small, 5 small, 6 top
    assert by_level["small"]["active_start"] == 1 and by_level["small"]["active_end"] == 3
    assert by_level["small"]["upgrades"] == 1 and by_level["small"]["retention_rate"] == 1.0
    assert by_level["small"]["new"] == 1  # customer 4; 5 is won back, not new
    assert by_level["big"]["lost"] == 1 and by_level["big"]["retention_rate"] == 0.0
    assert by_level["medium"]["downgrades"] == 1 and by_level["medium"]["active_end"] == 1
    assert by_level["top"]["retained"] == 1 and by_level["top"]["development"] == 0
    # the levels add up to the company figures
    total = period_kpis(HISTORY, "2025-01-31", "2025-02-28")
    for key in ("active_start", "active_end", "new", "lost", "retained", "upgrades", "downgrades"):
        assert sum(kpis[key] for kpis in by_level.values()) == total[key], key
    assert new_customers(HISTORY, "2025-01-31", "2025-02-28") == {4}


def test_level_economics_roi_is_none_without_cost_in_a_mixed_table():
    scores = pd.DataFrame(
        {
            "level_code": ["top", "small", "prospect"],
            "revenue": [1000.0, 100.0, 0.0],
            "margin": [400.0, 50.0, 0.0],
        }
    )
    table = level_economics(scores, 110.0, "revenue")
    assert table.at["top", "roi"] == pytest.approx(300.0 / 100.0)
    assert table.at["prospect", "roi"] is None
    assert table.at["prospect", "cost"] == 0.0
