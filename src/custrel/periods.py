"""Calendar-aware periods (day, week, month, quarter, year), shared by all modules that bucket time.

Spans are ``dateutil.relativedelta`` values, so "three months after 31 January" is
30 April, not 1 May, and a quarter is a calendar quarter. A period's index has a
scalar form (`Period.index`, for a date) and a columnar form
(`Period.index_days`, for day numbers of `custrel.days`), side by side.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from custrel._labels import Labelled
from custrel.days import EPOCH, EPOCH_ORDINAL

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: Months from year 0 to the epoch's month: ``Period.MONTH.index(EPOCH)``.
_EPOCH_MONTH = EPOCH.year * 12 + EPOCH.month - 1
#: Below this many days, index each day directly; above, once per calendar day of the range.
_LOOKUP_MIN_DAYS = 64

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

    def index_days(self, days: NDArray[np.integer]) -> NDArray[np.int64]:
        """Columnar `index`: the period index of each day number (days since 1970-01-01).

        Equal to ``index(date_of(day))`` for every day, offsets included, so indices
        from either form can be compared. Long columns that fall on few calendar days
        are indexed once per day of their range and looked up (the ``datetime64``
        month conversion costs more than the lookup).
        ``tests/test_days.py::test_period_index_days_agrees_with_index`` holds it to
        `index` for every period.
        """
        import numpy as np

        values = np.asarray(days, dtype=np.int64)
        if self is not Period.DAY and len(values) >= _LOOKUP_MIN_DAYS:
            low, high = int(values.min()), int(values.max())
            if high - low < len(values):
                table = self._index_days(np.arange(low, high + 1, dtype=np.int64))
                looked_up: NDArray[np.int64] = table[values - low]
                return looked_up
        return self._index_days(values)

    def _index_days(self, days: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        if self is Period.DAY:
            return days + EPOCH_ORDINAL
        if self is Period.WEEK:
            return (days + (EPOCH_ORDINAL - 1)) // 7  # ordinal 1 (0001-01-01) is a Monday
        months: NDArray[np.int64] = (
            days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        )
        months += _EPOCH_MONTH
        if self is Period.MONTH:
            return months
        if self is Period.QUARTER:
            return months // 3
        return months // 12

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
