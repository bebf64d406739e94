"""An overview part's JSON form gives back the same part, and the same merged overview."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InvalidValue
from custrel.lifecycle import Stage
from custrel.pyramid import Tier
from custrel.report import ColumnMap, CustomerResult, OnError, ReportPolicy
from custrel.report.partition import (
    ExactSum,
    OverviewPart,
    analyze_partition,
    finish_partition,
    merge_overviews,
    tier_cutoffs,
)
from custrel.report.schema import CUSTOMER_COLUMNS
from custrel.scoring import Verdict
from custrel.serialization import from_json, to_json
from strategies_report import AS_OF, logs

# Sums far beyond a JSON reader's integer length, and units of any double.
exact_sums = st.builds(ExactSum, st.integers(-(2**1200), 2**1200), st.integers(-1074 - 53, 1000))
counts = st.lists(st.integers(0, 2**62), max_size=8).map(tuple)
floats = st.floats(allow_nan=False, allow_infinity=False)
texts = st.text(max_size=12)


def _labels(name: str):
    column = next(c for c in CUSTOMER_COLUMNS if c.name == name)
    return st.none() | st.sampled_from(tuple(column.label_enum or ()))


rows = st.builds(
    CustomerResult,
    customer_id=texts,
    first_purchase=st.dates(),
    last_purchase=st.dates(),
    purchases=st.integers(0, 10**6),
    purchase_days=st.integers(0, 10**6),
    frequency=st.integers(0, 10**6),
    recency=st.integers(0, 10**6),
    T=st.integers(0, 10**6),
    monetary_value=floats,
    revenue=floats,
    profit=st.none() | floats,
    stage=st.none() | st.sampled_from(tuple(Stage)),
    peak=st.none() | st.sampled_from(tuple(Stage)),
    at_risk=st.none() | st.booleans(),
    tier=st.none() | st.sampled_from(tuple(Tier)),
    verdict=st.none() | st.sampled_from(tuple(Verdict)),
    reasons=st.lists(texts, max_size=3).map(tuple),
    risks=st.lists(texts, max_size=3).map(tuple),
    treatment=_labels("treatment"),
    p_alive=st.none() | floats,
    expected_purchases=st.none() | floats,
    predicted_clv=st.none() | floats,
)
parts = st.builds(
    OverviewPart,
    customers=st.integers(0, 2**62),
    revenue=exact_sums,
    profit=st.none() | exact_sums,
    by_stage=counts,
    bucket_start=st.none() | st.dates(),
    bucket=st.lists(counts, max_size=5).map(tuple),
    lost=st.integers(0, 2**62),
    lost_revenue=exact_sums,
    lost_profit=st.none() | exact_sums,
    by_tier=counts,
    tier_revenue=st.lists(exact_sums, max_size=4).map(tuple),
    tier_profit=st.lists(exact_sums, max_size=4).map(tuple),
    by_verdict=counts,
    worth_a_call=st.lists(st.tuples(floats, texts, rows), max_size=3).map(tuple),
    stage_by_alive=counts,
)


def _fields(part: OverviewPart) -> tuple[object, ...]:
    return attrs.astuple(part, recurse=False)


@given(parts)
def test_an_overview_part_comes_back_from_its_json_unchanged(part):
    text = to_json(part)

    assert _fields(from_json(text, OverviewPart)) == _fields(part)
    assert _fields(OverviewPart.from_json(part.to_json())) == _fields(part)


@given(logs, st.randoms(use_true_random=False), st.integers(1, 4))
def test_parts_read_back_from_json_merge_into_the_same_overview(log, random, partitions):
    import pyarrow as pa

    policy = ReportPolicy(worth_a_call=3)
    groups: list[list[object]] = [[] for _ in range(partitions)]
    for customer in sorted({t.customer_id for t in log}):
        groups[random.randrange(partitions)].append(customer)
    analysed = []
    for group in groups:
        rows_ = [t for t in log if t.customer_id in group]
        table = pa.table(
            {
                "customer_id": pa.array([t.customer_id for t in rows_], pa.string()),
                "date": pa.array([t.date for t in rows_], pa.date32()),
                "amount": pa.array([t.amount for t in rows_], pa.float64()),
            }
        )
        analysed.append(
            analyze_partition(
                table, as_of=AS_OF, policy=policy, columns=ColumnMap(), on_error=OnError.RAISE
            )
        )
    cutoffs = tier_cutoffs([p.tier_values() for p in analysed])
    finished = [finish_partition(p, cutoffs, worth_a_call=3).overview for p in analysed]

    back = [OverviewPart.from_json(to_json(p)) for p in finished]

    def merged(items: list[OverviewPart]):
        return merge_overviews(items, policy=policy, as_of=AS_OF, currency="EUR")

    assert merged(back) == merged(finished)


def test_a_part_with_a_sum_that_is_not_hexadecimal_is_refused_naming_the_field():
    part = OverviewPart(0, ExactSum(), None, (), None, (), 0, ExactSum(), None)
    text = part.to_json().replace('"revenue":{"numerator":"0"', '"revenue":{"numerator":"12z"')

    with pytest.raises(InvalidValue, match=r"revenue\.numerator"):
        OverviewPart.from_json(text)


def test_a_candidate_row_with_an_unknown_tier_is_refused_naming_the_allowed_tiers():
    row = CustomerResult(
        "a", dt.date(2024, 1, 2), dt.date(2024, 1, 2), 1, 1, 0, 0, 3, 0.0, 5.0, None,
        Stage.FIRST_TIME, Stage.FIRST_TIME, False, Tier.KEY,
    )  # fmt: skip
    part = OverviewPart(1, ExactSum(5), None, (), None, (), 0, ExactSum(), None)
    part = attrs.evolve(part, worth_a_call=((5.0, "a", row),))
    text = part.to_json().replace(f'"tier":"{Tier.KEY.value}"', '"tier":"gold"')

    with pytest.raises(InvalidValue, match=r"worth_a_call\.row\.tier") as caught:
        OverviewPart.from_json(text)
    assert Tier.MAJOR.value in str(caught.value)
