"""The report on Dask (a local cluster) gives the one-machine report's rows, bit for bit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from custrel.errors import InputDataError
from custrel.report import ColumnMap, ReportModel, ReportPolicy, analyze
from custrel.sample import SAMPLE_AS_OF, sample_path

dd = pytest.importorskip("dask.dataframe")  # the CI installs the extra: nothing is skipped there

import custrel.dask  # noqa: E402 - after the extra's check

pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture(scope="module")
def client():  # every test runs on the cluster
    from distributed import Client, LocalCluster

    # Threads in this process: no worker processes to start on a small machine; the
    # dashboard on any free port (a shared machine may run another cluster).
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


def _decoded(table: pa.Table) -> pa.Table:
    return pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _arrow(frame) -> pa.Table:
    table = pa.Table.from_pandas(frame.compute(), preserve_index=False)
    return table.take(pc.sort_indices(table, [("customer_id", "ascending")]))


def _same_as_one_machine(result, expected) -> None:
    got = _arrow(result.customers)
    want = _decoded(expected.customers.to_arrow())
    assert got.schema == want.schema
    assert got.equals(want)
    assert result.overview == expected.overview
    assert result.counts == expected.counts


def _ddf(table: pa.Table, partitions: int = 3):
    return dd.from_pandas(table.to_pandas(), npartitions=partitions)


def test_the_bundled_sample_gives_the_one_machine_report_bit_for_bit():
    table = pacsv.read_csv(sample_path())
    result = custrel.dask.analyze(_ddf(table), as_of=SAMPLE_AS_OF, currency="EUR", partitions=4)
    _same_as_one_machine(result, analyze(table, as_of=SAMPLE_AS_OF, currency="EUR"))


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


def test_lenient_mode_gives_the_rejects_with_each_rows_identity():
    table = _bad_log()
    result = custrel.dask.analyze(
        _ddf(table), as_of=_AS_OF, columns=_MAP, on_error="skip", row_id="line"
    )
    expected = analyze(table.drop_columns(["line"]), as_of=_AS_OF, columns=_MAP, on_error="skip")
    _same_as_one_machine(result, expected)
    rejects = pa.Table.from_pandas(result.rejects.compute(), preserve_index=False).sort_by("row")
    assert rejects.to_pylist() == expected.rejects_table.to_pylist()
    assert [r["row"] for r in rejects.to_pylist()] == [2, 3, 5]


def test_strict_mode_raises_naming_the_first_bad_row():
    with pytest.raises(InputDataError) as caught:
        custrel.dask.analyze(_ddf(_bad_log()), as_of=_AS_OF, columns=_MAP, row_id="line")
    assert caught.value.row == 2
    assert caught.value.column == "day"
    assert caught.value.value == "2024-02-30"


_DAYS = [dt.date(2024, 1, 2), dt.date(2024, 1, 2), dt.date(2024, 2, 9), dt.date(2024, 3, 1)]


@pytest.mark.parametrize(
    "ids",
    [pa.array([7, 7, 12, 3], pa.int64()), pa.array(["x1", "x1", "客户", "Zoë"], pa.string())],
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
def test_ids_and_dates_of_every_type_give_the_one_machine_report(ids, days):
    table = pa.table({"customer_id": ids, "date": days, "amount": [1.0, 2.5, 3.0, 99.0]})
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    result = custrel.dask.analyze(dd.from_pandas(frame, npartitions=2), as_of=_AS_OF)
    _same_as_one_machine(result, analyze(table, as_of=_AS_OF))


def test_the_reports_own_model_gives_the_one_machine_report_bit_for_bit():

    table = pacsv.read_csv(sample_path())
    policy = ReportPolicy(model=ReportModel.BG_NBD)
    expected = analyze(table, as_of=SAMPLE_AS_OF, policy=policy, currency="EUR")

    result = custrel.dask.analyze(_ddf(table), as_of=SAMPLE_AS_OF, policy=policy, currency="EUR")

    assert expected.overview is not None
    assert expected.overview.model is not None
    assert expected.overview.model.params  # the model was fitted, not just noted
    _same_as_one_machine(result, expected)


def test_cut_offs_found_in_bands_give_the_one_machine_report():
    table = pacsv.read_csv(sample_path())
    expected = analyze(table, as_of=SAMPLE_AS_OF, currency="EUR")

    result = custrel.dask.analyze(_ddf(table), as_of=SAMPLE_AS_OF, currency="EUR", cutoffs="band")

    _same_as_one_machine(result, expected)


def test_a_model_is_fitted_from_the_counts_aggregated_on_the_cluster():
    from custrel.clv import BetaGeo

    table = pacsv.read_csv(sample_path())
    result = custrel.dask.analyze(_ddf(table), as_of=SAMPLE_AS_OF, fit=BetaGeo)
    customers = analyze(table, as_of=SAMPLE_AS_OF).customers.numbers
    local = BetaGeo.fit(customers["frequency"], customers["recency"], customers["T"])
    assert result.model is not None
    assert result.model.params == pytest.approx(local.params, rel=1e-6)


def test_the_command_on_dask_writes_what_the_local_command_writes(tmp_path):
    from custrel.cli import main

    assert main(["report", "--format", "csv", "--out", str(tmp_path / "local.csv")]) == 0
    assert main(["report", "--engine", "dask", "--out", str(tmp_path / "dask.txt")]) == 0
    assert (
        main(["report", "--format", "csv", "--out", str(tmp_path / "dask.csv"), "--engine", "dask"])
        == 0
    )
    assert main(["report", "--out", str(tmp_path / "local.txt")]) == 0

    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert (tmp_path / "dask.txt").read_text() == (tmp_path / "local.txt").read_text()


def test_the_command_on_dask_reads_a_directory_of_parquet_parts(tmp_path):
    import pyarrow.parquet as pq

    from custrel.cli import main

    table = pacsv.read_csv(sample_path())
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, at in enumerate(range(0, table.num_rows, 15_000)):
        pq.write_table(table.slice(at, 15_000), parts / f"part-{i}.parquet")
    out = tmp_path / "dask.parquet"
    args = ["report", "--engine", "dask", "--input", str(parts), "--as-of", "2024-12-31"]
    assert main([*args, "--format", "parquet", "--out", str(out)]) == 0

    expected = analyze(table, as_of=SAMPLE_AS_OF).customers.to_arrow()
    assert _decoded(pq.read_table(out)).equals(_decoded(expected))
