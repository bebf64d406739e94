"""A customer's yearly value: the scalar rule and its columnar twin agree bit for bit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from custrel.days import day_number
from custrel.money import Money
from custrel.retention import lost_customers_churn_cost, yearly_value, yearly_value_columns

rows = st.lists(
    st.tuples(
        st.floats(-1e12, 1e12, allow_nan=False),
        st.dates(date(2000, 1, 1), date(2030, 1, 1)),
        st.integers(0, 5000),
    ),
    min_size=1,
    max_size=40,
)


@given(rows)
def test_yearly_value_columns_agree_with_the_scalar_rule(values):
    firsts = [f for _, f, _ in values]
    lasts = [f + timedelta(days=span) for _, f, span in values]

    columnar = yearly_value_columns(
        np.array([a for a, _, _ in values], dtype=np.float64),
        np.array([day_number(d) for d in firsts], dtype=np.int64),
        np.array([day_number(d) for d in lasts], dtype=np.int64),
    )

    scalar = [
        yearly_value(a, f, la) for (a, _, _), f, la in zip(values, firsts, lasts, strict=True)
    ]
    assert columnar.tolist() == scalar


def test_a_span_under_a_year_counts_as_a_year():
    assert yearly_value(120.0, date(2024, 1, 1), date(2024, 1, 1)) == 120.0
    assert yearly_value(1000.0, date(2020, 1, 1), date(2023, 12, 31)) == 250.0  # 1,461 days


def test_the_lost_customers_cost_reads_the_engines_floats_to_the_cent_and_basis_point():
    cost = lost_customers_churn_cost(3, 100.0, 0.1 + 0.2, "USD")

    assert cost is not None
    assert cost.revenue_per_customer == Money.of("33.33", "USD")
    assert cost.margin == Decimal("0.0030")
    assert cost.lost_customers == 3
