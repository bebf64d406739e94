"""Real exports read as they are: other delimiters, encodings, and files without a header."""

from __future__ import annotations

import datetime as dt
import gzip
import warnings
from decimal import Decimal

import attrs
import pyarrow as pa
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from custrel.cli import EXIT_BAD_INPUT, EXIT_OK, main
from custrel.errors import (
    InputDataError,
    InvalidValue,
    MissingColumns,
    NoRowsAccepted,
    UnitPriceWarning,
)
from custrel.report import ColumnMap, analyze, summarize
from custrel.report._priced import priced, warn_unit_price

#: Lines in the shape of CDNOW's own file: id, sample id, YYYYMMDD, CDs, dollars.
CDNOW_LINES = (
    " 00004 0001 19970101  2   29.33\r\n"
    " 00004 0001 19970118  2   29.73\r\n"
    " 00004 0001 19970802  1   14.96\r\n"
    " 00018 0002 19970104  1   14.96\r\n"
    " 00018 0002 19970104  1   11.77\r\n"
)
CDNOW_HEADER = ("customer_id", "sample", "date", "quantity", "amount")


def test_a_cdnow_shaped_file_runs_in_one_command(tmp_path, capsys):
    path = tmp_path / "CDNOW_sample.txt"
    path.write_bytes(CDNOW_LINES.encode("ascii"))

    code = main(
        [
            "report",
            "--input",
            str(path),
            "--delimiter",
            "whitespace",
            "--header",
            ",".join(CDNOW_HEADER),
            "--date-format",
            "%Y%m%d",
            "--format",
            "csv",
        ]
    )

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert out.count("\n") == 3  # a header line and two customers
    assert "00004" in out
    assert "00018" in out


def test_a_cdnow_shaped_file_gives_the_same_summary_as_its_comma_twin(tmp_path):
    spaced = tmp_path / "cdnow.txt"
    spaced.write_text(CDNOW_LINES, encoding="ascii")
    comma = tmp_path / "cdnow.csv"
    rows = [",".join(line.split()) for line in CDNOW_LINES.splitlines()]
    comma.write_text("\n".join([",".join(CDNOW_HEADER), *rows]) + "\n", encoding="ascii")

    a = summarize(spaced, delimiter="whitespace", header=CDNOW_HEADER, date_format="%Y%m%d")
    b = summarize(comma, date_format="%Y%m%d")

    assert a.customers.get("00004") == b.customers.get("00004")
    assert a.customers.get("00018").revenue == pytest.approx(26.73)
    assert a.customers.get("00018").purchase_days == 1


@pytest.mark.parametrize(
    ("encoding", "name"), [("latin-1", "Zoë"), ("gbk", "张三"), ("cp1252", "Müller")]
)
def test_an_encoded_file_is_read_in_its_encoding(tmp_path, encoding, name):
    path = tmp_path / "log.csv"
    path.write_bytes(f"customer_id;date;amount\n{name};2024-01-05;12.50\n".encode(encoding))

    report = analyze(path, delimiter=";", encoding=encoding, as_of=dt.date(2024, 1, 31))

    assert report.customers.get(name).revenue == 12.5


def test_a_gzip_file_with_tabs_is_read(tmp_path):
    path = tmp_path / "log.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write("customer_id\tdate\tamount\nann\t2024-01-05\t3\nann\t2024-01-09\t4\n")

    report = analyze(path, delimiter="tab", as_of=dt.date(2024, 1, 31))

    assert report.customers.get("ann").revenue == 7.0


def test_bytes_not_in_the_encoding_name_the_encoding_flag(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"customer_id|date|amount\n\xff\xfe|2024-01-05|1\n")

    with pytest.raises(InputDataError, match="--encoding") as caught:
        analyze(path, delimiter="|", as_of=dt.date(2024, 1, 31))

    assert caught.value.row == 1
    assert caught.value.column == "customer_id"


