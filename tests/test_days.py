"""Days and periods: each scalar conversion and its columnar twin give the same numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.days import EPOCH, date_of, dates_of, day_number, day_numbers, day_of
from custrel.errors import NaiveDatetime
from custrel.lifecycle import LifecyclePolicy, Stage, derive
from custrel.periods import Period

dates = st.dates(date(1, 1, 1), date(9999, 12, 31))
date_lists = st.lists(dates, min_size=1, max_size=80)


@pytest.mark.parametrize("period", list(Period), ids=lambda p: p.value)
@given(days=date_lists)
def test_period_index_days_agrees_with_index(period, days):
    numbers = np.array([day_number(d) for d in days], dtype=np.int64)

    columnar = period.index_days(numbers).tolist()

    assert columnar == [period.index(d) for d in days]


@pytest.mark.parametrize("period", list(Period), ids=lambda p: p.value)
@given(start=st.dates(date(1900, 1, 1), date(2200, 1, 1)), length=st.integers(64, 400))
def test_period_index_days_of_a_long_run_of_days_agrees_with_index(period, start, length):
    # Long columns over few calendar days take the lookup-table path.
    days = [start + timedelta(days=k % 50) for k in range(length)]
    numbers = np.array([day_number(d) for d in days], dtype=np.int64)

    assert period.index_days(numbers).tolist() == [period.index(d) for d in days]


@given(date_lists)
def test_day_numbers_agree_with_the_scalar_rule(days):
    values = np.array(days, dtype="datetime64[D]")

    assert day_numbers(values).tolist() == [day_number(d) for d in days]


@given(st.lists(st.integers(day_number(date(1, 1, 1)), day_number(date(9999, 12, 31)))))
def test_dates_of_agree_with_the_scalar_rule(numbers):
    columnar = dates_of(np.array(numbers, dtype=np.int64)).astype(object).tolist()

    assert columnar == [date_of(n) for n in numbers]
    assert [day_number(date_of(n)) for n in numbers] == numbers


def test_the_epoch_is_day_zero():
    assert day_number(EPOCH) == 0
    assert date_of(0) == date(1970, 1, 1)


def test_a_zoned_timestamp_falls_on_its_local_calendar_day():
    evening_in_new_york = datetime(2024, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))

    assert day_of("date", evening_in_new_york) == date(2024, 3, 1)
    assert day_of("date", evening_in_new_york, timezone.utc) == date(2024, 3, 2)


def test_a_timestamp_without_a_zone_is_refused():
    with pytest.raises(NaiveDatetime):
        day_of("date", datetime(2024, 3, 1, 23, 30))


def test_derive_puts_a_zoned_purchase_on_its_local_day_unless_a_zone_is_named():
    new_york = timezone(timedelta(hours=-5))
    late = datetime(2024, 3, 1, 23, 30, tzinfo=new_york)  # 2 March in UTC
    next_morning = datetime(2024, 3, 2, 8, 0, tzinfo=new_york)

    as_written = derive([late, next_morning], as_of=date(2024, 3, 5))
    in_utc = derive(
        [late, next_morning], as_of=date(2024, 3, 5), policy=LifecyclePolicy(timezone=timezone.utc)
    )

    assert as_written.stage is Stage.REPEAT
    assert in_utc.stage is Stage.FIRST_TIME


def test_the_report_and_derive_put_a_zoned_purchase_on_the_same_local_day():
    from custrel.report import Transaction, analyze

    beijing = timezone(timedelta(hours=8))
    early = datetime(2024, 3, 2, 1, 30, tzinfo=beijing)  # 1 March in UTC

    report = analyze([Transaction("a", early, 10.0)], as_of=date(2024, 3, 5))  # type: ignore[arg-type]
    derived = derive([early], as_of=date(2024, 3, 5))

    assert report.customers.get("a").first_purchase == date(2024, 3, 2)
    assert derived.events[0].at.date() == date(2024, 3, 2)
