"""Retention: the leaky bucket (per customer and columnar), churn cost, lifetime value."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import (
    CurrencyMismatch,
    InputDataError,
    InvalidValue,
)
from custrel.lifecycle import (
    ACTUAL_CUSTOMERS,
    TRANSITIONS,
    Defected,
    EventKind,
    Lifecycle,
    LifecyclePolicy,
    Purchased,
    ShowedInterest,
    Stage,
    WonBack,
    derive,
)
from custrel.lifecycle_batch import derive_stages
from custrel.money import Money
from custrel.periods import Period
from custrel.retention import (
    ACQUISITION_COST_RATIO,
    WORD_OF_MOUTH_LISTENERS,
    WORKED_EXAMPLE,
    BucketFlow,
    PaymentTiming,
    churn_cost,
    churn_reduction_what_if,
    leaky_bucket,
    leaky_bucket_columns,
    lifetime_value,
)
from strategies_retention import (
    customer_lifecycles,
    discount_rates,
    positive_amounts,
    rates,
    retentions,
    windows,
)

UTC = timezone.utc
KINDS = tuple(EventKind)
USD = "USD"


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


# --- the leaky bucket ----------------------------------------------------------------------


def _columns(lifecycles: list[Lifecycle]) -> tuple[list[int], list[int], list[int]]:
    customer, day, kind = [], [], []
    epoch = date(1970, 1, 1)
    for code, lifecycle in enumerate(lifecycles):
        for event in lifecycle.history:
            customer.append(code)
            day.append((event.at.astimezone(UTC).date() - epoch).days)
            kind.append(KINDS.index(event.kind))
    return customer, day, kind


def _actual_on(lifecycle: Lifecycle, boundary: date) -> bool:
    # reference: replay the events dated before the boundary, ask the lifecycle its stage
    before = [e for e in lifecycle.history if e.at.astimezone(UTC).date() < boundary]
    return bool(before) and Lifecycle(lifecycle.customer_id, before).stage in ACTUAL_CUSTOMERS


def test_a_hand_built_month_by_month_bucket():
    a = Lifecycle(
        "a",
        [
            Purchased(at(2025, 1, 5)),
            Purchased(at(2025, 1, 20)),
            Defected(at(2025, 2, 10)),
            WonBack(at(2025, 3, 3), to=Stage.REPEAT),
        ],
    )
    b = Lifecycle("b", [ShowedInterest(at(2024, 12, 1)), Purchased(at(2025, 2, 14))])
    c = Lifecycle("c", [Purchased(at(2024, 11, 1)), Defected(at(2025, 3, 30))])

    bucket = leaky_bucket([a, b, c], Period.MONTH, date(2025, 1, 1), date(2025, 3, 31))

    rows = [(f.start, f.gained, f.won_back, f.lost, f.end, f.retained) for f in bucket.flows]
    assert rows == [
        (1, 1, 0, 0, 2, 1),  # Jan: c there; a gained
        (2, 1, 0, 1, 2, 1),  # Feb: b gained, a lost; c retained
        (2, 0, 1, 1, 2, 1),  # Mar: a won back, c lost; b retained
    ]
    assert [f.period_start for f in bucket.flows] == [
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 3, 1),
    ]
    assert bucket.flows[1].churn_rate == 0.5
    assert bucket.pooled_churn_rate == pytest.approx(2 / 5)  # 5 opened, 3 retained


@given(customer_lifecycles(), st.sampled_from(list(Period)), windows)
def test_every_period_conserves_customers(lifecycles, period, window):
    start, end = window

    bucket = leaky_bucket(lifecycles, period, start, end)

    for flow in bucket.flows:
        assert flow.start + flow.gained + flow.won_back - flow.lost == flow.end
    for earlier, later in zip(bucket.flows, bucket.flows[1:], strict=False):
        assert earlier.end == later.start


@given(customer_lifecycles(), st.sampled_from(list(Period)), windows)
def test_opening_and_closing_counts_match_a_replay_at_each_boundary(lifecycles, period, window):
    start, end = window

    bucket = leaky_bucket(lifecycles, period, start, end)

    for flow in bucket.flows:
        close = flow.period_start + period.delta(1)
        assert flow.start == sum(_actual_on(lc, flow.period_start) for lc in lifecycles)
        assert flow.end == sum(_actual_on(lc, close) for lc in lifecycles)
        assert flow.retained == sum(
            _actual_on(lc, flow.period_start) and _actual_on(lc, close) for lc in lifecycles
        )


@given(customer_lifecycles(), st.sampled_from(list(Period)), windows)
def test_the_columnar_bucket_equals_the_per_object_one(lifecycles, period, window):
    start, end = window
    customer, day, kind = _columns(lifecycles)

    columnar = leaky_bucket_columns(
        np.array(customer, dtype=np.int64),
        np.array(day, dtype=np.int64),
        np.array(kind, dtype=np.int8),
        period,
        start,
        end,
    )

    assert columnar == leaky_bucket(lifecycles, period, start, end)


@given(
    st.lists(st.lists(st.integers(0, 1400), min_size=1, max_size=12), min_size=1, max_size=6),
    st.sampled_from(list(Period)),
)
def test_the_bucket_of_the_batch_engine_equals_the_one_of_derive(purchases, period):
    as_of = date(2026, 6, 30)
    days = [[as_of - timedelta(days=back) for back in backs] for backs in purchases]
    epoch = date(1970, 1, 1)
    customer = np.array([c for c, ds in enumerate(days) for _ in ds], dtype=np.int64)
    day = np.array([(d - epoch).days for ds in days for d in ds], dtype=np.int64)

    columns = derive_stages(customer, day, len(days), as_of, LifecyclePolicy())
    columnar = leaky_bucket_columns(
        columns.events_customer,
        columns.events_day,
        columns.events_kind,
        period,
        date(2022, 7, 1),
        as_of,
    )
    lifecycles = [derive(ds, as_of).lifecycle for ds in days]

    assert columnar == leaky_bucket(lifecycles, period, date(2022, 7, 1), as_of)


@given(st.dates(date(1900, 1, 1), date(2200, 12, 31)), st.sampled_from(list(Period)))
def test_the_vectorised_period_index_agrees_with_period_index(day, period):
    number = np.array([(day - date(1970, 1, 1)).days], dtype=np.int64)

    assert int(period.index_days(number)[0]) == period.index(day)


def test_a_bucket_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidValue):
        leaky_bucket([], Period.MONTH, date(2025, 3, 1), date(2025, 2, 1))


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(InputDataError):
        leaky_bucket_columns([0, 0], [1], [2, 2], Period.DAY, date(1970, 1, 1), date(1970, 1, 9))


def test_a_kind_code_out_of_range_is_refused_with_its_row():
    with pytest.raises(InputDataError) as caught:
        leaky_bucket_columns(
            [0, 0], [1, 2], [2, 99], Period.DAY, date(1970, 1, 1), date(1970, 2, 1)
        )

    assert caught.value.row == 2
    assert caught.value.value == 99


def test_unsorted_columns_are_refused():
    purchased = KINDS.index(EventKind.PURCHASED)

    with pytest.raises(InputDataError) as caught:
        leaky_bucket_columns(
            [0, 0], [5, 3], [purchased, purchased], Period.DAY, date(1970, 1, 1), date(1970, 2, 1)
        )

    assert caught.value.row == 2


def test_a_defection_of_someone_who_never_bought_is_refused():
    defected = KINDS.index(EventKind.DEFECTED)

    with pytest.raises(InputDataError) as caught:
        leaky_bucket_columns([0], [5], [defected], Period.DAY, date(1970, 1, 1), date(1970, 2, 1))

    assert caught.value.value == "DEFECTED"


def _membership_of(stage):
    return "in" if stage in ACTUAL_CUSTOMERS else "lost" if stage is Stage.LOST else "out"


def _first_illegal_event(customers, kinds):
    """The plain rule: walk each customer's events through the lifecycle table."""
    membership = None  # the customer's before its first event: none
    for row, (customer, code) in enumerate(zip(customers, kinds, strict=True)):
        if row == 0 or customers[row - 1] != customer:
            membership = None
        targets = [
            target
            for source, trigger, target in TRANSITIONS.items()
            if trigger is KINDS[code]
            and (
                source is None
                if membership is None
                else source is not None and _membership_of(source) == membership
            )
        ]
        if not targets:
            return row
        membership = _membership_of(targets[0])
    return None


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, len(KINDS) - 1)), min_size=0, max_size=30)
)
def test_the_event_checks_refuse_exactly_the_first_event_the_lifecycle_table_refuses(events):
    events.sort(key=lambda e: e[0])  # sorted by customer; days keep the row order
    customers = [c for c, _ in events]
    kinds = [k for _, k in events]
    illegal = _first_illegal_event(customers, kinds)
    days = list(range(1, len(events) + 1))

    if illegal is None:
        leaky_bucket_columns(customers, days, kinds, Period.DAY, date(1970, 1, 1), date(1970, 2, 1))
    else:
        with pytest.raises(InputDataError) as caught:
            leaky_bucket_columns(
                customers, days, kinds, Period.DAY, date(1970, 1, 1), date(1970, 2, 1)
            )
        assert caught.value.row == illegal + 1
        assert caught.value.value == KINDS[kinds[illegal]].name