def test_a_line_of_the_wrong_width_names_the_delimiter_flag(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id;date;amount\nann,2024-01-05,1\n", encoding="utf-8")

    with pytest.raises(InputDataError, match="--delimiter") as caught:
        analyze(path, delimiter=";", as_of=dt.date(2024, 1, 31))

    assert caught.value.row == 1


@pytest.mark.parametrize("delimiter", ["", ";;", "\n", '"'])
def test_a_delimiter_must_be_one_character_or_whitespace(tmp_path, delimiter):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,amount\nann,2024-01-05,1\n", encoding="utf-8")

    with pytest.raises(InvalidValue, match="delimiter"):
        analyze(path, delimiter=delimiter)


def test_an_unknown_encoding_is_refused(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,amount\nann,2024-01-05,1\n", encoding="utf-8")

    with pytest.raises(InvalidValue, match="encoding"):
        analyze(path, encoding="no-such-codec")


def test_a_delimiter_for_a_table_is_refused():
    table = pa.table({"customer_id": ["a"], "date": ["2024-01-05"], "amount": [1.0]})

    with pytest.raises(InvalidValue, match="CSV files"):
        analyze(table, delimiter=";")


def test_the_cli_reports_a_bad_encoding_as_bad_input(tmp_path, capsys):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,amount\nann,2024-01-05,1\n", encoding="utf-8")

    code = main(["report", "--input", str(path), "--encoding", "no-such-codec"])

    assert code == EXIT_BAD_INPUT
    assert "encoding" in capsys.readouterr().err


@given(
    delimiter=st.sampled_from([";", "|", "\t", ":"]),
    amounts=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8),
)
def test_any_delimiter_reads_the_same_revenue_as_a_comma(tmp_path_factory, delimiter, amounts):
    folder = tmp_path_factory.mktemp("d")
    lines = [f"c{i % 3}{delimiter}2024-01-{i + 1:02d}{delimiter}{a}" for i, a in enumerate(amounts)]
    path = folder / "log.csv"
    path.write_text(delimiter.join(["customer_id", "date", "amount"]) + "\n" + "\n".join(lines))

    report = summarize(path, delimiter=delimiter, as_of=dt.date(2024, 1, 31))

    total = sum(c.revenue for c in report.customers)
    assert total == sum(amounts)


# --- every input error names the option that fixes it ---------------------------------


def test_all_missing_columns_are_reported_at_once_with_their_options(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("InvoiceNo,InvoiceDate,UnitPrice\n1,2024-01-05,2.5\n", encoding="utf-8")

    with pytest.raises(MissingColumns) as caught:
        analyze(path)

    assert caught.value.columns == ("customer_id", "date", "amount")
    assert caught.value.options == ("--customer-col", "--date-col", "--amount-col")
    assert caught.value.column == "customer_id"
    for text in ("--customer-col", "--date-col", "--amount-col", "InvoiceNo", "UnitPrice"):
        assert text in str(caught.value)


def test_one_missing_column_is_reported_alone(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,total\nann,2024-01-05,2.5\n", encoding="utf-8")

    with pytest.raises(MissingColumns) as caught:
        analyze(path)

    assert caught.value.columns == ("amount",)
    assert "--amount-col" in str(caught.value)


def test_a_date_that_does_not_parse_names_the_date_format_option(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,amount\nann,12/1/2010 8:26,2.5\n", encoding="utf-8")

    with pytest.raises(InputDataError, match="--date-format"):
        analyze(path)
    with pytest.raises(InputDataError, match="--date-format"):
        analyze(path, date_format="%Y-%m-%d")


def test_the_cli_names_every_missing_column_and_its_option(tmp_path, capsys):
    path = tmp_path / "log.csv"
    path.write_text("client,day,amount\nann,2024-01-05,2.5\n", encoding="utf-8")

    code = main(["report", "--input", str(path)])

    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "--customer-col" in err
    assert "--date-col" in err
    assert "--amount-col" not in err


# --- amount from quantity × unit price --------------------------------------------------

RETAIL = (
    "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
    "536365,85123A,6,12/1/2010 8:26,2.55,17850\n"
    "536365,71053,6,12/1/2010 8:26,3.39,17850\n"
    "536367,84879,32,12/2/2010 8:34,1.69,13047\n"
)
RETAIL_MAP = ColumnMap(customer_id="CustomerID", date="InvoiceDate", quantity="Quantity")


def test_amount_is_quantity_times_unit_price_to_the_cent(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL, encoding="utf-8")

    report = analyze(
        path, columns=RETAIL_MAP, date_format="%m/%d/%Y %H:%M", price_column="UnitPrice"
    )

    assert report.customers.get("17850").revenue == 35.64  # 6 × 2.55 + 6 × 3.39
    assert report.customers.get("13047").revenue == 54.08  # 32 × 1.69


def test_an_amount_column_named_like_a_unit_price_warns(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL, encoding="utf-8")
    mapped = attrs.evolve(RETAIL_MAP, amount="UnitPrice")

    with pytest.warns(UnitPriceWarning, match="--price-col"):
        analyze(path, columns=mapped, date_format="%m/%d/%Y %H:%M")


@pytest.mark.parametrize("name", ["UnitPrice", "unit_price", "price", "Unit Price", "单价"])
def test_every_unit_price_spelling_warns(name):
    with pytest.warns(UnitPriceWarning):
        warn_unit_price(ColumnMap(amount=name))


def test_an_amount_column_named_amount_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_unit_price(ColumnMap(amount="Revenue"))


def test_the_cli_prints_the_unit_price_warning_to_stderr(tmp_path, capsys):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL, encoding="utf-8")

    code = main(
        [
            "report",
            "--input",
            str(path),
            "--customer-col",
            "CustomerID",
            "--date-col",
            "InvoiceDate",
            "--date-format",
            "%m/%d/%Y %H:%M",
            "--amount-col",
            "UnitPrice",
        ]
    )

    assert code == EXIT_OK
    assert "custrel: warning:" in capsys.readouterr().err


def test_a_product_finer_than_the_units_is_refused(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,qty,price\nann,2024-01-05,0.005,0.015\n", encoding="utf-8")

    with pytest.raises(InputDataError, match="quantity × price") as caught:
        analyze(path, columns=ColumnMap(quantity="qty"), price_column="price")

    assert caught.value.row == 1


def test_a_missing_price_or_quantity_column_names_its_option(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,price\nann,2024-01-05,1.5\n", encoding="utf-8")

    with pytest.raises(MissingColumns) as caught:
        analyze(path, columns=ColumnMap(quantity="qty"), price_column="price")

    assert caught.value.options == ("--quantity-col",)


@given(
    quantity=st.integers(min_value=-1000, max_value=1000),
    cents=st.integers(min_value=0, max_value=10**7),
)
def test_quantity_times_price_is_the_exact_decimal_product(quantity, cents):
    price = cents / 100
    table = pa.table(
        {
            "customer_id": ["a"],
            "date": ["2024-01-05"],
            "quantity": [float(quantity)],
            "price": [price],
        }
    )

    priced_table, mapped = priced(table, ColumnMap(), "price", None)

    expected = Decimal(quantity) * Decimal(cents) / 100
    assert Decimal(repr(priced_table[mapped.amount][0].as_py())) == expected


# --- back-testing: rows after as_of ignored, counted -------------------------------------


def _log(tmp_path, lines):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,amount\n" + "".join(lines), encoding="utf-8")
    return path


def test_rows_after_as_of_are_an_error_by_default_naming_the_option(tmp_path):
    path = _log(tmp_path, ["a,2024-01-05,1\n", "a,2024-03-05,2\n"])

    with pytest.raises(InputDataError, match="--after-as-of ignore"):
        analyze(path, as_of=dt.date(2024, 1, 31))


def test_ignored_rows_after_as_of_are_counted_not_dropped_silently(tmp_path):
    path = _log(tmp_path, ["a,2024-01-05,1\n", "a,2024-03-05,2\n", "b,2024-04-01,9\n"])

    report = analyze(path, as_of=dt.date(2024, 1, 31), after_as_of="ignore")

    assert report.counts.rows_read == 3
    assert report.counts.rows_accepted == 1
    assert report.counts.rows_rejected == 0
    assert report.counts.rows_ignored == 2
    assert report.customers.get("a").revenue == 1.0
    assert len(report.customers) == 1  # b bought only after as_of


def test_a_late_row_breaking_another_rule_is_rejected_not_ignored(tmp_path):
    path = _log(tmp_path, ["a,2024-01-05,1\n", "a,2024-03-05,oops\n"])

    report = analyze(path, as_of=dt.date(2024, 1, 31), after_as_of="ignore", on_error="skip")

    assert (report.counts.rows_rejected, report.counts.rows_ignored) == (1, 0)


def test_the_summary_line_states_the_ignored_rows(tmp_path, capsys):
    path = _log(tmp_path, ["a,2024-01-05,1\n", "a,2024-03-05,2\n"])

    code = main(
        ["report", "--input", str(path), "--as-of", "2024-01-31", "--after-as-of", "ignore"]
    )

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "rows read 2 = accepted 1 + rejected 0 + ignored after as-of 1" in out
    assert "忽略截止日之后 1 行" in out


def test_after_as_of_takes_error_or_ignore(tmp_path):
    path = _log(tmp_path, ["a,2024-01-05,1\n"])

    with pytest.raises(InvalidValue, match="after_as_of"):
        analyze(path, after_as_of="drop")


@given(days=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=20))
def test_read_is_accepted_plus_rejected_plus_ignored(days):
    table = pa.table(
        {
            "customer_id": [f"c{d % 4}" for d in days],
            "date": [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in days],
            "amount": [1.0] * len(days),
        }
    )
    as_of = dt.date(2024, 1, 31)

    assume(any(d <= 30 for d in days))  # some row on or before as_of
    report = summarize(table, as_of=as_of, after_as_of="ignore")

    counts = report.counts
    assert counts.rows_read == len(days)
    assert counts.rows_read == counts.rows_accepted + counts.rows_rejected + counts.rows_ignored
    assert counts.rows_ignored == sum(d > 30 for d in days)


# --- logs without cost columns: an assumed gross margin ----------------------------------


def test_a_gross_margin_gives_profit_as_that_share_of_revenue(tmp_path):
    path = _log(tmp_path, ["a,2024-01-05,100\n", "a,2024-01-20,50.5\n", "b,2024-01-09,10\n"])

    report = analyze(path, as_of=dt.date(2024, 1, 31), gross_margin=0.3)

    assert report.gross_margin == 0.3
    assert report.customers.get("a").profit == pytest.approx(150.5 * 0.3, abs=1e-4)
    assert report.customers.get("a").verdict is not None


def test_without_a_gross_margin_the_verdict_is_unknown_and_says_how_to_assume_one(tmp_path):
    path = _log(tmp_path, ["a,2024-01-05,100\n"])

    report = analyze(path, as_of=dt.date(2024, 1, 31))

    assert report.gross_margin is None
    assert report.customers.get("a").verdict is None
    assert "--gross-margin" in report.summary(lang="en", width=200)


def test_the_assumed_margin_is_stated_in_the_summary(tmp_path, capsys):
    path = _log(tmp_path, ["a,2024-01-05,100\n"])

    code = main(["report", "--input", str(path), "--gross-margin", "0.25"])

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "assumption: profit = revenue × 25%" in out
    assert "假设：利润 = 收入 × 25%" in out


def test_a_gross_margin_is_refused_when_the_log_has_costs(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,amount,cost\na,2024-01-05,100,60\n", encoding="utf-8")

    with pytest.raises(InvalidValue, match="gross_margin"):
        analyze(path, gross_margin=0.3)


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_a_gross_margin_is_a_rate_from_zero_to_one(tmp_path, rate):
    path = _log(tmp_path, ["a,2024-01-05,100\n"])

    with pytest.raises(InvalidValue, match="gross_margin"):
        analyze(path, gross_margin=rate)


def test_the_reading_options_ask_for_the_local_engine(tmp_path, capsys):
    path = _log(tmp_path, ["a,2024-01-05,1\n"])

    code = main(["report", "--input", str(path), "--engine", "dask", "--gross-margin", "0.3"])

    assert code == EXIT_BAD_INPUT
    assert "--engine" in capsys.readouterr().err


def test_skip_mode_rejects_a_line_of_the_wrong_width_and_goes_on(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "customer_id;date;amount\nann;2024-01-05;1\nbob,2024-01-06,2\nann;2024-01-07;3\n",
        encoding="utf-8",
    )

    report = analyze(path, delimiter=";", as_of=dt.date(2024, 1, 31), on_error="skip")

    [rejected] = report.rejects()
    assert (rejected.row, rejected.column, rejected.value) == (2, None, "bob,2024-01-06,2")
    assert "--delimiter" in rejected.rule
    assert report.customers.get("ann").revenue == 4.0
    assert report.customers.get("ann").last_purchase == dt.date(2024, 1, 7)


def test_skip_mode_rejects_bytes_not_in_the_encoding_with_the_cell_as_written(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"customer_id|date|amount\nann|2024-01-05|1\n\xff\xfe|2024-01-06|2\n")

    report = analyze(path, delimiter="|", as_of=dt.date(2024, 1, 31), on_error="skip")

    [rejected] = report.rejects()
    assert (rejected.row, rejected.column, rejected.value) == (2, "customer_id", r"\xff\xfe")
    assert "--encoding" in rejected.rule
    assert report.counts.rows_accepted == 1


def test_skip_mode_on_a_whitespace_file_keeps_the_good_lines(tmp_path):
    path = tmp_path / "CDNOW_sample.txt"
    broken = CDNOW_LINES + " 00018 0002 19970105\r\n 00018 0002 1997013x 1 3.00\r\n"
    path.write_bytes(broken.encode("ascii"))

    report = summarize(
        path,
        delimiter="whitespace",
        header=CDNOW_HEADER,
        date_format="%Y%m%d",
        as_of=dt.date(1997, 12, 31),
        on_error="skip",
    )

    assert [(r.row, r.column) for r in report.rejects()] == [(6, None), (7, "date")]
    assert report.rejects()[0].value == "00018 0002 19970105"
    assert report.counts.rows_accepted == 5


cells = st.sampled_from(["ann", "bob", "2024-01-05", "2024-02-30", "7", "-1", "x", "", "é"])
# Each line has a cell that is not empty: a file of blank lines has no data row at all.
lines = st.lists(st.lists(cells, min_size=2, max_size=4).filter(any), min_size=1, max_size=25)


@given(lines, st.sampled_from([";", "\t", "whitespace"]), st.sampled_from(["utf-8", "latin-1"]))
def test_skip_mode_on_any_dialect_conserves_rows(tmp_path_factory, rows, delimiter, encoding):
    joiner = " " if delimiter == "whitespace" else delimiter
    body = "\n".join(joiner.join(row) for row in rows)
    text = joiner.join(["customer_id", "date", "amount"]) + "\n" + body + "\n"
    path = tmp_path_factory.mktemp("dialect") / "log.csv"
    # Written in UTF-8 and read as either: in latin-1 the é's bytes are two other letters.
    path.write_bytes(text.encode("utf-8"))
    data_lines = len(rows)

    try:
        report = summarize(
            path,
            delimiter=delimiter,
            encoding=encoding,
            as_of=dt.date(2024, 12, 31),
            on_error="skip",
        )
    except NoRowsAccepted as error:
        read = error.rows_read  # every row rejected: the rejects still hold them all
    else:
        counts = report.counts
        assert counts.rows_read == counts.rows_accepted + counts.rows_rejected
        read = counts.rows_read
    assert read == data_lines
