from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InputDataError, InvalidValue, MissingColumn
from custrel.scoring import (
    CustomerMetrics,
    Direction,
    Judgement,
    Mark,
    Risk,
    ScoringPolicy,
    Standing,
    Verdict,
    assess,
    assess_columns,
    assess_trend,
    marks_in,
    revenue_percentiles,
    revenue_percentiles_columns,
    risks_in,
    settle,
    settled_columns,
)
from strategies_scoring import metrics, money, to_columns


def customer(**overrides: object) -> CustomerMetrics:
    base: dict[str, object] = {
        "currency": "CNY",
        "revenue": 1000,
        "cost_of_goods": 500,
        "cost_to_serve": 20,
        "discounts": 0,
        "bad_debt": 0,
    }
    base.update(overrides)
    return CustomerMetrics(**base)  # type: ignore[arg-type]


# --- seed examples ---------------------------------------------------------------


def test_service_cost_of_200_against_100000_is_low_but_10_against_20_is_not():
    big = customer(revenue=100_000, cost_of_goods=0, cost_to_serve=200)
    small = customer(revenue=20, cost_of_goods=0, cost_to_serve=10)

    big_finding = assess(big).finding(Mark.LOW_SERVICE_COST)
    small_finding = assess(small).finding(Mark.LOW_SERVICE_COST)

    assert big_finding.judgement is Judgement.FIRED
    assert small_finding.judgement is Judgement.CLEAR
    # The seed: 200/100,000 = 0.2%; 10/20 = 50%.
    ratios = {e.measure.value: e.value for e in big_finding.evidence}
    assert ratios["service_cost_ratio"] == Decimal("0.0020")
    assert {e.measure.value: e.value for e in small_finding.evidence}[
        "service_cost_ratio"
    ] == Decimal("0.5000")


def test_profit_is_revenue_minus_all_costs():
    m = customer(revenue=1000, cost_of_goods=400, cost_to_serve=50, discounts=30, bad_debt=20)

    a = assess(m)

    assert a.profit == Decimal(500)  # 1000 - 400 - 50 - 30 - 20
    assert a.net_income == Decimal(550)


def test_a_customer_without_credit_is_bad_whatever_its_other_marks():
    m = customer(
        revenue=100_000,
        purchase_count=12,
        tenure_days=2000,
        mean_days_late=0,
        max_days_late=120,
        strategic_fit=1.0,
        business_risk=0.0,
        trend=0.1,
    )

    a = assess(m)

    assert Mark.NO_CREDIT in a.fired
    assert a.verdict is Verdict.BAD


def test_a_profitable_regular_loyal_customer_is_good():
    m = customer(
        revenue=10_000,
        cost_of_goods=5_000,
        purchase_count=12,
        tenure_days=1000,
        mean_days_late=0,
        max_days_late=0,
        disputes=0,
        revenue_percentile=0.95,  # a big buyer in the firm's own base
    )

    a = assess(m)

    assert set(a.fired) == {
        Mark.BUYS_MUCH,
        Mark.PROFITABLE,
        Mark.LOW_SERVICE_COST,
        Mark.LOYAL_PARTNER,
    }
    assert a.score == 4.0
    assert a.verdict is Verdict.GOOD


def test_a_small_growing_loss_maker_is_not_judged_bad_but_a_shrinking_one_is():
    # Net income 20, cost to serve 30: loses 10 now (the seed's student).
    growing = customer(
        revenue=40, cost_of_goods=20, cost_to_serve=30, trend=0.4, revenue_percentile=0.1
    )
    shrinking = attrs.evolve(growing, trend=-0.2)

    a_growing = assess(growing)
    a_shrinking = assess(shrinking)

    assert Mark.COSTS_EXCEED_REVENUE in a_growing.fired
    assert a_growing.growth_potential is True
    assert a_growing.lifetime_value > 0
    assert a_growing.verdict is Verdict.NEUTRAL
    assert a_shrinking.growth_potential is False
    assert a_shrinking.verdict is Verdict.BAD


def test_missing_optional_data_is_unknown_never_clear():
    m = customer()

    a = assess(m)

    for mark in (Mark.BUYS_MUCH, Mark.LOW_RISK, Mark.PUSHES_STRENGTHS, Mark.OFF_STRATEGY):
        assert a.finding(mark).judgement is Judgement.UNKNOWN, mark
    assert a.finding(Mark.NO_CREDIT).judgement is Judgement.UNKNOWN
    assert a.growth_potential is None
    assert Risk.MANAGEMENT not in a.raised_risks
    assert a.risks[2].judgement is Judgement.UNKNOWN


