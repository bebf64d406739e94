"""Benchmark: custrel's summary and full report against lifetimes, pandas and polars.

Usage: ``python benchmarks/bench_report.py [--sizes 1m,10m] [--skip lifetimes] [--repeat 3]
[--baseline PATH]``.

``--baseline PATH`` adds ``baseline-summary`` and ``baseline-report``: the same two
custrel engines imported from another checkout's ``src`` (e.g. a ``git worktree`` of an
earlier commit), interleaved with the others in the same run, so a change is measured
against where it started on the same machine at the same time.

The custrel report rows fit no customer-base model (``model=NONE``), like for like with
the earlier checkout and polars; the row "report + BG/NBD" is the same report with the
default BG/NBD model, so the model's cost reads as the difference.

Generates (once, under ``benchmarks/data/``, git-ignored) synthetic logs of 1M rows /
100k customers and 10M rows / 1M customers — gamma-heterogeneous purchase rates,
lognormal amounts, ISO dates, time-ordered — then runs each engine in its own fresh
process on the same CSV (wall time of read + compute, peak RSS of that process),
and checks that frequency / recency / T / monetary_value agree per customer. With
``--repeat N`` each engine runs N times (engines interleaved) and the median time and
the largest peak are printed, with the fastest run: this 2-core VM is noisy (a run
that gets freshly backed memory from the host spends up to a second more in the
kernel, whichever engine it is), so the best run shows the compute alone.

The parent process stays small: it generates the data and compares the results in
child processes too, because Linux carries a process's peak RSS across fork and
exec, so a child of a large parent would report the parent's peak as its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).parent / "data"
AS_OF = "2024-12-31"
SIZES = {"1m": (1_000_000, 100_000), "10m": (10_000_000, 1_000_000)}
ENGINES = (
    "custrel-summary",
    "custrel-report",
    "custrel-report-bgnbd",
    "polars-lazy",
    "pandas",
    "lifetimes",
)
#: How a row is printed, where not by its engine's name.
LABELS = {"custrel-report-bgnbd": "report + BG/NBD"}


def generate(n_rows: int, n_customers: int, path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(42)
    start = np.datetime64("2022-01-01").astype(np.int64)
    span = 3 * 365
    first = start + rng.integers(0, span, n_customers)
    rate = rng.gamma(0.8, 1.0, n_customers)  # heterogeneous purchase rates
    active = (start + span - first).astype(float)
    weight = rate * active
    counts = 1 + rng.multinomial(n_rows - n_customers, weight / weight.sum())
    customer = np.repeat(np.arange(n_customers), counts)
    is_first = np.zeros(n_rows, dtype=bool)
    is_first[np.concatenate(([0], np.cumsum(counts)[:-1]))] = True
    f, a = np.repeat(first, counts), np.repeat(active, counts)
    day = np.where(is_first, f, f + np.floor(rng.random(n_rows) * a).astype(np.int64))
    mu = np.repeat(rng.normal(3.5, 0.6, n_customers), counts)
    amount = np.round(np.exp(mu + rng.normal(0, 0.5, n_rows)), 2)  # lognormal
    order = np.argsort(day, kind="stable")  # time-ordered
    ids = pa.array(np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7)))
    table = pa.table(
        {
            "customer_id": ids.take(pa.array(customer[order])),
            "date": pa.array(day[order].astype("datetime64[D]")),
            "amount": amount[order],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="none"))


def run_engine(engine: str, csv: str, out: str) -> None:
    """In a fresh process: compute the summary, save it, print time and peak memory."""
    t0 = time.perf_counter()
    if engine.endswith(("-summary", "-report", "-report-bgnbd")):
        import contextlib
        import datetime as dt

        from custrel.report import ReportPolicy, analyze, summarize

        # The plain report rows fit no customer-base model: they are compared like for
        # like with an earlier checkout and with polars, which compute none. The
        # "report + BG/NBD" row prints what the model costs on top.
        try:
            from custrel.report import ReportModel

            policy = ReportPolicy(
                model=ReportModel.BG_NBD if engine.endswith("-bgnbd") else ReportModel.NONE
            )
        except ImportError:  # a checkout from before the model
            policy = ReportPolicy()

        as_of = dt.date.fromisoformat(AS_OF)
        # As `custrel report` runs: the command switches on the allocator settings for
        # its own process (a library call leaves them alone). An older checkout given
        # as --baseline switched them inside every call instead.
        try:
            from custrel.report import allocator_settings
        except ImportError:
            allocator_settings = contextlib.nullcontext
        with allocator_settings():
            report = (
                summarize(csv, as_of=as_of)
                if engine.endswith("-summary")
                else analyze(csv, as_of=as_of, policy=policy)
            )
        elapsed = time.perf_counter() - t0
        table = report.customers.to_arrow().select(
            ["customer_id", "frequency", "recency", "T", "monetary_value"]
        )
        import pyarrow.parquet as pq

        pq.write_table(table, out)
    elif engine == "polars-lazy":
        import polars as pl

        as_of = pl.lit(AS_OF).str.to_date()
        per_day = (
            pl.scan_csv(csv, schema_overrides={"customer_id": pl.Utf8, "date": pl.Date})
            .group_by(["customer_id", "date"])
            .agg(pl.col("amount").sum())
        )
        result = (
            per_day.group_by("customer_id")
            .agg(
                pl.len().alias("n"),
                pl.col("date").min().alias("first"),
                pl.col("date").max().alias("last"),
                pl.col("amount").sum().alias("total"),
                pl.col("amount").sort_by("date").first().alias("first_amount"),
            )
            .select(
                "customer_id",
                (pl.col("n") - 1).alias("frequency"),
                (pl.col("last") - pl.col("first")).dt.total_days().alias("recency"),
                (as_of - pl.col("first")).dt.total_days().alias("T"),
                pl.when(pl.col("n") > 1)
                .then((pl.col("total") - pl.col("first_amount")) / (pl.col("n") - 1))
                .otherwise(0.0)
                .alias("monetary_value"),
            )
            .collect()
        )
        elapsed = time.perf_counter() - t0
        result.write_parquet(out)
    elif engine == "pandas":
        import pandas as pd

        df = pd.read_csv(csv, dtype={"customer_id": str}, parse_dates=["date"])
        per_day = df.groupby(["customer_id", "date"], sort=False)["amount"].sum().reset_index()
        g = per_day.groupby("customer_id")
        first = g["date"].min()
        last = g["date"].max()
        n = g.size()
        total = g["amount"].sum()
        first_amount = per_day.loc[g["date"].idxmin(), ["customer_id", "amount"]].set_index(
            "customer_id"
        )["amount"]
        frequency = n - 1
        result = pd.DataFrame(
            {
                "frequency": frequency,
                "recency": (last - first).dt.days,
                "T": (pd.Timestamp(AS_OF) - first).dt.days,
                "monetary_value": ((total - first_amount) / frequency).where(frequency > 0, 0.0),
            }
        ).reset_index()
        elapsed = time.perf_counter() - t0
        result.to_parquet(out)
    else:
        import pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data

        df = pd.read_csv(csv, dtype={"customer_id": str})
        result = summary_data_from_transaction_data(
            df, "customer_id", "date", "amount", observation_period_end=AS_OF, freq="D"
        ).reset_index()
        elapsed = time.perf_counter() - t0
        result[["customer_id", "frequency", "recency", "T", "monetary_value"]].to_parquet(out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mib": peak}))


def _load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes, as ``uptime`` shows them."""
    import os

    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _child(*args: str) -> str:
    """Run this script with ``args`` in a fresh process; its last line of output."""
    proc = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(last)
    return proc.stdout.strip().splitlines()[-1]


