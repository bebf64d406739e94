"""The report on Spark (``local[2]``) gives the one-machine report's rows, bit for bit."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from custrel.errors import InputDataError
from custrel.report import ColumnMap, ReportModel, ReportPolicy, analyze
from custrel.sample import SAMPLE_AS_OF, sample_path

pyspark = pytest.importorskip("pyspark")  # the CI installs the extra: nothing is skipped there
if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
    # Spark runs on a Java runtime (17 or newer); CI's machine has one, a bare Python may not.
    pytest.skip("Spark needs a Java runtime (java on PATH or JAVA_HOME)", allow_module_level=True)

import custrel.spark  # noqa: E402 - after the extra's check

# PySpark's own notice about pandas 3 (the Arrow functions used here need no pandas).
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The workers run this interpreter, which has custrel installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("custrel-tests")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _decoded(table: pa.Table) -> pa.Table:
    return pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _sorted(table: pa.Table) -> pa.Table:
    return table.take(pc.sort_indices(table, [("customer_id", "ascending")]))


def _same_as_one_machine(result, expected) -> None:
    got = _sorted(result.customers.toArrow())
    want = _decoded(expected.customers.to_arrow())
    assert got.schema == want.schema
    for name in want.column_names:  # name the first column that differs
        assert got.column(name).equals(want.column(name)), name
    assert got.equals(want)
    assert result.overview == expected.overview
    assert result.counts == expected.counts


def test_the_bundled_sample_gives_the_one_machine_report_bit_for_bit(spark):
    table = pacsv.read_csv(sample_path())
    result = custrel.spark.analyze(
        spark.createDataFrame(table), as_of=SAMPLE_AS_OF, currency="EUR", partitions=3
    )
    try:
        _same_as_one_machine(result, analyze(table, as_of=SAMPLE_AS_OF, currency="EUR"))
    finally:
        result.unpersist()


def _bad_log() -> pa.Table:
    return pa.table(
        {
            "line": pa.array(range(1, 9), pa.int64()),
            "client": ["a", "b", "b", "c", "c", "d", "a", "e"],
            "day": [
                *("2024-01-03", "2024-02-30", "2024-01-09", "2024-03-01"),
                *("x", "2024-01-05", "2024-02-11", "2024-02-12"),
            ],
            "amount": [10.0, 5.0, -1.0, 7.5, 2.0, 3.0, 4.25, 1.0],
            "cost": [4.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 0.0],
        }
    )


_MAP = ColumnMap(customer_id="client", date="day")
_AS_OF = dt.date(2024, 3, 31)


def test_lenient_mode_gives_the_rejects_with_each_rows_identity(spark):
    table = _bad_log()
    result = custrel.spark.analyze(
        spark.createDataFrame(table), as_of=_AS_OF, columns=_MAP, on_error="skip", row_id="line"
    )
    try:
        expected = analyze(
            table.drop_columns(["line"]), as_of=_AS_OF, columns=_MAP, on_error="skip"
        )
        _same_as_one_machine(result, expected)
        rejects = result.rejects.toArrow().sort_by("row")
        assert rejects.to_pylist() == expected.rejects_table.to_pylist()
        assert [r["row"] for r in rejects.to_pylist()] == [2, 3, 5]
    finally:
        result.unpersist()


def test_strict_mode_raises_naming_the_first_bad_row(spark):
    with pytest.raises(InputDataError) as caught:
        custrel.spark.analyze(
            spark.createDataFrame(_bad_log()), as_of=_AS_OF, columns=_MAP, row_id="line"
        )
    assert caught.value.row == 2
    assert caught.value.column == "day"
    assert caught.value.value == "2024-02-30"


_DAYS = [dt.date(2024, 1, 2), dt.date(2024, 1, 2), dt.date(2024, 2, 9), dt.date(2024, 3, 1)]


@pytest.mark.parametrize(
    "ids",
    [
        pa.array([7, 7, 12, 3], pa.int64()),
        pa.array(["x1", "x1", "客户", "Zoë"], pa.string()),
    ],
    ids=["integer ids", "text ids"],
)
@pytest.mark.parametrize(
    "days",
    [
        pa.array(_DAYS, pa.date32()),
        pa.array([d.isoformat() for d in _DAYS], pa.string()),
        pa.array(
            [dt.datetime(d.year, d.month, d.day, 23, 59) for d in _DAYS],
            pa.timestamp("us", tz="UTC"),
        ),
    ],
    ids=["dates", "text dates", "timestamps"],
)
def test_ids_and_dates_of_every_type_give_the_one_machine_report(spark, ids, days):
    table = pa.table({"customer_id": ids, "date": days, "amount": [1.0, 2.5, 3.0, 99.0]})
    expected = analyze(table, as_of=_AS_OF)
    result = custrel.spark.analyze(spark.createDataFrame(table), as_of=_AS_OF)
    try:
        _same_as_one_machine(result, expected)
    finally:
        result.unpersist()


def test_the_reports_own_model_gives_the_one_machine_report_bit_for_bit(spark):
    table = pacsv.read_csv(sample_path())
    policy = ReportPolicy(model=ReportModel.BG_NBD)
    expected = analyze(table, as_of=SAMPLE_AS_OF, policy=policy, currency="EUR")

    result = custrel.spark.analyze(
        spark.createDataFrame(table),
        as_of=SAMPLE_AS_OF,
        policy=policy,
        currency="EUR",
        partitions=3,
    )

    assert expected.overview is not None
    assert expected.overview.model is not None
    assert expected.overview.model.params  # the model was fitted, not just noted
    try:
        _same_as_one_machine(result, expected)
    finally:
        result.unpersist()


def test_cut_offs_found_in_bands_give_the_one_machine_report(spark):
    table = pacsv.read_csv(sample_path())
    expected = analyze(table, as_of=SAMPLE_AS_OF, currency="EUR")

    result = custrel.spark.analyze(
        spark.createDataFrame(table), as_of=SAMPLE_AS_OF, currency="EUR", cutoffs="band"
    )

    try:
        _same_as_one_machine(result, expected)
    finally:
        result.unpersist()


def test_a_model_is_fitted_from_the_counts_aggregated_on_the_cluster(spark):
    from custrel.clv import BetaGeo

    table = pacsv.read_csv(sample_path())
    result = custrel.spark.analyze(spark.createDataFrame(table), as_of=SAMPLE_AS_OF, fit=BetaGeo)
    try:
        customers = analyze(table, as_of=SAMPLE_AS_OF).customers.numbers
        local = BetaGeo.fit(customers["frequency"], customers["recency"], customers["T"])
        assert result.model is not None
        assert result.model.params == pytest.approx(local.params, rel=1e-6)
    finally:
        result.unpersist()


@pytest.mark.usefixtures("spark")  # the command reuses the running session
def test_the_command_on_spark_reads_a_directory_of_csv_parts(tmp_path):
    from custrel.cli import main

    table = pacsv.read_csv(sample_path())
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, at in enumerate(range(0, table.num_rows, 15_000)):
        pacsv.write_csv(table.slice(at, 15_000), parts / f"part-{i}.csv")
    args = ["report", "--engine", "spark", "--input", str(parts), "--as-of", "2024-12-31"]
    assert main([*args, "--format", "csv", "--out", str(tmp_path / "spark.csv")]) == 0
    assert main(["report", "--format", "csv", "--out", str(tmp_path / "local.csv")]) == 0

    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
