"""Ingestion: every source becomes one pyarrow table, checked by one set of vectorised rules.

CSV (plain or gzip), Parquet, pandas and polars DataFrames, pyarrow tables and
iterables of `custrel.report.Transaction` records are read into an arrow
table of the mapped columns (`custrel.report._sources`); `validate` then
applies the input rules (`custrel.report._rules`)
(``docs/input.md`` states them for users) to every row at once and returns the
accepted rows as numpy columns and the rejected ones, each with its row, column,
the cell as written and the rule. Strict mode raises the first rejected row in
file order (the lowest row number, malformed lines included); lenient mode keeps
them all, and rows read = accepted + rejected whatever the input.

Whatever a source holds, the reader only ever returns a table or raises a
`custrel.errors.CustrelError`: a cell it cannot represent exactly is a
rejected row, never a value changed in silence.
"""

# pyarrow ships no type information, so its arrays are typed Any here (private module).
# ruff: noqa: ANN401
from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from custrel.days import day_number
from custrel.errors import InputDataError, MissingColumns, NoRowsAccepted
from custrel.report import CANONICAL_COLUMNS, NO_AMOUNT
from custrel.report._rows import Pieces, Returned
from custrel.report._rules import (
    EXACT_DIGITS,
    FIRST_DATE,
    FIRST_DAY,
    LAST_DATE,
    LAST_DAY,
    MISSING_IDS,
    RejectRule,
    missing_id,
)
from custrel.report._sources import ReadNotes, read_source, shown
from custrel.report._speed import arrow_array, numpy_view
from custrel.report._units import INEXACT, MISSING, NEGATIVE, NOT_FINITE, RULE, SCALE, to_units

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel.report import ColumnMap

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

#: From this many rows, ids are hashed in two threads (a tuning knob, not a rule).
_THREADED_ROWS = 1_000_000
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


# --- validation --------------------------------------------------------------


def _text(array: Any) -> Any:
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array
    if pa.types.is_dictionary(array.type):
        return _text(array.cast(array.type.value_type))
    return array.cast(pa.string())


def _bool(array: Any) -> NDArray[np.bool_]:
    filled = pc.fill_null(array, False) if array.null_count else array
    views = [numpy_view(c) for c in getattr(filled, "chunks", [filled])]
    if not views:
        return np.zeros(0, dtype=np.bool_)
    return np.asarray(views[0] if len(views) == 1 else np.concatenate(views), dtype=np.bool_)


Checks = list[tuple[str, Any, str]]


def _numeric(
    array: Any,
    column: str,
    checks: Checks,
    *,
    required: bool,
    negative_rule: str | None = RejectRule.NON_NEGATIVE,
    returning: NDArray[np.bool_] | None = None,
) -> tuple[list[NDArray[np.int64]], NDArray[np.int8]]:
    """Each cell as exact units (`custrel.report._units`), one array per chunk of ``array``.

    Returns the units and each row's flags (`custrel.report._units.FLAGS`).
    Broken rules are appended to ``checks``, in the order they count: the shapes of
    `_amount_cells` (booleans, decimals, large integers), the number rule for text,
    a missing required cell, then not finite, negative and `RULE`. A negative value
    breaks ``negative_rule`` (``None``: negatives are allowed), except on the rows
    ``returning`` (the return lines, where it may be negative). A missing optional
    cell counts as 0. Text that arrow parses as a whole (every cell a number as
    written, or empty) is converted chunk by chunk; other text is checked cell by
    cell first (`_number_text`).
    """
    array = pa.chunked_array(_amount_cells(array, column, checks))
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        try:
            units, flags = _converted(array, column, text=array)
        except _NotPlain:
            text, missing = _number_text(array, column, checks)
            units, flags = _converted(text, column, text=text, missing=missing)
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        units, flags = _converted(array, column, text=None)
    else:
        raise InputDataError(
            f"{column} must hold numbers or text", column=column, value=f"a column of {kind}"
        )
    if not flags.any():
        return units, flags
    if required:
        checks.append((column, (flags & MISSING) > 0, f"{column} must be present"))
    checks.append((column, (flags & NOT_FINITE) > 0, f"{column} {RejectRule.FINITE}"))
    if negative_rule is not None:
        negative = (flags & (NEGATIVE | NOT_FINITE)) == NEGATIVE
        if returning is not None:
            negative &= ~returning
        checks.append((column, negative, f"{column} {negative_rule}"))
    checks.append((column, (flags & INEXACT) > 0, f"{column} {RULE}"))
    return units, flags


