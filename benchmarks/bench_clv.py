"""custrel.clv against lifetimes, side by side in one process: fit time, speed, agreement.

On the CDNOW cohort (2,357 customers) and on customers simulated from the BG/NBD at
the published CDNOW parameters (1M by default), with first purchases spread over 12
weeks, purchases recorded by day, and time in weeks, as in a real weekly log.
Timings are the median of ``--repeat`` runs (lifetimes' slow fits run once); the
machine may be shared, so compare ratios rather than absolute seconds.

    python benchmarks/bench_clv.py                # 1M customers, 10M predictions
    python benchmarks/bench_clv.py --customers 200000 --predict-rows 2000000
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custrel.clv import BetaGeo, GammaGamma, ParetoNBD

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "cdnow"
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
ROWS: list[tuple[str, str, str, str, str]] = []


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    return timed_runs(run, repeat)[::2]  # type: ignore[return-value]


def timed_runs(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """The median and the fastest of ``repeat`` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def row(what: str, ours: float, theirs: float | None, agreement: str, unit: str = "s") -> None:
    # The ratio is always "how many times faster custrel is".
    speedup = None if theirs is None else (theirs / ours if unit == "s" else ours / theirs)
    ratio = "-" if speedup is None else f"{speedup:,.1f}x"
    fmt = (lambda v: f"{v:,.3f} s") if unit == "s" else (lambda v: f"{v:,.0f}/s")
    ROWS.append((what, fmt(ours), "-" if theirs is None else fmt(theirs), ratio, agreement))
    print(
        f"  {what}: custrel {fmt(ours)}, lifetimes {ROWS[-1][2]}, {ratio}, {agreement}", flush=True
    )


