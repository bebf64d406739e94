"""The batch engine: BTYD summary against a slow reference, order and split invariance."""

from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys
from collections import defaultdict

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InputDataError, MissingColumn
from custrel.lifecycle import Stage, derive
from custrel.periods import Period
from custrel.report import ColumnMap, Transaction, analyze, summarize
from strategies_report import AS_OF, logs

PERIODS = [Period.DAY, Period.WEEK, Period.MONTH]


def reference_summary(log, as_of, period):
    """Obviously correct: one customer at a time, straight from the definitions."""
    by_customer = defaultdict(list)
    for t in log:
        by_customer[t.customer_id].append(t)
    result = {}
    for customer, rows in by_customer.items():
        periods = {period.index(t.date) for t in rows}
        first = min(periods)
        repeat = [t.amount for t in rows if period.index(t.date) != first]
        frequency = len(periods) - 1
        result[customer] = {
            "frequency": frequency,
            "recency": max(periods) - first,
            "T": period.index(as_of) - first,
            "monetary_value": sum(repeat) / frequency if frequency else 0.0,
            "revenue": sum(t.amount for t in rows),
            "purchases": len(rows),
            "first_purchase": min(t.date for t in rows),
            "last_purchase": max(t.date for t in rows),
        }
    return result


def rows_of(report):
    return {
        c.customer_id: {
            "frequency": c.frequency,
            "recency": c.recency,
            "T": c.T,
            "monetary_value": c.monetary_value,
            "revenue": c.revenue,
            "purchases": c.purchases,
            "first_purchase": c.first_purchase,
            "last_purchase": c.last_purchase,
        }
        for c in report.customers
    }


def assert_same(actual, expected):
    assert actual.keys() == expected.keys()
    for customer, row in expected.items():
        for key, value in row.items():
            expected_value = value if isinstance(value, dt.date) else pytest.approx(value, rel=1e-9)
            assert actual[customer][key] == expected_value, (customer, key)


@given(logs, st.sampled_from(PERIODS))
def test_the_summary_equals_the_slow_reference(log, period):
    report = summarize(log, as_of=AS_OF, period=period)

    assert_same(rows_of(report), reference_summary(log, AS_OF, period))


@given(logs, st.randoms(use_true_random=False))
def test_input_order_never_changes_the_results(log, random):
    shuffled = list(log)
    random.shuffle(shuffled)

    first = analyze(log, as_of=AS_OF)
    second = analyze(shuffled, as_of=AS_OF)

    # Sums are exact (whole units), so every figure is equal to the last bit.
    assert rows_of(second) == rows_of(first)
    assert list(first.customers) == list(second.customers)


@given(logs, st.sets(st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "Zoë", "客户1", "10"])))
def test_splitting_the_log_by_customer_gives_the_same_rows(log, left_ids):
    left = [t for t in log if t.customer_id in left_ids]
    right = [t for t in log if t.customer_id not in left_ids]

    whole = rows_of(analyze(log, as_of=AS_OF))
    parts = {}
    for part in (left, right):
        if part:
            parts.update(rows_of(analyze(part, as_of=AS_OF)))

    # Sums are exact, so each customer's figures are equal to the last bit.
    assert parts == whole


@given(logs)
def test_every_stage_agrees_with_the_per_customer_derivation(log):
    report = analyze(log, as_of=AS_OF)

    for row in report.customers:
        dates = [t.date for t in log if t.customer_id == row.customer_id]
        assert row.stage is derive(dates, AS_OF).stage


@given(logs)
def test_every_source_gives_the_same_report(log):
    records = analyze(log, as_of=AS_OF).customers.to_arrow()
    table = pa.table(
        {
            "customer_id": [t.customer_id for t in log],
            "date": [t.date for t in log],
            "amount": [t.amount for t in log],
        }
    )

    from_table = analyze(table, as_of=AS_OF).customers.to_arrow()
    from_pandas = analyze(table.to_pandas(), as_of=AS_OF).customers.to_arrow()

    assert from_table.equals(records)
    assert from_pandas.equals(records)


def test_a_worked_example_by_hand():
    # ann buys on 5 Jan (30) and twice on 9 Jan (10 + 5): one repeat day worth 15.
    log = [
        Transaction("ann", dt.date(2024, 1, 5), 30.0),
        Transaction("ann", dt.date(2024, 1, 9), 10.0),
        Transaction("ann", dt.date(2024, 1, 9), 5.0),
        Transaction("bob", dt.date(2024, 1, 20), 8.0),
    ]

    report = summarize(log, as_of=dt.date(2024, 1, 31), period=Period.WEEK)
    ann, bob = report.customers.get("ann"), report.customers.get("bob")

    # 5 Jan 2024 is a Friday and 9 Jan the Tuesday after: one week boundary between them.
    assert (ann.frequency, ann.recency, ann.T, ann.monetary_value) == (1, 1, 4, 15.0)
    assert (bob.frequency, bob.recency, bob.monetary_value) == (0, 0, 0.0)


