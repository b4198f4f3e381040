# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Retention KPIs, migration matrix, pyramid economics and what-if scenarios.

Pure functions on pandas data (no Odoo import). Levels are the codes of
:data:`loyalty_analytics.pyramid.LEVEL_CODES`; the ranked ones (top, big,
medium, small) are the *active* customers.

Definitions
-----------
For a period [start, end] (e.g. a month), with each customer's level at the
start and at the end reconstructed from the level history:

* active at a date: level top / big / medium / small at that date;
* new customers: active at the end, never active at or before the start;
* lost customers: active at the start, not active at the end;
* retention rate: customers active at the start still active at the end,
  divided by the customers active at the start (None when nobody was active);
* churn rate: 1 - retention rate;
* upgrade / downgrade: a customer active at both dates whose level moved up /
  down the pyramid (top is the highest);
* customer development: new customers + upgrades.
"""

import numpy as np
import pandas as pd

from .pyramid import LEVEL_CODES, RANKED_CODES

# position in the pyramid, 0 = top
LEVEL_ORDER = {code: index for index, code in enumerate(LEVEL_CODES)}


class KpiInputError(ValueError):
    """Input that makes no sense (message is user-facing)."""


def levels_at(history, date):
    """Level code of every customer at the end of ``date``.

    :param history: DataFrame with ``partner_id``, ``date`` (datetime64) and
        ``level_code`` (None when the customer left the pyramid), one row per
        level change
    :returns: Series ``partner_id -> level code`` (customers without any change
        up to ``date`` are absent; a None level is dropped)
    """
    cutoff = pd.Timestamp(date) + pd.Timedelta(days=1)
    upto = history[pd.to_datetime(history["date"]) < cutoff]
    if upto.empty:
        return pd.Series(dtype=object)
    # each customer's last row, whatever its level: ``groupby().last()`` would skip a row to no level (a
    # customer who left the pyramid) and give the level it left
    last = upto.sort_values(["date"], kind="mergesort").drop_duplicates("partner_id", keep="last")
    return last.set_index("partner_id")["level_code"].dropna().sort_index()


def ever_active_before(history, date):
    """Set of customers that were active at some point up to the end of ``date``."""
    cutoff = pd.Timestamp(date) + pd.Timedelta(days=1)
    upto = history[(pd.to_datetime(history["date"]) < cutoff) & history["level_code"].isin(RANKED_CODES)]
    return set(upto["partner_id"].tolist())


def period_kpis(history, start, end):
    """KPIs of the period from the end of ``start`` to the end of ``end``.

    :returns: dict with ``active_start``, ``active_end``, ``new``, ``lost``,
        ``retained``, ``retention_rate``, ``churn_rate`` (None without active
        customers at the start), ``upgrades``, ``downgrades``, ``development``
    """
    if pd.Timestamp(end) < pd.Timestamp(start):
        raise KpiInputError("The end of the period must not be before its start.")
    before = levels_at(history, start)
    after = levels_at(history, end)
    active_before = set(before[before.isin(RANKED_CODES)].index)
    active_after = set(after[after.isin(RANKED_CODES)].index)
    previously_active = ever_active_before(history, start)
    retained = active_before & active_after
    up = down = 0
    for partner in retained:
        delta = LEVEL_ORDER[after[partner]] - LEVEL_ORDER[before[partner]]
        up += delta < 0
        down += delta > 0
    new = len(active_after - previously_active)
    retention = len(retained) / len(active_before) if active_before else None
    return {
        "active_start": len(active_before),
        "active_end": len(active_after),
        "new": new,
        "lost": len(active_before - active_after),
        "retained": len(retained),
        "retention_rate": retention,
        "churn_rate": None if retention is None else 1.0 - retention,
        "upgrades": int(up),
        "downgrades": int(down),
        "development": new + int(up),
    }


def new_customers(history, start, end):
    """Customers active at the end of ``end`` that were never active up to the end of ``start``."""
    after = levels_at(history, end)
    active_after = set(after[after.isin(RANKED_CODES)].index)
    return active_after - ever_active_before(history, start)


def period_kpis_by_level(history, start, end):
    """The KPIs of :func:`period_kpis` broken down by level.

    A customer counts in the level it held at the start of the period for
    ``active_start``, ``lost``, ``retained``, ``upgrades`` and ``downgrades``
    (it left that level up or down the pyramid), and in the level it holds at
    the end for ``active_end`` and ``new``; retention is computed within the
    level of the start.

    :returns: dict ``level code -> KPI dict`` for the ranked levels
    """
    if pd.Timestamp(end) < pd.Timestamp(start):
        raise KpiInputError("The end of the period must not be before its start.")
    before = levels_at(history, start)
    after = levels_at(history, end)
    fresh = new_customers(history, start, end)
    result = {}
    for code in RANKED_CODES:
        at_start = set(before[before == code].index)
        at_end = set(after[after == code].index)
        retained = {partner for partner in at_start if after.get(partner) in RANKED_CODES}
        up = sum(LEVEL_ORDER[after[partner]] < LEVEL_ORDER[code] for partner in retained)
        down = sum(LEVEL_ORDER[after[partner]] > LEVEL_ORDER[code] for partner in retained)
        new = len(at_end & fresh)
        retention = len(retained) / len(at_start) if at_start else None
        result[code] = {
            "active_start": len(at_start),
            "active_end": len(at_end),
            "new": new,
            "lost": len(at_start) - len(retained),
            "retained": len(retained),
            "retention_rate": retention,
            "churn_rate": None if retention is None else 1.0 - retention,
            "upgrades": int(up),
            "downgrades": int(down),
            "development": new + int(up),
        }
    return result


def migration_matrix(level_a, level_b, revenue=None):
    """Customers (and revenue) moving between levels from date A to date B.

    :param level_a, level_b: Series ``partner_id -> level code`` at A and B
        (a customer missing on one side is counted under ``None``: not in the pyramid)
    :param revenue: optional Series ``partner_id -> revenue`` summed per cell
    :returns: ``(counts, revenue)`` DataFrames indexed by the level at A, with a
        column per level at B, in pyramid order (revenue is None when not given)
    """
    partners = level_a.index.union(level_b.index)
    frame = pd.DataFrame(
        {
            "a": level_a.reindex(partners).fillna("none"),
            "b": level_b.reindex(partners).fillna("none"),
        }
    )
    order = [*LEVEL_CODES, "none"]
    counts = pd.crosstab(frame["a"], frame["b"]).reindex(index=order, columns=order, fill_value=0)
    amounts = None
    if revenue is not None:
        frame["revenue"] = revenue.reindex(partners).fillna(0.0).astype(float)
        amounts = frame.pivot_table(index="a", columns="b", values="revenue", aggfunc="sum", fill_value=0.0)
        amounts = amounts.reindex(index=order, columns=order, fill_value=0.0)
    return counts, amounts


ALLOCATION_RULES = ("customers", "revenue", "weights")


def level_economics(scores, total_cost=0.0, rule="customers", weights=None):
    """Economics per level, with marketing and sales costs allocated.

    :param scores: DataFrame with ``level_code``, ``revenue`` and ``margin``
        (gross profit) per customer for the period
    :param total_cost: marketing and sales costs of the period (>= 0)
    :param rule: ``customers`` (by customer count), ``revenue`` (by revenue) or
        ``weights`` (by ``weights[level] x customers``)
    :returns: DataFrame indexed by level code (pyramid order, levels present in
        ``scores`` or in ``weights``) with ``customers``, ``revenue``,
        ``gross_profit``, ``avg_revenue``, ``avg_profit``, ``margin_pct``,
        ``cost``, ``profit_after_cost`` and ``roi`` (profit after cost / cost,
        None when no cost)
    """
    if rule not in ALLOCATION_RULES:
        raise KpiInputError("The allocation rule must be one of: by customer count, by revenue, by level weights.")
    total_cost = float(total_cost)
    if not np.isfinite(total_cost) or total_cost < 0:
        raise KpiInputError("Marketing and sales costs must be a positive amount or zero.")
    grouped = scores.groupby("level_code").agg(
        customers=("level_code", "size"), revenue=("revenue", "sum"), gross_profit=("margin", "sum")
    )
    order = [code for code in LEVEL_CODES if code in grouped.index]
    table = grouped.reindex(order).astype({"customers": int})
    table["avg_revenue"] = table["revenue"] / table["customers"]
    table["avg_profit"] = table["gross_profit"] / table["customers"]
    table["margin_pct"] = np.where(table["revenue"] > 0, table["gross_profit"] * 100.0 / table["revenue"], 0.0)
    if rule == "customers":
        basis = table["customers"].astype(float)
    elif rule == "revenue":
        basis = table["revenue"].clip(lower=0.0)
    else:
        weights = weights or {}
        if any((not np.isfinite(float(w))) or float(w) < 0 for w in weights.values()):
            raise KpiInputError("Level weights must be positive numbers or zero.")
        basis = table["customers"] * pd.Series({code: float(weights.get(code, 0.0)) for code in order})
    total_basis = float(basis.sum())
    if total_cost and total_basis <= 0:
        raise KpiInputError("The costs cannot be allocated: the allocation basis of every level is zero.")
    table["cost"] = basis * (total_cost / total_basis) if total_basis > 0 else 0.0
    table["profit_after_cost"] = table["gross_profit"] - table["cost"]
    table["roi"] = pd.Series(
        [
            (profit / cost) if cost > 0 else None
            for profit, cost in zip(table["profit_after_cost"], table["cost"], strict=True)
        ],
        index=table.index,
        dtype=object,
    )
    return table


def scenario(economics, moves, labels=None):
    """What if N customers moved from one level to another, fixed cost unchanged?

    :param economics: the table of :func:`level_economics` (needs
        ``customers``, ``avg_revenue`` and ``avg_profit``)
    :param moves: list of ``(from_code, to_code, count)``
    :param labels: optional mapping level code -> name used in the messages
    :returns: dict with ``revenue_change``, ``profit_change`` and ``customers``
        (the new number of customers per level)
    :raises KpiInputError: a level moved to itself, a negative or non-integer
        count, an unknown level, or more customers moved out of a level than it holds
    """
    labels = labels or {}
    customers = economics["customers"].astype(int).to_dict()
    remaining = dict(customers)
    revenue_change = profit_change = 0.0
    for origin, target, count in moves:
        if origin not in customers or target not in customers:
            missing = origin if origin not in customers else target
            raise KpiInputError(f"Level '{labels.get(missing, missing)}' has no customers in this period.")
        if origin == target:
            raise KpiInputError("A scenario line must move customers to another level.")
        if int(count) != count or count < 0:
            raise KpiInputError("The number of customers to move must be a whole number, zero or more.")
        remaining[origin] -= int(count)
        if remaining[origin] < 0:
            raise KpiInputError(
                f"The scenario moves more customers out of level '{labels.get(origin, origin)}' than it holds "
                f"({customers[origin]})."
            )
        remaining[target] += int(count)
        revenue_change += count * (economics.at[target, "avg_revenue"] - economics.at[origin, "avg_revenue"])
        profit_change += count * (economics.at[target, "avg_profit"] - economics.at[origin, "avg_profit"])
    return {"revenue_change": float(revenue_change), "profit_change": float(profit_change), "customers": remaining}
