"""Retention and churn: why customers leave, what it costs, and how to keep or win them back.

Seed 001 §3 (客户关系的恢复), with seeds 000 (churn from poor follow-up, business-model
change and the economy), 002 (referral yield) and 004 (eight mistakes that lose
long-term customers). The rules encoded here:

- **the leaky bucket** (漏桶): new customers pour in while old ones leak out; for any
  calendar period, customers at the start + gained + won back − lost = customers at the end;
- **churn causes** (:class:`ChurnCause`, controllable or not) and the seeds'
  **countermeasures** (:data:`COUNTERMEASURES`);
- **churn cost** (流失成本分析): lost customers × revenue each × margin, word of mouth
  (one dissatisfied customer tells 5) and the acquisition-cost ratio (a new customer
  costs 5 times an old one); **lifetime value** ``m·r/(1+i−r)`` and its finite horizon;
- **the complaint iceberg**: 95% of dissatisfied customers never complain;
- **satisfaction surveys** (five levels, repurchase intention, recommendation; CSAT, NPS)
  and the **referral yield** (100 satisfied customers bring 25);
- **win-back cases** (contact the lost customer, learn why, act, record the outcome),
  which produce the lifecycle's win-back or write-off event;
- **a policy audit** against seed 004's eight mistakes.

Every number the seeds give is named once, below, with its source. Money is exact
(:class:`~custrel.money.Money`); shares that multiply money are ``Decimal``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, Union

import attrs

from custrel._labels import Bilingual, Labelled
from custrel._machine import TransitionTable
from custrel.causes import ChurnCause
from custrel.errors import (
    EventOutOfOrder,
    InputDataError,
    InvalidValue,
    NaiveDatetime,
)
from custrel.lifecycle import (
    ACTUAL_CUSTOMERS,
    TRANSITIONS,
    Defected,
    EventKind,
    Lifecycle,
    Stage,
    WonBack,
    WrittenOff,
)
from custrel.money import Money
from custrel.periods import Period

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "ACQUISITION_COST_RATIO",
    "CHURN_CUT_POINTS",
    "CHURN_CUT_PROFIT_UPLIFT",
    "COMPLAINING_SHARE",
    "COUNTERMEASURES",
    "DISSATISFIED_PURCHASE_SHARE",
    "MISTAKE_ADVICE",
    "MOBILE_OPERATOR_CHURN_COST_USD",
    "MOBILE_OPERATOR_CHURN_SHARE",
    "NPS_DETRACTOR_MAX",
    "NPS_PROMOTER_MIN",
    "REFERRALS_PER_HUNDRED_SATISFIED",
    "SILENT_SHARE",
    "WIN_BACK_TRANSITIONS",
    "WORD_OF_MOUTH_LISTENERS",
    "WORKED_EXAMPLE",
    "AuditFinding",
    "AuditPolicy",
    "BucketFlow",
    "ChurnCause",
    "ChurnCost",
    "ChurnCostPolicy",
    "ChurnReduction",
    "ComplaintIceberg",
    "Countermeasure",
    "LeakyBucket",
    "Mistake",
    "NpsGroup",
    "PaymentTiming",
    "PolicyAudit",
    "Rate",
    "RetentionSettings",
    "SatisfactionLevel",
    "SurveyResponse",
    "SurveySummary",
    "Verdict",
    "WinBackAction",
    "WinBackCase",
    "WinBackStatus",
    "WorkedExample",
    "audit_policy",
    "bucket_boundaries",
    "bucket_counts",
    "churn_cost",
    "churn_reduction_what_if",
    "complaint_iceberg",
    "countermeasures_for",
    "dissatisfied_purchases",
    "leaky_bucket",
    "leaky_bucket_columns",
    "leaky_bucket_of_counts",
    "lifetime_value",
    "lost_customers_churn_cost",
    "net_promoter_score",
    "referral_yield",
    "summarize_survey",
    "yearly_value",
    "yearly_value_columns",
]

#: A rate or share: exact (``Decimal``, ``Fraction``, ``int``, numeric ``str``) or a
#: ``float``, which is read by its shortest repr (``0.05`` → ``Decimal('0.05')``).
Rate = Union[Decimal, Fraction, int, float, str]  # noqa: UP007 - runtime alias, valid on 3.10


# --- the seeds' numbers, each named once with its source ---------------------------------


@attrs.frozen
class WorkedExample:
    """The seed's churn-cost example: a US transport company (seed 001 §3, 成本分析)."""

    customers: int
    churn_rate: Decimal
    revenue_per_customer: Money
    margin: Decimal
    lost_customers: int
    revenue_lost: Money
    profit_lost: Money


#: seed 001 §3: "该公司有64000个客户 … 丧失了5%的客户 … 3200(64000×5%)个客户流失 …
#: 平均每流失一个客户,营业收入就损失40000美元 … 128000000美元 … 盈利率为10% …
#: 12800000美元的利润"
WORKED_EXAMPLE: Final = WorkedExample(
    customers=64_000,
    churn_rate=Decimal("0.05"),
    revenue_per_customer=Money(Decimal(40_000), "USD"),
    margin=Decimal("0.10"),
    lost_customers=3_200,
    revenue_lost=Money(Decimal(128_000_000), "USD"),
    profit_lost=Money(Decimal(12_800_000), "USD"),
)
#: seed 001 §3: "一个不满意的客户平均要影响5个人" — one dissatisfied customer tells 5.
WORD_OF_MOUTH_LISTENERS: Final = Decimal(5)
#: seed 001 §3 and §2: "获取一个新客户的成本是保留一个老客户的5倍" — a new customer costs
#: 5 times what keeping an old one does (DOMAIN.md notes "5–6 old customers" elsewhere).
ACQUISITION_COST_RATIO: Final = Decimal(5)
#: seed 001 §3: "一个企业如果每年降低5%的客户流失率,利润每年可增加25%~85%" — a cited
#: range (Reichheld: 5 points of retention), not a law; see :func:`churn_reduction_what_if`.
CHURN_CUT_POINTS: Final = Decimal("0.05")
#: seed 001 §3: the profit increase cited for :data:`CHURN_CUT_POINTS`, as (low, high).
CHURN_CUT_PROFIT_UPLIFT: Final = (Decimal("0.25"), Decimal("0.85"))
#: seed 001 §3: "蜂窝电话的经营者每年为失去的25%的客户支付20亿~40亿美元的成本" (cited only).
MOBILE_OPERATOR_CHURN_SHARE: Final = Decimal("0.25")
#: seed 001 §3: the yearly cost range, USD, of :data:`MOBILE_OPERATOR_CHURN_SHARE` (cited only).
MOBILE_OPERATOR_CHURN_COST_USD: Final = (
    Money(Decimal(2_000_000_000), "USD"),
    Money(Decimal(4_000_000_000), "USD"),
)
#: seed 001 §3 (4): "95%的不满意客户是不会投诉的,仅仅是停止购买".
SILENT_SHARE: Final = Decimal("0.95")
#: seed 001 §3 (第三): "只有5%的不满意客户会抱怨" — consistent with :data:`SILENT_SHARE`.
COMPLAINING_SHARE: Final = Decimal("0.05")
#: seed 001 §3 (第三): "客户每四次购买中会有一次不满意" — one purchase in four.
DISSATISFIED_PURCHASE_SHARE: Final = Fraction(1, 4)
#: seed 002 (AMA): "100个满意客户会给公司或组织带来25个客户".
REFERRALS_PER_HUNDRED_SATISFIED: Final = 25
#: NPS convention (not in the seeds): promoters answer 9–10 ...
NPS_PROMOTER_MIN: Final = 9
#: ... and detractors 0–6 on the 0–10 "would you recommend us" scale.
NPS_DETRACTOR_MAX: Final = 6


# --- number checks -------------------------------------------------------------------------


def _decimal(field: str, value: object) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue(field, value, "a number")
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(field, value, "a finite number")
        return Decimal(repr(value))
    if isinstance(value, (Decimal, int, str)):
        try:
            number = Decimal(value)
        except ArithmeticError:
            raise InvalidValue(field, value, "a number, e.g. Decimal('0.05')") from None
        if not number.is_finite():
            raise InvalidValue(field, value, "a finite number")
        return number
    raise InvalidValue(field, value, "a number (Decimal, Fraction, int, float or numeric str)")


def _rate(field: str, value: object) -> Decimal:
    number = _decimal(field, value)
    if not 0 <= number <= 1:
        raise InvalidValue(field, value, "a rate between 0 and 1 inclusive (5% is 0.05)")
    return number


def _count(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(field, value, "a whole number >= 0")
    return value


def _is_rate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Decimal):
        raise InvalidValue(attribute.name, value, "a Decimal rate in [0, 1], e.g. Decimal('0.05')")
    _rate(attribute.name, value)


def _is_optional_rate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _is_rate(instance, attribute, value)


def _is_count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _count(attribute.name, value)


def _is_optional_count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _count(attribute.name, value)


