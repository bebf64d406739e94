"""Spark and Dask net returns as one machine does, and refuse a log without amounts by name."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from custrel.errors import InvalidValue
from custrel.report import ColumnMap, analyze

AS_OF = dt.date(2024, 3, 31)


def _log() -> pa.Table:
    """Purchases and returns: one customer below zero, one with returns only."""
    return pa.table(
        {
            "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d", "e", "e", "f"],
            "date": [
                *("2024-01-03", "2024-01-20", "2024-02-02", "2024-01-05", "2024-01-06"),
                *("2024-02-07", "2024-01-09", "2024-03-01", "2024-02-11", "2024-02-12"),
                "2024-03-02",
            ],
            "amount": [10.0, -4.0, 22.5, 5.0, -30.0, -7.0, 3.0, 6.0, 1.0, -0.5, 9.0],
            "cost": [4.0, -1.0, 9.0, 2.0, -10.0, -3.0, 1.0, 2.0, 0.5, 0.0, 3.0],
        }
    )


def _decoded(table: pa.Table) -> pa.Table:
    return pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _sorted(table: pa.Table) -> pa.Table:
    return table.take(pc.sort_indices(table, [("customer_id", "ascending")]))


def _expected():
    # The default policy on every engine: the report's model (BG/NBD) included.
    return analyze(_log(), as_of=AS_OF, returns="net")


# --- Dask ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("dask.dataframe")
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


@pytest.mark.usefixtures("client")
def test_dask_nets_returns_as_one_machine_does():
    import dask.dataframe as dd

    import custrel.dask

    frame = dd.from_pandas(_log().to_pandas(), npartitions=3)

    result = custrel.dask.analyze(frame, as_of=AS_OF, returns="net", partitions=3)

    expected = _expected()
    got = _sorted(pa.Table.from_pandas(result.customers.compute(), preserve_index=False))
    assert got.equals(_decoded(expected.customers.to_arrow()))
    assert result.overview == expected.overview
    assert result.overview.returns.unmatched_lines == 1
    assert result.counts == expected.counts


@pytest.mark.usefixtures("client")
@pytest.mark.parametrize(
    ("option", "name"),
    [({"returns": "keep"}, "returns"), ({"columns": ColumnMap(amount=None)}, "amount_col")],
)
def test_dask_refuses_a_setting_it_cannot_run_by_name(option, name):
    import dask.dataframe as dd

    import custrel.dask

    frame = dd.from_pandas(_log().to_pandas(), npartitions=2)

    with pytest.raises(InvalidValue) as caught:
        custrel.dask.analyze(frame, as_of=AS_OF, **option)

    assert caught.value.field == name


# --- Spark --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        pytest.skip("Spark needs a Java runtime (java on PATH or JAVA_HOME)")
    from pyspark.sql import SparkSession

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


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_nets_returns_as_one_machine_does(spark):
    import custrel.spark

    frame = spark.createDataFrame(_log().to_pandas())

    result = custrel.spark.analyze(frame, as_of=AS_OF, returns="net")

    expected = _expected()
    got = _sorted(result.customers.toArrow())
    assert got.equals(_decoded(expected.customers.to_arrow()))
    assert result.overview == expected.overview
    assert result.counts == expected.counts
