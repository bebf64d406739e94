"""Satisfaction: the complaint iceberg, satisfaction surveys, NPS and the referral yield.

The CRM chapter §3: 95% of dissatisfied customers never complain, they just stop buying; one
purchase in four leaves the customer dissatisfied; firms survey satisfaction on five
levels, with the intention to repurchase and the willingness to recommend. *Dating customers*
(AMA): 100 satisfied customers bring 25 new ones. Shares that multiply counts are
exact (see `custrel.money.to_decimal`); survey statistics are floats for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from custrel._labels import Labelled
from custrel._validators import count, optional_count, require_count, require_rate
from custrel.errors import InvalidValue
from custrel.money import Exact, to_decimal

__all__ = [
    "COMPLAINING_SHARE",
    "DISSATISFIED_PURCHASE_SHARE",
    "NPS_DETRACTOR_MAX",
    "NPS_PROMOTER_MIN",
    "REFERRALS_PER_HUNDRED_SATISFIED",
    "SILENT_SHARE",
    "ComplaintIceberg",
    "NpsGroup",
    "SatisfactionLevel",
    "Share",
    "SurveyResponse",
    "SurveySummary",
    "complaint_iceberg",
    "dissatisfied_purchases",
    "net_promoter_score",
    "referral_yield",
    "summarize_survey",
]

#: A share given to a rule: an exact number (`custrel.money.Exact`; floats are refused).
Share = Exact

#: the CRM chapter §3 (4): "95%的不满意客户是不会投诉的,仅仅是停止购买".
SILENT_SHARE: Final = Decimal("0.95")
#: the CRM chapter §3 (第三): "只有5%的不满意客户会抱怨" — consistent with `SILENT_SHARE`.
COMPLAINING_SHARE: Final = Decimal("0.05")
#: the CRM chapter §3 (第三): "客户每四次购买中会有一次不满意" — one purchase in four.
DISSATISFIED_PURCHASE_SHARE: Final = Fraction(1, 4)
#: *Dating customers* (AMA): "100个满意客户会给公司或组织带来25个客户".
REFERRALS_PER_HUNDRED_SATISFIED: Final = 25
#: NPS convention (not in the texts): promoters answer 9–10 ...
NPS_PROMOTER_MIN: Final = 9
#: ... and detractors 0–6 on the 0–10 "would you recommend us" scale.
NPS_DETRACTOR_MAX: Final = 6


# --- the complaint iceberg -------------------------------------------------------------------


def _is_silent_share(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, Decimal):
        raise InvalidValue("silent_share", value, "a Decimal share below 1, e.g. Decimal('0.95')")
    _silent_share(value)


def _silent_share(value: object) -> Decimal:
    number = require_rate("silent_share", value)
    if number >= 1:
        raise InvalidValue(
            "silent_share", value, "a share below 1", "if nobody complains, complaints say nothing"
        )
    return number


@attrs.frozen
class ComplaintIceberg:
    """The dissatisfied customers behind the complaints a firm receives.

    The CRM chapter §3: 95% of dissatisfied customers never complain, they just stop buying.

    Attributes:
        complaints: complaints received (one per complaining customer).
        silent_share: share of dissatisfied customers who never complain, below 1.
        customers: the customer base, if known.
    """

    complaints: int = attrs.field(validator=count)
    silent_share: Decimal = attrs.field(default=SILENT_SHARE, validator=_is_silent_share)
    customers: int | None = attrs.field(default=None, validator=optional_count)

    @property
    def dissatisfied(self) -> Decimal:
        """Estimated dissatisfied customers: ``complaints / (1 − silent_share)``."""
        return self.complaints / (1 - self.silent_share)

    @property
    def silent(self) -> Decimal:
        """Dissatisfied customers who did not complain."""
        return self.dissatisfied - self.complaints

    @property
    def at_risk(self) -> Decimal:
        """Customers at risk of leaving unnoticed: the silent dissatisfied ones."""
        return self.silent

    @property
    def at_risk_share(self) -> Decimal | None:
        """`at_risk` as a share of `customers` (may exceed 1 if the inputs disagree)."""
        if not self.customers:
            return None
        return self.at_risk / self.customers


def complaint_iceberg(
    complaints: int, *, customers: int | None = None, silent_share: Share = SILENT_SHARE
) -> ComplaintIceberg:
    """Estimate the silently dissatisfied and the customers at risk from complaints received.

    Example:
        >>> ice = complaint_iceberg(40, customers=10_000)
        >>> ice.dissatisfied == 800, ice.at_risk == 760, ice.at_risk_share == Decimal("0.076")
        (True, True, True)

    Raises:
        InvalidValue: a negative count, or a silent share outside [0, 1).
    """
    return ComplaintIceberg(complaints, _silent_share(silent_share), customers)


def dissatisfied_purchases(purchases: int, share: Share = DISSATISFIED_PURCHASE_SHARE) -> Decimal:
    """Purchases expected to leave the customer dissatisfied (the CRM chapter §3: one in four).

    Example:
        >>> dissatisfied_purchases(1_000) == 250
        True
    """
    return require_count("purchases", purchases) * require_rate("share", share)


# --- satisfaction survey ---------------------------------------------------------------------


class SatisfactionLevel(Labelled):
    """The text's five satisfaction levels (the CRM chapter §3, 客户满意度调查), best first."""

    HIGHLY_SATISFIED = ("highly_satisfied", "highly satisfied", "高度满意")
    SATISFIED = ("satisfied", "satisfied", "一般满意")
    NEUTRAL = ("neutral", "neutral", "无意见")
    SOMEWHAT_DISSATISFIED = ("somewhat_dissatisfied", "somewhat dissatisfied", "有些不满意")
    VERY_DISSATISFIED = ("very_dissatisfied", "very dissatisfied", "极不满意")

    @property
    def score(self) -> int:
        """5 (highly satisfied) down to 1 (very dissatisfied)."""
        return 5 - list(SatisfactionLevel).index(self)

    @property
    def is_satisfied(self) -> bool:
        """Whether this is one of the top two levels (what CSAT counts)."""
        return self in (SatisfactionLevel.HIGHLY_SATISFIED, SatisfactionLevel.SATISFIED)


