"""Tests for custrel.business_calendar: working time with weekends, holidays and 调休."""

from __future__ import annotations

import functools
import importlib.util
import sys
from datetime import date, datetime, time, timedelta, timezone
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.business_calendar import CHINA_STANDARD_TIME, BusinessCalendar, FixedClock
from custrel.errors import InvalidValue, NaiveDatetime
from strategies_complaints import calendars, instants_2025

CST = CHINA_STANDARD_TIME
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))

# National Day 2025 as published by the State Council: 1-8 October off, Sunday 28
# September and Saturday 11 October worked (国务院办公厅 2025 年部分节假日安排).
NATIONAL_DAY = BusinessCalendar(
    holidays=frozenset(date(2025, 10, d) for d in range(1, 9)),
    makeup_workdays=frozenset({date(2025, 9, 28), date(2025, 10, 11)}),
)


def test_a_default_working_day_has_eight_hours() -> None:
    cal = BusinessCalendar()

    length = cal.working_day_length

    assert length == timedelta(hours=8)  # 9-12 and 13-18


def test_a_make_up_saturday_counts_and_a_holiday_does_not() -> None:
    saturday, holiday = date(2025, 10, 11), date(2025, 10, 1)

    assert NATIONAL_DAY.is_working_day(saturday)
    assert not NATIONAL_DAY.is_working_day(holiday)
    assert not NATIONAL_DAY.is_working_day(date(2025, 10, 4))  # an ordinary Saturday inside
    assert NATIONAL_DAY.is_working_day(date(2025, 10, 9))  # Thursday after the holiday


def test_working_time_across_the_national_day_break() -> None:
    start = datetime(2025, 9, 30, 17, 0, tzinfo=CST)  # Tuesday, one hour before closing
    end = datetime(2025, 10, 9, 10, 0, tzinfo=CST)  # Thursday after the break

    elapsed = NATIONAL_DAY.between(start, end)

    assert elapsed == timedelta(hours=2)  # 17-18 on the 30th, 9-10 on the 9th


def test_adding_working_time_skips_lunch_nights_and_weekends() -> None:
    friday_afternoon = datetime(2025, 3, 7, 11, 0, tzinfo=CST)
    cal = BusinessCalendar()

    due = cal.add(friday_afternoon, timedelta(hours=8))

    # 11-12 (1h) and 13-18 (5h) on Friday, then 9-11 on Monday (2h)
    assert due == datetime(2025, 3, 10, 11, 0, tzinfo=CST)


def test_a_make_up_sunday_is_used_when_adding_time() -> None:
    saturday = datetime(2025, 9, 27, 10, 0, tzinfo=CST)

    due = NATIONAL_DAY.add(saturday, timedelta(hours=1))

    assert due == datetime(2025, 9, 28, 10, 0, tzinfo=CST)


def test_the_same_working_day_ends_at_close_of_business() -> None:
    cal = BusinessCalendar()
    morning = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
    evening = datetime(2025, 3, 3, 19, 0, tzinfo=CST)
    saturday = datetime(2025, 3, 8, 10, 0, tzinfo=CST)

    assert cal.end_of_working_day(morning) == datetime(2025, 3, 3, 18, 0, tzinfo=CST)
    assert cal.end_of_working_day(evening) == datetime(2025, 3, 4, 18, 0, tzinfo=CST)
    assert cal.end_of_working_day(saturday) == datetime(2025, 3, 10, 18, 0, tzinfo=CST)


def test_other_timezones_are_read_in_the_calendars_own() -> None:
    utc_morning = datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc)  # 09:00 in Beijing

    assert BusinessCalendar().is_working_time(utc_morning)
    assert not BusinessCalendar().is_working_time(utc_morning - timedelta(minutes=1))


@given(calendars(), instants_2025, amounts, amounts)
def test_adding_business_time_is_monotone(
    cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    small, large = sorted((a, b))

    assert cal.add(start, small) <= cal.add(start, large)


@given(calendars(), instants_2025, amounts)
def test_adding_then_measuring_gives_back_the_amount(
    cal: BusinessCalendar, start: datetime, amount: timedelta
) -> None:
    due = cal.add(start, amount)

    assert cal.between(start, due) == amount


@given(calendars(), instants_2025, instants_2025, instants_2025)
def test_working_time_is_additive(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))

    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)


@given(calendars(), st.dates(date(2025, 1, 1), date(2025, 12, 31)))
def test_a_day_holds_a_full_working_day_exactly_when_it_is_a_working_day(
    cal: BusinessCalendar, day: date
) -> None:
    start = datetime.combine(day, time(0), tzinfo=CST)

    worked = cal.between(start, start + timedelta(days=1))

    expected = cal.working_day_length if cal.is_working_day(day) else timedelta(0)
    assert worked == expected
    if day in cal.makeup_workdays:
        assert worked == timedelta(hours=8)
    if day in cal.holidays:
        assert worked == timedelta(0)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(NaiveDatetime, match="start"):
        BusinessCalendar().between(datetime(2025, 3, 3, 9), datetime(2025, 3, 3, 10, tzinfo=CST))


def test_a_make_up_day_cannot_also_be_a_holiday() -> None:
    sunday = date(2025, 9, 28)

    with pytest.raises(InvalidValue, match="makeup_workdays"):
        BusinessCalendar(holidays=frozenset({sunday}), makeup_workdays=frozenset({sunday}))


def test_a_make_up_day_must_be_a_weekend_day() -> None:
    with pytest.raises(InvalidValue, match="weekend days only"):
        BusinessCalendar(makeup_workdays=frozenset({date(2025, 9, 29)}))  # a Monday


