"""Acquisition: how a firm finds prospects, meets them, and what a prospecting plan should yield.

The catalogues themselves — thirteen prospecting methods (the CRM chapter §1), four routes,
nine contact types, nine first-meeting rules and the repeat-visit incentives (*Dating customers*)
— are data in `custrel.acquisition_catalogue`, re-exported here. This module holds
what works with them: the road (*Dating customers*) from potential customer to qualified prospect
(准客户) to actual customer, the four dimensions of a contact and the moment of truth,
the first-meeting check, and the prospecting arithmetic.

A `ProspectingPlan` turns planned sales attempts into an expected yield with
the lifecycle's per-stage success rates (the CRM chapter §1: 6% for prospects, 15% for
first-time customers, 50% for repeat and loyal ones; 5 calls a day ≈ 1,500 contacts a
year). A `Prospect` records how a prospect came to the firm — it approached the
firm (potential), the firm chose it (target), or both — and opens its
`Lifecycle`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import attrs

from custrel._labels import Bilingual, Labelled
from custrel._validators import aware
from custrel.acquisition_catalogue import (
    CONTACT_TYPES,
    FIRST_MEETING_RULES,
    PROSPECTING_METHODS,
    REPEAT_VISIT_INCENTIVES,
    ROUTES,
    AcquisitionRoute,
    CatalogueEntry,
    ContactType,
    MeetingRule,
    Point,
    ProspectingMethod,
    Provenance,
    RepeatVisitIncentive,
)
from custrel.errors import InvalidValue
from custrel.lifecycle import (
    STAGE_GUIDANCE,
    Lifecycle,
    LifecycleEvent,
    Origin,
    ShowedInterest,
    Stage,
    Targeted,
)
from custrel.money import decimal_from_float

__all__ = [
    "CONTACT_TYPES",
    "FIRST_MEETING_RULES",
    "MOMENT_OF_TRUTH",
    "PROSPECTING_METHODS",
    "REPEAT_VISIT_INCENTIVES",
    "ROUTES",
    "AcquisitionPolicy",
    "AcquisitionRoute",
    "CatalogueEntry",
    "Contact",
    "ContactDirection",
    "ContactForce",
    "ContactInitiation",
    "ContactParty",
    "ContactType",
    "LineForecast",
    "MeetingRule",
    "PlanLine",
    "Point",
    "Prospect",
    "ProspectStatus",
    "ProspectingMethod",
    "ProspectingPlan",
    "Provenance",
    "RepeatVisitIncentive",
    "YieldForecast",
    "attempts_needed",
    "broken_rules",
]


def broken_rules(kept: Iterable[MeetingRule]) -> tuple[MeetingRule, ...]:
    """The first-meeting rules not kept, in the text's order.

    *Dating customers*: breaking any one of the nine rules may spoil the meeting, so an empty
    result is the only safe one.

    Raises:
        InvalidValue: something in ``kept`` is not a `MeetingRule`.

    Example:
        >>> broken_rules(set(MeetingRule) - {MeetingRule.SURPRISE})
        (<MeetingRule.SURPRISE: 'surprise'>,)
    """
    seen = set()
    for rule in kept:
        if not isinstance(rule, MeetingRule):
            raise InvalidValue("kept", rule, "MeetingRule members")
        seen.add(rule)
    return tuple(rule for rule in MeetingRule if rule not in seen)


# Validators take `object` values: callers outside mypy can pass anything.
_Validator = Callable[[object, "attrs.Attribute[Any]", object], None]


def _is(kind: type, *, optional: bool = False) -> _Validator:
    # attrs' instance_of raises TypeError; custrel raises InvalidValue naming what is allowed.
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, kind) or (optional and value is None)):
            allowed = f"a {kind.__name__} member" + (" or None" if optional else "")
            raise InvalidValue(attribute.name, value, allowed)

    return check


# --- the road from potential to actual, and how contacts differ ---------------------------


class ProspectStatus(Labelled):
    """Three steps: potential → qualified prospect (准客户) → actual customer (*Dating customers*).

    "把潜在客户变为“准客户”，再变为现实客户". A qualified prospect is a potential customer
    already interested in the firm and leaning towards it; it is not the lifecycle's
    POTENTIAL / TARGET pair, which says how a prospect came to the firm.
    """

    POTENTIAL = ("potential", "potential customer", "潜在客户")
    QUALIFIED = (
        "qualified",
        "qualified prospect: interested and leaning towards the firm",
        "准客户",
    )
    ACTUAL = ("actual", "actual customer", "现实客户")


class ContactInitiation(Labelled):
    """*Dating customers*: contacts by intent (按照接触的意识形态) — deliberate or spontaneous."""

    DELIBERATE = ("deliberate", "deliberate contact", "人为接触")
    SPONTANEOUS = ("spontaneous", "spontaneous contact", "自发接触")


class ContactForce(Labelled):
    """*Dating customers*: contacts by means (按照接触的手段) — hard (e.g. advertising) or soft."""

    HARD = ("hard", "hard contact", "硬接触")
    SOFT = ("soft", "soft contact", "软接触")


class ContactDirection(Labelled):
    """*Dating customers*: contacts by initiative (按照主动程度) — active or passive."""

    ACTIVE = ("active", "active contact", "主动接触")
    PASSIVE = ("passive", "passive contact", "被动接触")


class ContactParty(Labelled):
    """*Dating customers*: who makes an active contact (按照主动接触的主体)."""

    FIRST = ("first", "first party: the firm", "第一方接触（企业）")
    SECOND = ("second", "second party: the customer", "第二方接触（客户）")
    THIRD = ("third", "third party: others, e.g. an agency or the media", "第三方接触（社会力量）")


#: Every contact is a moment of truth: the customer may judge the whole service by one
#: encounter, and the staff who make it shape the "date" (*Dating customers*:
#: 接触可能是客户接受企业服务的开始…服务人员对“约会”的质量产生重要影响).
MOMENT_OF_TRUTH: Final = Bilingual(
    "every contact is a moment of truth: the customer may judge the service by one encounter",
    "每一次接触都是关键时刻：客户可能凭一次接触评判企业的服务",
)


@attrs.frozen
class Contact:
    """One contact with a customer, classified by its type and four dimensions (*Dating customers*).

    Every contact is a moment of truth (`MOMENT_OF_TRUTH`); `broken_rules`
    says which first-meeting rules it broke.

    Attributes:
        kind: which of the nine contact types.
        initiation: deliberate or spontaneous.
        force: hard or soft.
        direction: active or passive.
        party: who made it, when it was active (``None`` for a passive contact).
        rules_kept: the first-meeting rules the firm kept.

    Example:
        >>> c = Contact(ContactType.ADVERTISING, ContactInitiation.DELIBERATE,
        ...             ContactForce.HARD, ContactDirection.ACTIVE, ContactParty.FIRST)
        >>> c.moment_of_truth, len(c.broken_rules())
        (True, 9)
    """

    kind: ContactType = attrs.field(validator=_is(ContactType))
    initiation: ContactInitiation = attrs.field(validator=_is(ContactInitiation))
    force: ContactForce = attrs.field(validator=_is(ContactForce))
    direction: ContactDirection = attrs.field(validator=_is(ContactDirection))
    party: ContactParty | None = attrs.field(
        default=None, validator=_is(ContactParty, optional=True)
    )
    rules_kept: frozenset[MeetingRule] = attrs.field(default=frozenset(), converter=frozenset)

    @party.validator
    def _check_party(self, _attribute: object, value: ContactParty | None) -> None:
        if self.direction is ContactDirection.ACTIVE and value is None:
            raise InvalidValue("party", value, "a ContactParty for an active contact")

    @property
    def moment_of_truth(self) -> bool:
        """Always true: every contact is a moment of truth for the customer."""
        return True

    def broken_rules(self) -> tuple[MeetingRule, ...]:
        """The first-meeting rules this contact did not keep, in the text's order."""
        return broken_rules(self.rules_kept)


