"""The input rules of the report's reader, one class of bad input per test.

Whatever a log holds, reading it gives a result or a typed error naming the row,
the column, the cell as written and the rule: no value is changed in silence, and
rows read = accepted + rejected. The rules are stated for users in ``docs/input.md``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InputDataError, InvalidValue, NoRowsAccepted
from custrel.lifecycle import derive
from custrel.report import ColumnMap, Transaction, _ingest, _sources, summarize
from custrel.report._csvsafe import neutralise, neutralise_text

AS_OF = dt.date(2024, 12, 31)
HEADER = "customer_id,date,amount\n"


def _csv(tmp_path: Path, body: str | bytes, name: str = "log.csv") -> Path:
    path = tmp_path / name
    data = body if isinstance(body, bytes) else body.encode()
    path.write_bytes(HEADER.encode() + data)
    return path


def _frame(dates: list[str]) -> dict[str, list[object]]:
    return {"customer_id": ["a"] * len(dates), "date": dates, "amount": [1.0] * len(dates)}


# Every path that reads dates as text.
TEXT_DATE_PATHS = ["csv", "csv-gz", "pandas", "polars", "arrow"]


def _read_text_dates(tmp_path: Path, path_kind: str, dates: list[str], **options: object):
    if path_kind in {"csv", "csv-gz"}:
        body = "".join(f"a,{d},1\n" for d in dates)
        source: object = _csv(tmp_path, body)
        if path_kind == "csv-gz":
            gz = tmp_path / "log.csv.gz"
            gz.write_bytes(gzip.compress(Path(source).read_bytes()))  # type: ignore[arg-type]
            source = gz
    elif path_kind == "pandas":
        source = pd.DataFrame(_frame(dates))
    elif path_kind == "polars":
        source = pl.DataFrame(_frame(dates))
    else:
        source = pa.table(_frame(dates))
    return summarize(source, as_of=AS_OF, on_error="skip", **options)  # type: ignore[arg-type]


# --- dates ------------------------------------------------------------------


@pytest.mark.parametrize("path_kind", TEXT_DATE_PATHS)
@pytest.mark.parametrize("impossible", ["2024-02-30", "2023-02-29", "2024-04-31", "2024-06-31"])
def test_an_impossible_calendar_day_is_rejected_never_rolled_into_the_next_month(
    tmp_path, path_kind, impossible
):
    report = _read_text_dates(tmp_path, path_kind, ["2024-01-10", impossible])

    assert [(r.row, r.column, r.value) for r in report.rejects()] == [(2, "date", impossible)]
    assert [c.last_purchase for c in report.customers] == [dt.date(2024, 1, 10)]


@pytest.mark.parametrize("impossible", ["20240230", "20230229", "20240431"])
def test_an_impossible_day_is_rejected_under_a_date_format_too(tmp_path, impossible):
    path = _csv(tmp_path, f"a,20240110,1\na,{impossible},1\n")

    report = summarize(path, as_of=AS_OF, date_format="%Y%m%d", on_error="skip")

    assert [(r.row, r.value) for r in report.rejects()] == [(2, impossible)]


def test_a_leap_day_and_a_sixtieth_second_are_told_apart_under_a_date_format(tmp_path):
    path = _csv(tmp_path, "a,2024-02-29 10:00:00,1\na,2024-03-01 23:59:60,1\n")

    report = summarize(path, as_of=AS_OF, date_format="%Y-%m-%d %H:%M:%S", on_error="skip")

    assert [(r.row, r.value) for r in report.rejects()] == [(2, "2024-03-01 23:59:60")]
    assert report.customers.get("a").first_purchase == dt.date(2024, 2, 29)


@pytest.mark.parametrize("path_kind", TEXT_DATE_PATHS)
@pytest.mark.parametrize(
    "impossible",
    ["2024-02-01T25:00", "2024-02-01T10:61", "2024-02-01T10:00:99", "2024-02-01T10:00+99:99"],
)
def test_an_impossible_time_or_zone_offset_is_rejected(tmp_path, path_kind, impossible):
    report = _read_text_dates(tmp_path, path_kind, ["2024-01-10", impossible])

    assert [(r.row, r.value) for r in report.rejects()] == [(2, impossible)]


@pytest.mark.parametrize("path_kind", TEXT_DATE_PATHS)
@pytest.mark.parametrize("far", ["0000-01-01", "9999-12-31"])
def test_a_date_outside_the_supported_range_is_a_reject_not_a_crash(tmp_path, path_kind, far):
    report = _read_text_dates(tmp_path, path_kind, ["2024-01-10", far])

    assert [(r.row, r.value, r.rule) for r in report.rejects()] == [
        (2, far, _ingest.RejectRule.DATE_RANGE)
    ]


def test_a_far_date_in_a_record_or_an_arrow_date_column_is_a_reject():
    records = [Transaction("a", dt.date(2024, 1, 1), 1.0), Transaction("a", dt.date.max, 1.0)]
    arrow = pa.table(
        {
            "customer_id": ["a", "a"],
            "date": pa.array([19000, -800_000], pa.date32()),  # the second is year -220
            "amount": [1.0, 1.0],
        }
    )

    for source in (records, arrow):
        report = summarize(source, as_of=AS_OF, on_error="skip")
        assert [(r.row, r.rule) for r in report.rejects()] == [(2, _ingest.RejectRule.DATE_RANGE)]


@pytest.mark.parametrize("as_of", ["2024-12-31", dt.date(9999, 12, 31), 20241231])
def test_an_as_of_that_is_not_a_supported_date_is_a_typed_error(as_of):
    log = [Transaction("a", dt.date(2024, 1, 1), 1.0)]

    with pytest.raises(InvalidValue, match="as_of"):
        summarize(log, as_of=as_of)


def test_derive_near_the_end_of_the_calendar_gives_a_stage_not_an_exception():
    late = dt.date(9999, 6, 1)

    result = derive([late, late + dt.timedelta(days=3)], as_of=dt.date(9999, 12, 31))

    assert result.stage.value == "repeat"


# --- zones --------------------------------------------------------------------


def test_a_zoned_timestamp_counts_on_its_day_as_written_on_every_path_and_in_derive(tmp_path):
    minus_five = dt.timezone(dt.timedelta(hours=-5))
    when = dt.datetime(2024, 3, 1, 23, 30, tzinfo=minus_five)  # 2 March in UTC
    text = "2024-03-01T23:30-05:00"
    sources: list[object] = [
        _csv(tmp_path, f"a,{text},1\n"),
        pd.DataFrame({"customer_id": ["a"], "date": [pd.Timestamp(when)], "amount": [1.0]}),
        pd.DataFrame(_frame([text])),
        # polars keeps a named zone (a fixed offset it would move to UTC itself)
        pl.DataFrame(
            {
                "customer_id": ["a"],
                "date": pl.Series([when.replace(tzinfo=None)]).dt.replace_time_zone(
                    "America/New_York"
                ),
                "amount": [1.0],
            }
        ),
        pa.table({"customer_id": ["a"], "date": [when], "amount": [1.0]}),
        [Transaction("a", when, 1.0)],
    ]

    days = {summarize(s, as_of=AS_OF).customers.get("a").first_purchase for s in sources}

    assert days == {dt.date(2024, 3, 1)}
    assert derive([when], as_of=AS_OF).events[0].at.date() == dt.date(2024, 3, 1)


# --- amounts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [True]}),
        pl.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [True]}),
        pa.table({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [False]}),
        [Transaction("a", dt.date(2024, 1, 1), True)],  # type: ignore[arg-type]
        pa.table({"customer_id": ["a"], "date": ["2024-01-01"], "amount": ["TRUE"]}),
        pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [True]}).astype(
            {"amount": object}
        ),
    ],
    ids=["pandas", "polars", "arrow", "records", "text", "pandas-object"],
)
def test_a_boolean_is_not_an_amount(source):
    with pytest.raises(InputDataError, match="true/false is not an amount") as caught:
        summarize(source, as_of=AS_OF)

    assert caught.value.row == 1
    assert caught.value.column == "amount"


def test_decimal_amounts_keep_their_digits_and_too_many_digits_are_refused():
    exact = decimal.Decimal("0.10")
    too_precise = decimal.Decimal("0.12345678901234567890")
    arrow = pa.table(
        {
            "customer_id": ["a", "b"],
            "date": ["2024-01-01"] * 2,
            "amount": pa.array([exact, too_precise], pa.decimal128(38, 20)),
        }
    )
    records = [
        Transaction("a", dt.date(2024, 1, 1), exact),  # type: ignore[arg-type]
        Transaction("b", dt.date(2024, 1, 1), too_precise),  # type: ignore[arg-type]
    ]

    for source in (arrow, records):
        report = summarize(source, as_of=AS_OF, on_error="skip")
        assert report.customers.get("a").revenue == 0.1
        assert [(r.row, r.rule) for r in report.rejects()] == [
            (2, f"amount {_ingest.RejectRule.DIGITS}")
        ]


def test_an_integer_beyond_what_a_float_keeps_exactly_is_refused():
    table = pa.table(
        {"customer_id": ["a", "b"], "date": ["2024-01-01"] * 2, "amount": [5, 2**53 + 1]}
    )

    report = summarize(table, as_of=AS_OF, on_error="skip")

    assert [(r.row, r.value) for r in report.rejects()] == [(2, str(2**53 + 1))]


def test_errors_quote_the_amount_as_written_not_as_parsed(tmp_path):
    path = _csv(tmp_path, "a,2024-01-01,1\nb,2024-01-01,NaN\nc,2024-01-01,1e309\n")

    report = summarize(path, as_of=AS_OF, on_error="skip")

    assert [r.value for r in report.rejects()] == ["NaN", "1e309"]
    with pytest.raises(InputDataError, match="'NaN'"):
        summarize(path, as_of=AS_OF)


def test_an_overflowing_customer_total_names_the_customer_and_skip_mode_goes_on(tmp_path):
    # Amounts are summed per customer as 64-bit integers of 1/10,000: 10,000 rows just
    # under the per-row limit pass what those integers hold.
    big = "99999999999"
    path = _csv(tmp_path, "b,2024-01-01,5\n" + f"a,2024-01-01,{big}\n" * 10_000)

    report = summarize(path, as_of=AS_OF, on_error="skip")
    with pytest.raises(InputDataError, match="customer 'a'") as caught:
        summarize(path, as_of=AS_OF)

    assert report.counts.rows_rejected == 10_000
    assert {(r.column, r.value) for r in report.rejects()} == {("amount", big)}
    assert "customer 'a'" in report.rejects()[0].rule
    assert [c.customer_id for c in report.customers] == ["b"]
    assert caught.value.row == 1 + 9224  # where a's running total passes 2**63 - 1 units


# --- columns and ids -------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "csv",
        pd.DataFrame(
            [["a", "2024-01-01", 1.0, 2.0]], columns=["customer_id", "date", "amount", "amount"]
        ),
        pa.table(
            [["a"], ["2024-01-01"], [1.0], [2.0]], names=["customer_id", "date", "amount", "amount"]
        ),
    ],
    ids=["csv", "pandas", "arrow"],
)
def test_a_mapped_column_named_twice_is_an_error(tmp_path, source):
    if isinstance(source, str):
        source = tmp_path / "dup.csv"
        source.write_text("customer_id,date,amount,amount\na,2024-01-01,1,2\n")

    with pytest.raises(InputDataError, match="appear once") as caught:
        summarize(source, as_of=AS_OF)

    assert caught.value.column == "amount"


def test_two_fields_mapped_to_one_column_is_an_error():
    with pytest.raises(InvalidValue, match=r"amount and cost"):
        summarize(
            [Transaction("a", dt.date(2024, 1, 1), 1.0)],
            as_of=AS_OF,
            columns=ColumnMap(cost="amount"),
        )


_ID_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\t",
            "none",
            "None",
            "NONE",
            "null",
            "Null",
            "NaN",
            "nan",
            "n/a",
            "N/A",
            "NA",
            "na",
            "<NA>",
            "#N/A",
            " null ",
            "nonexistent",
            "nan0",
            "Ann",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_characters=',"\r\n'), max_size=6),
)


@given(cells=st.lists(_ID_CELLS, min_size=1, max_size=8))
def test_missing_ids_are_one_rule_on_every_path(cells):
    expected = [i + 1 for i, c in enumerate(cells) if _ingest.missing_id(c)]
    frame = {
        "customer_id": cells,
        "date": ["2024-01-01"] * len(cells),
        "amount": [1.0] * len(cells),
    }
    with TemporaryDirectory() as folder:
        path = Path(folder) / "ids.csv"
        path.write_text(HEADER + "".join(f"{c},2024-01-01,1\n" for c in cells), encoding="utf-8")
        sources: list[object] = [
            path,
            pa.table(frame),
            pd.DataFrame(frame),
            pl.DataFrame(frame),
            [Transaction(c, dt.date(2024, 1, 1), 1.0) for c in cells],
        ]
        for source in sources:
            try:
                report = summarize(source, as_of=AS_OF, on_error="skip")
            except NoRowsAccepted as error:
                rows = error.rejects.column("row").to_pylist()  # type: ignore[attr-defined]
            else:
                rows = [r.row for r in report.rejects()]
            assert rows == expected, source


_PADDING = st.sampled_from(["", " ", "\t", "\u3000", "\u00a0", "\u2003", "\x1f", "x", "é"])
_MARKERS = st.sampled_from(["", "null", "NULL", "None", "n/a", "#N/A", "<na>", "nan", "ids", "李"])


@given(st.lists(st.tuples(_PADDING, _MARKERS, _PADDING).map("".join) | st.text(max_size=7)))
def test_the_columnar_missing_id_rule_is_the_scalar_one_for_padded_and_long_ids(cells):
    ids = pa.array(cells, pa.string())
    assert _ingest._missing_ids(ids).tolist() == [_ingest.missing_id(c) for c in cells]


@pytest.mark.parametrize(
    "source",
    [
        pd.DataFrame({"customer_id": [["a"]], "date": ["2024-01-01"], "amount": [1.0]}),
        pd.DataFrame(
            {"customer_id": ["b", ["a"]], "date": ["2024-01-01"] * 2, "amount": [1.0] * 2}
        ),
        pa.table({"customer_id": [["a"]], "date": ["2024-01-01"], "amount": [1.0]}),
        [Transaction(["a"], dt.date(2024, 1, 1), 1.0)],  # type: ignore[arg-type]
    ],
    ids=["pandas-lists", "pandas-mixed", "arrow-lists", "records"],
)
def test_a_list_valued_id_is_a_typed_reject(source):
    with pytest.raises(InputDataError, match="customer id must be text") as caught:
        summarize(source, as_of=AS_OF)

    assert caught.value.value == "['a']"


@pytest.mark.parametrize(
    ("record", "column"),
    [
        (Transaction("a", "2024-01-01", 1.0), "date"),  # type: ignore[arg-type]
        (Transaction("a", dt.date(2024, 1, 1), "1.0"), "amount"),  # type: ignore[arg-type]
        (Transaction("a", dt.date(2024, 1, 1), 1.0, cost=[1]), "cost"),  # type: ignore[arg-type]
        (Transaction(3.5, dt.date(2024, 1, 1), 1.0), "customer_id"),  # type: ignore[arg-type]
    ],
)
def test_a_record_of_the_wrong_types_is_a_typed_reject_naming_the_field(record, column):
    with pytest.raises(InputDataError) as caught:
        summarize([Transaction("b", dt.date(2024, 1, 1), 1.0), record], as_of=AS_OF)

    assert (caught.value.row, caught.value.column) == (2, column)


def test_pandas_mixed_type_amounts_reject_only_their_rows():
    frame = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "date": ["2024-01-01"] * 3, "amount": [1.0, "x", [2]]}
    )

    report = summarize(frame, as_of=AS_OF, on_error="skip")

    assert [(r.row, r.value) for r in report.rejects()] == [(2, "x"), (3, "[2]")]


def test_a_polars_lazy_frame_is_a_typed_error():
    lazy = pl.DataFrame(_frame(["2024-01-01"])).lazy()

    with pytest.raises(InputDataError, match="collect"):
        summarize(lazy, as_of=AS_OF)


# --- files ----------------------------------------------------------------------


def test_a_csv_named_parquet_and_gzip_bytes_named_csv_are_clean_errors(tmp_path, capfd):
    parquet = tmp_path / "log.parquet"
    parquet.write_text(HEADER + "a,2024-01-01,1\n")
    gz = tmp_path / "log.csv"
    gz.write_bytes(gzip.compress((HEADER + "a,2024-01-01,1\n").encode()))

    with pytest.raises(InputDataError, match="Parquet"):
        summarize(parquet, as_of=AS_OF)
    with pytest.raises(InputDataError, match="gzip"):
        summarize(gz, as_of=AS_OF)
    assert "Exception ignored" not in capfd.readouterr().err


def test_a_truncated_gzip_is_a_typed_error(tmp_path):
    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "a,2024-01-01,1\n" * 2000).encode())[:-40])

    with pytest.raises(InputDataError, match="readable"):
        summarize(path, as_of=AS_OF)


@pytest.mark.parametrize("name", ["log.csv", "log.csv.gz"])
def test_a_byte_that_is_not_utf8_rejects_its_row_and_skip_mode_goes_on(tmp_path, name, capfd):
    body = (
        HEADER.encode()
        + b"a,2024-01-01,1\n\xff\xfeb,2024-01-02,2\nc,2024-01-03,3,9\nd,2024-01-04,4\n"
    )
    path = tmp_path / name
    path.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)

    report = summarize(path, as_of=AS_OF, on_error="skip")
    with pytest.raises(InputDataError) as caught:
        summarize(path, as_of=AS_OF)

    assert [(r.row, r.value) for r in report.rejects()] == [
        (2, "\\xff\\xfeb"),
        (3, "c,2024-01-03,3,9"),
    ]
    assert [c.customer_id for c in report.customers] == ["a", "d"]
    assert report.counts.rows_read == 4
    assert (caught.value.row, caught.value.value) == (2, "\\xff\\xfeb")
    assert "Exception ignored" not in capfd.readouterr().err


def test_strict_mode_reports_the_first_bad_row_in_file_order_malformed_lines_included(tmp_path):
    late_bad_date = _csv(tmp_path, "a,2024-01-01,1\na,2024-01-02,1,5\na,2024-13-01,1\n")
    early_bad_date = _csv(tmp_path, "a,2024-13-01,1\na,2024-01-02,1,5\n", name="early.csv")

    with pytest.raises(InputDataError) as late:
        summarize(late_bad_date, as_of=AS_OF)
    with pytest.raises(InputDataError) as early:
        summarize(early_bad_date, as_of=AS_OF)

    assert (late.value.row, late.value.value) == (2, "a,2024-01-02,1,5")
    assert (early.value.row, early.value.column) == (1, "date")


def test_a_field_larger_than_a_read_block_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(_sources, "_CSV_BLOCK", 1 << 10)
    path = tmp_path / "wide.csv"
    path.write_text("customer_id,date,amount,note\na,2024-01-01,1," + "x" * (1 << 14) + "\n")

    report = summarize(path, as_of=AS_OF)

    assert report.counts.rows_accepted == 1


def test_every_row_rejected_without_as_of_hands_the_rejects_on(tmp_path):
    path = _csv(tmp_path, "a,2024-13-01,1\nb,oops,2\n")

    with pytest.raises(NoRowsAccepted) as caught:
        summarize(path, on_error="skip")

    assert caught.value.rows_read == 2
    assert caught.value.rejects.column("row").to_pylist() == [1, 2]  # type: ignore[attr-defined]


# --- CSV for people ----------------------------------------------------------------


@given(st.text(max_size=8))
def test_csv_for_people_neutralises_formulas(cell):
    table = pa.table({"text": [cell], "number": [-1.5]})

    safe = neutralise(table)

    assert safe["text"].to_pylist() == [neutralise_text(cell)]
    assert safe["number"].to_pylist() == [-1.5]
    shown = safe["text"][0].as_py()
    assert not shown.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert shown in {cell, "'" + cell}


def test_numbers_in_records_keep_their_type_rules_numpy_scalars_included():
    import numpy as np

    records = [
        Transaction("a", dt.date(2024, 1, 1), np.float64(2.5)),  # type: ignore[arg-type]
        Transaction("a", dt.date(2024, 1, 2), np.int64(3)),  # type: ignore[arg-type]
        Transaction("b", dt.date(2024, 1, 1), np.bool_(True)),  # type: ignore[arg-type]
        Transaction("c", dt.date(2024, 1, 1), 2**53 + 1),
    ]

    report = summarize(records, as_of=AS_OF, on_error="skip")

    assert report.customers.get("a").revenue == 5.5
    assert [(r.row, r.rule) for r in report.rejects()] == [
        (3, f"amount {_ingest.RejectRule.BOOLEAN}"),
        (4, f"amount {_ingest.RejectRule.DIGITS}"),
    ]


def test_all_empty_columns_from_pandas_follow_the_missing_rules():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "date": ["2024-01-01", "2024-01-02"],
            "amount": [1.0, 2.0],
            "cost": [None, None],
        }
    )
    no_dates = frame.assign(date=[None, None])

    report = summarize(frame, as_of=AS_OF)
    with pytest.raises(InputDataError, match="date must be present"):
        summarize(no_dates, as_of=AS_OF)

    assert report.counts.rows_accepted == 2


@pytest.mark.parametrize("name", ["log.csv", "log.csv.gz"])
def test_bytes_that_are_not_utf8_in_well_formed_lines_reject_only_their_rows(tmp_path, name):
    body = (
        HEADER.encode()
        + b"a,2024-01-01,1\nb,2024-01-02,2\xe9\nc\xff,2024-01-03,3\nd,2024-01-04,4\n"
    )
    path = tmp_path / name
    path.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)

    report = summarize(path, as_of=AS_OF, on_error="skip")

    assert [(r.row, r.column, r.value) for r in report.rejects()] == [
        (2, "amount", "2\\xe9"),
        (3, "customer_id", "c\\xff"),
    ]
    assert [c.customer_id for c in report.customers] == ["a", "d"]