@pytest.mark.parametrize(
    "hours",
    [
        (),
        ((time(12), time(9)),),
        ((time(9), time(13)), (time(12), time(18))),
    ],
)
def test_malformed_working_hours_are_refused(hours: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(InvalidValue, match="hours"):
        BusinessCalendar(hours=hours)


def test_a_week_of_rest_days_is_refused() -> None:
    with pytest.raises(InvalidValue, match="weekend"):
        BusinessCalendar(weekend=frozenset(range(7)))


def test_adding_negative_time_is_refused() -> None:
    with pytest.raises(InvalidValue, match="amount"):
        BusinessCalendar().add(datetime(2025, 3, 3, 9, tzinfo=CST), timedelta(hours=-1))


def test_a_fixed_clock_only_moves_forward() -> None:
    clock = FixedClock(datetime(2025, 3, 3, 9, tzinfo=CST))

    later = clock.advance(timedelta(hours=1))

    assert later.now() - clock.now() == timedelta(hours=1)
    with pytest.raises(InvalidValue, match="delta"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(NaiveDatetime):
        FixedClock(datetime(2025, 3, 3, 9))


# --- China's official schedule, from the chinesecalendar package (cn-calendar extra) -----


@pytest.fixture(scope="module")
def chinese_calendar() -> ModuleType:
    return pytest.importorskip("chinese_calendar", reason="the cn-calendar extra is absent")


needs_cn_calendar = pytest.mark.skipif(
    importlib.util.find_spec("chinese_calendar") is None, reason="the cn-calendar extra is absent"
)


@pytest.fixture(scope="module")
def china_2025() -> BusinessCalendar:
    pytest.importorskip("chinese_calendar", reason="the cn-calendar extra is absent")
    return BusinessCalendar.china(2025)


def test_the_official_2025_national_day_schedule_matches_the_hand_given_one(
    china_2025: BusinessCalendar,
) -> None:
    autumn = [date(2025, 9, 20) + timedelta(days=d) for d in range(30)]

    official = [china_2025.is_working_day(day) for day in autumn]

    assert official == [NATIONAL_DAY.is_working_day(day) for day in autumn]


def test_the_official_2025_spring_festival_has_its_make_up_weekend_days(
    china_2025: BusinessCalendar,
) -> None:
    # 28 January to 4 February off; Sunday 26 January and Saturday 8 February worked.
    off = [date(2025, 1, 28) + timedelta(days=d) for d in range(8)]

    assert not any(china_2025.is_working_day(day) for day in off)
    assert china_2025.is_working_day(date(2025, 1, 26))
    assert china_2025.is_working_day(date(2025, 2, 8))
    assert china_2025.makeup_workdays >= {date(2025, 1, 26), date(2025, 2, 8)}


def test_a_complaint_before_the_national_day_break_is_due_after_it(
    china_2025: BusinessCalendar,
) -> None:
    tuesday_evening = datetime(2025, 9, 30, 17, 0, tzinfo=CST)

    due = china_2025.add(tuesday_evening, timedelta(hours=2))

    assert due == datetime(2025, 10, 9, 10, 0, tzinfo=CST)


@given(day=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))
def test_the_calendar_agrees_with_chinesecalendar_on_every_day(
    chinese_calendar: ModuleType, day: date
) -> None:
    cal = _china_2024_2026()

    assert cal.is_working_day(day) == chinese_calendar.is_workday(day)


@functools.cache
def _china_2024_2026() -> BusinessCalendar:
    return BusinessCalendar.china(2024, 2026)


def test_a_day_outside_the_years_covered_is_refused_not_guessed(
    china_2025: BusinessCalendar,
) -> None:
    with pytest.raises(InvalidValue, match=r"2025–2025"):
        china_2025.is_working_day(date(2026, 1, 1))
    with pytest.raises(InvalidValue, match="day"):
        china_2025.between(
            datetime(2025, 12, 31, 9, tzinfo=CST), datetime(2026, 1, 2, 9, tzinfo=CST)
        )


@needs_cn_calendar
def test_a_year_the_package_has_no_schedule_for_is_refused() -> None:
    with pytest.raises(InvalidValue, match="year") as caught:
        BusinessCalendar.china(1990)

    assert caught.value.value == 1990


@needs_cn_calendar
def test_the_years_must_run_forwards() -> None:
    with pytest.raises(InvalidValue, match="last_year"):
        BusinessCalendar.china(2025, 2024)


@needs_cn_calendar
def test_the_official_calendar_keeps_the_callers_hours() -> None:
    cal = BusinessCalendar.china(2025, hours=((time(8, 0), time(16, 0)),))

    assert cal.working_day_length == timedelta(hours=8)
    assert cal.intervals(date(2025, 9, 28))[0][0] == datetime(2025, 9, 28, 8, tzinfo=CST)


def test_a_hand_given_calendar_answers_for_any_year() -> None:
    assert BusinessCalendar().is_working_day(date(2099, 6, 1))  # a Monday, taken as given


@pytest.mark.parametrize("years", [(2026, 2025), (2025,), ("2025", 2026), (True, 2025)])
def test_malformed_years_are_refused(years: object) -> None:
    with pytest.raises(InvalidValue, match="years"):
        BusinessCalendar(years=years)  # type: ignore[arg-type]


def test_without_the_extra_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "chinese_calendar", None)  # an import of it fails

    with pytest.raises(ModuleNotFoundError, match=r"custrel\[cn-calendar\]"):
        BusinessCalendar.china(2025)
