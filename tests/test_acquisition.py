"""Acquisition: the seeds' catalogues, the yield of a prospecting plan, and prospect records."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.acquisition import (
    CONTACT_TYPES,
    FIRST_MEETING_RULES,
    PROSPECTING_METHODS,
    REPEAT_VISIT_INCENTIVES,
    ROUTES,
    AcquisitionPolicy,
    AcquisitionRoute,
    ContactType,
    MeetingRule,
    PlanLine,
    Prospect,
    ProspectingMethod,
    ProspectingPlan,
    Provenance,
    RepeatVisitIncentive,
    attempts_needed,
    broken_rules,
)
from custrel.errors import InvalidValue, NaiveDatetime
from custrel.lifecycle import STAGE_GUIDANCE, EventKind, Origin, Purchased, Stage

CJK = re.compile(r"[\u4e00-\u9fff]")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SELLING = [Stage.POTENTIAL, Stage.TARGET, Stage.FIRST_TIME, Stage.REPEAT, Stage.LOYAL]
# Seed 001 §1: selling to prospects succeeds 6% of the time, to first-time customers
# 15%, to repeat and loyal customers 50%.
SEED_RATE = {
    Stage.POTENTIAL: Fraction(6, 100),
    Stage.TARGET: Fraction(6, 100),
    Stage.FIRST_TIME: Fraction(15, 100),
    Stage.REPEAT: Fraction(50, 100),
    Stage.LOYAL: Fraction(50, 100),
}


# --- catalogues ----------------------------------------------------------------------------


def test_the_thirteen_prospecting_methods_are_the_seeds_in_its_order():
    zh = [m.zh for m in ProspectingMethod]

    # seed 001 §1, 寻找客户, methods 1-13
    assert len(zh) == 13
    for expected, got in zip(
        [
            "逐户访问",
            "会议",
            "俱乐部",
            "亲朋故旧",
            "资料查询",
            "咨询",
            "猎犬",
            "介绍",
            "中心开花",
            "电话",
            "信函",
            "网络",
            "抢夺对手的客户",
        ],
        zh,
        strict=True,
    ):
        assert expected in got


def test_the_four_routes_nine_contacts_nine_rules_are_the_seeds():
    # seed 002: 以旧带新, 加速转化, 挖墙角, 开辟新市场; 九种接触; 九条游戏规则
    assert AcquisitionRoute.OLD_BRING_NEW.zh == "以旧带新"
    assert len(AcquisitionRoute) == 4
    assert [c.zh for c in ContactType] == [
        "广告接触",
        "公关接触",
        "人员接触",
        "会议接触",
        "委托接触",
        "介质接触",
        "联盟接触",
        "随机接触",
        "环境接触",
    ]
    assert [r.zh for r in MeetingRule] == [
        "守时",
        "守诺",
        "诚实",
        "诚恳",
        "主动",
        "热情",
        "周到",
        "标准",
        "惊喜",
    ]
    assert {i.zh for i in RepeatVisitIncentive} == {"代金券", "打折卡", "会员制与消费积分"}


CATALOGUES = [
    (PROSPECTING_METHODS, ProspectingMethod),
    (ROUTES, AcquisitionRoute),
    (CONTACT_TYPES, ContactType),
    (FIRST_MEETING_RULES, MeetingRule),
    (REPEAT_VISIT_INCENTIVES, RepeatVisitIncentive),
]


@pytest.mark.parametrize(
    ("catalogue", "keys"), CATALOGUES, ids=lambda x: getattr(x, "__name__", "")
)
def test_every_catalogue_describes_every_key_in_both_languages(catalogue, keys):
    assert list(catalogue) == list(keys)
    for key, entry in catalogue.items():
        assert entry.key is key
        assert key.entry is entry
        assert entry.description.en
        assert not CJK.search(entry.description.en)
        assert CJK.search(entry.description.zh)
        for point in (*entry.pros, *entry.cons):
            assert point.text.en
            assert not CJK.search(point.text.en)
            assert CJK.search(point.text.zh)


@pytest.mark.parametrize(
    "catalogue", [PROSPECTING_METHODS, ROUTES, CONTACT_TYPES, REPEAT_VISIT_INCENTIVES]
)
def test_every_method_route_contact_and_incentive_has_pros_and_cons(catalogue):
    for entry in catalogue.values():
        assert entry.pros, entry.key
        assert entry.cons, entry.key


def test_each_entry_has_at_least_one_point_from_the_seed_itself():
    for catalogue in (PROSPECTING_METHODS, ROUTES, CONTACT_TYPES, REPEAT_VISIT_INCENTIVES):
        for entry in catalogue.values():
            sources = {p.source for p in (*entry.pros, *entry.cons)}
            assert Provenance.SEED in sources, entry.key


def test_the_consulting_method_carries_the_seeds_own_pros_and_cons():
    entry = ProspectingMethod.CONSULTING.entry

    # seed 001 §1: 优点方便快捷,节省时间;缺点可靠性很难判断,成本比较高
    assert [p.text.zh for p in entry.pros] == ["方便快捷，节省时间"]
    assert any("可靠性很难判断" in c.text.zh for c in entry.cons)
    assert any("成本比较高" in c.text.zh for c in entry.cons)
    assert {p.source for p in (*entry.pros, *entry.cons)} == {Provenance.SEED}


def test_media_and_random_contacts_carry_the_seeds_warnings():
    # seed 002: 介质接触 准确性、反馈率相对较差; 随机接触 工作量大、操作难度大、信息准确率差
    assert "反馈率" in ContactType.MEDIA.entry.cons[0].text.zh
    assert "工作量大" in ContactType.RANDOM.entry.cons[0].text.zh


# --- first-meeting rules ---------------------------------------------------------------------


def test_keeping_every_rule_breaks_none():
    assert broken_rules(MeetingRule) == ()


@given(st.sets(st.sampled_from(list(MeetingRule))))
def test_the_broken_rules_are_exactly_those_not_kept_in_the_seeds_order(kept):
    broken = broken_rules(kept)

    assert set(broken) == set(MeetingRule) - kept
    assert list(broken) == [r for r in MeetingRule if r in broken]


def test_a_rule_that_is_not_a_meeting_rule_is_refused():
    with pytest.raises(InvalidValue, match="MeetingRule"):
        broken_rules(["on_time"])  # type: ignore[list-item]


# --- policy and yield ----------------------------------------------------------------------


def test_the_policy_defaults_are_the_seeds_numbers():
    policy = AcquisitionPolicy()

    assert Fraction(repr(policy.prospect_success_rate)) == SEED_RATE[Stage.POTENTIAL]
    assert Fraction(repr(policy.first_time_success_rate)) == SEED_RATE[Stage.FIRST_TIME]
    assert Fraction(repr(policy.repeat_success_rate)) == SEED_RATE[Stage.REPEAT]
    # seed 001 §1: 每天至少打5个电话 … 1年下来就是1500个; 1500 / 5 = 300 days
    assert policy.telephone_calls_per_day == 5
    assert policy.working_days_per_year == 300
    assert policy.telephone_contacts_per_year == 1500


def test_the_policy_reads_its_rates_from_the_lifecycle_guidance():
    policy = AcquisitionPolicy()

    for stage in SELLING:
        assert policy.success_rate(stage) == STAGE_GUIDANCE[stage].success_rate


@pytest.mark.parametrize("stage", [Stage.NON_CUSTOMER, Stage.LOST])
def test_no_rate_is_invented_for_non_customers_or_lost_customers(stage):
    with pytest.raises(InvalidValue, match="no success rate"):
        AcquisitionPolicy().success_rate(stage)


def test_a_year_of_telephone_prospecting_should_win_about_ninety_customers():
    forecast = ProspectingPlan.telephone().forecast()

    # 1,500 contacts × 6% = 90; sd = sqrt(1500 × 0.06 × 0.94) = sqrt(84.6)
    assert forecast.attempts == 1500
    assert forecast.expected_new_customers == 90
    assert forecast.expected_sales == 90
    assert forecast.standard_deviation == pytest.approx(math.sqrt(84.6))
    assert forecast.lines[0].line.method is ProspectingMethod.TELEPHONE


def test_a_shorter_working_year_shrinks_the_telephone_plan():
    policy = AcquisitionPolicy(working_days_per_year=250)

    forecast = ProspectingPlan.telephone(policy).forecast(policy)

    assert forecast.attempts == 1250
    assert forecast.expected_new_customers == 75  # 1,250 × 6%


def test_the_same_effort_on_loyal_customers_sells_eight_times_more():
    plan = ProspectingPlan([PlanLine(Stage.TARGET, 100), PlanLine(Stage.LOYAL, 100)])

    by_stage = plan.forecast().by_stage()

    assert by_stage == {Stage.TARGET: 6, Stage.LOYAL: 50}


plan_lines = st.builds(
    PlanLine,
    st.sampled_from(SELLING),
    st.integers(0, 100_000),
    st.none() | st.sampled_from(list(ProspectingMethod)),
)


@given(st.lists(plan_lines, max_size=8))
def test_expected_sales_are_attempts_times_the_seed_rate_summed_over_lines(lines):
    forecast = ProspectingPlan(lines).forecast()

    exact = sum((line.attempts * SEED_RATE[line.stage] for line in lines), Fraction(0))
    new = sum(
        (line.attempts * SEED_RATE[line.stage] for line in lines if line.stage.is_prospect),
        Fraction(0),
    )
    variance = sum(
        (line.attempts * SEED_RATE[line.stage] * (1 - SEED_RATE[line.stage]) for line in lines),
        Fraction(0),
    )
    assert forecast.expected_sales == pytest.approx(float(exact), rel=1e-12, abs=1e-9)
    assert forecast.expected_new_customers == pytest.approx(float(new), rel=1e-12, abs=1e-9)
    assert forecast.standard_deviation == pytest.approx(math.sqrt(variance), rel=1e-9)
    assert forecast.attempts == sum(line.attempts for line in lines)
    assert math.fsum(forecast.by_stage().values()) == pytest.approx(forecast.expected_sales)


@given(st.lists(plan_lines, max_size=8), st.floats(0, 1), st.sampled_from([0.0, 1.0]))
def test_certain_and_hopeless_rates_give_all_or_nothing(lines, other, extreme):
    policy = AcquisitionPolicy(extreme, other, other)
    plan = ProspectingPlan([PlanLine(Stage.TARGET, line.attempts) for line in lines])

    forecast = plan.forecast(policy)

    assert forecast.expected_sales == extreme * forecast.attempts
    assert forecast.standard_deviation == 0


@given(st.integers(0, 10_000), st.sampled_from(SELLING))
def test_attempts_needed_is_the_fewest_attempts_that_reach_the_target(sales, stage):
    needed = attempts_needed(sales, stage)

    rate = SEED_RATE[stage]
    assert needed * rate >= sales
    assert needed == 0 or (needed - 1) * rate < sales


def test_ninety_new_customers_need_fifteen_hundred_contacts():
    assert attempts_needed(90, Stage.POTENTIAL) == 1500
    assert attempts_needed(90, Stage.FIRST_TIME) == 600
    assert attempts_needed(90, Stage.REPEAT) == 180


def test_no_number_of_attempts_sells_at_a_zero_rate():
    policy = AcquisitionPolicy(prospect_success_rate=0.0)

    assert attempts_needed(0, Stage.TARGET, policy) == 0
    with pytest.raises(InvalidValue, match="no number of attempts"):
        attempts_needed(1, Stage.TARGET, policy)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prospect_success_rate": 1.5},
        {"first_time_success_rate": -0.1},
        {"repeat_success_rate": float("nan")},
        {"repeat_success_rate": True},
        {"prospect_success_rate": Decimal("0.06")},
        {"telephone_calls_per_day": -1},
        {"working_days_per_year": 300.0},
        {"working_days_per_year": False},
    ],
)
def test_a_policy_refuses_rates_outside_zero_to_one_and_counts_that_are_not_integers(kwargs):
    with pytest.raises(InvalidValue, match=next(iter(kwargs))):
        AcquisitionPolicy(**kwargs)


@pytest.mark.parametrize(
    ("stage", "attempts"),
    [
        (Stage.NON_CUSTOMER, 10),
        (Stage.LOST, 10),
        ("target", 10),
        (Stage.TARGET, -1),
        (Stage.TARGET, 1.5),
        (Stage.TARGET, True),
    ],
)
def test_a_plan_line_refuses_stages_without_a_rate_and_bad_counts(stage, attempts):
    with pytest.raises(InvalidValue):
        PlanLine(stage, attempts)


@pytest.mark.parametrize("sales", [-1, 2.5, True, "90"])
def test_attempts_needed_refuses_sales_that_are_not_a_count(sales):
    with pytest.raises(InvalidValue, match="sales"):
        attempts_needed(sales, Stage.TARGET)


def test_a_plan_holds_only_plan_lines():
    with pytest.raises(InvalidValue, match=r"lines\[1\]"):
        ProspectingPlan([PlanLine(Stage.TARGET, 1), (Stage.TARGET, 1)])  # type: ignore[list-item]


# --- prospects -------------------------------------------------------------------------------


def test_an_inbound_prospect_opens_as_a_potential_customer():
    prospect = Prospect.inbound("p1", T0, contact=ContactType.ENVIRONMENT)

    lifecycle = prospect.open_lifecycle()

    assert lifecycle.stage is Stage.POTENTIAL
    assert lifecycle.origin is Origin.INBOUND
    assert [e.kind for e in lifecycle.history] == [EventKind.SHOWED_INTEREST]


def test_a_targeted_prospect_opens_as_a_target_customer_with_its_method_as_reason():
    prospect = Prospect.targeted("p2", T0, method=ProspectingMethod.REFERRAL, referred_by="c9")

    lifecycle = prospect.open_lifecycle()

    assert lifecycle.stage is Stage.TARGET
    assert lifecycle.origin is Origin.TARGETED
    assert lifecycle.history[0].reason == ProspectingMethod.REFERRAL.en


def test_a_prospect_that_came_both_ways_is_a_target_with_both_origins():
    prospect = Prospect.inbound("p3", T0).also(Origin.TARGETED)

    lifecycle = prospect.open_lifecycle()

    assert prospect.origin is Origin.BOTH
    assert lifecycle.stage is Stage.TARGET
    assert lifecycle.origin is Origin.BOTH


ORIGINS = list(Origin)
# Different ways in make BOTH; the same way, or BOTH with anything, stays as it is.
EXPECTED_COMBINED = {
    (Origin.INBOUND, Origin.INBOUND): Origin.INBOUND,
    (Origin.INBOUND, Origin.TARGETED): Origin.BOTH,
    (Origin.INBOUND, Origin.BOTH): Origin.BOTH,
    (Origin.TARGETED, Origin.INBOUND): Origin.BOTH,
    (Origin.TARGETED, Origin.TARGETED): Origin.TARGETED,
    (Origin.TARGETED, Origin.BOTH): Origin.BOTH,
    (Origin.BOTH, Origin.INBOUND): Origin.BOTH,
    (Origin.BOTH, Origin.TARGETED): Origin.BOTH,
    (Origin.BOTH, Origin.BOTH): Origin.BOTH,
}


@pytest.mark.parametrize(("first", "then"), list(EXPECTED_COMBINED))
def test_learning_another_origin_combines_them(first, then):
    prospect = Prospect("p", first, T0)

    combined = prospect.also(then)

    assert combined.origin is EXPECTED_COMBINED[(first, then)]
    assert prospect.origin is first  # the original value is unchanged


prospects = st.builds(
    Prospect,
    st.text("abcdefgh", min_size=1, max_size=6),
    st.sampled_from(ORIGINS),
    st.builds(lambda s: T0 + timedelta(seconds=s), st.integers(0, 10**8)),
    method=st.none() | st.sampled_from(list(ProspectingMethod)),
    route=st.none() | st.sampled_from(list(AcquisitionRoute)),
    contact=st.none() | st.sampled_from(list(ContactType)),
)


@given(prospects)
def test_a_prospects_lifecycle_has_its_id_stage_and_origin_and_can_then_buy(prospect):
    lifecycle = prospect.open_lifecycle()

    assert lifecycle.customer_id == prospect.prospect_id
    assert lifecycle.stage is prospect.stage
    assert lifecycle.origin is prospect.origin
    assert all(e.at == prospect.at for e in lifecycle.history)
    assert lifecycle.apply(Purchased(prospect.at)).stage is Stage.FIRST_TIME


def test_a_prospect_needs_an_aware_time_and_an_id():
    with pytest.raises(NaiveDatetime):
        Prospect.inbound("p", datetime(2026, 3, 2))
    with pytest.raises(InvalidValue, match="prospect_id"):
        Prospect.inbound(" ", T0)
    with pytest.raises(InvalidValue, match="referred_by"):
        Prospect.targeted("p", T0, referred_by="")
    with pytest.raises(InvalidValue, match="origin"):
        Prospect("p", "inbound", T0)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="origin"):
        Prospect.inbound("p", T0).also("targeted")  # type: ignore[arg-type]


# --- qualified prospects, contact dimensions, the moment of truth ---------------------------


def test_a_qualified_prospect_sits_between_potential_and_actual_customers():
    # Seed 002: "把潜在客户变为“准客户”，再变为现实客户".
    from datetime import datetime, timezone

    from custrel.acquisition import Prospect, ProspectStatus

    p = Prospect.inbound("p1", datetime(2026, 3, 2, tzinfo=timezone.utc))

    assert [s.zh for s in ProspectStatus] == ["潜在客户", "准客户", "现实客户"]
    assert p.status is ProspectStatus.POTENTIAL
    assert p.qualify().status is ProspectStatus.QUALIFIED
    assert p.qualify().stage is p.stage  # the lifecycle stage is about origin, not interest


def test_contacts_are_classified_along_seed_002s_four_dimensions_in_its_order():
    from custrel.acquisition import (
        ContactDirection,
        ContactForce,
        ContactInitiation,
        ContactParty,
    )

    assert [m.zh for m in ContactInitiation] == ["人为接触", "自发接触"]
    assert [m.zh for m in ContactForce] == ["硬接触", "软接触"]
    assert [m.zh for m in ContactDirection] == ["主动接触", "被动接触"]
    assert [m.value for m in ContactParty] == ["first", "second", "third"]


def test_every_contact_is_a_moment_of_truth_and_an_active_one_names_its_party():
    from custrel.acquisition import (
        MOMENT_OF_TRUTH,
        Contact,
        ContactDirection,
        ContactForce,
        ContactInitiation,
        ContactParty,
        ContactType,
        MeetingRule,
    )

    kept = set(MeetingRule) - {MeetingRule.SURPRISE}
    c = Contact(
        ContactType.PERSONAL,
        ContactInitiation.SPONTANEOUS,
        ContactForce.SOFT,
        ContactDirection.ACTIVE,
        ContactParty.SECOND,
        rules_kept=kept,
    )

    assert c.moment_of_truth
    assert "关键时刻" in MOMENT_OF_TRUTH.zh
    assert c.broken_rules() == (MeetingRule.SURPRISE,)
    with pytest.raises(InvalidValue):
        Contact(
            ContactType.PERSONAL,
            ContactInitiation.DELIBERATE,
            ContactForce.SOFT,
            ContactDirection.ACTIVE,
        )


def test_no_user_facing_acquisition_text_names_our_source_files():
    from custrel import acquisition

    texts = []
    for catalogue in (
        acquisition.PROSPECTING_METHODS,
        acquisition.ROUTES,
        acquisition.CONTACT_TYPES,
        acquisition.FIRST_MEETING_RULES,
        acquisition.REPEAT_VISIT_INCENTIVES,
    ):
        for entry in catalogue.values():
            texts += [entry.description.en, entry.description.zh]
            texts += [
                t for point in (*entry.pros, *entry.cons) for t in (point.text.en, point.text.zh)
            ]

    assert not [t for t in texts if "种子" in t or "seed 00" in t]