class NpsGroup(Labelled):
    """Net Promoter groups of the 0–10 willingness-to-recommend answer."""

    PROMOTER = ("promoter", "promoter (9–10)", "推荐者")
    PASSIVE = ("passive", "passive (7–8)", "被动者")
    DETRACTOR = ("detractor", "detractor (0–6)", "贬损者")

    @classmethod
    def of(cls, score: int) -> NpsGroup:
        """The group of a 0–10 answer."""
        _recommend_score("score", score)
        if score >= NPS_PROMOTER_MIN:
            return cls.PROMOTER
        if score <= NPS_DETRACTOR_MAX:
            return cls.DETRACTOR
        return cls.PASSIVE


def _recommend_score(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise InvalidValue(field, value, "a whole number from 0 to 10")
    return value


def _optional_recommend(
    _instance: object, attribute: attrs.Attribute[int | None], value: object
) -> None:
    if value is not None:
        _recommend_score(attribute.name, value)


@attrs.frozen
class SurveyResponse:
    """One customer's answers: satisfaction level, intention to buy again, willingness to recommend.

    Attributes:
        level: one of the five levels.
        will_repurchase: intends to buy again (再购买的意图), or ``None`` if not asked.
        recommend: 0–10 willingness to recommend (是否愿意向其他人推荐), or ``None``.
    """

    level: SatisfactionLevel = attrs.field(
        validator=attrs.validators.instance_of(SatisfactionLevel)
    )
    will_repurchase: bool | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(bool))
    )
    recommend: int | None = attrs.field(default=None, validator=_optional_recommend)