def test_known_bad_debt_fires_no_credit_even_with_other_data_missing():
    # Material bad debt (1% of revenue, the policy's default share) is known evidence.
    a = assess(customer(bad_debt=10))

    assert a.finding(Mark.NO_CREDIT).judgement is Judgement.FIRED


def test_big_customer_risks_flag_discount_extraction_and_receivables():
    m = customer(revenue=1_000_000, discounts=200_000, receivables=400_000, mean_days_late=10)

    a = assess(m)

    assert set(a.raised_risks) == {Risk.FINANCIAL, Risk.PROFIT}
    assert a.risks[3].judgement is Judgement.UNKNOWN  # churn signals not supplied


def test_firm_supplied_signals_raise_management_churn_and_integration_risks():
    m = customer(channel_conflict=True, low_switching_cost=True, integration_signal=True)

    assert set(assess(m).raised_risks) == {
        Risk.MANAGEMENT,
        Risk.CHURN,
        Risk.VERTICAL_INTEGRATION,
    }


def test_money_as_float_is_refused():
    with pytest.raises(InvalidValue, match="revenue"):
        customer(revenue=10.5)


@pytest.mark.parametrize(
    "field", ["revenue", "cost_of_goods", "cost_to_serve", "discounts", "bad_debt", "receivables"]
)
def test_every_amount_refuses_a_float_naming_its_field_and_the_exact_spelling(field):
    with pytest.raises(InvalidValue, match=rf"{field}=0\.1 .*write Decimal\('0\.1'\)"):
        customer(**{field: 0.1})


def test_an_expected_lifetime_value_as_float_is_refused_but_a_negative_exact_one_is_kept():
    with pytest.raises(InvalidValue, match="expected_lifetime_value"):
        customer(expected_lifetime_value=-12.5)

    assert customer(expected_lifetime_value="-12.50").expected_lifetime_value == Decimal("-12.50")


def test_amounts_take_ints_fractions_and_numeric_strings_as_exact_decimals():
    c = customer(revenue=400, cost_of_goods=Fraction(1, 4), discounts="40.10", receivables=None)

    assert (c.revenue, c.cost_of_goods, c.discounts, c.receivables) == (
        Decimal(400),
        Decimal("0.25"),
        Decimal("40.10"),
        None,
    )


@pytest.mark.parametrize("bad", [True, "ten", Decimal("NaN"), Decimal("-1")])
def test_an_amount_that_is_not_an_exact_non_negative_number_is_refused(bad):
    with pytest.raises(InvalidValue, match="bad_debt"):
        customer(bad_debt=bad)


def test_a_trend_below_minus_one_is_refused():
    with pytest.raises(InvalidValue, match="trend"):
        customer(trend=-1.5)


def test_reasons_are_bilingual_and_cite_numbers():
    a = assess(customer(revenue=100_000, cost_of_goods=0, cost_to_serve=200))

    finding = a.finding(Mark.LOW_SERVICE_COST)

    assert "200" in finding.reason("en")
    assert "服务成本" in finding.reason("zh")
    assert "/" in finding.bilingual


# --- properties --------------------------------------------------------------------


@given(metrics)
def test_every_fired_finding_carries_known_evidence(m):
    a = assess(m)

    for finding in (*a.findings, *a.risks):
        assert finding.evidence
        if finding.judgement is Judgement.FIRED:
            assert any(e.value is not None for e in finding.evidence)


@given(metrics, money)
def test_raising_profit_never_lowers_the_score(m, extra):
    more_revenue = attrs.evolve(m, revenue=m.revenue + extra)
    lower_cost = attrs.evolve(m, cost_of_goods=max(Decimal(0), m.cost_of_goods - extra))

    assert assess(more_revenue).score >= assess(m).score
    assert assess(lower_cost).score >= assess(m).score


@given(metrics, money)
def test_adding_bad_debt_never_raises_the_score(m, extra):
    worse = attrs.evolve(m, bad_debt=m.bad_debt + extra)

    assert assess(worse).score <= assess(m).score


