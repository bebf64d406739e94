from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InputDataError, InvalidValue
from custrel.lifecycle import Stage
from custrel.periods import Period
from custrel.pyramid import (
    BARCLAYS_PERSONAL_BANKING,
    HSBC_BALANCE_FEE,
    SEED_TIER_POLICIES,
    VISITING_SHARE_OF_YEAR,
    BalanceFee,
    EffortShares,
    KeyAccountDuty,
    Move,
    PaymentTerms,
    SmallCustomerStep,
    Tier,
    TierCutoffs,
    TierPolicy,
    Treatment,
    allocate_effort,
    build_pyramid,
    migrate,
    recommend,
    stabilise,
    tier_codes,
    treatment_codes,
    visiting_days,
)
from custrel.scoring import (
    CustomerMetrics,
    Direction,
    Standing,
    Verdict,
    assess,
    assess_columns,
    assess_trend,
    settle,
)
from strategies_scoring import (
    distinct_positive_values,
    float_values,
    metrics,
    tied_values,
    to_columns,
)

ORDER = {t: i for i, t in enumerate(Tier)}


# --- seed examples -----------------------------------------------------------------


def test_the_seed_split_on_1000_customers_gives_10_190_300_500():
    p = build_pyramid({f"c{i}": i + 1 for i in range(1000)})

    assert [row.count for row in p.summary()] == [10, 190, 300, 500]
    assert [row.customer_share for row in p.summary()] == [0.01, 0.19, 0.30, 0.50]


def test_with_50_customers_the_best_one_is_key():
    # 1% of 50 = 0.5, rounded half up to 1 (documented decision).
    p = build_pyramid({f"c{i}": i + 1 for i in range(50)})

    assert [p.placement("c49").tier] == [Tier.KEY]
    assert [row.count for row in p.summary()] == [1, 9, 15, 25]


def test_hsbc_charges_40_a_month_below_5000():
    assert HSBC_BALANCE_FEE.fee_for(Decimal("4999.99")) == Decimal(40)
    assert HSBC_BALANCE_FEE.fee_for(Decimal(5000)) == Decimal(0)
    assert HSBC_BALANCE_FEE.currency == "HKD"


def test_a_tie_straddling_a_boundary_goes_to_the_lower_tier():
    # 100 customers: KEY quota 1. The two best are equal, so neither is KEY.
    values = {f"c{i}": i for i in range(1, 99)} | {"a": 1000, "b": 1000}

    p = build_pyramid(values)

    assert p.tier("a") is Tier.MAJOR
    assert p.tier("b") is Tier.MAJOR
    assert p.summary()[0].count == 0


def test_loss_makers_and_zero_value_customers_are_small():
    values = {"loss": -5, "zero": 0, "gain": 3}

    p = build_pyramid(values)

    assert p.tier("loss") is Tier.SMALL
    assert p.tier("zero") is Tier.SMALL


def test_bad_customers_inside_small_are_flagged_inferior():
    values = {f"c{i}": i for i in range(1, 101)}

    p = build_pyramid(values, bad={"c1", "c100"})

    assert [x.customer_id for x in p.inferior] == ["c1"]
    assert p.placement("c100").bad
    assert p.summary()[3].bad == 1


def test_value_shares_show_the_inverted_pyramid_and_key_account_share():
    # 10 customers: quotas 0 / 2 / 5. Top two hold 60+20 of 100.
    values = {"a": 60, "b": 20, "c": 5, "d": 5, "e": 4, "f": 2, "g": 2, "h": 1, "i": 1, "j": 0}

    p = build_pyramid(values)

    assert p.key_account_value_share == pytest.approx(0.8)
    rows = p.summary()
    assert rows[1].total_value == Decimal(80)
    assert rows[2].total_value == Decimal(14)  # 5 + 5 + 4


def test_a_bad_id_not_in_the_values_is_refused():
    with pytest.raises(InvalidValue, match="bad"):
        build_pyramid({"a": 1}, bad={"zzz"})


