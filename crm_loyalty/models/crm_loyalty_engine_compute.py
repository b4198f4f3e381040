# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engine, compute step: read the invoices, run the analytics, stage the scores that changed."""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..loyalty_analytics import (
    RANKED_CODES,
    BgNbdParams,
    ClvFitError,
    GammaGammaParams,
    PyramidConfigError,
    assign_levels,
    at_risk,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    customer_metrics,
    cut_counts,
    discounted_clv,
    elastic_flags,
    estimate_moved,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    historical_clv,
    level_bounds,
    margin_percent,
    margin_ranks,
    observed_retention,
    profit_classes,
    rfm_from_transactions,
    value_phase,
)

# the lifetime-value models are refitted when their parameters are older than this (days), or when the
# number of customers they were fitted on changed by more than REFIT_CUSTOMERS; in between, a nightly run
# reuses them (the estimates still move with each customer's purchases and time)
REFIT_DAYS = 7
REFIT_CUSTOMERS = 0.02

# Columns the base engine writes on a score, in the order of the staging table (partner_id first); the engine
# reads them through :meth:`CrmLoyaltyEngine._loyalty_score_columns`, which other files and addons extend
BASE_SCORE_COLUMNS = [
    ("partner_id", "integer"),
    ("computed_level_id", "integer"),
    ("is_active_customer", "boolean"),
    ("is_ranked", "boolean"),
    ("revenue_window", "numeric"),
    ("revenue_lifetime", "numeric"),
    ("cost_window", "numeric"),
    ("margin_window", "numeric"),
    ("margin_percent", "double precision"),
    ("profit_class", "varchar"),
    ("invoice_count", "integer"),
    ("first_invoice_date", "date"),
    ("last_invoice_date", "date"),
    ("avg_invoice_value", "numeric"),
    ("clv", "numeric"),
    ("clv_method", "varchar"),
    ("probability_alive", "double precision"),
    ("expected_purchases", "double precision"),
    ("expected_spend", "numeric"),
    ("at_risk", "boolean"),
    ("value_phase", "varchar"),
    ("phase_trend", "double precision"),
    ("avg_discount", "double precision"),
    ("elastic_positive_clv", "boolean"),
    ("elastic_price_insensitive", "boolean"),
    ("is_key_account", "boolean"),
]
# the lifetime-value model's estimates: refitted every run, they move a little every day for every
# customer (P(alive) falls while a customer does not buy); a score is rewritten for them only when one
# moves beyond its tolerance from the stored value, as (absolute, relative) - absolute None: one unit of
# the currency's rounding
MODEL_TOLERANCES = {
    "probability_alive": (0.005, 0.0),
    "expected_purchases": (0.005, 0.005),
    "expected_spend": (None, 0.005),
    "clv": (None, 0.005),
}
# staging table: the changed scores, plus what the write step needs to know about each row
RUN_COLUMNS = [
    ("values_hash", "varchar"),
    ("change_reason", "varchar"),  # history reason when not the run's trigger (at risk)
    ("change_note", "varchar"),  # why the level changed (the history row's note), when the ranks say it
    ("key_change", "boolean"),  # True: became a key account, False: ceased to be one, empty: neither
    ("removed", "boolean"),  # no longer a customer of the company: its score goes
]


@dataclass
class Prepared:
    """The scores a run's compute step stages, and what comes with them (:meth:`CrmLoyaltyEngine._loyalty_prepare`):
    the lifetime-value method, its note and its fitted parameters (kept with the run: the week's runs reuse them),
    the backtest to store (the id of one to reuse, or the values of a new one)."""

    scores: pd.DataFrame | None
    clv_method: str | bool
    clv_note: str
    clv_params: dict | None = None
    backtest: int | dict | None = None

    def take_scores(self):
        """The scores, no longer held here: the frame goes as soon as its taker is done with it (memory at a
        million customers)."""
        scores, self.scores = self.scores, None
        return scores


