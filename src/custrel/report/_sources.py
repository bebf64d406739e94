"""Reading every kind of source into one arrow table of the mapped columns.

CSV (plain or gzip), Parquet, pandas and polars DataFrames, pyarrow tables and
iterables of `custrel.report.Transaction` records. A reader never changes
a value: what it cannot hand on as it is (a cell that is not UTF-8, a value of the
wrong type, a malformed line) it records with the cell as written, for the checks
in `custrel.report._ingest` to reject; what it cannot read at all is a typed error.
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
import numbers
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from custrel.errors import InputDataError, InvalidValue
from custrel.report import CANONICAL_COLUMNS, NO_AMOUNT
from custrel.report._rules import EXACT_DIGITS, RejectRule

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from custrel.report import Transaction

__all__ = [
    "WHITESPACE",
    "ReadNotes",
    "ReadTable",
    "check_dialect",
    "read_delimited",
    "read_source",
    "shown",
]

#: Bytes per block of the multithreaded CSV reader (a tuning knob, not a rule).
_CSV_BLOCK = 4 << 20
#: The largest block the CSV reader takes (arrow's limit: 2 GiB less a little).
_CSV_MAX_BLOCK = (1 << 31) - (1 << 20)
#: The largest integer from which a float64 still holds every integer (2**53).
_EXACT_INTEGER: Final = 1 << 53
_GZIP_MAGIC: Final = b"\x1f\x8b"
_PARQUET_MAGIC: Final = b"PAR1"


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


class ReadNotes:
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


class ReadTable:
    """A file already read into a table, with its notes: `read_source` hands both on.

    Attributes:
        table: the mapped columns as read.
        notes: the malformed lines and broken cells found on the way.
    """

    def __init__(self, table: pa.Table, notes: ReadNotes) -> None:
        """Hold the table and its notes."""
        self.table = table
        self.notes = notes


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
    """Let `csv` read fields of any size for the call, then restore its limit.

    NB: the limit is process-wide (the module offers no other); it is raised only
    while custrel reads, and only ever raised, so another reader at that moment can
    at worst accept a larger field than it asked for.
    """
    before = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _read_csv_text(path: Path, names: Sequence[str]) -> tuple[pa.Table, ReadNotes]:
    r"""Read a CSV holding bytes that are not UTF-8: each such cell rejects its row only.

    Arrow cannot hand such cells on (nor report a malformed line holding one), so
    this path (taken only then) reads with Python's `csv`, keeping the bytes as
    surrogates, flags every cell that is not UTF-8 with its bytes shown as ``\\xNN``,
    and leaves the other rows to the usual rules.
    """
    notes = ReadNotes()
    with (
        _field_limit(),
        _open_bytes(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="") as text,
    ):
        records = csv.reader(text)
        header = next(records, None)
        if header is None:
            raise InputDataError("the input must have a header line and at least one row")
        bad_header = [h for h in header if not h.isascii() and _as_written(h) != h]
        if bad_header:
            raise InputDataError(
                "the header must be UTF-8 text (or give --encoding)",
                value=_as_written(bad_header[0]),
            )
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
    """The header's column names, read with Python's `csv` (as arrow names them).

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
            raise InputDataError(
                "the header must be UTF-8 text (or give --encoding)", value=_as_written(name)
            )
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
) -> tuple[pa.Table, ReadNotes | None]:
    import pyarrow.csv as pcsv

    magic = _sniff(path)
    if magic.startswith(_GZIP_MAGIC) and not _gzipped(path):
        raise InputDataError(
            "a gzip-compressed file must be named .gz (e.g. log.csv.gz)", value=path.name
        )
    header = _header(path)
    _unique_names(header, names)
    present = set(header)
    if not all(n in present for n in names[:3] if n != NO_AMOUNT):
        # Read nothing more: the checks name the missing column and the ones present.
        return pa.table({n: pa.array([], pa.string()) for n in header}), None
    date_name = names[1]
    names = [n for n in names if n in present]

    def convert(date_type: Any) -> Any:
        # Numbers stay text: the checks need the cell as written to see digits a
        # float64 would drop (``1.00000000000000000001`` parses to 1.0).
        types: dict[str, Any] = {name: pa.string() for name in names}
        types[date_name] = date_type
        return pcsv.ConvertOptions(
            column_types=types,
            include_columns=list(names),
            timestamp_parsers=[date_format] if date_format else None,
            null_values=[""],  # an empty date is a missing one (text cells stay as written)
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    # Fast path: multithreaded, dates typed (numbers stay text, see above); a date
    # that does not parse, or a malformed line, falls back to strings. Plain ISO
    # dates (as in the first block) parse straight to date32, else as timestamps.
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
            notes = ReadNotes()
            notes.cell_text = _cell_reader(path, names)
            return table, notes
    return _read_csv_slowly(path, names, date_format)


def _read_csv_slowly(
    path: Path, names: Sequence[str], date_format: str | None
) -> tuple[pa.Table, ReadNotes]:
    """Every cell as text, one thread, malformed lines collected (the error path).

    A file that is not all UTF-8 is read by arrow without its UTF-8 check, and the
    cells that are not UTF-8 are flagged (`_flag_bytes`); only when such a file
    also has a malformed line (which arrow cannot hand on) does Python's `csv`
    read it (`_read_csv_text`).
    """
    import pyarrow.csv as pcsv

    del date_format  # the text is parsed by the rules, with the format
    header = _header(path)
    _unique_names(header, names)
    wanted = [n for n in names if n in set(header)]
    utf8 = _valid_utf8(path)
    notes = ReadNotes()
    block = _CSV_BLOCK
    while True:
        try:
            table = pcsv.read_csv(
                path,
                read_options=pcsv.ReadOptions(use_threads=False, block_size=block),
                parse_options=pcsv.ParseOptions(invalid_row_handler=notes if utf8 else None),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in wanted},
                    include_columns=wanted,
                    null_values=[""],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=utf8,
                ),
            )
        except pa.ArrowInvalid as error:
            if "straddl" in str(error) and block < _CSV_MAX_BLOCK:
                block = min(block * 8, _CSV_MAX_BLOCK)
                notes = ReadNotes()
                continue
            if not utf8:
                return _read_csv_text(path, names)
            raise _csv_error(error) from None
        except (OSError, EOFError, zlib.error) as error:
            raise InputDataError(f"the file must be readable ({error})") from None
        if not utf8:
            table = _flag_bytes(table, notes)
        return table, notes