def test_a_nan_value_is_refused_with_its_customer():
    with pytest.raises(InputDataError) as info:
        build_pyramid({"a": 1.0, "b": float("nan")})

    assert info.value.column == "b"


def test_float_values_from_an_engine_cross_by_their_shortest_repr():
    p = build_pyramid({"a": 0.1, "b": 0.2, "c": Decimal("0.3")})

    assert {pl.customer_id: pl.value for pl in p.placements} == {
        "a": Decimal("0.1"),
        "b": Decimal("0.2"),
        "c": Decimal("0.3"),
    }


def test_exact_values_follow_the_money_policy_ints_fractions_and_numeric_strings():
    p = build_pyramid({"a": 3, "b": Fraction(1, 4), "c": "12.50"})

    assert [pl.value for pl in p.placements] == [Decimal("12.50"), Decimal(3), Decimal("0.25")]


@pytest.mark.parametrize("bad", [True, "ten", float("inf"), Decimal("NaN"), None])
def test_a_value_that_is_not_a_finite_number_is_refused_naming_its_customer(bad):
    with pytest.raises(InputDataError, match="value must be") as info:
        build_pyramid({"a": 1, "z": bad})

    assert info.value.column == "z"


def test_cutoffs_over_100_percent_are_refused():
    with pytest.raises(InvalidValue):
        TierCutoffs(key=0.5, major=0.4, ordinary=0.2)


# --- properties ----------------------------------------------------------------------


@given(distinct_positive_values)
def test_tier_shares_match_the_cutoffs_within_one_customer(values):
    n = len(values)

    rows = build_pyramid(values).summary()

    for row, share in zip(rows, (0.01, 0.19, 0.30, 0.50), strict=True):
        assert abs(row.count - share * n) <= 1


@given(tied_values)
def test_a_higher_value_never_gets_a_lower_tier_and_equal_values_share_one(values):
    p = build_pyramid(values)

    for a in p.placements:
        for b in p.placements:
            if a.value > b.value:
                assert ORDER[a.tier] <= ORDER[b.tier]
            if a.value == b.value:
                assert a.tier is b.tier


@given(tied_values, st.randoms())
def test_tiers_do_not_depend_on_input_order(values, rnd):
    items = list(values.items())
    rnd.shuffle(items)

    assert build_pyramid(dict(items)).tiers == build_pyramid(values).tiers


@given(float_values)
def test_tier_codes_agree_with_build_pyramid(values):
    as_map = {f"c{i}": v for i, v in enumerate(values)}
    tiers = tuple(Tier)

    codes = tier_codes(np.array(values, dtype=float))

    p = build_pyramid(as_map)
    assert [tiers[c] for c in codes] == [p.tier(f"c{i}") for i in range(len(values))]


@given(tied_values)
def test_migration_of_a_pyramid_against_itself_is_all_same(values):
    p = build_pyramid(values)

    m = migrate(p, p)

    assert m.count(Move.SAME) == len(p)
    assert all(before == after for before, after in m.matrix)


@given(tied_values, tied_values)
def test_soft_landing_never_drops_more_than_one_tier(old, new):
    before, after = build_pyramid(old), build_pyramid(new)

    damped = stabilise(after, before, hysteresis=0.0)

    for p in damped.placements:
        if p.customer_id in before and p.value > 0:
            assert ORDER[p.tier] <= ORDER[before.tier(p.customer_id)] + 1


@given(tied_values, tied_values)
def test_without_hysteresis_or_soft_landing_nothing_changes(old, new):
    before, after = build_pyramid(old), build_pyramid(new)

    assert stabilise(after, before, soft_landing=False, hysteresis=0.0) == after


# --- migration --------------------------------------------------------------------------


def test_migration_reports_up_down_new_and_gone():
    values = {f"c{i}": i for i in range(1, 101)}
    before = build_pyramid(values | {"gone": 1})
    after = build_pyramid(values | {"c1": 1000, "c100": 1, "new": 2})

    m = migrate(before, after)

    moves = {x.customer_id: x.move for x in m.moves}
    assert moves["c1"] is Move.UP
    assert moves["c100"] is Move.DOWN
    assert moves["new"] is Move.NEW
    assert moves["gone"] is Move.GONE
    assert m.matrix[(Tier.KEY, Tier.SMALL)] == 1


