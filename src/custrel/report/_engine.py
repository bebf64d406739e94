"""The report pipeline: read, check, summarise, judge, overview — each step columnar.

The engine orchestrates: every rule it applies lives in the module of its concept
(the stage in :mod:`custrel.lifecycle_batch`, at risk in :mod:`custrel.lifecycle`,
profit in :mod:`custrel.profit`, the bucket, yearly value and churn cost in
:mod:`custrel.retention`, tier and verdict behind ``_integrations``), each in a
scalar and a columnar form held together by a differential test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from custrel.days import date_of, day_number
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
from custrel.report._speed import start_id_order
from custrel.report._summary import SummaryArrays, summarize_arrays

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel._labels import Labelled
    from custrel.retention import ChurnCost

__all__ = ["run"]

_STEPS = ("read", "check", "summarise", "judge", "overview")
#: The optional columns that are costs of a customer (any of them makes profit known).
_COSTS = ("cost", "service_cost", "discount", "bad_debt")

Progress = Callable[[str, int, int], None]


def run(
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
    after_as_of: str = "error",
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
        ignore_after_as_of=after_as_of == "ignore",
    )
    del table
    counts = InputCounts(data.rows_read, len(data.code), data.rejects.num_rows, data.rows_ignored)
    if as_of is None:
        if not data.rows.rows:
            raise _no_rows()
        as_of = date_of(data.rows.day_range()[1])
    as_of_day = day_number(as_of)
    tell("summarise", 2, total)
    n = len(data.ids)
    ordering = start_id_order(data.ids, already_sorted=data.ids_sorted)
    summary = summarize_arrays(data.code, data.rows, n, as_of_day, policy.period)
    numbers: dict[str, NDArray[np.generic]] = dict(summary.columns)
    if any(name in data.rows.extra for name in _COSTS):
        numbers["profit"] = _profit(numbers)
    labels: dict[str, tuple[tuple[Labelled, ...], NDArray[np.int8]]] = {}
    texts: dict[str, tuple[NDArray[np.int64], tuple[tuple[str, ...], ...]]] = {}
    overview = None
    bucket: tuple[BucketRow, ...] | None = None
    if full and n:
        tell("judge", 3, total)
        from custrel.lifecycle import Stage, at_risk_columns

        stage_codes, peak_codes, bucket = _stages_and_bucket(
            summary, n, as_of, int(summary["first_day"].min()), policy
        )
        members = tuple(Stage)
        labels["stage"] = (members, stage_codes)
        labels["peak"] = (members, peak_codes)
        numbers["at_risk"] = at_risk_columns(
            stage_codes,
            summary["first_day"].astype(np.int64, copy=False),
            summary["last_day"].astype(np.int64, copy=False),
            summary["purchase_days"].astype(np.int64, copy=False),
            as_of_day,
            policy.at_risk_cadence_multiple,
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
    tell("done", total, total)
    return Report(as_of, policy, counts, customers, overview, data.rejects)


def _no_rows() -> Exception:
    from custrel.errors import InputDataError

    return InputDataError("at least one row must pass the checks to infer as_of; give as_of")


def _profit(numbers: dict[str, NDArray[np.generic]]) -> NDArray[np.float64]:
    """Each customer's profit by :func:`custrel.profit.profit_columns`.

    The amounts are net of discount (:mod:`custrel.profit`), so the gross revenue is
    amount + discount and the discount is subtracted once. Decision: among several
    cost columns, a missing one counts as 0.
    """
    from custrel.profit import gross_revenue_columns, profit_columns

    revenue = numbers["revenue"].astype(np.float64)
    zero = np.zeros(len(revenue), dtype=np.float64)

    def cost(name: str) -> NDArray[np.float64]:
        return numbers[name].astype(np.float64) if name in numbers else zero

    discount = cost("discount")
    return profit_columns(
        gross_revenue_columns(revenue, discount),
        discount,
        cost("cost"),
        cost("bad_debt"),
        cost("service_cost"),
    )


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
        from custrel.retention import lost_customers_churn_cost, yearly_value_columns

        lost = codes == members.index(Stage.LOST)
        first, last = numbers["first_day"][lost], numbers["last_day"][lost]
        lost_revenue = float(yearly_value_columns(revenue[lost], first, last).sum())
        if profit is not None:
            yearly_profit = float(yearly_value_columns(profit[lost], first, last).sum())
            churn = lost_customers_churn_cost(
                int(lost.sum()), lost_revenue, yearly_profit, currency
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


def _stages_and_bucket(
    summary: SummaryArrays, n: int, as_of: dt.date, first_day: int, policy: ReportPolicy
) -> tuple[NDArray[np.int8], NDArray[np.int8], tuple[BucketRow, ...]]:
    """Stage and peak per customer, and the leaky bucket (漏桶) per period.

    The stages come from :func:`custrel.lifecycle_batch.derive_stage_blocks`; the
    bucket counts each block's stage-changing events (:func:`custrel.retention.bucket_counts`,
    in the worker thread, while they are in cache) and sums the counts, so it counts
    exactly the gains, defections and win-backs the stages were derived from. The
    summary builds the occasions distinct and sorted, so the derivation's checks
    pass in one O(n) scan, with no sort.
    """
    from custrel.lifecycle_batch import StageColumns, derive_stage_blocks
    from custrel.retention import bucket_boundaries, bucket_counts, leaky_bucket_of_counts

    period = policy.bucket_period
    bounds = bucket_boundaries(period, date_of(first_day), as_of)

    def count(block: StageColumns) -> NDArray[np.int64]:
        return bucket_counts(
            block.events_customer, block.events_day, block.events_kind, period, bounds
        )

    blocks = derive_stage_blocks(
        summary.occasion_code, summary.occasion_day, n, as_of, policy.lifecycle, count
    )
    counts = np.asarray(np.sum([c for _, c in blocks if c is not None], axis=0), dtype=np.int64)
    bucket = leaky_bucket_of_counts(counts, period, bounds)
    rows = tuple(
        BucketRow(f.period_start, f.gained, f.lost, f.won_back, f.end, f.churn_rate)
        for f in bucket.flows
    )
    stage = np.concatenate([b.stage for b, _ in blocks])
    peak = np.concatenate([b.peak for b, _ in blocks])
    return stage, peak, rows