def _flag_bytes(table: pa.Table, notes: ReadNotes) -> pa.Table:
    r"""``table`` with each cell that is not UTF-8 flagged and shown with ``\xNN`` escapes.

    Chunks that validate are kept as they are; only a chunk holding such a cell is
    looked at cell by cell.
    """
    columns = {}
    for name in table.column_names:
        chunks = []
        at = 0
        for chunk in table[name].chunks:
            try:
                chunk.validate(full=True)
            except pa.ArrowInvalid:
                cells = []
                for row, raw in enumerate(chunk.view(pa.binary()).to_pylist()):
                    text = raw.decode("utf-8", "backslashreplace")
                    if text.encode("utf-8") != raw:
                        notes.flag(name, f"{name} {RejectRule.UTF8}", at + row, text)
                    cells.append(text)
                chunk = pa.array(cells, pa.string())  # noqa: PLW2901 - the chunk, made valid
            chunks.append(chunk)
            at += len(chunk)
        columns[name] = pa.chunked_array(chunks, pa.string())
    return pa.table(columns)


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


def _is_boolean(value: object) -> bool:
    # numpy's boolean (named bool_ or bool) is no subclass of bool, and no number either.
    return isinstance(value, bool) or type(value).__name__ in {"bool", "bool_"}


def _record_number(value: object) -> str | None:
    """A record's numeric field as text for the number rules, or None if it is not a number.

    Text keeps the value as given (``repr`` of a float is its shortest exact form, a
    ``Decimal`` or an integer its own digits); the text rules then parse it once, as
    for a CSV. numpy scalars count as the numbers they are; booleans do not.
    """
    if _is_boolean(value):
        return None
    if isinstance(value, (numbers.Integral, decimal.Decimal)):
        return str(int(value)) if isinstance(value, numbers.Integral) else str(value)
    if isinstance(value, numbers.Real):
        return repr(float(value)) if float(value) == value else None
    return None


