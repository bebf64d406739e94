"""The lifecycle stage of many customers at once: `custrel.lifecycle.derive`, vectorised.

The batch engine behind ``custrel report`` judges a million customers; a Python loop
per customer would dominate its run time. This module computes exactly what
`derive` computes — same policy, same arithmetic, same
events — over numpy arrays, without a per-customer loop. The rules are chosen so
that this is possible: the cadence used to judge a gap comes only from the
customer's purchases before it, so whether each gap is a lapse is known without
first deciding the earlier ones. The tests check agreement customer by customer.

numpy is imported here, never by ``import custrel``.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

import attrs
import numpy as np

from custrel import days as _days
from custrel.days import EPOCH
from custrel.errors import InvalidValue
from custrel.lifecycle import EventKind, LifecyclePolicy, Stage

if TYPE_CHECKING:
    from collections.abc import Callable

    from dateutil.relativedelta import relativedelta
    from numpy.typing import NDArray

__all__ = ["EPOCH", "StageColumns", "day_number", "derive_stage_blocks", "derive_stages"]

#: Occasions per block of `derive_stages` (a tuning knob, not a rule).
_BLOCK = 1 << 18
#: Threads sharing the blocks.
_THREADS = 2

T = TypeVar("T")

_STAGE_CODE = {stage: np.int8(i) for i, stage in enumerate(Stage)}
_KIND_CODE = {kind: np.int8(i) for i, kind in enumerate(EventKind)}


def day_number(value: date | datetime, policy: LifecyclePolicy | None = None) -> int:
    """Days since `custrel.days.EPOCH` of a date or aware datetime.

    `custrel.days.day_number` under the policy's timezone (``None``: the
    timestamp's own local day, as written).
    """
    return _days.day_number(value, (policy or LifecyclePolicy()).timezone)


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
    """Derive every customer's stage from purchase rows, as `derive` does.

    Rows may come in any order and repeat a (customer, day). When they are already
    the distinct purchase occasions sorted by customer then day (as the report
    engine passes them), an O(n) check notices it and the sort is skipped.

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
    blocks = derive_stage_blocks(customer, day, n_customers, as_of, policy)
    if len(blocks) == 1:
        return blocks[0][0]
    return StageColumns(
        *(
            np.concatenate([getattr(b, f.name) for b, _ in blocks])
            for f in attrs.fields(StageColumns)
        )
    )


def derive_stage_blocks(
    customer: NDArray[np.integer] | list[int],
    day: NDArray[np.integer] | list[int],
    n_customers: int,
    as_of: date | datetime,
    policy: LifecyclePolicy | None = None,
    on_block: Callable[[StageColumns], T] | None = None,
) -> list[tuple[StageColumns, T | None]]:
    """`derive_stages` in blocks of whole customers, in customer order.

    Each block's columns come with ``on_block`` of them, computed in the worker
    thread that derived them (while they are in cache): the report engine counts
    the leaky bucket there instead of over the concatenated events. The input is
    checked as `derive_stages` checks it; occasions that come distinct and
    sorted (as the report's summary builds them) pass with an O(n) check, no sort.

    Raises:
        InvalidValue: as `derive_stages`.
    """
    policy = policy or LifecyclePolicy()
    codes = _integers(customer)
    days = _integers(day)
    if codes.shape != days.shape or codes.ndim != 1:
        raise InvalidValue(
            "customer/day", (codes.shape, days.shape), "two 1-D arrays of the same length"
        )
    as_of_day = day_number(as_of, policy)
    if n_customers < 0:
        raise InvalidValue("n_customers", n_customers, "an integer >= 0")
    if n_customers == 0 or len(codes) == 0:
        _check_inputs(codes, days, n_customers, as_of_day)
        empty = np.empty(0, dtype=np.int64)
        columns = StageColumns(
            np.empty(0, np.int8), np.empty(0, np.int8), empty, empty, empty, np.empty(0, np.int8)
        )
        return [(columns, on_block(columns) if on_block is not None else None)]
    codes, days, first = _occasions(codes, days, n_customers, as_of_day)
    # Customers are independent: derive in blocks of whole customers, so every
    # temporary stays small (cache-sized, reused) however long the log.
    starts = np.flatnonzero(first)
    cuts = np.unique(starts[np.searchsorted(starts, np.arange(0, len(codes), _BLOCK), "right") - 1])
    bounds = [*cuts.tolist(), len(codes)]
    pairs = list(itertools.pairwise(bounds))
    low, high = int(days.min()), int(days.max())
    tables = _DayTables.of(policy, low, high)

    def derive_block(bound: tuple[int, int]) -> tuple[StageColumns, T | None]:
        a, b = bound
        columns = _derive_sorted(codes[a:b], days[a:b], first[a:b], as_of_day, policy, tables)
        return columns, on_block(columns) if on_block is not None else None

    if len(pairs) > 1:
        # numpy releases the GIL inside its loops: two threads share the blocks.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            return list(pool.map(derive_block, pairs))
    return [derive_block(pairs[0])]


