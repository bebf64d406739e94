"""Satisfaction: the complaint iceberg, surveys, NPS and the referral yield."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import (
    InvalidValue,
)
from custrel.lifecycle import (
    EventKind,
)
from custrel.satisfaction import (
    REFERRALS_PER_HUNDRED_SATISFIED,
    SILENT_SHARE,
    NpsGroup,
    SatisfactionLevel,
    SurveyResponse,
    complaint_iceberg,
    net_promoter_score,
    referral_yield,
    summarize_survey,
)
from strategies_retention import (
    survey_responses,
)

UTC = timezone.utc
KINDS = tuple(EventKind)
USD = "USD"


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


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


def test_a_float_silent_share_is_refused_as_not_exact():
    with pytest.raises(InvalidValue) as caught:
        complaint_iceberg(10, silent_share=0.95)

    assert caught.value.field == "silent_share"