def _too_precise(value: object) -> bool:
    """Whether a number has more significant digits than a float64 keeps exactly.

    A ``Decimal`` may have at most `EXACT_DIGITS` significant digits, an integer be
    at most 2**53 in size (beyond, a float64 skips integers).
    """
    if isinstance(value, decimal.Decimal):
        if not value.is_finite() or not value:
            return False
        return len(value.normalize().as_tuple().digits) > EXACT_DIGITS
    if isinstance(value, numbers.Integral) and not _is_boolean(value):
        return abs(int(value)) > _EXACT_INTEGER
    return False


def _records_table(  # noqa: PLR0912 - one branch per field and type
    records: Iterable[Transaction], names: Sequence[str]
) -> tuple[pa.Table, ReadNotes]:
    """The records as text columns (the rules parse them as a CSV's); wrong types are flagged."""
    from custrel.report import Transaction

    notes = ReadNotes()
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
                    notes.flag(name, RejectRule.ID_TYPE, row, shown(value))
                    text = "?"
            elif name == date_name:
                if isinstance(value, dt.date):
                    # A datetime counts on its own day as written, whatever its zone.
                    day = value.date() if isinstance(value, dt.datetime) else value
                    text = day.isoformat()
                else:
                    notes.flag(name, RejectRule.DATE_RECORD, row, shown(value))
                    text = "1970-01-01"
            else:
                recorded.add(name)
                text = _record_number(value)
                if text is None:
                    rule = RejectRule.BOOLEAN if _is_boolean(value) else RejectRule.NUMBER
                    notes.flag(name, f"{name} {rule}", row, shown(value))
                    text = "0"
                elif _too_precise(value):
                    notes.flag(name, f"{name} {RejectRule.DIGITS}", row, text)
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


def shown(value: object) -> str:
    """A cell of another type than expected, as text for the rejects (never huge)."""
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _pandas_column(series: Any, name: str, kind: str, notes: ReadNotes) -> pa.Array:
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
            if text is not None and _too_precise(v):
                notes.flag(name, f"{name} {RejectRule.DIGITS}", row, text)
                text = "0"
        elif _is_boolean(v):
            text = None
        elif kind == "id" and isinstance(v, numbers.Integral):
            text = str(v)
        elif kind == "date" and isinstance(v, (dt.date, dt.datetime)):
            text = str(v)  # a date or a timestamp (its own day, as written)
        if text is None:
            rule = {
                "id": RejectRule.ID_TYPE,
                "date": RejectRule.DATE_TYPE,
                "number": f"{name} "
                + (RejectRule.BOOLEAN if _is_boolean(v) else RejectRule.NUMBER),
            }[kind]
            notes.flag(name, rule, row, shown(v))
            text = "0" if kind == "number" else "?" if kind == "id" else "1970-01-01"
        values.append(text)
    return pa.array(values, type=pa.string())


def _pandas_table(frame: Any, names: Sequence[str]) -> tuple[pa.Table, ReadNotes]:
    notes = ReadNotes()
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
) -> tuple[pa.Table, ReadNotes | None]:
    """Read ``source`` into an arrow table holding (at most) the columns ``names``.

    Malformed lines are collected whether ``lenient`` or not: strict mode reports the
    first bad row in file order, which may be one of them.

    Raises:
        InputDataError: the source cannot be read (its kind, its bytes, its header).
        InvalidValue: two fields map to one column.
    """
    del lenient  # the engine's mode changes nothing here (see above)
    _check_map(names)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputDataError("the input must be an existing file", value=str(path))
        suffixes = [s.lower() for s in path.suffixes]
        if suffixes and suffixes[-1] in {".parquet", ".pq"}:
            return _read_parquet(path, names), None
        return _read_csv(path, names, date_format)
    if isinstance(source, ReadTable):
        return source.table, source.notes
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


#: The ``delimiter`` value meaning "runs of spaces and tabs" (as CDNOW's own file is laid out).
WHITESPACE: Final = "whitespace"
_NAMED_DELIMITERS: Final = {"tab": "\t", "\\t": "\t", WHITESPACE: WHITESPACE}


