"""The report pipeline: read, check, summarise, judge, overview — each step columnar.

The engine orchestrates (the per-partition steps live in `custrel.report.partition`):
every rule it applies lives in the module of its concept
(the stage in :mod:`custrel.lifecycle_batch`, at risk in :mod:`custrel.lifecycle`,
profit in :mod:`custrel.profit`, the bucket, yearly value and churn cost in
:mod:`custrel.retention`, tier and verdict behind ``_integrations``), each in a
scalar and a columnar form held together by a differential test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from custrel.report import (
    ColumnMap,
    CustomerTable,
    OnError,
    Report,
    ReportPolicy,
    Source,
)
from custrel.report._ingest import read_source, validate
from custrel.report.partition import (
    Cutoffs,
    _analyze_checked,
    finish_partition,
    merge_overviews,
)

__all__ = ["run"]

_STEPS = ("read", "check", "summarise", "judge", "overview")

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
    """Run the pipeline; see :func:`custrel.report.analyze`.

    The whole log is one partition of `custrel.report.partition`: analysed,
    finished against its own cut-offs, and its overview part made the overview —
    the code every engine runs, partition by partition.
    """
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
    tell("summarise", 2, total)
    part = _analyze_checked(data, as_of, policy, full=full)
    del data
    overview = None
    if full:
        tell("judge", 3, total)
        whole = Cutoffs.of_whole(part.overview.customers)
        finished = finish_partition(part, whole, worth_a_call=policy.worth_a_call)
        customers = finished.customers
        tell("overview", 4, total)
        overview = merge_overviews(
            [finished.overview], policy=policy, as_of=part.as_of, currency=currency
        )
    else:
        customers = CustomerTable(part.ids, part.numbers, part.labels)
    tell("done", total, total)
    return Report(part.as_of, policy, part.counts, customers, overview, part.rejects_table)