def test_a_flow_that_leaks_is_refused():
    with pytest.raises(InvalidValue) as caught:
        BucketFlow(date(2025, 1, 1), start=10, gained=2, won_back=1, lost=3, end=11, retained=8)

    assert caught.value.field == "end"


def test_a_negative_count_in_a_flow_is_refused():
    with pytest.raises(InvalidValue):
        BucketFlow(date(2025, 1, 1), start=-1, gained=1, won_back=0, lost=0, end=0, retained=0)


@given(customer_lifecycles(), st.sampled_from(list(Period)), windows)
def test_churn_and_retention_rates_are_shares_that_add_to_one(lifecycles, period, window):
    bucket = leaky_bucket(lifecycles, period, *window)

    for flow in bucket.flows:
        if flow.start:
            assert 0 <= flow.churn_rate <= 1
            assert flow.churn_rate + flow.retention_rate == pytest.approx(1)
        else:
            assert flow.churn_rate is None


# --- churn cost ----------------------------------------------------------------------------


def test_the_seed_worked_example():
    example = WORKED_EXAMPLE

    cost = churn_cost(
        example.customers, example.churn_rate, example.revenue_per_customer, example.margin
    )

    assert cost.lost_customers == 3_200 == example.lost_customers
    assert cost.revenue_lost == Money.of(128_000_000, USD) == example.revenue_lost
    assert cost.profit_lost == Money.of(12_800_000, USD) == example.profit_lost


