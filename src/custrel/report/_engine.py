"""The report pipeline: ingest, summarise, judge, overview — each step columnar."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from custrel.report import (
    BucketRow,
    ColumnMap,
    CustomerTable,
    InputCounts,
    OnError,
    Overview,
    Report,
    ReportPolicy,
    Source,
)
from custrel.report._ingest import read_source, validate
from custrel.report._integrations import judge
from custrel.report._summary import SummaryArrays, summarize_arrays
from custrel.retention import ChurnCost

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel._labels import Labelled

__all__ = ["run"]

_EPOCH = dt.date(1970, 1, 1)
_STEPS = ("read", "check", "summarise", "judge", "overview")
_DAYS_PER_YEAR = 365.25

Progress = Callable[[str, int, int], None]


def _date(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=day)


def _hugepage_switch() -> Callable[[bool], bool] | None:
    """The process-wide huge-page advice switch of numpy (returns the previous value), if any."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover - depends on the numpy version
            continue
        switch = getattr(module, "_set_madvise_hugepage", None)
        if callable(switch):
            return cast("Callable[[bool], bool]", switch)
    return None  # pragma: no cover - a numpy without the switch: nothing to do


_SETTINGS_LOCK = threading.Lock()
_engine_runs = 0
_restore: list[Callable[[], object]] = []


@contextlib.contextmanager
def _engine_memory() -> Iterator[None]:
    """Allocate the way the engine's large, short-lived columns want; restore after.

    Two process-wide allocator settings cost the engine more than its own work,
    in the kernel (measured on the 10M-row benchmark log, this 2-core VM):

    - numpy advises the kernel (``madvise(MADV_HUGEPAGE)``) to back each array of
      4 MiB or more with transparent huge pages. Where THP ``defrag`` is
      ``madvise`` (the default of many Linux distributions) a fault in such an
      array may compact memory synchronously. The engine streams through each
      large array once or twice, so huge pages buy little: without the advice the
      summary step spent 0.19 s in the kernel instead of 0.45 s (wall 0.72 s ->
      0.60 s), and varied less.
    - arrow's default pool (mimalloc in the Linux wheels) returned and re-faulted
      the CSV reader's memory: reading the log took 0.85 s (1 s in the kernel) in
      most runs against 0.55 s with the system allocator, and the whole report
      2.1-2.3 s against 1.9-2.0 s.

    So while a run is under way numpy gives no huge-page advice and arrow allocates
    with the system allocator (``pyarrow.system_memory_pool``; buffers remember
    their pool, so mixing is safe). Both switches are process-wide: concurrent runs
    share one count, the first to enter switches, the last to leave restores.
    """
    global _engine_runs  # noqa: PLW0603 - one count for process-wide switches
    with _SETTINGS_LOCK:
        if _engine_runs == 0:
            _restore.clear()
            switch = _hugepage_switch()
            if switch is not None:
                before = switch(False)
                _restore.append(lambda: switch(before))
            pool = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
            _restore.append(lambda: pa.set_memory_pool(pool))
        _engine_runs += 1
    try:
        yield
    finally:
        with _SETTINGS_LOCK:
            _engine_runs -= 1
            if _engine_runs == 0:
                for undo in _restore:
                    undo()
                _restore.clear()


