import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from loyalty_analytics.clv import (
    DAYS_PER_MONTH,
    BgNbdParams,
    ClvFitError,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_expected_purchases_new,
    bgnbd_log_likelihood,
    bgnbd_probability_alive,
    clv_summary,
    discounted_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    monthly_discount_rate,
    rfm_from_transactions,
    simulate_customers,
)
from scipy import integrate, special

CDNOW = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow_sample.txt"
CALIBRATION_END = "1997-09-30"
HOLDOUT_START = "1997-10-01"
HOLDOUT_END = "1998-06-30"

# published estimates (Fader, Hardie & Lee 2005, both papers)
PAPER_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
BG = BgNbdParams(**PAPER_BGNBD)
GG = GammaGammaParams(**PAPER_GAMMA_GAMMA)


# ---------------------------------------------------------------------------
# proof against the papers (CDNOW 1/10 sample)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow():
    if not CDNOW.exists():
        pytest.skip(f"CDNOW sample not found at {CDNOW} (the shared/ data folder must sit beside the clone)")
    frame = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["customer", "customer_full", "date", "cds", "dollars"],
        dtype={"date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


@pytest.fixture(scope="module")
def cdnow_rfm(cdnow):
    return rfm_from_transactions(cdnow, "customer", "date", "dollars", CALIBRATION_END, time_unit_days=7)


def test_cdnow_rfm(cdnow_rfm):
    assert len(cdnow_rfm) == 2357
    assert (cdnow_rfm["frequency"] > 0).sum() == 946  # repeat buyers of the Gamma-Gamma paper
    # customer 4: 1 Jan, 18 Jan, 2 Aug 1997 -> x = 2, t_x = 213 / 7, T = 272 / 7 weeks
    row = cdnow_rfm.loc[4]
    assert row["frequency"] == 2
    assert row["recency"] == pytest.approx(213 / 7)
    assert row["T"] == pytest.approx(272 / 7)
    assert row["monetary_value"] == pytest.approx((29.73 + 14.96) / 2)


def test_cdnow_bgnbd_matches_paper(cdnow_rfm):
    started = time.perf_counter()
    params = fit_bgnbd(cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"])
    elapsed = time.perf_counter() - started
    print(
        f"\nBG/NBD on CDNOW: r={params.r:.4f} alpha={params.alpha:.4f} a={params.a:.4f} b={params.b:.4f} "
        f"LL={params.log_likelihood:.2f} ({elapsed * 1000:.1f} ms); paper: {PAPER_BGNBD}, LL -9582.4"
    )
    assert params.converged
    for name, published in PAPER_BGNBD.items():
        assert round(getattr(params, name), 3) == published, name
    assert round(params.log_likelihood, 1) == -9582.4
    assert params.log_likelihood == pytest.approx(
        bgnbd_log_likelihood(params, cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"])
    )


def test_cdnow_gamma_gamma_matches_paper(cdnow_rfm):
    started = time.perf_counter()
    params = fit_gamma_gamma(cdnow_rfm["frequency"], cdnow_rfm["monetary_value"])
    elapsed = time.perf_counter() - started
    print(
        f"\nGamma-Gamma on CDNOW: p={params.p:.4f} q={params.q:.4f} gamma={params.gamma:.4f} "
        f"LL={params.log_likelihood:.2f} on {params.n_customers} repeat buyers ({elapsed * 1000:.1f} ms); "
        f"paper: {PAPER_GAMMA_GAMMA}"
    )
    assert params.n_customers == 946
    for name, published in PAPER_GAMMA_GAMMA.items():
        assert round(getattr(params, name), 2) == published, name


def test_cdnow_holdout_conditional_expectation(cdnow, cdnow_rfm):
    params = fit_bgnbd(cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"])
    holdout_weeks = (pd.Timestamp(HOLDOUT_END) - pd.Timestamp(CALIBRATION_END)).days / 7
    assert holdout_weeks == 39
    expected = bgnbd_expected_purchases(
        params, holdout_weeks, cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"]
    )
    holdout = cdnow[(cdnow["date"] >= HOLDOUT_START) & (cdnow["date"] <= HOLDOUT_END)]
    actual_days = holdout.groupby(["customer", "date"]).ngroups
    print(
        f"\nholdout 1997-10-01..1998-06-30 (39 weeks): expected repeat purchases {expected.sum():,.1f} "
        f"(paper 1,653) vs actual purchase days {actual_days:,}"
    )
    assert np.all(np.isfinite(expected))
    assert expected.sum() == pytest.approx(1653, abs=2)
    assert actual_days == 1882


# ---------------------------------------------------------------------------
# transactions -> RFM
# ---------------------------------------------------------------------------


def _tx(rows):
    return pd.DataFrame(rows, columns=["partner", "date", "amount"])


def test_rfm_same_day_purchases_count_once():
    frame = _tx(
        [
            (1, "2024-01-01", 10.0),
            (1, "2024-01-01 15:30", 5.0),  # same day, other time: one purchase of 15
            (1, "2024-01-08", 20.0),
            (1, "2024-01-08", 4.0),
            (1, "2024-01-22", 30.0),
        ]
    )
    rfm = rfm_from_transactions(frame, "partner", "date", "amount", "2024-01-29")
    row = rfm.loc[1]
    assert row["frequency"] == 2
    assert row["recency"] == pytest.approx(3.0)  # 21 days
    assert row["T"] == pytest.approx(4.0)  # 28 days
    assert row["monetary_value"] == pytest.approx((24.0 + 30.0) / 2)  # first purchase left out
    days = rfm_from_transactions(frame, "partner", "date", "amount", "2024-01-29", time_unit_days=1)
    assert days.loc[1, "recency"] == 21 and days.loc[1, "T"] == 28


def test_rfm_credit_note_wiping_a_day_is_not_a_purchase():
    frame = _tx(
        [
            (1, "2024-01-01", 100.0),
            (1, "2024-01-10", 50.0),
            (1, "2024-01-10", -50.0),  # credit note wipes the purchase of that day
            (1, "2024-01-15", 30.0),
            (1, "2024-01-15", -40.0),  # net negative day: not a purchase
            (1, "2024-01-20", -10.0),  # stand-alone refund: ignored
            (2, "2024-01-05", 80.0),
            (2, "2024-01-05", -80.0),  # customer 2 never really bought
            (3, "2024-01-03", 0.0),  # free purchase (no credit note): counts, as in CDNOW
            (3, "2024-01-17", 12.0),
        ]
    )
    rfm = rfm_from_transactions(frame, "partner", "date", "amount", "2024-01-31", time_unit_days=1)
    assert list(rfm.index) == [1, 3]
    assert rfm.loc[1, "frequency"] == 0 and rfm.loc[1, "recency"] == 0
    assert rfm.loc[1, "monetary_value"] == 0
    assert rfm.loc[3, "frequency"] == 1 and rfm.loc[3, "recency"] == 14
    assert rfm.loc[3, "monetary_value"] == 12.0


def test_rfm_calibration_window():
    frame = _tx(
        [
            (1, "2023-12-20", 99.0),  # before first_date
            (1, "2024-01-02", 10.0),
            (1, "2024-01-09", 20.0),
            (1, "2024-02-01", 500.0),  # after calibration_end
            (2, "2024-01-31", 7.0),  # bought today only
            (3, "2024-02-02", 8.0),  # first purchase after the end: left out
        ]
    )
    rfm = rfm_from_transactions(frame, "partner", "date", "amount", "2024-01-31", first_date="2024-01-01")
    assert list(rfm.index) == [1, 2]
    assert rfm.loc[1, "frequency"] == 1
    assert rfm.loc[1, "T"] == pytest.approx(29 / 7)
    assert rfm.loc[1, "monetary_value"] == 20.0
    assert rfm.loc[2, "frequency"] == 0 and rfm.loc[2, "T"] == 0 and rfm.loc[2, "recency"] == 0
    assert rfm["frequency"].dtype == np.int64


def test_rfm_refuses_bad_input():
    frame = _tx([(1, "2024-01-01", 10.0)])
    with pytest.raises(ValueError, match="lack the column"):
        rfm_from_transactions(frame, "partner", "day", "amount", "2024-01-31")
    with pytest.raises(ValueError, match="no amount"):
        rfm_from_transactions(_tx([(1, "2024-01-01", None)]), "partner", "date", "amount", "2024-01-31")
    empty = rfm_from_transactions(frame, "partner", "date", "amount", "2023-12-31")
    assert empty.empty and list(empty.columns) == ["frequency", "recency", "T", "monetary_value"]


# ---------------------------------------------------------------------------
# predictions: formulas and edge cases
# ---------------------------------------------------------------------------


def _expected_by_integration(params, t, x, tx, big_t):
    """Independent check of paper eq. 10 by quadrature over the drop-out probability.

    Alive at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x); the expected
    purchases in (T, T+t] are E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p].
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    k, s, beta = r + x, t / (alpha + big_t), b + x

    def density_times_g(p):
        log_density = (a - 1) * np.log(p) + (beta - 1) * np.log1p(-p) - special.betaln(a, beta)
        return np.exp(log_density) * -np.expm1(-k * np.log1p(p * s)) / p

    opts = {"limit": 500, "epsabs": 0.0, "epsrel": 1e-12}
    value = integrate.quad(density_times_g, 0, 0.5, **opts)[0] + integrate.quad(density_times_g, 0.5, 1, **opts)[0]
    if x > 0:
        odds = a / (b + x - 1) * ((alpha + big_t) / (alpha + tx)) ** (r + x)
        value /= 1 + odds
    return value


@pytest.mark.parametrize(
    "params",
    [
        BG,
        BgNbdParams(r=2.0, alpha=30.0, a=1.0, b=3.0),  # a = 1: removable singularity of the closed form
        BgNbdParams(r=0.5, alpha=10.0, a=0.3, b=0.4),  # a + b < 1: hypergeometric with c <= 0
        BgNbdParams(r=5.0, alpha=2.0, a=4.0, b=20.0),
    ],
)
@pytest.mark.parametrize(
    "x, tx, big_t, t",
    [(0, 0, 39, 39), (0, 0, 0, 52), (2, 30.43, 38.86, 39), (7, 35, 38, 1), (25, 20, 78, 520), (1, 0, 0, 4)],
)
def test_expected_purchases_matches_integral(params, x, tx, big_t, t):
    got = bgnbd_expected_purchases(params, t, [x], [tx], [big_t])[0]
    assert got == pytest.approx(_expected_by_integration(params, t, x, tx, big_t), rel=1e-7, abs=1e-12)


def test_unconditional_expectation_is_new_customer():
    t = np.array([0.0, 1.0, 39.0, 78.0])
    new = bgnbd_expected_purchases_new(BG, t)
    conditional = bgnbd_expected_purchases(BG, t, np.zeros(4), np.zeros(4), np.zeros(4))
    np.testing.assert_allclose(new, conditional)
    assert new[0] == 0 and np.all(np.diff(new) > 0)
    assert isinstance(bgnbd_expected_purchases_new(BG, 39), float)
    # paper eq. 9 at small t: about r t / alpha purchases
    assert bgnbd_expected_purchases_new(BG, 1e-3) == pytest.approx(BG.r * 1e-3 / BG.alpha, rel=1e-3)


def test_probability_alive_formula():
    x, tx, big_t = 2, 30.43, 38.86
    expected = 1 / (1 + BG.a / (BG.b + x - 1) * ((BG.alpha + big_t) / (BG.alpha + tx)) ** (BG.r + x))
    assert bgnbd_probability_alive(BG, [x], [tx], [big_t])[0] == pytest.approx(expected)
    # one-time buyers are alive for BG/NBD (drop-out only happens after a repeat purchase)
    np.testing.assert_array_equal(bgnbd_probability_alive(BG, [0, 0], [0, 0], [39, 0]), [1.0, 1.0])


EDGE_CUSTOMERS = pd.DataFrame(
    [
        # frequency, recency, T, monetary_value
        (0, 0.0, 39.0, 0.0),  # one purchase only
        (0, 0.0, 0.0, 0.0),  # only purchase is today (T = 0)
        (1, 0.0, 0.0, 25.0),  # same-day repeat (rounded time unit): recency 0 accepted
        (3, 20.0, 20.0, 15.0),  # recency == T
        (300, 51.0, 52.0, 40.0),  # 300 repeat purchases, still buying
        (300, 1.0, 500.0, 40.0),  # 300 purchases long ago: surely gone
        (1000, 1e4, 1e4, 1.0),
        (2, 1e-9, 1e6, 1e6),
    ],
    columns=["frequency", "recency", "T", "monetary_value"],
)


@pytest.mark.parametrize(
    "params",
    [BG, BgNbdParams(r=0.5, alpha=10.0, a=0.3, b=0.4), BgNbdParams(r=1.0, alpha=1.0, a=1.0, b=1e-3)],
)
def test_edge_customers_give_finite_predictions(params):
    e = EDGE_CUSTOMERS
    x, tx, big_t = e["frequency"], e["recency"], e["T"]
    alive = bgnbd_probability_alive(params, x, tx, big_t)
    assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1))
    assert alive[0] == alive[1] == 1.0
    assert alive[5] < 1e-6
    for t in (0.0, 1e-6, 1.0, 52.0, 5200.0):
        expected = bgnbd_expected_purchases(params, t, x, tx, big_t)
        assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
        # never more than a customer buying at his posterior mean rate all along
        assert np.all(expected <= (params.r + x) * t / (params.alpha + big_t) * (1 + 1e-9))
    longer = bgnbd_expected_purchases(params, 104.0, x, tx, big_t)
    assert np.all(longer >= bgnbd_expected_purchases(params, 52.0, x, tx, big_t))
    spend = gamma_gamma_expected_spend(GG, x, e["monetary_value"])
    clv = discounted_clv(params, GG, x, tx, big_t, e["monetary_value"])
    assert np.all(np.isfinite(spend)) and np.all(spend > 0)
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)
    assert clv[4] > clv[5]


@pytest.mark.parametrize(
    "frequency, recency, T, message",
    [
        ([-1], [0], [5], "frequency cannot be negative"),
        ([1], [6], [5], "recency .* cannot exceed T"),
        ([0], [2], [5], "recency must be 0"),
        ([1], [np.nan], [5], "missing or infinite"),
        ([1, 2], [1], [5, 5, 5], "same length"),
    ],
)
def test_prediction_inputs_are_validated(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        bgnbd_expected_purchases(BG, 10, frequency, recency, T)


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="horizon"):
        bgnbd_expected_purchases(BG, -1, [0], [0], [1])
    with pytest.raises(ValueError, match="'alpha' must be a positive"):
        bgnbd_probability_alive({"r": 1, "alpha": 0, "a": 1, "b": 1}, [1], [1], [2])
    with pytest.raises(ValueError, match="q must be above 1"):
        gamma_gamma_expected_spend({"p": 1, "q": 0.9, "gamma": 1}, [1], [10])
    # plain dicts work as parameters
    assert bgnbd_probability_alive(PAPER_BGNBD, [2], [30], [38])[0] == bgnbd_probability_alive(BG, [2], [30], [38])[0]


def test_gamma_gamma_expected_spend():
    spend = gamma_gamma_expected_spend(GG, [0, 1, 10], [0.0, 50.0, 50.0])
    population_mean = GG.p * GG.gamma / (GG.q - 1)
    assert spend[0] == pytest.approx(population_mean)
    assert spend[1] == pytest.approx(GG.p * (GG.gamma + 50.0) / (GG.p + GG.q - 1))
    # more repeat purchases: closer to the customer's own mean
    assert population_mean < spend[1] < spend[2] < 50.0


# ---------------------------------------------------------------------------
# CLV
# ---------------------------------------------------------------------------


def test_discounted_clv_without_discount_telescopes():
    e = EDGE_CUSTOMERS
    args = (e["frequency"], e["recency"], e["T"])
    clv = discounted_clv(BG, GG, *args, e["monetary_value"], months=12, annual_discount_rate=0.0)
    purchases = bgnbd_expected_purchases(BG, 12 * DAYS_PER_MONTH / 7, *args)
    spend = gamma_gamma_expected_spend(GG, e["frequency"], e["monetary_value"])
    np.testing.assert_allclose(clv, spend * purchases, rtol=1e-9, atol=1e-12)


def test_discounted_clv_discounting_and_margin():
    e = EDGE_CUSTOMERS.iloc[[0, 3, 4]]
    args = (e["frequency"], e["recency"], e["T"], e["monetary_value"])
    plain = discounted_clv(BG, GG, *args, annual_discount_rate=0.0)
    discounted = discounted_clv(BG, GG, *args, annual_discount_rate=0.10)
    assert np.all(discounted < plain) and np.all(discounted > plain / 1.10)
    np.testing.assert_allclose(discounted_clv(BG, GG, *args, margin_rate=0.3), 0.3 * discounted)
    np.testing.assert_array_equal(discounted_clv(BG, GG, *args, months=0), np.zeros(3))
    assert monthly_discount_rate(0.10) == pytest.approx(1.10 ** (1 / 12) - 1)
    # one month, known by hand
    month = DAYS_PER_MONTH / 7
    one = discounted_clv(BG, GG, *args, months=1, annual_discount_rate=0.10)
    by_hand = (
        gamma_gamma_expected_spend(GG, e["frequency"], e["monetary_value"])
        * bgnbd_expected_purchases(BG, month, e["frequency"], e["recency"], e["T"])
        / 1.10 ** (1 / 12)
    )
    np.testing.assert_allclose(one, by_hand)


def test_time_unit_does_not_change_clv():
    """Weeks or days: same customers, alpha rescaled, same CLV."""
    e = EDGE_CUSTOMERS.iloc[:5]
    weeks = discounted_clv(BG, GG, e["frequency"], e["recency"], e["T"], e["monetary_value"], time_unit_days=7)
    bg_days = BgNbdParams(r=BG.r, alpha=BG.alpha * 7, a=BG.a, b=BG.b)
    days = discounted_clv(
        bg_days, GG, e["frequency"], e["recency"] * 7, e["T"] * 7, e["monetary_value"], time_unit_days=1
    )
    np.testing.assert_allclose(days, weeks, rtol=1e-9)


def test_clv_summary():
    e = EDGE_CUSTOMERS.set_index(pd.Index(range(100, 100 + len(EDGE_CUSTOMERS)), name="partner_id"))
    summary = clv_summary(BG, GG, e["frequency"], e["recency"], e["T"], e["monetary_value"], months=6)
    assert list(summary.columns) == ["expected_purchases", "probability_alive", "expected_spend", "clv"]
    assert summary.index.equals(e.index)
    np.testing.assert_allclose(
        summary["clv"], discounted_clv(BG, GG, e["frequency"], e["recency"], e["T"], e["monetary_value"], months=6)
    )
    np.testing.assert_allclose(
        summary["expected_purchases"],
        bgnbd_expected_purchases(BG, 6 * DAYS_PER_MONTH / 7, e["frequency"], e["recency"], e["T"]),
    )
    assert np.all(np.isfinite(summary.to_numpy()))


# ---------------------------------------------------------------------------
# fitting: too little data, weights, recovery, speed
# ---------------------------------------------------------------------------


def test_fit_refuses_too_little_data():
    with pytest.raises(ClvFitError, match="at least 20"):
        fit_bgnbd([0, 1, 2], [0, 1, 2], [3, 3, 3])
    with pytest.raises(ClvFitError, match="bought more than once"):
        fit_bgnbd(np.zeros(50), np.zeros(50), np.full(50, 10.0))
    with pytest.raises(ClvFitError, match="at least 10"):
        fit_gamma_gamma([0, 0, 1, 2, 3], [0, 0, 10, 20, 30])
    # every customer bought on the last day: nothing tells churn apart
    with pytest.raises(ClvFitError, match="does not determine"):
        fit_bgnbd(np.full(40, 3), np.full(40, 20.0), np.full(40, 20.0))
    assert issubclass(ClvFitError, ValueError)


def test_gamma_gamma_refuses_infinite_mean():
    data = simulate_customers(5000, BgNbdParams(1.0, 5.0, 0.5, 3.0), {"p": 6, "q": 0.7, "gamma": 15}, T=52, seed=4)
    with pytest.raises(ClvFitError, match="q <= 1"):
        fit_gamma_gamma(data["frequency"], data["monetary_value"])


def test_fit_weights_equal_repeated_rows():
    data = simulate_customers(300, BG, T=39.0, seed=7)
    data["recency"] = data["recency"].round(0)
    data["T"] = data["T"].round(0)
    grouped = data.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    direct = fit_bgnbd(data["frequency"], data["recency"], data["T"])
    weighted = fit_bgnbd(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["n"])
    for name in ("r", "alpha", "a", "b", "log_likelihood"):
        assert getattr(weighted, name) == pytest.approx(getattr(direct, name), rel=1e-5)


def test_penalizer_shrinks():
    data = simulate_customers(2000, BG, T=39.0, seed=8)
    plain = fit_bgnbd(data["frequency"], data["recency"], data["T"])
    shrunk = fit_bgnbd(data["frequency"], data["recency"], data["T"], penalizer=0.01)
    assert shrunk.penalizer == 0.01 and plain.penalizer == 0.0
    assert shrunk.alpha < plain.alpha
    assert shrunk.log_likelihood < plain.log_likelihood
    with pytest.raises(ValueError, match="penalizer"):
        fit_bgnbd(data["frequency"], data["recency"], data["T"], penalizer=-1)


def test_fit_25k_customers_recovers_parameters_quickly():
    rng = np.random.default_rng(2026)
    n = 25_000
    true_bg = BgNbdParams(r=0.25, alpha=4.0, a=0.8, b=2.5)
    true_gg = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
    data = simulate_customers(n, true_bg, true_gg, T=rng.uniform(1.0, 78.0, n), seed=2026)

    started = time.perf_counter()
    bg = fit_bgnbd(data["frequency"], data["recency"], data["T"])
    bg_seconds = time.perf_counter() - started
    started = time.perf_counter()
    gg = fit_gamma_gamma(data["frequency"], data["monetary_value"])
    gg_seconds = time.perf_counter() - started
    started = time.perf_counter()
    clv = discounted_clv(bg, gg, data["frequency"], data["recency"], data["T"], data["monetary_value"])
    clv_seconds = time.perf_counter() - started
    print(
        f"\n25k customers: BG/NBD fit {bg_seconds * 1000:.0f} ms, Gamma-Gamma fit {gg_seconds * 1000:.0f} ms "
        f"({gg.n_customers} repeat buyers), 12-month CLV {clv_seconds * 1000:.0f} ms\n"
        f"  BG/NBD r={bg.r:.3f} alpha={bg.alpha:.3f} a={bg.a:.3f} b={bg.b:.3f} (true {true_bg.r}, "
        f"{true_bg.alpha}, {true_bg.a}, {true_bg.b}); GG p={gg.p:.2f} q={gg.q:.2f} gamma={gg.gamma:.2f} "
        f"(true {true_gg.p}, {true_gg.q}, {true_gg.gamma})"
    )
    assert bg_seconds < 5 and gg_seconds < 5
    # r, alpha and the mean drop-out probability a / (a + b) are well identified;
    # a and b separately vary more between samples of this size
    assert bg.r == pytest.approx(true_bg.r, rel=0.1)
    assert bg.alpha == pytest.approx(true_bg.alpha, rel=0.1)
    assert bg.a / (bg.a + bg.b) == pytest.approx(true_bg.a / (true_bg.a + true_bg.b), rel=0.1)
    for name in ("a", "b"):
        assert getattr(bg, name) == pytest.approx(getattr(true_bg, name), rel=0.3), name
    # the mean spend is well identified even where p, q, gamma trade off
    assert gg.p * gg.gamma / (gg.q - 1) == pytest.approx(true_gg.p * true_gg.gamma / (true_gg.q - 1), rel=0.05)
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)


def test_params_round_trip():
    params = fit_bgnbd(*(simulate_customers(500, BG, T=39.0, seed=9)[c] for c in ("frequency", "recency", "T")))
    assert BgNbdParams(**params.to_dict()) == params
    assert GammaGammaParams(**GG.to_dict()) == GG
    with pytest.raises(AttributeError):
        params.r = 1.0
