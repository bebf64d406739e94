from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InputDataError, InvalidValue
from custrel.pyramid import (
    HSBC_BALANCE_FEE,
    EffortShares,
    Move,
    Tier,
    TierCutoffs,
    Treatment,
    allocate_effort,
    build_pyramid,
    migrate,
    recommend,
    stabilise,
    tier_codes,
    treatment_codes,
)
from custrel.scoring import CustomerMetrics, Direction, assess, assess_columns, assess_trend
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


def test_small_customer_with_bad_debt_is_terminated_at_step_4():
    r = recommend(Tier.SMALL, assess(small(bad_debt=10, trend=0.5)))

    assert (r.treatment, r.step) == (Treatment.TERMINATE, 4)
    assert any("先礼后兵" in z for z in r.reasons("zh"))


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
    tier_index = {t: i for i, t in enumerate(Tier)}
    dir_index = {d: i for i, d in enumerate(Direction)}

    codes = treatment_codes(
        np.array([tier_index[t] for t in tiers], dtype=np.int8),
        assess_columns(to_columns(rows)),
        directions=np.array([dir_index[d] for d in dirs], dtype=np.int8),
        windows=np.array(windows),
    )

    treatments = tuple(Treatment)
    for i, m in enumerate(rows):
        a = assess(m)
        trend = _trend_with(dirs[i], windows[i], a)
        assert treatments[codes[i]] is recommend(tiers[i], a, trend).treatment


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