# The settings last for the whole run, whichever way it ends (the decorator makes a
# fresh context for each call).
@_engine_memory()
def run(  # noqa: PLR0915 - the pipeline reads best as one sequence of steps
    source: Source,
    *,
    as_of: dt.date | None,
    policy: ReportPolicy,
    columns: ColumnMap,
    date_format: str | None,
    on_error: OnError,
    full: bool,
    currency: str,
    progress: Progress | None = None,
) -> Report:
    """Run the pipeline; see :func:`custrel.report.analyze`."""
    tell = progress or (lambda _step, _done, _total: None)
    total = len(_STEPS) if full else 3
    tell("read", 0, total)
    lenient = on_error is OnError.SKIP
    table, malformed = read_source(source, columns.names(), date_format, lenient=lenient)
    tell("check", 1, total)
    data = validate(
        table,
        columns,
        date_format=date_format,
        as_of=as_of,
        strict=not lenient,
        malformed=malformed,
    )
    del table
    counts = InputCounts(data.rows_read, len(data.code), data.rejects.num_rows)
    if as_of is None:
        if not data.rows.rows:
            raise _no_rows()
        as_of = _date(data.rows.day_range()[1])
    as_of_day = (as_of - _EPOCH).days
    tell("summarise", 2, total)
    n = len(data.ids)
    # The id order (arrow, outside the GIL) is worked out while numpy summarises,
    # unless the ids come sorted already.
    sorter = ThreadPoolExecutor(max_workers=1)
    ordering = None if data.ids_sorted else sorter.submit(_id_order, data.ids)
    summary = summarize_arrays(data.code, data.rows, n, as_of_day, policy.period)
    numbers: dict[str, NDArray[np.generic]] = dict(summary.columns)
    cost_columns = [c for c in ("cost", "service_cost", "bad_debt") if c in data.rows.extra]
    if cost_columns:
        profit = numbers["revenue"].astype(np.float64).copy()
        for name in cost_columns:
            profit -= numbers[name]
        numbers["profit"] = profit
    labels: dict[str, tuple[tuple[Labelled, ...], NDArray[np.int8]]] = {}
    texts: dict[str, tuple[NDArray[np.int64], tuple[tuple[str, ...], ...]]] = {}
    overview = None
    bucket: tuple[BucketRow, ...] | None = None
    if full and n:
        tell("judge", 3, total)
        from custrel.lifecycle import ACTUAL_CUSTOMERS, Stage

        stage_codes, peak_codes, bucket = _stages_and_bucket(
            summary, n, as_of, int(summary["first_day"].min()), policy
        )
        members = tuple(Stage)
        labels["stage"] = (members, stage_codes)
        labels["peak"] = (members, peak_codes)
        numbers["at_risk"] = _at_risk(
            summary, stage_codes, members, ACTUAL_CUSTOMERS, as_of_day, policy
        )
        judged = judge(numbers, as_of_day, stage_codes)
        labels.update(judged.labels)
        numbers.update(judged.numbers)
        texts.update(judged.texts)
    # Customers in id order, so the output never depends on the input order.
    ids = data.ids
    if ordering is not None:
        order, ids = ordering.result()
        numbers = {k: v[order] for k, v in numbers.items()}
        labels = {k: (m, c[order]) for k, (m, c) in labels.items()}
        texts = {k: (c[order], d) for k, (c, d) in texts.items()}
    customers = CustomerTable(ids, numbers, labels, texts)
    if full:
        tell("overview", 4, total)
        rows = bucket if bucket is not None else ()
        overview = _overview(customers, rows, policy, currency)
    sorter.shutdown()
    tell("done", total, total)
    return Report(as_of, policy, counts, customers, overview, data.rejects)


def _id_order(ids: pa.Array) -> tuple[NDArray[np.int64], pa.Array]:
    """The permutation that sorts the customer ids, and the sorted ids."""
    order = np.asarray(pc.sort_indices(ids).to_numpy(), dtype=np.int64)
    return order, ids.take(pa.array(order))


def _no_rows() -> Exception:
    from custrel.errors import InputDataError

    return InputDataError("at least one row must pass the checks to infer as_of; give as_of")


def _at_risk(
    summary: SummaryArrays,
    stage: NDArray[np.int8],
    members: tuple[Labelled, ...],
    actual: frozenset[Labelled],
    as_of_day: int,
    policy: ReportPolicy,
) -> NDArray[np.bool_]:
    """Active customers overdue against their own purchase cadence.

    A customer with one purchase occasion has no cadence yet and is not flagged.
    """
    first = summary["first_day"].astype(np.float64)
    last = summary["last_day"].astype(np.float64)
    occasions = summary["purchase_days"].astype(np.float64)
    active = np.isin(stage, [members.index(s) for s in actual])
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = (last - first) / np.maximum(occasions - 1, 1)
    silent = as_of_day - last
    flagged: NDArray[np.bool_] = (
        active & (occasions >= 2) & (silent > policy.at_risk_cadence_multiple * gap)
    )
    return flagged


def _counts(
    members: tuple[Labelled, ...], codes: NDArray[np.int8]
) -> tuple[tuple[Labelled, int], ...]:
    tally = np.bincount(codes[codes >= 0].astype(np.int64), minlength=len(members))
    return tuple((m, int(c)) for m, c in zip(members, tally.tolist(), strict=False) if c)


