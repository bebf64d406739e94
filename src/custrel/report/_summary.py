"""The buy-till-you-die purchase summary per customer, in numpy, with one sort.

Definitions (Fader, Hardie & Lee; ``lifetimes.utils.summary_data_from_transaction_data``):
``frequency`` is the number of distinct purchase periods after the first,
``recency`` the periods from the first to the last purchase, ``T`` the periods
from the first purchase to ``as_of``, and ``monetary_value`` the mean revenue of
the repeat periods (0 when frequency is 0). Periods are calendar periods of
`custrel.periods.Period` (a week starts on Monday, as in ``lifetimes``'
``freq="W"``), so a distance in periods is a difference of period indices.

The engine sorts one integer key ``code * span + day`` (int32 when it fits; no
argsort), takes the distinct (customer, day) pairs, and gets every per-customer
figure from group boundaries; sums per customer come from ``bincount`` and
``np.add.at`` in a second thread, piece by piece over the input's own chunks
(`custrel.report._rows.Pieces`) — no Python loop per row or per customer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from custrel.periods import Period
from custrel.report._rows import Pieces, Returned
from custrel.report._units import SCALE, from_units

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["SummaryArrays", "period_lookup", "summarize_arrays"]

_INT32_LIMIT = 2**31 - 1
#: From this many rows, the per-row sums run in a second thread (a tuning knob).
_THREADED_ROWS = 1_000_000


def period_lookup(period: Period, first_day: int, last_day: int) -> NDArray[np.int64]:
    """`custrel.periods.Period.index_days` of each day number in ``first_day..last_day``.

    The summary looks each row's period up in it by ``day - first_day``.
    """
    return period.index_days(np.arange(first_day, last_day + 1, dtype=np.int64))


class SummaryArrays:
    """Per-customer columns, indexed by customer code."""

    def __init__(self, **columns: NDArray[np.generic]) -> None:
        """Hold the named columns."""
        self.columns = columns
        #: Distinct purchase occasions (customer code, day), sorted by code then day.
        self.occasion_code: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.occasion_day: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        #: True at each customer's first occasion.
        self.occasion_first: NDArray[np.bool_] = np.zeros(0, dtype=bool)

    def __getitem__(self, name: str) -> NDArray[np.generic]:
        """Return the column ``name``."""
        return self.columns[name]


def summarize_arrays(  # noqa: PLR0915 - one pass, one place
    code: NDArray[np.integer],
    rows: Pieces,
    n_customers: int,
    as_of_day: int,
    period: Period,
    returns: Returned | None = None,
) -> SummaryArrays:
    """Compute the BTYD summary and per-customer totals from accepted rows.

    Memory stays close to the input: the sort key is int32 when it fits, per-row
    work runs piece by piece on the input's own chunks, and sums accumulate with
    ``np.add.at`` as exact integer units (`custrel.report._units`), so no order
    or chunking of the rows changes them.

    ``returns`` (netted returns, ``--returns net``) are no purchase occasions: they
    change no date, count or period figure, only the sums — a return is subtracted
    from its customer's revenue in its period (the first period's revenue when it
    falls in or before it, else the repeat revenue) and from the totals of the
    money and quantity columns it carries.
    """
    n = n_customers
    extra = rows.extra
    if rows.rows == 0:
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
    low, high = rows.day_range()
    if returns is not None and len(returns.day):
        low = min(low, int(returns.day.min()))
        high = max(high, int(returns.day.max()))
    high = max(high, as_of_day)
    span = high - low + 1
    lookup = period_lookup(period, low, high)

    # The per-row sums need only each customer's first day (a minimum per code), so
    # on large inputs they run in a second thread while this one sorts.
    job = (code, rows, n, low, lookup, period, returns)
    sums = None
    if rows.rows >= _THREADED_ROWS:
        pool = ThreadPoolExecutor(max_workers=1)
        sums = pool.submit(_row_sums, *job)
        pool.shutdown(wait=False)

    # One sort of key = code * span + (day - low): distinct (customer, day) occasions.
    narrow = n * span + span < _INT32_LIMIT
    key = np.multiply(code, span, dtype=np.int32 if narrow else np.int64)
    for (a, b), day in zip(rows.bounds, rows.day, strict=True):
        key[a:b] += day
        key[a:b] -= low
    key.sort()
    distinct = np.empty(len(key), dtype=bool)
    distinct[0] = True
    np.not_equal(key[1:], key[:-1], out=distinct[1:])
    key = key[distinct]
    del distinct
    ucode = np.empty_like(key)
    np.divmod(key, span, out=(ucode, key))
    uday = key  # offset from ``low``
    del key

    starts = np.empty(len(ucode), dtype=bool)
    starts[0] = True
    np.not_equal(ucode[1:], ucode[:-1], out=starts[1:])
    start_at = np.flatnonzero(starts)
    end_at = np.empty_like(start_at)
    end_at[:-1] = start_at[1:] - 1
    end_at[-1] = len(ucode) - 1
    purchase_days = np.diff(np.append(start_at, len(ucode)))

    if period is Period.DAY:
        periods = purchase_days
    else:
        periods = _distinct_periods(lookup, uday, starts, start_at)

    first_off = uday[start_at].astype(np.int64)
    last_off = uday[end_at].astype(np.int64)
    first_period = lookup[first_off]
    frequency = periods - 1
    recency = lookup[last_off] - first_period
    big_t = lookup[as_of_day - low] - first_period
    first_day = first_off + low

    purchases, revenue, repeat_revenue, totals = (
        sums.result() if sums is not None else _row_sums(*job)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_revenue / np.maximum(frequency, 1), 0.0)
    result = SummaryArrays(
        first_day=first_day,
        last_day=last_off + low,
        purchases=purchases,
        purchase_days=purchase_days,
        frequency=frequency,
        recency=recency,
        T=big_t,
        revenue=revenue,
        monetary_value=monetary,
        **totals,
    )
    result.occasion_code = ucode
    result.occasion_first = starts
    uday += low
    result.occasion_day = uday
    return result


def _distinct_periods(
    lookup: NDArray[np.int64],
    uday: NDArray[np.integer],
    starts: NDArray[np.bool_],
    start_at: NDArray[np.intp],
) -> NDArray[np.int64]:
    """Distinct periods per customer among its (sorted, distinct) occasion days.

    A new period starts at a customer's first occasion or where the period changes.
    """
    uperiod = lookup[uday]
    new_period = starts.copy()
    np.not_equal(uperiod[1:], uperiod[:-1], out=new_period[1:])
    new_period |= starts
    del uperiod
    period_starts = np.flatnonzero(new_period)
    del new_period
    ends = np.append(np.searchsorted(period_starts, start_at[1:]), len(period_starts))
    return np.diff(np.append(0, ends)).astype(np.int64)


def _row_sums(
    code: NDArray[np.integer],
    rows: Pieces,
    n: int,
    low: int,
    lookup: NDArray[np.int64],
    period: Period,
    returns: Returned | None = None,
) -> tuple[
    NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], dict[str, NDArray[np.float64]]
]:
    """Rows, revenue, repeat revenue and the optional columns' totals per customer.

    Sums accumulate exact integer units (`custrel.report._units`) with
    ``np.add.at``, piece by piece, so no order of the rows changes them. A repeat
    row lies outside its customer's first period; the first day is a per-customer
    minimum. Revenue is summed in two slots per customer, first period and repeat
    (one ``add.at`` for both), and is their sum.
    """
    extra = rows.extra
    purchases = np.bincount(code, minlength=n).astype(np.int64, copy=False)
    first_day = np.full(n, np.iinfo(np.int32).max, dtype=np.int32)
    for (a, b), day in zip(rows.bounds, rows.day, strict=True):
        np.minimum.at(first_day, code[a:b], day)
    first_period = lookup[first_day - low] if period is not Period.DAY else first_day
    by_slot = np.zeros(2 * n, dtype=np.int64)  # 2 * code: first period, + 1: repeat
    largest = dict.fromkeys(("amount", *extra), 0)
    totals: dict[str, NDArray[np.int64]] = {k: np.zeros(n, dtype=np.int64) for k in extra}
    late = "days_late" in extra
    if late:
        late_payments = np.zeros(n, dtype=np.int64)
        max_days_late = np.zeros(n, dtype=np.int64)
    for i, (a, b) in enumerate(rows.bounds):
        block_code = code[a:b]
        block_amount = rows.amount[i]
        day = rows.day[i]
        if period is Period.DAY:  # the period is the day itself: skip the lookup
            repeat = day != first_period[block_code]
        else:
            repeat = lookup[day - low] != first_period[block_code]
        slot = block_code * 2
        slot += repeat
        np.add.at(by_slot, slot, block_amount)
        if len(block_amount):
            largest["amount"] = max(largest["amount"], int(block_amount.max()))
        for k, v in extra.items():
            np.add.at(totals[k], block_code, v[i])
            if len(v[i]):
                largest[k] = max(largest[k], int(v[i].max()))
        if late:
            block_late = extra["days_late"][i]
            np.add.at(late_payments, block_code, (block_late > 0).astype(np.int64))
            np.maximum.at(max_days_late, block_code, block_late)
    lines = purchases
    if returns is not None and len(returns.code):
        netted = _net_returns(returns, by_slot, totals, largest, first_period, low, lookup, period)
        lines = purchases + netted
    _check_exact(lines, largest)
    repeat_units = by_slot[1::2]
    revenue = from_units(by_slot[0::2] + repeat_units)
    amounts = {k: from_units(v) for k, v in totals.items()}
    if late:
        amounts["late_payments"] = late_payments.astype(np.float64)
        amounts["max_days_late"] = from_units(max_days_late)
    return purchases, revenue, from_units(repeat_units), amounts


#: Optional columns a return does not net (a count of days late is no sum of money).
_NOT_NETTED = frozenset({"days_late"})


def _net_returns(
    returns: Returned,
    by_slot: NDArray[np.int64],
    totals: dict[str, NDArray[np.int64]],
    largest: dict[str, int],
    first_period: NDArray[np.int64] | NDArray[np.int32],
    low: int,
    lookup: NDArray[np.int64],
    period: Period,
) -> NDArray[np.int64]:
    """Add the return lines into the revenue slots and totals; their count per customer.

    A return falls in the repeat slot when its period is after its customer's first
    purchase period, else in the first period's slot.
    """
    code = returns.code
    if period is Period.DAY:
        repeat = returns.day > first_period[code]
    else:
        repeat = lookup[returns.day.astype(np.int64) - low] > first_period[code]
    slot = code.astype(np.int64) * 2 + repeat
    np.add.at(by_slot, slot, returns.amount)
    largest["amount"] = max(largest["amount"], int(np.abs(returns.amount).max()))
    for name, total in totals.items():
        if name in _NOT_NETTED or name not in returns.extra:
            continue
        values = returns.extra[name]
        np.add.at(total, code, values)
        largest[name] = max(largest[name], int(np.abs(values).max()))
    return np.bincount(code, minlength=len(by_slot) // 2).astype(np.int64)


def _check_exact(purchases: NDArray[np.int64], largest: dict[str, int]) -> None:
    """Refuse a log whose per-customer totals could pass int64 (far past any real customer's).

    A total is at most the customer's rows times the largest value of its column; below
    ``2**63`` units (about 922 trillion) no sum can wrap around.
    """
    most = int(purchases.max()) if len(purchases) else 0
    for name, value in largest.items():
        if most * value >= 2**63:
            from custrel.errors import InputDataError

            raise InputDataError(
                f"per-customer totals must stay below {2**63 // SCALE:,} to be summed exactly",
                column=name,
                value=f"{most} rows of up to {value / SCALE}",
            )
