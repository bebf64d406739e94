"""Tier and assess 1,000,000 customers; compare with a plain pandas rank/qcut baseline.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_pyramid.py [N]``.
Targets (issue 3): tiering 1M < 1 s, assessing 1M < 3 s.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from custrel.pyramid import build_pyramid, tier_codes, treatment_codes
from custrel.scoring import assess_columns


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def columns(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    revenue = np.round(rng.lognormal(7, 1.5, n), 2)
    return {
        "revenue": revenue,
        "cost_of_goods": np.round(revenue * rng.uniform(0.3, 0.9, n), 2),
        "cost_to_serve": np.round(rng.lognormal(3, 1, n), 2),
        "discounts": np.round(revenue * rng.uniform(0, 0.2, n), 2),
        "bad_debt": np.where(rng.random(n) < 0.02, np.round(revenue * 0.1, 2), 0.0),
        "mean_days_late": rng.exponential(5, n),
        "max_days_late": rng.exponential(20, n),
        "purchase_count": rng.poisson(4, n).astype(float),
        "tenure_days": rng.integers(0, 3000, n).astype(float),
        "trend": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(-0.5, 1.0, n)),
    }


def pandas_tiers(values: np.ndarray) -> np.ndarray:
    # The baseline a data analyst would write: percentile rank, then cut at 1/20/50%.
    s = pd.Series(values)
    pct = s.rank(method="max", ascending=False, pct=True)
    tiers = pd.cut(pct, [0, 0.01, 0.20, 0.50, 1.0], labels=False, include_lowest=True)
    return np.where(s > 0, tiers.to_numpy(), 3)


def pandas_assess(df: pd.DataFrame) -> pd.Series:
    # A plain pandas take on the money marks only (profit, relative service cost, credit).
    net = df.revenue - df.discounts - df.cost_of_goods - df.bad_debt
    profit = net - df.cost_to_serve
    score = (
        (profit > 0).astype(float)
        + ((net > 0) & (df.cost_to_serve <= 0.05 * net)).astype(float)
        - 2 * (profit < 0)
        - 3 * ((df.bad_debt > 0) | (df.max_days_late >= 90))
    )
    return pd.cut(score, [-np.inf, -2, 2.5, np.inf], labels=["bad", "neutral", "good"])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(42)
    cols = columns(n, rng)
    df = pd.DataFrame(cols)
    assessed = assess_columns(cols)
    profit = assessed.profit

    rows: list[tuple[str, float, str, float | None, str]] = []

    t_tiers = best_of(lambda: tier_codes(profit))
    t_pd_tiers = best_of(lambda: pandas_tiers(profit))
    rows.append(("tier 1M (tier_codes)", t_tiers, "pandas rank+cut", t_pd_tiers, "< 1 s"))

    t_assess = best_of(lambda: assess_columns(cols))
    t_pd_assess = best_of(lambda: pandas_assess(df))
    rows.append(("assess 1M (assess_columns)", t_assess, "pandas 4-mark cut", t_pd_assess, "< 3 s"))

    codes = tier_codes(profit)
    t_treat = best_of(lambda: treatment_codes(codes, assessed))
    rows.append(("treatment 1M (treatment_codes)", t_treat, "-", None, "-"))

    sample = 100_000
    ids = {f"c{i}": float(v) for i, v in enumerate(profit[:sample])}
    t_build = best_of(lambda: build_pyramid(ids), repeat=1)
    t_pd_small = best_of(lambda: pandas_tiers(profit[:sample]))
    rows.append(
        ("build_pyramid 100k (per-customer API)", t_build, "pandas rank+cut", t_pd_small, "-")
    )

    agree = float(np.mean(pandas_tiers(profit) == codes))
    print(f"n = {n:,} customers; numpy {np.__version__}, pandas {pd.__version__}")
    header = ("operation", "custrel s", "baseline", "baseline s", "ratio", "target")
    print("{:40} {:>10} {:>18} {:>11} {:>7} {:>7}".format(*header))
    for name, ours, base_name, base, target in rows:
        ratio = f"{base / ours:6.1f}x" if base else "-"
        shown = f"{base:11.3f}" if base else f"{'-':>11}"
        print(f"{name:40} {ours:10.3f} {base_name:>18} {shown} {ratio:>7} {target:>7}")
    print(f"ratio = baseline time / custrel time; tiers equal to the pandas baseline: {agree:.4%}")


if __name__ == "__main__":
    main()
