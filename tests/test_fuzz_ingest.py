"""Fuzzing the report's reader: any input gives a result or a CustrelError, never a changed value.

Arbitrary bytes, and valid logs with some cells mutated into hostile ones, go
through every input path (CSV, gzip CSV, Parquet, pandas, polars, arrow, records).
Each run may only return a report or raise a `CustrelError`; rows read must equal
accepted + rejected and the lines fed in; and every accepted row must reach the
report with its value unchanged, checked against Python's exact parse of the cell
(an accepted amount's written value has at most four decimals, and the revenue is
the double nearest the exact sum).
Each example takes one path, so the default profile stays fast; the ``ci`` profile
draws many more examples.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custrel.errors import CustrelError, NoRowsAccepted
from custrel.report import Transaction, summarize
from custrel.report._rules import FIRST_DATE, LAST_DATE, missing_id
from custrel.report._units import LIMIT, SCALE

AS_OF = dt.date(2030, 12, 31)
COLUMNS = ("customer_id", "date", "amount")
PATHS = ("csv", "gzip", "parquet", "pandas", "polars", "arrow", "records")
# A fraction of the profile's examples per test: each example reads one log.
_EXAMPLES = max(10, settings.default.max_examples // 3)
_FUZZ = settings(
    max_examples=_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_IDS = st.sampled_from(["ann", "bob", "C0001", "李雷", " pad ", "x"])
_DATES = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
_TIMES = st.sampled_from(
    ["", "T08:30", " 23:59:59", "T00:00:00.5Z", "T23:30-05:00", "T01:00+08:00"]
)
#: Amounts written with digits a float64 keeps or drops (the text decides, not the float).
_WRITTEN = st.sampled_from(
    [
        "1.00000000000000000001",
        "0.1000000000000000055511151231257827",
        "1e-400",
        "1e-5",
        "99999999999.99999",
        "12.50000000000000000000",
        "1E3",
        "0e5",
        "1.5e-3",
    ]
)
_AMOUNTS = st.one_of(
    st.integers(0, 10**6).map(str),
    st.decimals(0, 10**6, places=2, allow_nan=False).map(str),
    st.floats(0, 1e12, allow_nan=False).map(repr),
    _WRITTEN,
)
#: Cells a hostile or careless user feeds in (no quotes or line breaks: one cell, one line).
_HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "2024-02-30",
        "2023-02-29",
        "2024-04-31",
        "2024-02-01T25:61:99",
        "2024-02-01T10:00+99:99",
        "0000-01-01",
        "9999-12-31",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "1e309",
        "1e308",
        "-1",
        "true",
        "False",
        "null",
        "None",
        "NULL",
        "n/a",
        "=HYPERLINK(x)",
        "@SUM(1)",
        "+1",
        "1_000",
        "0x10",
        "١٢٣",
        "12abc",
        "2024/01/01",
        "x" * 300,
    ]
)
_BAD_BYTES = st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80"])


@st.composite
def mutated_logs(draw: st.DrawFn) -> list[list[str | bytes]]:
    """A valid log of 1-12 rows, some cells replaced by hostile text or bytes, some lines cut."""
    rows: list[list[str | bytes]] = []
    for _ in range(draw(st.integers(1, 12))):
        row: list[str | bytes] = [
            draw(_IDS),
            draw(_DATES) + draw(_TIMES),
            draw(_AMOUNTS),
        ]
        for i in range(3):
            if draw(st.integers(0, 5)) == 0:
                row[i] = draw(st.one_of(_HOSTILE, _BAD_BYTES))
        shape = draw(st.integers(0, 12))
        if shape == 0:
            row = row[:2]  # a line with a field missing
        elif shape == 1:
            row = [*row, "extra"]  # a line with a field too many
        rows.append(row)
    return rows


def _bytes(cell: str | bytes) -> bytes:
    return cell if isinstance(cell, bytes) else cell.encode("utf-8")


def _text(cell: str | bytes) -> str:
    return cell.decode("utf-8", "backslashreplace") if isinstance(cell, bytes) else cell


def _csv_bytes(rows: list[list[str | bytes]]) -> bytes:
    lines = [b",".join(COLUMNS[i].encode() for i in range(3))]
    lines += [b",".join(_bytes(c) for c in row) for row in rows]
    return b"\n".join(lines) + b"\n"


def _columns(rows: list[list[str | bytes]]) -> dict[str, list[str]]:
    """Whole rows only (an in-memory table has no malformed lines), as text."""
    whole = [row for row in rows if len(row) == 3]
    return {name: [_text(row[i]) for row in whole] for i, name in enumerate(COLUMNS)}


def _record_value(index: int, cell: str) -> object:
    """What a typed caller would pass: a date or a float when the cell is one, else the text."""
    if index == 0:
        return cell
    try:
        return dt.date.fromisoformat(cell) if index == 1 else float(cell)
    except ValueError:
        return cell


def _as_passed(index: int, cell: str) -> str:
    """A record's field as text: a float passed is its shortest exact form."""
    value = _record_value(index, cell)
    return repr(value) if isinstance(value, float) else cell


