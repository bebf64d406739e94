"""Business time: working hours, weekends, holidays and China's make-up working days (调休).

The complaint desk answers "the same day" (the CRM chapter §2, 处理投诉要点 (3) 动作要快:
最好当天给客户答复), and its service-level clocks count working time, not wall time.
A `BusinessCalendar` says which instants are working time: the working hours
of each working day, where a working day is a weekday that is not a public holiday,
or a weekend day the government has declared a make-up working day (调休上班日).

China publishes its holiday and make-up schedule each year (国务院办公厅 放假安排), so
custrel ships no dates of its own. Either pass the year's ``holidays`` and
``makeup_workdays`` by hand, or take them from the ``chinesecalendar`` package (the
``cn-calendar`` extra), which is updated as each year's schedule is published:
`BusinessCalendar.china` builds a calendar that knows which years it covers and refuses
to guess about any other.

Time is read from an injectable `Clock` so that tests and replays never depend
on the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Final, Protocol

import attrs

from custrel._validators import aware, require_aware
from custrel.errors import InvalidValue

__all__ = [
    "CHINA_STANDARD_TIME",
    "BusinessCalendar",
    "Clock",
    "FixedClock",
    "SystemClock",
]

#: China Standard Time, UTC+8 all year (China has observed no daylight saving since 1991).
CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8), "CST")

#: Default working hours: 9:00-12:00 and 13:00-18:00, an eight-hour day with a lunch break.
#: The texts are silent; this is the common office schedule in China (a **Decision**).
DEFAULT_HOURS: Final[tuple[tuple[time, time], ...]] = (
    (time(9, 0), time(12, 0)),
    (time(13, 0), time(18, 0)),
)

#: Saturday and Sunday (``date.weekday()`` numbering, Monday = 0).
DEFAULT_WEEKEND: Final[frozenset[int]] = frozenset({5, 6})

#: How far `BusinessCalendar.add` searches before deciding the calendar has no working time.
_SEARCH_DAYS: Final = 3660


class Clock(Protocol):
    """Where custrel reads "now" from; inject a `FixedClock` in tests."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@attrs.frozen