class _NotPlain(Exception):
    """A text chunk holds a cell arrow's number parse refuses: check the cells one by one."""


def _converted(
    source: Any, column: str, *, text: Any | None, missing: Any | None = None
) -> tuple[list[NDArray[np.int64]], NDArray[np.int8]]:
    """``source`` (numbers, or text of numbers) as units and flags, chunk by chunk.

    Each chunk is parsed, converted and its float64 values dropped before the next
    (two threads on large inputs), so no float copy of the whole column is held.
    ``text`` is the cells the values come from, read for digits a float64 drops
    (`_hidden_digits`); ``missing`` the missing cells when already known (else the
    empty text cells and nulls). See `_numeric`.

    Raises:
        _NotPlain: a text cell is not a number as written (only when ``missing`` is None).
    """
    chunks = source.chunks
    starts = np.cumsum([0, *(len(c) for c in chunks)])
    flags = np.zeros(int(starts[-1]), dtype=np.int8)
    # One array for the whole column, written chunk by chunk: no allocation per chunk
    # (small ones stay with the process's heap after they are freed).
    whole = np.empty(len(flags), dtype=np.int64)

    def convert(i: int) -> tuple[NDArray[np.int64], NDArray[np.intp], NDArray[np.intp] | None]:
        values, blank = _floats(chunks[i], column, plain=missing is None)
        units = whole[starts[i] : starts[i + 1]]
        zeros = to_units(values, units, flags[starts[i] : starts[i + 1]])
        return units, zeros + starts[i], None if blank is None else blank + starts[i]

    if len(flags) >= _THREADED_ROWS and len(chunks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(convert, range(len(chunks))))
    else:
        done = [convert(i) for i in range(len(chunks))]
    units = [u for u, _, _ in done]
    if missing is not None:
        flags[_bool(missing)] |= MISSING
    for _, _, blank in done:
        if blank is not None:
            flags[blank] |= MISSING
    if text is not None:
        zeros = np.concatenate([z for _, z, _ in done])
        hidden = _hidden_digits(pa.chunked_array(text), units, zeros)
        if len(hidden):
            flags[hidden] |= INEXACT
            _set(units, hidden, 0)  # an inexact row's units are 0, as `to_units` leaves them
    return units, flags


