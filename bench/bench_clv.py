#!/usr/bin/env python3
# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Time the CLV fits on simulated customers.

Simulates customers from a BG/NBD + Gamma-Gamma process (numpy only), then
fits both models and computes a 12-month discounted CLV, printing the best
and median time of a few repetitions::

    python3 bench/bench_clv.py            # 25,000 customers, times in weeks
    python3 bench/bench_clv.py -n 100000 --days
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "crm_loyalty"))

from loyalty_analytics.clv import (
    BgNbdParams,
    GammaGammaParams,
    discounted_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    simulate_customers,
)

TRUE_BGNBD = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # CDNOW estimates, weeks
TRUE_GAMMA_GAMMA = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)


def timed(func, repeat):
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return result, times


def fmt(times):
    return f"best {min(times) * 1000:7.1f} ms, median {statistics.median(times) * 1000:7.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=25_000, help="number of customers (default 25000)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per timing (default 5)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--days", action="store_true", help="whole days as time unit (as the Odoo side may use): many equal rows"
    )
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    horizon = rng.uniform(1.0, 104.0, args.n)  # cohorts of up to two years, in weeks
    started = time.perf_counter()
    data = simulate_customers(args.n, TRUE_BGNBD, TRUE_GAMMA_GAMMA, T=horizon, seed=args.seed)
    simulated = time.perf_counter() - started
    unit_days = 7.0
    if args.days:
        unit_days = 1.0
        data["T"] = np.ceil(data["T"] * 7)
        data["recency"] = np.minimum(np.floor(data["recency"] * 7), data["T"])
    x, tx, big_t, m = (data[c] for c in ("frequency", "recency", "T", "monetary_value"))
    print(
        f"{args.n:,} customers simulated in {simulated * 1000:.0f} ms "
        f"({(x > 0).sum():,} repeat buyers, up to {x.max()} repeat purchases, unit {'day' if args.days else 'week'})"
    )

    bg, bg_times = timed(lambda: fit_bgnbd(x, tx, big_t), args.repeat)
    print(f"BG/NBD fit       {fmt(bg_times)}   r={bg.r:.3f} alpha={bg.alpha:.3f} a={bg.a:.3f} b={bg.b:.3f}")
    gg, gg_times = timed(lambda: fit_gamma_gamma(x, m), args.repeat)
    print(f"Gamma-Gamma fit  {fmt(gg_times)}   p={gg.p:.2f} q={gg.q:.2f} gamma={gg.gamma:.2f}")
    clv, clv_times = timed(lambda: discounted_clv(bg, gg, x, tx, big_t, m, time_unit_days=unit_days), args.repeat)
    print(f"12-month CLV     {fmt(clv_times)}   total {clv.sum():,.0f}, mean {clv.mean():.2f}")
    print(
        f"true values: r={TRUE_BGNBD.r} alpha={TRUE_BGNBD.alpha}{' (x7 in days)' if args.days else ''} "
        f"a={TRUE_BGNBD.a} b={TRUE_BGNBD.b}; p={TRUE_GAMMA_GAMMA.p} q={TRUE_GAMMA_GAMMA.q} "
        f"gamma={TRUE_GAMMA_GAMMA.gamma}"
    )


if __name__ == "__main__":
    main()