def test_soft_landing_lets_a_key_customer_fall_only_to_major():
    values = {f"c{i}": i for i in range(1, 101)}
    before = build_pyramid(values)
    after = build_pyramid(values | {"c100": 2})

    damped = stabilise(after, before, hysteresis=0.0)

    assert after.tier("c100") is Tier.SMALL
    assert damped.tier("c100") is Tier.MAJOR


def test_hysteresis_keeps_a_boundary_customer_in_its_tier():
    # 100 customers, MAJOR ends at position 20. c80 was 21st (ORDINARY) and is now 20th.
    values = {f"c{i}": i for i in range(1, 101)}
    before = build_pyramid(values)
    after = build_pyramid(values | {"c81": 79})

    damped = stabilise(after, before, hysteresis=0.01)

    assert before.tier("c80") is Tier.ORDINARY
    assert after.tier("c80") is Tier.MAJOR
    assert damped.tier("c80") is Tier.ORDINARY


# --- effort --------------------------------------------------------------------------------


def test_eighty_percent_of_effort_goes_to_the_key_accounts():
    p = build_pyramid({f"c{i}": i for i in range(1, 101)})
    costs = {f"c{i}": Decimal(1) for i in range(1, 101)}

    e = allocate_effort(p, Decimal(1000), "CNY", costs=costs)

    assert e.rows[0].budget + e.rows[1].budget == Decimal(800)
    assert [r.cost_to_serve for r in e.rows] == [Decimal(1), Decimal(19), Decimal(30), Decimal(50)]
    assert e.unallocated == 0


def test_an_empty_tier_budget_is_reported_unallocated():
    p = build_pyramid({f"c{i}": i for i in range(1, 11)})  # 10 customers: no KEY

    e = allocate_effort(p, Decimal(1000), "CNY")

    assert e.rows[0].budget == 0
    assert e.unallocated == Decimal(300)


def test_effort_shares_must_sum_to_one():
    with pytest.raises(InvalidValue):
        EffortShares(key=0.5, major=0.5, ordinary=0.5, small=0.0)


# --- treatments ---------------------------------------------------------------------------


def small(**overrides: object) -> CustomerMetrics:
    base: dict[str, object] = {
        "currency": "CNY",
        "revenue": 100,
        "cost_of_goods": 50,
        "cost_to_serve": 20,
        "discounts": 0,
        "bad_debt": 0,
        "trend": 0.0,
    }
    base.update(overrides)
    return CustomerMetrics(**base)  # type: ignore[arg-type]


def test_small_customer_is_ended_decisively_only_for_poor_credit_and_no_prospects():
    # "如银行对信用状况差、没有发展前途的劣质客户采取停贷、清算等措施": both conditions.
    no_prospects = recommend(Tier.SMALL, assess(small(bad_debt=10, trend=-0.2)))
    with_prospects = recommend(Tier.SMALL, assess(small(bad_debt=10, trend=0.5)))

    assert (no_prospects.treatment, no_prospects.step) == (Treatment.TERMINATE, 4)
    assert any("先礼后兵" in z for z in no_prospects.reasons("zh"))
    assert with_prospects.treatment is not Treatment.TERMINATE
    assert with_prospects.step == 3
    assert any("有发展前途" in z for z in with_prospects.reasons("zh"))
    assert not any("亏损" in z for z in with_prospects.reasons("zh"))  # it makes a profit


def test_the_four_small_customer_steps_are_in_the_texts_order():
    assert [(s.number, s.zh) for s in SmallCustomerStep] == [
        (1, "判断有没有升级的可能"),
        (2, "考虑是不是非淘汰不可"),
        (3, "有理有节地淘汰"),
        (4, "坚决淘汰劣质客户（信用状况差、没有发展前途）"),
    ]


