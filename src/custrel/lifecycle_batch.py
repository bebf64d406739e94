"""The lifecycle stage of many customers at once: :func:`custrel.lifecycle.derive`, vectorised.

The batch engine behind ``custrel report`` judges a million customers; a Python loop
per customer would dominate its run time. This module computes exactly what
:func:`~custrel.lifecycle.derive` computes — same policy, same arithmetic, same
events — over numpy arrays, without a per-customer loop. The rules are chosen so
that this is possible: the cadence used to judge a gap comes only from the
customer's purchases before it, so whether each gap is a lapse is known without
first deciding the earlier ones. The tests check agreement customer by customer.

numpy is imported here, never by ``import custrel``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs
import numpy as np

from custrel.errors import InvalidValue
from custrel.lifecycle import EventKind, LifecyclePolicy, Stage, _to_day
from custrel.periods import Period

if TYPE_CHECKING:
    from dateutil.relativedelta import relativedelta
    from numpy.typing import NDArray

__all__ = ["EPOCH", "StageColumns", "day_number", "derive_stages"]

#: Day numbers count days since this date (numpy's ``datetime64[D]`` epoch).
EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()

_STAGE_CODE = {stage: np.int8(i) for i, stage in enumerate(Stage)}
_KIND_CODE = {kind: np.int8(i) for i, kind in enumerate(EventKind)}


def day_number(value: date | datetime, policy: LifecyclePolicy | None = None) -> int:
    """Days since 1970-01-01 of a date or aware datetime (in the policy's timezone)."""
    tz = (policy or LifecyclePolicy()).timezone
    return _to_day("day", value, tz).toordinal() - _EPOCH_ORDINAL


@attrs.frozen(eq=False)
class StageColumns:
    """Per-customer stages and the stage-changing events that lead there.

    Attributes:
        stage: int8 per customer, an index into ``tuple(Stage)``.
        peak: int8 per customer, the furthest stage reached (same coding).
        n_occasions: int64 per customer, distinct purchase days.
        events_customer: customer code of each stage-changing event.
        events_day: day number of each event.
        events_kind: int8, an index into ``tuple(EventKind)``: PURCHASED where it changes
            the stage (first and second occasions), LOYALTY_ESTABLISHED, DEFECTED and
            WON_BACK_TO_REPEAT. Sorted by customer, then day, then the order ``derive``
            emits them in.
    """

    stage: NDArray[np.int8]
    peak: NDArray[np.int8]
    n_occasions: NDArray[np.int64]
    events_customer: NDArray[np.int64]
    events_day: NDArray[np.int64]
    events_kind: NDArray[np.int8]

    def stages(self) -> list[Stage]:
        """The stages as enum members (slow for millions; for tests and small data)."""
        members = tuple(Stage)
        return [members[code] for code in self.stage.tolist()]


def _add_span(days: NDArray[np.int64], span: relativedelta) -> NDArray[np.int64]:
    # date + relativedelta adds years and months first, clipping the day to the end of
    # the month (31 Jan + 1 month = 28/29 Feb), then adds the days; do the same.
    months = span.years * 12 + span.months
    if months:
        as_days = days.astype("datetime64[D]")
        month = as_days.astype("datetime64[M]")
        day_of_month = (as_days - month.astype("datetime64[D]")).astype(np.int64)
        target = month + np.timedelta64(months, "M")
        month_length = (
            (target + np.timedelta64(1, "M")).astype("datetime64[D]")
            - target.astype("datetime64[D]")
        ).astype(np.int64)
        result = target.astype("datetime64[D]").astype(np.int64) + np.minimum(
            day_of_month, month_length - 1
        )
    else:
        result = days.copy()
    shifted: NDArray[np.int64] = result + int(span.days)
    return shifted


def _period_index(days: NDArray[np.int64], period: Period) -> NDArray[np.int64]:
    # Differences between these equal those of Period.index, which is all the streak needs.
    if period is Period.DAY:
        return days
    if period is Period.WEEK:
        return (days + _EPOCH_ORDINAL - 1) // 7
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if period is Period.MONTH:
        return months
    if period is Period.QUARTER:
        return months // 3
    return months // 12


def _segment_start(flags: NDArray[np.bool_], index: NDArray[np.int64]) -> NDArray[np.int64]:
    """For each position, the index of the latest position at or before it where ``flags``."""
    return np.maximum.accumulate(np.where(flags, index, 0))


def derive_stages(
    customer: NDArray[np.integer] | list[int],
    day: NDArray[np.integer] | list[int],
    n_customers: int,
    as_of: date | datetime,
    policy: LifecyclePolicy | None = None,
) -> StageColumns:
    """Derive every customer's stage from purchase rows, as :func:`~custrel.lifecycle.derive` does.

    Args:
        customer: customer code per purchase row, in ``0 .. n_customers - 1``.
        day: purchase day per row, as days since 1970-01-01 (``datetime64[D]`` as int).
        n_customers: how many customers; every code must have at least one purchase.
        as_of: the day judged; no purchase may come after it.
        policy: the loyalty and lapse rules.

    Raises:
        InvalidValue: mismatched lengths, codes out of range, a customer without
            purchases, or a purchase after ``as_of``.
    """
    policy = policy or LifecyclePolicy()
    codes = np.asarray(customer, dtype=np.int64)
    days = np.asarray(day, dtype=np.int64)
    if codes.shape != days.shape or codes.ndim != 1:
        raise InvalidValue(
            "customer/day", (codes.shape, days.shape), "two 1-D arrays of the same length"
        )
    as_of_day = day_number(as_of, policy)
    _check_inputs(codes, days, n_customers, as_of_day)
    if n_customers == 0:
        empty = np.empty(0, dtype=np.int64)
        return StageColumns(
            np.empty(0, np.int8), np.empty(0, np.int8), empty, empty, empty, np.empty(0, np.int8)
        )

    # Distinct purchase occasions, sorted by customer then day.
    order = np.lexsort((days, codes))
    c, d = codes[order], days[order]
    keep = np.ones(len(c), dtype=bool)
    keep[1:] = (c[1:] != c[:-1]) | (d[1:] != d[:-1])
    c, d = c[keep], d[keep]
    index = np.arange(len(c), dtype=np.int64)
    first = np.ones(len(c), dtype=bool)
    first[1:] = c[1:] != c[:-1]
    start = _segment_start(first, index)
    pos = index - start
    previous = np.concatenate((d[:1], d[:-1]))
    last_mask = np.ones(len(c), dtype=bool)
    last_mask[:-1] = first[1:]

    # Lapses: a gap longer than the deadline computed from purchases before it.
    deadline = _deadline(policy, previous, pos - 1, previous - d[start])
    lapse = ~first & (d > deadline)
    run_start = first | lapse
    run_begin = _segment_start(run_start, index)

    # Loyalty: a streak of consecutive periods, or regular gaps, within the run.
    period = _period_index(d, policy.loyalty_period)
    step = period - np.concatenate((period[:1], period[:-1]))
    broken = run_start | (step > 1)
    increments = np.cumsum(~broken & (step == 1))
    streak = increments - increments[_segment_start(broken, index)] + 1
    hit = streak >= policy.loyalty_streak
    if policy.regular_purchases is not None:
        hit |= _regular(policy, d, previous, run_start, run_begin, index)
    hit &= ~run_start
    hits = np.cumsum(hit)
    hits_in_run = hits - hits[run_begin]
    loyalty_event = hit & (hits_in_run == 1)

    # The end: lost at as_of, and each customer's stage.
    last_idx = index[last_mask]
    n_occasions = pos[last_idx] + 1
    final_deadline = _deadline(
        policy, d[last_idx], n_occasions - 1, d[last_idx] - d[start[last_idx]]
    )
    lost = as_of_day > final_deadline
    stage = np.where(n_occasions >= 2, _STAGE_CODE[Stage.REPEAT], _STAGE_CODE[Stage.FIRST_TIME])
    stage = np.where(hits_in_run[last_idx] >= 1, _STAGE_CODE[Stage.LOYAL], stage)
    stage = np.where(lost, _STAGE_CODE[Stage.LOST], stage).astype(np.int8)
    ever_loyal = np.add.reduceat(loyalty_event.astype(np.int64), start[last_idx]) > 0
    peak = np.where(n_occasions >= 2, _STAGE_CODE[Stage.REPEAT], _STAGE_CODE[Stage.FIRST_TIME])
    peak = np.where(ever_loyal, _STAGE_CODE[Stage.LOYAL], peak).astype(np.int8)

    events = _events(
        c,
        d,
        pos,
        lapse,
        deadline,
        loyalty_event,
        last_idx[lost],
        final_deadline[lost],
    )
    return StageColumns(stage, peak, n_occasions.astype(np.int64), *events)


def _check_inputs(
    codes: NDArray[np.int64], days: NDArray[np.int64], n_customers: int, as_of_day: int
) -> None:
    if n_customers < 0:
        raise InvalidValue("n_customers", n_customers, "an integer >= 0")
    if len(codes) and (codes.min() < 0 or codes.max() >= n_customers):
        bad = int(codes[(codes < 0) | (codes >= n_customers)][0])
        raise InvalidValue("customer", bad, f"codes in 0..{n_customers - 1}")
    counts = np.bincount(codes, minlength=n_customers) if n_customers else np.zeros(0)
    if n_customers and (counts == 0).any():
        missing = int(np.flatnonzero(counts == 0)[0])
        raise InvalidValue("customer", missing, "every customer code with at least one purchase")
    if len(days) and days.max() > as_of_day:
        late = int(days.max())
        raise InvalidValue(
            "day",
            late,
            f"purchase days on or before as_of (day number {as_of_day})",
        )


def _deadline(
    policy: LifecyclePolicy,
    last: NDArray[np.int64],
    gaps_before: NDArray[np.int64],
    gap_total: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Vectorised :meth:`LifecyclePolicy.lapse_deadline`, with the same float arithmetic."""
    deadline = _add_span(last, policy.lapse_span)
    multiple = policy.lapse_cadence_multiple
    if multiple is None:
        return deadline
    known = gaps_before >= policy.cadence_min_gaps
    safe_gaps = np.where(known, gaps_before, 1)
    relative = np.maximum(
        policy.lapse_floor_days, np.ceil(multiple * (gap_total / safe_gaps))
    ).astype(np.int64)
    return np.where(known, np.minimum(deadline, last + relative), deadline)


def _regular(
    policy: LifecyclePolicy,
    d: NDArray[np.int64],
    previous: NDArray[np.int64],
    run_start: NDArray[np.bool_],
    run_begin: NDArray[np.int64],
    index: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Vectorised :meth:`LifecyclePolicy.is_regular` over each run's gaps so far."""
    assert policy.regular_purchases is not None
    gap = np.where(run_start, 0, d - previous)
    sums = np.cumsum(gap)
    squares = np.cumsum(gap * gap)
    gaps = index - run_begin
    gap_sum = sums - sums[run_begin]
    gap_squares = squares - squares[run_begin]
    enough = gaps + 1 >= policy.regular_purchases
    safe = np.where(gaps > 0, gaps, 1)
    mean = gap_sum / safe
    variance = np.maximum(gap_squares / safe - mean * mean, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.sqrt(variance) / mean
    regular: NDArray[np.bool_] = enough & (gaps > 0) & (mean > 0) & (cv <= policy.regular_max_cv)
    return regular


def _events(
    c: NDArray[np.int64],
    d: NDArray[np.int64],
    pos: NDArray[np.int64],
    lapse: NDArray[np.bool_],
    deadline: NDArray[np.int64],
    loyalty_event: NDArray[np.bool_],
    lost_idx: NDArray[np.int64],
    lost_deadline: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """The stage-changing events, in the order :func:`derive` emits them."""
    purchase = (pos == 0) | ((pos == 1) & ~lapse)
    parts = [
        # (customer, day, order within the day, kind)
        (c[lapse], deadline[lapse] + 1, 0, EventKind.DEFECTED),
        (c[purchase], d[purchase], 1, EventKind.PURCHASED),
        (c[lapse], d[lapse], 1, EventKind.WON_BACK_TO_REPEAT),
        (c[loyalty_event], d[loyalty_event], 2, EventKind.LOYALTY_ESTABLISHED),
        (c[lost_idx], lost_deadline + 1, 3, EventKind.DEFECTED),
    ]
    customers = np.concatenate([p[0] for p in parts])
    days = np.concatenate([p[1] for p in parts])
    within = np.concatenate([np.full(len(p[0]), p[2], dtype=np.int8) for p in parts])
    kinds = np.concatenate([np.full(len(p[0]), _KIND_CODE[p[3]], dtype=np.int8) for p in parts])
    order = np.lexsort((within, days, customers))
    return customers[order], days[order], kinds[order]