@given(metrics)
def test_a_good_verdict_needs_profit_and_no_bad_mark(m):
    a = assess(m)

    if a.verdict is Verdict.GOOD:
        assert a.profit > 0
        assert not any(not mark.good for mark in a.fired)


@given(st.lists(metrics, min_size=1, max_size=25))
def test_columnar_assessment_agrees_with_assess_customer_by_customer(rows):
    expected = [assess(m) for m in rows]

    got = assess_columns(to_columns(rows))

    for i, a in enumerate(expected):
        assert got.verdict_of(i) is a.verdict
        assert got.score[i] == a.score
        assert marks_in(int(got.fired[i])) == a.fired
        assert marks_in(int(got.unknown[i])) == a.unknown
        assert risks_in(int(got.risks_raised[i])) == a.raised_risks
        unknown_risks = tuple(r.risk for r in a.risks if r.judgement is Judgement.UNKNOWN)
        assert risks_in(int(got.risks_unknown[i])) == unknown_risks
        assert got.growth[i] == {None: -1, False: 0, True: 1}[a.growth_potential]
        # The columns hold floats; the assessment keeps exact decimals.
        assert got.profit[i] == pytest.approx(float(a.profit), rel=1e-12, abs=1e-9)
        assert Decimal(f"{got.lifetime_value[i]:.2f}") == a.lifetime_value
        assert got.top_marks(i) == a.top_marks()


# --- columnar input errors -----------------------------------------------------------


def test_a_missing_required_column_is_named():
    cols = to_columns([customer()])
    del cols["bad_debt"]

    with pytest.raises(MissingColumn) as info:
        assess_columns(cols)

    assert info.value.column == "bad_debt"


def test_a_negative_amount_names_its_row_and_column():
    cols = to_columns([customer(), customer()])
    cols["revenue"][1] = -5.0

    with pytest.raises(InputDataError) as info:
        assess_columns(cols)

    assert (info.value.row, info.value.column, info.value.value) == (2, "revenue", -5.0)


def test_an_unknown_required_amount_is_refused_not_zeroed():
    cols = to_columns([customer()])
    cols["discounts"][0] = math.nan

    with pytest.raises(InputDataError, match="discounts"):
        assess_columns(cols)


def test_absent_optional_columns_mean_unknown():
    cols = {
        k: to_columns([customer()])[k]
        for k in ("revenue", "cost_of_goods", "cost_to_serve", "discounts", "bad_debt")
    }

    got = assess_columns(cols)

    assert Mark.NO_CREDIT in marks_in(int(got.unknown[0]))
    assert got.growth[0] == -1


def test_columnar_reasons_are_bilingual():
    cols = to_columns([customer(bad_debt=600)])

    reasons = assess_columns(cols).reasons(0)

    assert reasons[-1] == f"counts against: {Mark.NO_CREDIT.en} (不利：{Mark.NO_CREDIT.zh})"
    assert "不讲信誉" in reasons[-1]


# --- dynamics ----------------------------------------------------------------------


def test_a_customer_getting_better_window_by_window_is_improving():
    windows = [
        customer(revenue=100, cost_of_goods=90, cost_to_serve=30),
        customer(revenue=1000, cost_of_goods=500, cost_to_serve=30),
        customer(revenue=10_000, cost_of_goods=5000, cost_to_serve=30, purchase_count=6),
    ]

    trend = assess_trend([assess(w) for w in windows])

    assert trend.direction is Direction.IMPROVING
    assert trend.windows == 3
    assert assess_trend([assess(w) for w in reversed(windows)]).direction is Direction.DETERIORATING


def test_one_window_is_not_a_trend():
    assert assess_trend([assess(customer())]).direction is Direction.UNKNOWN


def test_a_policy_with_the_wrong_number_of_weights_is_refused():
    with pytest.raises(InvalidValue, match="weights"):
        ScoringPolicy(weights=(1.0,))


def test_columns_can_be_numpy_float_arrays_of_any_length():
    got = assess_columns(to_columns([]))

    assert len(got) == 0
    assert got.verdict.dtype == np.int8


# --- the text's lists, in its order -------------------------------------------------------