def _is_non_negative(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidValue(attribute.name, value, "a Decimal >= 0")


def _is_money(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _money(attribute.name, value)


def _money(field: str, value: object) -> Money:
    if not isinstance(value, Money):
        raise InvalidValue(field, value, "a Money value, e.g. Money.of('40000', 'USD')")
    return value


# --- causes and countermeasures -------------------------------------------------------------


class Countermeasure(Labelled):
    """A way to prevent churn or win a customer back (seed 001 §3 堵住客户流失的缺口; seed 000)."""

    # seed 001 §3, 1. 实施全面质量营销
    TOTAL_QUALITY_MARKETING = (
        "total_quality_marketing",
        "total quality marketing",
        "实施全面质量营销",
    )
    MORE_DELIVERED_VALUE = (
        "more_delivered_value",
        "deliver more customer value than competitors (better offer, lower customer costs)",
        "提供更多的顾客让渡价值",
    )
    MYSTERY_SHOPPING = (
        "mystery_shopping",
        "mystery shoppers and managers posing as customers",
        "雇用佯装购物者、经理亲身体验",
    )
    # seed 001 §3, 2. 提高市场反应速度
    LISTEN_TO_CUSTOMERS = (
        "listen_to_customers",
        "listen to customers' opinions",
        "善于倾听客户的意见和建议",
    )
    LOST_CUSTOMER_ANALYSIS = (
        "lost_customer_analysis",
        "contact lost customers, learn the reason and its cost",
        "客户流失分析(接触流失客户、了解原因、成本分析)",
    )
    ENFORCEMENT_SYSTEM = (
        "enforcement_system",
        "a strong enforcement system against channel conflict (market patrols)",
        "建立强力督办系统(防止串货)",
    )
    COMPLAINT_SYSTEM = (
        "complaint_system",
        "an easy complaint and suggestion system",
        "建立投诉和建议制度",
    )
    FORECASTS_FOR_CUSTOMERS = (
        "forecasts_for_customers",
        "forecasts shared with customers",
        "建立预测系统,为客户提供有价值的信息",
    )
    # seed 001 §3, 3. 与客户建立关联
    LONG_TERM_COOPERATION = (
        "long_term_cooperation",
        "show the value of long-term cooperation",
        "向客户灌输长远合作的意义",
    )
    TWO_WAY_COMMUNICATION = (
        "two_way_communication",
        "keep customers informed and collect their views",
        "将厂家的信息及时反映给客户",
    )
    KNOW_THE_CUSTOMER = (
        "know_the_customer",
        "know the customer: records kept by the firm, not only by the salesperson",
        "加强对客户的了解(建立客户档案)",
    )
    SATISFACTION_SURVEYS = (
        "satisfaction_surveys",
        "regular satisfaction surveys",
        "经常进行客户满意度的调查",
    )
    PERSONAL_CARE = (
        "personal_care",
        "personal care and after-sales contact",
        "优化客户关系(情感维系、售后保持联系)",
    )
    # seed 000, 用业务创新应对客户关系的变化 / 维护商誉培植品牌
    IMPROVE_QUALITY_AND_SERVICE = (
        "improve_quality_and_service",
        "keep improving product quality and service",
        "不断提升产品品质、完善服务",
    )
    TIMELY_FOLLOW_UP = (
        "timely_follow_up",
        "timely after-sales follow-up (delivery, installation, on-site repair)",
        "售后服务及时跟进",
    )
    BUSINESS_INNOVATION = (
        "business_innovation",
        "respond to business-model and environment change by innovating",
        "积极应对商业模式和环境的变化(业务创新)",
    )
    ANTICIPATE_ENVIRONMENT = (
        "anticipate_environment",
        "anticipate the economy and policy early",
        "加强预判,尽早把握外部经济环境",
    )
    PROTECT_REPUTATION = ("protect_reputation", "protect the firm's reputation", "维护商誉")
    BUILD_BRAND = ("build_brand", "build the brand", "培植品牌")


#: Each churn cause's countermeasures, as the seeds pair them. Causes beyond the
#: firm (moved, changed trade, bankrupt: "企业无能为力") have none; an unknown cause
#: calls for finding it out first.
COUNTERMEASURES: Final[Mapping[ChurnCause, tuple[Countermeasure, ...]]] = {
    ChurnCause.PRICE_TOO_HIGH: (
        Countermeasure.MORE_DELIVERED_VALUE,
        Countermeasure.LOST_CUSTOMER_ANALYSIS,
    ),
    ChurnCause.UNSTABLE_QUALITY: (
        Countermeasure.TOTAL_QUALITY_MARKETING,
        Countermeasure.IMPROVE_QUALITY_AND_SERVICE,
        Countermeasure.MYSTERY_SHOPPING,
        Countermeasure.PROTECT_REPUTATION,
    ),
    ChurnCause.NO_INNOVATION: (
        Countermeasure.LISTEN_TO_CUSTOMERS,  # "客户意见是企业创新的源泉"
        Countermeasure.MORE_DELIVERED_VALUE,
        Countermeasure.BUSINESS_INNOVATION,
    ),
    ChurnCause.POOR_SERVICE_ATTITUDE: (
        Countermeasure.MYSTERY_SHOPPING,  # "发现客户的流失是不是由于员工的态度"
        Countermeasure.COMPLAINT_SYSTEM,
        Countermeasure.LISTEN_TO_CUSTOMERS,
        Countermeasure.SATISFACTION_SURVEYS,
        Countermeasure.PROTECT_REPUTATION,
    ),
    ChurnCause.POOR_MARKET_CONTROL: (Countermeasure.ENFORCEMENT_SYSTEM,),
    ChurnCause.STAFF_TURNOVER: (
        Countermeasure.KNOW_THE_CUSTOMER,  # "销售人员跳槽带走客户…企业对客户情况不了解"
        Countermeasure.TWO_WAY_COMMUNICATION,
    ),
    ChurnCause.COMPETITOR_LURE: (
        Countermeasure.LONG_TERM_COOPERATION,  # the veterinary-drug example against rebates
        Countermeasure.MORE_DELIVERED_VALUE,  # "防止竞争对手挖走自己的客户"
        Countermeasure.PERSONAL_CARE,
        Countermeasure.BUILD_BRAND,
    ),
    ChurnCause.NO_AFTER_SALES_FOLLOW_UP: (
        Countermeasure.TIMELY_FOLLOW_UP,
        Countermeasure.IMPROVE_QUALITY_AND_SERVICE,
        Countermeasure.PERSONAL_CARE,  # "交易的结束并不意味着客户关系的结束"
    ),
    ChurnCause.BUSINESS_MODEL_CHANGE: (Countermeasure.BUSINESS_INNOVATION,),
    ChurnCause.EXTERNAL_ECONOMY: (
        Countermeasure.ANTICIPATE_ENVIRONMENT,  # "隻能靠加強預判、力爭能盡早把握"
        Countermeasure.BUSINESS_INNOVATION,
        Countermeasure.FORECASTS_FOR_CUSTOMERS,
    ),
    ChurnCause.MOVED: (),
    ChurnCause.CHANGED_TRADE: (),
    ChurnCause.BANKRUPT: (),
    ChurnCause.UNKNOWN: (Countermeasure.LOST_CUSTOMER_ANALYSIS,),
}


def countermeasures_for(cause: ChurnCause) -> tuple[Countermeasure, ...]:
    """The seeds' countermeasures for ``cause`` (empty when the firm can do nothing).

    Example:
        >>> tuple(m.zh for m in countermeasures_for(ChurnCause.POOR_MARKET_CONTROL))
        ('建立强力督办系统(防止串货)',)
    """
    if not isinstance(cause, ChurnCause):
        raise InvalidValue("cause", cause, "a ChurnCause member")
    return COUNTERMEASURES[cause]


# --- the leaky bucket ----------------------------------------------------------------------


def _check_count(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    _count(attribute.name, value)


@attrs.frozen
class BucketFlow:
    """One period of the leaky bucket: who was there, who came, who left, who came back.

    Attributes:
        period_start: the first day of the period.
        start: actual customers (first-time, repeat, loyal) when the period opened.
        gained: customers who became actual by a first purchase (新客户).
        won_back: lost customers won back (挽回).
        lost: defections (流失) — of opening customers and of those gained in the period.
        end: actual customers when the period closed.
        retained: customers actual both when the period opened and when it closed.

    Raises:
        InvalidValue: a negative count, ``retained`` above ``start`` or ``end``, or
            counts that break ``start + gained + won_back - lost == end``.
    """

    period_start: date
    start: int = attrs.field(validator=_check_count)
    gained: int = attrs.field(validator=_check_count)
    won_back: int = attrs.field(validator=_check_count)
    lost: int = attrs.field(validator=_check_count)
    end: int = attrs.field(validator=_check_count)
    retained: int = attrs.field(validator=_check_count)

    def __attrs_post_init__(self) -> None:
        """Check conservation and the retained count."""
        expected = self.start + self.gained + self.won_back - self.lost
        if self.end != expected:
            raise InvalidValue(
                "end", self.end, f"start + gained + won_back - lost = {expected}", "leaks"
            )
        if self.retained > min(self.start, self.end):
            raise InvalidValue(
                "retained", self.retained, f"at most min(start, end) = {min(self.start, self.end)}"
            )

    @property
    def net_growth(self) -> int:
        """``end - start`` (= gained + won back − lost)."""
        return self.end - self.start

    @property
    def retention_rate(self) -> float | None:
        """Share of the opening customers still actual at the close; ``None`` if none opened."""
        return self.retained / self.start if self.start else None

    @property
    def churn_rate(self) -> float | None:
        """Share of the opening customers not actual at the close (1 − retention)."""
        return (self.start - self.retained) / self.start if self.start else None

    @property
    def growth_rate(self) -> float | None:
        """Net growth as a share of the opening customers; ``None`` if none opened."""
        return self.net_growth / self.start if self.start else None


@attrs.frozen
class LeakyBucket:
    """The leaky bucket (漏桶) over consecutive calendar periods.

    Attributes:
        period: the calendar period of each row.
        flows: one :class:`BucketFlow` per period, oldest first, without gaps.
    """

    period: Period
    flows: tuple[BucketFlow, ...]

    @property
    def start(self) -> int:
        """Actual customers when the first period opened."""
        return self.flows[0].start if self.flows else 0

    @property
    def end(self) -> int:
        """Actual customers when the last period closed."""
        return self.flows[-1].end if self.flows else 0

    @property
    def gained(self) -> int:
        """New customers over all periods."""
        return sum(f.gained for f in self.flows)

    @property
    def won_back(self) -> int:
        """Customers won back over all periods."""
        return sum(f.won_back for f in self.flows)

    @property
    def lost(self) -> int:
        """Defections over all periods."""
        return sum(f.lost for f in self.flows)

    @property
    def pooled_churn_rate(self) -> float | None:
        """Churn per period, pooled: all opening customers not retained / all opening customers.

        This is the firm's own per-period churn rate to feed
        :func:`churn_reduction_what_if`; ``None`` when no period opened with customers.
        """
        opened = sum(f.start for f in self.flows)
        if not opened:
            return None
        return (opened - sum(f.retained for f in self.flows)) / opened


def bucket_boundaries(period: Period, start: date, end: date) -> list[date]:
    """The first day of every ``period`` from ``start``'s to ``end``'s, and the day after the last.

    The rows of a leaky bucket run between consecutive boundaries.

    Raises:
        InvalidValue: ``period`` not a :class:`~custrel.periods.Period`, datetimes
            instead of dates, or ``end`` before ``start``.
    """
    if not isinstance(period, Period):
        raise InvalidValue("period", period, "a Period member")
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise InvalidValue(name, value, "a date (not a datetime)")
    if end < start:
        raise InvalidValue("end", end, f"a date on or after start={start.isoformat()}")
    first = period.start(start)
    count = period.index(end) - period.index(start) + 1
    return [first + period.delta(k) for k in range(count + 1)]


def leaky_bucket(
    lifecycles: Iterable[Lifecycle],
    period: Period,
    start: date,
    end: date,
    tz: tzinfo = timezone.utc,
) -> LeakyBucket:
    """The leaky bucket of ``lifecycles`` for every ``period`` from ``start``'s to ``end``'s.

    Rows are whole calendar periods: the first contains ``start``, the last ``end``.
    An event counts in the period of its date in ``tz``. Opening and closing counts
    come from each customer's stage at the period boundaries, the flows from its
    events, so conservation is a check, not an assumption.

    Args:
        lifecycles: one lifecycle per customer, with its full history.
        period: day, week, month, quarter or year.
        start: a day in the first period.
        end: a day in the last period.
        tz: the timezone that dates events (default UTC).

    Raises:
        InvalidValue: ``end`` before ``start``, datetimes instead of dates, or a
            non-lifecycle in ``lifecycles``.

    Example:
        >>> from datetime import date
        >>> from custrel.lifecycle import derive
        >>> a = derive([date(2025, 1, 5), date(2025, 2, 1)], as_of=date(2025, 3, 31))
        >>> b = derive([date(2025, 2, 10)], as_of=date(2025, 3, 31))
        >>> bucket = leaky_bucket([a.lifecycle, b.lifecycle], Period.MONTH,
        ...                       date(2025, 1, 1), date(2025, 3, 31))
        >>> tuple((f.start, f.gained, f.lost, f.end) for f in bucket.flows)
        ((0, 1, 0, 1), (1, 1, 0, 2), (2, 0, 0, 2))
    """
    bounds = bucket_boundaries(period, start, end)
    n = len(bounds) - 1
    first_index = period.index(bounds[0])
    starts = [0] * n
    ends = [0] * n
    retained = [0] * n
    gained = [0] * n
    won = [0] * n
    lost = [0] * n
    for lifecycle in lifecycles:
        if not isinstance(lifecycle, Lifecycle):
            raise InvalidValue("lifecycles", lifecycle, "Lifecycle values")
        # stage after each event, and each event's day
        stage: Stage | None = None
        timeline: list[tuple[date, bool]] = []
        for event in lifecycle.history:
            before = stage
            stage = TRANSITIONS.target(before, event.kind)
            day = event.at.astimezone(tz).date()
            timeline.append((day, stage in ACTUAL_CUSTOMERS))
            k = period.index(day) - first_index
            if not 0 <= k < n:
                continue
            was_actual = before in ACTUAL_CUSTOMERS
            if event.kind is EventKind.PURCHASED and not was_actual:
                gained[k] += 1
            elif event.kind in (EventKind.WON_BACK_TO_REPEAT, EventKind.WON_BACK_TO_LOYAL):
                won[k] += 1
            elif event.kind is EventKind.DEFECTED:
                lost[k] += 1
        # membership at each boundary: the state after the last event dated before it
        position = 0
        actual = False
        member = []
        for boundary in bounds:
            while position < len(timeline) and timeline[position][0] < boundary:
                actual = timeline[position][1]
                position += 1
            member.append(actual)
        for k in range(n):
            starts[k] += member[k]
            ends[k] += member[k + 1]
            retained[k] += member[k] and member[k + 1]
    flows = tuple(
        BucketFlow(bounds[k], starts[k], gained[k], won[k], lost[k], ends[k], retained[k])
        for k in range(n)
    )
    return LeakyBucket(period, flows)


# Kind codes follow `tuple(EventKind)`, as in custrel.lifecycle_batch.StageColumns.
_KINDS: Final = tuple(EventKind)
# Whether a customer is actual (1), lost (2) or neither (0) after each kind of event.
_IN, _LOST, _OUT = 1, 2, 0
_MEMBERSHIP_AFTER: Final[Mapping[EventKind, int]] = {
    EventKind.SHOWED_INTEREST: _OUT,
    EventKind.TARGETED: _OUT,
    EventKind.PURCHASED: _IN,
    EventKind.LOYALTY_ESTABLISHED: _IN,
    EventKind.DEFECTED: _LOST,
    EventKind.WON_BACK_TO_REPEAT: _IN,
    EventKind.WON_BACK_TO_LOYAL: _IN,
    EventKind.WRITTEN_OFF: _OUT,
    EventKind.REQUALIFIED_AS_POTENTIAL: _OUT,
    EventKind.REQUALIFIED_AS_TARGET: _OUT,
    EventKind.DISQUALIFIED: _OUT,
}
# Which memberships each kind may follow (derived from the lifecycle table at import).
_ALLOWED_BEFORE: Final[Mapping[EventKind, frozenset[int]]] = {
    kind: frozenset(
        _OUT
        if source is None
        else _IN
        if source in ACTUAL_CUSTOMERS
        else _LOST
        if source is Stage.LOST
        else _OUT
        for source, trigger, _ in TRANSITIONS.items()
        if trigger is kind
    )
    for kind in EventKind
}


def _int_column(name: str, values: object) -> NDArray[np.integer[Any]]:
    """A 1-D integer column, without a copy unless it needs widening (64-bit: int64)."""
    import numpy as np

    array: NDArray[Any] = np.asarray(values)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise InputDataError(
            "a one-dimensional array of integers", column=name, value=f"{array.dtype}{array.shape}"
        )
    return array.astype(np.int64, copy=False) if array.dtype.itemsize == 8 else array


def _event_columns(
    events_customer: object, events_day: object, events_kind: object
) -> tuple[
    NDArray[np.integer[Any]],
    NDArray[np.integer[Any]],
    NDArray[np.integer[Any]],
    NDArray[np.int8],
    NDArray[np.int8],
]:
    """Check the event columns; return them with each event's membership before and after."""
    import numpy as np

    customer = _int_column("events_customer", events_customer)
    day = _int_column("events_day", events_day)
    kind = _int_column("events_kind", events_kind)
    if not len(customer) == len(day) == len(kind):
        raise InputDataError(
            "events_customer, events_day and events_kind of equal length",
            value=(len(customer), len(day), len(kind)),
        )
    bad = np.flatnonzero((kind < 0) | (kind >= len(_KINDS)))
    if bad.size:
        row = int(bad[0])
        raise InputDataError(
            f"an event kind code in 0..{len(_KINDS) - 1} (index into tuple(EventKind))",
            row=row + 1,
            column="events_kind",
            value=int(kind[row]),
        )
    same = customer[1:] == customer[:-1]
    # Sorted: customers never decrease and, within one, days never do (one pass each
    # when the columns are sorted, as the batch derivation makes them).
    out_of_order = customer[1:] < customer[:-1]
    out_of_order |= same & (day[1:] < day[:-1])
    unsorted = np.flatnonzero(out_of_order)
    if unsorted.size:
        row = int(unsorted[0]) + 1
        raise InputDataError(
            "rows sorted by customer, then day",
            row=row + 1,
            column="events_day",
            value=(int(customer[row]), int(day[row])),
        )
    before, after = _membership(customer, kind)
    first_of_customer = np.ones(len(kind), dtype=bool)
    first_of_customer[1:] = ~same
    # Legal after the previous event: a lookup by (kind, membership before) packed in
    # one small index; a customer's first event must be one that opens a lifecycle.
    allowed = np.zeros(len(_KINDS) * 4, dtype=bool)
    for code, event_kind in enumerate(_KINDS):
        for membership in _ALLOWED_BEFORE[event_kind]:
            allowed[code * 4 + membership] = True
    opens = np.array([TRANSITIONS.can(None, k) for k in _KINDS], dtype=bool)
    slot = kind.astype(np.int16) * 4
    slot += before
    legal = allowed[slot]
    legal[first_of_customer] = opens[kind[first_of_customer]]
    illegal = np.flatnonzero(~legal)
    if illegal.size:
        row = int(illegal[0])
        raise InputDataError(
            "an event the lifecycle allows after the customer's previous one "
            "(complete histories, sorted)",
            row=row + 1,
            column="events_kind",
            value=_KINDS[int(kind[row])].name,
        )
    return customer, day, kind, before, after


def leaky_bucket_columns(
    events_customer: NDArray[np.integer[Any]] | Sequence[int],
    events_day: NDArray[np.integer[Any]] | Sequence[int],
    events_kind: NDArray[np.integer[Any]] | Sequence[int],
    period: Period,
    start: date,
    end: date,
) -> LeakyBucket:
    """The leaky bucket from event columns — the batch engine's version of :func:`leaky_bucket`.

    The columns are those of :class:`custrel.lifecycle_batch.StageColumns`: customer
    code, day number (days since 1970-01-01) and kind (index into ``tuple(EventKind)``)
    of each event, sorted by customer then day, each customer's history complete
    from its first event. Events that do not change whether a customer is actual
    (a repeat purchase) may be left out, as ``derive_stages`` does. The result equals
    :func:`leaky_bucket` over the same histories.

    Raises:
        InputDataError: columns of different lengths or not integers, a kind code out
            of range, rows not sorted by (customer, day), or an event that cannot
            follow the customer's previous one (e.g. a defection of a non-customer).
        InvalidValue: ``end`` before ``start``.
    """
    bounds = bucket_boundaries(period, start, end)
    columns = _event_columns(events_customer, events_day, events_kind)
    return _bucket_of_counts(_bucket_counts(*columns, period, bounds), period, bounds)


def _membership(
    customer: NDArray[np.integer[Any]], kind: NDArray[np.integer[Any]]
) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """Each event's membership (in, lost, out) before and after it.

    After an event, by its kind; before it, the previous event's "after" within the
    customer (out for a customer's first event). Rows sorted by customer.
    """
    import numpy as np

    after = np.array([_MEMBERSHIP_AFTER[k] for k in _KINDS], dtype=np.int8)[kind]
    before = np.empty(len(after), dtype=np.int8)
    before[:1] = _OUT
    np.copyto(before[1:], after[:-1])
    before[1:][customer[1:] != customer[:-1]] = _OUT
    return before, after


def bucket_counts(
    events_customer: NDArray[np.integer[Any]] | Sequence[int],
    events_day: NDArray[np.integer[Any]] | Sequence[int],
    events_kind: NDArray[np.integer[Any]] | Sequence[int],
    period: Period,
    bounds: list[date],
) -> NDArray[np.int64]:
    """The leaky bucket's counts of some customers' events, to be summed and then finished.

    Counts add up over disjoint sets of customers: the report engine counts each
    block of customers where it derives their stages, sums the counts, and turns
    the sum into a :class:`LeakyBucket` with :func:`leaky_bucket_of_counts`. The
    event columns are checked as :func:`leaky_bucket_columns` checks them.

    Args:
        events_customer: customer code of each event (as in
            :class:`custrel.lifecycle_batch.StageColumns`).
        events_day: day number of each event.
        events_kind: kind of each event, an index into ``tuple(EventKind)``.
        period: the bucket's period.
        bounds: :func:`bucket_boundaries` of the whole bucket.

    Returns:
        A (5, periods) int64 array: gained, won back, lost, churned per period, and
        in row 4, column 0 the net change before the first period.

    Raises:
        InputDataError: malformed event columns (see :func:`leaky_bucket_columns`).
    """
    columns = _event_columns(events_customer, events_day, events_kind)
    return _bucket_counts(*columns, period, bounds)


def leaky_bucket_of_counts(
    counts: NDArray[np.int64], period: Period, bounds: list[date]
) -> LeakyBucket:
    """The leaky bucket from (summed) :func:`bucket_counts`; every flow checks conservation.

    Raises:
        InvalidValue: counts that break a flow's conservation or are negative.
    """
    return _bucket_of_counts(counts, period, bounds)


def _bucket_counts(
    customer: NDArray[np.integer[Any]],
    day: NDArray[np.integer[Any]],
    kind: NDArray[np.integer[Any]],
    before: NDArray[np.int8],
    after: NDArray[np.int8],
    period: Period,
    bounds: list[date],
) -> NDArray[np.int64]:
    """Per period, the customers gained, won back, lost, and lost of those actual at its start.

    Returns a (5, periods) array: rows gained, won back, lost, churned, and in row 4
    column 0 the net change before the first period (the opening count). Every entry
    is a sum over customers, so counts of disjoint customer sets add up.
    """
    import numpy as np

    n = len(bounds) - 1
    counts = np.zeros((5, max(n, 1)), dtype=np.int64)
    # One flow per event at most: 1 gained, 2 won back, 3 lost (0: none).
    flow = np.where(kind == _KINDS.index(EventKind.DEFECTED), 3, 0).astype(np.int8)
    flow[(kind == _KINDS.index(EventKind.PURCHASED)) & (before != _IN)] = 1
    flow[
        (kind == _KINDS.index(EventKind.WON_BACK_TO_REPEAT))
        | (kind == _KINDS.index(EventKind.WON_BACK_TO_LOYAL))
    ] = 2
    offset = period.index_days(day) - period.index(bounds[0])
    earlier = offset < 0
    window = ~earlier & (offset < n)
    if bool(earlier.any()):
        before_start = np.bincount(flow[earlier], minlength=4)
        counts[4, 0] = before_start[1] + before_start[2] - before_start[3]
    if not bool(window.all()):
        customer, before, after = customer[window], before[window], after[window]
        offset, flow = offset[window], flow[window]
    # Gained, won back and lost per period in one count of (period, flow) pairs.
    pairs = np.bincount(offset * 4 + flow, minlength=4 * n).reshape(n, 4)
    counts[:3, :n] = pairs[:, 1:].T
    # Opening customers not actual at the close: per (customer, period) run of events,
    # actual before the run's first event and not after its last one.
    run_first = np.ones(len(offset), dtype=bool)
    run_first[1:] = (customer[1:] != customer[:-1]) | (offset[1:] != offset[:-1])
    run_last = np.ones(len(offset), dtype=bool)
    run_last[:-1] = run_first[1:]
    left = (before[run_first] == _IN) & (after[run_last] != _IN)
    counts[3, :n] = np.bincount(offset[run_first][left], minlength=n)
    return counts


def _bucket_of_counts(counts: NDArray[np.int64], period: Period, bounds: list[date]) -> LeakyBucket:
    """The bucket's flows from its counts (:func:`_bucket_counts`, maybe summed)."""
    import numpy as np

    n = len(bounds) - 1
    gained, won, lost, churned = counts[0, :n], counts[1, :n], counts[2, :n], counts[3, :n]
    change = gained + won - lost
    ends = int(counts[4, 0]) + np.cumsum(change)
    starts = ends - change
    retained = starts - churned
    flows = tuple(
        BucketFlow(
            bounds[i],
            int(starts[i]),
            int(gained[i]),
            int(won[i]),
            int(lost[i]),
            int(ends[i]),
            int(retained[i]),
        )
        for i in range(n)
    )
    return LeakyBucket(period, flows)


# --- churn cost ------------------------------------------------------------------------------


def _non_negative(field: str, value: object) -> Decimal:
    number = _decimal(field, value)
    if number < 0:
        raise InvalidValue(field, value, "a number >= 0")
    return number


@attrs.frozen
class ChurnCostPolicy:
    """The multipliers of churn-cost analysis, with the seeds' values as defaults.

    Attributes:
        word_of_mouth: people each dissatisfied (lost) customer tells (seed 001 §3: 5).
        acquisition_cost_ratio: cost of winning a new customer over keeping an old one
            (seed 001 §3: 5).
    """

    word_of_mouth: Decimal = attrs.field(
        default=WORD_OF_MOUTH_LISTENERS, validator=_is_non_negative
    )
    acquisition_cost_ratio: Decimal = attrs.field(
        default=ACQUISITION_COST_RATIO,
        validator=_is_non_negative,
    )


@attrs.frozen
class ChurnCost:
    """What one period's churn costs (seed 001 §3, 对流失的客户进行成本分析).

    Attributes:
        customers: customers at the start of the period.
        churn_rate: share of them lost.
        revenue_per_customer: revenue lost with each lost customer.
        margin: profit share of revenue (盈利率).
        policy: word-of-mouth and acquisition-cost multipliers.
    """

    customers: int = attrs.field(validator=_is_count)
    churn_rate: Decimal = attrs.field(validator=_is_rate)
    revenue_per_customer: Money = attrs.field(validator=_is_money)
    margin: Decimal = attrs.field(validator=_is_rate)
    policy: ChurnCostPolicy = attrs.field(factory=ChurnCostPolicy)

    @property
    def lost_customers(self) -> Decimal:
        """Customers lost: ``customers × churn_rate`` (exact; not rounded to whole customers)."""
        return self.customers * self.churn_rate

    @property
    def revenue_lost(self) -> Money:
        """Revenue lost: ``lost customers × revenue per customer``."""
        return self.revenue_per_customer * self.lost_customers

    @property
    def profit_lost(self) -> Money:
        """Profit lost: ``revenue lost × margin``."""
        return self.revenue_lost * self.margin

    @property
    def people_told(self) -> Decimal:
        """People the lost customers tell about their dissatisfaction (口碑效应)."""
        return self.lost_customers * self.policy.word_of_mouth

    def replacement_cost(self, cost_to_keep_one: Money) -> Money:
        """What winning as many new customers costs, at the acquisition-cost ratio.

        Args:
            cost_to_keep_one: what the firm spends to keep one existing customer.
        """
        keep = _money("cost_to_keep_one", cost_to_keep_one)
        return keep * self.policy.acquisition_cost_ratio * self.lost_customers


def churn_cost(
    customers: int,
    churn_rate: Rate,
    revenue_per_customer: Money,
    margin: Rate,
    policy: ChurnCostPolicy | None = None,
) -> ChurnCost:
    """Churn-cost analysis of one period: lost customers, revenue and profit lost.

    Example (the seed's worked example, seed 001 §3):
        >>> from custrel.money import Money
        >>> cost = churn_cost(64_000, Decimal("0.05"), Money.of(40_000, "USD"), Decimal("0.10"))
        >>> cost.lost_customers == 3_200
        True
        >>> print(cost.revenue_lost.rounded(0))
        USD 128,000,000
        >>> print(cost.profit_lost.rounded(0))
        USD 12,800,000
        >>> cost.people_told == 16_000  # each lost customer tells 5
        True
        >>> print(cost.replacement_cost(Money.of(100, "USD")).rounded(0))
        USD 1,600,000

    Raises:
        InvalidValue: a negative or fractional customer count, a rate outside [0, 1],
            or revenue that is not :class:`~custrel.money.Money`.
    """
    return ChurnCost(
        customers,
        _rate("churn_rate", churn_rate),
        revenue_per_customer,
        _rate("margin", margin),
        policy or ChurnCostPolicy(),
    )


#: Days in the average year of the yearly figures below (the Julian year).
DAYS_PER_YEAR: Final = 365.25


def yearly_value(amount: float, first_purchase: date, last_purchase: date) -> float:
    """A customer's ``amount`` over its active span, as a yearly figure.

    The active span runs from the first to the last purchase, both days counted; a
    span shorter than a year counts as a year, so a customer seen once is not
    extrapolated. The report uses it for the yearly revenue and profit its lost
    customers used to bring, the inputs of :func:`churn_cost`. (The seeds give no
    rule for a customer's yearly revenue: this is a documented decision.)

    The columnar form is :func:`yearly_value_columns`.

    Example:
        >>> yearly_value(300.0, date(2024, 1, 1), date(2024, 3, 31))
        300.0
        >>> yearly_value(1000.0, date(2020, 1, 1), date(2023, 12, 31))  # 1,461 days: 4 years
        250.0
    """
    span = float((last_purchase - first_purchase).days + 1)
    years = max(span, DAYS_PER_YEAR) / DAYS_PER_YEAR
    return amount / years


def yearly_value_columns(
    amount: NDArray[np.floating[Any]],
    first_day: NDArray[np.integer[Any]],
    last_day: NDArray[np.integer[Any]],
) -> NDArray[np.float64]:
    """Columnar :func:`yearly_value` over day numbers (days since 1970-01-01), same arithmetic.

    ``tests/test_retention_yearly.py::test_yearly_value_columns_agree_with_the_scalar_rule``
    holds the two together, bit for bit.
    """
    import numpy as np

    last = np.asarray(last_day, dtype=np.int64)
    span = (last - np.asarray(first_day, dtype=np.int64) + 1).astype(np.float64)
    years = np.maximum(span, DAYS_PER_YEAR) / DAYS_PER_YEAR
    yearly: NDArray[np.float64] = np.asarray(amount, dtype=np.float64) / years
    return yearly


def lost_customers_churn_cost(
    lost: int,
    yearly_revenue: float,
    yearly_profit: float,
    currency: str,
    policy: ChurnCostPolicy | None = None,
) -> ChurnCost | None:
    """The churn cost a year of ``lost`` customers, from their yearly revenue and profit.

    The lost customers are the period's churn (rate 1 of ``lost``); each brought the
    mean yearly revenue, rounded to the cent, at the margin yearly profit / yearly
    revenue, rounded to four places. ``None`` when nobody is lost, the revenue is
    not positive, or the margin lies outside [0, 1] (a loss-making lost customer
    costs nothing in profit; the revenue figure stays with the caller).

    Raises:
        InvalidValue: a negative or fractional ``lost``, or a bad currency code.
    """
    if lost == 0 or yearly_revenue <= 0:
        return None
    margin = yearly_profit / yearly_revenue
    if not 0 <= margin <= 1:
        return None
    cent = Decimal("0.01")
    per_customer = Money.of(Decimal(repr(yearly_revenue / lost)).quantize(cent), currency)
    return churn_cost(
        lost, Decimal(1), per_customer, Decimal(repr(margin)).quantize(cent / 100), policy
    )


# --- lifetime value --------------------------------------------------------------------------


class PaymentTiming(Labelled):
    """When in each period the customer's margin arrives; CLV formulas differ by it."""

    START = ("start", "margin at the start of each period (first one now)", "期初收款")
    END = ("end", "margin at the end of each period (first one after a period)", "期末收款")


def _discount_rate(value: object) -> Decimal:
    number = _decimal("discount_rate", value)
    if number <= -1:
        raise InvalidValue("discount_rate", value, "a rate > -1 (10% a period is 0.10)")
    return number


def lifetime_value(
    margin: Money,
    retention: Rate,
    discount_rate: Rate,
    *,
    timing: PaymentTiming,
    acquisition_cost: Money | None = None,
    horizon: int | None = None,
) -> Money:
    """Customer lifetime value under constant retention, minus what acquiring the customer cost.

    With ``q = r / (1 + i)``, a margin ``m`` per period that continues while the
    customer is retained is worth

    - ``END`` timing: ``m·(q + q² + …) = m·r / (1 + i − r)`` (the textbook closed form);
    - ``START`` timing: ``m·(1 + q + q² + …) = m·(1 + i) / (1 + i − r)``;

    and over a finite ``horizon`` of ``T`` periods, the first ``T`` terms of that sum.
    The closed form is the limit of the finite horizon as ``T`` grows.

    Args:
        margin: the margin (contribution) per period from a retained customer.
        retention: the per-period retention rate ``r`` in [0, 1].
        discount_rate: the per-period discount rate ``i`` (> −1).
        timing: when each period's margin arrives; there is no default on purpose.
        acquisition_cost: subtracted from the value (same currency as ``margin``).
        horizon: number of periods, or ``None`` for an unlimited lifetime.

    Raises:
        InvalidValue: a rate out of range, a negative horizon, or (unlimited
            horizon) ``retention >= 1 + discount_rate``, where the value is infinite.
        CurrencyMismatch: ``acquisition_cost`` in another currency.

    Example:
        >>> from custrel.money import Money
        >>> m = Money.of(100, "USD")
        >>> print(lifetime_value(m, Decimal("0.8"), Decimal("0.1"), timing=PaymentTiming.END))
        USD 266.6666666666666666666666667
        >>> print(lifetime_value(m, Decimal("0.8"), Decimal("0.1"), timing=PaymentTiming.START,
        ...                      acquisition_cost=Money.of(150, "USD")).rounded())
        USD 216.67
    """
    m = _money("margin", margin)
    r = _rate("retention", retention)
    i = _discount_rate(discount_rate)
    if not isinstance(timing, PaymentTiming):
        raise InvalidValue("timing", timing, "PaymentTiming.START or PaymentTiming.END")
    if horizon is None:
        if r >= 1 + i:
            raise InvalidValue(
                "retention",
                retention,
                f"a rate below 1 + discount_rate = {1 + i}",
                "the lifetime value would be infinite; give a finite horizon",
            )
        factor = (r if timing is PaymentTiming.END else 1 + i) / (1 + i - r)
    else:
        periods = _count("horizon", horizon)
        q = r / (1 + i)
        # the sum of q**t for t = 0 .. T-1
        if q == 1:
            first_terms = Decimal(periods)
        elif q == 0:  # Decimal refuses 0 ** 0; only the t = 0 term (1) is left
            first_terms = Decimal(min(periods, 1))
        else:
            first_terms = (1 - q**periods) / (1 - q)
        factor = q * first_terms if timing is PaymentTiming.END else first_terms
    value = m * factor
    if acquisition_cost is not None:
        value = value - _money("acquisition_cost", acquisition_cost)
    return value


@attrs.frozen
class ChurnReduction:
    """What cutting churn does to the value of the customer base, from the firm's own figures.

    Attributes:
        churn_before: the firm's per-period churn rate.
        churn_after: the churn rate after the cut.
        value_before: the customer base's lifetime value now.
        value_after: its value with the lower churn.
        cited_range: the seed's 25–85% profit increase for a 5-point cut (cited, not a law).
    """

    churn_before: Decimal
    churn_after: Decimal
    value_before: Money
    value_after: Money
    cited_range: tuple[Decimal, Decimal] = CHURN_CUT_PROFIT_UPLIFT

    @property
    def gain(self) -> Money:
        """``value_after − value_before``."""
        return self.value_after - self.value_before

    @property
    def uplift(self) -> Decimal | None:
        """The relative increase in value; ``None`` when the base is worth nothing now."""
        if self.value_before.amount == 0:
            return None
        return self.value_after.ratio(self.value_before) - 1

    @property
    def within_cited_range(self) -> bool | None:
        """Whether :attr:`uplift` falls in :attr:`cited_range` (``None`` if no uplift)."""
        uplift = self.uplift
        if uplift is None:
            return None
        low, high = self.cited_range
        return low <= uplift <= high


def churn_reduction_what_if(
    churn_rate: Rate,
    cut: Rate,
    margin: Money,
    discount_rate: Rate,
    *,
    timing: PaymentTiming,
    customers: int = 1,
    horizon: int | None = None,
) -> ChurnReduction:
    """What cutting the churn rate by ``cut`` points does to the customer base's value.

    Seed 001 §3 cites a 25–85% profit increase for 5 points less churn a year;
    this computes the firm's own figure instead, as the change in the base's
    lifetime value (``customers × lifetime_value``; acquisition costs are sunk).

    Args:
        churn_rate: the firm's per-period churn rate (e.g.
            :attr:`LeakyBucket.pooled_churn_rate`).
        cut: reduction in churn, in points (0.05 = five points), at most ``churn_rate``.
        margin: margin per customer per period.
        discount_rate: per-period discount rate.
        timing: when margins arrive.
        customers: customers in the base.
        horizon: periods, or ``None`` for unlimited.

    Raises:
        InvalidValue: rates outside [0, 1], a cut larger than the churn rate, or
            a retention rate at or above ``1 + discount_rate`` with no horizon.

    Example:
        >>> from custrel.money import Money
        >>> what = churn_reduction_what_if(Decimal("0.2"), CHURN_CUT_POINTS,
        ...                                Money.of(100, "USD"), Decimal("0.1"),
        ...                                timing=PaymentTiming.START)
        >>> what.uplift == Decimal("0.2"), what.within_cited_range  # 0.3/0.25 − 1: +20%
        (True, False)
    """
    before = _rate("churn_rate", churn_rate)
    reduction = _rate("cut", cut)
    if reduction > before:
        raise InvalidValue("cut", cut, f"at most the churn rate {before}")
    after = before - reduction
    base = _count("customers", customers)

    def value(churn: Decimal) -> Money:
        per_customer = lifetime_value(
            margin, 1 - churn, discount_rate, timing=timing, horizon=horizon
        )
        return per_customer * base

    return ChurnReduction(before, after, value(before), value(after))


# --- the complaint iceberg -------------------------------------------------------------------


def _is_silent_share(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, Decimal):
        raise InvalidValue("silent_share", value, "a Decimal share below 1, e.g. Decimal('0.95')")
    _silent_share(value)


def _silent_share(value: object) -> Decimal:
    number = _rate("silent_share", value)
    if number >= 1:
        raise InvalidValue(
            "silent_share", value, "a share below 1", "if nobody complains, complaints say nothing"
        )
    return number


@attrs.frozen
class ComplaintIceberg:
    """The dissatisfied customers behind the complaints a firm receives.

    Seed 001 §3: 95% of dissatisfied customers never complain, they just stop buying.

    Attributes:
        complaints: complaints received (one per complaining customer).
        silent_share: share of dissatisfied customers who never complain, below 1.
        customers: the customer base, if known.
    """

    complaints: int = attrs.field(validator=_is_count)
    silent_share: Decimal = attrs.field(default=SILENT_SHARE, validator=_is_silent_share)
    customers: int | None = attrs.field(default=None, validator=_is_optional_count)

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
        """:attr:`at_risk` as a share of :attr:`customers` (may exceed 1 if the inputs disagree)."""
        if not self.customers:
            return None
        return self.at_risk / self.customers


def complaint_iceberg(
    complaints: int, *, customers: int | None = None, silent_share: Rate = SILENT_SHARE
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


def dissatisfied_purchases(purchases: int, share: Rate = DISSATISFIED_PURCHASE_SHARE) -> Decimal:
    """Purchases expected to leave the customer dissatisfied (seed 001 §3: one in four).

    Example:
        >>> dissatisfied_purchases(1_000) == 250
        True
    """
    return _count("purchases", purchases) * _rate("share", share)


# --- satisfaction survey ---------------------------------------------------------------------


class SatisfactionLevel(Labelled):
    """The seed's five satisfaction levels (seed 001 §3, 客户满意度调查), best first."""

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
    satisfied_customers: int, per_hundred: Rate = REFERRALS_PER_HUNDRED_SATISFIED
) -> Decimal:
    """New customers the satisfied ones bring (seed 002, AMA: 100 satisfied bring 25).

    Example:
        >>> referral_yield(100)
        Decimal('25')
    """
    rate = _decimal("per_hundred", per_hundred)
    if rate < 0:
        raise InvalidValue("per_hundred", per_hundred, "a number >= 0")
    return _count("satisfied_customers", satisfied_customers) * rate / 100


@attrs.frozen
class SurveySummary:
    """The results of a satisfaction survey.

    Attributes:
        counts: responses per level, every level present, best first.
        csat: share in the top two levels (0–1), ``None`` without responses.
        nps: Net Promoter Score in [−100, 100], ``None`` without recommend answers.
        repurchase_rate: share intending to buy again among those asked, or ``None``.
        expected_referrals: new customers the satisfied respondents should bring (seed 002).
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
    referrals_per_hundred: Rate = REFERRALS_PER_HUNDRED_SATISFIED,
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


# --- win-back cases --------------------------------------------------------------------------


class WinBackStatus(Labelled):
    """Where a case to win back a lost customer stands."""

    OPEN = ("open", "open: not yet contacted", "待联系")
    REASON_LEARNED = ("reason_learned", "reason learned", "已了解流失原因")
    COUNTERMEASURE_TAKEN = ("countermeasure_taken", "countermeasure taken", "已采取挽回措施")
    WON_BACK = ("won_back", "won back", "已挽回")
    GIVEN_UP = ("given_up", "given up: lost for good", "放弃挽回")


class WinBackAction(Labelled):
    """What can be done with a win-back case: the triggers of its machine."""

    OPEN = ("open", "open a case for a lost customer", "建立挽回档案")
    LEARN_REASON = (
        "learn_reason",
        "contact the customer and learn why it left",
        "与流失客户接触,了解流失原因",
    )
    TAKE_COUNTERMEASURE = ("take_countermeasure", "take a countermeasure", "采取挽回措施")
    WIN_BACK = ("win_back", "customer buys again", "挽回成功")
    GIVE_UP = ("give_up", "give up the customer", "放弃挽回")


# The one transition table of a win-back case (seed 001 §3: 对于那些已停止购买…的客户,
# 企业应该与其接触一下以了解发生这种情况的原因). A case wins the customer back only
# after a countermeasure, so every success records what worked.
_WIN_BACK_TABLE: Final[Mapping[tuple[WinBackStatus | None, WinBackAction], WinBackStatus]] = {
    (None, WinBackAction.OPEN): WinBackStatus.OPEN,
    (WinBackStatus.OPEN, WinBackAction.LEARN_REASON): WinBackStatus.REASON_LEARNED,
    (WinBackStatus.OPEN, WinBackAction.GIVE_UP): WinBackStatus.GIVEN_UP,  # cannot be reached
    (WinBackStatus.REASON_LEARNED, WinBackAction.TAKE_COUNTERMEASURE): (
        WinBackStatus.COUNTERMEASURE_TAKEN
    ),
    (WinBackStatus.REASON_LEARNED, WinBackAction.GIVE_UP): WinBackStatus.GIVEN_UP,
    (WinBackStatus.COUNTERMEASURE_TAKEN, WinBackAction.TAKE_COUNTERMEASURE): (
        WinBackStatus.COUNTERMEASURE_TAKEN
    ),
    (WinBackStatus.COUNTERMEASURE_TAKEN, WinBackAction.WIN_BACK): WinBackStatus.WON_BACK,
    (WinBackStatus.COUNTERMEASURE_TAKEN, WinBackAction.GIVE_UP): WinBackStatus.GIVEN_UP,
}

#: The win-back case's transition table, validated at import.
WIN_BACK_TRANSITIONS: Final = TransitionTable(
    "win_back",
    WinBackStatus,
    WinBackAction,
    _WIN_BACK_TABLE,
    terminal=(WinBackStatus.WON_BACK, WinBackStatus.GIVEN_UP),
)


def _aware(field: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidValue(field, value, "a timezone-aware datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetime(field, value)
    return value


@attrs.frozen
class WinBackCase:
    """A lost customer's win-back case: the reason learned, the countermeasures, the outcome.

    Open one with :meth:`open` from a lost customer's lifecycle. Each command returns
    a new case (and, when it closes the case, the lifecycle event it produced); an
    illegal command raises and leaves the case as it was.

    Example:
        >>> from datetime import datetime, timezone
        >>> from custrel.lifecycle import Defected, Purchased, Lifecycle
        >>> t = lambda d: datetime(2025, 1, d, tzinfo=timezone.utc)
        >>> lost = Lifecycle("c1", [Purchased(t(1)), Purchased(t(2)), Defected(t(20))])
        >>> case = WinBackCase.open(lost).learn_reason(
        ...     t(22), ChurnCause.COMPETITOR_LURE, "a rival offered a bigger rebate")
        >>> case = case.take_countermeasure(t(23), Countermeasure.LONG_TERM_COOPERATION)
        >>> case, event = case.win_back(t(30), to=Stage.REPEAT)
        >>> case.outcome_applied(lost).stage, case.status.zh
        (<Stage.REPEAT: 'repeat'>, '已挽回')

    Attributes:
        customer_id: the lost customer.
        status: where the case stands.
        opened_at: when the case was opened.
        last_at: when it last changed; later commands may not be dated before it.
        cause: the churn cause (taken from the defection, then as learned).
        reason: what the customer said, in its own words.
        countermeasures: the countermeasures taken, in order.
        outcome: the lifecycle event the case produced (win-back or write-off), once closed.
    """

    customer_id: str
    status: WinBackStatus
    opened_at: datetime
    last_at: datetime
    cause: ChurnCause = ChurnCause.UNKNOWN
    reason: str | None = None
    countermeasures: tuple[Countermeasure, ...] = ()
    outcome: WonBack | WrittenOff | None = None

    @classmethod
    def open(cls, lifecycle: Lifecycle, at: datetime | None = None) -> WinBackCase:
        """Open a case for a lost customer (defaults to the time it defected).

        Raises:
            InvalidValue: the customer is not lost, or ``at`` is naive.
            EventOutOfOrder: ``at`` before the defection.
        """
        if not isinstance(lifecycle, Lifecycle):
            raise InvalidValue("lifecycle", lifecycle, "a Lifecycle")
        if lifecycle.stage is not Stage.LOST:
            raise InvalidValue(
                "lifecycle", lifecycle.stage, "a lost customer (Stage.LOST)", "not lost"
            )
        defection = lifecycle.last_event
        assert isinstance(defection, Defected)  # LOST is entered only by a defection
        when = defection.at if at is None else _aware("at", at)
        if when < defection.at:
            raise EventOutOfOrder(defection.at, when)
        status = WIN_BACK_TRANSITIONS.target(None, WinBackAction.OPEN)
        return cls(lifecycle.customer_id, status, when, when, defection.cause, defection.reason)

    def _step(self, action: WinBackAction, at: datetime) -> tuple[WinBackStatus, datetime]:
        status = WIN_BACK_TRANSITIONS.target(self.status, action)
        when = _aware("at", at)
        if when < self.last_at:
            raise EventOutOfOrder(self.last_at, when)
        return status, when

    def allowed_actions(self) -> tuple[WinBackAction, ...]:
        """The actions allowed now."""
        return WIN_BACK_TRANSITIONS.allowed(self.status)

    def learn_reason(
        self, at: datetime, cause: ChurnCause, reason: str | None = None
    ) -> WinBackCase:
        """Record the reason learned by contacting the customer.

        Raises:
            IllegalTransition: not allowed in the current status.
            InvalidValue: ``cause`` is not a :class:`ChurnCause`.
        """
        if not isinstance(cause, ChurnCause):
            raise InvalidValue("cause", cause, "a ChurnCause member")
        status, when = self._step(WinBackAction.LEARN_REASON, at)
        return attrs.evolve(self, status=status, last_at=when, cause=cause, reason=reason)

    def recommended(self) -> tuple[Countermeasure, ...]:
        """The seeds' countermeasures for the cause learned."""
        return COUNTERMEASURES[self.cause]

    def take_countermeasure(self, at: datetime, measure: Countermeasure) -> WinBackCase:
        """Record a countermeasure taken (any; :meth:`recommended` lists the seeds' ones).

        Raises:
            IllegalTransition: the reason is not learned yet, or the case is closed.
        """
        if not isinstance(measure, Countermeasure):
            raise InvalidValue("measure", measure, "a Countermeasure member")
        status, when = self._step(WinBackAction.TAKE_COUNTERMEASURE, at)
        return attrs.evolve(
            self, status=status, last_at=when, countermeasures=(*self.countermeasures, measure)
        )

    def win_back(
        self, at: datetime, to: Stage = Stage.REPEAT, reason: str | None = None
    ) -> tuple[WinBackCase, WonBack]:
        """Close the case as won back; returns the case and the lifecycle's :class:`WonBack`.

        Raises:
            IllegalTransition: no countermeasure yet, or the case is closed.
            InvalidValue: ``to`` is not REPEAT or LOYAL.
        """
        status, when = self._step(WinBackAction.WIN_BACK, at)
        measures = ", ".join(m.value for m in self.countermeasures)
        event = WonBack(
            when, to=to, reason=reason or f"win-back case: {self.cause.value}; {measures}"
        )
        return attrs.evolve(self, status=status, last_at=when, outcome=event), event

    def give_up(self, at: datetime, reason: str | None = None) -> tuple[WinBackCase, WrittenOff]:
        """Close the case as lost for good; returns the case and the lifecycle's write-off.

        Raises:
            IllegalTransition: the case is already closed.
        """
        status, when = self._step(WinBackAction.GIVE_UP, at)
        event = WrittenOff(when, reason=reason or f"win-back given up: {self.cause.value}")
        return attrs.evolve(self, status=status, last_at=when, outcome=event), event

    def outcome_applied(self, lifecycle: Lifecycle) -> Lifecycle:
        """``lifecycle`` with this closed case's outcome event applied.

        Raises:
            InvalidValue: the case is still open, or belongs to another customer.
            IllegalTransition: the lifecycle is no longer lost.
        """
        if self.outcome is None:
            raise InvalidValue("status", self.status, "a closed case (won back or given up)")
        if lifecycle.customer_id != self.customer_id:
            raise InvalidValue(
                "lifecycle.customer_id", lifecycle.customer_id, repr(self.customer_id)
            )
        return lifecycle.apply(self.outcome)


# --- policy audit against seed 004 ---------------------------------------------------------


class Mistake(Labelled):
    """Seed 004's eight mistakes that lose long-term customers (导致客户流失的原因)."""

    HIGH_STAFF_TURNOVER = (
        "high_staff_turnover",
        "accepting high staff turnover",
        "容忍员工高流失率",
    )
    NEW_CUSTOMERS_FAVOURED = (
        "new_customers_favoured",
        "treating new customers better than existing ones",
        "厚待新客户、冷落老客户",
    )
    TOO_MANY_NEW_FACES = (
        "too_many_new_faces",
        "too many new faces (rotating account managers)",
        "频繁更换对接人员",
    )
    PRICE_FOCUS = ("price_focus", "focusing too much on price", "过分看重价格")
    PUSHY_SELLING = (
        "pushy_selling",
        "pushing sales without knowing needs",
        "不了解需求就一味推销",
    )
    CORE_TAKEN_FOR_GRANTED = (
        "core_taken_for_granted",
        "taking core customers for granted",
        "把核心客户视为理所当然",
    )
    WRONG_INCENTIVES = (
        "wrong_incentives",
        "incentives that reward acquisition over retention",
        "激励机制重开发、轻维系",
    )
    HARD_TO_SOLVE_PROBLEMS = (
        "hard_to_solve_problems",
        "making problems hard to solve",
        "让客户的问题难以解决",
    )


#: Seed 004's advice for each mistake.
MISTAKE_ADVICE: Final[Mapping[Mistake, Bilingual]] = {
    Mistake.HIGH_STAFF_TURNOVER: Bilingual(
        "long-term customers need long-term staff; if turnover is high, find the cause",
        "首先要拥有长期的员工,才能拥有长期的客户;流动率很高就找出解决办法",
    ),
    Mistake.NEW_CUSTOMERS_FAVOURED: Bilingual(
        "give existing customers at least as much as new ones",
        "给现有客户提供的奖励不少于新客户",
    ),
    Mistake.TOO_MANY_NEW_FACES: Bilingual(
        "customers buy from people: do not rotate their contacts unless absolutely necessary",
        "客户是从人那里购买;除非绝对必要,不要轮换销售人员或主要联系人",
    ),
    Mistake.PRICE_FOCUS: Bilingual(
        "spend at least as much effort adding value as cutting cost and price",
        "至少要像寻求降低成本和价格一样多地去寻找增加价值的方式",
    ),
    Mistake.PUSHY_SELLING: Bilingual(
        "learn each customer's needs before selling more; never push what it does not need",
        "首先了解每一个客户的需求;永远不要推销客户不需要的产品或服务",
    ),
    Mistake.CORE_TAKEN_FOR_GRANTED: Bilingual(
        "list the customers you cannot lose and what they buy, and keep them in focus",
        "做一个你不能失去的客户的名单,列出他们买什么,并作为重点",
    ),
    Mistake.WRONG_INCENTIVES: Bilingual(
        "do not pay more commission for new customers than for keeping existing ones",
        "开发新客户的提成不应高于维持现有客户的提成",
    ),
    Mistake.HARD_TO_SOLVE_PROBLEMS: Bilingual(
        "treat complaint policies as guidelines and let staff adjust them",
        "把投诉和解决方案政策当成指导方针而不是规则,允许员工自由调整",
    ),
}


class Verdict(Labelled):
    """The result of checking one mistake."""

    OK = ("ok", "no problem found", "未发现问题")
    MISTAKE = ("mistake", "mistake found", "存在问题")
    NOT_ASSESSED = ("not_assessed", "not assessed: setting unknown", "未评估(缺少设置)")


def _optional_bool(
    _instance: object, attribute: attrs.Attribute[bool | None], value: object
) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidValue(attribute.name, value, "True, False or None (unknown)")


def _optional_months(
    _instance: object, attribute: attrs.Attribute[int | None], value: object
) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidValue(attribute.name, value, "a whole number of months >= 1, or None")


@attrs.frozen(kw_only=True)
class RetentionSettings:
    """A firm's retention settings, as far as it knows them (``None`` = unknown).

    Attributes:
        staff_turnover_rate: share of customer-facing staff leaving per year.
        new_customer_offer: discount or reward rate offered to new customers.
        loyalty_reward: discount or reward rate given to existing customers.
        account_manager_rotation_months: how often main contacts are rotated by routine,
            in months; ``None`` if unknown — set ``rotates_account_managers=False`` if never.
        rotates_account_managers: whether main contacts are rotated by routine at all.
        price_effort_share: share of marketing effort spent on price (vs adding value).
        needs_assessed_before_upselling: whether staff must know a need before selling more.
        key_customer_list: whether the firm keeps a list of customers it cannot lose.
        commission_new: sales commission rate for new customers.
        commission_existing: sales commission rate for keeping existing customers.
        staff_discretion_on_complaints: whether staff may adjust complaint rules.
    """

    staff_turnover_rate: Decimal | None = attrs.field(
        default=None,
        validator=_is_optional_rate,
    )
    new_customer_offer: Decimal | None = attrs.field(
        default=None,
        validator=_is_optional_rate,
    )
    loyalty_reward: Decimal | None = attrs.field(
        default=None,
        validator=_is_optional_rate,
    )
    rotates_account_managers: bool | None = attrs.field(default=None, validator=_optional_bool)
    account_manager_rotation_months: int | None = attrs.field(
        default=None, validator=_optional_months
    )
    price_effort_share: Decimal | None = attrs.field(
        default=None,
        validator=_is_optional_rate,
    )
    needs_assessed_before_upselling: bool | None = attrs.field(
        default=None, validator=_optional_bool
    )
    key_customer_list: bool | None = attrs.field(default=None, validator=_optional_bool)
    commission_new: Decimal | None = attrs.field(
        default=None,
        validator=_is_optional_rate,
    )
    commission_existing: Decimal | None = attrs.field(
        default=None,
        validator=_is_optional_rate,
    )
    staff_discretion_on_complaints: bool | None = attrs.field(
        default=None, validator=_optional_bool
    )


@attrs.frozen
class AuditPolicy:
    """The thresholds of the audit. Seed 004 gives no numbers; the defaults are decisions.

    Attributes:
        max_staff_turnover: yearly staff turnover above which turnover is "high"
            (decision: 0.20).
        min_rotation_months: routine rotation of account managers more often than this
            is "too many new faces" (decision: 24 months).
        max_price_effort_share: share of effort on price above which marketing is
            price-focused; 0.5 follows the seed's "at least as much effort on value".
    """

    max_staff_turnover: Decimal = attrs.field(default=Decimal("0.20"), validator=_is_rate)
    min_rotation_months: int = attrs.field(default=24, validator=_is_count)
    max_price_effort_share: Decimal = attrs.field(default=Decimal("0.5"), validator=_is_rate)


@attrs.frozen
class AuditFinding:
    """The verdict on one mistake, with the reason and the seed's advice."""

    mistake: Mistake
    verdict: Verdict
    reason: Bilingual

    @property
    def advice(self) -> Bilingual:
        """Seed 004's advice for this mistake."""
        return MISTAKE_ADVICE[self.mistake]


@attrs.frozen
class PolicyAudit:
    """One finding per mistake, in seed 004's order."""

    findings: tuple[AuditFinding, ...]

    @property
    def mistakes(self) -> tuple[AuditFinding, ...]:
        """The findings whose verdict is MISTAKE."""
        return tuple(f for f in self.findings if f.verdict is Verdict.MISTAKE)

    @property
    def passed(self) -> bool:
        """Whether no mistake was found (unknown settings do not fail the audit)."""
        return not self.mistakes


def _finding(mistake: Mistake, bad: bool | None, en: str, zh: str) -> AuditFinding:
    if bad is None:
        return AuditFinding(
            mistake, Verdict.NOT_ASSESSED, Bilingual(f"setting unknown: {en}", f"缺少设置:{zh}")
        )
    return AuditFinding(mistake, Verdict.MISTAKE if bad else Verdict.OK, Bilingual(en, zh))


def audit_policy(settings: RetentionSettings, policy: AuditPolicy | None = None) -> PolicyAudit:
    """Check a firm's retention settings against seed 004's eight mistakes.

    Every mistake gets a finding — OK, MISTAKE, or NOT_ASSESSED when a setting it
    needs is unknown — with the reason in English and Chinese.

    Example:
        >>> audit = audit_policy(RetentionSettings(commission_new=Decimal("0.08"),
        ...                                        commission_existing=Decimal("0.03")))
        >>> tuple(f.mistake.name for f in audit.mistakes)
        ('WRONG_INCENTIVES',)
        >>> print(audit.mistakes[0].reason)
        commission for new customers 0.08 is higher than for keeping existing ones 0.03
    """
    if not isinstance(settings, RetentionSettings):
        raise InvalidValue("settings", settings, "a RetentionSettings value")
    p = policy or AuditPolicy()
    s = settings
    findings: list[AuditFinding] = []

    turnover = s.staff_turnover_rate
    findings.append(
        _finding(
            Mistake.HIGH_STAFF_TURNOVER,
            None if turnover is None else turnover > p.max_staff_turnover,
            f"staff turnover {turnover} a year against a limit of {p.max_staff_turnover}",
            f"员工年流动率 {turnover},上限 {p.max_staff_turnover}",
        )
    )
    new, old = s.new_customer_offer, s.loyalty_reward
    findings.append(
        _finding(
            Mistake.NEW_CUSTOMERS_FAVOURED,
            None if new is None or old is None else new > old,
            f"new-customer offer {new} against loyalty reward {old}",
            f"新客户优惠 {new},老客户奖励 {old}",
        )
    )
    rotates, months = s.rotates_account_managers, s.account_manager_rotation_months
    too_often: bool | None
    if rotates is False:
        too_often = False
    elif rotates is None or months is None:
        too_often = None
    else:
        too_often = months < p.min_rotation_months
    findings.append(
        _finding(
            Mistake.TOO_MANY_NEW_FACES,
            too_often,
            "account managers are not rotated by routine"
            if rotates is False
            else f"account managers rotated every {months} months; minimum {p.min_rotation_months}",
            "不例行轮换客户经理"
            if rotates is False
            else f"客户经理每 {months} 个月轮换一次,最少应为 {p.min_rotation_months} 个月",
        )
    )
    price = s.price_effort_share
    findings.append(
        _finding(
            Mistake.PRICE_FOCUS,
            None if price is None else price > p.max_price_effort_share,
            f"{price} of marketing effort goes to price; at most {p.max_price_effort_share}",
            f"营销精力用于价格的比例 {price},上限 {p.max_price_effort_share}",
        )
    )
    needs = s.needs_assessed_before_upselling
    findings.append(
        _finding(
            Mistake.PUSHY_SELLING,
            None if needs is None else not needs,
            "staff must know a need before selling more"
            if needs
            else "staff sell more without first learning the customer's needs",
            "先了解客户需求再推销" if needs else "未了解客户需求就推销",
        )
    )
    listed = s.key_customer_list
    findings.append(
        _finding(
            Mistake.CORE_TAKEN_FOR_GRANTED,
            None if listed is None else not listed,
            "a list of customers the firm cannot lose is kept"
            if listed
            else "no list of the customers the firm cannot lose",
            "有不能失去的客户名单" if listed else "没有不能失去的客户名单",
        )
    )
    cn, ce = s.commission_new, s.commission_existing
    higher = None if cn is None or ce is None else cn > ce
    findings.append(
        _finding(
            Mistake.WRONG_INCENTIVES,
            higher,
            f"commission for new customers {cn} is "
            f"{'higher' if higher else 'not higher'} than for keeping existing ones {ce}",
            f"开发新客户提成 {cn}{'高于' if higher else '不高于'}维持现有客户提成 {ce}",
        )
    )
    discretion = s.staff_discretion_on_complaints
    findings.append(
        _finding(
            Mistake.HARD_TO_SOLVE_PROBLEMS,
            None if discretion is None else not discretion,
            "staff may adjust complaint rules"
            if discretion
            else "complaint rules leave staff no discretion",
            "员工可自由调整投诉处理规则" if discretion else "投诉处理规则不允许员工自由调整",
        )
    )
    return PolicyAudit(tuple(findings))