def simulate(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BG/NBD customers at the CDNOW parameters: first purchase on one of 84 days, observed
    to day 273, purchase times recorded by day, time in weeks."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 84, n)
    age = (273 - first) / 7.0
    x, t_x, age = BetaGeo.from_params(**PUBLISHED).simulate(age, seed=seed)
    t_x = np.where(x > 0, np.maximum(np.floor(t_x * 7), 1) / 7.0, 0.0)
    return x, t_x, age


def largest_gap(ours: dict[str, float], theirs: dict[str, float]) -> float:
    return max(abs(ours[k] - theirs[k]) / abs(theirs[k]) for k in ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--predict-rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-lifetimes-fit", action="store_true", help="skip lifetimes' 1M fit")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

    print("CDNOW cohort (2,357 customers, weeks)")
    tag = "CDNOW"
    cdnow = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    x, t_x, age, spend = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T", "zbar"))
    ours_s, ours = timed(lambda: BetaGeo.fit(x, t_x, age), args.repeat)
    theirs_s, theirs = timed(lambda: BetaGeoFitter().fit(x, t_x, age), args.repeat)
    row(
        f"{tag}: BG/NBD fit",
        ours_s,
        theirs_s,
        f"params within {largest_gap(dict(ours.params), theirs.params_.to_dict()):.1e}",
    )
    ours_s, pareto = timed(lambda: ParetoNBD.fit(x, t_x, age), 1)
    theirs_s, lt_pareto = timed(lambda: ParetoNBDFitter().fit(x, t_x, age), 1)
    row(
        f"{tag}: Pareto/NBD fit",
        ours_s,
        theirs_s,
        f"LL {pareto.log_likelihood:.2f}; params within "
        f"{largest_gap(dict(pareto.params), lt_pareto.params_.to_dict()):.1e}",
    )
    repeaters = x > 0
    ours_s, gg = timed(lambda: GammaGamma.fit(x, spend), args.repeat)
    theirs_s, lt_gg = timed(
        lambda: GammaGammaFitter().fit(x[repeaters], spend[repeaters]), args.repeat
    )
    row(
        f"{tag}: Gamma-Gamma fit",
        ours_s,
        theirs_s,
        f"params within {largest_gap(dict(gg.params), lt_gg.params_.to_dict()):.1e}",
    )

    print(f"\nSimulated BG/NBD, {args.customers:,} customers")
    tag = f"sim {args.customers:,}"
    sx, st, sage = simulate(args.customers)
    ours_s, fitted = timed(lambda: BetaGeo.fit(sx, st, sage), args.repeat)
    truth = {k: f"{v:.3f}" for k, v in fitted.params.items()}
    if args.no_lifetimes_fit:
        row(f"{tag}: BG/NBD fit", ours_s, None, f"estimates {truth}")
    else:
        theirs_s, lt_fit = timed(lambda: BetaGeoFitter().fit(sx, st, sage), 1)
        row(
            f"{tag}: BG/NBD fit",
            ours_s,
            theirs_s,
            f"params within {largest_gap(dict(fitted.params), lt_fit.params_.to_dict()):.1e}",
        )
    ours_s, pareto_sim = timed(lambda: ParetoNBD.fit(sx, st, sage), args.repeat)
    row(f"{tag}: Pareto/NBD fit", ours_s, None, f"LL {pareto_sim.log_likelihood:,.1f}")

    lt_model = BetaGeoFitter()
    lt_model.params_ = pd.Series(dict(fitted.params))
    lt_model.predict = lt_model.conditional_expected_number_of_purchases_up_to_time

    def ours_predict(xs: np.ndarray, ts: np.ndarray, ages: np.ndarray) -> tuple[Any, Any]:
        return fitted.predict(52.0, xs, ts, ages)

    def theirs_predict(xs: np.ndarray, ts: np.ndarray, ages: np.ndarray) -> tuple[Any, Any]:
        return (
            lt_model.conditional_probability_alive(xs, ts, ages),
            lt_model.conditional_expected_number_of_purchases_up_to_time(52.0, xs, ts, ages),
        )

    n = args.customers
    ours_s, (alive, expected) = timed(lambda: ours_predict(sx, st, sage), args.repeat)
    theirs_s, (lt_alive, lt_expected) = timed(lambda: theirs_predict(sx, st, sage), args.repeat)
    gap = max(
        np.abs(alive - lt_alive).max(),
        np.nanmax(np.abs(expected - lt_expected) / np.maximum(lt_expected, 1e-12)),
    )
    row(
        f"P(alive)+E[purchases 52 wk], {n:,}",
        n / ours_s,
        n / theirs_s,
        f"max gap {gap:.1e}",
        unit="/s",
    )
    repeat_by = max(1, args.predict_rows // n)
    tiled = [np.tile(v, repeat_by) for v in (sx, st, sage)]
    big = len(tiled[0])
    runs = max(5, args.repeat)
    ours_s, best, _ = timed_runs(lambda: ours_predict(*tiled), runs)
    row(
        f"P(alive)+E[purchases 52 wk], {big:,}",
        ours_s,
        None,
        f"median of {runs}, fastest {best:.3f} s; {big / ours_s:,.0f} customers/s",
    )
    tiled.clear()

    money = np.where(sx > 0, np.random.default_rng(2).gamma(6.25, 5.0, n), 0.0)
    spend_model = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    ours_s, value = timed(
        lambda: spend_model.clv(
            fitted, sx, st, sage, money, periods=12, period_length=30 / 7, discount_rate=0.01
        ),
        args.repeat,
    )
    lt_gg = GammaGammaFitter()
    lt_gg.params_ = pd.Series(dict(spend_model.params))
    frame = pd.DataFrame({"x": sx, "t": st * 7, "T": sage * 7, "m": money})
    lt_days = BetaGeoFitter()
    lt_days.params_ = pd.Series({**fitted.params, "alpha": fitted.params["alpha"] * 7})
    lt_days.predict = lt_days.conditional_expected_number_of_purchases_up_to_time
    theirs_s, lt_value = timed(
        lambda: lt_gg.customer_lifetime_value(
            lt_days,
            frame["x"],
            frame["t"],
            frame["T"],
            frame["m"],
            time=12,
            discount_rate=0.01,
            freq="D",
        ),
        1,
    )
    gap = np.nanmax(np.abs(value - lt_value.to_numpy()) / np.maximum(lt_value.to_numpy(), 1e-9))
    row(f"12-month discounted CLV, {n:,}", ours_s, theirs_s, f"max relative gap {gap:.1e}")

    print("\n| what | custrel | lifetimes | ratio | agreement |\n|---|---|---|---|---|")
    for cells in ROWS:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
