"""Ingestion: every source becomes one pyarrow table, checked by one set of vectorised rules.

CSV (plain or gzip), Parquet, pandas and polars DataFrames, pyarrow tables and
iterables of :class:`~custrel.report.Transaction` records all end up here as an
arrow table of the mapped columns; :func:`validate` then applies the input rules
(``docs/input.md`` states them for users) to every row at once and returns the
accepted rows as numpy columns and the rejected ones, each with its row, column,
the cell as written and the rule. Strict mode raises the first rejected row in
file order (the lowest row number, malformed lines included); lenient mode keeps
them all, and rows read = accepted + rejected whatever the input.

Whatever a source holds, the reader only ever returns a table or raises a
:class:`~custrel.errors.CustrelError`: a cell it cannot represent exactly is a
rejected row, never a value changed in silence.
"""

# pyarrow ships no type information, so its arrays are typed Any here (private module).
# ruff: noqa: ANN401
from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import decimal
import gzip
import io
import itertools
import math
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from custrel.errors import InputDataError, InvalidValue, MissingColumn, NoRowsAccepted
from custrel.report import CANONICAL_COLUMNS
from custrel.report._summary import Pieces

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel.report import ColumnMap, Transaction

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MISSING_IDS",
    "Ingested",
    "RejectRule",
    "missing_id",
    "read_source",
    "validate",
]

_EPOCH: Final = dt.date(1970, 1, 1)
#: The dates the report accepts. Python's own dates start at year 1; the last year
#: is left free because the rules look ahead of a date (a lapse deadline a year on,
#: the end of a quarter) and those days must exist too.
FIRST_DATE: Final = dt.date(1, 1, 1)
LAST_DATE: Final = dt.date(9998, 12, 31)
_FIRST_DAY: Final = (FIRST_DATE - _EPOCH).days
_LAST_DAY: Final = (LAST_DATE - _EPOCH).days
#: Ids that mean "no id" in the exports people feed in (compared trimmed and
#: case-insensitively; an empty or blank cell is missing too). Each is what some
#: tool writes for a missing value: pandas (nan, NaN, None, <NA>, N/A, NA),
#: databases (NULL), spreadsheets (#N/A).
MISSING_IDS: Final = frozenset({"nan", "none", "null", "na", "n/a", "<na>", "#n/a"})
#: From this many rows, ids are hashed in two threads (a tuning knob, not a rule).
_THREADED_ROWS = 1_000_000
#: Bytes per block of the multithreaded CSV reader (a tuning knob, not a rule).
_CSV_BLOCK = 4 << 20
#: The largest block the CSV reader takes (arrow's limit: 2 GiB less a little).
_CSV_MAX_BLOCK = (1 << 31) - (1 << 20)
#: Ids of at most this many bytes, all of one length, are hashed as integers.
_PACKED_WIDTH = 8
#: Fixed-width ids get codes from a lookup table instead of a hash table when their
#: dense keys span at most this many values per row, or this many in all (tuning
#: knobs: the table costs 5 bytes per value).
_DENSE_KEYS_PER_ROW = 2
_DENSE_MIN_KEYS = 1 << 16
_DENSE_MAX_KEYS = 1 << 31
#: Masks of the SWAR steps that pair neighbouring digits: 8 bytes -> 4 -> 2 -> 1.
_LANES: Final = (
    (8, np.uint64(0x00FF_00FF_00FF_00FF)),
    (16, np.uint64(0x0000_FFFF_0000_FFFF)),
    (32, np.uint64(0x0000_0000_FFFF_FFFF)),
)
#: Significant decimal digits a float64 keeps exactly (C's DBL_DIG): a decimal of at
#: most this many digits comes back unchanged from the nearest float64.
_EXACT_DIGITS: Final = 15
_GZIP_MAGIC: Final = b"\x1f\x8b"
_PARQUET_MAGIC: Final = b"PAR1"

#: Optional numeric columns, in the order they are checked.
OPTIONAL_NUMERIC: Final = CANONICAL_COLUMNS[3:]

_NUMBER: Final = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_NON_FINITE: Final = r"^\s*[+-]?(nan|inf|infinity)\s*$"
#: An ISO date or timestamp whose fields are in range (the calendar is checked apart):
#: month 01-12, day 01-31, hour 00-23, minute and second 00-59, and a zone offset of
#: less than a day (Python's rule for a fixed offset).
_ISO: Final = (
    r"^\s*\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?"
    r"(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?\s*$"
)
#: Formats whose parse arrow may roll into a later day: only these are re-checked.
_ROLL_DAY_LIMIT: Final = 3


class RejectRule:
    """The rules a row can break, as the text shown in errors and the rejects file."""

    ID_MISSING: Final = (
        "customer id must be present and not empty, blank, NaN or a null marker "
        "(none, null, na, n/a, <na>, #n/a in any case)"
    )
    ID_TYPE: Final = "customer id must be text or an integer"
    DATE_MISSING: Final = "date must be present"
    DATE_ISO: Final = (
        "date must be a real ISO date or timestamp (YYYY-MM-DD[THH:MM[:SS]][zone]: a day "
        "the month has, hours 00-23, minutes and seconds 00-59, a zone offset under 24:00)"
    )
    DATE_FORMAT: Final = "date must be a real date in the date format {fmt!r}"
    DATE_TYPE: Final = "date must be a date, a datetime or text"
    DATE_RECORD: Final = "date must be a datetime.date or datetime.datetime"
    DATE_RANGE: Final = f"date must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}"
    DATE_AFTER: Final = "date must be on or before as_of {as_of}"
    NUMBER: Final = "must be a number"
    BOOLEAN: Final = "must be a number (true/false is not an amount)"
    DIGITS: Final = (
        f"must have at most {_EXACT_DIGITS} significant digits (more cannot be kept exactly; "
        "round it first)"
    )
    FINITE: Final = "must be finite (not NaN or infinite)"
    NON_NEGATIVE: Final = "must be zero or more"
    SUM_FINITE: Final = "the amounts of customer {customer!r} must add up to a finite total"
    TOTAL_FINITE: Final = (
        "the {column} of the whole log must add up to a finite total (the running total "
        "passes the largest float here)"
    )
    FIELDS: Final = "each line must have the header's {n} fields"
    UTF8: Final = "must be UTF-8 text (the cell shows the bytes that are not)"


def _day_number(value: dt.date | dt.datetime) -> int:
    # A datetime counts on its own calendar day, as written (with or without a zone).
    day = value.date() if isinstance(value, dt.datetime) else value
    return (day - _EPOCH).days


def missing_id(value: str) -> bool:
    """Whether a customer-id cell means "no id" (the scalar form of the rule in `validate`).

    Empty or blank cells, and the null markers of :data:`MISSING_IDS` compared trimmed
    and case-insensitively, are missing. ``test_missing_ids_are_one_rule_on_every_path``
    holds this and the columnar form together.
    """
    stripped = value.strip()
    return not stripped or stripped.lower() in MISSING_IDS


# --- sources -----------------------------------------------------------------


class _Flag:
    """Cells a reader already found broken: (table row, cell as written) under one rule."""

    def __init__(self, column: str, rule: str) -> None:
        self.column = column
        self.rule = rule
        self.rows: list[int] = []
        self.texts: list[str] = []

    def add(self, row: int, text: str) -> None:
        self.rows.append(row)
        self.texts.append(text)