def _occasions(
    codes: NDArray[np.integer], days: NDArray[np.integer], n_customers: int, as_of_day: int
) -> tuple[NDArray[np.integer], NDArray[np.integer], NDArray[np.bool_]]:
    """Checked distinct occasions sorted by customer then day, with customer-start flags.

    Rows that are sorted and distinct already pass with an O(n) check and no sort.
    """
    first = _sorted_occasions(codes, days)
    if first is not None:
        _check_sorted_inputs(codes, days, first, n_customers, as_of_day)
        return codes, days, first
    _check_inputs(codes, days, n_customers, as_of_day)
    order = np.lexsort((days, codes))
    codes, days = codes[order], days[order]
    del order
    keep = np.ones(len(codes), dtype=bool)
    keep[1:] = (codes[1:] != codes[:-1]) | (days[1:] != days[:-1])
    codes, days = codes[keep], days[keep]
    del keep
    first = np.ones(len(codes), dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    return codes, days, first


def _integers(values: NDArray[np.integer] | list[int]) -> NDArray[np.integer]:
    """The values as an integer array, without a copy when they already are one."""
    array = np.asarray(values)
    if array.dtype.kind not in "iu" or array.dtype.itemsize > 8:
        array = np.asarray(values, dtype=np.int64)
    elif array.dtype.kind == "u" and array.dtype.itemsize == 8:
        array = array.astype(np.int64)
    return array


def _sorted_occasions(
    codes: NDArray[np.integer], days: NDArray[np.integer]
) -> NDArray[np.bool_] | None:
    """Customer-start flags when rows are distinct and sorted by (customer, day), else None.

    One O(n) pass: codes never decrease, and within a customer days strictly increase.
    """
    first = np.ones(len(codes), dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    if not bool((codes[1:] >= codes[:-1]).all()):
        return None
    later = days[1:] > days[:-1]
    later |= first[1:]
    if not bool(later.all()):
        return None
    return first


def _check_sorted_inputs(
    codes: NDArray[np.integer],
    days: NDArray[np.integer],
    first: NDArray[np.bool_],
    n_customers: int,
    as_of_day: int,
) -> None:
    """`_check_inputs` for sorted distinct occasions, without a bincount."""
    if int(codes[0]) < 0 or int(codes[-1]) >= n_customers:
        bad = int(codes[0]) if int(codes[0]) < 0 else int(codes[-1])
        raise InvalidValue("customer", bad, f"codes in 0..{n_customers - 1}")
    if int(np.count_nonzero(first)) != n_customers:
        # Sorted codes in range with fewer distinct values than customers: find the gap.
        present = np.zeros(n_customers, dtype=bool)
        present[codes[first]] = True
        missing = int(np.flatnonzero(~present)[0])
        raise InvalidValue("customer", missing, "every customer code with at least one purchase")
    late = int(days.max())
    if late > as_of_day:
        raise InvalidValue(
            "day",
            late,
            f"purchase days on or before as_of (day number {as_of_day})",
        )


@attrs.frozen(eq=False)
class _DayTables:
    """Calendar arithmetic per day number from ``low``: lapse span added, loyalty period.

    ``shortest`` bounds every lapse deadline from below, in days after the purchase
    it follows: a gap of at most that many days is never a lapse.
    """

    low: int
    span: NDArray[np.int32]
    period: NDArray[np.int32]
    shortest: int

    @classmethod
    def of(cls, policy: LifecyclePolicy, low: int, high: int) -> _DayTables:
        """The tables for day numbers ``low..high`` under ``policy``."""
        span = _day_table(low, high, lambda d: _add_span(d, policy.lapse_span))
        # A deadline is the lapse span's reach or, with a cadence, at least the
        # floor after the purchase (see _limit_deadline).
        shortest = int((span - np.arange(low, high + 1, dtype=np.int64)).min())
        if policy.lapse_cadence_multiple is not None:
            shortest = min(shortest, policy.lapse_floor_days)
        period = _day_table(low, high, policy.loyalty_period.index_days)
        return cls(low, span, period, shortest)


def _day_table(
    low: int, high: int, compute: Callable[[NDArray[np.int64]], NDArray[np.int64]]
) -> NDArray[np.int32]:
    """``compute`` over every day number in ``low..high``, as int32, to be looked up by offset.

    Day numbers of dates in years 1 to 9999 fit in int32; so do the derivation's
    per-occasion columns, which halves the memory traffic of its passes.
    """
    return compute(np.arange(low, high + 1, dtype=np.int64)).astype(np.int32)


def _derive_sorted(
    c: NDArray[np.integer],
    d: NDArray[np.integer],
    first: NDArray[np.bool_],
    as_of_day: int,
    policy: LifecyclePolicy,
    tables: _DayTables,
) -> StageColumns:
    """The derivation over distinct occasions sorted by customer then day.

    Day arithmetic that goes through calendars (the lapse span, the loyalty period)
    is computed once per calendar day in the log's range and looked up per occasion.
    Few passes touch every occasion: the lapse rule is evaluated only where the gap
    is long enough to be one (``tables.shortest``), and the loyalty streak only at
    the occasions that open a new period within a run (`_loyalty_at`).
    """
    n = len(c)
    start_at = np.flatnonzero(first)
    last_at = np.empty_like(start_at)
    last_at[:-1] = start_at[1:] - 1
    last_at[-1] = n - 1
    per_customer = np.diff(np.append(start_at, n))
    # The customer (numbered within the block) of each occasion.
    owner = np.cumsum(first, dtype=np.int32)
    owner -= 1

    lapse_at, lapse_deadline = _lapses(policy, d, first, start_at, owner, tables)
    run_start = first.copy()
    run_start[lapse_at] = True
    if policy.regular_purchases is None:
        loyal_at = _loyalty_at(policy, d, run_start, tables)
    else:
        loyal_at = _loyalty_at_regular(policy, d, run_start, tables)
    # A second occasion is a purchase event unless it ends a lapse (it is never a
    # customer's first, so there a run start means a lapse).
    second_at = start_at[per_customer >= 2] + 1
    second_at = second_at[~run_start[second_at]]
    del run_start

    # The end: lost at as_of, and each customer's stage.
    n_occasions = per_customer.astype(np.int64)
    last_day = d[last_at].astype(np.int32)
    final_deadline = tables.span[last_day - tables.low]
    _limit_deadline(
        policy, final_deadline, last_day, n_occasions - 1, last_day - d[start_at].astype(np.int32)
    )
    lost = as_of_day > final_deadline
    # Loyal now: loyalty established in the customer's last run (after its last lapse).
    last_run_start = start_at.copy()
    lapse_owner = owner[lapse_at]
    latest = np.ones(len(lapse_at), dtype=bool)
    np.not_equal(lapse_owner[1:], lapse_owner[:-1], out=latest[:-1])
    last_run_start[lapse_owner[latest]] = lapse_at[latest]
    loyal_owner = owner[loyal_at]
    loyal_now = np.zeros(len(start_at), dtype=bool)
    loyal_now[loyal_owner[loyal_at >= last_run_start[loyal_owner]]] = True
    ever_loyal = np.zeros(len(start_at), dtype=bool)
    ever_loyal[loyal_owner] = True

    peak = np.where(n_occasions >= 2, _STAGE_CODE[Stage.REPEAT], _STAGE_CODE[Stage.FIRST_TIME])
    peak = peak.astype(np.int8)
    stage = np.where(loyal_now, _STAGE_CODE[Stage.LOYAL], peak)
    stage[lost] = _STAGE_CODE[Stage.LOST]
    peak[ever_loyal] = _STAGE_CODE[Stage.LOYAL]

    events = _events(
        c,
        d,
        start_at,
        second_at,
        lapse_at,
        lapse_deadline,
        loyal_at,
        last_at[lost],
        final_deadline[lost],
        tables.low,
        max(tables.low + len(tables.span) - 1, as_of_day) + 1,
    )
    return StageColumns(stage.astype(np.int8), peak, n_occasions, *events)


def _lapses(
    policy: LifecyclePolicy,
    d: NDArray[np.integer],
    first: NDArray[np.bool_],
    start_at: NDArray[np.intp],
    owner: NDArray[np.int32],
    tables: _DayTables,
) -> tuple[NDArray[np.intp], NDArray[np.int32]]:
    """The occasions that end a lapse (a gap past the deadline set by the purchases before it).

    Returns their positions and the deadline each one missed. Only gaps longer than
    ``tables.shortest`` can be lapses, so the deadlines are computed for those alone.
    """
    gap = np.empty(len(d), dtype=np.int32)
    gap[0] = 0
    np.subtract(d[1:], d[:-1], out=gap[1:])
    could = gap > tables.shortest
    del gap
    could &= ~first
    at = np.flatnonzero(could)
    del could
    previous = d[at - 1].astype(np.int32)
    deadline = tables.span[previous - tables.low]
    customer_start = start_at[owner[at]]
    # Gaps before the previous occasion, and the days they span.
    _limit_deadline(
        policy,
        deadline,
        previous,
        (at - 1 - customer_start).astype(np.int32),
        previous - d[customer_start].astype(np.int32),
    )
    missed = np.flatnonzero(d[at] > deadline)
    return at[missed], deadline[missed]


def _loyalty_at(
    policy: LifecyclePolicy,
    d: NDArray[np.integer],
    run_start: NDArray[np.bool_],
    tables: _DayTables,
) -> NDArray[np.intp]:
    """Where each run first completes ``loyalty_streak`` consecutive periods (no regularity rule).

    A streak counts the periods since the run began or skipped one. It grows only
    at an occasion that opens a new period, so the streak is judged at those
    occasions alone: a streak of ``L`` periods ends at one whose ``L - 1`` previous
    period-openers each moved on by exactly one period, none of them a run start.
    """
    period = tables.period[d - tables.low]
    opens = run_start.copy()
    opens[1:] |= period[1:] != period[:-1]
    q = np.flatnonzero(opens)
    del opens
    period_q = period[q]
    del period
    starts_q = run_start[q]
    step_one = ~starts_q
    step_one[1:] &= (period_q[1:] - period_q[:-1]) == 1
    step_one[0] = False
    reached = step_one.copy()
    for back in range(1, policy.loyalty_streak - 1):
        reached[back:] &= step_one[:-back]
        reached[:back] = False
    # The first time in each run.
    hit = np.flatnonzero(reached)
    run = np.cumsum(starts_q, dtype=np.int32)[hit]
    first_in_run = np.ones(len(hit), dtype=bool)
    np.not_equal(run[1:], run[:-1], out=first_in_run[1:])
    return q[hit[first_in_run]]


def _loyalty_at_regular(
    policy: LifecyclePolicy,
    d: NDArray[np.integer],
    run_start: NDArray[np.bool_],
    tables: _DayTables,
) -> NDArray[np.intp]:
    """`_loyalty_at` with the regularity rule too, judged at every occasion."""
    n = len(d)
    period = tables.period[d - tables.low]
    step = np.empty(n, dtype=np.int32)
    step[0] = 0
    np.subtract(period[1:], period[:-1], out=step[1:])
    del period
    broken = run_start | (step > 1)
    increments = np.cumsum(~broken & (step == 1), dtype=np.int32)
    del step
    base = np.where(broken, increments, 0)
    np.maximum.accumulate(base, out=base)
    streak = increments - base + 1
    del increments, base, broken
    hit = streak >= policy.loyalty_streak
    del streak
    index = np.arange(n, dtype=np.int64)
    run_begin = _segment_start(run_start, index)
    previous = np.empty(n, dtype=np.int64)
    previous[0] = d[0]
    previous[1:] = d[:-1]
    hit |= _regular(policy, d.astype(np.int64), previous, run_start, run_begin, index)
    del index, run_begin, previous
    hit &= ~run_start
    hits = np.cumsum(hit, dtype=np.int32)
    run_base = np.where(run_start, hits, 0)
    np.maximum.accumulate(run_base, out=run_base)
    hits -= run_base  # hits within the run
    return np.flatnonzero(hit & (hits == 1))


def _check_inputs(
    codes: NDArray[np.integer], days: NDArray[np.integer], n_customers: int, as_of_day: int
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


def _limit_deadline(
    policy: LifecyclePolicy,
    deadline: NDArray[np.integer],
    last: NDArray[np.integer],
    gaps_before: NDArray[np.integer],
    gap_total: NDArray[np.integer],
) -> None:
    """Vectorised `LifecyclePolicy.lapse_deadline`, with the same float arithmetic.

    ``deadline`` holds ``last + lapse_span`` and is lowered in place to the
    cadence deadline where the customer has enough gaps to have a cadence.
    """
    multiple = policy.lapse_cadence_multiple
    if multiple is None:
        return
    known = gaps_before >= policy.cadence_min_gaps
    cadence = gap_total / np.where(known, gaps_before, 1)
    cadence *= multiple
    np.ceil(cadence, out=cadence)
    np.maximum(cadence, policy.lapse_floor_days, out=cadence)
    relative = cadence.astype(deadline.dtype)
    del cadence
    relative += last
    np.minimum(deadline, relative, out=relative)
    np.copyto(deadline, relative, where=known)


def _regular(
    policy: LifecyclePolicy,
    d: NDArray[np.int64],
    previous: NDArray[np.integer],
    run_start: NDArray[np.bool_],
    run_begin: NDArray[np.int64],
    index: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Vectorised `LifecyclePolicy.is_regular` over each run's gaps so far."""
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
    c: NDArray[np.integer],
    d: NDArray[np.integer],
    first_at: NDArray[np.intp],
    second_at: NDArray[np.intp],
    lapse_at: NDArray[np.intp],
    lapse_deadline: NDArray[np.integer],
    loyal_at: NDArray[np.intp],
    lost_idx: NDArray[np.intp],
    lost_deadline: NDArray[np.integer],
    day_low: int,
    day_bound: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """The stage-changing events, in the order `derive` emits them.

    The purchases that change the stage are each customer's first occasion and its
    second unless that ends a lapse (then it is a win-back). Every event day lies in
    ``day_low .. day_bound - 1``. The events are sorted by customer, day, order
    within the day and source, as one packed int64 key when it fits, otherwise with
    ``lexsort``. Each source's events come sorted already (they follow the sorted
    occasions), so the keys are sorted runs and a stable sort (timsort, which
    merges runs) orders them several times faster than the default quicksort.
    """
    c_lapse = c[lapse_at].astype(np.int64)
    parts = [
        # (customer, day, order within the day, kind)
        (c_lapse, lapse_deadline.astype(np.int64) + 1, 0, EventKind.DEFECTED),
        (c[first_at].astype(np.int64), d[first_at].astype(np.int64), 1, EventKind.PURCHASED),
        (c[second_at].astype(np.int64), d[second_at].astype(np.int64), 1, EventKind.PURCHASED),
        (c_lapse, d[lapse_at].astype(np.int64), 1, EventKind.WON_BACK_TO_REPEAT),
        (
            c[loyal_at].astype(np.int64),
            d[loyal_at].astype(np.int64),
            2,
            EventKind.LOYALTY_ESTABLISHED,
        ),
        (c[lost_idx].astype(np.int64), lost_deadline.astype(np.int64) + 1, 3, EventKind.DEFECTED),
    ]
    del c_lapse
    kind_of = np.array([_KIND_CODE[p[3]] for p in parts], dtype=np.int8)
    total = sum(len(p[0]) for p in parts)
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.int8)
    span = day_bound - day_low
    last_customer = max(int(p[0].max()) for p in parts if len(p[0]))
    if last_customer + 1 >= 2**62 // (span * 32):
        customers = np.concatenate([p[0] for p in parts])
        days = np.concatenate([p[1] for p in parts])
        within = np.concatenate([np.full(len(p[0]), p[2], dtype=np.int64) for p in parts])
        source = np.concatenate([np.full(len(p[0]), i, np.int64) for i, p in enumerate(parts)])
        order = np.lexsort((source, within, days, customers))
        return customers[order], days[order], kind_of[source[order]]
    # key = ((customer * span + day - low) * 4 + within) * 8 + source: unique, and its
    # order is (customer, day, within, source) — the order lexsort would give.
    key = np.empty(total, dtype=np.int64)
    start = 0
    for index, (who, when, order_in_day, _) in enumerate(parts):
        part = key[start : start + len(who)]
        np.multiply(who, span, out=part)
        part += when
        part -= day_low
        part <<= 5
        part += order_in_day * 8 + index
        start += len(who)
    del parts
    key.sort(kind="stable")
    kinds = kind_of[key & 7]
    key >>= 5
    customers = key // span
    key -= customers * span
    key += day_low
    return customers, key, kinds