def net_promoter_score(scores: Iterable[int]) -> float:
    """NPS: % promoters (9–10) − % detractors (0–6), in [−100, 100].

    Example:
        >>> net_promoter_score([10, 9, 8, 3])
        25.0

    Raises:
        InvalidValue: no scores, or a score outside 0–10.
    """
    groups = [NpsGroup.of(s) for s in scores]
    if not groups:
        raise InvalidValue("scores", [], "at least one 0–10 score")
    promoters = groups.count(NpsGroup.PROMOTER)
    detractors = groups.count(NpsGroup.DETRACTOR)
    return 100 * (promoters - detractors) / len(groups)


def referral_yield(
    satisfied_customers: int, per_hundred: Share = REFERRALS_PER_HUNDRED_SATISFIED
) -> Decimal:
    """New customers the satisfied ones bring (*Dating customers*, AMA: 100 satisfied bring 25).

    Example:
        >>> referral_yield(100)
        Decimal('25')
    """
    rate = to_decimal("per_hundred", per_hundred)
    if rate < 0:
        raise InvalidValue("per_hundred", per_hundred, "a number >= 0")
    return require_count("satisfied_customers", satisfied_customers) * rate / 100


@attrs.frozen
class SurveySummary:
    """The results of a satisfaction survey.

    Attributes:
        counts: responses per level, every level present, best first.
        csat: share in the top two levels (0–1), ``None`` without responses.
        nps: Net Promoter Score in [−100, 100], ``None`` without recommend answers.
        repurchase_rate: share intending to buy again among those asked, or ``None``.
        expected_referrals: new customers the satisfied should bring (*Dating customers*).
    """

    counts: tuple[tuple[SatisfactionLevel, int], ...]
    csat: float | None
    nps: float | None
    repurchase_rate: float | None
    expected_referrals: Decimal

    @property
    def responses(self) -> int:
        """How many responses."""
        return sum(n for _, n in self.counts)

    @property
    def satisfied(self) -> int:
        """Responses in the top two levels."""
        return sum(n for level, n in self.counts if level.is_satisfied)


def summarize_survey(
    responses: Iterable[SurveyResponse],
    referrals_per_hundred: Share = REFERRALS_PER_HUNDRED_SATISFIED,
) -> SurveySummary:
    """Summarise survey responses: level counts, CSAT, NPS, repurchase intention, referrals.

    Example:
        >>> s = summarize_survey([
        ...     SurveyResponse(SatisfactionLevel.HIGHLY_SATISFIED, True, 10),
        ...     SurveyResponse(SatisfactionLevel.SATISFIED, True, 8),
        ...     SurveyResponse(SatisfactionLevel.NEUTRAL, False, 6),
        ...     SurveyResponse(SatisfactionLevel.VERY_DISSATISFIED),
        ... ])
        >>> s.csat, s.nps, s.repurchase_rate
        (0.5, 0.0, 0.6666666666666666)
    """
    counts = dict.fromkeys(SatisfactionLevel, 0)
    scores: list[int] = []
    repurchase: list[bool] = []
    for response in responses:
        if not isinstance(response, SurveyResponse):
            raise InvalidValue("responses", response, "SurveyResponse values")
        counts[response.level] += 1
        if response.recommend is not None:
            scores.append(response.recommend)
        if response.will_repurchase is not None:
            repurchase.append(response.will_repurchase)
    total = sum(counts.values())
    satisfied = sum(n for level, n in counts.items() if level.is_satisfied)
    return SurveySummary(
        counts=tuple(counts.items()),
        csat=satisfied / total if total else None,
        nps=net_promoter_score(scores) if scores else None,
        repurchase_rate=sum(repurchase) / len(repurchase) if repurchase else None,
        expected_referrals=referral_yield(satisfied, referrals_per_hundred),
    )