def test_the_six_good_marks_and_three_bad_marks_are_in_the_texts_order():
    assert [m.value for m in Mark if m.good] == [
        "buys_much",
        "profitable",
        "low_service_cost",
        "low_risk",
        "pushes_strengths",
        "loyal_partner",
    ]
    assert [m.value for m in Mark if not m.good] == [
        "costs_exceed_revenue",
        "no_credit",
        "off_strategy",
    ]
    # "不讲信誉，给企业带来呆账、坏账、死账以及诉讼等".
    assert Mark.NO_CREDIT.zh == "不讲信誉（呆账、坏账、死账、诉讼）"


def test_no_verdict_label_reads_like_a_tier_label():
    from custrel.pyramid import Tier

    tier_words = {t.zh for t in Tier} | {"一般客户"}

    assert not {v.zh for v in Verdict} & tier_words
    assert Verdict.NEUTRAL.zh == "不好不坏"


# --- one blemish is not a verdict ------------------------------------------------------------


def test_one_dispute_or_a_trifle_of_bad_debt_does_not_make_a_customer_bad():
    one_dispute = customer(disputes=1, trend=0.3, revenue_percentile=0.4)
    one_yuan = customer(bad_debt=1, revenue_percentile=0.4)

    for m in (one_dispute, one_yuan):
        a = assess(m)
        assert a.verdict is not Verdict.BAD
        assert Mark.NO_CREDIT not in a.fired


def test_a_lawsuit_or_material_bad_debt_is_hard_evidence_that_settles_a_bad_verdict():
    sued = assess(customer(lawsuits=1))
    written_off = assess(customer(bad_debt=100))

    for a in (sued, written_off):
        assert a.verdict is Verdict.BAD
        assert a.hard_evidence
        assert a.standing is Standing.SETTLED
        assert Mark.NO_CREDIT in a.fired


# --- buys much, judged against the firm's own base ------------------------------------------


def test_a_cny_120_customer_cannot_both_buy_much_and_buy_little():
    # Good mark 1 "购买力大，有足够大的需求量" and bad mark 1 "只向企业购买很少一部分".
    base = [Decimal(120), Decimal(5_000), Decimal(80_000), Decimal(300), Decimal(40)]
    pct = revenue_percentiles(base)[0]
    m = customer(revenue=120, cost_of_goods=30, cost_to_serve=150, purchase_count=6)

    a = assess(attrs.evolve(m, revenue_percentile=pct))

    assert pct == 0.4
    assert Mark.BUYS_MUCH not in a.fired
    assert Mark.COSTS_EXCEED_REVENUE in a.fired


@given(metrics)
def test_no_customer_fires_both_buys_much_and_buys_little(m):
    a = assess(m)

    assert not {Mark.BUYS_MUCH, Mark.COSTS_EXCEED_REVENUE} <= set(a.fired)


@given(st.lists(metrics, min_size=1, max_size=25))
def test_the_largest_customer_by_revenue_is_never_told_it_buys_little(rows):
    cols = to_columns(rows)
    del cols["revenue_percentile"]  # judged against this population

    got = assess_columns(cols)

    biggest = int(np.argmax(cols["revenue"]))
    assert Mark.COSTS_EXCEED_REVENUE not in marks_in(int(got.fired[biggest]))
    assert got.revenue_percentile[biggest] == 1.0


@given(st.lists(money, max_size=60))
def test_revenue_percentiles_agree_columnar(revenues):
    expected = revenue_percentiles(revenues)

    got = revenue_percentiles_columns(np.array([float(r) for r in revenues], dtype=float))

    assert tuple(got.tolist()) == expected


# --- provisional and settled ---------------------------------------------------------------


def test_one_window_gives_a_provisional_verdict_in_data_and_label():
    # "不能根据某一时点的表现就轻易否定".
    loss = customer(revenue=100, cost_of_goods=90, cost_to_serve=30, revenue_percentile=0.1)

    a = assess(loss)

    assert a.verdict is Verdict.BAD
    assert a.standing is Standing.PROVISIONAL
    assert a.provisional
    assert "provisional" in a.label("en")
    assert "初步判断" in a.label("zh")


def test_a_verdict_held_across_windows_is_settled_and_a_changed_one_is_not():
    # "好客户与坏客户…有可能相互转化": a verdict that changed is not settled.
    bad = assess(customer(revenue=100, cost_of_goods=90, cost_to_serve=30, revenue_percentile=0.1))
    good = assess(
        customer(revenue=1000, cost_of_goods=500, cost_to_serve=5, revenue_percentile=0.5)
    )

    assert settle([bad, bad]).standing is Standing.SETTLED
    assert settle([good, bad]).standing is Standing.PROVISIONAL
    assert settle([bad]).standing is Standing.PROVISIONAL
    with pytest.raises(InvalidValue):
        settle([])