def _floats(chunk: Any, column: str, *, plain: bool) -> tuple[Any, NDArray[np.intp] | None]:
    """A chunk's values as float64 (missing ones as 0), and its missing rows (None: none).

    Arrow's number parse takes exactly what the number rule allows (ASCII digits, an
    optional sign, point and exponent; ``nan`` and ``inf`` go on to the finite
    rule), without padding. With ``plain``, an empty text cell is a missing one.

    Raises:
        _NotPlain: with ``plain``, a text cell the parse refuses.
        InputDataError: numbers arrow cannot turn into float64.
    """
    text = pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
    try:
        values = pc.cast(chunk, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if not (plain and text):
            raise InputDataError(RejectRule.NUMBER, column=column, value=str(chunk.type)) from None
        empty = pc.equal(chunk, "")
        if not pc.any(empty).as_py():
            raise _NotPlain from None
        try:
            values = pc.cast(pc.if_else(empty, pa.scalar(None, chunk.type), chunk), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise _NotPlain from None
    blank = None
    if values.null_count:
        blank = np.flatnonzero(~_bool(values.is_valid()))
        values = pc.fill_null(values, 0.0)
    return numpy_view(values), blank


def _number_text(array: Any, column: str, checks: Checks) -> tuple[Any, Any]:
    """Text cells checked one by one: the numbers trimmed ("0" elsewhere), and the blanks.

    A null or blank cell is missing; booleans and other text break the number rule.
    """
    # A null cell is a missing one: every mask here is true or false, never null.
    blank = pc.fill_null(pc.match_substring_regex(array, r"^\s*$"), True)
    number = pc.fill_null(pc.match_substring_regex(array, _NUMBER), False)
    non_finite = pc.fill_null(pc.match_substring_regex(array, _NON_FINITE, ignore_case=True), False)
    boolean = pc.fill_null(
        pc.match_substring_regex(array, r"^\s*(true|false)\s*$", ignore_case=True), False
    )
    checks.append((column, boolean, f"{column} {RejectRule.BOOLEAN}"))
    bad = pc.invert(pc.or_(pc.or_(number, non_finite), blank))
    checks.append((column, bad, f"{column} {RejectRule.NUMBER}"))
    usable = pc.or_(number, non_finite)
    return pc.if_else(usable, pc.utf8_trim_whitespace(array), "0"), blank


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
    if pa.types.is_null(kind):  # nothing recorded (pandas' all-None column)
        return array.cast(pa.float64())
    if pa.types.is_boolean(kind):
        checks.append((column, array.is_valid(), f"{column} {RejectRule.BOOLEAN}"))
        return pc.cast(array, pa.float64())
    if pa.types.is_decimal(kind):
        text = pc.cast(array, pa.string())
        digits = pc.utf8_rtrim(
            pc.utf8_ltrim(pc.replace_substring_regex(text, r"[-+.]", ""), characters="0"),
            characters="0",
        )
        too_long = pc.greater(pc.utf8_length(digits), EXACT_DIGITS)
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
    wrong = [cell for cell in distinct if _impossible(cell, date_format)]
    if not wrong:
        return parsed
    rolled = pc.is_in(text, value_set=pa.array(wrong, pa.string()))
    return pc.if_else(rolled, pa.scalar(None, parsed.type), parsed)


def _impossible(cell: str, date_format: str) -> bool:
    """Whether Python's strptime finds the cell's day or time impossible (30 February, :60).

    Only that verdict counts: a format Python reads differently from arrow (or not at
    all) leaves arrow's parse as it is.
    """
    try:
        dt.datetime.strptime(cell.strip(), date_format)
    except ValueError as error:
        return "out of range" in str(error) or "must be in" in str(error)
    return False


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
    if pa.types.is_null(kind):  # no date at all (pandas' all-None column)
        array = array.cast(pa.date32())
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
    if low is not None and (low < FIRST_DAY or high > LAST_DAY):
        outside = pc.or_(pc.less(days, FIRST_DAY), pc.greater(days, LAST_DAY))
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
        rows_ignored: rows dated after ``as_of`` left out on request (not rejects).
        returns: the accepted return lines (``--returns net``), else ``None``.
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
        rows_ignored: int = 0,
        returns: Returned | None = None,
    ) -> None:
        """Hold the accepted columns and the rejects."""
        self.rows_ignored = rows_ignored
        self.returns = returns
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
        out[at : at + len(chunk)] = numpy_view(chunk)
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
        parts.append(pa.Array.from_buffers(pa.uint64(), m, [None, pa.py_buffer(padded)]))
    return pa.chunked_array(parts, type=pa.uint64()), width


def _unpack(keys: Any, width: int) -> Any:
    """The string ids of packed uint64 ``keys`` (see `_packed`)."""
    values = np.asarray(numpy_view(keys), dtype=np.uint64)
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
        """The packed ids of ``keys`` (the inverse of `keys`)."""
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

    Where the ids' dense keys (`_DenseKeys`) span few values, a table indexed by
    key replaces the hash table: mark the keys present, number them in key order, look
    each row's number up. The codes come out in id order, so the ids need no sort.
    Large inputs work chunk by chunk (cache-sized) in two threads.
    """
    from concurrent.futures import ThreadPoolExecutor

    arrays = [np.asarray(numpy_view(c), dtype=np.uint64) for c in keys.chunks if len(c)]
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
    return _unpack(arrow_array(layout.packed(distinct)), width), key


def _factorize(ids: Any) -> tuple[Any, NDArray[np.int32], NDArray[np.bool_] | None, bool]:
    """Dense int32 codes for the ids, with the distinct ids, missing rows and sortedness.

    Returns the distinct ids, each row's code, the rows missing an id (or None) and
    whether the distinct ids come sorted.

    Fixed-width ids of up to 8 bytes whose keys span few values are numbered by a
    lookup table, in id order (`_dense_codes`); other fixed-width ids are hashed
    as integers (`_packed`), the rest as strings, numbered in order of first
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


_REJECTS = pa.schema(
    [("row", pa.int64()), ("column", pa.string()), ("value", pa.string()), ("rule", pa.string())]
)


def _empty_rejects() -> pa.Table:
    # (built from empty arrays: ``Schema.empty_table`` goes through pyarrow's pandas bridge)
    return pa.Table.from_arrays([pa.nulls(0, f.type) for f in _REJECTS], schema=_REJECTS)


def validate(  # noqa: PLR0912, PLR0915 - the rules read best in one place
    table: pa.Table,
    names: ColumnMap,
    *,
    date_format: str | None,
    as_of: dt.date | None,
    strict: bool,
    malformed: ReadNotes | None = None,
    ignore_after_as_of: bool = False,
    net_returns: bool = False,
) -> Ingested:
    """Apply every rule to every row; return accepted columns and rejects.

    With ``net_returns``, an accepted line of negative amount is a return
    (`custrel.report._rules.RETURNS_MODES`): it is handed on apart from the purchases
    (`Ingested.returns`), and a customer with returns only has no row of its own.

    Raises:
        MissingColumns: required columns are absent (all of them, each with its option).
        InputDataError: the input has no rows, or (strict) the first broken rule in
            file order.
    """
    available = table.column_names
    missing = [
        (column, option)
        for column, option in (
            (names.customer_id, "--customer-col"),
            (names.date, "--date-col"),
            (names.amount, "--amount-col"),
        )
        if column not in available and column != NO_AMOUNT
    ]
    if missing:
        raise MissingColumns(
            [column for column, _ in missing], [option for _, option in missing], available
        )
    n = table.num_rows
    notes = malformed
    n_malformed = len(notes.rows) if notes else 0
    if n + n_malformed == 0:
        raise InputDataError("the input must have at least one data row")
    checks: Checks = []
    # Cells the reader found broken come first: their rule is the reason for the row.
    given: dict[int, dict[int, str]] = {}
    for flag in notes.flags.values() if notes else ():
        if flag.column == NO_AMOUNT:
            continue  # (a record's amount, in a log read without amounts)
        mask = np.zeros(n, dtype=bool)
        mask[flag.rows] = True
        given[len(checks)] = dict(zip(flag.rows, flag.texts, strict=True))
        checks.append((flag.column, mask, flag.rule))

    # The numbers are converted while the ids are coded (in a second thread on large
    # inputs: much of the id coding is single-threaded); their checks come after the
    # ids' and the dates', as the rules are listed.
    def numbers_now() -> tuple[list[NDArray[np.int64]], dict[str, list[NDArray[np.int64]]], Checks]:
        return _numbers(table, names, n, net_returns=net_returns)

    numbers = None
    if n >= _THREADED_ROWS:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1)
        numbers = pool.submit(numbers_now)
        pool.shutdown(wait=False)

    # Customer ids: factorise first, then check the (much smaller) dictionary.
    raw_id = table[names.customer_id]
    if pa.types.is_null(raw_id.type):  # no id at all (pandas' all-None column)
        raw_id = raw_id.cast(pa.string())
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
    bad_entry = _missing_ids(dictionary)
    if null_id is not None:
        checks.append((names.customer_id, null_id, RejectRule.ID_MISSING))
    if bad_entry.any():
        checks.append((names.customer_id, bad_entry[code], RejectRule.ID_MISSING))

    day = _days(table[names.date], names.date, date_format, checks)
    later: NDArray[np.bool_] | None = None
    if as_of is not None:
        # A date counts on its own day. The bound is given in the days' own type: a
        # Python int would make arrow widen the whole column to compare.
        bound = arrow_array(np.array([day_number(as_of)], dtype=np.int32)).cast(day.type)[0]
        late = pc.greater(day, bound)
        if ignore_after_as_of:
            # Left out, counted apart; a late row breaking another rule is still rejected.
            later = _bool(late)
        else:
            checks.append((names.date, late, RejectRule.DATE_AFTER.format(as_of=as_of)))
    amount, extra, number_checks = numbers.result() if numbers is not None else numbers_now()
    checks.extend(number_checks)

    reason = _first_reasons(checks, n)
    sums = {names.amount: amount} | {getattr(names, k): v for k, v in extra.items()}
    overflow = _overflowing(sums, code, reason, dictionary)
    if overflow is not None:
        column, hit, rule, at = overflow
        if strict:
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
    if later is not None:
        later &= reason < 0 if reason is not None else True
    n_ignored = int(later.sum()) if later is not None else 0

    rejects = _empty_rejects()
    if len(bad_rows) or n_malformed:
        parts = []
        if strict:
            # Only the first in file order is reported: the first bad row, or a
            # malformed line before it; read no other cell (a typed read reads again).
            bad_rows = bad_rows[:1]
        if len(bad_rows) and reason is not None:
            which = reason[bad_rows]
            cells: list[str | None] = [None] * len(bad_rows)
            for index in np.unique(which).tolist():
                places = np.flatnonzero(which == index)
                at_rows = bad_rows[places]
                column = checks[index][0]
                if index in given:
                    texts: list[str | None] = [given[index][r] for r in at_rows.tolist()]
                else:
                    texts = _cells(table, column, at_rows, notes)
                for i, text in zip(places.tolist(), texts, strict=True):
                    cells[i] = text
            parts.append(
                pa.table(
                    {
                        "row": pa.array(_row_numbers(bad_rows, n, notes), pa.int64()),
                        "column": pa.array([checks[i][0] for i in which.tolist()], pa.string()),
                        "value": pa.array(cells, pa.string()),
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
        if as_of is None and len(bad_rows) == n:  # (nothing is ignored without as_of)
            # Nothing left to infer as_of from: say so, handing the rejects on.
            raise NoRowsAccepted(n + n_malformed, rejects)

    ids = dictionary
    if (len(bad_rows) and reason is not None) or n_ignored:
        keep = reason < 0 if reason is not None else np.ones(n, dtype=bool)
        if later is not None:
            keep &= ~later
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
    returned = None
    if net_returns:
        code, day, amount, extra, ids, returned = _split_returns(code, day, amount, extra, ids)
    rows = Pieces.of_chunks(_views(day), amount, **extra)
    return Ingested(
        ids,
        code,
        rows,
        n + n_malformed,
        rejects,
        ids_sorted=ids_sorted,
        rows_ignored=n_ignored,
        returns=returned,
    )


def _numbers(
    table: pa.Table, names: ColumnMap, n: int, *, net_returns: bool
) -> tuple[list[NDArray[np.int64]], dict[str, list[NDArray[np.int64]]], Checks]:
    """The amount and the optional numeric columns present as units, and their checks."""
    checks: Checks = []
    # A negative amount is a return: a broken rule naming --returns, or (net) a line
    # whose quantity and money columns may be negative too.
    amount, flags = _numeric(
        pa.chunked_array([pa.array(np.zeros(n))])
        if names.amount == NO_AMOUNT
        else table[names.amount],
        names.amount,
        checks,
        required=True,
        negative_rule=None if net_returns else RejectRule.NON_NEGATIVE_SALE,
    )
    # (a cell that is not finite or inexact is no return: it is rejected as such)
    returning = (flags & (NEGATIVE | NOT_FINITE | INEXACT)) == NEGATIVE if net_returns else None
    del flags
    extra: dict[str, list[NDArray[np.int64]]] = {}
    for field in OPTIONAL_NUMERIC:
        column = getattr(names, field)
        if column in table.column_names:
            rule = _negative_rule(field, net_returns=net_returns)
            extra[field], _ = _numeric(
                table[column],
                column,
                checks,
                required=False,
                negative_rule=rule,
                returning=returning if rule is RejectRule.RETURN_ONLY else None,
            )
    return amount, extra, checks


#: Optional columns that are never negative, returns or not (a count of days).
_NEVER_NEGATIVE: Final = frozenset({"days_late"})


def _negative_rule(field: str, *, net_returns: bool) -> str:
    """The rule a negative value of an optional column breaks, by field and returns mode."""
    if field in _NEVER_NEGATIVE:
        return RejectRule.NON_NEGATIVE
    if net_returns:
        return RejectRule.RETURN_ONLY
    return RejectRule.NON_NEGATIVE_SALE if field == "quantity" else RejectRule.NON_NEGATIVE


def _split_returns(
    code: NDArray[np.int32],
    day: Any,
    amount: list[NDArray[np.int64]],
    extra: dict[str, list[NDArray[np.int64]]],
    ids: Any,
) -> tuple[
    NDArray[np.int32],
    Any,
    list[NDArray[np.int64]],
    dict[str, list[NDArray[np.int64]]],
    Any,
    Returned,
]:
    """The purchases (amount >= 0) and the returns (amount < 0) of the accepted rows, apart.

    A customer whose accepted lines are all returns keeps no code: its returns are
    counted as unmatched (`Returned.unmatched_lines`), in no customer's revenue.
    """
    flat = np.concatenate(amount) if len(amount) != 1 else amount[0]
    back = flat < 0
    lines = int(back.sum())
    units = int(flat[back].sum()) if lines else 0
    if not lines:
        return (
            code,
            day,
            amount,
            extra,
            ids,
            Returned(
                np.zeros(0, np.int32),
                np.zeros(0, np.int32),
                np.zeros(0, np.int64),
                {k: np.zeros(0, np.int64) for k in extra},
                lines=0,
                units=0,
                unmatched_lines=0,
                unmatched_units=0,
            ),
        )
    sale = ~back
    flat_day = np.asarray(day.to_numpy() if hasattr(day, "to_numpy") else day, dtype=np.int32)
    flat_extra = {k: np.concatenate(v) if len(v) != 1 else v[0] for k, v in extra.items()}
    buyers = np.bincount(code[sale], minlength=len(ids)) > 0
    matched = back & buyers[code]
    unmatched = back & ~matched
    remap = (np.cumsum(buyers) - 1).astype(np.int32)
    returned = Returned(
        remap[code[matched]],
        flat_day[matched],
        flat[matched],
        {k: v[matched] for k, v in flat_extra.items()},
        lines=lines,
        units=units,
        unmatched_lines=int(unmatched.sum()),
        unmatched_units=int(flat[unmatched].sum()),
    )
    kept_ids = ids if buyers.all() else ids.filter(pa.array(buyers))
    return (
        remap[code[sale]],
        pa.chunked_array([pa.array(flat_day[sale], pa.int32())]),
        [flat[sale]],
        {k: [v[sale]] for k, v in flat_extra.items()},
        kept_ids,
        returned,
    )


def _missing_ids(ids: Any) -> NDArray[np.bool_]:
    """Which ids mean "no id": blank, or a null marker of `MISSING_IDS` in any case.

    The columnar form of `missing_id`
    (``test_missing_ids_are_one_rule_on_every_path`` holds the two together).
    Only ids that could be one are trimmed and compared (`_maybe_missing`).
    """
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    missing = np.zeros(len(ids), dtype=bool)
    maybe = _maybe_missing(ids)
    if len(maybe):
        # Blank as Python's str.strip sees it: arrow trims the same (Unicode) whitespace.
        marker = pc.utf8_lower(pc.utf8_trim_whitespace(ids.take(pa.array(maybe))))
        found = pc.or_(
            pc.equal(marker, ""),
            pc.is_in(marker, value_set=pa.array(sorted(MISSING_IDS), pa.string())),
        )
        missing[maybe] = _bool(found)
    return missing


#: The longest null marker, in bytes.
_LONGEST_MARKER: Final = max(len(m.encode()) for m in MISSING_IDS)


def _maybe_missing(ids: Any) -> NDArray[np.intp]:
    """The ids that may mean "no id": short ones, and those that may have blank padding.

    A marker has at most `_LONGEST_MARKER` bytes, so a longer id is one only once
    trimmed, and then its first or last byte is whitespace: an ASCII control or space
    (at most 32), or a byte of a character outside ASCII (a Unicode space). No
    character outside ASCII lower-cases to a marker's letters, so the others are ids.
    """
    offsets = _offsets(ids)
    lengths = np.diff(offsets)
    short = lengths <= _LONGEST_MARKER
    if short.all():
        return np.arange(len(ids), dtype=np.intp)
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
    first = data[offsets[:-1][~short]]
    last = data[offsets[1:][~short] - 1]
    padded = (first <= _SPACE) | (first >= _NON_ASCII) | (last <= _SPACE) | (last >= _NON_ASCII)
    short[~short] = padded
    return np.flatnonzero(short)


#: Bytes at an id's edge that may be (part of) whitespace.
_SPACE: Final = 0x20
_NON_ASCII: Final = 0x80


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
    columns: dict[str, list[NDArray[np.int64]]],
    code: NDArray[np.int32],
    reason: NDArray[np.int16] | None,
    ids: Any,
) -> tuple[str, NDArray[np.bool_], str, int] | None:
    """A column whose sum over one customer's accepted rows does not fit the sums' integers.

    Amounts are summed per customer as 64-bit integers of units
    (`custrel.report._units`), which would wrap around in silence past their
    limit. Returns the column, the rows of the customers concerned, the rule naming
    the first of them, and the row at which that customer's running total first
    passes the limit. Only logs whose largest value times their rows could pass it
    pay for the sums (float sums find the suspects, exact integer sums decide).
    """
    limit = int(np.iinfo(np.int64).max)
    for column, chunks in columns.items():
        top = max((int(np.abs(c).max()) for c in chunks if len(c)), default=0)
        if top * len(code) <= limit:
            continue
        flat = np.concatenate(chunks)
        ok = reason < 0 if reason is not None else np.ones(len(code), dtype=bool)
        approx = np.bincount(code[ok], weights=flat[ok].astype(np.float64), minlength=len(ids))
        suspects = np.flatnonzero(np.abs(approx) > limit / 2)
        # (returns netted make a total negative: its size is what must fit)
        broken = [int(c) for c in suspects if abs(sum(flat[ok & (code == c)].tolist())) > limit]
        if not broken:
            continue
        mask = ok & np.isin(code, broken)
        rows = np.flatnonzero(ok & (code == broken[0]))
        running = itertools.accumulate(flat[rows].tolist())
        at = int(rows[next(i for i, total in enumerate(running) if abs(total) > limit)])
        rule = RejectRule.SUM_FINITE.format(
            customer=str(ids[broken[0]]), limit=f"{limit // SCALE:,}"
        )
        return column, mask, rule, at
    return None


def _cells(
    table: pa.Table, column: str, rows: NDArray[Any], notes: ReadNotes | None
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
        return [None if v is None else shown(v) for v in taken.to_pylist()]


#: A cell of at most this many characters has at most this many significant digits.
_SHORT: Final = EXACT_DIGITS


def _hidden_digits(
    text: Any, units: list[NDArray[np.int64]], zeros: NDArray[np.intp]
) -> NDArray[np.intp]:
    """Rows whose cell holds digits its float64 dropped, so the units are not its value.

    `to_units` judges the float64 a cell was parsed to. That is exact for a cell of
    at most `EXACT_DIGITS` significant digits: distinct such decimals parse to
    distinct float64s, so a float that passes is the cell's own value. Two kinds of
    cell escape it, and only their rows are read again:

    - more significant digits (``1.00000000000000000001`` parses to 1.0), possible
      only in a cell longer than `EXACT_DIGITS` characters;
    - a nonzero value too small for a float64, parsed as 0 (``1e-400``), possible
      only in such a long cell or in one with an exponent.

    Those cells' digits are counted as written (leading and trailing zeros of the
    mantissa are no significant digits).
    """
    suspects: list[NDArray[np.intp]] = []
    at = 0
    for chunk in text.chunks:
        n = len(chunk)
        if not n:
            continue
        offsets = _offsets(chunk)
        lengths = np.diff(offsets)
        if lengths.max() > _SHORT:
            suspects.append(np.flatnonzero(lengths > _SHORT) + at)
        lo, hi = np.searchsorted(zeros, (at, at + n))
        if hi > lo and _has_exponent(chunk, int(offsets[0]), int(offsets[-1])):
            suspects.append(zeros[lo:hi])
        at += n
    if not suspects:
        return np.zeros(0, dtype=np.intp)
    rows = np.unique(np.concatenate(suspects))
    cells = text.take(pa.array(rows))
    mantissa = pc.replace_substring_regex(cells, r"[eE].*$", "")
    digits = pc.replace_substring_regex(mantissa, r"[^0-9]", "")
    significant = pc.utf8_length(pc.utf8_rtrim(pc.utf8_ltrim(digits, "0"), "0"))
    many = _bool(pc.greater(significant, EXACT_DIGITS))
    lost = _bool(pc.greater(significant, 0)) & (_gather(units, rows) == 0)
    return np.asarray(rows[many | lost], dtype=np.intp)


def _offsets(chunk: Any) -> NDArray[np.int32] | NDArray[np.int64]:
    """The value offsets of a string chunk (``n + 1`` of them)."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    whole = np.frombuffer(chunk.buffers()[1], dtype=width)
    offsets: NDArray[np.int32] | NDArray[np.int64] = whole[
        chunk.offset : chunk.offset + len(chunk) + 1
    ]
    return offsets


def _has_exponent(chunk: Any, start: int, end: int) -> bool:
    """Whether a string chunk's bytes ``start:end`` hold an ``e`` or ``E`` (one pass in C)."""
    data = chunk.buffers()[2]
    if data is None or end <= start:
        return False
    raw = data.slice(start, end - start).to_pybytes()
    return b"e" in raw or b"E" in raw


def _places(chunks: list[NDArray[np.int64]], rows: NDArray[np.intp]) -> list[tuple[int, int]]:
    """(chunk, row within it) of each flat row of consecutive chunks."""
    starts = np.cumsum([0, *(len(c) for c in chunks)])
    which = np.searchsorted(starts, rows, side="right") - 1
    return [(c, r - int(starts[c])) for c, r in zip(which.tolist(), rows.tolist(), strict=True)]


def _gather(chunks: list[NDArray[np.int64]], rows: NDArray[np.intp]) -> NDArray[np.int64]:
    """The values at flat ``rows`` of consecutive chunks."""
    return np.array([chunks[c][r] for c, r in _places(chunks, rows)], dtype=np.int64)


def _set(chunks: list[NDArray[np.int64]], rows: NDArray[np.intp], value: int) -> None:
    """Set the values at flat ``rows`` of consecutive chunks."""
    for c, r in _places(chunks, rows):
        chunks[c][r] = value


def _views(column: Any) -> list[NDArray[Any]]:
    """Numpy views on the chunks of a chunked numeric column without nulls."""
    return [numpy_view(chunk) for chunk in column.chunks]


def _row_numbers(at: NDArray[np.intp], n: int, malformed: ReadNotes | None) -> NDArray[np.int64]:
    """Data row numbers (header = row 0) of table rows ``at``, past skipped malformed lines."""
    if malformed is not None and malformed.rows:
        total = n + len(malformed.rows)
        number = np.setdiff1d(np.arange(1, total + 1), np.asarray(malformed.rows))[:n]
        return np.asarray(number[at], dtype=np.int64)
    return np.asarray(at, dtype=np.int64) + 1