def test_word_of_mouth_and_acquisition_ratio_default_to_the_seed_five():
    cost = churn_cost(100, Decimal("0.1"), Money.of(1, USD), Decimal("0.1"))

    assert WORD_OF_MOUTH_LISTENERS == ACQUISITION_COST_RATIO == 5
    assert cost.people_told == 50  # 10 lost × 5 told
    assert cost.replacement_cost(Money.of(20, USD)) == Money.of(1_000, USD)  # 10 × 5 × 20


@given(st.integers(0, 10**6), st.integers(1, 50), rates, positive_amounts, rates)
def test_churn_cost_is_linear_in_customers(customers, k, rate, revenue, margin):
    one = churn_cost(customers, rate, Money(revenue, USD), margin)

    many = churn_cost(customers * k, rate, Money(revenue, USD), margin)

    assert many.lost_customers == one.lost_customers * k
    assert many.profit_lost == one.profit_lost * k


@pytest.mark.parametrize(
    ("customers", "rate", "margin", "field"),
    [
        (-1, "0.05", "0.1", "customers"),
        (10.5, "0.05", "0.1", "customers"),
        (10, "1.05", "0.1", "churn_rate"),
        (10, "-0.01", "0.1", "churn_rate"),
        (10, "0.05", "2", "margin"),
        (10, float("nan"), "0.1", "churn_rate"),
    ],
)
def test_bad_churn_cost_inputs_raise_naming_the_field(customers, rate, margin, field):
    with pytest.raises(InvalidValue) as caught:
        churn_cost(customers, rate, Money.of(1, USD), margin)

    assert caught.value.field == field


def test_revenue_must_be_money_with_a_currency():
    with pytest.raises(InvalidValue):
        churn_cost(10, "0.05", 40_000, "0.1")  # type: ignore[arg-type]


# --- lifetime value ------------------------------------------------------------------------


def _brute_force(
    m: Decimal, r: Decimal, i: Decimal, periods: int, timing: PaymentTiming
) -> Decimal:
    # a plain loop over periods: survive with probability r, discount by 1 + i, each period
    total = Decimal(0)
    survive_and_discount = Decimal(1)
    for t in range(periods + 1):
        if (timing is PaymentTiming.START and t < periods) or (
            timing is PaymentTiming.END and t >= 1
        ):
            total += m * survive_and_discount
        survive_and_discount = survive_and_discount * r / (1 + i)
    return total