def test_a_growing_profitable_small_customer_with_one_dispute_is_nurtured():
    a = assess(small(revenue=1000, cost_of_goods=500, cost_to_serve=60, disputes=1, trend=0.3))

    r = recommend(Tier.SMALL, a)

    assert a.verdict is not Verdict.BAD
    assert (r.treatment, r.step) == (Treatment.NURTURE, 1)


def test_the_loss_making_student_is_nurtured_when_the_firm_states_its_future_value():
    # "如目前还是赔钱客户的大学生，可能在就业后会成为好客户".
    student = small(revenue=40, cost_of_goods=20, cost_to_serve=30, trend=0.0)
    flagged = attrs.evolve(student, stated_potential=True)
    valued = attrs.evolve(student, expected_lifetime_value=Decimal(3000))

    plain = recommend(Tier.SMALL, assess(student))

    assert plain.treatment is Treatment.PHASE_OUT_COST
    assert recommend(Tier.SMALL, assess(flagged)).treatment is Treatment.NURTURE
    assert recommend(Tier.SMALL, assess(valued)).treatment is Treatment.NURTURE


def test_a_provisional_no_credit_mark_is_tracked_not_terminated():
    # One window of 120 days late: not yet settled, so the small customer is tracked.
    a = assess(small(max_days_late=120, trend=None, cost_to_serve=60))

    r = recommend(Tier.SMALL, a)

    assert a.provisional
    assert (r.treatment, r.step) == (Treatment.TRACK, 1)


def test_a_no_credit_verdict_held_across_windows_is_ended_decisively():
    late = small(max_days_late=120, trend=-0.2, cost_of_goods=120)

    settled = settle([assess(late), assess(late)])

    assert settled.standing is Standing.SETTLED
    assert recommend(Tier.SMALL, settled).treatment is Treatment.TERMINATE
    assert recommend(Tier.SMALL, assess(late)).treatment is Treatment.PHASE_OUT_PRICE


def test_a_lost_customer_is_contacted_and_won_back_or_let_go_not_given_its_tier_treatment():
    worth = assess(small(revenue=1000, cost_of_goods=500))
    not_worth = assess(small(cost_of_goods=120, trend=-0.5))

    back = recommend(Tier.KEY, worth, stage=Stage.LOST)
    gone = recommend(Tier.SMALL, not_worth, stage=Stage.LOST)

    assert back.treatment is Treatment.WIN_BACK
    assert gone.treatment is Treatment.LET_GO
    assert any("了解其流失原因" in z or "流失原因" in z for z in gone.reasons("zh"))


def test_a_declining_key_account_is_supported_and_watched_for_bad_debt():
    a = assess(small(revenue=1000))
    worse = assess_trend([assess(small(revenue=1000)), assess(small(revenue=60))])

    r = recommend(Tier.KEY, a, worse)

    assert r.treatment is Treatment.KEY_ACCOUNT_SUPPORT
    assert "倒账" in r.treatment.zh


def test_the_hsbc_fee_reads_with_its_period_and_currency_in_both_languages():
    # "香港汇丰银行对存款不足5000港元的储户每月征收40港元的服务费".
    assert HSBC_BALANCE_FEE.text("en") == "a fee of HKD 40 a month on balances below HKD 5,000"
    assert HSBC_BALANCE_FEE.text("zh") == "对余额不足5000港元的客户每月收取40港元服务费"
    r = recommend(Tier.SMALL, assess(small(cost_of_goods=120)))
    assert any("每月收取40港元" in z for z in r.reasons("zh"))


def test_a_yearly_cny_fee_reads_naturally_too():
    fee = BalanceFee(Decimal(10_000), Decimal(100), "CNY", Period.YEAR)

    assert fee.text("en") == "a fee of CNY 100 a year on balances below CNY 10,000"
    assert fee.text("zh") == "对余额不足10000元的客户每年收取100元服务费"


