"""Calendar days as numbers: the one epoch, and which day a date or timestamp falls on.

Every module that counts days as integers (the batch lifecycle, the leaky bucket,
the report engine) counts them from `EPOCH`, 1970-01-01 — numpy's
``datetime64[D]`` epoch, so day numbers and ``datetime64[D]`` values convert by a
cast. Each conversion has a scalar form (for one value) and a columnar form (for
numpy arrays) side by side; ``tests/test_days.py`` holds each pair together with a
hypothesis property.

The zone rule, on every path (the report's readers, `custrel.lifecycle.derive`,
`day_number`): a timestamp with a zone offset falls on its **local** calendar
day, the day as written — ``2024-03-01T23:30-05:00`` is a purchase of 1 March, not
of 2 March (its UTC day). A shop's day is the day its till printed. Only a caller
who names a timezone (``LifecyclePolicy(timezone=...)``) has timestamps converted
into that zone first. A timestamp without a zone is refused where a moment is
meant (`custrel.errors.NaiveDatetime`).

numpy is imported by the columnar functions when they run, never by ``import custrel``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final

from custrel.errors import InvalidValue, NaiveDatetime

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "EPOCH",
    "EPOCH_ORDINAL",
    "date_of",
    "dates_of",
    "day_number",
    "day_numbers",
    "day_of",
]

#: Day numbers count days since this date (numpy's ``datetime64[D]`` epoch).
EPOCH: Final = date(1970, 1, 1)
#: ``EPOCH.toordinal()``: add it to a day number to get a proleptic Gregorian ordinal.
EPOCH_ORDINAL: Final = EPOCH.toordinal()


def day_of(field: str, value: date | datetime, tz: tzinfo | None = None) -> date:
    """The calendar day ``value`` falls on, by the zone rule of this module.

    Args:
        field: the field's name, for the error message.
        value: a date, or a datetime with a zone offset.
        tz: convert an aware datetime into this zone first; ``None`` (the default)
            keeps its local calendar day, the day as written.

    Raises:
        NaiveDatetime: a datetime without a zone.
        InvalidValue: neither a date nor a datetime.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise NaiveDatetime(field, value)
        return value.date() if tz is None else value.astimezone(tz).date()
    if isinstance(value, date):
        return value
    raise InvalidValue(field, value, "a date or a timezone-aware datetime")


def day_number(value: date | datetime, tz: tzinfo | None = None) -> int:
    """Days since `EPOCH` of the day ``value`` falls on (see `day_of`).

    The columnar form is `day_numbers`.
    """
    return day_of("day", value, tz).toordinal() - EPOCH_ORDINAL


def date_of(day: int) -> date:
    """The date of a day number (the inverse of `day_number` on dates).

    The columnar form is `dates_of`.
    """
    return EPOCH + timedelta(days=day)


def day_numbers(values: NDArray[np.datetime64]) -> NDArray[np.int64]:
    """Columnar `day_number` of ``datetime64`` values (any unit): days since the epoch.

    Values finer than a day fall on their calendar day (floor, also before 1970).
    ``tests/test_days.py::test_day_numbers_agree_with_the_scalar_rule`` holds it to
    `day_number`.
    """
    import numpy as np

    days: NDArray[np.int64] = values.astype("datetime64[D]").astype(np.int64)
    return days


def dates_of(days: NDArray[np.generic]) -> NDArray[np.datetime64]:
    """Columnar `date_of`: day numbers as ``datetime64[D]`` values.

    ``tests/test_days.py::test_dates_of_agree_with_the_scalar_rule`` holds it to
    `date_of`.
    """
    import numpy as np

    as_dates: NDArray[np.datetime64] = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return as_dates
