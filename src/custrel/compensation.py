"""Compensation: how generous a remedy is, weighed as the negotiation step asks, as a guideline.

The CRM chapter §2 (处理方法 (3) 互相协商; 要点 (5) 补偿要多, (7) 解决办法要多; 平息不满 (2)(4)):
weigh a long relationship, future purchases, word of mouth, whether the demand is
reasonable and the firm's fault and its degree; compensate more generously when the
firm is at fault; tell an unreasonable customer with no future business "no"; always
apologise, and offer more than one kind of remedy. *Who stole your customers?*, myth 8:
an apology works best with an assurance that the cause is fixed. *Why customers leave*,
mistake 8: the result is a guideline staff may override, with who, when and why
recorded.

The bands (`custrel.complaints.CompensationBand`) and the override record
(`custrel.complaints.Override`) are defined with the workflow, whose proposals carry them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

import attrs

from custrel._complaint_checks import compensation_amount, count, fraction
from custrel._labels import Labelled
from custrel._validators import instance_of
from custrel.complaint_sla import SlaPolicy
from custrel.complaints import (
    Actor,
    CompensationBand,
    Complaint,
    ComplaintCause,
    Fault,
    Override,
    Proposal,
    RemedyType,
    Risk,
    Role,
    Severity,
    TaskSpec,
)
from custrel.errors import InvalidValue, NotAuthorized
from custrel.money import Money, decimal_from_float
from custrel.pyramid import Tier

__all__ = [
    "CompensationCase",
    "CompensationDecision",
    "CompensationPolicy",
    "Recommendation",
    "recommend_compensation",
]


def _as_tuple(values: Iterable[RemedyType]) -> tuple[RemedyType, ...]:
    return tuple(values)


def _remedies_together(
    _instance: object, attribute: attrs.Attribute[Any], value: tuple[RemedyType, ...]
) -> None:
    items: object = value
    if not isinstance(items, tuple) or not all(isinstance(r, RemedyType) for r in items):
        raise InvalidValue(attribute.name, value, "a tuple of RemedyType members")
    RemedyType.check_together(attribute.name, value)


@attrs.frozen(kw_only=True)
class CompensationCase:
    """What the negotiation weighs (处理方法 (3) 互相协商), and the customer's claim.

    Attributes:
        purchase_value: the claim — what the customer paid for what went wrong; the
            FULL band pays it in full, lower bands a share of it.
        requested: the remedies the customer asked for; where remedies exclude each
            other (a replacement or a refund), the one asked for is offered.

    Raises:
        InvalidValue: ``fault_degree`` outside [0, 1], ``occurrences`` below 1, or a
            negative ``purchase_value``.
    """

    fault: Fault = attrs.field(validator=instance_of(Fault))
    fault_degree: float = attrs.field(default=1.0, validator=fraction)
    severity: Severity = attrs.field(validator=instance_of(Severity))
    occurrences: int = attrs.field(default=1, validator=count)
    tier: Tier = attrs.field(validator=instance_of(Tier))
    long_relationship: bool = attrs.field(default=False, validator=instance_of(bool))
    future_business: bool = attrs.field(default=True, validator=instance_of(bool))
    word_of_mouth: Risk = attrs.field(default=Risk.MEDIUM, validator=instance_of(Risk))
    demand_reasonable: bool = attrs.field(default=True, validator=instance_of(bool))
    cause: ComplaintCause = attrs.field(
        default=ComplaintCause.QUALITY, validator=instance_of(ComplaintCause)
    )
    purchase_value: Money | None = attrs.field(default=None, validator=compensation_amount)
    requested: tuple[RemedyType, ...] = attrs.field(
        default=(),
        converter=_as_tuple,
        validator=attrs.validators.deep_iterable(instance_of(RemedyType)),
    )

    @classmethod
    def from_complaint(
        cls, complaint: Complaint, purchase_value: Money | None = None
    ) -> CompensationCase:
        """The case of an analysed complaint.

        Raises:
            InvalidValue: the complaint has not been analysed yet.
        """
        analysis = complaint.progress.analysis
        if analysis is None:
            raise InvalidValue(
                "complaint", complaint.id, "an analysed complaint (apply ANALYSE first)"
            )
        return cls(
            fault=analysis.fault,
            fault_degree=analysis.fault_degree,
            severity=analysis.severity,
            occurrences=analysis.occurrences,
            tier=complaint.tier,
            long_relationship=analysis.long_relationship,
            future_business=analysis.future_business,
            word_of_mouth=analysis.word_of_mouth,
            demand_reasonable=analysis.demand_reasonable,
            cause=complaint.cause,
            purchase_value=purchase_value,
            requested=complaint.requested,
        )


def _map(values: Mapping[Labelled, float]) -> Mapping[Labelled, float]:
    return MappingProxyType(dict(values))


@attrs.frozen
class CompensationPolicy:
    """The firm's compensation guideline, which staff may override with a reason.

    *Why customers leave*, mistake 8: a policy is a guideline, not a rule.

    The recommendation scores a case as ``severity weight × (base + responsibility
    weight × responsibility + relationship) × repeat factor × reasonableness``, where
    responsibility is the fault weight times the fault degree, and maps the score to a
    generosity ``1 − exp(−score)``: more fault or severity always gives more, each extra
    step a little less (diminishing returns). The texts give no figures; every weight
    below is a **Decision** documented in docs/complaints.md.
    """

    fault_weight: Mapping[Fault, float] = attrs.field(
        factory=lambda: MappingProxyType(
            {Fault.FIRM: 1.0, Fault.SHARED: 0.5, Fault.NONE: 0.0, Fault.CUSTOMER: 0.0}
        )
    )
    severity_weight: Mapping[Severity, float] = attrs.field(
        factory=lambda: MappingProxyType(
            {Severity.LOW: 0.25, Severity.MEDIUM: 0.5, Severity.HIGH: 1.0, Severity.CRITICAL: 1.5}
        )
    )
    base: float = 0.2
    responsibility_weight: float = 1.5
    long_relationship_weight: float = 0.2
    future_business_weight: float = 0.2
    tier_weight: Mapping[Tier, float] = attrs.field(
        factory=lambda: MappingProxyType(
            {
                Tier.KEY: 0.3,
                Tier.MAJOR: 0.2,
                Tier.ORDINARY: 0.1,
                Tier.SMALL: 0.0,
            }
        )
    )
    word_of_mouth_weight: Mapping[Risk, float] = attrs.field(
        factory=lambda: MappingProxyType({Risk.LOW: 0.0, Risk.MEDIUM: 0.15, Risk.HIGH: 0.3})
    )
    repeat_weight: float = 0.3
    unreasonable_factor: float = 0.5
    #: Lower generosity bounds of TOKEN, MODERATE, GENEROUS and FULL.
    band_floors: tuple[float, float, float, float] = (0.05, 0.3, 0.55, 0.8)
    #: The largest share of the claim a band below FULL offers. FULL always pays the claim
    #: in full (its name says so); a firm that never pays in full sets the FULL floor above 1.
    max_share: float = attrs.field(default=1.0, validator=fraction)


@attrs.frozen(kw_only=True)
class Recommendation:
    """A compensation recommendation with its reasons; a guideline, not a rule."""

    case: CompensationCase
    generosity: float
    band: CompensationBand
    amount: Money | None = attrs.field(validator=compensation_amount)
    remedies: tuple[RemedyType, ...] = attrs.field(validator=_remedies_together)
    handler: Role
    reasons: tuple[str, ...]

    def accept(self) -> CompensationDecision:
        """Follow the guideline as recommended."""
        return CompensationDecision(
            recommendation=self,
            band=self.band,
            amount=self.amount,
            remedies=self.remedies,
            override=None,
        )

    def override(
        self,
        *,
        by: Actor,
        at: datetime,
        reason: str,
        band: CompensationBand | None = None,
        amount: Money | None = None,
        remedies: Iterable[RemedyType] | None = None,
    ) -> CompensationDecision:
        """Depart from the guideline; who, when and why are recorded (*Why customers leave*, 8).

        Raises:
            NotAuthorized: ``by`` is not staff.
            InvalidValue: no reason given, or nothing actually changed.
            NaiveDatetime: ``at`` has no timezone.
        """
        if not by.role.is_staff:
            raise NotAuthorized(by, "override compensation", "a staff role")
        record = Override(
            by=by,
            at=at,
            reason=reason,
            recommended_band=self.band,
            recommended_amount=self.amount,
            recommended_remedies=self.remedies,
        )
        new_band = band if band is not None else self.band
        new_amount = amount if amount is not None else self.amount
        new_remedies = tuple(remedies) if remedies is not None else self.remedies
        if (new_band, new_amount, new_remedies) == (self.band, self.amount, self.remedies):
            raise InvalidValue(
                "override", "no change", "a band, amount or remedies different from the guideline"
            )
        return CompensationDecision(
            recommendation=self,
            band=new_band,
            amount=new_amount,
            remedies=new_remedies,
            override=record,
        )


@attrs.frozen(kw_only=True)
class CompensationDecision:
    """What staff decided: the recommendation, followed or overridden."""

    recommendation: Recommendation
    band: CompensationBand
    amount: Money | None = attrs.field(validator=compensation_amount)
    remedies: tuple[RemedyType, ...] = attrs.field(validator=_remedies_together)
    override: Override | None

    def to_proposal(self, tasks: Iterable[TaskSpec] = (), summary: str = "") -> Proposal:
        """A `Proposal` carrying this decision (and its override, if any).

        Raises:
            InvalidValue: the decision has no remedies (a refusal is a REJECT, not a proposal).
        """
        return Proposal(
            remedies=self.remedies,
            tasks=tuple(tasks),
            amount=self.amount,
            summary=summary,
            override=self.override,
        )


def _band(generosity: float, floors: tuple[float, float, float, float]) -> CompensationBand:
    bands = list(CompensationBand)
    rank = sum(1 for floor in floors if generosity >= floor)
    return bands[rank]


def recommend_compensation(
    case: CompensationCase,
    policy: CompensationPolicy | None = None,
    sla: SlaPolicy | None = None,
) -> Recommendation:
    """Recommend a compensation band, amount and remedies for ``case``, with reasons.

    Rules from the CRM chapter §2 (处理方法 (3), 要点 (5)-(7), 平息不满 (2)(4)) and *Who stole
    your customers?*, myth 8:
    more generous when the firm is at fault; an unreasonable demand from a customer with
    no future business, where the firm is not at fault, may be told no; always
    apologise; an assurance letter when the firm was at fault; more than one kind of
    remedy, never two that exclude each other; a more senior handler for graver cases.
    A band's name and its amount agree: FULL pays the claim (``purchase_value``) in
    full; NONE pays nothing; the bands between pay the generosity's share of it.

    Example:
        >>> case = CompensationCase(fault=Fault.FIRM, severity=Severity.HIGH, tier=Tier.KEY)
        >>> rec = recommend_compensation(case)
        >>> rec.band.value, RemedyType.ASSURANCE_LETTER in rec.remedies
        ('full', True)
    """
    policy = policy if policy is not None else CompensationPolicy()
    sla = sla if sla is not None else SlaPolicy()
    reasons: list[str] = []
    responsibility = policy.fault_weight[case.fault] * case.fault_degree
    reasons.append(
        f"{case.fault.en} (degree {case.fault_degree:g}): firm responsibility "
        f"{responsibility:g}; more generous when the firm is at fault（补偿应更丰厚一些）"
    )
    relation = (
        (policy.long_relationship_weight if case.long_relationship else 0.0)
        + (policy.future_business_weight if case.future_business else 0.0)
        + policy.tier_weight[case.tier]
        + policy.word_of_mouth_weight[case.word_of_mouth]
    )
    reasons.append(
        f"relationship: long={case.long_relationship}, future business={case.future_business}, "
        f"{case.tier.en}, word-of-mouth risk {case.word_of_mouth.en}"
    )
    repeat = 1.0 + policy.repeat_weight * math.log(case.occurrences)
    if case.occurrences > 1:
        reasons.append(f"this failure happened {case.occurrences} times: more generous")
    reasonable = 1.0 if case.demand_reasonable else policy.unreasonable_factor
    handler_rank = policy_handler_rank = sla.handler_by_severity[case.severity].rank
    if case.tier.key_account:
        handler_rank = policy_handler_rank + sla.key_account_step
    handler = list(Role)[min(handler_rank, len(Role) - 1)]
    refuse = not case.demand_reasonable and not case.future_business and responsibility == 0
    if refuse:
        reasons.append(
            "an unreasonable demand, no future business and no fault of the firm: "
            "say no clearly（大方明确地向对方说“不”）"
        )
        return Recommendation(
            case=case,
            generosity=0.0,
            band=CompensationBand.NONE,
            amount=Money(Decimal(0), case.purchase_value.currency) if case.purchase_value else None,
            remedies=(RemedyType.APOLOGY,),
            handler=handler,
            reasons=(
                *reasons,
                "apologise anyway: an apology is not an admission（道歉并不意味着你做错了什么）",
            ),
        )
    if not case.demand_reasonable:
        reasons.append(f"demand judged unreasonable: score × {policy.unreasonable_factor:g}")
    score = (
        policy.severity_weight[case.severity]
        * (policy.base + policy.responsibility_weight * responsibility + relation)
        * repeat
        * reasonable
    )
    generosity = 1.0 - math.exp(-score)
    band = _band(generosity, policy.band_floors)
    reasons.append(
        f"{case.severity.en} severity: score {score:.3f}, generosity {generosity:.3f} → {band.en}"
    )
    amount = None
    if case.purchase_value is not None:
        claim = case.purchase_value
        if band is CompensationBand.FULL:
            amount = claim
            reasons.append(f"{band.en}: the claim of {claim.amount} {claim.currency} in full")
        elif band is CompensationBand.NONE:
            amount = Money(Decimal(0), claim.currency)
        else:
            share = decimal_from_float("share", round(generosity * policy.max_share, 6))
            amount = Money(
                (claim.amount * share).quantize(Decimal("0.01"), ROUND_HALF_UP), claim.currency
            )
    remedies = _remedies(case, band, responsibility)
    if RemedyType.ASSURANCE_LETTER in remedies:
        reasons.append(
            "the firm was at fault: apologise with a management-signed letter saying the "
            "cause was found and fixed (myth 8: an apology works best with an assurance)"
        )
    return Recommendation(
        case=case,
        generosity=generosity,
        band=band,
        amount=amount,
        remedies=remedies,
        handler=handler,
        reasons=tuple(reasons),
    )


def _remedies(
    case: CompensationCase, band: CompensationBand, responsibility: float
) -> tuple[RemedyType, ...]:
    chosen = [RemedyType.APOLOGY]
    if responsibility > 0:
        chosen.append(RemedyType.ASSURANCE_LETTER)
    material: dict[CompensationBand, tuple[RemedyType, ...]] = {
        CompensationBand.NONE: (RemedyType.THANKS,),
        CompensationBand.TOKEN: (RemedyType.THANKS, RemedyType.GIFT),
        CompensationBand.MODERATE: (RemedyType.DISCOUNT, RemedyType.GIFT),
        CompensationBand.GENEROUS: (RemedyType.DISCOUNT, RemedyType.GIFT),
        CompensationBand.FULL: (RemedyType.GIFT,),
    }
    # The goods are repaired, replaced or refunded — one of them (EXCLUSIVE_REMEDIES).
    goods: RemedyType | None = None
    if band is CompensationBand.FULL:
        goods = (
            RemedyType.REPLACEMENT
            if RemedyType.REPLACEMENT in case.requested
            else (RemedyType.REFUND)
        )
    elif case.cause is ComplaintCause.QUALITY and band is CompensationBand.GENEROUS:
        goods = RemedyType.REPLACEMENT
    elif case.cause is ComplaintCause.QUALITY and band is CompensationBand.MODERATE:
        goods = RemedyType.REPAIR
    if goods is not None:
        chosen.append(goods)
    chosen.extend(material[band])
    if case.cause is ComplaintCause.ATTITUDE:
        chosen.append(RemedyType.PERSONAL_CARE)
    return tuple(dict.fromkeys(chosen))