def test_large_key_accounts_get_their_own_manager_and_smaller_ones_share():
    # "要给重要的关键客户安排一名优秀的客户经理…规模较小的关键客户可以几个客户安排一个客户经理".
    key, major = SEED_TIER_POLICIES[Tier.KEY], SEED_TIER_POLICIES[Tier.MAJOR]

    assert key.clients_per_manager == 1
    assert key.dedicated_manager
    assert major.clients_per_manager is not None
    assert 1 < major.clients_per_manager < BARCLAYS_PERSONAL_BANKING.clients_per_manager
    assert not major.dedicated_manager


def test_barclays_is_a_named_personal_banking_example():
    b = BARCLAYS_PERSONAL_BANKING

    assert (b.clients_per_manager, b.assistants_per_manager, b.currency) == (300, 1, "GBP")
    assert (b.key_threshold, b.private_banking_threshold) == (Decimal(50_000), Decimal(250_000))
    assert "巴克莱" in b.name.zh


def test_invented_cadences_are_marked_as_decisions():
    for tier in (Tier.KEY, Tier.MAJOR):
        policy = SEED_TIER_POLICIES[tier]
        assert policy.visit_cadence is not None
        assert "visit_cadence" in policy.decided
    assert "clients_per_manager" in SEED_TIER_POLICIES[Tier.MAJOR].decided
    assert "clients_per_manager" not in SEED_TIER_POLICIES[Tier.KEY].decided


def test_seed_tier_policies_cover_every_tier_and_favour_key_accounts():
    policies = [SEED_TIER_POLICIES[t] for t in Tier]

    assert [p.tier for p in policies] == list(Tier)
    assert [p.complaint_priority for p in policies] == [1, 1, 2, 3]
    assert [p.priority_supply for p in policies] == [True, True, False, False]
    assert SEED_TIER_POLICIES[Tier.SMALL].payment_terms is PaymentTerms.CASH_OR_PREPAY
    assert all(p.duties == tuple(KeyAccountDuty) for p in policies[:2])
    assert all(p.duties == () for p in policies[2:])
    for p in policies:
        assert p.decided <= {f.name for f in attrs.fields(TierPolicy)}


def test_the_key_account_duties_are_in_the_texts_order():
    assert [d.value for d in KeyAccountDuty] == [
        "dedicated_unit",
        "account_manager",
        "watch_decline",
        "concentrate_resources",
        "priority_supply",
        "financial_benefits",
        "vip_channel",
        "special_care",
        "planned_visits",
        "seek_opinions",
        "complaints_first",
        "two_way_communication",
        "celebrate_milestones",
    ]
    assert "倒账" in KeyAccountDuty.WATCH_DECLINE.zh
    assert "比价格优惠更受看重" in KeyAccountDuty.SPECIAL_CARE.zh


def test_a_third_of_a_managers_year_goes_to_visits():
    # "每年大约有1/3的时间是在拜访客户中度过的，其中关键客户正是他们拜访的主要对象".
    assert visiting_days(300) == 100
    assert Fraction(1, 3) == VISITING_SHARE_OF_YEAR
    with pytest.raises(InvalidValue):
        visiting_days(-1)


def test_small_growing_customer_is_nurtured_at_step_1():
    r = recommend(Tier.SMALL, assess(small(cost_to_serve=60, trend=0.5)))

    assert (r.treatment, r.step) == (Treatment.NURTURE, 1)


def test_small_customer_seen_once_is_tracked_not_judged():
    r = recommend(Tier.SMALL, assess(small(cost_to_serve=60, trend=None)))

    assert (r.treatment, r.step) == (Treatment.TRACK, 1)


def test_small_profitable_customer_need_not_go():
    r = recommend(Tier.SMALL, assess(small()))

    assert (r.treatment, r.step) == (Treatment.RETAIN, 2)
    assert any("5-6" in e for e in r.reasons())


def test_small_loss_maker_eaten_by_service_cost_has_its_cost_cut():
    r = recommend(Tier.SMALL, assess(small(cost_to_serve=60)))

    assert (r.treatment, r.step) == (Treatment.PHASE_OUT_COST, 3)


def test_small_loss_maker_without_margin_has_its_price_raised():
    r = recommend(Tier.SMALL, assess(small(cost_of_goods=120)))

    assert (r.treatment, r.step) == (Treatment.PHASE_OUT_PRICE, 3)
    assert any("HKD 40" in e for e in r.reasons())


