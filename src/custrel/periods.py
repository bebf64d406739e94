"""Calendar-aware periods (day, week, month, quarter, year), shared by all modules that bucket time.

Spans are ``dateutil.relativedelta`` values, so "three months after 31 January" is
30 April, not 1 May, and a quarter is a calendar quarter.
"""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from custrel._labels import Labelled

__all__ = ["Period"]


class Period(Labelled):
    """A calendar period used to bucket purchases and measure spans."""

    DAY = ("day", "day", "日")
    WEEK = ("week", "week (ISO, Monday first)", "周")
    MONTH = ("month", "month", "月")
    QUARTER = ("quarter", "calendar quarter", "季度")
    YEAR = ("year", "year", "年")

    def delta(self, n: int = 1) -> relativedelta:
        """The span of ``n`` of these periods as a ``relativedelta``."""
        if self is Period.DAY:
            return relativedelta(days=n)
        if self is Period.WEEK:
            return relativedelta(weeks=n)
        if self is Period.MONTH:
            return relativedelta(months=n)
        if self is Period.QUARTER:
            return relativedelta(months=3 * n)
        return relativedelta(years=n)

    def index(self, when: date | datetime) -> int:
        """A number that goes up by one from each period to the next.

        Two moments share a period exactly when their indices are equal, and
        ``index(b) - index(a)`` counts the period boundaries between them.
        """
        day = when.date() if isinstance(when, datetime) else when
        if self is Period.DAY:
            return day.toordinal()
        if self is Period.WEEK:
            return (day.toordinal() - 1) // 7  # ordinal 1 (0001-01-01) is a Monday
        if self is Period.MONTH:
            return day.year * 12 + day.month - 1
        if self is Period.QUARTER:
            return day.year * 4 + (day.month - 1) // 3
        return day.year

    def start(self, when: date | datetime) -> date:
        """The first day of the period that contains ``when``."""
        day = when.date() if isinstance(when, datetime) else when
        if self is Period.DAY:
            return day
        if self is Period.WEEK:
            return date.fromordinal(day.toordinal() - day.weekday())
        if self is Period.MONTH:
            return day.replace(day=1)
        if self is Period.QUARTER:
            return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
        return day.replace(month=1, day=1)