def test_the_closed_form_textbook_value():
    value = lifetime_value(Money.of(100, USD), "0.8", "0.1", timing=PaymentTiming.END)

    assert value.rounded() == Money.of("266.67", USD)  # 100 × 0.8 / 0.3


def test_payment_at_the_start_adds_the_first_margin_and_undoes_one_discount():
    start = lifetime_value(Money.of(100, USD), "0.8", "0.1", timing=PaymentTiming.START)

    assert start.rounded() == Money.of("366.67", USD)  # 100 × 1.1 / 0.3


def test_acquisition_cost_is_subtracted():
    value = lifetime_value(
        Money.of(100, USD),
        "0.5",
        "0",
        timing=PaymentTiming.END,
        acquisition_cost=Money.of(30, USD),
    )

    assert value == Money.of(70, USD)  # 100 × 0.5 / 0.5 − 30


def test_acquisition_cost_in_another_currency_is_refused():
    with pytest.raises(CurrencyMismatch):
        lifetime_value(
            Money.of(100, USD),
            "0.5",
            "0.1",
            timing=PaymentTiming.END,
            acquisition_cost=Money.of(30, "CNY"),
        )


@pytest.mark.parametrize(("retention", "discount"), [("1", "0"), ("0.9", "-0.1"), ("1", "-0.5")])
def test_retention_at_or_above_one_plus_the_discount_rate_raises(retention, discount):
    with pytest.raises(InvalidValue) as caught:
        lifetime_value(Money.of(1, USD), retention, discount, timing=PaymentTiming.END)

    assert caught.value.field == "retention"


def test_the_same_rates_are_fine_over_a_finite_horizon():
    value = lifetime_value(Money.of(1, USD), "1", "0", timing=PaymentTiming.END, horizon=12)

    assert value == Money.of(12, USD)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("retention", {"retention": "1.2"}),
        ("retention", {"retention": "-0.1"}),
        ("discount_rate", {"discount_rate": "-1"}),
        ("horizon", {"horizon": -1}),
        ("timing", {"timing": "end"}),
    ],
)
def test_bad_lifetime_value_inputs_raise(field, kwargs):
    arguments = {"retention": "0.5", "discount_rate": "0.1", "timing": PaymentTiming.END}
    arguments.update(kwargs)

    with pytest.raises(InvalidValue) as caught:
        lifetime_value(Money.of(1, USD), **arguments)

    assert caught.value.field == field


@given(
    positive_amounts,
    retentions,
    discount_rates,
    st.integers(0, 40),
    st.sampled_from(list(PaymentTiming)),
)
def test_the_finite_horizon_is_the_sum_of_discounted_margins(m, r, i, periods, timing):
    value = lifetime_value(Money(m, USD), r, i, timing=timing, horizon=periods)

    assert abs(value.amount - _brute_force(m, r, i, periods, timing)) <= Decimal("1e-15") * (1 + m)


@given(
    positive_amounts,
    retentions,
    discount_rates,
    st.integers(0, 200),
    st.sampled_from(list(PaymentTiming)),
)
def test_the_closed_form_is_the_limit_of_the_finite_horizon(m, r, i, periods, timing):
    closed = lifetime_value(Money(m, USD), r, i, timing=timing)
    finite = lifetime_value(Money(m, USD), r, i, timing=timing, horizon=periods)
    q = r / (1 + i)

    # the tail of a geometric series: what is left after T periods is closed × q**T
    tolerance = Decimal("1e-15") * (1 + closed.amount)  # 28-digit Decimal arithmetic
    tail = closed.amount * (q**periods if periods else 1)
    assert abs((closed.amount - finite.amount) - tail) <= tolerance
    assert finite.amount <= closed.amount + tolerance


@given(
    positive_amounts, retentions, retentions, discount_rates, st.sampled_from(list(PaymentTiming))
)
def test_lifetime_value_increases_with_retention(m, r1, r2, i, timing):
    low, high = sorted((r1, r2))

    assert lifetime_value(Money(m, USD), low, i, timing=timing) <= lifetime_value(
        Money(m, USD), high, i, timing=timing
    )


