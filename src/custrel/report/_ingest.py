"""Ingestion: every source becomes one pyarrow table, checked by one set of vectorised rules.

CSV (plain or gzip), Parquet, pandas and polars DataFrames, pyarrow tables and
iterables of :class:`~custrel.report.Transaction` records all end up here as an
arrow table of the mapped columns; :func:`validate` then applies the input
rules to every row at once and returns the accepted rows as numpy columns and
the rejected ones, each with its row, column, value and rule. Strict mode raises
the first rejected row (the lowest row number); lenient mode keeps them all.
"""

# pyarrow ships no type information, so its arrays are typed Any here (private module).
# ruff: noqa: ANN401
from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from custrel.days import EPOCH as _EPOCH
from custrel.errors import InputDataError, MissingColumn
from custrel.report import CANONICAL_COLUMNS
from custrel.report._rows import Pieces
from custrel.report._units import RULE, to_units

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel.report import ColumnMap, Transaction

__all__ = ["Ingested", "RejectRule", "read_source", "validate"]

#: From this many rows, ids are hashed in two threads (a tuning knob, not a rule).
_THREADED_ROWS = 1_000_000
#: Bytes per block of the multithreaded CSV reader (a tuning knob, not a rule).
_CSV_BLOCK = 4 << 20
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

#: Optional numeric columns, in the order they are checked.
OPTIONAL_NUMERIC: Final = CANONICAL_COLUMNS[3:]

