"""Amount from quantity × unit price, exactly, for exports that record a unit price.

Rule: amount = quantity × price, computed on the engine's integer units (see
`custrel.report._units`): each factor must be a number of at most four decimal
places below the limit, and their product must itself have at most four decimal
places and be below the limit; anything else is refused with its row, column and
value, never rounded. A line the reader could not read (a malformed line, a cell
that is not text) stops the run here in either mode: the product needs both cells.
"""

# pyarrow ships no type information, so its arrays are typed Any here (private module).
# ruff: noqa: ANN401
from __future__ import annotations

import decimal
import math
import re
import warnings
from typing import TYPE_CHECKING, Any, Final

import attrs

from custrel.errors import InputDataError, InvalidValue, MissingColumns, UnitPriceWarning

if TYPE_CHECKING:
    from custrel.report import ColumnMap

__all__ = ["UNIT_PRICE_NAMES", "priced", "warn_unit_price", "with_margin"]

#: Column names (lower case, without spaces, ``_`` or ``-``) that mean a unit price.
UNIT_PRICE_NAMES: Final = frozenset(
    {"unitprice", "price", "priceeach", "itemprice", "单价", "价格", "售价"}
)
_SCALE: Final = 10**4
_LIMIT_UNITS: Final = 10**11 * _SCALE


def warn_unit_price(columns: ColumnMap) -> None:
    """Warn when the amount column is named like a unit price (revenue would miss quantities)."""
    key = re.sub(r"[\s_\-]", "", columns.amount).lower()
    if key in UNIT_PRICE_NAMES:
        warnings.warn(
            UnitPriceWarning(
                f"the amount column {columns.amount!r} looks like a unit price: revenue counts "
                f"one unit per line; for amount = quantity × price use --price-col "
                f"{columns.amount} --quantity-col NAME (单价列被当作金额：收入未乘数量)"
            ),
            stacklevel=3,
        )


#: The factors' rule, as errors show it.
_RULE: Final = (
    "must have at most 4 decimal places and be below 100,000,000,000 "
    "(amount = quantity × price, with --price-col)"
)


def _units(value: float, row: int, column: str) -> int:
    if not math.isfinite(value):
        raise InputDataError("must be finite (not NaN or infinite)", row=row, column=column)
    units = round(value * _SCALE)
    if units / _SCALE != value or not abs(value) < _LIMIT_UNITS / _SCALE:
        raise InputDataError(_RULE, row=row, column=column, value=repr(value))
    return units


def _numbers(column: Any, name: str) -> list[float | None]:
    import pyarrow as pa

    values: list[Any] = column.to_pylist()
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        return [None if v is None else float(v) for v in values]
    out: list[float | None] = []
    for row, cell in enumerate(values, start=1):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            out.append(None)
            continue
        try:
            number = float(cell)
        except (TypeError, ValueError):
            raise InputDataError(
                "must be a number (amount = quantity × price, with --price-col)",
                row=row,
                column=name,
                value=cell,
            ) from None
        if isinstance(cell, str) and math.isfinite(number) and not _kept(cell, number):
            raise InputDataError(_RULE, row=row, column=name, value=cell)
        out.append(number)
    return out


def _kept(cell: str, number: float) -> bool:
    """Whether the float parsed from ``cell`` is the value written and meets the rule.

    ``repr`` gives the shortest decimal that parses back to the float: a cell of at
    most 15 significant digits, as every value of the rule has, is that decimal; a
    cell with more digits, or too small for a float, is another.
    """
    units = round(number * _SCALE)
    return (
        decimal.Decimal(cell.strip()) == decimal.Decimal(repr(number))
        and units / _SCALE == number
        and abs(number) < _LIMIT_UNITS / _SCALE
    )