def check_dialect(delimiter: str, encoding: str, header: Sequence[str] | None) -> str:
    r"""The delimiter as read (``tab`` and ``\t`` become a tab), once the three are checked.

    Raises:
        InvalidValue: a delimiter that is not one character nor ``whitespace``, an
            encoding Python does not know, or a header naming a column twice.
    """
    delimiter = _NAMED_DELIMITERS.get(delimiter, delimiter)
    if delimiter != WHITESPACE and (len(delimiter) != 1 or delimiter in '\r\n"'):
        raise InvalidValue(
            "delimiter",
            delimiter,
            "one character other than a quote or a line break (e.g. ';' or '|'), 'tab', "
            "or 'whitespace' for runs of spaces and tabs",
        )
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InvalidValue(
            "encoding", encoding, "an encoding Python knows, e.g. utf-8, latin-1, gbk, cp1252"
        ) from None
    if header is not None and (not header or len(set(header)) != len(header)):
        raise InvalidValue("header", list(header), "one distinct name per column")
    return delimiter


def _split(delimiter: str, text: Iterable[str]) -> Iterator[list[str]]:
    if delimiter != WHITESPACE:
        yield from csv.reader(text, delimiter=delimiter)
        return
    for line in text:
        yield line.split() if line.strip(" \t\r\n") else []


def _delimited_header(
    records: Iterator[list[str]], header: Sequence[str] | None, encoding: str
) -> list[str]:
    """The column names: ``header`` if given, else the first non-blank line's fields."""
    if header is None:
        line = next((r for r in records if r), None)
        if line is None:
            raise InputDataError("the input must have a header line and at least one row")
        columns_of = list(line)
    else:
        columns_of = list(header)
    for name in columns_of:
        if not name.isascii() and _as_written(name) != name:
            raise InputDataError(
                f"the header must be text in the encoding {encoding} (--encoding)",
                value=_as_written(name),
            )
    return columns_of


def read_delimited(
    path: Path, names: Sequence[str], *, delimiter: str, encoding: str, header: Sequence[str] | None
) -> ReadTable:
    """A delimited text file of any delimiter and encoding, as text columns for the rules.

    Each cell is handed on as written (empty cells as missing); the checks parse them
    as they parse a CSV's. ``whitespace`` splits on runs of spaces and tabs (no
    quoting); ``header`` names the columns of a file without a header line. As on
    the default reader, a line with another number of fields than the header (the
    rule names ``--delimiter``) and a cell that is not text in ``encoding`` (the rule
    names ``--encoding``) are noted with the text as written, for the checks to
    report (strict mode) or reject (skip mode).

    Raises:
        InputDataError: the file cannot be read, or its header is not text in ``encoding``.
    """
    if _sniff(path).startswith(_GZIP_MAGIC) and not _gzipped(path):
        raise InputDataError(
            "a gzip-compressed file must be named .gz (e.g. log.csv.gz)", value=path.name
        )
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    joiner = " " if delimiter == WHITESPACE else delimiter
    wanted = set(names)
    notes = ReadNotes()
    try:
        with (
            _field_limit(),
            _open_bytes(path) as raw,
            io.TextIOWrapper(raw, encoding=codec, errors="surrogateescape", newline="") as text,
        ):
            records = _split(delimiter, text)
            columns_of = _delimited_header(records, header, encoding)
            _unique_names(columns_of, names)
            notes.expected = len(columns_of)
            where = [(n, i) for i, n in enumerate(columns_of) if n in wanted]
            cells: dict[str, list[str | None]] = {n: [] for n, _ in where}
            rule = RejectRule.ENCODED.format(encoding=encoding)
            row = kept = 0
            for record in records:
                if not record:
                    continue
                row += 1
                if len(record) != len(columns_of):
                    notes.rows.append(row)
                    notes.texts.append(_as_written(joiner.join(record)))
                    continue
                for name, at in where:
                    cell = record[at]
                    if not cell.isascii() and _as_written(cell) != cell:
                        cell = _as_written(cell)
                        notes.flag(name, f"{name} {rule}", kept, cell)
                    cells[name].append(cell if cell.strip() else None)
                kept += 1
    except (OSError, EOFError, zlib.error, csv.Error) as error:
        raise InputDataError(f"the file must be readable delimited text ({error})") from None
    if not all(n in cells for n in names[:3] if n != NO_AMOUNT):
        # The checks name the missing columns and the ones present.
        return ReadTable(pa.table({n: pa.array([], pa.string()) for n in columns_of}), notes)
    return ReadTable(pa.table({n: pa.array(v, pa.string()) for n, v in cells.items()}), notes)
