"""The buy-till-you-die purchase summary per customer, in numpy, with one sort.

Definitions (Fader, Hardie & Lee; ``lifetimes.utils.summary_data_from_transaction_data``):
``frequency`` is the number of distinct purchase periods after the first,
``recency`` the periods from the first to the last purchase, ``T`` the periods
from the first purchase to ``as_of``, and ``monetary_value`` the mean revenue of
the repeat periods (0 when frequency is 0). Periods are calendar periods of
:class:`custrel.periods.Period` (a week starts on Monday, as in ``lifetimes``'
``freq="W"``), so a distance in periods is a difference of period indices.

The engine sorts one int64 key ``code * span + day`` (no argsort), takes the
distinct (customer, day) pairs, and gets every per-customer figure from group
boundaries (``reduceat``) and weighted ``bincount`` — no Python loop per row or
per customer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from custrel.periods import Period

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["SummaryArrays", "period_lookup", "summarize_arrays"]

_EPOCH = dt.date(1970, 1, 1)


def period_lookup(period: Period, first_day: int, last_day: int) -> NDArray[np.int64]:
    """Period index of each day number in ``first_day..last_day`` (inclusive).

    Matches :meth:`custrel.periods.Period.index` up to a constant offset.
    """
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    if period is Period.DAY:
        return days
    if period is Period.WEEK:
        return (days + 3) // 7  # 1970-01-01 was a Thursday; weeks start on Monday
    as_dates = days.astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]").astype(np.int64)
    if period is Period.MONTH:
        return months
    if period is Period.QUARTER:
        return months // 3
    return as_dates.astype("datetime64[Y]").astype(np.int64)


class SummaryArrays:
    """Per-customer columns, indexed by customer code."""

    def __init__(self, **columns: NDArray[np.generic]) -> None:
        """Hold the named columns."""
        self.columns = columns
        #: Distinct purchase occasions (customer code, day), sorted by code then day.
        self.occasion_code: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.occasion_day: NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    def __getitem__(self, name: str) -> NDArray[np.generic]:
        """Return the column ``name``."""
        return self.columns[name]


def summarize_arrays(  # noqa: PLR0915 - one pass, one place
    code: NDArray[np.int64],
    day: NDArray[np.int64],
    amount: NDArray[np.float64],
    extra: dict[str, NDArray[np.float64]],
    n_customers: int,
    as_of_day: int,
    period: Period,
) -> SummaryArrays:
    """Compute the BTYD summary and per-customer totals from accepted rows."""
    n = n_customers
    if len(day) == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0, dtype=np.float64)
        return SummaryArrays(
            first_day=empty_i,
            last_day=empty_i,
            purchases=empty_i,
            purchase_days=empty_i,
            frequency=empty_i,
            recency=empty_i,
            T=empty_i,
            revenue=empty_f,
            monetary_value=empty_f,
            **dict.fromkeys(extra, empty_f),
        )
    low = int(day.min())
    high = max(int(day.max()), as_of_day)
    span = high - low + 1
    lookup = period_lookup(period, low, high)

    key = code * span + (day - low)
    key.sort()
    distinct = np.empty(len(key), dtype=bool)
    distinct[0] = True
    np.not_equal(key[1:], key[:-1], out=distinct[1:])
    key = key[distinct]
    ucode = key // span
    uday = key - ucode * span  # offset from ``low``
    del key, distinct

    starts = np.empty(len(ucode), dtype=bool)
    starts[0] = True
    np.not_equal(ucode[1:], ucode[:-1], out=starts[1:])
    start_at = np.flatnonzero(starts)
    end_at = np.empty_like(start_at)
    end_at[:-1] = start_at[1:] - 1
    end_at[-1] = len(ucode) - 1

    uperiod = lookup[uday]
    new_period = starts.copy()
    np.not_equal(uperiod[1:], uperiod[:-1], out=new_period[1:])
    new_period |= starts
    periods = np.add.reduceat(new_period.astype(np.int64), start_at)

    first_off = uday[start_at]
    last_off = uday[end_at]
    first_period = lookup[first_off]
    frequency = periods - 1
    recency = lookup[last_off] - first_period
    big_t = lookup[as_of_day - low] - first_period
    purchase_days = np.diff(np.append(start_at, len(ucode)))

    # Revenue of the repeat periods: rows outside the customer's first period.
    repeat = lookup[day - low] != first_period[code]
    revenue = np.bincount(code, weights=amount, minlength=n)
    repeat_revenue = np.bincount(code, weights=np.where(repeat, amount, 0.0), minlength=n)
    del repeat
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_revenue / np.maximum(frequency, 1), 0.0)
    totals: dict[str, NDArray[np.float64]] = {
        k: np.bincount(code, weights=v, minlength=n).astype(np.float64) for k, v in extra.items()
    }
    if "days_late" in extra:
        late = (extra["days_late"] > 0).astype(np.float64)
        totals["late_payments"] = np.bincount(code, weights=late, minlength=n).astype(np.float64)
        worst = np.zeros(n, dtype=np.float64)
        np.maximum.at(worst, code, extra["days_late"])
        totals["max_days_late"] = worst
    result = SummaryArrays(
        first_day=first_off + low,
        last_day=last_off + low,
        purchases=np.bincount(code, minlength=n),
        purchase_days=purchase_days,
        frequency=frequency,
        recency=recency,
        T=big_t,
        revenue=revenue,
        monetary_value=monetary,
        **totals,
    )
    result.occasion_code = ucode
    result.occasion_day = uday + low
    return result