# --- expected yield -------------------------------------------------------------------------


def _seed_rate(stage: Stage) -> float:
    # The success rates live in the lifecycle's STAGE_GUIDANCE (the CRM chapter §1); read them
    # from there rather than repeating the numbers.
    rate = STAGE_GUIDANCE[stage].success_rate
    assert rate is not None, stage  # the guidance gives a rate for every selling stage
    return rate


#: Telephone prospecting (the CRM chapter §1, 电话寻找法): "每天至少打5个电话给新客户".
TELEPHONE_CALLS_PER_DAY: Final = 5
#: The text's "1年下来就是1500个" implies 1,500 / 5 = 300 working days a year; the text
#: does not say so, this library states it as the assumption behind the figure.
WORKING_DAYS_PER_YEAR: Final = 300

_SELLING_STAGES: Final = (
    Stage.POTENTIAL,
    Stage.TARGET,
    Stage.FIRST_TIME,
    Stage.REPEAT,
    Stage.LOYAL,
)


def _rate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and 0 <= value <= 1)
    ):
        raise InvalidValue(attribute.name, value, "a success rate between 0 and 1 inclusive")


def _count(minimum: int) -> _Validator:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidValue(attribute.name, value, f"an integer >= {minimum}")

    return check


@attrs.frozen
class AcquisitionPolicy:
    """The numbers behind a prospecting forecast; each defaults to the text's value.

    Attributes:
        prospect_success_rate: chance a sales attempt on a potential or target customer
            succeeds (the CRM chapter §1: 6%).
        first_time_success_rate: the same for a first-time customer (15%).
        repeat_success_rate: the same for a repeat or loyal customer (50%).
        telephone_calls_per_day: calls to new customers a day (the CRM chapter §1: 5).
        working_days_per_year: days a year the calls are made (300: the text's 1,500 /
            5; the text does not name it).

    Example:
        >>> policy = AcquisitionPolicy()
        >>> policy.telephone_contacts_per_year
        1500
        >>> policy.success_rate(Stage.TARGET), policy.success_rate(Stage.LOYAL)
        (0.06, 0.5)
    """

    prospect_success_rate: float = attrs.field(default=_seed_rate(Stage.POTENTIAL), validator=_rate)
    first_time_success_rate: float = attrs.field(
        default=_seed_rate(Stage.FIRST_TIME), validator=_rate
    )
    repeat_success_rate: float = attrs.field(default=_seed_rate(Stage.REPEAT), validator=_rate)
    telephone_calls_per_day: int = attrs.field(default=TELEPHONE_CALLS_PER_DAY, validator=_count(0))
    working_days_per_year: int = attrs.field(default=WORKING_DAYS_PER_YEAR, validator=_count(0))

    @property
    def telephone_contacts_per_year(self) -> int:
        """Calls a day × working days: the text's 5 × 300 = 1,500 contacts a year."""
        return self.telephone_calls_per_day * self.working_days_per_year

    def success_rate(self, stage: Stage) -> float:
        """The chance one sales attempt on a customer at ``stage`` succeeds.

        Raises:
            InvalidValue: ``stage`` is non-customer or lost, for which the text gives no
                rate, or not a `Stage`.
        """
        if stage in (Stage.POTENTIAL, Stage.TARGET):
            return self.prospect_success_rate
        if stage is Stage.FIRST_TIME:
            return self.first_time_success_rate
        if stage in (Stage.REPEAT, Stage.LOYAL):
            return self.repeat_success_rate
        raise InvalidValue(
            "stage",
            stage,
            "potential, target, first-time, repeat or loyal",
            "the text gives no success rate for non-customers or lost customers",
        )