@given(st.lists(st.lists(metrics, min_size=3, max_size=3), min_size=1, max_size=4))
def test_settled_columns_agree_with_settle(windows_per_customer):
    # Each inner list is one customer's three windows, oldest first.
    assessments = [[assess(m) for m in ws] for ws in windows_per_customer]
    verdict_index = {v: i for i, v in enumerate(Verdict)}
    codes = np.array(
        [[verdict_index[a.verdict] for a in row] for row in assessments], dtype=np.int8
    ).T
    hard = np.array([row[-1].hard_evidence for row in assessments], dtype=bool)

    got = settled_columns(codes, hard)

    for i, row in enumerate(assessments):
        assert bool(got[i]) == (settle(row).standing is Standing.SETTLED)


def test_columnar_standing_follows_hard_evidence():
    cols = to_columns([customer(lawsuits=1), customer()])

    got = assess_columns(cols)

    assert [got.standing_of(0), got.standing_of(1)] == [Standing.SETTLED, Standing.PROVISIONAL]


# --- reasons ---------------------------------------------------------------------------


def test_reasons_list_marks_for_then_against_each_saying_which_way_it_counts():
    # A BAD verdict never lists a good mark as if it were a reason for the verdict.
    m = customer(
        revenue=10_000,
        cost_of_goods=5_000,
        purchase_count=12,
        tenure_days=1000,
        lawsuits=1,
        revenue_percentile=0.9,
    )

    a = assess(m)
    reasons = a.reasons("en")

    assert a.verdict is Verdict.BAD
    sides = [r.split(":")[0] for r in reasons]
    assert sides == sorted(sides, key=lambda side: side != "counts for")
    assert "counts for" in sides
    assert sides[-1] == "counts against"
    assert any("loyal" in r for r in reasons if r.startswith("counts for"))
    assert "lawsuits = 1" in reasons[-1]
    assert a.reasons("zh")[-1].startswith("不利：")
    assert list(a.marks_for) == [m for m in a.fired if m.good]


@given(metrics)
def test_columnar_reasons_agree_with_assess(m):
    a = assess(m)

    got = assess_columns(to_columns([m])).reasons(0, "en")

    assert len(got) == len(a.reasons("en"))
    assert [r.split(":")[0] for r in got] == [r.split(":")[0] for r in a.reasons("en")]


# --- future value, group buyers ---------------------------------------------------------


def test_a_future_value_stated_by_the_firm_counts_as_growth_potential():
    student = customer(
        revenue=40, cost_of_goods=20, cost_to_serve=30, trend=0.0, revenue_percentile=0.1
    )

    plain = assess(student)
    flagged = assess(attrs.evolve(student, stated_potential=True))
    predicted = assess(attrs.evolve(student, expected_lifetime_value=Decimal(5000)))

    assert plain.growth_potential is False
    assert plain.verdict is Verdict.BAD
    for a in (flagged, predicted):
        assert a.growth_potential is True
        assert a.verdict is not Verdict.BAD


def test_group_buyers_are_not_loyal_partners_and_raise_churn_risk():
    # "团购也未必都是好客户，因为团购未必忠于企业…往往追求时尚".
    loyal = customer(tenure_days=1000, purchase_count=12)

    group = assess(attrs.evolve(loyal, group_buyer=True))

    assert Mark.LOYAL_PARTNER in assess(loyal).fired
    assert group.finding(Mark.LOYAL_PARTNER).judgement is Judgement.CLEAR
    assert Risk.CHURN in group.raised_risks


@given(metrics)
def test_one_window_is_settled_only_by_hard_evidence_and_only_as_bad(m):
    a = assess(m)

    assert a.provisional is not a.hard_evidence
    if a.hard_evidence:
        assert a.verdict is Verdict.BAD


@given(metrics)
def test_every_reason_says_which_way_its_mark_counts(m):
    a = assess(m)

    for mark, reason in zip((*a.marks_for, *a.marks_against), a.reasons("en"), strict=True):
        assert reason.startswith("counts for: " if mark.good else "counts against: ")
