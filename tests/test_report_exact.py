"""Money sums are exact: any order or split of a log gives bit-identical customers."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InputDataError
from custrel.report import OnError, Transaction, analyze
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
