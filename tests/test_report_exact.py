"""Money is exact: amounts are kept as written or refused, and sums do not depend on order.

Every number is held as whole ten-thousandths (`custrel.report._units`): a cell
whose written value has more decimals, or is too large, is refused with its row,
column and text; any order or split of a log gives bit-identical customers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from tempfile import TemporaryDirectory

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InputDataError, NoRowsAccepted
from custrel.report import OnError, Transaction, analyze
from custrel.report._units import LIMIT, RULE, SCALE
from strategies_report import AS_OF, customer_ids, days

# Four decimal places, across magnitudes where float sums lose their last bits.
fine_amounts = st.integers(0, 10**13).map(lambda units: units / 10_000)
costed = st.builds(
    Transaction,
    customer_id=customer_ids,
    date=days,
    amount=fine_amounts,
    cost=fine_amounts,
    discount=fine_amounts,
    service_cost=fine_amounts,
)
costed_logs = st.lists(costed, min_size=1, max_size=50)


def _table(log):
    return pa.table(
        {
            "customer_id": [t.customer_id for t in log],
            "date": pa.array([t.date for t in log], pa.date32()),
            **{
                name: pa.array([getattr(t, name) for t in log], pa.float64())
                for name in ("amount", "cost", "discount", "service_cost")
            },
        }
    )


@given(costed_logs, st.randoms(use_true_random=False), st.integers(1, 7))
def test_any_order_and_chunking_give_bit_identical_customers(log, random, pieces):
    shuffled = list(log)
    random.shuffle(shuffled)
    table = _table(shuffled)
    size = max(1, len(shuffled) // pieces)
    chunked = pa.concat_tables([table.slice(a, size) for a in range(0, len(shuffled), size)])

    first = analyze(log, as_of=AS_OF)
    second = analyze(chunked, as_of=AS_OF)

    assert list(first.customers) == list(second.customers)
    for name, column in first.customers.numbers.items():
        assert column.tobytes() == second.customers.numbers[name].tobytes(), name


def test_an_amount_finer_than_four_decimals_is_refused_with_its_row():
    log = [
        Transaction("a", dt.date(2024, 1, 5), 10.25),
        Transaction("a", dt.date(2024, 1, 6), 10.12345),
    ]

    with pytest.raises(InputDataError) as raised:
        analyze(log, as_of=AS_OF)

    error = raised.value
    assert (error.row, error.column, error.value) == (2, "amount", "10.12345")
    assert "at most 4 decimal places" in str(error)


def test_in_skip_mode_an_inexact_cost_is_rejected_and_the_rest_kept():
    log = [
        Transaction("a", dt.date(2024, 1, 5), 10.0, cost=1.00001),
        Transaction("b", dt.date(2024, 1, 6), 3.5, cost=1.0),
    ]

    report = analyze(log, as_of=AS_OF, on_error=OnError.SKIP)

    assert report.counts.rows_rejected == 1
    (rejected,) = report.rejects()
    assert (rejected.row, rejected.column, rejected.value) == (1, "cost", "1.00001")
    assert [c.customer_id for c in report.customers] == ["b"]


def test_an_amount_of_a_hundred_billion_or_more_is_refused():
    with pytest.raises(InputDataError, match="below 100,000,000,000"):
        analyze([Transaction("a", dt.date(2024, 1, 5), 1e11)], as_of=AS_OF)


# --- amounts as written: the text, not its nearest float, must meet the rule ---------

#: Cells whose nearest float64 looks like an amount of four decimals, but whose written
#: value is not one: each kind of digit a float64 drops.
HIDDEN_DIGITS = {
    "many decimals": "1.00000000000000000001",
    "a float's exact expansion": "0.1000000000000000055511151231257827",
    "sixteen significant digits": "99999999999.99999",
    "an exponent below the float range": "1e-400",
    "a long zero-led value below the float range": "0." + "0" * 400 + "1",
    "an exponent with five decimals": "1e-5",
    "a scaled mantissa with five decimals": "1.2345678e2",
}
#: Cells whose written value has at most four decimals, however it is written.
WRITTEN_EXACTLY = {
    "12.50000000000000000000": 12.5,
    "00000000000000000000012.5": 12.5,
    "1E3": 1000.0,
    "1e+2": 100.0,
    "1.5e-3": 0.0015,
    "0e5": 0.0,
    "99999999999.99990000": 99999999999.9999,
}
NUMBER_COLUMNS = ("amount", "cost", "service_cost", "discount", "bad_debt", "days_late", "quantity")


def _log_file(folder: Path, column: str, cell: str, *, padded: bool = False) -> Path:
    """A CSV whose second row holds ``cell`` in ``column`` (every other number is 1)."""
    header = ["customer_id", "date", *NUMBER_COLUMNS]
    rows = [["a", "2024-01-05"], ["b", "2024-01-06"]]
    for row in rows:
        row.extend([" 1" if padded else "1"] * len(NUMBER_COLUMNS))
    rows[1][header.index(column)] = cell
    path = folder / "log.csv"
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    return path


@pytest.mark.parametrize("column", NUMBER_COLUMNS)
@pytest.mark.parametrize("kind", sorted(HIDDEN_DIGITS))
def test_a_csv_number_with_digits_its_float_drops_is_refused_with_the_cell_as_written(
    tmp_path, kind, column
):
    cell = HIDDEN_DIGITS[kind]
    with pytest.raises(InputDataError) as raised:
        analyze(_log_file(tmp_path, column, cell), as_of=AS_OF)

    error = raised.value
    assert (error.row, error.column, error.value) == (2, column, cell)
    assert error.rule == f"{column} {RULE}"


@pytest.mark.parametrize("kind", sorted(HIDDEN_DIGITS))
def test_the_text_rule_holds_when_the_cells_are_read_one_by_one_too(tmp_path, kind):
    # Padded cells leave arrow's parse to the per-cell number rule: the same verdict.
    cell = HIDDEN_DIGITS[kind]
    report = analyze(_log_file(tmp_path, "cost", cell, padded=True), as_of=AS_OF, on_error="skip")

    (rejected,) = report.rejects()
    assert (rejected.row, rejected.column, rejected.value) == (2, "cost", cell)
    assert [c.customer_id for c in report.customers] == ["a"]


@pytest.mark.parametrize("kind", sorted(HIDDEN_DIGITS))
@pytest.mark.parametrize("frame", ["arrow", "pandas", "polars"])
def test_text_amounts_in_a_table_meet_the_rule_as_written(kind, frame):
    import pandas as pd
    import polars as pl

    columns = {"customer_id": ["a", "b"], "date": ["2024-01-05", "2024-01-06"]}
    columns["amount"] = ["3", HIDDEN_DIGITS[kind]]
    source = {
        "arrow": lambda: pa.table(columns),
        "pandas": lambda: pd.DataFrame(columns),
        "polars": lambda: pl.DataFrame(columns),
    }[frame]()

    with pytest.raises(InputDataError) as raised:
        analyze(source, as_of=AS_OF)
    assert (raised.value.row, raised.value.value) == (2, HIDDEN_DIGITS[kind])


@pytest.mark.parametrize(("cell", "value"), sorted(WRITTEN_EXACTLY.items()))
def test_a_number_of_at_most_four_decimals_is_kept_however_it_is_written(tmp_path, cell, value):
    report = analyze(_log_file(tmp_path, "amount", cell), as_of=AS_OF)

    assert {c.customer_id: c.revenue for c in report.customers} == {"a": 1.0, "b": value}


_MANTISSAS = st.tuples(
    st.integers(0, 10**25), st.integers(0, 30), st.integers(0, 3), st.integers(0, 3)
).map(lambda t: _written(*t))
_EXPONENTS = st.one_of(
    st.just(""), st.integers(-420, 30).map(lambda e: f"e{e:+d}" if e % 2 else f"E{e}")
)


def _written(digits: int, point: int, leading: int, trailing: int) -> str:
    """A decimal as someone might write it: digits, a point somewhere, padding zeros."""
    text = "0" * leading + str(digits) + "0" * trailing
    at = max(0, len(text) - point)
    return f"{text[:at] or '0'}.{text[at:]}" if point else text


@given(st.lists(st.tuples(_MANTISSAS, _EXPONENTS).map("".join), min_size=1, max_size=30))
def test_a_written_number_is_kept_exactly_when_its_value_has_four_decimals(cells):
    with TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        lines = ["customer_id,date,amount", *(f"c{i},2024-01-05,{c}" for i, c in enumerate(cells))]
        path.write_text("\n".join(lines) + "\n")
        try:
            report = analyze(path, as_of=AS_OF, on_error="skip")
        except NoRowsAccepted as error:
            rejected = set(error.rejects.column("row").to_pylist())  # type: ignore[attr-defined]
            revenue = {}
        else:
            rejected = {r.row for r in report.rejects()}
            revenue = {c.customer_id: c.revenue for c in report.customers}

    for row, cell in enumerate(cells, start=1):
        exact = Fraction(Decimal(cell))
        fits = (exact * SCALE).denominator == 1 and exact < LIMIT
        assert (row not in rejected) == fits, cell
        if fits:
            assert revenue[f"c{row - 1}"] == float(exact), cell


# --- whole-log totals: exact, and past a double's range a typed error -------------------


def test_a_whole_log_total_is_exact_where_a_float_sum_would_overflow_on_the_way():
    import numpy as np

    from custrel.report.partition import ExactSum

    terms = np.array([1e308, 1e308, -1e308])
    with np.errstate(over="ignore"):
        assert terms[0] + terms[1] + terms[2] == float("inf")  # a float sum overflows midway
    assert ExactSum.of(terms).value() == 1e308


def test_a_whole_log_total_beyond_a_double_is_a_typed_error_not_infinity():
    import attrs
    import numpy as np

    from custrel.errors import InvalidValue
    from custrel.report import ColumnMap, ReportPolicy
    from custrel.report.partition import ExactSum, analyze_partition, merge_overviews

    log = [Transaction("a", dt.date(2024, 1, 5), 10.0)]
    part = analyze_partition(
        log, as_of=AS_OF, policy=ReportPolicy(), columns=ColumnMap(), on_error=OnError.RAISE
    )
    huge = attrs.evolve(part.overview, revenue=ExactSum.of(np.array([1.5e308])))

    with pytest.raises(InvalidValue, match="range of a double"):
        merge_overviews([huge, huge], policy=ReportPolicy(), as_of=AS_OF, currency="EUR")


@given(
    st.lists(st.floats(-1e300, 1e300, allow_nan=False), max_size=30),
    st.integers(1, 4),
    st.integers(1, 3),
)
def test_exact_sums_in_groups_and_blocks_are_the_correctly_rounded_totals(values, block, groups):
    from unittest import mock

    import numpy as np

    from custrel.report import partition

    array = np.array(values, dtype=np.float64)
    group = np.arange(len(values), dtype=np.int64) % groups
    with mock.patch.object(partition, "_EXACT_COUNT", block):
        sums = partition.ExactSum.grouped(array, group, groups)
    for g, total in enumerate(sums):
        exact = sum((Fraction(v) for v in values[g::groups]), Fraction(0))
        if abs(exact) < Fraction(1.7e308):
            assert total.value() == float(exact)


@pytest.mark.parametrize("kind", sorted(HIDDEN_DIGITS))
def test_a_netted_return_meets_the_rule_as_written_too(tmp_path, kind):
    path = tmp_path / "log.csv"
    cell = "-" + HIDDEN_DIGITS[kind]
    path.write_text(
        f"customer_id,date,amount\na,2024-01-05,10\na,2024-01-06,-2.5\na,2024-01-07,{cell}\n"
    )

    report = analyze(path, as_of=AS_OF, returns="net", on_error="skip")

    (rejected,) = report.rejects()
    assert (rejected.row, rejected.column, rejected.value) == (3, "amount", cell)
    assert rejected.rule == f"amount {RULE}"
    assert [c.revenue for c in report.customers] == [7.5]


@pytest.mark.parametrize("column", ["Quantity", "UnitPrice"])
@pytest.mark.parametrize("kind", sorted(HIDDEN_DIGITS))
def test_a_unit_price_or_quantity_meets_the_rule_as_written(tmp_path, kind, column):
    from custrel.report import ColumnMap

    cells = {"Quantity": "6", "UnitPrice": "2.55", column: HIDDEN_DIGITS[kind]}
    path = tmp_path / "retail.csv"
    path.write_text(
        "CustomerID,InvoiceDate,Quantity,UnitPrice\n"
        "17850,2024-01-05,6,3.39\n"
        f"17850,2024-01-06,{cells['Quantity']},{cells['UnitPrice']}\n"
    )
    columns = ColumnMap(customer_id="CustomerID", date="InvoiceDate", quantity="Quantity")

    with pytest.raises(InputDataError) as raised:
        analyze(path, as_of=AS_OF, columns=columns, price_column="UnitPrice")
    assert (raised.value.row, raised.value.column, raised.value.value) == (
        2,
        column,
        HIDDEN_DIGITS[kind],
    )
    assert "at most 4 decimal places" in raised.value.rule
