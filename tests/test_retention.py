"""Retention: causes, the leaky bucket, churn economics, surveys, win-back and the audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from custrel import causes
from custrel.errors import (
    CurrencyMismatch,
    EventOutOfOrder,
    IllegalTransition,
    InputDataError,
    InvalidValue,
)
from custrel.lifecycle import (
    ACTUAL_CUSTOMERS,
    Defected,
    EventKind,
    Lifecycle,
    LifecyclePolicy,
    Purchased,
    ShowedInterest,
    Stage,
    WonBack,
    WrittenOff,
    derive,
)
from custrel.lifecycle_batch import derive_stages
from custrel.money import Money
from custrel.periods import Period
from custrel.retention import (
    ACQUISITION_COST_RATIO,
    COUNTERMEASURES,
    REFERRALS_PER_HUNDRED_SATISFIED,
    SILENT_SHARE,
    WIN_BACK_TRANSITIONS,
    WORD_OF_MOUTH_LISTENERS,
    WORKED_EXAMPLE,
    AuditPolicy,
    BucketFlow,
    ChurnCause,
    Countermeasure,
    Mistake,
    NpsGroup,
    PaymentTiming,
    RetentionSettings,
    SatisfactionLevel,
    SurveyResponse,
    Verdict,
    WinBackAction,
    WinBackCase,
    WinBackStatus,
    audit_policy,
    churn_cost,
    churn_reduction_what_if,
    complaint_iceberg,
    countermeasures_for,
    leaky_bucket,
    leaky_bucket_columns,
    lifetime_value,
    net_promoter_score,
    referral_yield,
    summarize_survey,
)
from strategies_retention import (
    customer_lifecycles,
    discount_rates,
    positive_amounts,
    rates,
    retentions,
    survey_responses,
    windows,
)

UTC = timezone.utc
KINDS = tuple(EventKind)
USD = "USD"


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


# --- causes and countermeasures -----------------------------------------------------------


def test_the_cause_taxonomy_is_the_one_in_custrel_causes():
    assert ChurnCause is causes.ChurnCause


def test_every_cause_has_an_entry_in_the_countermeasure_table():
    assert set(COUNTERMEASURES) == set(ChurnCause)


@pytest.mark.parametrize("cause", [c for c in ChurnCause if c.controllable])
def test_every_controllable_cause_has_a_countermeasure(cause):
    assert countermeasures_for(cause)


@pytest.mark.parametrize("cause", [ChurnCause.MOVED, ChurnCause.CHANGED_TRADE, ChurnCause.BANKRUPT])
def test_causes_beyond_the_firm_have_no_countermeasure(cause):
    # seed 001 §3: 客户离开了当地,或者改行了、破产了 — 企业无能为力
    assert countermeasures_for(cause) == ()


def test_channel_conflict_is_met_by_an_enforcement_system():
    # seed 001 §3 (3): 建立强力督办系统 … 如串货问题
    assert countermeasures_for(ChurnCause.POOR_MARKET_CONTROL) == (
        Countermeasure.ENFORCEMENT_SYSTEM,
    )


def test_an_unknown_cause_calls_for_contacting_the_lost_customer():
    assert countermeasures_for(ChurnCause.UNKNOWN) == (Countermeasure.LOST_CUSTOMER_ANALYSIS,)


def test_every_countermeasure_answers_some_cause():
    used = {m for measures in COUNTERMEASURES.values() for m in measures}

    assert used == set(Countermeasure)


def test_countermeasures_for_a_non_cause_raises():
    with pytest.raises(InvalidValue):
        countermeasures_for("quality")  # type: ignore[arg-type]


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


# --- complaint iceberg, survey, referrals --------------------------------------------------------


def test_each_complaint_stands_for_twenty_dissatisfied_customers_by_default():
    ice = complaint_iceberg(10)

    assert Decimal("0.95") == SILENT_SHARE
    assert ice.dissatisfied == 200  # 10 / 5%
    assert ice.silent == ice.at_risk == 190
    assert ice.at_risk_share is None


def test_the_silent_share_is_a_parameter():
    ice = complaint_iceberg(10, silent_share="0.5", customers=100)

    assert ice.dissatisfied == 20
    assert ice.at_risk_share == Decimal("0.1")


@pytest.mark.parametrize(
    ("complaints", "share", "field"),
    [(-1, "0.95", "complaints"), (1, "1", "silent_share"), (1, "1.2", "silent_share")],
)
def test_bad_iceberg_inputs_raise(complaints, share, field):
    with pytest.raises(InvalidValue) as caught:
        complaint_iceberg(complaints, silent_share=share)

    assert caught.value.field == field


def test_the_five_levels_are_the_seeds_in_order():
    assert [level.zh for level in SatisfactionLevel] == [
        "高度满意",
        "一般满意",
        "无意见",
        "有些不满意",
        "极不满意",
    ]
    assert [level.score for level in SatisfactionLevel] == [5, 4, 3, 2, 1]


def test_a_hundred_satisfied_customers_bring_twenty_five():
    assert REFERRALS_PER_HUNDRED_SATISFIED == 25
    assert referral_yield(100) == 25
    assert referral_yield(40) == 10


def test_nps_counts_promoters_minus_detractors():
    assert net_promoter_score([10, 9, 9, 8, 7, 6, 0, 3]) == pytest.approx(100 * (3 - 3) / 8)
    assert net_promoter_score([10]) == 100
    assert net_promoter_score([6]) == -100
    assert net_promoter_score([7, 8]) == 0


@pytest.mark.parametrize(
    ("score", "group"),
    [
        (0, NpsGroup.DETRACTOR),
        (6, NpsGroup.DETRACTOR),
        (7, NpsGroup.PASSIVE),
        (8, NpsGroup.PASSIVE),
        (9, NpsGroup.PROMOTER),
        (10, NpsGroup.PROMOTER),
    ],
)
def test_nps_groups_follow_the_convention(score, group):
    assert NpsGroup.of(score) is group


@given(st.lists(st.integers(0, 10), min_size=1))
def test_nps_lies_between_minus_and_plus_one_hundred(scores):
    assert -100 <= net_promoter_score(scores) <= 100


@pytest.mark.parametrize("scores", [[], [11], [-1], [True]])
def test_bad_nps_input_raises(scores):
    with pytest.raises(InvalidValue):
        net_promoter_score(scores)


def test_a_response_with_an_out_of_range_recommendation_is_refused():
    with pytest.raises(InvalidValue):
        SurveyResponse(SatisfactionLevel.NEUTRAL, recommend=11)


@given(st.lists(survey_responses, max_size=40))
def test_a_survey_summary_counts_every_response_once(responses):
    summary = summarize_survey(responses)

    top_two = sum(r.level.is_satisfied for r in responses)
    assert summary.responses == len(responses)
    assert summary.satisfied == top_two
    assert summary.expected_referrals == Decimal(top_two) * 25 / 100
    if responses:
        assert summary.csat == pytest.approx(top_two / len(responses))
    if summary.nps is not None:
        assert -100 <= summary.nps <= 100


def test_an_empty_survey_has_no_rates():
    summary = summarize_survey([])

    assert (summary.csat, summary.nps, summary.repurchase_rate) == (None, None, None)


# --- win-back cases ------------------------------------------------------------------------


def _lost_customer(cause: ChurnCause = ChurnCause.UNKNOWN) -> Lifecycle:
    return Lifecycle(
        "c1",
        [
            Purchased(at(2025, 1, 1)),
            Purchased(at(2025, 2, 1)),
            Defected(at(2025, 6, 1), cause=cause),
        ],
    )


def _case_in(status: WinBackStatus) -> WinBackCase:
    return WinBackCase("c1", status, at(2025, 6, 1), at(2025, 6, 1))


def _do(case: WinBackCase, action: WinBackAction, when: datetime) -> WinBackCase:
    if action is WinBackAction.LEARN_REASON:
        return case.learn_reason(when, ChurnCause.COMPETITOR_LURE)
    if action is WinBackAction.TAKE_COUNTERMEASURE:
        return case.take_countermeasure(when, Countermeasure.LONG_TERM_COOPERATION)
    if action is WinBackAction.WIN_BACK:
        return case.win_back(when)[0]
    if action is WinBackAction.GIVE_UP:
        return case.give_up(when)[0]
    return WinBackCase.open(_lost_customer(), when)


@pytest.mark.parametrize("status", list(WinBackStatus))
@pytest.mark.parametrize("action", [a for a in WinBackAction if a is not WinBackAction.OPEN])
def test_every_status_and_action_pair_follows_the_table(status, action):
    case = _case_in(status)

    if WIN_BACK_TRANSITIONS.can(status, action):
        after = _do(case, action, at(2025, 7, 1))
        assert after.status is WIN_BACK_TRANSITIONS.target(status, action)
    else:
        with pytest.raises(IllegalTransition):
            _do(case, action, at(2025, 7, 1))
        assert case == _case_in(status)


def test_a_case_opens_only_for_a_lost_customer():
    active = Lifecycle("c1", [Purchased(at(2025, 1, 1))])

    with pytest.raises(InvalidValue):
        WinBackCase.open(active)


def test_a_case_starts_from_the_defection_and_its_cause():
    case = WinBackCase.open(_lost_customer(ChurnCause.STAFF_TURNOVER))

    assert case.status is WinBackStatus.OPEN
    assert case.opened_at == at(2025, 6, 1)
    assert case.cause is ChurnCause.STAFF_TURNOVER
    assert case.recommended() == COUNTERMEASURES[ChurnCause.STAFF_TURNOVER]


@pytest.mark.parametrize("to", [Stage.REPEAT, Stage.LOYAL])
def test_a_won_back_case_returns_the_customer_straight_to_repeat_or_loyal(to):
    lost = _lost_customer()
    case = WinBackCase.open(lost).learn_reason(
        at(2025, 6, 5), ChurnCause.NO_AFTER_SALES_FOLLOW_UP, "nobody came to repair it"
    )
    case = case.take_countermeasure(at(2025, 6, 6), Countermeasure.TIMELY_FOLLOW_UP)

    case, event = case.win_back(at(2025, 7, 1), to=to)

    assert isinstance(event, WonBack)
    assert event.to is to
    assert case.outcome == event
    assert case.reason == "nobody came to repair it"
    assert case.countermeasures == (Countermeasure.TIMELY_FOLLOW_UP,)
    assert case.outcome_applied(lost).stage is to


def test_giving_up_writes_the_customer_off():
    lost = _lost_customer(ChurnCause.BANKRUPT)

    case, event = WinBackCase.open(lost).give_up(at(2025, 6, 2), "went bankrupt")

    assert isinstance(event, WrittenOff)
    assert case.status is WinBackStatus.GIVEN_UP
    assert case.outcome_applied(lost).stage is Stage.NON_CUSTOMER


def test_a_case_cannot_win_back_before_any_countermeasure():
    case = WinBackCase.open(_lost_customer()).learn_reason(at(2025, 6, 2), ChurnCause.NO_INNOVATION)

    with pytest.raises(IllegalTransition):
        case.win_back(at(2025, 6, 3))


def test_a_command_dated_before_the_last_one_raises_and_changes_nothing():
    case = WinBackCase.open(_lost_customer()).learn_reason(at(2025, 6, 9), ChurnCause.NO_INNOVATION)
    before = attrs.evolve(case)

    with pytest.raises(EventOutOfOrder):
        case.take_countermeasure(at(2025, 6, 8), Countermeasure.BUSINESS_INNOVATION)

    assert case == before


def test_an_open_case_has_no_outcome_to_apply():
    lost = _lost_customer()

    with pytest.raises(InvalidValue):
        WinBackCase.open(lost).outcome_applied(lost)


def test_a_case_outcome_is_not_applied_to_another_customer():
    lost = _lost_customer()
    other = Lifecycle("c2", lost.history)
    case = WinBackCase.open(lost).give_up(at(2025, 6, 2))[0]

    with pytest.raises(InvalidValue):
        case.outcome_applied(other)


class WinBackMachine(RuleBasedStateMachine):
    """A win-back case against a plain model: a status string and a list of measures."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = _lost_customer()
        self.case = WinBackCase.open(self.lost)
        self.model_status = "open"
        self.model_measures: list[Countermeasure] = []
        self.clock = at(2025, 6, 1)

    def tick(self) -> datetime:
        self.clock += timedelta(days=1)
        return self.clock

    @precondition(lambda self: self.model_status == "open")
    @rule(cause=st.sampled_from(list(ChurnCause)))
    def learn(self, cause):
        self.case = self.case.learn_reason(self.tick(), cause)
        self.model_status = "reason"

    @precondition(lambda self: self.model_status in {"reason", "acting"})
    @rule(measure=st.sampled_from(list(Countermeasure)))
    def act(self, measure):
        self.case = self.case.take_countermeasure(self.tick(), measure)
        self.model_measures.append(measure)
        self.model_status = "acting"

    @precondition(lambda self: self.model_status == "acting")
    @rule(to=st.sampled_from([Stage.REPEAT, Stage.LOYAL]))
    def win(self, to):
        self.case, event = self.case.win_back(self.tick(), to=to)
        assert self.case.outcome_applied(self.lost).stage is to
        self.model_status = "won"
        note(f"won back to {to.name} via {event.reason}")

    @precondition(lambda self: self.model_status in {"open", "reason", "acting"})
    @rule()
    def give_up(self):
        self.case, _ = self.case.give_up(self.tick())
        self.model_status = "lost"

    @precondition(lambda self: self.model_status in {"won", "lost"})
    @rule(action=st.sampled_from(list(WinBackAction)))
    def closed_cases_refuse_everything(self, action):
        before = self.case
        with pytest.raises(IllegalTransition):
            _do(self.case, action, self.tick()) if action is not WinBackAction.OPEN else (
                WIN_BACK_TRANSITIONS.target(self.case.status, action)
            )
        assert self.case == before

    @invariant()
    def status_matches_the_model(self):
        expected = {
            "open": WinBackStatus.OPEN,
            "reason": WinBackStatus.REASON_LEARNED,
            "acting": WinBackStatus.COUNTERMEASURE_TAKEN,
            "won": WinBackStatus.WON_BACK,
            "lost": WinBackStatus.GIVEN_UP,
        }[self.model_status]
        assert self.case.status is expected

    @invariant()
    def countermeasures_are_recorded_in_order(self):
        assert list(self.case.countermeasures) == self.model_measures

    @invariant()
    def an_outcome_exists_exactly_when_the_case_is_closed(self):
        assert (self.case.outcome is not None) == (self.model_status in {"won", "lost"})


