"""The report in partitions of whole customers equals the report on one machine, bit for bit."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.periods import Period
from custrel.pyramid import tier_codes
from custrel.report import (
    ColumnMap,
    ModelNote,
    ModelSummary,
    OnError,
    ReportModel,
    ReportPolicy,
    Transaction,
    analyze,
)
from custrel.report.partition import (
    ExactSum,
    OverviewPart,
    ValueCounts,
    _count,
    _top,
    analyze_partition,
    finish_partition,
    merge_overviews,
    merge_value_counts,
    tier_cutoffs,
)
from strategies_report import AS_OF, customer_ids, days

# Few distinct amounts, so tiers and percentiles meet ties at their cut-offs.
amounts = st.sampled_from([0.0, 1.5, 10.0, 10.0001, 99.99, 250.0, 1234.5678])
costed = st.builds(
    Transaction,
    customer_id=customer_ids,
    date=days,
    amount=amounts,
    cost=amounts,
    discount=st.sampled_from([0.0, 0.5, 3.0]),
    service_cost=amounts,
    days_late=st.sampled_from([0.0, 0.0, 4.0, 40.0]),
)
plain = st.builds(Transaction, customer_id=customer_ids, date=days, amount=amounts)
logs = st.one_of(
    st.lists(costed, min_size=1, max_size=60), st.lists(plain, min_size=1, max_size=60)
)
policies = st.sampled_from(
    [
        # The partition flow here fits no model (the model's own split is tested with it).
        ReportPolicy(model=ReportModel.NONE),
        ReportPolicy(
            period=Period.WEEK, bucket_period=Period.MONTH, worth_a_call=2, model=ReportModel.NONE
        ),
    ]
)
_FIELDS = ("amount", "cost", "discount", "service_cost", "days_late")


def _table(log: list[Transaction]) -> pa.Table:
    columns: dict[str, object] = {
        "customer_id": pa.array([t.customer_id for t in log], pa.string()),
        "date": pa.array([t.date for t in log], pa.date32()),
    }
    for name in _FIELDS:
        values = [getattr(t, name) for t in log]
        if log and all(v is not None for v in values):
            columns[name] = pa.array(values, pa.float64())
    if not log:
        columns["amount"] = pa.array([], pa.float64())
    return pa.table(columns)


def _decoded(table: pa.Table) -> pa.Table:
    """Dictionary columns as plain strings (each partition has its own dictionaries)."""
    return pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _partitioned(log, groups, random, policy, as_of):
    """Analyse, cut, finish and merge the log split into the given groups of customers."""
    parts = []
    for group in groups:
        rows = [t for t in log if t.customer_id in group]
        random.shuffle(rows)
        parts.append(
            analyze_partition(
                _table(rows) if rows else _table(log).slice(0, 0),
                as_of=as_of,
                policy=policy,
                columns=ColumnMap(),
                on_error=OnError.RAISE,
            )
        )
    random.shuffle(parts)
    cutoffs = tier_cutoffs([p.tier_values() for p in parts], [p.revenue_values() for p in parts])
    finished = [finish_partition(p, cutoffs, worth_a_call=policy.worth_a_call) for p in parts]
    # Overview parts travel between processes as bytes.
    overviews = [OverviewPart.from_bytes(f.overview.to_bytes()) for f in finished]
    # No model is fitted (the policy asks for none); the overview says so, as on one machine.
    model = None
    if any(o.customers for o in overviews):
        model = ModelSummary(
            policy.model, ModelNote.NOT_ASKED, horizon_days=policy.model_horizon_days
        )
    overview = merge_overviews(overviews, policy=policy, as_of=as_of, currency="EUR", model=model)
    table = pa.concat_tables([_decoded(f.customers.to_arrow()) for f in finished])
    table = table.take(pc.sort_indices(table, [("customer_id", "ascending")]))
    return table, overview


@given(logs, st.randoms(use_true_random=False), st.integers(1, 5), policies)
def test_any_split_into_partitions_gives_the_one_machine_report_bit_for_bit(
    log, random, partitions, policy
):
    customers = sorted({t.customer_id for t in log})
    groups: list[set[str]] = [set() for _ in range(partitions + 1)]  # one may stay empty
    for customer in customers:
        groups[random.randrange(partitions)].add(customer)

    whole = analyze(log, as_of=AS_OF, policy=policy, currency="EUR")
    table, overview = _partitioned(log, groups, random, policy, AS_OF)

    expected = _decoded(whole.customers.to_arrow())
    assert table.schema == expected.schema
    assert table.equals(expected)
    assert overview == whole.overview


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=40), st.integers(1, 4))
def test_exact_sums_merge_to_the_correctly_rounded_total_in_any_grouping(values, pieces):
    from fractions import Fraction

    array = np.array(values, dtype=np.float64)
    total = ExactSum()
    for chunk in np.array_split(array, pieces):
        total = total + ExactSum.of(chunk)
    assert total.value() == float(sum((Fraction(v) for v in values), Fraction(0)))


@given(st.lists(st.sampled_from([-3.0, 0.0, 1.0, 2.5, 2.5, 7.0, 100.0]), max_size=300))
def test_cut_offs_from_merged_value_counts_give_the_pyramids_tiers(values):
    from custrel.report.partition import _tiers

    array = np.array(values, dtype=np.float64)
    halves = np.array_split(array, 2)
    cutoffs = tier_cutoffs([ValueCounts.of(h) for h in halves])
    assert cutoffs.customers == len(values)
    assert _tiers(array, cutoffs).tolist() == tier_codes(array).tolist()


def test_merging_value_counts_adds_the_counts_of_equal_values():
    merged = merge_value_counts(
        [ValueCounts.of(np.array([1.0, 2.0, 2.0])), ValueCounts.of(np.array([2.0, 5.0]))]
    )
    assert merged.values.tolist() == [1.0, 2.0, 5.0]
    assert merged.counts.tolist() == [1, 3, 1]


def test_an_exact_sum_refuses_a_value_that_is_not_finite():
    from custrel.errors import InvalidValue

    with pytest.raises(InvalidValue, match="finite"):
        ExactSum.of(np.array([1.0, np.inf]))


def test_a_partition_without_as_of_takes_its_own_last_day():
    log = [Transaction("a", dt.date(2024, 1, 2), 5.0), Transaction("b", dt.date(2024, 2, 3), 1.0)]
    part = analyze_partition(
        _table(log), as_of=None, policy=ReportPolicy(), columns=ColumnMap(), on_error=OnError.RAISE
    )
    assert part.as_of == dt.date(2024, 2, 3)
    assert part.counts.rows_accepted == 2


def test_a_model_fitted_once_on_the_whole_base_scores_each_partition_as_on_one_machine():
    import attrs

    from custrel.report import ReportModel
    from custrel.report._models import fit_on_base, model_statistic, predict_columns
    from custrel.report.partition import _overview_part
    from custrel.sample import SAMPLE_AS_OF, sample_path

    policy = ReportPolicy(model=ReportModel.BG_NBD)
    whole = analyze(sample_path(), as_of=SAMPLE_AS_OF, policy=policy)
    assert whole.overview is not None
    assert whole.overview.model is not None
    assert whole.overview.model.params
    one = analyze_partition(
        sample_path(),
        as_of=SAMPLE_AS_OF,
        policy=policy,
        columns=ColumnMap(),
        on_error=OnError.RAISE,
    )
    # Three partitions of whole customers, each analysed on its own.
    n = len(one.numbers["revenue"])
    cuts = [0, n // 3, 2 * n // 3, n]
    parts = []
    for start, stop in itertools.pairwise(cuts):
        numbers = {k: v[start:stop] for k, v in one.numbers.items()}
        labels = {k: (m, c[start:stop]) for k, (m, c) in one.labels.items()}
        ids = one.ids.slice(start, stop - start)  # type: ignore[attr-defined]
        parts.append(attrs.evolve(one, ids=ids, numbers=numbers, labels=labels))
    # The fit: the statistic by one aggregation over every partition, fitted once.
    column = {k: np.concatenate([p.numbers[k] for p in parts]) for k in one.numbers}
    repeat = column["frequency"].astype(np.int64) > 0
    fitted = fit_on_base(
        model_statistic(column["frequency"], column["recency"], column["T"]),
        column["frequency"][repeat],
        column["monetary_value"][repeat],
        policy,
    )
    assert fitted.summary == whole.overview.model
    # The predictions, partition by partition.
    scored = []
    for i, part in enumerate(parts):
        x = part.numbers
        predicted = predict_columns(
            fitted, x["frequency"], x["recency"], x["T"], x["monetary_value"], policy
        )
        # The leaky bucket's counts (not at issue here) ride with the first partition.
        bucket = (one.overview.bucket_start, one.overview.bucket) if i == 0 else (None, ())
        overview = _overview_part(x, part.labels, *bucket)
        scored.append(attrs.evolve(part, numbers={**x, **predicted}, overview=overview))
    cutoffs = tier_cutoffs([p.tier_values() for p in scored], [p.revenue_values() for p in scored])
    finished = [finish_partition(p, cutoffs, worth_a_call=policy.worth_a_call) for p in scored]
    overview = merge_overviews(
        [OverviewPart.from_bytes(f.overview.to_bytes()) for f in finished],
        policy=policy,
        as_of=SAMPLE_AS_OF,
        currency=whole.overview.currency,
        model=fitted.summary,
    )

    table = pa.concat_tables([_decoded(f.customers.to_arrow()) for f in finished])
    assert table.equals(_decoded(whole.customers.to_arrow()))
    assert overview.stage_by_alive == whole.overview.stage_by_alive
    assert overview.worth_a_call == whole.overview.worth_a_call
    assert overview.model == whole.overview.model


@given(
    st.lists(
        st.one_of(st.sampled_from([0.0, 1.0, 2.5, -1.0, float("nan")]), st.floats(-1e6, 1e6)),
        max_size=60,
    ),
    st.integers(0, 70),
)
def test_the_top_k_are_those_a_full_stable_sort_puts_first(values, k):
    array = np.array(values, dtype=np.float64)

    top = _top(array, k)

    assert top.tolist() == np.argsort(-array, kind="stable")[:k].tolist()


@given(st.lists(st.integers(-1, 5), max_size=50))
def test_label_counts_leave_out_unknown_codes(codes):
    assert _count(np.array(codes, dtype=np.int8), 6) == tuple(
        sum(1 for c in codes if c == i) for i in range(6)
    )