class _Malformed:
    """What a reader learnt beyond the table: malformed lines and cells broken on the way in.

    Attributes:
        rows: data row numbers (header = row 0) of the lines skipped as malformed.
        texts: those lines as written.
        expected: how many fields the header has.
        flags: cells found broken while reading (wrong type, bytes that are not UTF-8).
        cell_text: gives the cells as written of a column at some table rows, when the
            table holds parsed values (a typed CSV read); ``None``: the table's own.
    """

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.texts: list[str] = []
        self.expected = 0
        self.flags: dict[tuple[str, str], _Flag] = {}
        self.cell_text: Callable[[str, NDArray[np.intp]], list[str | None]] | None = None

    def __call__(self, row: Any) -> str:
        self.expected = row.expected_columns
        # Line 1 is the header, so data row = line - 1 (no multi-line quoted fields).
        self.rows.append(-1 if row.number is None else row.number - 1)
        self.texts.append(row.text)
        return "skip"

    def flag(self, column: str, rule: str, row: int, text: str) -> None:
        """Record that the cell of ``column`` at table row ``row`` breaks ``rule``."""
        key = (column, rule)
        if key not in self.flags:
            self.flags[key] = _Flag(column, rule)
        self.flags[key].add(row, text)


def _skip_row(_row: Any) -> str:
    return "skip"


def _csv_error(error: Exception) -> InputDataError:
    text = str(error)
    if "Empty CSV file" in text:
        return InputDataError("the input must have a header line and at least one row")
    return InputDataError(f"the file must be readable CSV ({text.splitlines()[0]})")


def _unique_names(header: Sequence[str], names: Sequence[str]) -> None:
    """Refuse a header that names a mapped column twice (which one would be meant?)."""
    wanted = set(names)
    seen: set[str] = set()
    for name in header:
        if name in wanted and name in seen:
            raise InputDataError(
                "each mapped column must appear once in the header (which one is meant?)",
                column=name,
                value=f"{name} appears {list(header).count(name)} times",
            )
        seen.add(name)


def _check_map(names: Sequence[str]) -> None:
    """Refuse a column map that sends two fields to one column."""
    fields = dict(zip(CANONICAL_COLUMNS, names, strict=True))
    for (field, name), (other, other_name) in itertools.combinations(fields.items(), 2):
        if name == other_name:
            raise InvalidValue(
                "columns",
                name,
                f"one column per field ({field} and {other} both map to {name!r})",
            )