def _plain(values):
    """``values`` with Python numbers only (JSON): numpy scalars as such, NaN as None."""
    plain = {}
    for name, value in values.items():
        value = value.item() if isinstance(value, np.generic) else value
        plain[name] = None if isinstance(value, float) and not np.isfinite(value) else value
    return plain


def _sums_per_partner(partner_ids, columns):
    """Sums of ``columns`` (name -> array aligned on ``partner_ids``) per partner, indexed by partner id,
    with ``np.bincount``: no grouped copy of the rows (memory at a million customers)."""
    codes, partners = pd.factorize(partner_ids, sort=True)
    return pd.DataFrame(
        {name: np.bincount(codes, weights=values, minlength=len(partners)) for name, values in columns.items()},
        index=pd.Index(partners, dtype=np.int64),
    )


class CrmLoyaltyEngine(models.AbstractModel):
    _inherit = "crm.loyalty.engine"

    # ------------------------------------------------------------------
    # The score contract: what a run writes on a score
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_score_columns(self):
        """The columns a run computes and writes on every score, as ``[(field name, SQL type)]``, ``partner_id``
        first. A file or an addon that adds a figure to the scores adds its stored field to ``crm.loyalty.score``,
        its column here (``super()`` plus its own) and its values in :meth:`_loyalty_score_figures`; the engine
        stages, compares and writes it with the others (a score is rewritten only when one of its values
        changed)."""
        return list(BASE_SCORE_COLUMNS)

    @api.model
    def _loyalty_score_figures(self, company, frame, days, reference_date, scores):
        """Hook of the compute step: add to ``scores`` (the run's DataFrame, one row per customer, aligned on
        ``frame``) the columns declared in :meth:`_loyalty_score_columns` beyond the base ones, from ``frame``
        (the customers' figures) and ``days`` (amounts per customer and day) as of ``reference_date``."""
        return scores

    @api.model
    def _loyalty_value_columns(self):
        """The values of a score compared exactly (hashed) to know whether a run must rewrite it: every score
        column but the partner and the model's estimates (compared within their tolerance)."""
        return [
            name
            for name, _kind in self._loyalty_score_columns()
            if name != "partner_id" and name not in MODEL_TOLERANCES
        ]

    @api.model
    def _loyalty_stage_columns(self):
        """The columns of a run's staging table: the score's, then what the write step needs of each row."""
        return [*self._loyalty_score_columns(), *RUN_COLUMNS]

    @api.model
    def _loyalty_windows(self, company, reference_date):
        return {
            "ref": reference_date,
            "rank_from": reference_date - relativedelta(months=company.loyalty_ranking_months) + timedelta(days=1),
            "act_from": reference_date - relativedelta(months=company.loyalty_activity_months) + timedelta(days=1),
            "prev_act_from": reference_date
            - relativedelta(months=2 * company.loyalty_activity_months)
            + timedelta(days=1),
        }

    @api.model
    def _loyalty_build_frame(self, data, windows):
        """One row per customer with everything the analytics need, as of ``windows['ref']``."""
        ref = pd.Timestamp(windows["ref"])

        def until_ref(rows):  # no copy when every row is (a run as of the date it was gathered for)
            kept = (rows["day"] <= ref).to_numpy()
            return rows if kept.all() else rows[kept]

        days, moves = until_ref(data["days"]), until_ref(data["move_days"])
        in_window = (days["day"] >= pd.Timestamp(windows["rank_from"])).to_numpy()
        amount, cost = days["amount"].to_numpy(), days["cost"].to_numpy()
        money = _sums_per_partner(
            days["partner_id"].to_numpy(),
            {
                "revenue_window": np.where(in_window, amount, 0.0),
                "revenue_lifetime": amount,
                "cost_window": np.where(in_window, cost, 0.0),
                "cost_lifetime": cost,
                "discount_weighted": np.where(in_window, days["discount_weighted"].to_numpy(), 0.0),
                "discount_base": np.where(in_window, days["discount_base"].to_numpy(), 0.0),
            },
        )
        invoices, refunds = moves["invoices"].to_numpy(), moves["refunds"].to_numpy()
        active = (moves["day"] >= pd.Timestamp(windows["act_from"])).to_numpy()
        previous = (moves["day"] >= pd.Timestamp(windows["prev_act_from"])).to_numpy() & ~active
        counts = _sums_per_partner(
            moves["partner_id"].to_numpy(),
            {
                "move_count": invoices + refunds,
                "invoice_count": invoices,
                "active_invoice_count": np.where(active, invoices, 0),
                "previous_invoice_count": np.where(previous, invoices, 0),
            },
        )
        invoiced = invoices > 0
        invoice_days = moves["day"][invoiced].groupby(moves["partner_id"].to_numpy()[invoiced])
        counts["first_invoice_date"] = invoice_days.min()
        counts["last_invoice_date"] = invoice_days.max()
        pipeline = np.fromiter((pid for pid in data["pipeline"] if pid), dtype=np.int64)
        contacts = np.fromiter((pid for pid in data["contacts"] if pid), dtype=np.int64)
        # sorted, unique: numpy arrays rather than sets of Python integers (memory at a million customers)
        partner_ids = np.union1d(np.union1d(contacts, pipeline), np.union1d(counts.index, money.index))
        frame = pd.DataFrame(index=pd.Index(partner_ids, dtype=np.int64, name="partner_id"))
        frame = frame.join(counts).join(money).reset_index()
        for column in ("move_count", "invoice_count", "active_invoice_count", "previous_invoice_count"):
            frame[column] = frame[column].fillna(0).astype(np.int64)
        for column in money.columns:
            frame[column] = frame[column].astype(float).fillna(0.0)
        frame["first_invoice_date"] = pd.to_datetime(frame["first_invoice_date"])
        frame["last_invoice_date"] = pd.to_datetime(frame["last_invoice_date"])
        frame["is_active"] = frame["active_invoice_count"] > 0
        frame["in_pipeline"] = np.isin(frame["partner_id"].to_numpy(), pipeline)
        return frame, days.rename(columns={"day": "date"})[["partner_id", "date", "amount"]]

    @api.model
    def _loyalty_purchase_days(self, days):
        """The purchases among a company's sums per customer and day (``days``): the days with a positive net
        amount. A day credited in full (its sum nets to 0 or less) and a free invoice are no purchase: the
        lifetime value and its backtest count them alike."""
        return days[days["amount"] > 0]

    @api.model
    def _loyalty_lifetime_values(self, company, frame, days, reference_date):
        """CLV, P(alive), expected purchases and spend per customer.

        BG/NBD and Gamma-Gamma are fitted on the company's customers (one
        purchase per customer and invoice date with a positive net amount,
        time in weeks); CLV is the discounted gross margin over the horizon
        (expected spend x the customer's lifetime margin rate). When a model
        cannot be fitted, CLV falls back to the historical method: gross margin
        of the ranking window per month of that window x expected lifetime from
        the observed retention.

        :returns: :class:`Prepared` whose scores are the estimates (a DataFrame aligned on ``frame``), with the
            method code, the note for the run and the models' parameters
        """
        months = company.loyalty_clv_months
        rate = company.loyalty_clv_discount_rate / 100.0
        result = pd.DataFrame(
            {
                "clv": 0.0,
                "clv_method": None,
                "probability_alive": np.nan,
                "expected_purchases": np.nan,
                "expected_spend": np.nan,
            },
            index=frame.index,
        )
        invoiced = frame["move_count"].to_numpy() > 0
        if not invoiced.any():
            return Prepared(result, False, self.env._("No posted invoice: no lifetime value."))
        revenue = frame["revenue_lifetime"].to_numpy()
        margin = revenue - frame["cost_lifetime"].to_numpy()
        margin_rate = np.zeros_like(revenue)
        np.divide(margin, revenue, out=margin_rate, where=revenue > 0)
        margin_rate = np.clip(margin_rate, -1.0, 1.0)

        purchases = self._loyalty_purchase_days(days)
        rfm = rfm_from_transactions(purchases, "partner_id", "date", "amount", reference_date, time_unit_days=7)
        position = pd.Series(np.arange(len(frame)), index=frame["partner_id"].to_numpy())
        rows = position.reindex(rfm.index).to_numpy()
        notes = []
        bgnbd, gamma_gamma, fitted_on = self._loyalty_reused_fit(company, reference_date, len(rfm), notes)
        try:
            if bgnbd is None:
                bgnbd = fit_bgnbd(rfm["frequency"], rfm["recency"], rfm["T"])
                notes.append(
                    self.env._(
                        "BG/NBD on %(count)s customers: r=%(r).4f alpha=%(alpha).4f a=%(a).4f b=%(b).4f",
                        count=len(rfm),
                        **bgnbd.to_dict(),
                    )
                )
                gamma_gamma = fit_gamma_gamma(rfm["frequency"], rfm["monetary_value"])
                notes.append(
                    self.env._(
                        "Gamma-Gamma: p=%(p).4f q=%(q).4f gamma=%(gamma).4f",
                        **gamma_gamma.to_dict(),
                    )
                )
                fitted_on = reference_date
        except ClvFitError as error:
            notes.append(self.env._("No model: %(reason)s", reason=str(error)))
        params = None
        if bgnbd is not None and gamma_gamma is not None:
            # kept with the run: the next runs of the week reuse them
            params = {
                "bgnbd": _plain(bgnbd.to_dict()),
                "gamma_gamma": _plain(gamma_gamma.to_dict()),
                "fitted_on": str(fitted_on),
            }
        if bgnbd is not None:
            horizon = months * 365.25 / 12.0 / 7.0
            args = (rfm["frequency"], rfm["recency"], rfm["T"])
            result.iloc[rows, result.columns.get_loc("probability_alive")] = bgnbd_probability_alive(bgnbd, *args)
            result.iloc[rows, result.columns.get_loc("expected_purchases")] = bgnbd_expected_purchases(
                bgnbd, horizon, *args
            )
        if bgnbd is not None and gamma_gamma is not None:
            result.iloc[rows, result.columns.get_loc("expected_spend")] = gamma_gamma_expected_spend(
                gamma_gamma, rfm["frequency"], rfm["monetary_value"]
            )
            result.iloc[rows, result.columns.get_loc("clv")] = discounted_clv(
                bgnbd,
                gamma_gamma,
                *args,
                rfm["monetary_value"],
                months=months,
                annual_discount_rate=rate,
                time_unit_days=7.0,
                margin_rate=margin_rate[rows],
            )
            result.loc[invoiced, "clv_method"] = "bgnbd"
            return Prepared(result, "bgnbd", "\n".join(notes), clv_params=params)
        # historical fallback: the gross margin of the ranking window per month of that window, a fixed
        # observation period (a single recent purchase is not taken for a monthly habit)
        retention = observed_retention(
            (frame["previous_invoice_count"] > 0).sum(),
            ((frame["previous_invoice_count"] > 0) & (frame["active_invoice_count"] > 0)).sum(),
        )
        window_margin = frame["revenue_window"].to_numpy() - frame["cost_window"].to_numpy()
        clv = historical_clv(window_margin / company.loyalty_ranking_months, retention, months, rate)
        result.loc[invoiced, "clv"] = clv[invoiced]
        result.loc[invoiced, "clv_method"] = "historical"
        if retention is None:
            retention_text = self.env._("not observed (1.00 assumed)")
        else:
            retention_text = f"{retention:.2f}"
        notes.append(
            self.env._(
                "Historical lifetime value: gross margin of the last %(window)s months per month x expected "
                "lifetime, annual retention %(r)s.",
                window=company.loyalty_ranking_months,
                r=retention_text,
            )
        )
        return Prepared(result, "historical", "\n".join(notes), clv_params=params)

    def _loyalty_reused_fit(self, company, reference_date, customers, notes):
        """The parameters of a recent fit of the company (:data:`REFIT_DAYS`, :data:`REFIT_CUSTOMERS`):
        ``(BgNbdParams, GammaGammaParams, date fitted as of)``, else ``(None, None, None)``."""
        params, run = self.env["crm.loyalty.run"]._loyalty_recent_fit(company, reference_date, REFIT_DAYS)
        if not params:
            return None, None, None
        try:
            bgnbd = BgNbdParams(**params["bgnbd"])
            gamma_gamma = GammaGammaParams(**params["gamma_gamma"])
        except TypeError:  # parameters of another version
            return None, None, None
        if abs(customers - bgnbd.n_customers) > REFIT_CUSTOMERS * max(bgnbd.n_customers, 1):
            return None, None, None
        notes.append(
            self.env._(
                "BG/NBD and Gamma-Gamma of %(run)s reused (fitted as of %(date)s on %(fitted)s customers, %(count)s "
                "now; refitted after %(days)s days): r=%(r).4f alpha=%(alpha).4f a=%(a).4f b=%(b).4f, "
                "p=%(p).4f q=%(q).4f gamma=%(gamma).4f",
                run=run.display_name,
                date=params["fitted_on"],
                fitted=bgnbd.n_customers,
                count=customers,
                days=REFIT_DAYS,
                r=bgnbd.r,
                alpha=bgnbd.alpha,
                a=bgnbd.a,
                b=bgnbd.b,
                p=gamma_gamma.p,
                q=gamma_gamma.q,
                gamma=gamma_gamma.gamma,
            )
        )
        return bgnbd, gamma_gamma, fields.Date.to_date(params["fitted_on"])

    def _loyalty_value_phases(self, company, frame, days, reference_date):
        """Value phase from the revenue of the last periods (credit notes included)."""
        period_months = company.loyalty_phase_period_months
        periods = company.loyalty_phase_periods
        ref = pd.Timestamp(reference_date)
        # boundaries, oldest first: a date d is in period k when bound[k] < d <= bound[k + 1]
        bounds = np.array(
            [ref - pd.DateOffset(months=period_months * k) for k in range(periods, -1, -1)], dtype="datetime64[ns]"
        )
        dates = days["date"].to_numpy(dtype="datetime64[ns]")
        index = np.searchsorted(bounds, dates, side="left") - 1
        recent = (index >= 0) & (index < periods)
        position = pd.Series(np.arange(len(frame)), index=frame["partner_id"].to_numpy())
        rows = position.reindex(days["partner_id"].to_numpy()[recent]).to_numpy()
        matrix = np.zeros((len(frame), periods))
        np.add.at(matrix, (rows, index[recent]), days["amount"].to_numpy()[recent])
        phases, trend = value_phase(matrix, company.loyalty_phase_threshold)
        invoiced = frame["move_count"].to_numpy() > 0
        return np.where(invoiced, phases, None), np.where(invoiced, trend, 0.0)

    @api.model
    def _loyalty_score_frame(self, company, data, reference_date, consume=False, previous=None):
        """The scores of ``company`` as of ``reference_date`` from the gathered ``data``.

        :param consume: empty ``data`` as soon as the customers' frame is built (memory)
        :param previous: Series partner id -> level code of the levels before (no flip-flop: see
            :func:`~..loyalty_analytics.pyramid.assign_levels`); None: the plain cuts
        :returns: :class:`Prepared`: the scores (DataFrame with the columns of :meth:`_loyalty_score_columns` plus
            ``change_reason`` and ``change_note``), the CLV method, its note and parameters
        """
        levels = self.env["crm.loyalty.level"]._loyalty_levels_by_code(company)
        frame, days = self._loyalty_build_frame(data, self._loyalty_windows(company, reference_date))
        if consume:
            data.clear()
        estimates = self._loyalty_lifetime_values(company, frame, days, reference_date)
        lifetime = estimates.scores
        phases, trend = self._loyalty_value_phases(company, frame, days, reference_date)
        shares = {code: level.share for code, level in levels.items()}
        try:
            risk = at_risk(frame["is_active"], lifetime["probability_alive"], company.loyalty_alive_threshold)
            demoted = risk if company.loyalty_at_risk_mode == "inactive" else np.zeros(len(frame), dtype=bool)
            pyramid = assign_levels(
                frame.assign(is_active=frame["is_active"] & ~demoted),
                shares,
                previous=previous,
                margin_percent=company.loyalty_level_margin,
            )
            margin = frame["revenue_window"] - frame["cost_window"]
            classes = profit_classes(
                frame["revenue_window"], margin, company.loyalty_profit_band_low, company.loyalty_profit_band_high
            )
        except PyramidConfigError as error:
            raise ValidationError(str(error)) from error
        # only active customers get a profit class
        classes = np.where(frame["is_active"], classes, None)
        discount = np.zeros(len(frame))
        base = frame["discount_base"].to_numpy()
        np.divide(frame["discount_weighted"].to_numpy(), base, out=discount, where=base > 0)
        positive_clv, price_insensitive = elastic_flags(
            classes, lifetime["clv"], discount, base > 0, company.loyalty_discount_threshold
        )
        metrics = customer_metrics(frame, reference_date)
        digits = company.currency_id.decimal_places
        level_ids = pyramid["level_code"].map({code: level.id for code, level in levels.items()})
        out = pd.DataFrame(
            {
                "partner_id": frame["partner_id"],
                "computed_level_id": level_ids.astype(np.int64),
                "is_active_customer": frame["is_active"],
                "is_ranked": pyramid["rank"].to_numpy() > 0,
                "revenue_window": frame["revenue_window"].round(digits),
                "revenue_lifetime": frame["revenue_lifetime"].round(digits),
                "cost_window": frame["cost_window"].round(digits),
                "margin_window": margin.round(digits),
                "margin_percent": np.round(margin_percent(frame["revenue_window"], margin), 4),
                "profit_class": classes,
                "invoice_count": frame["invoice_count"],
                "first_invoice_date": frame["first_invoice_date"].dt.date,
                "last_invoice_date": frame["last_invoice_date"].dt.date,
                "avg_invoice_value": metrics["avg_invoice_value"].round(digits),
                "clv": lifetime["clv"].round(digits),
                "clv_method": lifetime["clv_method"],
                "probability_alive": lifetime["probability_alive"].round(6),
                "expected_purchases": lifetime["expected_purchases"].round(6),
                "expected_spend": lifetime["expected_spend"].round(digits),
                "at_risk": risk,
                "value_phase": phases,
                "phase_trend": np.round(trend, 4),
                "avg_discount": np.round(discount, 4),
                "elastic_positive_clv": positive_clv,
                "elastic_price_insensitive": price_insensitive,
                "is_key_account": frame["revenue_window"].to_numpy() >= company.loyalty_key_account_threshold,
                "change_reason": np.where(demoted, "at_risk", None),
                "change_note": self._loyalty_level_notes(company, frame, pyramid, previous, levels),
            }
        )
        # the figures other files and addons add to the scores (the score contract)
        estimates.scores = self._loyalty_score_figures(company, frame, days, reference_date, out)
        return estimates

    @api.model
    def _loyalty_level_notes(self, company, frame, pyramid, previous, levels):
        """Why each customer that moves from a ranked level to another one moves (the note of its history row):
        its rank, the ranks of the level it leaves and the margin of the cut it passed; None for the others."""
        notes = np.full(len(frame), None, dtype=object)
        if previous is None or not len(previous):
            return notes
        before = previous.reindex(frame["partner_id"].to_numpy()).to_numpy(dtype=object)
        after = pyramid["level_code"].to_numpy(dtype=object)
        ranked = list(RANKED_CODES)
        moved = np.flatnonzero(np.isin(before, ranked) & np.isin(after, ranked) & (before != after))
        if not len(moved):
            return notes
        ranks = pyramid["rank"].to_numpy()
        count = int((ranks > 0).sum())
        counts = cut_counts(count, {code: levels[code].share for code in ranked})
        bounds = level_bounds(counts)
        margins = margin_ranks(counts, company.loyalty_level_margin)
        revenue = frame["revenue_window"].to_numpy()
        for position in moved:
            code, rank = before[position], int(ranks[position])
            first, last = bounds[code]
            index = ranked.index(code)
            values = {"rank": rank, "count": count, "level": levels[code].name, "first": first, "last": last}
            if revenue[position] <= 0:
                notes[position] = self.env._("No revenue in the ranking window: not above Small.")
            elif rank > last:
                values["margin"] = margins[(code, ranked[index + 1])] if index + 1 < len(ranked) else 0
                notes[position] = self.env._(
                    "Rank %(rank)s of %(count)s active customers: below the ranks of %(level)s (%(first)s to "
                    "%(last)s) by more than the margin of its cut (%(margin)s ranks).",
                    **values,
                )
            else:
                values["margin"] = margins[(ranked[index - 1], code)] if index else 0
                notes[position] = self.env._(
                    "Rank %(rank)s of %(count)s active customers: above the ranks of %(level)s (%(first)s to "
                    "%(last)s) by more than the margin of its cut (%(margin)s ranks).",
                    **values,
                )
        return notes

    @api.model
    def _loyalty_levels_at(self, company, data, reference_date, previous=None):
        """Level code per customer (Series indexed by partner id) as the pyramid would have been computed on
        ``reference_date`` from the gathered ``data`` (the lifetime-value models only when at-risk customers
        are treated as inactive: otherwise they do not change levels), from the levels ``previous`` (Series
        partner id -> level code, the levels before: no flip-flop) when given.

        :returns: (levels, notes): the notes (Series like the levels) say why a customer left a ranked level
            for another one, where the ranks say it
        """
        levels = self.env["crm.loyalty.level"]._loyalty_levels_by_code(company)
        if company.loyalty_at_risk_mode == "inactive":
            out = self._loyalty_score_frame(company, data, reference_date, previous=previous).scores
            codes = {level.id: code for code, level in levels.items()}
            index = out["partner_id"].to_numpy()
            return (
                pd.Series(out["computed_level_id"].map(codes).to_numpy(), index=index),
                pd.Series(out["change_note"].to_numpy(), index=index),
            )
        frame, _days = self._loyalty_build_frame(data, self._loyalty_windows(company, reference_date))
        try:
            pyramid = assign_levels(
                frame,
                {code: level.share for code, level in levels.items()},
                previous=previous,
                margin_percent=company.loyalty_level_margin,
            )
        except PyramidConfigError as error:
            raise ValidationError(str(error)) from error
        index = frame["partner_id"].to_numpy()
        return (
            pd.Series(pyramid["level_code"].to_numpy(), index=index),
            pd.Series(self._loyalty_level_notes(company, frame, pyramid, previous, levels), index=index),
        )

    @api.model
    def _loyalty_values_hash(self, out):
        """A 64-bit hash of the values of each row (int64 array, stored as its decimal text): equal hashes,
        nothing to write."""
        return pd.util.hash_pandas_object(out[self._loyalty_value_columns()], index=False).to_numpy().view(np.int64)

    @api.model
    def _loyalty_prepare(self, run, mode=None):
        """Read the invoices (:meth:`_loyalty_gather_for`) and compute every score of the run's company:
        a :class:`Prepared`. ``mode``: the run's mode, given when the caller's cursor
        must not be read yet (a background run prepares before its write transaction)."""
        data = self._loyalty_gather_for(run, mode)
        # the lifetime-value backtest of the run (or the recent one it reuses), before the scores consume data
        backtest = self.env["crm.loyalty.backtest"]._loyalty_prepare(run.company_id, data, run.reference_date)
        # no flip-flop: the levels the previous run computed (before ``data`` is consumed); after a history
        # rebuild, a customer without score yet continues from its last rebuilt level, as its history does
        previous = data.get("levels")
        if run.history_months:
            history = self.env["crm.loyalty.history"]
            month_end = history._loyalty_month_ends(run.reference_date, run.history_months)[-1]
            rebuilt = history._loyalty_rebuilt_levels(run.company_id, month_end)
            previous = rebuilt if previous is None else previous.combine_first(rebuilt)
        prepared = self._loyalty_score_frame(run.company_id, data, run.reference_date, consume=True, previous=previous)
        prepared.backtest = backtest
        return prepared

    @api.model
    def _loyalty_compute(self, run, prepared=None):
        """Compute the scores of the run's company (unless ``prepared`` by :meth:`_loyalty_prepare`) and
        stage those whose values changed."""
        company = run.company_id
        prepared = prepared or self._loyalty_prepare(run)
        # taken from ``prepared``: the frames go as soon as they are staged
        out = prepared.take_scores()
        out["values_hash"] = self._loyalty_values_hash(out)
        self.env["crm.loyalty.score"].flush_model(["values_hash", "is_key_account", *MODEL_TOLERANCES])
        # the current scores through COPY, hashes as integers: no Python object per score
        columns = ["partner_id", "values_hash", "is_key_account", *MODEL_TOLERANCES]
        current = self.env["crm.loyalty.invoice"]._loyalty_read_frame(
            self.env.cr,
            SQL(
                """SELECT partner_id,
                          CASE WHEN values_hash ~ '^-?[0-9]{1,19}$' THEN values_hash::bigint ELSE 0 END,
                          COALESCE(is_key_account, FALSE)::int, %s
                     FROM crm_loyalty_score WHERE company_id = %s""",
                SQL(", ").join(SQL.identifier(name) for name in MODEL_TOLERANCES),
                company.id,
            ),
            columns,
            integers=columns[:3],
        )
        # each stored value beside the new one, one column at a time (no reindexed copy of the scores:
        # memory at a million customers); int64 hashes compared as such, no float rounding
        current_ids = current["partner_id"].to_numpy()
        positions = pd.Index(current_ids).get_indexer(out["partner_id"].to_numpy())
        known = positions >= 0
        changed = ~known
        was_key = np.zeros(len(out), dtype=bool)
        if len(current):
            take = np.where(known, positions, 0)
            changed |= current["values_hash"].to_numpy()[take] != out["values_hash"].to_numpy()
            rounding = company.currency_id.rounding
            for name, (absolute, relative) in MODEL_TOLERANCES.items():
                changed |= estimate_moved(
                    out[name].to_numpy(dtype=float, na_value=np.nan),
                    current[name].to_numpy(dtype=float)[take],
                    rounding if absolute is None else absolute,
                    relative,
                )
            was_key = known & (current["is_key_account"].to_numpy()[take] == 1)
        removed = np.setdiff1d(current_ids, out["partner_id"].to_numpy())
        del current, positions, known
        partner_count = len(out)
        # a first run writes every score: the frame itself, not a copy of it
        staged = out if changed.all() else out[changed]
        was_key = was_key[changed]
        now_key = staged["is_key_account"].to_numpy(dtype=bool)
        staged.insert(len(staged.columns), "key_change", np.where(was_key == now_key, None, now_key))
        staged.insert(len(staged.columns), "removed", False)
        gone = pd.DataFrame({"partner_id": removed.astype(np.int64), "removed": True})
        del out
        staged = pd.concat([staged, gone], ignore_index=True) if len(gone) else staged
        self._loyalty_stage(run, staged)
        self._loyalty_keep_changes(run)
        run.write(
            {
                "partner_count": partner_count,
                "written_count": len(staged),
                "clv_method": prepared.clv_method,
                "clv_note": prepared.clv_note,
                "clv_params": prepared.clv_params,
            }
        )
        # the run was created by the engine for a user allowed to start it (runs and backtests are
        # read-only for users); its environment stores the backtest with it
        run.env["crm.loyalty.backtest"]._loyalty_store(run, prepared.backtest)