def test_the_results_convert_to_pandas_and_polars():
    log = [Transaction("x", dt.date(2024, 1, 1), 1.0), Transaction("y", dt.date(2024, 1, 2), 2.0)]
    customers = analyze(log, as_of=dt.date(2024, 2, 1)).customers

    frame = customers.to_pandas()
    polars_frame = customers.to_polars()

    assert list(frame["customer_id"]) == ["x", "y"]
    assert polars_frame["revenue"].to_list() == [1.0, 2.0]
    assert frame["stage"].astype(str).tolist() == [Stage.FIRST_TIME.value] * 2


CSV = "customer_id,date,amount\n{rows}"


def write(tmp_path, rows, name="log.csv"):
    path = tmp_path / name
    path.write_text(CSV.format(rows=rows), encoding="utf-8")
    return path


BAD_ROWS = [
    ("a,2024-01-01,10\n,2024-01-02,5\n", 2, "customer_id", "customer id"),
    ("a,2024-01-01,10\nnan,2024-01-02,5\n", 2, "customer_id", "customer id"),
    ("a,2024-01-01,10\nb,2024-13-02,5\n", 2, "date", "ISO date"),
    ("a,2024-01-01,10\nb,yesterday,5\n", 2, "date", "ISO date"),
    ("a,2024-01-01,ten\nb,2024-01-02,5\n", 1, "amount", "must be a number"),
    ("a,2024-01-01,10\nb,2024-01-02,-5\n", 2, "amount", "zero or more"),
    ("a,2024-01-01,10\nb,2024-01-02,nan\n", 2, "amount", "finite"),
    ("a,2024-01-01,10\nb,2024-01-02,inf\n", 2, "amount", "finite"),
    ("a,2024-01-01,10\nb,2024-01-02,\n", 2, "amount", "present"),
    ("a,2024-01-01,10\nb,2025-01-02,5\n", 2, "date", "on or before as_of"),
]


@pytest.mark.parametrize(("rows", "row", "column", "rule"), BAD_ROWS)
def test_strict_mode_names_the_row_column_value_and_rule(tmp_path, rows, row, column, rule):
    path = write(tmp_path, rows)

    with pytest.raises(InputDataError) as caught:
        analyze(path, as_of=dt.date(2024, 6, 30))

    assert (caught.value.row, caught.value.column) == (row, column)
    assert rule in caught.value.rule


@pytest.mark.parametrize(("rows", "row", "column", "rule"), BAD_ROWS)
def test_lenient_mode_rejects_the_row_with_its_reason_and_counts_it(
    tmp_path, rows, row, column, rule
):
    path = write(tmp_path, rows)

    report = analyze(path, as_of=dt.date(2024, 6, 30), on_error="skip")

    (rejected,) = report.rejects()
    assert (rejected.row, rejected.column) == (row, column)
    assert rule in rejected.rule
    assert report.counts.rows_read == 2 == report.counts.rows_accepted + 1


def test_zero_amount_rows_are_kept_and_counted(tmp_path):
    path = write(tmp_path, "a,2024-01-01,0\na,2024-01-03,0\n")

    report = analyze(path, as_of=dt.date(2024, 1, 31))

    assert report.counts.rows_accepted == 2
    assert report.customers.get("a").frequency == 1


def test_an_empty_file_and_a_header_only_file_are_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header = write(tmp_path, "", name="header.csv")

    with pytest.raises(InputDataError):
        analyze(empty)
    with pytest.raises(InputDataError, match="at least one data row"):
        analyze(header)


def test_a_missing_column_is_named_with_the_columns_present(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("client,date,amount\na,2024-01-01,1\n")

    with pytest.raises(MissingColumn) as caught:
        analyze(path)

    assert caught.value.column == "customer_id"
    assert "client" in str(caught.value)


def test_columns_can_be_mapped_and_the_date_format_given(tmp_path):
    path = tmp_path / "export.csv.gz"
    with gzip.open(path, "wt") as stream:
        stream.write("client,day,revenue\nk1,20240105,7.5\n")

    report = analyze(
        path,
        as_of=dt.date(2024, 2, 1),
        columns=ColumnMap(customer_id="client", date="day", amount="revenue"),
        date_format="%Y%m%d",
    )

    assert report.customers.get("k1").first_purchase == dt.date(2024, 1, 5)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "", " "]),
            st.sampled_from(["2024-01-01", "2024-02-30", "x", "2024-01-05T10:00:00"]),
            st.sampled_from(["1", "-1", "abc", "", "2.5", "NaN"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_rows_read_always_equal_accepted_plus_rejected(rows):
    table = pa.table(
        {
            "customer_id": [r[0] for r in rows],
            "date": [r[1] for r in rows],
            "amount": [r[2] for r in rows],
        }
    )

    report = analyze(table, as_of=dt.date(2024, 12, 31), on_error="skip")

    counts = report.counts
    assert counts.rows_read == len(rows) == counts.rows_accepted + counts.rows_rejected
    assert len(report.rejects()) == counts.rows_rejected
    assert sum(c.purchases for c in report.customers) == counts.rows_accepted


def test_importing_custrel_its_report_and_its_engines_loads_no_columnar_library_or_engine():
    code = (
        "import sys, custrel, custrel.report, custrel.sample, custrel.report.partition; "
        "import custrel.spark, custrel.dask; "
        "print([m for m in ('numpy', 'pyarrow', 'pandas', 'polars', 'pyspark', 'dask')"
        " if m in sys.modules])"
    )

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"
