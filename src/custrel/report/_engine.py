"""The report pipeline: read, check, summarise, model, judge, overview — each step columnar.

The engine orchestrates (the per-partition steps live in `custrel.report.partition`):
every rule it applies lives in the module of its concept
(the stage in `custrel.lifecycle_batch`, at risk in `custrel.lifecycle`,
profit in `custrel.profit`, the bucket, yearly value and churn cost in
`custrel.retention`, tier and verdict behind ``_integrations``, the customer-base
model behind ``_models``), each in a scalar and a columnar form held together by a
differential test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from custrel.report import (
    ColumnMap,
    CustomerTable,
    ModelNote,
    ModelSummary,
    OnError,
    Report,
    ReportModel,
    ReportPolicy,
    Source,
)
from custrel.report._ingest import read_source, validate
from custrel.report._speed import release_freed_memory
from custrel.report.partition import (
    Cutoffs,
    Part,
    _analyze_checked,
    finish_partition,
    merge_overviews,
)

__all__ = ["run"]

_STEPS = ("read", "check", "summarise", "model", "judge", "overview")

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
    returns: str = "reject",
) -> Report:
    """Run the pipeline; see `custrel.report.analyze`.

    The whole log is one partition of `custrel.report.partition`: analysed, given
    the model's columns (fitted on the whole base), finished against its own
    cut-offs, and its overview part made the overview — the code every engine runs,
    partition by partition.
    """
    tell = progress or (lambda _step, _done, _total: None)
    total = len(_STEPS) if full else 3
    tell("read", 0, total)
    loading = None
    if full and policy.model is not ReportModel.NONE:
        from custrel.report._models import start_loading

        loading = start_loading()
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
        net_returns=returns == "net",
    )
    del table
    release_freed_memory()  # (only when the caller asked for the allocator settings)
    tell("summarise", 2, total)
    part = _analyze_checked(data, as_of, policy, full=full)
    del data
    overview = None
    if full:
        model: ModelSummary | None = None
        if part.overview.customers:
            tell("model", 3, total)
            if loading is not None:
                loading.join()
            part, model = _model(part, policy)
        tell("judge", 4, total)
        whole = Cutoffs.of_whole(part.overview.customers)
        finished = finish_partition(part, whole, worth_a_call=policy.worth_a_call)
        customers = finished.customers
        tell("overview", 5, total)
        overview = merge_overviews(
            [finished.overview], policy=policy, as_of=part.as_of, currency=currency, model=model
        )
    else:
        customers = CustomerTable(part.ids, part.numbers, part.labels)
    tell("done", total, total)
    return Report(part.as_of, policy, part.counts, customers, overview, part.rejects_table)


def _model(part: Part, policy: ReportPolicy) -> tuple[Part, ModelSummary]:
    """Fit the policy's model on the whole base, then add its columns per customer.

    The two steps are separate (`custrel.report._models`): the fit reads only
    the base's sufficient statistic and its repeat buyers' spend; the part is the
    whole base here, so both come from its own columns.
    """
    if policy.model is ReportModel.NONE:
        return part, ModelSummary(
            policy.model, ModelNote.NOT_ASKED, horizon_days=policy.model_horizon_days
        )
    import numpy as np

    from custrel.report._models import fit_on_base, model_statistic, predict_columns

    numbers = part.numbers
    frequency, recency, age = numbers["frequency"], numbers["recency"], numbers["T"]
    value = numbers["monetary_value"]
    repeat = frequency.astype(np.int64) > 0
    fitted = fit_on_base(
        model_statistic(frequency, recency, age), frequency[repeat], value[repeat], policy
    )
    predicted = predict_columns(fitted, frequency, recency, age, value, policy)
    return attrs.evolve(part, numbers={**numbers, **predicted}), fitted.summary