def _selling_stage(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in _SELLING_STAGES:
        raise InvalidValue(
            attribute.name,
            value,
            "Stage.POTENTIAL, TARGET, FIRST_TIME, REPEAT or LOYAL",
            "the text gives success rates only for these stages",
        )


@attrs.frozen
class PlanLine:
    """Planned sales attempts on customers at one stage, optionally by one method.

    Attributes:
        stage: the stage of the customers approached.
        attempts: how many sales attempts (contacts) are planned.
        method: the prospecting method, if any.
    """

    stage: Stage = attrs.field(validator=_selling_stage)
    attempts: int = attrs.field(validator=_count(0))
    method: ProspectingMethod | None = attrs.field(
        default=None,
        validator=_is(ProspectingMethod, optional=True),
    )


@attrs.frozen
class LineForecast:
    """The forecast for one plan line.

    Attributes:
        line: the plan line.
        success_rate: the rate applied.
        expected_sales: attempts × rate.
        variance: attempts × rate × (1 − rate): attempts treated as independent trials.
    """

    line: PlanLine
    success_rate: float
    expected_sales: float
    variance: float


@attrs.frozen
class YieldForecast:
    """What a prospecting plan should bring, line by line and in total.

    Attributes:
        lines: one forecast per plan line, in plan order.
    """

    lines: tuple[LineForecast, ...]

    @property
    def attempts(self) -> int:
        """All planned attempts."""
        return sum(f.line.attempts for f in self.lines)

    @property
    def expected_sales(self) -> float:
        """Expected successful attempts over the whole plan."""
        return math.fsum(f.expected_sales for f in self.lines)

    @property
    def expected_new_customers(self) -> float:
        """Expected first purchases: successes with potential and target customers."""
        return math.fsum(f.expected_sales for f in self.lines if f.line.stage.is_prospect)

    @property
    def standard_deviation(self) -> float:
        """Spread of the total, treating every attempt as an independent trial."""
        return math.sqrt(math.fsum(f.variance for f in self.lines))

    def by_stage(self) -> Mapping[Stage, float]:
        """Expected successes per stage (stages without a line are left out)."""
        totals: dict[Stage, list[float]] = {}
        for f in self.lines:
            totals.setdefault(f.line.stage, []).append(f.expected_sales)
        return MappingProxyType({s: math.fsum(v) for s, v in totals.items()})


def _exact(rate: float) -> Decimal:
    # A rate written 0.06 is meant as six hundredths; its shortest repr gives those digits
    # exactly, so 1,500 × 0.06 is 90, not 90.00000000000001. A rate of 0 or 1 may be an int.
    return decimal_from_float("success_rate", float(rate))


def _to_lines(lines: Iterable[PlanLine]) -> tuple[PlanLine, ...]:
    return tuple(lines)


@attrs.frozen
class ProspectingPlan:
    """Sales attempts planned per stage; `forecast` gives the expected yield.

    Example — the text's telephone arithmetic (5 calls a day × 300 days = 1,500
    contacts at 6%):

        >>> forecast = ProspectingPlan.telephone().forecast()
        >>> forecast.attempts, forecast.expected_new_customers
        (1500, 90.0)
        >>> round(forecast.standard_deviation, 2)
        9.2
    """

    lines: tuple[PlanLine, ...] = attrs.field(converter=_to_lines)

    @lines.validator
    def _check_lines(self, attribute: attrs.Attribute[Any], value: tuple[object, ...]) -> None:
        for index, line in enumerate(value):
            if not isinstance(line, PlanLine):
                raise InvalidValue(f"{attribute.name}[{index}]", line, "a PlanLine")

    @classmethod
    def telephone(cls, policy: AcquisitionPolicy | None = None) -> ProspectingPlan:
        """A year of telephone prospecting to target customers, as the policy sets it."""
        policy = policy or AcquisitionPolicy()
        return cls(
            (
                PlanLine(
                    Stage.TARGET, policy.telephone_contacts_per_year, ProspectingMethod.TELEPHONE
                ),
            )
        )

    def forecast(self, policy: AcquisitionPolicy | None = None) -> YieldForecast:
        """The expected yield of the plan under ``policy``'s success rates."""
        policy = policy or AcquisitionPolicy()
        forecasts = []
        for line in self.lines:
            rate = policy.success_rate(line.stage)
            exact = _exact(rate)
            expected = line.attempts * exact
            forecasts.append(
                LineForecast(line, rate, float(expected), float(expected * (1 - exact)))
            )
        return YieldForecast(tuple(forecasts))


def attempts_needed(sales: int, stage: Stage, policy: AcquisitionPolicy | None = None) -> int:
    """The fewest attempts whose expected successes reach ``sales`` at ``stage``.

    Example: 90 new customers need 1,500 prospect contacts at 6%, but 90 more sales
    from loyal customers need only 180 attempts at 50% (the CRM chapter §1).

        >>> attempts_needed(90, Stage.TARGET), attempts_needed(90, Stage.LOYAL)
        (1500, 180)

    Raises:
        InvalidValue: ``sales`` is not an integer >= 0, the stage has no rate, or the
            rate is 0 while ``sales`` > 0.
    """
    given: object = sales  # callers outside mypy can pass anything
    if isinstance(given, bool) or not isinstance(given, int) or given < 0:
        raise InvalidValue("sales", sales, "an integer >= 0")
    policy = policy or AcquisitionPolicy()
    rate = _exact(policy.success_rate(stage))
    if sales == 0:
        return 0
    if rate == 0:
        raise InvalidValue(
            "success_rate", float(rate), "a rate > 0", f"no number of attempts yields {sales}"
        )
    return math.ceil(sales / rate)


# --- prospect records -----------------------------------------------------------------------


def _optional_id(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidValue(attribute.name, value, "None or a non-empty customer id")


def _required_id(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(attribute.name, value, "a non-empty id")


@attrs.frozen
class Prospect:
    """A prospect: who, since when, and how they came to the firm.

    The origin follows the CRM chapter §1: a prospect that approached the firm is a
    potential customer (`Origin.INBOUND`), one the firm chose is a target
    customer (`Origin.TARGETED`); the two overlap (`Origin.BOTH`).

    Attributes:
        prospect_id: the id its lifecycle will carry.
        origin: how it came to the firm.
        at: when (timezone-aware).
        method: the prospecting method that found it, if any.
        route: the acquisition route, if any.
        contact: the contact type through which the firm and the prospect met, if any.
        referred_by: the customer id of whoever referred it (介绍法, 以旧带新), if any.
        qualified: whether it is a qualified prospect (准客户), see `qualify`.

    Example:
        >>> from datetime import datetime, timezone
        >>> t = datetime(2026, 3, 2, tzinfo=timezone.utc)
        >>> p = Prospect.targeted("p1", t, method=ProspectingMethod.TELEPHONE)
        >>> lc = p.also(Origin.INBOUND).open_lifecycle()
        >>> lc.stage.zh, lc.origin.zh
        ('目标客户', '相互欣赏（潜在且目标）')
    """

    prospect_id: str = attrs.field(validator=_required_id)
    origin: Origin = attrs.field(validator=_is(Origin))
    at: datetime = attrs.field(validator=aware)
    method: ProspectingMethod | None = attrs.field(
        default=None, kw_only=True, validator=_is(ProspectingMethod, optional=True)
    )
    route: AcquisitionRoute | None = attrs.field(
        default=None, kw_only=True, validator=_is(AcquisitionRoute, optional=True)
    )
    contact: ContactType | None = attrs.field(
        default=None, kw_only=True, validator=_is(ContactType, optional=True)
    )
    referred_by: str | None = attrs.field(default=None, kw_only=True, validator=_optional_id)
    qualified: bool = attrs.field(default=False, kw_only=True)

    @qualified.validator
    def _check_qualified(self, _attribute: object, value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidValue("qualified", value, "True or False")

    def qualify(self) -> Prospect:
        """This prospect as a qualified prospect (准客户): interested, leaning to the firm."""
        return attrs.evolve(self, qualified=True)

    @property
    def status(self) -> ProspectStatus:
        """Potential, or qualified once `qualify` was called (it becomes actual on buying)."""
        return ProspectStatus.QUALIFIED if self.qualified else ProspectStatus.POTENTIAL

    @classmethod
    def inbound(
        cls,
        prospect_id: str,
        at: datetime,
        *,
        contact: ContactType | None = None,
        route: AcquisitionRoute | None = None,
        referred_by: str | None = None,
    ) -> Prospect:
        """A prospect that approached the firm with a need (a potential customer)."""
        return cls(
            prospect_id, Origin.INBOUND, at, contact=contact, route=route, referred_by=referred_by
        )

    @classmethod
    def targeted(
        cls,
        prospect_id: str,
        at: datetime,
        *,
        method: ProspectingMethod | None = None,
        contact: ContactType | None = None,
        route: AcquisitionRoute | None = None,
        referred_by: str | None = None,
    ) -> Prospect:
        """A prospect the firm chose to develop (a target customer)."""
        return cls(
            prospect_id,
            Origin.TARGETED,
            at,
            method=method,
            contact=contact,
            route=route,
            referred_by=referred_by,
        )

    def also(self, origin: Origin) -> Prospect:
        """This prospect, having also come the ``origin`` way (different ways make BOTH)."""
        if not isinstance(origin, Origin):
            raise InvalidValue("origin", origin, "an Origin")
        return attrs.evolve(self, origin=self.origin.combine(origin))

    @property
    def stage(self) -> Stage:
        """The lifecycle stage the prospect opens at: potential if inbound only, else target."""
        return Stage.POTENTIAL if self.origin is Origin.INBOUND else Stage.TARGET

    def opening_events(self) -> tuple[LifecycleEvent, ...]:
        """The lifecycle events that record how the prospect came: interest, targeting, or both."""
        how = self.method or self.route or self.contact
        reason = how.en if how is not None else None
        interest = ShowedInterest(self.at, reason=reason)
        targeted = Targeted(self.at, reason=reason)
        if self.origin is Origin.INBOUND:
            return (interest,)
        if self.origin is Origin.TARGETED:
            return (targeted,)
        return (interest, targeted)

    def open_lifecycle(self) -> Lifecycle:
        """A new lifecycle for the prospect, at `stage` with the same origin."""
        return Lifecycle(self.prospect_id, self.opening_events())