def priced(
    source: object, columns: ColumnMap, price: str, date_format: str | None
) -> tuple[Any, ColumnMap]:
    """``source`` as an arrow table whose amount column is quantity × price, and its map.

    Raises:
        InvalidValue: the price column is the quantity column or the amount column.
        InputDataError: a factor or the product cannot be held exactly, or a line
            could not be read.
    """
    import pyarrow as pa

    from custrel.report._sources import read_source

    if price in {columns.quantity, columns.customer_id, columns.date}:
        raise InvalidValue("price_col", price, "a column other than quantity, customer id or date")
    read_map = attrs.evolve(columns, amount=price)
    table, notes = read_source(source, read_map.names(), date_format, lenient=False)
    _readable(notes)
    absent = [
        (name, option)
        for name, option in (
            (columns.customer_id, "--customer-col"),
            (columns.date, "--date-col"),
            (price, "--price-col"),
            (columns.quantity, "--quantity-col"),
        )
        if name not in table.column_names
    ]
    if absent:
        raise MissingColumns([n for n, _ in absent], [o for _, o in absent], table.column_names)
    quantities = _numbers(table[columns.quantity], columns.quantity)
    prices = _numbers(table[price], price)
    amounts: list[float | None] = []
    for row, (q, p) in enumerate(zip(quantities, prices, strict=True), start=1):
        if q is None or p is None:
            amounts.append(None)
            continue
        product = _units(q, row, columns.quantity) * _units(p, row, price)
        if product % _SCALE or not abs(product) < _LIMIT_UNITS * _SCALE:
            raise InputDataError(
                "quantity × price must have at most 4 decimal places and be below "
                "100,000,000,000 (what the report holds exactly)",
                row=row,
                column=price,
                value=f"{q!r} × {p!r}",
            )
        amounts.append(product // _SCALE / _SCALE)
    amount_name = "amount" if columns.amount == price else columns.amount
    kept = [n for n in table.column_names if n != amount_name]
    table = table.select(kept).append_column(amount_name, pa.array(amounts, pa.float64()))
    return table, attrs.evolve(columns, amount=amount_name)


def with_margin(
    source: object, columns: ColumnMap, rate: float, date_format: str | None
) -> tuple[Any, ColumnMap]:
    """``source`` as an arrow table with a cost column assumed from a gross margin.

    Rule: cost = amount × (1 − rate), to the nearest ten-thousandth of the unit (the
    report's unit), so profit = revenue − cost = revenue × rate within that per line.
    A row whose amount is not a number gets no cost (the checks reject it anyway).

    Raises:
        InvalidValue: the log has a cost column already (an assumption must not hide data).
        InputDataError: a line could not be read.
    """
    import pyarrow as pa

    from custrel.report._sources import read_source

    table, notes = read_source(source, columns.names(), date_format, lenient=False)
    _readable(notes)
    present = [
        name
        for name in (columns.cost, columns.service_cost, columns.bad_debt)
        if name in table.column_names
    ]
    if present:
        raise InvalidValue(
            "gross_margin",
            rate,
            f"no cost column in the log (it has {', '.join(present)}: the profit is known)",
        )
    if columns.amount not in table.column_names:
        return table, columns  # the checks name the missing columns
    costs: list[float | None] = []
    for cell in table[columns.amount].to_pylist():
        try:
            amount = float(cell)
        except (TypeError, ValueError):
            costs.append(None)
            continue
        if not math.isfinite(amount):
            costs.append(None)
            continue
        costs.append(round(amount * _SCALE * (1.0 - rate)) / _SCALE)
    return table.append_column(columns.cost, pa.array(costs, pa.float64())), columns


def _readable(notes: Any) -> None:
    """Refuse a read that found malformed lines or broken cells (the derived column needs all)."""
    if notes is not None and notes.rows:
        raise InputDataError(
            "each line must have the header's fields (is --delimiter right?)",
            row=notes.rows[0],
            value=notes.texts[0],
        )
    if notes is not None and notes.flags:
        flag = next(iter(notes.flags.values()))
        raise InputDataError(
            flag.rule, row=flag.rows[0] + 1, column=flag.column, value=flag.texts[0]
        )