def _sniff(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(4)
    except OSError as error:
        raise InputDataError(f"the input must be a readable file ({error})") from None


def _gzipped(path: Path) -> bool:
    return bool(path.suffixes) and path.suffixes[-1].lower() == ".gz"


def _open_bytes(path: Path) -> Any:
    return gzip.open(path, "rb") if _gzipped(path) else path.open("rb")


def _valid_utf8(path: Path) -> bool:
    """Whether the whole file is UTF-8 (a fast pass in C; the error path only)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_bytes(path) as stream:
            while piece := stream.read(1 << 24):
                decoder.decode(piece)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _as_written(cell: str) -> str:
    r"""A cell read with surrogate escapes, its bytes that are not UTF-8 shown as ``\xNN``."""
    return cell.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@contextlib.contextmanager
def _field_limit() -> Iterator[None]:
    """Let :mod:`csv` read fields of any size for the call, then restore its limit."""
    before = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _read_csv_text(path: Path, names: Sequence[str]) -> tuple[pa.Table, _Malformed]:
    r"""Read a CSV holding bytes that are not UTF-8: each such cell rejects its row only.

    Arrow cannot hand such cells on (nor report a malformed line holding one), so
    this path (taken only then) reads with Python's :mod:`csv`, keeping the bytes as
    surrogates, flags every cell that is not UTF-8 with its bytes shown as ``\\xNN``,
    and leaves the other rows to the usual rules.
    """
    notes = _Malformed()
    with (
        _field_limit(),
        _open_bytes(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="") as text,
    ):
        records = csv.reader(text)
        header = next(records, None)
        if header is None:
            raise InputDataError("the input must have a header line and at least one row")
        bad_header = [h for h in header if not h.isascii() and _as_written(h) != h]
        if bad_header:
            raise InputDataError("the header must be UTF-8 text", value=_as_written(bad_header[0]))
        _unique_names(header, names)
        notes.expected = len(header)
        present = [n for n in names if n in header]
        where = [header.index(n) for n in present]
        columns: list[list[str]] = [[] for _ in present]
        kept = 0
        for number, record in enumerate(records, start=1):
            if len(record) != len(header):
                if record:  # csv gives a blank line as [], arrow skips it
                    notes.rows.append(number)
                    notes.texts.append(_as_written(",".join(record)))
                continue
            for column, name, at in zip(columns, present, where, strict=True):
                cell = record[at]
                if not cell.isascii() and _as_written(cell) != cell:
                    notes.flag(name, f"{name} {RejectRule.UTF8}", kept, _as_written(cell))
                    cell = _as_written(cell)
                column.append(cell)
            kept += 1
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(present, columns, strict=True)})
    return table, notes


def _header(path: Path) -> list[str]:
    """The header's column names, read with Python's :mod:`csv` (as arrow names them).

    Read apart from arrow: arrow cannot report a malformed line that is not UTF-8
    without printing a traceback, and the header is all that is wanted here.
    """
    try:
        with (
            _field_limit(),
            _open_bytes(path) as raw,
            io.TextIOWrapper(
                raw, encoding="utf-8-sig", errors="surrogateescape", newline=""
            ) as text,
        ):
            header = next((r for r in csv.reader(text) if r), None)  # arrow skips blank lines
    except (OSError, EOFError, zlib.error, csv.Error) as error:
        raise InputDataError(f"the file must be readable CSV ({error})") from None
    if not header:
        raise InputDataError("the input must have a header line and at least one row")
    for name in header:
        if not name.isascii() and _as_written(name) != name:
            raise InputDataError("the header must be UTF-8 text", value=_as_written(name))
    return header


def _typed_csv(path: Path, convert: Any, block: int) -> pa.Table:
    """The fast read, raising its block size as long as one field does not fit in a block."""
    import pyarrow.csv as pcsv

    while True:
        try:
            return pcsv.read_csv(
                path, read_options=pcsv.ReadOptions(block_size=block), convert_options=convert
            )
        except pa.ArrowInvalid as error:  # noqa: PERF203 - a retry, rarely more than once
            if "straddl" not in str(error) or block >= _CSV_MAX_BLOCK:
                raise
            block = min(block * 8, _CSV_MAX_BLOCK)


def _read_csv(
    path: Path,
    names: Sequence[str],
    date_format: str | None,
    *,
    lenient: bool,
) -> tuple[pa.Table, _Malformed | None]:
    import pyarrow.csv as pcsv

    del lenient  # malformed lines are collected either way; strict mode raises the first
    magic = _sniff(path)
    if magic.startswith(_GZIP_MAGIC) and not _gzipped(path):
        raise InputDataError(
            "a gzip-compressed file must be named .gz (e.g. log.csv.gz)", value=path.name
        )
    header = _header(path)
    _unique_names(header, names)
    present = set(header)
    if not all(n in present for n in names[:3]):
        # Read nothing more: the checks name the missing column and the ones present.
        return pa.table({n: pa.array([], pa.string()) for n in header}), None
    date_name, numeric = names[1], set(names[2:])
    names = [n for n in names if n in present]

    def convert(date_type: Any) -> Any:
        types: dict[str, Any] = {name: pa.string() for name in names}
        if date_type is not None:
            types.update({name: pa.float64() for name in names if name in numeric})
            types[date_name] = date_type
        return pcsv.ConvertOptions(
            column_types=types,
            include_columns=list(names),
            timestamp_parsers=[date_format] if date_format else None,
            null_values=[""],  # "nan" must reach the finite-number rule, not become null
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    # Fast path: typed, multithreaded; any parse problem falls back to strings. Plain
    # ISO dates (as in the first block) parse straight to date32, else as timestamps.
    # Arrow's own date and timestamp parsers refuse impossible days and times, and
    # zone offsets (a zoned log takes the text path, which keeps the local day).
    # Blocks of a few MB: the engine works on the chunks as they come (not too small),
    # and two cores still share many blocks.
    # With a date format the dates stay text here: the rules parse and check them.
    date_types = [pa.timestamp("s")] if date_format is None else [pa.string()]
    if date_format is None and _plain_dates(path, date_name):
        date_types.insert(0, pa.date32())
    for date_type in date_types:
        try:
            table = _typed_csv(path, convert(date_type), _CSV_BLOCK)
        except pa.ArrowInvalid as error:  # noqa: PERF203 - at most two attempts
            if "Empty CSV file" in str(error):
                raise _csv_error(error) from None
        except (OSError, EOFError, zlib.error) as error:
            raise InputDataError(f"the file must be readable ({error})") from None
        else:
            notes = _Malformed()
            notes.cell_text = _cell_reader(path, names)
            return table, notes
    return _read_csv_slowly(path, names, date_format)


def _read_csv_slowly(
    path: Path, names: Sequence[str], date_format: str | None
) -> tuple[pa.Table, _Malformed]:
    """Every cell as text, one thread, malformed lines collected (the error path)."""
    import pyarrow.csv as pcsv

    del date_format  # the text is parsed by the rules, with the format
    if not _valid_utf8(path):
        return _read_csv_text(path, names)
    malformed = _Malformed()
    block = _CSV_BLOCK
    while True:
        try:
            with pcsv.open_csv(
                path,
                read_options=pcsv.ReadOptions(block_size=block),
                parse_options=pcsv.ParseOptions(invalid_row_handler=_skip_row),
                convert_options=pcsv.ConvertOptions(column_types={}, include_columns=[]),
            ) as head:
                header = list(head.schema.names)
            present = set(header)
            wanted = [n for n in names if n in present]
            table = pcsv.read_csv(
                path,
                read_options=pcsv.ReadOptions(use_threads=False, block_size=block),
                parse_options=pcsv.ParseOptions(invalid_row_handler=malformed),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in wanted},
                    include_columns=wanted,
                    null_values=[""],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as error:
            if "straddl" in str(error) and block < _CSV_MAX_BLOCK:
                block = min(block * 8, _CSV_MAX_BLOCK)
                malformed = _Malformed()
                continue
            raise _csv_error(error) from None
        except (OSError, EOFError, zlib.error) as error:
            raise InputDataError(f"the file must be readable ({error})") from None
        _unique_names(header, names)
        return table, malformed


def _cell_reader(
    path: Path, names: Sequence[str]
) -> Callable[[str, NDArray[np.intp]], list[str | None]]:
    """Cells as written of a typed read's column, read again as text when a row is rejected."""
    import pyarrow.csv as pcsv

    def cells(column: str, rows: NDArray[np.intp]) -> list[str | None]:
        if column not in names:
            return [None] * len(rows)
        text = _typed_csv(
            path,
            pcsv.ConvertOptions(
                column_types={column: pa.string()},
                include_columns=[column],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
            _CSV_BLOCK,
        )[column]
        return text.take(pa.array(rows)).to_pylist()  # type: ignore[no-any-return]

    return cells


def _plain_dates(path: Path, column: str) -> bool:
    """Whether the first block's dates are all plain ``YYYY-MM-DD`` (maybe padded)."""
    import pyarrow.csv as pcsv

    try:
        # No handler for malformed lines (arrow cannot hand it one that is not UTF-8):
        # such a line means text dates anyway.
        with pcsv.open_csv(
            path,
            convert_options=pcsv.ConvertOptions(
                column_types={column: pa.string()}, include_columns=[column]
            ),
        ) as reader:
            dates = reader.read_next_batch().column(0)
    except (pa.ArrowInvalid, StopIteration, OSError, EOFError, zlib.error, UnicodeDecodeError):
        return False
    plain = pc.match_substring_regex(dates, r"^\s*\d{4}-\d{2}-\d{2}\s*$")
    return len(dates) > 0 and bool(pc.all(plain).as_py())


def _read_parquet(path: Path, names: Sequence[str]) -> pa.Table:
    import pyarrow.parquet as pq

    if _sniff(path) != _PARQUET_MAGIC:
        raise InputDataError(
            "a .parquet file must hold Parquet data (is it CSV? name it .csv)", value=path.name
        )
    try:
        schema_names = list(pq.read_schema(path).names)
        _unique_names(schema_names, names)
        present = set(schema_names)
        return pq.read_table(path, columns=[n for n in names if n in present])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
        raise InputDataError(f"the file must be readable Parquet ({error})") from None


def _record_number(value: object) -> str | None:
    """A record's numeric field as text for the number rules, or None if it is not a number.

    Text keeps the value as given (``repr`` of a float is its shortest exact form, a
    ``Decimal`` its own digits); the text rules then parse it once, as for a CSV.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        return None
    return repr(value) if isinstance(value, float) else str(value)


def _decimal_too_precise(value: decimal.Decimal) -> bool:
    """Whether a finite ``Decimal`` has more significant digits than a float64 keeps."""
    if not value.is_finite() or not value:
        return False
    return len(value.normalize().as_tuple().digits) > _EXACT_DIGITS


def _records_table(  # noqa: PLR0912 - one branch per field and type
    records: Iterable[Transaction], names: Sequence[str]
) -> tuple[pa.Table, _Malformed]:
    """The records as text columns (the rules parse them as a CSV's); wrong types are flagged."""
    from custrel.report import Transaction

    notes = _Malformed()
    columns: dict[str, list[str | None]] = {name: [] for name in names}
    attribute = dict(zip(names, CANONICAL_COLUMNS, strict=False))
    recorded = set(names[:3])
    id_name, date_name = names[0], names[1]
    for row, record in enumerate(records):
        if not isinstance(record, Transaction):
            raise InputDataError(
                "an iterable source must yield custrel.report.Transaction records",
                row=row + 1,
                value=type(record).__name__,
            )
        for name in names:
            value = getattr(record, attribute[name])
            text: str | None
            if value is None:
                text = None
            elif name == id_name:
                if isinstance(value, str):
                    text = value
                elif isinstance(value, int) and not isinstance(value, bool):
                    text = str(value)
                else:
                    notes.flag(name, RejectRule.ID_TYPE, row, _shown(value))
                    text = "?"
            elif name == date_name:
                if isinstance(value, dt.date):
                    # A datetime counts on its own day as written, whatever its zone.
                    day = value.date() if isinstance(value, dt.datetime) else value
                    text = day.isoformat()
                else:
                    notes.flag(name, RejectRule.DATE_RECORD, row, _shown(value))
                    text = "1970-01-01"
            else:
                recorded.add(name)
                text = _record_number(value)
                if text is None:
                    rule = RejectRule.BOOLEAN if isinstance(value, bool) else RejectRule.NUMBER
                    notes.flag(name, f"{name} {rule}", row, _shown(value))
                    text = "0"
                elif isinstance(value, decimal.Decimal) and _decimal_too_precise(value):
                    notes.flag(name, f"{name} {RejectRule.DIGITS}", row, str(value))
                    text = "0"
            columns[name].append(text)
    # An optional field left as None in every record was not recorded at all.
    table = pa.table(
        {
            name: pa.array(values, type=pa.string())
            for name, values in columns.items()
            if name in recorded
        }
    )
    return table, notes


def _shown(value: object) -> str:
    """A cell of another type than expected, as text for the rejects (never huge)."""
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _pandas_column(series: Any, name: str, kind: str, notes: _Malformed) -> pa.Array:
    """A mixed-type object column as text, each cell kept as written; other types flagged.

    ``kind`` is ``id``, ``date`` or ``number``: ids may be text or integers, dates text,
    dates or timestamps, numbers text or numbers (never booleans).
    """
    values: list[str | None] = []
    for row, v in enumerate(series.tolist()):
        text: str | None = None
        if v is None or (isinstance(v, float) and math.isnan(v)):
            values.append(None)
            continue
        if isinstance(v, str):
            text = v
        elif kind == "number":
            text = _record_number(v)
        elif isinstance(v, bool):
            text = None
        elif kind == "id" and isinstance(v, int):
            text = str(v)
        elif kind == "date" and isinstance(v, (dt.date, dt.datetime)):
            text = str(v)  # a date or a timestamp (its own day, as written)
        if text is None:
            rule = {
                "id": RejectRule.ID_TYPE,
                "date": RejectRule.DATE_TYPE,
                "number": f"{name} "
                + (RejectRule.BOOLEAN if isinstance(v, bool) else RejectRule.NUMBER),
            }[kind]
            notes.flag(name, rule, row, _shown(v))
            text = "0" if kind == "number" else "?" if kind == "id" else "1970-01-01"
        values.append(text)
    return pa.array(values, type=pa.string())


def _pandas_table(frame: Any, names: Sequence[str]) -> tuple[pa.Table, _Malformed]:
    notes = _Malformed()
    labels = [str(c) for c in frame.columns]
    _unique_names(labels, names)
    wanted = set(names)
    columns: dict[str, pa.Array] = {}
    for column, name in zip(frame.columns, labels, strict=True):
        if name not in wanted:
            continue
        try:
            columns[name] = pa.array(frame[column], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            kind = "id" if name == names[0] else "date" if name == names[1] else "number"
            columns[name] = _pandas_column(frame[column], name, kind, notes)
    if not columns:
        return pa.table({name: pa.array([], pa.string()) for name in labels}), notes
    return pa.table(columns), notes


def read_source(  # noqa: PLR0911 - one return per kind of source
    source: object, names: Sequence[str], date_format: str | None, *, lenient: bool
) -> tuple[pa.Table, _Malformed | None]:
    """Read ``source`` into an arrow table holding (at most) the columns ``names``.

    Raises:
        InputDataError: the source cannot be read (its kind, its bytes, its header).
        InvalidValue: two fields map to one column.
    """
    _check_map(names)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputDataError("the input must be an existing file", value=str(path))
        suffixes = [s.lower() for s in path.suffixes]
        if suffixes and suffixes[-1] in {".parquet", ".pq"}:
            return _read_parquet(path, names), None
        return _read_csv(path, names, date_format, lenient=lenient)
    if isinstance(source, pa.Table):
        _unique_names(source.column_names, names)
        return source, None
    if isinstance(source, pa.RecordBatch):
        _unique_names(source.schema.names, names)
        return pa.Table.from_batches([source]), None
    module = type(source).__module__.split(".")[0]
    if module == "pandas" and hasattr(source, "columns"):
        return _pandas_table(source, names)
    if module == "polars":
        if type(source).__name__ == "LazyFrame":
            raise InputDataError(
                "a polars LazyFrame must be collected first (pass frame.collect())",
                value="LazyFrame",
            )
        if hasattr(source, "to_arrow") and hasattr(source, "columns"):
            return source.to_arrow(), None
    if (
        isinstance(source, Iterable)
        and not isinstance(source, (str, bytes, dict))
        and module not in {"pandas", "polars"}
    ):
        return _records_table(source, names)
    raise InputDataError(
        "the source must be a CSV or Parquet path, a pandas or polars DataFrame, a pyarrow "
        "Table, or an iterable of Transaction records",
        value=type(source).__name__,
    )


# --- validation --------------------------------------------------------------


def _text(array: Any) -> Any:
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array
    if pa.types.is_dictionary(array.type):
        return _text(array.cast(array.type.value_type))
    return array.cast(pa.string())


def _bool(array: Any) -> NDArray[np.bool_]:
    filled = pc.fill_null(array, False) if array.null_count else array
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


Checks = list[tuple[str, Any, str]]


def _numeric(array: Any, column: str, checks: Checks, *, required: bool) -> Any:
    """Float64 values of ``array`` (chunked, no nulls); broken rules are appended to ``checks``.

    Booleans, decimals and large integers are first put in the shape the number rules
    read (see :func:`_amount_cells`); then text is parsed, missing optional cells count
    as 0, and every value must be finite and not negative.
    """
    array = _amount_cells(array, column, checks)
    kind = array.type
    missing = array.is_null() if array.null_count else None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        blank = pc.match_substring_regex(array, r"^\s*$")
        missing = blank if missing is None else pc.or_(missing, blank)
        number = pc.match_substring_regex(array, _NUMBER)
        non_finite = pc.match_substring_regex(array, _NON_FINITE, ignore_case=True)
        bad = pc.invert(pc.or_(pc.or_(number, non_finite), missing))
        checks.append((column, bad, f"{column} {RejectRule.NUMBER}"))
        usable = pc.or_(number, non_finite)
        array = pc.if_else(usable, pc.utf8_trim_whitespace(array), "0")
    elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        raise InputDataError(
            f"{column} must hold numbers or text", column=column, value=f"a column of {kind}"
        )
    if missing is not None:
        if required:
            checks.append((column, missing, f"{column} must be present"))
        # Decision: an empty optional cell means "not recorded" and counts as 0.
        array = (
            pc.if_else(missing, pa.scalar(0.0, array.type), array)
            if not (pa.types.is_string(kind) or pa.types.is_large_string(kind))
            else pc.if_else(missing, "0", array)
        )
    try:
        values = pa.chunked_array(pc.cast(array, pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InputDataError(RejectRule.NUMBER, column=column, value=str(array.type)) from None
    finite = pc.is_finite(values)
    checks.append((column, pc.invert(finite), f"{column} {RejectRule.FINITE}"))
    negative = pc.and_(finite, pc.less(values, 0.0))
    checks.append((column, negative, f"{column} {RejectRule.NON_NEGATIVE}"))
    return values


# The amount cells' own rules live apart from the number rules above, so that the
# engine's representation of money can change without touching the reading.


def _amount_cells(array: Any, column: str, checks: Checks) -> Any:
    """A numeric column in a shape the number rules read: text, integers or floats.

    - booleans are refused row by row (true/false is not an amount);
    - decimals become their exact text, and those with more significant digits than a
      float64 keeps are refused (never rounded in silence);
    - integers beyond 2**53 (where a float64 starts skipping integers) are refused.
    """
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
        kind = array.type
    if pa.types.is_boolean(kind):
        checks.append((column, array.is_valid(), f"{column} {RejectRule.BOOLEAN}"))
        return pc.cast(array, pa.float64())
    if pa.types.is_decimal(kind):
        text = pc.cast(array, pa.string())
        digits = pc.utf8_rtrim(
            pc.utf8_ltrim(pc.replace_substring_regex(text, r"[-+.]", ""), characters="0"),
            characters="0",
        )
        too_long = pc.greater(pc.utf8_length(digits), _EXACT_DIGITS)
        checks.append((column, pc.fill_null(too_long, False), f"{column} {RejectRule.DIGITS}"))
        return pc.if_else(pc.fill_null(too_long, False), "0", text)
    if pa.types.is_integer(kind) and kind.bit_width == 64:
        limit = 1 << 53
        wide = (
            pc.greater(pc.abs_checked(array), limit)
            if pa.types.is_signed_integer(kind)
            else pc.greater(array, limit)
        )
        if pc.any(wide).as_py():
            checks.append((column, pc.fill_null(wide, False), f"{column} {RejectRule.DIGITS}"))
            return pc.if_else(wide, pa.scalar(0, kind), array)
    return array


def _calendar(text: Any, column: str, date_format: str | None, checks: Checks) -> Any:
    """Timestamps of date text; a day rolled by the parser (30 February) is a broken rule."""
    present = pc.invert(pc.fill_null(pc.match_substring_regex(text, r"^\s*$"), True))
    checks.append((column, pc.invert(present), RejectRule.DATE_MISSING))
    if date_format is None:
        shaped = pc.fill_null(pc.match_substring_regex(text, _ISO), False)
        head = pc.if_else(
            shaped, pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(text), 0, 10), "1970-01-01"
        )
        parsed = pc.strptime(head, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 30 February into March: the day written must be the day parsed.
        written = pc.cast(pc.utf8_slice_codeunits(head, 8, 10), pa.int64())
        real = pc.and_(shaped, pc.fill_null(pc.equal(pc.day(parsed), written), False))
        checks.append((column, pc.and_(present, pc.invert(real)), RejectRule.DATE_ISO))
        return parsed
    rule = RejectRule.DATE_FORMAT.format(fmt=date_format)
    if "%z" in date_format:
        # Arrow would move a zoned time to UTC; the day as written is the rule.
        parsed = _python_dates(text, date_format)
    else:
        parsed = pc.strptime(text, format=date_format, unit="s", error_is_null=True)
        parsed = _unroll(text, parsed, date_format)
    checks.append((column, pc.and_(present, parsed.is_null()), rule))
    return parsed


def _unroll(text: Any, parsed: Any, date_format: str) -> Any:
    """``parsed`` with nulls where arrow's strptime rolled an impossible date or second.

    Arrow checks the fields' ranges but rolls a day the month lacks (30 February ->
    1 March) and a 60th second into the next day, so only parses landing on days 1-3
    (or on midnight, when the format has seconds) can be wrong. Their distinct texts
    are checked with Python's strptime, which refuses impossible dates and times.
    """
    valid = pc.fill_null(parsed.is_valid(), False)
    suspect = pc.less_equal(pc.day(parsed), _ROLL_DAY_LIMIT)
    if any(code in date_format for code in ("%S", "%T", "%c", "%X")):
        midnight = pc.and_(
            pc.and_(pc.equal(pc.hour(parsed), 0), pc.equal(pc.minute(parsed), 0)),
            pc.equal(pc.second(parsed), 0),
        )
        suspect = pc.or_(suspect, midnight)
    suspect = pc.and_(valid, pc.fill_null(suspect, False))
    if not pc.any(suspect).as_py():
        return parsed
    distinct = pc.unique(text.filter(suspect)).to_pylist()
    wrong = [cell for cell in distinct if _strptime(cell, date_format) is None]
    if not wrong:
        return parsed
    rolled = pc.is_in(text, value_set=pa.array(wrong, pa.string()))
    return pc.if_else(rolled, pa.scalar(None, parsed.type), parsed)


def _strptime(cell: str | None, date_format: str) -> dt.datetime | None:
    """The cell parsed by Python's strptime (the day and time as written), or None."""
    if cell is None:
        return None
    try:
        when = dt.datetime.strptime(cell.strip(), date_format)
    except ValueError:
        return None
    return when.replace(tzinfo=None)


def _python_dates(text: Any, date_format: str) -> Any:
    """Timestamps (the day and time as written) of text parsed by Python's strptime."""
    distinct = pc.unique(text)
    values = [_strptime(cell, date_format) for cell in distinct.to_pylist()]
    lookup = pa.array(values, pa.timestamp("s"))
    return pc.take(lookup, pc.index_in(text, value_set=distinct))


def _days(array: Any, column: str, date_format: str | None, checks: Checks) -> Any:
    """Day numbers of ``array`` as chunked int32 (no nulls); broken rules go to ``checks``.

    A timestamp counts on its own calendar day as written: a zoned one on its local
    day (the zone's offset is not applied), the rule `custrel.lifecycle.derive` follows.
    """
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        array = _calendar(_text(array), column, date_format, checks)
        kind = array.type
    elif not (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
        raise InputDataError(RejectRule.DATE_TYPE, column=column, value=f"a column of {kind}")
    elif array.null_count:
        checks.append((column, array.is_null(), RejectRule.DATE_MISSING))
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        array = pc.local_timestamp(array)
    days = pa.chunked_array(
        pc.fill_null(pc.cast(array, pa.date32()), 0)
        if array.null_count
        else pc.cast(array, pa.date32())
    ).cast(pa.int32())
    span = pc.min_max(days)
    low, high = span["min"].as_py(), span["max"].as_py()
    if low is not None and (low < _FIRST_DAY or high > _LAST_DAY):
        outside = pc.or_(pc.less(days, _FIRST_DAY), pc.greater(days, _LAST_DAY))
        checks.append((column, outside, RejectRule.DATE_RANGE))
        days = pc.if_else(outside, 0, days)
    return days


class Ingested:
    """Accepted rows as numpy columns, plus every rejected row.

    Attributes:
        ids: the distinct customer ids (an arrow string array), indexed by ``code``.
        code: dense customer code per accepted row.
        rows: day number (days since 1970-01-01), amount and the optional numeric
            columns present, per accepted row, as views on the input's chunks.
        rows_read: data rows read, including malformed lines.
        rejects: arrow table (row, column, value, rule), sorted by row.
        ids_sorted: whether ``ids`` are in sorted order (codes then follow the ids').
    """

    def __init__(
        self,
        ids: Any,
        code: NDArray[np.int32],
        rows: Pieces,
        rows_read: int,
        rejects: pa.Table,
        *,
        ids_sorted: bool = False,
    ) -> None:
        """Hold the accepted columns and the rejects."""
        self.ids = ids
        self.code = code
        self.rows = rows
        self.rows_read = rows_read
        self.rejects = rejects
        self.ids_sorted = ids_sorted


def _fill(out: NDArray[np.int32], chunks: Any) -> None:
    """Copy int32 arrow chunks into ``out`` one after another, without a concatenation."""
    at = 0
    for chunk in chunks:
        out[at : at + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
        at += len(chunk)


def _encode(chunks: Any, kind: Any) -> tuple[Any, Any]:
    """The distinct values and the per-chunk int32 indices of ``chunks`` (nulls stay null)."""
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=kind))
    dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], kind)
    indices = pa.chunked_array([c.indices for c in encoded.chunks], type=pa.int32())
    return dictionary, indices


def _packed(ids: Any) -> tuple[Any, int] | None:
    """The ids as uint64 keys when every id has the same byte length, 1 to 8, and none is null.

    Hashing integers is several times cheaper than hashing strings, and real ids are
    often fixed-width codes (``C0012345``, zero-padded numbers). The packing (the id's
    bytes, zero-padded to 8) is one-to-one, so the distinct keys come out in the same
    first-appearance order as the distinct strings would. ``None`` when it does not apply.
    """
    if ids.null_count or not len(ids):
        return None
    width = 0
    parts = []
    for chunk in ids.chunks:
        m = len(chunk)
        if not m:
            continue
        buffers = chunk.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int32, count=m + 1, offset=chunk.offset * 4)
        start = int(offsets[0])
        if not width:
            width = (int(offsets[-1]) - start) // m
            if not 1 <= width <= _PACKED_WIDTH:
                return None
        if int(offsets[-1]) - start != m * width or bool((np.diff(offsets) != width).any()):
            return None
        if width == _PACKED_WIDTH and start % _PACKED_WIDTH == 0:
            parts.append(
                pa.Array.from_buffers(pa.uint64(), m, [None, buffers[2].slice(start, m * width)])
            )
            continue
        data = np.frombuffer(buffers[2], dtype=np.uint8, count=m * width, offset=start)
        padded = np.zeros((m, _PACKED_WIDTH), dtype=np.uint8)
        padded[:, :width] = data.reshape(m, width)
        parts.append(pa.array(padded.view(np.uint64).reshape(m)))
    return pa.chunked_array(parts, type=pa.uint64()), width


def _unpack(keys: Any, width: int) -> Any:
    """The string ids of packed uint64 ``keys`` (see :func:`_packed`)."""
    values = np.asarray(keys.to_numpy(zero_copy_only=False), dtype=np.uint64)
    data = np.ascontiguousarray(
        values.view(np.uint8).reshape(len(values), _PACKED_WIDTH)[:, :width]
    )
    offsets = np.arange(0, (len(values) + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


class _DenseKeys:
    """An order-preserving, one-to-one map from packed fixed-width ids to small integers.

    Every id's byte ``i`` lies between the smallest and the largest byte ``i`` of all
    ids (packed in ``floor`` and ``ceiling``). Subtracting ``floor`` leaves each byte a
    digit below ``radix`` (one more than the widest byte range), and the digits read
    with the first byte most significant give the key: the keys sort as the ids do
    (byte-wise, as arrow sorts strings) and span ``size`` values. Bytes that never
    vary at the end are shifted out first, so they do not widen the span.
    """

    def __init__(self, floor: int, ceiling: int) -> None:
        """The key layout for ids whose packed bytes lie between ``floor`` and ``ceiling``'s."""
        spread = (ceiling - floor).to_bytes(8, "little")  # byte-wise: no borrows
        self.floor = np.uint64(floor)
        self.radix = max(spread) + 1
        trailing = 0
        while trailing < _PACKED_WIDTH - 1 and spread[_PACKED_WIDTH - 1 - trailing] == 0:
            trailing += 1
        self.shift = np.uint64(8 * trailing)
        top = np.array([ceiling], dtype=np.uint64)
        self.size = int(self.keys(top, np.empty_like(top), np.empty_like(top))[0]) + 1

    def keys(
        self, packed: NDArray[np.uint64], values: NDArray[np.uint64], scratch: NDArray[np.uint64]
    ) -> NDArray[np.uint64]:
        """The keys of packed ids, computed in ``values`` (``scratch``: a buffer of that shape)."""
        np.subtract(packed, self.floor, out=values)
        if self.shift:
            values <<= self.shift
        factor = self.radix
        for shift, lanes in _LANES:
            np.right_shift(values, np.uint64(shift), out=scratch)
            scratch &= lanes
            values &= lanes
            values *= np.uint64(factor)
            values += scratch
            factor *= factor
        return values

    def packed(self, keys: NDArray[np.int64]) -> NDArray[np.uint64]:
        """The packed ids of ``keys`` (the inverse of :meth:`keys`)."""
        out = np.zeros(len(keys), dtype=np.uint64)
        # Signed division is the fast one; keys past int64 (not from the lookup path) need not be.
        rest = keys.astype(np.int64 if self.size <= 2**63 else np.uint64)
        quotient, digit = np.empty_like(rest), np.empty_like(rest)
        for byte in range(_PACKED_WIDTH - 1, -1, -1):
            np.floor_divide(rest, self.radix, out=quotient)
            np.multiply(quotient, self.radix, out=digit)
            np.subtract(rest, digit, out=digit)
            digit <<= 8 * byte
            out |= digit.view(np.uint64)
            rest, quotient = quotient, rest
        out >>= self.shift
        out += self.floor
        return out


def _byte_range(arrays: list[NDArray[np.uint64]]) -> tuple[int, int]:
    """The smallest and the largest byte at each of the 8 positions, packed as two ints.

    Reduced over wide rows of 512 ids at a time (a long inner loop), then folded to 8.
    """
    low = np.full(_PACKED_WIDTH, 255, dtype=np.uint8)
    high = np.zeros(_PACKED_WIDTH, dtype=np.uint8)
    for array in arrays:
        data = array.view(np.uint8)
        wide = len(array) // 512 * 512 * _PACKED_WIDTH
        for part, row in ((data[:wide], 512 * _PACKED_WIDTH), (data[wide:], _PACKED_WIDTH)):
            if len(part):
                rows = part.reshape(-1, row)
                np.minimum(low, rows.min(axis=0).reshape(-1, _PACKED_WIDTH).min(axis=0), out=low)
                np.maximum(high, rows.max(axis=0).reshape(-1, _PACKED_WIDTH).max(axis=0), out=high)
    return int(low.view(np.uint64)[0]), int(high.view(np.uint64)[0])


def _dense_codes(keys: Any, width: int) -> tuple[Any, NDArray[np.int32]] | None:
    """Codes in id order for packed fixed-width ids, by a lookup table; None if too sparse.

    Where the ids' dense keys (:class:`_DenseKeys`) span few values, a table indexed by
    key replaces the hash table: mark the keys present, number them in key order, look
    each row's number up. The codes come out in id order, so the ids need no sort.
    Large inputs work chunk by chunk (cache-sized) in two threads.
    """
    from concurrent.futures import ThreadPoolExecutor

    arrays = [
        np.asarray(c.to_numpy(zero_copy_only=False), dtype=np.uint64) for c in keys.chunks if len(c)
    ]
    n = sum(len(a) for a in arrays)
    layout = _DenseKeys(*_byte_range(arrays))
    if layout.size > min(max(_DENSE_KEYS_PER_ROW * n, _DENSE_MIN_KEYS), _DENSE_MAX_KEYS):
        return None
    key = np.empty(n, dtype=np.int32)
    bounds = list(itertools.pairwise(np.cumsum([0, *(len(a) for a in arrays)]).tolist()))
    present = np.zeros(layout.size, dtype=bool)

    def mark(part: range) -> None:
        widest = max((len(arrays[i]) for i in part), default=0)
        values, scratch = np.empty(widest, np.uint64), np.empty(widest, np.uint64)
        for i in part:
            a, b = bounds[i]
            key[a:b] = layout.keys(arrays[i], values[: b - a], scratch[: b - a])
            present[key[a:b]] = True  # the same value from either thread

    number = np.empty(layout.size, dtype=np.int32)

    def look_up(part: range) -> None:
        for i in part:
            a, b = bounds[i]
            np.take(number, key[a:b], out=key[a:b], mode="clip")  # keys < size: no clipping

    middle = np.searchsorted(np.cumsum([len(a) for a in arrays]), n // 2)
    halves = [range(middle), range(middle, len(arrays))]
    with ThreadPoolExecutor(max_workers=2 if n >= _THREADED_ROWS else 1) as pool:
        list(pool.map(mark, halves))
        distinct = np.flatnonzero(present)
        number[distinct] = np.arange(len(distinct), dtype=np.int32)
        list(pool.map(look_up, halves))
    return _unpack(pa.array(layout.packed(distinct)), width), key


def _factorize(ids: Any) -> tuple[Any, NDArray[np.int32], NDArray[np.bool_] | None, bool]:
    """Dense int32 codes for the ids, with the distinct ids, missing rows and sortedness.

    Returns the distinct ids, each row's code, the rows missing an id (or None) and
    whether the distinct ids come sorted.

    Fixed-width ids of up to 8 bytes whose keys span few values are numbered by a
    lookup table, in id order (:func:`_dense_codes`); other fixed-width ids are hashed
    as integers (:func:`_packed`), the rest as strings, numbered in order of first
    appearance. Large inputs hash two halves in two threads, then merge the dictionaries.
    """
    from concurrent.futures import ThreadPoolExecutor

    if isinstance(ids, pa.Array):
        ids = pa.chunked_array([ids])
    ids = ids.cast(pa.string())
    n = len(ids)
    packed = _packed(ids)
    kind = pa.string()
    if packed is not None:
        ids, width = packed
        kind = pa.uint64()
        dense = _dense_codes(ids, width)
        if dense is not None:
            return dense[0], dense[1], None, True
    if n < _THREADED_ROWS or ids.num_chunks < 2:
        dictionary, indices = _encode(ids.chunks, kind)
        halves = [indices]
        remap = None
    else:
        # Split by rows so both halves weigh the same whatever the chunking.
        half = n // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            (dictionary, left), (right_dictionary, right) = pool.map(
                _encode, [ids.slice(0, half).chunks, ids.slice(half).chunks], [kind, kind]
            )
        position = pc.index_in(right_dictionary, value_set=dictionary)
        fresh = np.asarray(position.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        remap = np.array(pc.fill_null(position, 0).to_numpy(), dtype=np.int32)
        remap[fresh] = len(dictionary) + np.arange(int(fresh.sum()), dtype=np.int32)
        dictionary = pa.concat_arrays([dictionary, right_dictionary.filter(pa.array(fresh))])
        halves = [left, right]
    del ids
    if packed is not None:
        dictionary = _unpack(dictionary, width)
    code = np.empty(n, dtype=np.int32)
    null = None
    at = 0
    for index, half_indices in enumerate(halves):
        indices = half_indices
        part = code[at : at + len(indices)]
        if indices.null_count:
            if null is None:
                null = np.zeros(n, dtype=bool)
            null[at : at + len(indices)] = ~np.asarray(
                indices.is_valid().to_numpy(zero_copy_only=False), dtype=bool
            )
            indices = pc.fill_null(indices, 0)
        _fill(part, indices.chunks)
        if index and remap is not None and len(remap):
            # (an empty remap means every id in this half was missing: nothing to map)
            np.take(remap, part, out=part)
        at += len(indices)
    return dictionary, code, null, False


def _empty_rejects() -> pa.Table:
    return pa.table(
        {
            "row": pa.array([], pa.int64()),
            "column": pa.array([], pa.string()),
            "value": pa.array([], pa.string()),
            "rule": pa.array([], pa.string()),
        }
    )


def validate(  # noqa: PLR0912, PLR0915 - the rules read best in one place
    table: pa.Table,
    names: ColumnMap,
    *,
    date_format: str | None,
    as_of: dt.date | None,
    strict: bool,
    malformed: _Malformed | None = None,
) -> Ingested:
    """Apply every rule to every row; return accepted columns and rejects.

    Raises:
        MissingColumn: a required column is absent.
        InputDataError: the input has no rows, or (strict) the first broken rule in
            file order.
    """
    available = table.column_names
    for required in (names.customer_id, names.date, names.amount):
        if required not in available:
            raise MissingColumn(required, available)
    n = table.num_rows
    notes = malformed
    n_malformed = len(notes.rows) if notes else 0
    if n + n_malformed == 0:
        raise InputDataError("the input must have at least one data row")
    checks: Checks = []
    # Cells the reader found broken come first: their rule is the reason for the row.
    given: dict[int, dict[int, str]] = {}
    for flag in notes.flags.values() if notes else ():
        mask = np.zeros(n, dtype=bool)
        mask[flag.rows] = True
        given[len(checks)] = dict(zip(flag.rows, flag.texts, strict=True))
        checks.append((flag.column, mask, flag.rule))

    # Customer ids: factorise first, then check the (much smaller) dictionary.
    raw_id = table[names.customer_id]
    id_kind = raw_id.type.value_type if pa.types.is_dictionary(raw_id.type) else raw_id.type
    if not (
        pa.types.is_string(id_kind)
        or pa.types.is_large_string(id_kind)
        or pa.types.is_integer(id_kind)
        or pa.types.is_floating(id_kind)
    ):
        # A column of lists, booleans, ...: every row names its customer wrongly.
        checks.append((names.customer_id, np.ones(n, dtype=bool), RejectRule.ID_TYPE))
        raw_id = pa.chunked_array([pa.array(["?"] * n, pa.string())])
    elif pa.types.is_floating(id_kind):
        nan_id = pc.is_nan(pc.fill_null(raw_id, 0.0))
        checks.append((names.customer_id, nan_id, RejectRule.ID_MISSING))
    dictionary, code, null_id, ids_sorted = _factorize(_text(raw_id))
    bad_entry = _bool(_missing_ids(dictionary))
    if null_id is not None:
        checks.append((names.customer_id, null_id, RejectRule.ID_MISSING))
    if bad_entry.any():
        checks.append((names.customer_id, bad_entry[code], RejectRule.ID_MISSING))

    day = _days(table[names.date], names.date, date_format, checks)
    if as_of is not None:
        late = pc.greater(day, _day_number(as_of))
        checks.append((names.date, late, RejectRule.DATE_AFTER.format(as_of=as_of)))
    amount = _numeric(table[names.amount], names.amount, checks, required=True)
    extra: dict[str, Any] = {}
    for field in OPTIONAL_NUMERIC:
        column = getattr(names, field)
        if column in available:
            extra[field] = _numeric(table[column], column, checks, required=False)

    reason = _first_reasons(checks, n)
    sums = {names.amount: amount} | {getattr(names, k): v for k, v in extra.items()}
    overflow = _overflowing(sums, code, reason, dictionary)
    if overflow is not None:
        column, hit, rule, at = overflow
        if strict or hit is None:
            raise InputDataError(
                rule,
                row=int(_row_numbers(np.array([at]), n, notes)[0]),
                column=column,
                value=_cells(table, column, np.array([at]), notes)[0],
            )
        if reason is None:
            reason = np.full(n, -1, dtype=np.int16)
        reason[(reason < 0) & hit] = len(checks)
        checks.append((column, hit, rule))
    bad_rows = np.flatnonzero(reason >= 0) if reason is not None else np.zeros(0, np.int64)

    rejects = _empty_rejects()
    if len(bad_rows) or n_malformed:
        parts = []
        if strict:
            # Only the first in file order is reported: the first bad row, or a
            # malformed line before it; read no other cell (a typed read reads again).
            bad_rows = bad_rows[:1]
        if len(bad_rows) and reason is not None:
            which = reason[bad_rows]
            values: list[str | None] = [None] * len(bad_rows)
            for index in np.unique(which).tolist():
                places = np.flatnonzero(which == index)
                at_rows = bad_rows[places]
                column = checks[index][0]
                if index in given:
                    texts: list[str | None] = [given[index][r] for r in at_rows.tolist()]
                else:
                    texts = _cells(table, column, at_rows, notes)
                for i, text in zip(places.tolist(), texts, strict=True):
                    values[i] = text
            parts.append(
                pa.table(
                    {
                        "row": pa.array(_row_numbers(bad_rows, n, notes), pa.int64()),
                        "column": pa.array([checks[i][0] for i in which.tolist()], pa.string()),
                        "value": pa.array(values, pa.string()),
                        "rule": pa.array([checks[i][2] for i in which.tolist()], pa.string()),
                    }
                )
            )
        if n_malformed and notes is not None:
            parts.append(
                pa.table(
                    {
                        "row": pa.array(notes.rows, pa.int64()),
                        "column": pa.array([None] * n_malformed, pa.string()),
                        "value": pa.array(notes.texts, pa.string()),
                        "rule": pa.array(
                            [RejectRule.FIELDS.format(n=notes.expected)] * n_malformed,
                            pa.string(),
                        ),
                    }
                )
            )
        rejects = pa.concat_tables(parts).sort_by("row")
        if strict:
            first_reject = rejects.slice(0, 1).to_pylist()[0]
            raise InputDataError(
                first_reject["rule"],
                row=first_reject["row"],
                column=first_reject["column"],
                value=first_reject["value"],
            )
        if as_of is None and len(bad_rows) == n:
            # Nothing left to infer as_of from: say so, handing the rejects on.
            raise NoRowsAccepted(n + n_malformed, rejects)

    ids = dictionary
    if len(bad_rows) and reason is not None:
        keep = reason < 0
        kept = pa.array(keep)
        code, day, amount = code[keep], day.filter(kept), amount.filter(kept)
        extra = {k: v.filter(kept) for k, v in extra.items()}
        # Dense codes over the customers that kept at least one row.
        used = np.bincount(code, minlength=len(ids)) > 0
        if not used.all():
            remap = (np.cumsum(used) - 1).astype(np.int32)
            code = remap[code]
            ids = ids.filter(pa.array(used))
    rows = Pieces.of_chunks(_views(day), _views(amount), **{k: _views(v) for k, v in extra.items()})
    return Ingested(ids, code, rows, n + n_malformed, rejects, ids_sorted=ids_sorted)


def _missing_ids(ids: Any) -> Any:
    """Which ids mean "no id": blank, or a null marker of `MISSING_IDS` in any case.

    The columnar form of :func:`missing_id`
    (``test_missing_ids_are_one_rule_on_every_path`` holds the two together).
    """
    marker = pc.utf8_lower(pc.utf8_trim_whitespace(ids))
    return pc.or_(
        pc.match_substring_regex(ids, r"^\s*$"),
        pc.is_in(marker, value_set=pa.array(sorted(MISSING_IDS), pa.string())),
    )


def _first_reasons(checks: Checks, n: int) -> NDArray[np.int16] | None:
    """The first broken rule per row, in check order (-1: none); None when none is broken."""
    reason: NDArray[np.int16] | None = None
    for index, (_, mask, _) in enumerate(checks):
        if not isinstance(mask, np.ndarray) and not pc.any(mask).as_py():
            continue
        hit = mask if isinstance(mask, np.ndarray) else _bool(mask)
        if hit.any():
            if reason is None:
                reason = np.full(n, -1, dtype=np.int16)
            reason[(reason < 0) & hit] = index
    return reason


def _overflowing(
    columns: dict[str, Any], code: NDArray[np.int32], reason: NDArray[np.int16] | None, ids: Any
) -> tuple[str, NDArray[np.bool_] | None, str, int] | None:
    """A column whose sum over one customer's accepted rows is not finite, if any.

    Returns the column, the rows of the customers concerned, the rule naming the first
    of them, and the row at which that customer's running total first overflows. When
    every customer's total is finite but the whole log's is not, no row is to blame
    alone: the rows are ``None`` and the row is where the log's running total
    overflows. Only logs holding amounts near the float64 limit pay for the sums.
    """
    limit = np.finfo(np.float64).max
    for column, values in columns.items():
        if not len(values):
            continue
        top = pc.max(pc.abs(values)).as_py()
        if top is None or not math.isfinite(top) or top * len(code) <= limit:
            continue
        flat = values.to_numpy()
        ok = reason < 0 if reason is not None else np.ones(len(code), dtype=bool)
        with np.errstate(over="ignore", invalid="ignore"):
            sums = np.bincount(code[ok], weights=flat[ok], minlength=len(ids))
        broken = np.flatnonzero(~np.isfinite(sums))
        if not len(broken):
            with np.errstate(over="ignore"):
                running = np.cumsum(flat[ok])
            if math.isfinite(running[-1]):
                continue
            # No one customer to blame: the whole log's total is what cannot be held.
            at = int(np.flatnonzero(ok)[np.flatnonzero(~np.isfinite(running))[0]])
            return column, None, RejectRule.TOTAL_FINITE.format(column=column), at
        mask = ok & np.isin(code, broken)
        customer = int(broken[0])
        rows = np.flatnonzero(ok & (code == customer))
        with np.errstate(over="ignore"):
            running = np.cumsum(flat[rows])
        at = int(rows[np.flatnonzero(~np.isfinite(running))[0]])
        rule = RejectRule.SUM_FINITE.format(customer=str(ids[customer]))
        return column, mask, rule, at
    return None


def _cells(
    table: pa.Table, column: str, rows: NDArray[Any], notes: _Malformed | None
) -> list[str | None]:
    """The cells of ``column`` at table ``rows`` as written (as text), for the rejects."""
    array = table[column]
    if (
        notes is not None
        and notes.cell_text is not None
        and not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type))
    ):
        return notes.cell_text(column, rows)
    taken = array.take(pa.array(rows, pa.int64()))
    try:
        return pc.cast(taken, pa.string()).to_pylist()  # type: ignore[no-any-return]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return [None if v is None else _shown(v) for v in taken.to_pylist()]


def _views(column: Any) -> list[NDArray[Any]]:
    """Numpy views on the chunks of a chunked numeric column without nulls."""
    return [chunk.to_numpy(zero_copy_only=True) for chunk in column.chunks]


def _row_numbers(at: NDArray[np.intp], n: int, malformed: _Malformed | None) -> NDArray[np.int64]:
    """Data row numbers (header = row 0) of table rows ``at``, past skipped malformed lines."""
    if malformed is not None and malformed.rows:
        total = n + len(malformed.rows)
        number = np.setdiff1d(np.arange(1, total + 1), np.asarray(malformed.rows))[:n]
        return np.asarray(number[at], dtype=np.int64)
    return np.asarray(at, dtype=np.int64) + 1
