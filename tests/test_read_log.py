"""read_log: a log read and checked as the report reads it, without the summary."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from custrel.errors import InputDataError
from custrel.report import ColumnMap, Transaction, analyze, read_log
from custrel.sample import SAMPLE_AS_OF, sample_path

LOG = [
    Transaction("a", dt.date(2024, 1, 2), 10.5),
    Transaction("b", dt.date(2024, 1, 3), 3.25),
    Transaction("a", dt.date(2024, 2, 1), 7.0),
]


def test_the_accepted_rows_come_back_in_file_order_with_customer_day_and_amount():
    log = read_log(LOG)

    ids = log.ids.to_pylist()  # type: ignore[attr-defined]
    assert [ids[c] for c in log.customer] == ["a", "b", "a"]
    assert log.dates().tolist() == [t.date for t in LOG]
    assert log.amount.tolist() == [10.5, 3.25, 7.0]
    assert len(log) == log.rows_read == 3
    assert log.rejects() == ()


def test_the_sample_reads_to_the_rows_and_customers_the_report_counts():
    log = read_log(sample_path())
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF, policy=None)

    assert len(log) == report.counts.rows_accepted
    assert len(np.unique(log.customer)) == len(report.customers)


def test_a_bad_row_stops_the_read_or_is_rejected_with_its_reason():
    bad = [*LOG, Transaction("c", dt.date(2024, 3, 1), float("nan"))]

    with pytest.raises(InputDataError) as raised:
        read_log(bad)
    skipped = read_log(bad, on_error="skip")

    assert raised.value.row == 4
    assert len(skipped) == 3
    assert [r.row for r in skipped.rejects()] == [4]


def test_a_purchase_after_as_of_breaks_a_rule_only_when_as_of_is_given():
    assert len(read_log(LOG)) == 3
    with pytest.raises(InputDataError):
        read_log(LOG, as_of=dt.date(2024, 1, 31))


def test_a_column_mapping_names_the_inputs_columns():
    import pyarrow as pa

    table = pa.table({"who": ["x", "y"], "when": ["2024-05-01", "2024-05-02"], "paid": [1.0, 2.0]})

    log = read_log(table, columns=ColumnMap(customer_id="who", date="when", amount="paid"))

    assert log.ids.to_pylist() == ["x", "y"]  # type: ignore[attr-defined]
    assert log.amount.tolist() == [1.0, 2.0]
