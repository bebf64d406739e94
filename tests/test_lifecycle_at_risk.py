"""At risk: the scalar rule and its columnar twin agree customer by customer."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from custrel.days import day_number
from custrel.lifecycle import Stage, at_risk_columns, is_at_risk

AS_OF = date(2025, 6, 30)
customers = st.lists(
    st.tuples(
        st.sampled_from(list(Stage)),
        st.integers(0, 2000),  # days from the first purchase to AS_OF
        st.integers(0, 2000),  # days from the last purchase to AS_OF
        st.integers(1, 60),  # purchase days
    ),
    min_size=1,
    max_size=40,
)
multiples = st.floats(0.1, 10, allow_nan=False)


@given(customers, multiples)
def test_at_risk_columns_agree_with_the_scalar_rule(rows, multiple):
    first = [AS_OF - timedelta(days=max(a, b)) for _, a, b, _ in rows]
    last = [AS_OF - timedelta(days=min(a, b)) for _, a, b, _ in rows]
    members = tuple(Stage)

    columnar = at_risk_columns(
        np.array([members.index(s) for s, *_ in rows], dtype=np.int8),
        np.array([day_number(d) for d in first], dtype=np.int64),
        np.array([day_number(d) for d in last], dtype=np.int64),
        np.array([n for *_, n in rows], dtype=np.int64),
        day_number(AS_OF),
        multiple,
    )

    scalar = [
        is_at_risk(stage, f, la, n, AS_OF, multiple)
        for (stage, _, _, n), f, la in zip(rows, first, last, strict=True)
    ]
    assert columnar.tolist() == scalar


def test_a_customer_silent_past_one_and_a_half_gaps_is_at_risk():
    first, last = date(2025, 1, 1), date(2025, 1, 11)  # one gap of 10 days

    assert not is_at_risk(Stage.REPEAT, first, last, 2, date(2025, 1, 26))  # 15 days: not yet
    assert is_at_risk(Stage.REPEAT, first, last, 2, date(2025, 1, 27))  # 16 days
    assert not is_at_risk(Stage.LOST, first, last, 2, date(2025, 3, 1))
    assert not is_at_risk(Stage.FIRST_TIME, last, last, 1, date(2025, 3, 1))