@given(
    positive_amounts,
    retentions,
    discount_rates,
    discount_rates,
    st.sampled_from(list(PaymentTiming)),
)
def test_lifetime_value_decreases_with_the_discount_rate(m, r, i1, i2, timing):
    low, high = sorted((i1, i2))

    assert lifetime_value(Money(m, USD), r, high, timing=timing) <= lifetime_value(
        Money(m, USD), r, low, timing=timing
    )


# --- what cutting churn does -----------------------------------------------------------------


def test_cutting_churn_from_20_to_15_points_raises_value_by_a_fifth_at_start_timing():
    what = churn_reduction_what_if(
        "0.20", "0.05", Money.of(100, USD), "0.10", timing=PaymentTiming.START, customers=1_000
    )

    # value ∝ 1.1 / (0.1 + churn): 1.1/0.30 → 1.1/0.25, a ratio of 0.30/0.25 = 1.2
    assert what.uplift == Decimal("0.2")
    assert what.within_cited_range is False
    assert what.value_before.rounded() == Money.of("366666.67", USD)


def test_a_firm_with_low_churn_gains_within_the_seed_range():
    what = churn_reduction_what_if(
        "0.10", "0.05", Money.of(100, USD), "0.05", timing=PaymentTiming.END
    )

    # value ∝ r / (0.05 + churn): 0.90/0.15 = 6 → 0.95/0.10 = 9.5, +58.3%
    assert abs(what.uplift - Decimal("7") / 12) < Decimal("1e-20")
    assert what.within_cited_range is True


def test_a_cut_larger_than_the_churn_rate_is_refused():
    with pytest.raises(InvalidValue) as caught:
        churn_reduction_what_if("0.03", "0.05", Money.of(1, USD), "0.1", timing=PaymentTiming.END)

    assert caught.value.field == "cut"


def test_the_what_if_reads_the_firms_own_churn_from_its_bucket():
    a = Lifecycle("a", [Purchased(at(2024, 12, 1)), Defected(at(2025, 1, 15))])
    b = Lifecycle("b", [Purchased(at(2024, 12, 1))])
    bucket = leaky_bucket([a, b], Period.YEAR, date(2025, 1, 1), date(2025, 12, 31))

    what = churn_reduction_what_if(
        bucket.pooled_churn_rate, "0.1", Money.of(10, USD), "0.1", timing=PaymentTiming.END
    )

    assert what.churn_before == Decimal("0.5")
    assert what.churn_after == Decimal("0.4")


# --- exact numbers only ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: churn_cost(100, 0.05, Money.of(1, USD), "0.1"), "churn_rate"),
        (lambda: churn_cost(100, "0.05", Money.of(1, USD), 0.1), "margin"),
        (
            lambda: lifetime_value(Money.of(1, USD), 0.8, "0.1", timing=PaymentTiming.END),
            "retention",
        ),
        (
            lambda: lifetime_value(Money.of(1, USD), "0.8", 0.1, timing=PaymentTiming.END),
            "discount_rate",
        ),
        (
            lambda: churn_reduction_what_if(
                0.2, "0.05", Money.of(1, USD), "0.1", timing=PaymentTiming.END
            ),
            "churn_rate",
        ),
    ],
)
def test_a_float_rate_is_refused_by_every_rule_that_multiplies_money(call, field):
    with pytest.raises(InvalidValue) as caught:
        call()

    assert caught.value.field == field
    assert "floats are not exact" in str(caught.value)


@given(customer_lifecycles(), st.sampled_from(list(Period)), windows)
def test_the_pooled_churn_rate_is_an_exact_share_that_feeds_the_what_if(lifecycles, period, window):
    bucket = leaky_bucket(lifecycles, period, *window)

    rate = bucket.pooled_churn_rate

    if rate is None:
        assert sum(f.start for f in bucket.flows) == 0
    else:
        assert isinstance(rate, Fraction)
        assert 0 <= rate <= 1
        what = churn_reduction_what_if(rate, 0, Money.of(1, USD), "0.1", timing=PaymentTiming.END)
        assert what.churn_before == Decimal(rate.numerator) / Decimal(rate.denominator)


def test_the_retention_modules_load_no_heavy_library():
    code = (
        "import sys, custrel.retention, custrel.countermeasures, custrel.satisfaction,"
        " custrel.winback, custrel.retention_audit, custrel.money, custrel.serialization;"
        "print(sorted({'numpy', 'pyarrow', 'pandas', 'polars', 'scipy'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"