def _child_env(engine: str, baseline: str | None) -> dict[str, str] | None:
    """The environment of an engine's process: a baseline engine imports the other checkout."""
    if not engine.startswith("baseline-") or baseline is None:
        return None
    import os

    return {**os.environ, "PYTHONPATH": str(Path(baseline).resolve())}


def agree(reference: str, other: str) -> str:
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(reference).set_index("customer_id").sort_index()
    b = pd.read_parquet(other).set_index("customer_id").sort_index()
    if not a.index.equals(b.index):
        return "no (customers differ)"
    for column in ("frequency", "recency", "T"):
        if not np.array_equal(a[column].to_numpy(float), b[column].to_numpy(float)):
            return f"no ({column})"
    if not np.allclose(a["monetary_value"], b["monetary_value"], rtol=1e-9, atol=1e-6):
        return "no (monetary_value)"
    return "yes"


def _child_mode(args: argparse.Namespace) -> bool:
    """Do a child process's one job, if this is one; whether it was."""
    if args.engine:
        run_engine(args.engine, args.csv, args.out)
    elif args.generate:
        generate(*SIZES[args.generate], DATA / f"log_{args.generate}.csv")
        print("generated")
    elif args.agree:
        print(agree(*args.agree))
    else:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1m,10m")
    parser.add_argument("--skip", default="")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--baseline", help="another checkout's src directory to compare with")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--agree", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if _child_mode(args):
        return
    skip = set(filter(None, args.skip.split(",")))
    for size in args.sizes.split(","):
        n_rows, n_customers = SIZES[size]
        csv = DATA / f"log_{size}.csv"
        if not csv.exists():
            print(f"generating {csv} ...", file=sys.stderr)
            _child("--generate", size)
        mib = csv.stat().st_size / 2**20
        runs_note = f", median of {args.repeat} runs" if args.repeat > 1 else ""
        print(f"\n{n_rows:,} rows, {n_customers:,} customers ({mib:.0f} MiB CSV{runs_note})")
        print(f"load average before: {_load()}")
        engines = ENGINES + (("baseline-summary", "baseline-report") if args.baseline else ())
        runs: dict[str, list[dict[str, float]]] = {e: [] for e in engines if e not in skip}
        failed: set[str] = set()
        for _ in range(args.repeat):
            for engine, done in runs.items():
                if engine in failed:
                    continue
                out = DATA / f"result_{size}_{engine}.parquet"
                proc = subprocess.run(  # noqa: S603 - our own script
                    [
                        sys.executable,
                        __file__,
                        "--engine",
                        engine,
                        "--csv",
                        str(csv),
                        "--out",
                        str(out),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                    env=_child_env(engine, args.baseline),
                )
                if proc.returncode:
                    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                    failed.add(engine)
                    print(f"  {engine} failed: {last}", file=sys.stderr)
                    continue
                done.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        results: dict[str, tuple[dict[str, float], Path] | None] = {}
        for engine, stats in runs.items():
            if engine in failed or not stats:
                results[engine] = None
                continue
            seconds = statistics.median(s["seconds"] for s in stats)
            best = min(s["seconds"] for s in stats)
            peak = max(s["peak_mib"] for s in stats)
            results[engine] = (
                {"seconds": seconds, "best": best, "peak_mib": peak},
                DATA / f"result_{size}_{engine}.parquet",
            )
        print(f"load average after: {_load()} (other work on the machine slows every engine)")
        # Ratios are to custrel's summary, or to the first engine that ran when it did not.
        done = [e for e, r in results.items() if r is not None]
        if not done:
            continue
        first = "custrel-summary" if "custrel-summary" in done else done[0]
        base = results[first][0]["seconds"]  # type: ignore[index]
        base_best = results[first][0]["best"]  # type: ignore[index]
        reference = str(results[first][1])  # type: ignore[index]
        label = f"÷ {LABELS.get(first, first.replace('-', ' '))}"[:18]
        print(
            f"{'engine':<16} {'seconds':>8} {label:>18} {'best':>6} "
            f"{'÷ (best)':>9} {'peak MiB':>9}  agrees"
        )
        for engine, result in results.items():
            label = LABELS.get(engine, engine)
            if result is None:
                print(f"{label:<16} {'failed':>8}")
                continue
            stats, out = result
            print(
                f"{label:<16} {stats['seconds']:>8.2f} {stats['seconds'] / base:>18.2f} "
                f"{stats['best']:>6.2f} {stats['best'] / base_best:>9.2f} "
                f"{stats['peak_mib']:>9.0f}  {_child('--agree', reference, str(out))}"
            )


if __name__ == "__main__":
    main()
