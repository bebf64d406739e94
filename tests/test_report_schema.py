"""The customer table's schema: one declaration read by the engine, the converters and the docs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given

from custrel.errors import InvalidValue
from custrel.report import CustomerTable, Transaction, analyze, summarize
from custrel.report.schema import CUSTOMER_COLUMNS, Column, Kind, columns_markdown
from custrel.sample import SAMPLE_AS_OF, sample_path
from strategies_report import AS_OF, logs

EXPECTED = pa.schema([pa.field(c.name, c.arrow_type()) for c in CUSTOMER_COLUMNS])


@given(logs)
def test_every_log_gives_a_table_of_the_declared_schema(log):
    with_costs = [Transaction(t.customer_id, t.date, t.amount, cost=t.amount / 2) for t in log]

    tables = [
        analyze(log, as_of=AS_OF).customers.to_arrow(),
        analyze(with_costs, as_of=AS_OF).customers.to_arrow(),
        summarize(log, as_of=AS_OF).customers.to_arrow(),
    ]

    for table in tables:
        assert table.schema.equals(EXPECTED)


def test_absent_facts_are_typed_nulls():
    log = [Transaction("a", dt.date(2024, 1, 5), 10.0)]

    table = analyze(log, as_of=AS_OF).customers.to_arrow()

    assert table["profit"].null_count == 1
    assert table["verdict"].null_count == 1
    assert table["stage"].null_count == 0


def test_the_sample_fills_every_judgement_column():
    table = analyze(sample_path(), as_of=SAMPLE_AS_OF).customers.to_arrow()

    for name in ("profit", "stage", "peak", "at_risk", "tier", "verdict", "treatment", "score"):
        assert table[name].null_count == 0, name


def test_a_column_the_schema_does_not_declare_is_refused():
    ids = pa.array(["a"])

    with pytest.raises(InvalidValue, match="declared"):
        CustomerTable(ids, {"mystery": np.zeros(1)}, {})


def test_only_label_columns_name_an_enum():
    with pytest.raises(InvalidValue):
        Column("x", Kind.MONEY, "x", "x", labels="custrel.lifecycle:Stage")


def test_column_names_are_unique_and_the_docs_reference_lists_them_all():
    names = [c.name for c in CUSTOMER_COLUMNS]
    page = Path(__file__).resolve().parent.parent / "docs" / "report.md"

    assert len(names) == len(set(names))
    assert all(f"`{name}`" in columns_markdown() for name in names)
    assert "<!-- custrel:columns -->" in page.read_text(encoding="utf-8")


def test_every_label_column_names_an_enum_that_loads():
    for column in CUSTOMER_COLUMNS:
        if column.kind is Kind.LABEL:
            assert column.label_enum is not None
            assert all(member.value for member in column.label_enum)