TestWinBackMachine = WinBackMachine.TestCase


# --- policy audit --------------------------------------------------------------------------

GOOD = RetentionSettings(
    staff_turnover_rate=Decimal("0.05"),
    new_customer_offer=Decimal("0.10"),
    loyalty_reward=Decimal("0.10"),
    rotates_account_managers=False,
    price_effort_share=Decimal("0.3"),
    needs_assessed_before_upselling=True,
    key_customer_list=True,
    commission_new=Decimal("0.03"),
    commission_existing=Decimal("0.03"),
    staff_discretion_on_complaints=True,
)


def test_sound_settings_pass_with_one_finding_per_mistake_in_seed_order():
    audit = audit_policy(GOOD)

    assert [f.mistake for f in audit.findings] == list(Mistake)
    assert all(f.verdict is Verdict.OK for f in audit.findings)
    assert audit.passed


def test_unknown_settings_are_not_assessed_rather_than_passed_silently():
    audit = audit_policy(RetentionSettings())

    assert all(f.verdict is Verdict.NOT_ASSESSED for f in audit.findings)


@pytest.mark.parametrize(
    ("change", "mistake"),
    [
        ({"staff_turnover_rate": Decimal("0.35")}, Mistake.HIGH_STAFF_TURNOVER),
        ({"new_customer_offer": Decimal("0.20")}, Mistake.NEW_CUSTOMERS_FAVOURED),
        (
            {"rotates_account_managers": True, "account_manager_rotation_months": 6},
            Mistake.TOO_MANY_NEW_FACES,
        ),
        ({"price_effort_share": Decimal("0.8")}, Mistake.PRICE_FOCUS),
        ({"needs_assessed_before_upselling": False}, Mistake.PUSHY_SELLING),
        ({"key_customer_list": False}, Mistake.CORE_TAKEN_FOR_GRANTED),
        ({"commission_new": Decimal("0.08")}, Mistake.WRONG_INCENTIVES),
        ({"staff_discretion_on_complaints": False}, Mistake.HARD_TO_SOLVE_PROBLEMS),
    ],
)
def test_each_of_the_eight_mistakes_is_found_with_a_bilingual_reason(change, mistake):
    audit = audit_policy(attrs.evolve(GOOD, **change))

    assert [f.mistake for f in audit.mistakes] == [mistake]
    finding = audit.mistakes[0]
    assert finding.reason.en
    assert finding.reason.zh
    assert finding.advice.zh


def test_rotating_account_managers_rarely_is_not_a_finding():
    audit = audit_policy(
        attrs.evolve(GOOD, rotates_account_managers=True, account_manager_rotation_months=36)
    )

    assert audit.passed


def test_audit_thresholds_are_parameters():
    settings = attrs.evolve(GOOD, staff_turnover_rate=Decimal("0.10"))

    audit = audit_policy(settings, AuditPolicy(max_staff_turnover=Decimal("0.08")))

    assert [f.mistake for f in audit.mistakes] == [Mistake.HIGH_STAFF_TURNOVER]


@pytest.mark.parametrize(
    "change",
    [
        {"staff_turnover_rate": Decimal("1.5")},
        {"commission_new": Decimal("-0.1")},
        {"key_customer_list": "yes"},
        {"account_manager_rotation_months": 0},
    ],
)
def test_bad_settings_raise(change):
    with pytest.raises(InvalidValue):
        attrs.evolve(GOOD, **change)