class SystemClock:
    """The real clock: ``datetime.now(timezone.utc)``."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(timezone.utc)


@attrs.frozen
class FixedClock:
    """A clock that always says ``at``; ``advance`` returns a later clock.

    Example:
        >>> clock = FixedClock(datetime(2025, 3, 3, 9, tzinfo=CHINA_STANDARD_TIME))
        >>> clock.advance(timedelta(hours=2)).now().hour
        11
    """

    at: datetime = attrs.field(validator=aware)

    def now(self) -> datetime:
        """The fixed instant."""
        return self.at

    def advance(self, delta: timedelta) -> FixedClock:
        """A clock ``delta`` later; ``delta`` must not be negative.

        Raises:
            InvalidValue: ``delta`` is negative.
        """
        if delta < timedelta(0):
            raise InvalidValue("delta", delta, "a timedelta >= 0; clocks do not run backwards")
        return FixedClock(self.at + delta)


# Typed converters, so that the generated __init__ says what it accepts.
def _as_hours(value: Iterable[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    return tuple(value)


def _as_weekdays(value: Iterable[int]) -> frozenset[int]:
    return frozenset(value)


def _as_days(value: Iterable[date]) -> frozenset[date]:
    return frozenset(value)


def _check_hours(
    _instance: object,
    attribute: attrs.Attribute[tuple[tuple[time, time], ...]],
    value: tuple[tuple[time, time], ...],
) -> None:
    allowed = (
        "non-empty, sorted, non-overlapping (start, end) pairs of naive times with start < end"
    )
    if not value:
        raise InvalidValue(attribute.name, value, allowed, "no working hours")
    previous_end: time | None = None
    pairs: tuple[object, ...] = value
    for pair in pairs:
        if not (
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(t, time) for t in pair)
        ):
            raise InvalidValue(attribute.name, value, allowed, "not pairs of datetime.time")
        start, end = pair
        if start.tzinfo is not None or end.tzinfo is not None:
            raise InvalidValue(attribute.name, value, allowed, "times carry their own timezone")
        if start >= end:
            raise InvalidValue(attribute.name, value, allowed, f"{start} is not before {end}")
        if previous_end is not None and start < previous_end:
            raise InvalidValue(attribute.name, value, allowed, "intervals overlap or are unsorted")
        previous_end = end


def _check_years(
    _instance: object,
    attribute: attrs.Attribute[tuple[int, int] | None],
    value: tuple[int, int] | None,
) -> None:
    if value is None:
        return
    pair: object = value
    if not (
        isinstance(pair, tuple)
        and len(pair) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in pair)
        and pair[0] <= pair[1]
    ):
        raise InvalidValue(attribute.name, value, "None or (first year, last year), first <= last")


def _check_weekend(
    _instance: object, attribute: attrs.Attribute[frozenset[int]], value: frozenset[int]
) -> None:
    days: frozenset[object] = value
    if not all(isinstance(d, int) and 0 <= d <= 6 for d in days) or len(days) >= 7:
        raise InvalidValue(
            attribute.name, sorted(value), "weekday numbers 0 (Monday) to 6, at most six of them"
        )


@attrs.frozen
class BusinessCalendar:
    """Working time: hours of each working day, weekends, holidays and make-up days (调休).

    A day is a working day when it is a make-up working day, or when it is neither a
    weekend day nor a holiday. Make-up days must fall on weekend days and may not also
    be holidays.

    Attributes:
        tz: the timezone the working hours are read in.
        hours: the working intervals of a working day, as naive local times.
        weekend: weekday numbers (Monday = 0) that are normally rest days.
        holidays: public holidays (法定节假日), rest days even on weekdays.
        makeup_workdays: weekend days declared working days (调休上班日).
        years: the first and last year whose holidays and make-up days the calendar
            holds; a day outside them is refused rather than guessed. ``None`` (the
            default for a hand-given calendar): every day is taken as given.

    Raises:
        InvalidValue: malformed hours, weekend or years, a make-up day that is also a
            holiday or that is not a weekend day.

    Example:
        >>> cal = BusinessCalendar(
        ...     holidays=frozenset({date(2025, 10, 1)}),
        ...     makeup_workdays=frozenset({date(2025, 9, 28)}),  # a Sunday
        ... )
        >>> cal.is_working_day(date(2025, 9, 28)), cal.is_working_day(date(2025, 10, 1))
        (True, False)
    """

    tz: tzinfo = attrs.field(default=CHINA_STANDARD_TIME)
    hours: tuple[tuple[time, time], ...] = attrs.field(
        default=DEFAULT_HOURS, converter=_as_hours, validator=_check_hours
    )
    weekend: frozenset[int] = attrs.field(
        default=DEFAULT_WEEKEND, converter=_as_weekdays, validator=_check_weekend
    )
    holidays: frozenset[date] = attrs.field(factory=frozenset, converter=_as_days)
    makeup_workdays: frozenset[date] = attrs.field(factory=frozenset, converter=_as_days)
    years: tuple[int, int] | None = attrs.field(default=None, validator=_check_years)

    @classmethod
    def china(
        cls,
        first_year: int,
        last_year: int | None = None,
        *,
        tz: tzinfo = CHINA_STANDARD_TIME,
        hours: tuple[tuple[time, time], ...] = DEFAULT_HOURS,
    ) -> BusinessCalendar:
        """China's official working days for the years asked for, from ``chinesecalendar``.

        Public holidays that fall on weekdays, the weekdays given as rest in lieu (调休)
        and the weekend days declared make-up working days (调休上班日) are read from the
        `chinesecalendar` package (install the ``cn-calendar`` extra). The calendar
        refuses to answer for days outside the years asked for.

        Args:
            first_year: the first year to cover.
            last_year: the last year to cover (default: ``first_year``).
            tz: the timezone the working hours are read in.
            hours: the working intervals of a working day.

        Raises:
            InvalidValue: ``last_year`` is before ``first_year``, or a year the installed
                ``chinesecalendar`` has no schedule for (a newer release may).
            ModuleNotFoundError: ``chinesecalendar`` is not installed.

        Example:
            ```python
            cal = BusinessCalendar.china(2025)
            cal.is_working_day(date(2025, 9, 28))  # True: a Sunday worked (调休上班日)
            cal.is_working_day(date(2025, 10, 8))  # False: a Wednesday off in lieu
            ```
        """
        last = first_year if last_year is None else last_year
        if last < first_year:
            raise InvalidValue("last_year", last, f"a year from first_year ({first_year}) on")
        try:
            import chinese_calendar
        except ModuleNotFoundError as missing:
            raise ModuleNotFoundError(
                "BusinessCalendar.china needs the chinesecalendar package: "
                "pip install 'custrel[cn-calendar]'",
                name="chinese_calendar",
            ) from missing
        probe = cls(tz=tz, hours=hours)  # checks the hours before a year's work
        holidays: set[date] = set()
        makeup: set[date] = set()
        day = date(first_year, 1, 1)
        while day.year <= last:
            try:
                working = chinese_calendar.is_workday(day)
            except NotImplementedError as unknown:
                raise InvalidValue(
                    "year", day.year, "a year the installed chinesecalendar covers", str(unknown)
                ) from None
            rest_by_default = day.weekday() in probe.weekend
            if working and rest_by_default:
                makeup.add(day)
            elif not working and not rest_by_default:
                holidays.add(day)
            day += timedelta(days=1)
        return attrs.evolve(
            probe,
            holidays=holidays,
            makeup_workdays=makeup,
            years=(first_year, last),
        )

    def __attrs_post_init__(self) -> None:
        """Check that holidays and make-up days are dates and consistent."""
        for name, days in (("holidays", self.holidays), ("makeup_workdays", self.makeup_workdays)):
            members: frozenset[object] = days
            for day in members:
                if not isinstance(day, date) or isinstance(day, datetime):
                    raise InvalidValue(name, day, "datetime.date values (not datetimes)")
        both = self.holidays & self.makeup_workdays
        if both:
            raise InvalidValue(
                "makeup_workdays",
                sorted(both),
                "days that are not also holidays",
                "a day cannot be both a holiday and a make-up working day",
            )
        weekdays = sorted(d for d in self.makeup_workdays if d.weekday() not in self.weekend)
        if weekdays:
            raise InvalidValue(
                "makeup_workdays",
                weekdays,
                "weekend days only (调休 turns a rest day into a working day)",
                "already a working day",
            )

    @property
    def working_day_length(self) -> timedelta:
        """Working time in one working day (eight hours by default)."""
        return sum(
            (
                datetime.combine(date.min, end) - datetime.combine(date.min, start)
                for start, end in self.hours
            ),
            timedelta(0),
        )

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (make-up days count, holidays do not).

        Raises:
            InvalidValue: ``day`` is outside the calendar's ``years``.
        """
        if self.years is not None and not self.years[0] <= day.year <= self.years[1]:
            first, last = self.years
            raise InvalidValue(
                "day",
                day,
                f"a day in {first}–{last}, the years whose holidays this calendar holds",
            )
        if day in self.makeup_workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    def intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The aware working intervals of ``day`` (empty on a rest day)."""
        if not self.is_working_day(day):
            return ()
        return tuple(
            (
                datetime.combine(day, start, tzinfo=self.tz),
                datetime.combine(day, end, tzinfo=self.tz),
            )
            for start, end in self.hours
        )

    def _local(self, field: str, moment: datetime) -> datetime:
        return require_aware(field, moment).astimezone(self.tz)

    def _days_from(self, day: date) -> Iterator[date]:
        for offset in range(_SEARCH_DAYS):
            yield day + timedelta(days=offset)
        raise InvalidValue(
            "calendar", self, "a calendar with working time", f"none in {_SEARCH_DAYS} days"
        )

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside working hours (interval starts count, ends do not).

        Raises:
            NaiveDatetime: ``moment`` has no timezone.
        """
        local = self._local("moment", moment)
        return any(start <= local < end for start, end in self.intervals(local.date()))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end``; zero when ``end`` is not after ``start``.

        Raises:
            NaiveDatetime: either bound has no timezone.
        """
        a = self._local("start", start)
        b = self._local("end", end)
        if b <= a:
            return timedelta(0)
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            for lo, hi in self.intervals(day):
                overlap = min(hi, b) - max(lo, a)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant ``t >= start`` with ``between(start, t) == amount``.

        Adding zero returns ``start`` unchanged.

        Raises:
            NaiveDatetime: ``start`` has no timezone.
            InvalidValue: ``amount`` is negative.
        """
        local = self._local("start", start)
        if amount < timedelta(0):
            raise InvalidValue("amount", amount, "a timedelta >= 0")
        if amount == timedelta(0):
            return start
        remaining = amount
        for day in self._days_from(local.date()):
            for lo, hi in self.intervals(day):
                begin = max(lo, local)
                if hi <= begin:
                    continue
                if hi - begin >= remaining:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= hi - begin
        raise AssertionError("unreachable: _days_from raises when it runs out")  # pragma: no cover

    def end_of_working_day(self, moment: datetime) -> datetime:
        """The close of business that "the same working day" means for ``moment``.

        On a working day before closing time: that day's closing time. After closing, or
        on a rest day: the closing time of the next working day.

        Raises:
            NaiveDatetime: ``moment`` has no timezone.
        """
        local = self._local("moment", moment)
        for day in self._days_from(local.date()):
            spans = self.intervals(day)
            if spans and spans[-1][1] > local:
                return spans[-1][1].astimezone(moment.tzinfo)
        raise AssertionError("unreachable: _days_from raises when it runs out")  # pragma: no cover
