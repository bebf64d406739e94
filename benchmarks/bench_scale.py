"""Benchmark: the report on one machine, on Dask and on Spark, against native Spark SQL.

Usage: ``python benchmarks/bench_scale.py [--sizes 1m,10m] [--repeat 1] [--driver-memory 2g]``
(needs the ``spark`` and ``dask`` extras and Java 17).

On the logs of ``bench_report.py`` (generated once under ``benchmarks/data/``), each
engine goes from the CSV to a per-customer Parquet file (and, for custrel, the
overview), in one run, timed by wall clock:

- ``custrel-local``: :func:`custrel.analyze` in this process;
- ``custrel-dask``: :func:`custrel.dask.analyze` on a ``LocalCluster`` (2 workers,
  1 thread each, in this process);
- ``custrel-spark``: :func:`custrel.spark.analyze` on ``local[2]``;
- ``spark-sql``: the anchor a Spark user would write — frequency, recency, T and
  monetary value with ``groupBy`` in Spark SQL, no report.

The Spark session starts before the timings (its start is printed apart) and runs both
Spark engines once on the bundled sample, so neither pays the JVM's first-job warm-up
inside its timing. With ``--repeat N`` every engine runs N times per size, in turn,
and the best time counts (the machine is shared: the best run is the least disturbed).
Ratios are to ``spark-sql``. The customers of every custrel engine are checked to be
identical, as are their overviews.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_report import DATA, SIZES, generate

AS_OF = dt.date(2024, 12, 31)


def _local(csv: Path, out: Path) -> object:
    import pyarrow.parquet as pq

    import custrel

    report = custrel.analyze(csv, as_of=AS_OF)
    pq.write_table(report.customers.to_arrow(), out / "local.parquet")
    return report.overview


def _dask(csv: Path, out: Path) -> object:
    import dask.dataframe as dd

    import custrel.dask

    frame = dd.read_csv(str(csv), dtype=str, keep_default_na=False, blocksize="16MB")
    result = custrel.dask.analyze(frame, as_of=AS_OF)
    shutil.rmtree(out / "dask", ignore_errors=True)
    result.customers.to_parquet(str(out / "dask"), write_index=False)
    return result.overview


def _spark(spark: object, csv: Path, out: Path) -> object:
    import custrel.spark

    frame = spark.read.csv(str(csv), header=True)  # type: ignore[attr-defined]
    result = custrel.spark.analyze(frame, as_of=AS_OF)
    result.customers.write.mode("overwrite").parquet(str(out / "spark"))
    result.unpersist()
    return result.overview


def _spark_sql(spark: object, csv: Path, out: Path) -> None:
    from pyspark.sql import functions as F  # noqa: N812 - the usual name

    frame = spark.read.csv(  # type: ignore[attr-defined]
        str(csv), header=True, schema="customer_id string, date date, amount double"
    )
    daily = frame.groupBy("customer_id", "date").agg(F.sum("amount").alias("amount"))
    summary = daily.groupBy("customer_id").agg(
        F.min("date").alias("first"),
        F.max("date").alias("last"),
        F.count("*").alias("days"),
        F.sum("amount").alias("revenue"),
        F.min_by("amount", "date").alias("first_amount"),
    )
    frequency = F.col("days") - 1
    summary = summary.select(
        "customer_id",
        frequency.alias("frequency"),
        F.datediff("last", "first").alias("recency"),
        F.datediff(F.lit(AS_OF), "first").alias("T"),
        F.when(frequency > 0, (F.col("revenue") - F.col("first_amount")) / frequency)
        .otherwise(0.0)
        .alias("monetary_value"),
    )
    summary.write.mode("overwrite").parquet(str(out / "spark-sql"))


def _warm_up(spark: object) -> None:
    """One small run of each Spark engine, outside the timings (class loading, code generation)."""
    from custrel.sample import sample_path

    out = Path(tempfile.mkdtemp(prefix="custrel-warm-"))
    _spark(spark, sample_path(), out)
    _spark_sql(spark, sample_path(), out)
    shutil.rmtree(out, ignore_errors=True)


def _same_customers(out: Path) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    def load(path: Path) -> pa.Table:
        table = pq.read_table(path)
        table = pa.table(
            {
                n: c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c
                for n, c in zip(table.column_names, table.columns, strict=True)
            }
        )
        return table.take(pc.sort_indices(table, [("customer_id", "ascending")]))

    local = load(out / "local.parquet")
    return all(load(out / name).equals(local) for name in ("dask", "spark"))


def main() -> None:
    """Run every engine once per size and print seconds and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1m,10m")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--driver-memory", default="2g")
    args = parser.parse_args()

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from distributed import Client, LocalCluster
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    print(f"spark session start: {time.perf_counter() - started:.1f} s")
    _warm_up(spark)

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        for size in args.sizes.split(","):
            csv = DATA / f"log_{size}.csv"
            if not csv.exists():
                generate(*SIZES[size], csv)
            out = Path(tempfile.mkdtemp(prefix="custrel-scale-"))
            spark.conf.set("spark.sql.shuffle.partitions", "8" if size == "1m" else "32")
            times: dict[str, float] = {}
            overviews = {}
            for _ in range(args.repeat):
                for name, run, engine_args in (
                    ("custrel-local", _local, (csv, out)),
                    ("custrel-dask", _dask, (csv, out)),
                    ("custrel-spark", _spark, (spark, csv, out)),
                    ("spark-sql", _spark_sql, (spark, csv, out)),
                ):
                    t0 = time.perf_counter()
                    overviews[name] = run(*engine_args)  # type: ignore[operator]
                    seconds = time.perf_counter() - t0
                    times[name] = min(times.get(name, seconds), seconds)
            same = _same_customers(out) and (
                overviews["custrel-local"]
                == overviews["custrel-dask"]
                == overviews["custrel-spark"]
            )
            rows, customers = SIZES[size]
            print(f"\n{rows:,} rows, {customers:,} customers; custrel engines identical: {same}")
            print(f"{'engine':<16}{'seconds':>9}{'÷ spark-sql':>13}")
            for name, seconds in times.items():
                print(f"{name:<16}{seconds:>9.1f}{seconds / times['spark-sql']:>13.2f}")
            shutil.rmtree(out, ignore_errors=True)
    spark.stop()


if __name__ == "__main__":
    main()