_NUMBER: Final = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_NON_FINITE: Final = r"^\s*[+-]?(nan|inf|infinity)\s*$"
_ISO: Final = (
    r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_NAN_IDS: Final = ("nan", "NaN", "NAN", "None", "null", "NULL")


class RejectRule:
    """The rules a row can break, as the text shown in errors and the rejects file."""

    ID_MISSING: Final = "customer id must be present and not empty, blank or NaN"
    DATE_MISSING: Final = "date must be present"
    DATE_ISO: Final = "date must be an ISO date or timestamp (YYYY-MM-DD[THH:MM[:SS]][zone])"
    DATE_FORMAT: Final = "date must match the date format {fmt!r}"
    DATE_AFTER: Final = "date must be on or before as_of {as_of}"
    NUMBER: Final = "must be a number"
    FINITE: Final = "must be finite (not NaN or infinite)"
    NON_NEGATIVE: Final = "must be zero or more"
    FIELDS: Final = "each line must have the header's {n} fields"


def _day_number(value: dt.date | dt.datetime) -> int:
    day = value.date() if isinstance(value, dt.datetime) else value
    return (day - _EPOCH).days


# --- sources -----------------------------------------------------------------


class _Malformed:
    """Collects CSV lines with the wrong number of fields (lenient mode)."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.texts: list[str] = []
        self.expected = 0

    def __call__(self, row: Any) -> str:
        self.expected = row.expected_columns
        # Line 1 is the header, so data row = line - 1 (no multi-line quoted fields).
        self.rows.append(-1 if row.number is None else row.number - 1)
        self.texts.append(row.text)
        return "skip"


def _skip_row(_row: Any) -> str:
    return "skip"


def _csv_error(error: Exception) -> InputDataError:
    text = str(error)
    if "Empty CSV file" in text:
        return InputDataError("the input must have a header line and at least one row")
    if "Expected" in text and "columns" in text:
        return InputDataError(
            "each line must have as many fields as the header; run with on_error=skip to "
            f"see every such line ({text.splitlines()[0]})"
        )
    return InputDataError(f"the file must be readable CSV ({text.splitlines()[0]})")


def _read_csv(
    path: Path,
    names: Sequence[str],
    date_format: str | None,
    *,
    lenient: bool,
) -> tuple[pa.Table, _Malformed | None]:
    import pyarrow.csv as pcsv

    try:
        # A malformed line in the first block must not stop lenient mode here: the
        # reads below report it (strict) or collect it (lenient).
        with pcsv.open_csv(
            path,
            parse_options=pcsv.ParseOptions(invalid_row_handler=_skip_row),
            convert_options=pcsv.ConvertOptions(column_types={}, include_columns=[]),
        ) as head:
            header = list(head.schema.names)
    except pa.ArrowInvalid as error:
        raise _csv_error(error) from None
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

    # Blocks of a few MB: the engine works on the chunks as they come (not too small),
    # and two cores still share many blocks.
    blocks = pcsv.ReadOptions(block_size=_CSV_BLOCK)
    # Fast path: typed, multithreaded; any parse problem falls back to strings. Plain
    # ISO dates (as in the first block) parse straight to date32, else as timestamps.
    date_types = [pa.timestamp("s")]
    if date_format is None and _plain_dates(path, date_name):
        date_types.insert(0, pa.date32())
    for date_type in date_types:
        try:
            return pcsv.read_csv(
                path, read_options=blocks, convert_options=convert(date_type)
            ), None
        except pa.ArrowInvalid as error:  # noqa: PERF203 - at most two attempts
            if "Empty CSV file" in str(error):
                raise _csv_error(error) from None
    malformed = _Malformed() if lenient else None
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(use_threads=False),
            parse_options=pcsv.ParseOptions(invalid_row_handler=malformed),
            convert_options=convert(None),
        )
    except pa.ArrowInvalid as error:
        raise _csv_error(error) from None
    return table, malformed


def _plain_dates(path: Path, column: str) -> bool:
    """Whether the first block's dates are all plain ``YYYY-MM-DD`` (maybe padded)."""
    import pyarrow.csv as pcsv

    try:
        with pcsv.open_csv(
            path,
            parse_options=pcsv.ParseOptions(invalid_row_handler=_skip_row),
            convert_options=pcsv.ConvertOptions(
                column_types={column: pa.string()}, include_columns=[column]
            ),
        ) as reader:
            dates = reader.read_next_batch().column(0)
    except (pa.ArrowInvalid, StopIteration):
        return False
    plain = pc.match_substring_regex(dates, r"^\s*\d{4}-\d{2}-\d{2}\s*$")
    return len(dates) > 0 and bool(pc.all(plain).as_py())


def _records_table(records: Iterable[Transaction], names: Sequence[str]) -> pa.Table:
    from custrel.report import Transaction

    columns: dict[str, list[Any]] = {name: [] for name in names}
    attribute = dict(zip(names, CANONICAL_COLUMNS, strict=False))
    for record in records:
        if not isinstance(record, Transaction):
            raise InputDataError(
                "an iterable source must yield custrel.report.Transaction records",
                value=type(record).__name__,
            )
        for name in names:
            value = getattr(record, attribute[name])
            if name == names[1] and isinstance(value, dt.date):
                value = _day_number(value)
            columns[name].append(value)
    # An optional field left as None in every record was not recorded at all.
    columns = {
        name: values
        for index, (name, values) in enumerate(columns.items())
        if index < 3 or any(v is not None for v in values)
    }
    arrays = {
        name: pa.array(
            values,
            type=pa.string()
            if name == names[0]
            else pa.int32()
            if name == names[1]
            else pa.float64(),
        )
        for name, values in columns.items()
    }
    table = pa.table(arrays)
    return table.set_column(1, names[1], table[names[1]].cast(pa.date32()))


def _pandas_column(series: Any) -> pa.Array:
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # A mixed-type object column: keep each cell as text so the rules can name it.
        return pa.array(
            [
                None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                for v in series
            ],
            type=pa.string(),
        )


def _pandas_table(frame: Any) -> pa.Table:
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.table({str(name): _pandas_column(frame[name]) for name in frame.columns})


def read_source(  # noqa: PLR0911 - one return per kind of source
    source: object, names: Sequence[str], date_format: str | None, *, lenient: bool
) -> tuple[pa.Table, _Malformed | None]:
    """Read ``source`` into an arrow table holding (at most) the columns ``names``."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputDataError("the input must be an existing file", value=str(path))
        suffixes = [s.lower() for s in path.suffixes]
        if suffixes and suffixes[-1] in {".parquet", ".pq"}:
            import pyarrow.parquet as pq

            present = set(pq.read_schema(path).names)
            return pq.read_table(path, columns=[n for n in names if n in present]), None
        return _read_csv(path, names, date_format, lenient=lenient)
    if isinstance(source, pa.Table):
        return source, None
    if isinstance(source, pa.RecordBatch):
        return pa.Table.from_batches([source]), None
    module = type(source).__module__.split(".")[0]
    if module == "pandas":
        return _pandas_table(source), None
    if module == "polars":
        return source.to_arrow(), None  # type: ignore[attr-defined]
    if isinstance(source, Iterable) and not isinstance(source, (bytes, dict)):
        return _records_table(source, names), None
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


def _numeric(array: Any, column: str, checks: list[tuple[str, Any, str]], *, required: bool) -> Any:
    """Float64 values of ``array`` (chunked, no nulls); broken rules are appended to ``checks``."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
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


def _days(
    array: Any, column: str, date_format: str | None, checks: list[tuple[str, Any, str]]
) -> Any:
    """Day numbers of ``array`` as chunked int32 (no nulls); broken rules go to ``checks``."""
    kind = array.type
    if date_format is not None and not (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
        text = _text(array)
        parsed = pc.strptime(text, format=date_format, unit="s", error_is_null=True)
        present = pc.invert(pc.fill_null(pc.match_substring_regex(text, r"^\s*$"), True))
        checks.append((column, pc.invert(present), RejectRule.DATE_MISSING))
        bad = pc.and_(present, parsed.is_null())
        checks.append((column, bad, RejectRule.DATE_FORMAT.format(fmt=date_format)))
        array = parsed
        kind = array.type
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        text = _text(array)
        present = pc.invert(pc.fill_null(pc.match_substring_regex(text, r"^\s*$"), True))
        checks.append((column, pc.invert(present), RejectRule.DATE_MISSING))
        shaped = pc.match_substring_regex(text, _ISO)
        head = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(text), 0, 10)
        parsed = pc.strptime(head, format="%Y-%m-%d", unit="s", error_is_null=True)
        bad = pc.and_(present, pc.or_(pc.invert(shaped), parsed.is_null()))
        checks.append((column, bad, RejectRule.DATE_ISO))
        array = parsed
        kind = array.type
    elif not (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
        raise InputDataError(
            "the date column must hold dates, timestamps or text", column=column, value=str(kind)
        )
    elif array.null_count:
        checks.append((column, array.is_null(), RejectRule.DATE_MISSING))
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        # Decision: a zoned timestamp counts on its own local calendar day.
        array = pc.local_timestamp(array)
    days = (
        pc.fill_null(pc.cast(array, pa.date32()), 0)
        if array.null_count
        else pc.cast(array, pa.date32())
    )
    return pa.chunked_array(days).cast(pa.int32())


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
        InputDataError: the input has no rows, or (strict) the first broken rule.
    """
    available = table.column_names
    for required in (names.customer_id, names.date, names.amount):
        if required not in available:
            raise MissingColumn(required, available)
    n = table.num_rows
    n_malformed = len(malformed.rows) if malformed else 0
    if n + n_malformed == 0:
        raise InputDataError("the input must have at least one data row")
    checks: list[tuple[str, Any, str]] = []

    # Customer ids: factorise first, then check the (much smaller) dictionary.
    raw_id = table[names.customer_id]
    if pa.types.is_floating(raw_id.type):
        nan_id = pc.is_nan(pc.fill_null(raw_id, 0.0))
        checks.append((names.customer_id, nan_id, RejectRule.ID_MISSING))
    dictionary, code, null_id, ids_sorted = _factorize(_text(raw_id))
    bad_entry = _bool(
        pc.or_(
            pc.match_substring_regex(dictionary, r"^\s*$"),
            pc.is_in(dictionary, value_set=pa.array(_NAN_IDS)),
        )
    )
    if null_id is not None:
        checks.append((names.customer_id, null_id, RejectRule.ID_MISSING))
    if bad_entry.any():
        checks.append((names.customer_id, bad_entry[code], RejectRule.ID_MISSING))

    day = _days(table[names.date], names.date, date_format, checks)
    if as_of is not None:
        late = pc.greater(day, _day_number(as_of))
        checks.append((names.date, late, RejectRule.DATE_AFTER.format(as_of=as_of)))
    amount = _units(
        _numeric(table[names.amount], names.amount, checks, required=True), names.amount, checks
    )
    extra: dict[str, Any] = {}
    for field in OPTIONAL_NUMERIC:
        column = getattr(names, field)
        if column in available:
            values = _numeric(table[column], column, checks, required=False)
            extra[field] = _units(values, column, checks)

    # The first broken rule per row, in check order (-1: none); built only when needed.
    reason: NDArray[np.int16] | None = None
    for index, (_, mask, _) in enumerate(checks):
        if not isinstance(mask, np.ndarray) and not pc.any(mask).as_py():
            continue
        hit = mask if isinstance(mask, np.ndarray) else _bool(mask)
        if hit.any():
            if reason is None:
                reason = np.full(n, -1, dtype=np.int16)
            reason[(reason < 0) & hit] = index
    bad_rows = np.flatnonzero(reason >= 0) if reason is not None else np.zeros(0, np.int64)

    rejects = _empty_rejects()
    if len(bad_rows) or n_malformed:
        parts = []
        if len(bad_rows) and reason is not None:
            which = reason[bad_rows]
            columns = [checks[i][0] for i in range(len(checks))]
            rules = [checks[i][2] for i in range(len(checks))]
            values = []
            for r, i in zip(bad_rows.tolist(), which.tolist(), strict=True):
                cell = table[columns[i]][r].as_py()
                values.append(None if cell is None else str(cell))
            parts.append(
                pa.table(
                    {
                        "row": pa.array(_row_numbers(bad_rows, n, malformed), pa.int64()),
                        "column": pa.array([columns[i] for i in which.tolist()], pa.string()),
                        "value": pa.array(values, pa.string()),
                        "rule": pa.array([rules[i] for i in which.tolist()], pa.string()),
                    }
                )
            )
        if n_malformed and malformed is not None:
            parts.append(
                pa.table(
                    {
                        "row": pa.array(malformed.rows, pa.int64()),
                        "column": pa.array([None] * n_malformed, pa.string()),
                        "value": pa.array(malformed.texts, pa.string()),
                        "rule": pa.array(
                            [RejectRule.FIELDS.format(n=malformed.expected)] * n_malformed,
                            pa.string(),
                        ),
                    }
                )
            )
        rejects = pa.concat_tables(parts).sort_by("row")
        if strict:
            first = rejects.slice(0, 1).to_pylist()[0]
            raise InputDataError(
                first["rule"], row=first["row"], column=first["column"], value=first["value"]
            )

    ids = dictionary
    if len(bad_rows) and reason is not None:
        keep = reason < 0
        kept = pa.array(keep)
        code, day = code[keep], day.filter(kept)
        amount = [np.concatenate(amount)[keep]]
        extra = {k: [np.concatenate(v)[keep]] for k, v in extra.items()}
        # Dense codes over the customers that kept at least one row.
        used = np.bincount(code, minlength=len(ids)) > 0
        if not used.all():
            remap = (np.cumsum(used) - 1).astype(np.int32)
            code = remap[code]
            ids = ids.filter(pa.array(used))
    rows = Pieces.of_chunks(_views(day), amount, **extra)
    return Ingested(ids, code, rows, n + n_malformed, rejects, ids_sorted=ids_sorted)


def _units(values: Any, column: str, checks: list[tuple[str, Any, str]]) -> list[NDArray[np.int64]]:
    """The values as exact units (:mod:`custrel.report._units`); inexact rows go to ``checks``."""
    units, inexact = to_units(_views(values))
    checks.append((column, inexact, f"{column} {RULE}"))
    return units


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