def _overview(
    customers: CustomerTable,
    leaky_bucket: tuple[BucketRow, ...],
    policy: ReportPolicy,
    currency: str,
) -> Overview:
    numbers = customers.numbers
    revenue = numbers["revenue"].astype(np.float64)
    profit = numbers.get("profit")
    by_stage: tuple[tuple[Labelled, int], ...] = ()
    lost_revenue = 0.0
    churn: ChurnCost | None = None
    if "stage" in customers.labels:
        members, codes = customers.labels["stage"]
        by_stage = _counts(members, codes)
        from custrel.lifecycle import Stage

        lost = codes == members.index(Stage.LOST)
        first = numbers["first_day"].astype(np.float64)
        last = numbers["last_day"].astype(np.float64)
        # Decision: a lost customer's yearly revenue is its revenue over its active
        # span, with spans shorter than a year counted as a year.
        years = np.maximum(last - first + 1, _DAYS_PER_YEAR) / _DAYS_PER_YEAR
        lost_revenue = float((revenue[lost] / years[lost]).sum())
        if profit is not None:
            churn = _churn_cost(
                int(lost.sum()),
                lost_revenue,
                float(revenue[lost].sum()),
                float((profit[lost] / years[lost]).sum()) if lost.any() else 0.0,
                currency,
            )
    by_tier: list[tuple[Labelled, int, float, float | None]] = []
    if "tier" in customers.labels:
        members, codes = customers.labels["tier"]
        total_revenue = revenue.sum() or 1.0
        total_profit = float(profit.sum()) if profit is not None else None
        for i, member in enumerate(members):
            mask = codes == i
            share_profit = (
                float(profit[mask].sum()) / total_profit
                if profit is not None and total_profit
                else None
            )
            by_tier.append(
                (member, int(mask.sum()), float(revenue[mask].sum()) / total_revenue, share_profit)
            )
    by_verdict: tuple[tuple[Labelled, int], ...] = ()
    if "verdict" in customers.labels:
        by_verdict = _counts(*customers.labels["verdict"])
    worth: tuple[object, ...] = ()
    if "at_risk" in numbers:
        flagged = np.flatnonzero(numbers["at_risk"].astype(bool))
        value = np.asarray(profit if profit is not None else revenue, dtype=np.float64)[flagged]
        top = flagged[np.argsort(-value, kind="stable")[: policy.worth_a_call]]
        worth = tuple(customers[int(i)] for i in top)
    return Overview(
        customers=len(customers),
        revenue=float(revenue.sum()),
        profit=float(profit.sum()) if profit is not None else None,
        currency=currency,
        by_stage=by_stage,
        by_tier=tuple(by_tier),
        by_verdict=by_verdict,
        leaky_bucket=leaky_bucket,
        lost_revenue=lost_revenue,
        worth_a_call=worth,  # type: ignore[arg-type]
        churn_cost=churn,
    )


def _churn_cost(
    lost: int, yearly_revenue: float, revenue: float, yearly_profit: float, currency: str
) -> ChurnCost | None:
    """The lost customers' churn cost a year, by :func:`custrel.retention.churn_cost`.

    ``None`` when nobody is lost or the lost customers' margin lies outside [0, 1]
    (a loss-making lost customer costs nothing in profit; the revenue figure stays).
    """
    from decimal import Decimal

    from custrel.money import Money
    from custrel.retention import churn_cost

    if lost == 0 or revenue <= 0 or yearly_revenue <= 0:
        return None
    margin = yearly_profit / yearly_revenue
    if not 0 <= margin <= 1:
        return None
    cent = Decimal("0.01")
    per_customer = Money.of(Decimal(repr(yearly_revenue / lost)).quantize(cent), currency)
    return churn_cost(lost, Decimal(1), per_customer, Decimal(repr(margin)).quantize(cent / 100))


def _stages_and_bucket(
    summary: SummaryArrays, n: int, as_of: dt.date, first_day: int, policy: ReportPolicy
) -> tuple[NDArray[np.int8], NDArray[np.int8], tuple[BucketRow, ...]]:
    """Stage and peak per customer, and the leaky bucket (漏桶) per period.

    The stages come from :func:`custrel.lifecycle_batch.derive_stages`' blocks; the
    bucket counts each block's stage-changing events as they are (in the worker
    thread, while they are in cache) and sums the counts, so it counts exactly the
    gains, defections and win-backs the stages were derived from. The events come
    from the derivation itself, so the trusted entry skips re-checking them; the
    occasions come from the summary, which builds them distinct and sorted with
    their customer-start flags, so the derivation skips checking those too.
    """
    from custrel.lifecycle_batch import StageColumns, _derive_blocks
    from custrel.retention import _boundaries, _bucket_counts_trusted, _bucket_of_counts

    period = policy.bucket_period
    bounds = _boundaries(period, _date(first_day), as_of)

    def count(block: StageColumns) -> NDArray[np.int64]:
        return _bucket_counts_trusted(
            block.events_customer, block.events_day, block.events_kind, period, bounds
        )

    blocks = _derive_blocks(
        summary.occasion_code,
        summary.occasion_day,
        n,
        as_of,
        policy.lifecycle,
        count,
        first=summary.occasion_first,
    )
    counts = np.asarray(np.sum([c for _, c in blocks if c is not None], axis=0), dtype=np.int64)
    bucket = _bucket_of_counts(counts, period, bounds)
    rows = tuple(
        BucketRow(f.period_start, f.gained, f.lost, f.won_back, f.end, f.churn_rate)
        for f in bucket.flows
    )
    stage = np.concatenate([b.stage for b, _ in blocks])
    peak = np.concatenate([b.peak for b, _ in blocks])
    return stage, peak, rows