def _source(
    kind: str, rows: list[list[str | bytes]], folder: Path
) -> tuple[object, list[list[str]]]:
    """The log in the form of ``kind`` and the rows it holds (as text) in order."""
    if kind in {"csv", "gzip"}:
        data = _csv_bytes(rows)
        path = folder / ("log.csv" if kind == "csv" else "log.csv.gz")
        path.write_bytes(data if kind == "csv" else gzip.compress(data))
        return path, [[_text(c) for c in row] for row in rows]
    columns = _columns(rows)
    held = [list(r) for r in zip(*columns.values(), strict=True)]
    if kind == "records":
        records = [Transaction(*(_record_value(i, c) for i, c in enumerate(r))) for r in held]  # type: ignore[arg-type]
        return records, [[_as_passed(i, c) for i, c in enumerate(r)] for r in held]
    table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    if kind == "parquet":
        path = folder / "log.parquet"
        pq.write_table(table, path)
        return path, held
    if kind == "pandas":
        return pd.DataFrame(columns, dtype=object), held
    if kind == "polars":
        return pl.DataFrame(columns, schema=dict.fromkeys(COLUMNS, pl.String)), held
    return table, held


def _read(source: object) -> tuple[int, set[int], object]:
    """Rows read, rejected row numbers and the report (None when none was accepted)."""
    try:
        report = summarize(source, as_of=AS_OF, on_error="skip")
    except NoRowsAccepted as error:
        rows = error.rejects.column("row").to_pylist()  # type: ignore[attr-defined]
        return error.rows_read, set(rows), None
    rejected = [r.row for r in report.rejects()]
    assert len(rejected) == len(set(rejected)) == report.counts.rows_rejected
    counts = report.counts
    assert counts.rows_read == counts.rows_accepted + counts.rows_rejected
    return counts.rows_read, set(rejected), report


def _expected(
    held: list[list[str]], rejected: set[int]
) -> dict[str, tuple[dt.date, dt.date, float]]:
    """Per customer: first day, last day and revenue of the accepted rows, parsed by Python.

    An accepted amount's written value must meet the rule exactly (at most four
    decimals, below the limit), and the revenue is the double nearest the exact sum.
    """
    days: dict[str, list[dt.date]] = defaultdict(list)
    amounts: dict[str, list[Fraction]] = defaultdict(list)
    for number, (customer, date, amount) in enumerate(held, start=1):
        if number in rejected:
            continue
        assert not missing_id(customer)
        day = dt.date.fromisoformat(date.strip()[:10])  # the day as written
        value = Fraction(Decimal(amount.strip()))
        assert FIRST_DATE <= day <= LAST_DATE
        assert 0 <= value < LIMIT
        assert (value * SCALE).denominator == 1, amount
        days[customer].append(day)
        amounts[customer].append(value)
    return {c: (min(d), max(d), float(sum(amounts[c], Fraction(0)))) for c, d in days.items()}


@_FUZZ
@given(rows=mutated_logs(), kind=st.sampled_from(PATHS))
def test_a_mutated_log_is_read_with_every_accepted_value_unchanged(rows, kind):
    with TemporaryDirectory() as folder:
        source, held = _source(kind, rows, Path(folder))
        try:
            rows_read, rejected, report = _read(source)
        except CustrelError:
            return  # a whole-input error (e.g. no whole line at all): typed, nothing half-done

    assert rows_read == len(held)
    expected = _expected(held if kind not in {"csv", "gzip"} else _whole(held), rejected)
    if report is None:
        assert not expected
        return
    got = {
        c.customer_id: (c.first_purchase, c.last_purchase, c.revenue)
        for c in report.customers  # type: ignore[attr-defined]
    }
    assert got.keys() == expected.keys()
    for customer, (first, last, revenue) in expected.items():
        assert got[customer] == (first, last, revenue)


def _whole(held: list[list[str]]) -> list[list[str]]:
    """CSV lines as rows: a malformed line keeps its number but no usable cells."""
    return [row if len(row) == 3 else ["", "", ""] for row in held]


@_FUZZ
@given(data=st.binary(max_size=300), gzipped=st.booleans())
def test_arbitrary_bytes_give_a_result_or_a_custrel_error(data, gzipped):
    with TemporaryDirectory() as folder:
        path = Path(folder) / ("log.csv.gz" if gzipped else "log.csv")
        path.write_bytes(gzip.compress(data) if gzipped else data)
        with contextlib.suppress(CustrelError):
            _read(path)


@_FUZZ
@given(data=st.binary(max_size=300), header=st.booleans())
def test_arbitrary_bytes_after_a_valid_header_give_a_result_or_a_custrel_error(data, header):
    with TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        path.write_bytes((b"customer_id,date,amount\n" if header else b"") + data)
        with contextlib.suppress(CustrelError):
            _read(path)