def test_ordinary_customer_upgrades_only_if_it_can_grow():
    growing = recommend(Tier.ORDINARY, assess(small(trend=0.5)))
    flat = recommend(Tier.ORDINARY, assess(small(trend=0.0)))

    assert growing.treatment is Treatment.UPGRADE
    assert flat.treatment is Treatment.HOLD_COST


def test_a_deteriorating_trend_overrides_one_good_window():
    a = assess(small(trend=0.5))
    worse = assess_trend([assess(small(revenue=1000)), assess(small(revenue=60))])

    r = recommend(Tier.ORDINARY, a, worse)

    assert worse.direction is Direction.DETERIORATING
    assert r.treatment is Treatment.HOLD_COST


def test_a_key_account_extracting_discounts_is_reviewed():
    a = assess(small(revenue=10_000, discounts=3000))

    assert recommend(Tier.KEY, a).treatment is Treatment.KEY_ACCOUNT_REVIEW
    assert recommend(Tier.KEY, assess(small())).treatment is Treatment.KEY_ACCOUNT_CARE


@given(st.lists(metrics, min_size=1, max_size=20), st.data())
def test_treatment_codes_agree_with_recommend(rows, data):
    tiers = data.draw(st.lists(st.sampled_from(list(Tier)), min_size=len(rows), max_size=len(rows)))
    dirs = data.draw(
        st.lists(st.sampled_from(list(Direction)), min_size=len(rows), max_size=len(rows))
    )
    windows = data.draw(st.lists(st.integers(1, 4), min_size=len(rows), max_size=len(rows)))
    settled = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    stages = data.draw(
        st.lists(st.sampled_from(list(Stage)), min_size=len(rows), max_size=len(rows))
    )
    tier_index = {t: i for i, t in enumerate(Tier)}
    dir_index = {d: i for i, d in enumerate(Direction)}
    stage_index = {s: i for i, s in enumerate(Stage)}
    assessed = assess_columns(to_columns(rows))

    codes = treatment_codes(
        np.array([tier_index[t] for t in tiers], dtype=np.int8),
        assessed,
        directions=np.array([dir_index[d] for d in dirs], dtype=np.int8),
        windows=np.array(windows),
        settled=np.array(settled, dtype=bool) | assessed.hard_evidence,
        stages=np.array([stage_index[s] for s in stages], dtype=np.int8),
    )

    treatments = tuple(Treatment)
    for i, m in enumerate(rows):
        a = assess(m)
        if settled[i]:
            a = attrs.evolve(a, standing=Standing.SETTLED)
        trend = _trend_with(dirs[i], windows[i], a)
        expected = recommend(tiers[i], a, trend, stage=stages[i]).treatment
        assert treatments[codes[i]] is expected


def _trend_with(direction, windows, a):
    from custrel.scoring import TrendAssessment

    return TrendAssessment(direction, windows, 0.0, (a.verdict,) * windows)


def test_treatment_codes_default_windows_follow_the_trend_column():
    rows = [small(cost_to_serve=60, trend=None), small(cost_to_serve=60)]

    codes = treatment_codes(np.array([3, 3], dtype=np.int8), assess_columns(to_columns(rows)))

    treatments = tuple(Treatment)
    assert [treatments[c] for c in codes] == [Treatment.TRACK, Treatment.PHASE_OUT_COST]
    assert [recommend(Tier.SMALL, assess(m)).treatment for m in rows] == [
        Treatment.TRACK,
        Treatment.PHASE_OUT_COST,
    ]


def test_tiering_a_shuffled_population_gives_the_same_codes():
    values = [float(i % 37) for i in range(500)]
    shuffled = values[:]
    random.Random(1).shuffle(shuffled)

    codes = dict(zip(values, tier_codes(np.array(values)), strict=True))

    assert all(codes[v] == c for v, c in zip(shuffled, tier_codes(np.array(shuffled)), strict=True))
