"""Tests for custrel.compensation: the guideline's monotone rules, bands, remedies, overrides."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.compensation import CompensationCase, recommend_compensation
from custrel.complaints import (
    EXCLUSIVE_REMEDIES,
    CompensationBand,
    ComplaintState,
    Fault,
    Proposal,
    RemedyType,
    Risk,
    Severity,
)
from custrel.errors import InvalidValue, NotAuthorized
from custrel.money import Money
from custrel.pyramid import Tier
from strategies_complaints import (
    SERVICE,
    T0,
    THE_CUSTOMER,
    compensation_cases,
    complaint_in,
    registered,
)

S = ComplaintState

FAULT_ORDER = [Fault.CUSTOMER, Fault.NONE, Fault.SHARED, Fault.FIRM]


@given(compensation_cases(), st.sampled_from(FAULT_ORDER), st.sampled_from(FAULT_ORDER))
def test_compensation_never_falls_as_the_firms_fault_grows(
    case: CompensationCase, a: Fault, b: Fault
) -> None:
    lo, hi = sorted((a, b), key=FAULT_ORDER.index)
    value = Money(Decimal("1000.00"), "CNY")

    low = recommend_compensation(attrs.evolve(case, fault=lo, purchase_value=value))
    high = recommend_compensation(attrs.evolve(case, fault=hi, purchase_value=value))

    assert low.generosity <= high.generosity
    assert low.band.rank <= high.band.rank
    assert low.amount is not None
    assert high.amount is not None
    assert low.amount.amount <= high.amount.amount


@given(compensation_cases(), st.floats(0, 1), st.floats(0, 1))
def test_compensation_never_falls_as_the_fault_degree_grows(
    case: CompensationCase, a: float, b: float
) -> None:
    lo, hi = sorted((a, b))

    low = recommend_compensation(attrs.evolve(case, fault_degree=lo))
    high = recommend_compensation(attrs.evolve(case, fault_degree=hi))

    assert low.generosity <= high.generosity


@given(compensation_cases(), st.sampled_from(Severity), st.sampled_from(Severity))
def test_compensation_never_falls_as_severity_grows(
    case: CompensationCase, a: Severity, b: Severity
) -> None:
    lo, hi = sorted((a, b), key=lambda s: s.rank)

    low = recommend_compensation(attrs.evolve(case, severity=lo))
    high = recommend_compensation(attrs.evolve(case, severity=hi))

    assert low.generosity <= high.generosity
    assert low.band.rank <= high.band.rank


@given(compensation_cases().filter(lambda c: c.fault in (Fault.FIRM, Fault.SHARED)))
def test_compensation_has_diminishing_returns_in_fault(case: CompensationCase) -> None:
    degrees = [0.0, 0.25, 0.5, 0.75, 1.0]

    g = [recommend_compensation(attrs.evolve(case, fault_degree=d)).generosity for d in degrees]

    gains = [b - a for a, b in pairwise(g)]
    assert all(x >= y - 1e-12 for x, y in pairwise(gains))
    assert all(0 <= x < 1 for x in g)


def test_the_firms_fault_earns_an_apology_with_a_management_signed_assurance() -> None:
    case = CompensationCase(fault=Fault.FIRM, severity=Severity.HIGH, tier=Tier.KEY)

    rec = recommend_compensation(case)

    assert rec.remedies[0] is RemedyType.APOLOGY
    assert RemedyType.ASSURANCE_LETTER in rec.remedies
    assert len({r for r in rec.remedies if r is not RemedyType.APOLOGY}) >= 2  # 办法要多
    assert any("myth 8" in r for r in rec.reasons)


def test_an_unreasonable_customer_with_no_future_business_may_be_told_no() -> None:
    case = CompensationCase(
        fault=Fault.CUSTOMER,
        severity=Severity.CRITICAL,
        tier=Tier.SMALL,
        demand_reasonable=False,
        future_business=False,
        purchase_value=Money(Decimal("300"), "CNY"),
    )

    rec = recommend_compensation(case)

    assert rec.band is CompensationBand.NONE
    assert rec.amount == Money(Decimal(0), "CNY")
    assert any("say no" in r for r in rec.reasons)


def test_a_worked_example_of_the_score() -> None:
    # High severity (1.0) × (base 0.2 + 1.5 × firm fault 1.0 + key tier 0.3 +
    # future business 0.2 + medium word of mouth 0.15) = 2.35; 1 − e^-2.35 = 0.9046…
    case = CompensationCase(
        fault=Fault.FIRM,
        severity=Severity.HIGH,
        tier=Tier.KEY,
        purchase_value=Money(Decimal("5000"), "CNY"),
    )

    rec = recommend_compensation(case)

    assert rec.generosity == pytest.approx(0.904631, abs=1e-6)
    assert rec.band is CompensationBand.FULL
    # A band's name and its amount agree: "full (全额补偿)" pays the claim in full.
    assert rec.amount == Money(Decimal("5000"), "CNY")


def test_an_override_is_recorded_with_who_and_why() -> None:
    rec = recommend_compensation(
        CompensationCase(fault=Fault.NONE, severity=Severity.LOW, tier=Tier.ORDINARY)
    )

    decision = rec.override(
        by=SERVICE,
        at=T0,
        reason="loyal for ten years",
        band=CompensationBand.GENEROUS,
        remedies=(RemedyType.APOLOGY, RemedyType.GIFT),
    )

    assert decision.band is CompensationBand.GENEROUS
    assert decision.override is not None
    assert decision.override.recommended_band is rec.band
    assert decision.override.by == SERVICE
    assert decision.to_proposal().override == decision.override
    with pytest.raises(InvalidValue, match="reason"):
        rec.override(by=SERVICE, at=T0, reason=" ", band=CompensationBand.FULL)
    with pytest.raises(NotAuthorized):
        rec.override(by=THE_CUSTOMER, at=T0, reason="I want more", band=CompensationBand.FULL)
    with pytest.raises(InvalidValue, match="override"):
        rec.override(by=SERVICE, at=T0, reason="same")


def test_a_case_needs_an_analysed_complaint() -> None:
    with pytest.raises(InvalidValue, match="analysed"):
        CompensationCase.from_complaint(registered())

    case = CompensationCase.from_complaint(complaint_in(S.ANALYSED))
    assert case.fault is Fault.FIRM


NEGATIVE = Money(Decimal("-0.01"), "CNY")  # custrel.money allows it; compensation must not


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (
            lambda: CompensationCase(
                fault=Fault.FIRM, severity=Severity.LOW, tier=Tier.SMALL, purchase_value=NEGATIVE
            ),
            "purchase_value",
        ),
        (
            lambda: recommend_compensation(
                CompensationCase(fault=Fault.FIRM, severity=Severity.LOW, tier=Tier.SMALL)
            ).override(by=SERVICE, at=T0, reason="goodwill", amount=NEGATIVE),
            "amount",
        ),
        (lambda: Proposal(remedies=(RemedyType.REFUND,), amount=NEGATIVE), "amount"),
    ],
)
def test_a_negative_amount_of_money_is_refused_wherever_compensation_is_held(
    build: object, field: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        build()  # type: ignore[operator]

    assert raised.value.field == field


def test_no_compensation_is_an_amount_of_zero() -> None:
    zero = Money(Decimal("0.00"), "CNY")

    held = Proposal(remedies=(RemedyType.APOLOGY,), amount=zero)

    assert held.amount == Money(Decimal(0), "CNY")


# --- a band's name and its amount agree; remedies that exclude each other -------------------

CLAIM = Money(Decimal("20000"), "CNY")


def test_the_full_band_pays_a_20000_claim_in_full() -> None:
    case = CompensationCase(
        fault=Fault.FIRM, severity=Severity.CRITICAL, tier=Tier.KEY, purchase_value=CLAIM
    )

    rec = recommend_compensation(case)

    assert rec.band is CompensationBand.FULL
    assert rec.amount == CLAIM


def test_a_mild_case_below_the_token_floor_is_offered_no_money() -> None:
    # Low severity 0.25 × (base 0.2 + future business 0.2) × unreasonable 0.5 = 0.05;
    # generosity 1 − e^−0.05 ≈ 0.049, below the 0.05 floor of a token gesture.
    case = CompensationCase(
        fault=Fault.NONE,
        severity=Severity.LOW,
        tier=Tier.SMALL,
        word_of_mouth=Risk.LOW,
        demand_reasonable=False,
        purchase_value=CLAIM,
    )

    rec = recommend_compensation(case)

    assert rec.band is CompensationBand.NONE
    assert rec.amount == Money(Decimal(0), "CNY")


@given(compensation_cases(), st.decimals(min_value=1, max_value=10**6, places=2))
def test_a_bands_name_and_its_amount_agree(case: CompensationCase, claim: Decimal) -> None:
    value = Money(claim, "CNY")

    rec = recommend_compensation(attrs.evolve(case, purchase_value=value))

    assert rec.amount is not None
    if rec.band is CompensationBand.FULL:
        assert rec.amount == value  # 全额补偿: the claim in full
    else:
        assert rec.amount.amount < value.amount
    if rec.band is CompensationBand.NONE:
        assert rec.amount.amount == 0


@given(compensation_cases(), st.lists(st.sampled_from(RemedyType), max_size=3))
def test_remedies_that_exclude_each_other_are_never_offered_together(
    case: CompensationCase, requested: list[RemedyType]
) -> None:
    rec = recommend_compensation(attrs.evolve(case, requested=tuple(requested)))

    goods = [r for r in rec.remedies if r in EXCLUSIVE_REMEDIES]
    assert len(goods) <= 1
    assert len(rec.remedies) == len(set(rec.remedies))


@pytest.mark.parametrize(
    ("requested", "offered"),
    [((), RemedyType.REFUND), ((RemedyType.REPLACEMENT,), RemedyType.REPLACEMENT)],
)
def test_full_compensation_replaces_if_asked_and_refunds_otherwise(
    requested: tuple[RemedyType, ...], offered: RemedyType
) -> None:
    case = CompensationCase(
        fault=Fault.FIRM, severity=Severity.HIGH, tier=Tier.KEY, requested=requested
    )

    rec = recommend_compensation(case)

    assert rec.band is CompensationBand.FULL
    assert [r for r in rec.remedies if r in EXCLUSIVE_REMEDIES] == [offered]


def test_an_offer_of_a_replacement_and_a_refund_together_is_refused() -> None:
    both = (RemedyType.APOLOGY, RemedyType.REPLACEMENT, RemedyType.REFUND)
    rec = recommend_compensation(
        CompensationCase(fault=Fault.NONE, severity=Severity.LOW, tier=Tier.ORDINARY)
    )

    with pytest.raises(InvalidValue) as in_a_proposal:
        Proposal(remedies=both)
    with pytest.raises(InvalidValue) as in_an_override:
        rec.override(by=SERVICE, at=T0, reason="customer upset", remedies=both)

    assert in_a_proposal.value.field == "remedies"
    assert in_an_override.value.field == "remedies"


def test_the_reasons_cite_the_idea_not_our_file_names() -> None:
    cases = [
        CompensationCase(fault=Fault.FIRM, severity=Severity.HIGH, tier=Tier.KEY),
        CompensationCase(
            fault=Fault.CUSTOMER,
            severity=Severity.LOW,
            tier=Tier.SMALL,
            demand_reasonable=False,
            future_business=False,
        ),
    ]

    reasons = [r for case in cases for r in recommend_compensation(case).reasons]

    assert not [r for r in reasons if "seed" in r or "种子" in r]
    # One punctuation style: full-width after hanzi.
    assert not [r for r in reasons if re.search(r"[\u4e00-\u9fff][,:;()]", r)]
