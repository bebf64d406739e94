"""The customer lifecycle: seven stages, the legal moves between them, the stage purchases imply.

The CRM chapter §1 (客户的分类与流转, figure 21-1): customers flow from non-customer,
potential and target, through first-time, repeat and loyal, and may be lost — then
won back straight to repeat or loyal, or lost for good. Everything that affects
which moves are legal lives in this file, in `TRANSITIONS`; the machine, its
validation, the docs page and ``custrel diagram lifecycle`` all read that one table.

A `Lifecycle` is an immutable value: `Lifecycle.apply` returns a new
value with the event appended to an append-only, time-ordered history, or raises and
leaves the value as it was. `derive` infers the stage — and the events that
lead there — from a customer's purchase dates under a `LifecyclePolicy`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, Final, Union

import attrs
from dateutil.relativedelta import relativedelta

from custrel._labels import Bilingual, Labelled
from custrel._machine import TransitionTable
from custrel._validators import aware
from custrel.causes import ChurnCause
from custrel.days import day_of
from custrel.errors import (
    CustrelError,
    EventOutOfOrder,
    IllegalTransition,
    InvalidValue,
    UnknownEvent,
)
from custrel.periods import Period

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "ACTUAL_CUSTOMERS",
    "AT_RISK_CADENCE_MULTIPLE",
    "PROSPECTS",
    "STAGE_GUIDANCE",
    "TRANSITIONS",
    "Defected",
    "Derivation",
    "Disqualified",
    "EventKind",
    "Lifecycle",
    "LifecycleEvent",
    "LifecyclePolicy",
    "LoyaltyEstablished",
    "Origin",
    "Purchased",
    "Requalified",
    "ShowedInterest",
    "Stage",
    "StageGuidance",
    "Targeted",
    "WonBack",
    "WrittenOff",
    "allowed_events",
    "at_risk_columns",
    "can_apply",
    "derive",
    "is_at_risk",
    "replay",
]


class Stage(Labelled):
    """Where a customer stands with the firm (the CRM chapter §1, 客户的分类)."""

    NON_CUSTOMER = ("non_customer", "non-customer", "非客户")
    POTENTIAL = ("potential", "potential customer", "潜在客户")
    TARGET = ("target", "target customer", "目标客户")
    FIRST_TIME = ("first_time", "first-time customer", "初次购买客户")
    REPEAT = ("repeat", "repeat customer", "重复购买客户")
    LOYAL = ("loyal", "loyal customer", "忠诚客户")
    LOST = ("lost", "lost customer", "流失客户")

    @property
    def is_actual(self) -> bool:
        """Whether this is an actual customer (现实客户): first-time, repeat or loyal."""
        return self in ACTUAL_CUSTOMERS

    @property
    def is_prospect(self) -> bool:
        """Whether this is a prospect that has not bought yet: potential or target."""
        return self in PROSPECTS


#: The actual customers (现实客户): those who have bought and still buy.
ACTUAL_CUSTOMERS: Final = frozenset({Stage.FIRST_TIME, Stage.REPEAT, Stage.LOYAL})
#: Prospects: potential (they approached the firm) and target (the firm chose them) customers.
PROSPECTS: Final = frozenset({Stage.POTENTIAL, Stage.TARGET})

# How far along the relationship ladder a stage is, for the furthest stage ever reached.
# LOST is not a rung: a lost customer keeps the peak it had. TARGET ranks above
# POTENTIAL because the firm has committed to developing it.
_RANK: Final[Mapping[Stage, int]] = {
    Stage.LOST: -1,
    Stage.NON_CUSTOMER: 0,
    Stage.POTENTIAL: 1,
    Stage.TARGET: 2,
    Stage.FIRST_TIME: 3,
    Stage.REPEAT: 4,
    Stage.LOYAL: 5,
}


class EventKind(Labelled):
    """What happened to a customer: the triggers of the lifecycle machine."""

    SHOWED_INTEREST = ("showed_interest", "showed interest", "主动表示兴趣")
    TARGETED = ("targeted", "targeted by the firm", "被企业选为目标")
    PURCHASED = ("purchased", "purchased", "购买")
    LOYALTY_ESTABLISHED = ("loyalty_established", "loyalty established", "形成忠诚")
    DEFECTED = ("defected", "defected", "流失")
    WON_BACK_TO_REPEAT = ("won_back_to_repeat", "won back (to repeat)", "挽回为重复购买客户")
    WON_BACK_TO_LOYAL = ("won_back_to_loyal", "won back (to loyal)", "挽回为忠诚客户")
    WRITTEN_OFF = ("written_off", "written off (lost for good)", "永远流失")
    REQUALIFIED_AS_POTENTIAL = (
        "requalified_as_potential",
        "re-qualified as potential",
        "重新认定为潜在客户",
    )
    REQUALIFIED_AS_TARGET = (
        "requalified_as_target",
        "re-qualified as target",
        "重新认定为目标客户",
    )
    DISQUALIFIED = ("disqualified", "disqualified", "认定为非客户")


class Origin(Labelled):
    """How a prospect came to the firm; potential and target customers may overlap (CRM §1).

    The CRM chapter §1 names both classes and the customers who are both.
    """

    INBOUND = ("inbound", "approached the firm (potential)", "主动瞄上企业（潜在客户）")
    TARGETED = ("targeted", "chosen by the firm (target)", "企业主动瞄上（目标客户）")
    BOTH = ("both", "both: approached and chosen", "相互欣赏（潜在且目标）")

    def combine(self, other: Origin | None) -> Origin:
        """The origin after also learning ``other``: different origins make BOTH."""
        if other is None or other is self:
            return self
        return Origin.BOTH


# The one transition table (figure 21-1 of the CRM chapter plus the decisions
# documented in docs/lifecycle.md). A source of None is the start: which events may open
# a lifecycle.
_TABLE: Final[Mapping[tuple[Stage | None, EventKind], Stage]] = {
    (None, EventKind.SHOWED_INTEREST): Stage.POTENTIAL,
    (None, EventKind.TARGETED): Stage.TARGET,
    (None, EventKind.PURCHASED): Stage.FIRST_TIME,  # a first purchase with no prior contact
    (None, EventKind.DISQUALIFIED): Stage.NON_CUSTOMER,  # recorded as not a prospect
    (Stage.NON_CUSTOMER, EventKind.REQUALIFIED_AS_POTENTIAL): Stage.POTENTIAL,
    (Stage.NON_CUSTOMER, EventKind.REQUALIFIED_AS_TARGET): Stage.TARGET,
    (Stage.POTENTIAL, EventKind.SHOWED_INTEREST): Stage.POTENTIAL,
    (Stage.POTENTIAL, EventKind.TARGETED): Stage.TARGET,  # now both: origin records it
    (Stage.POTENTIAL, EventKind.PURCHASED): Stage.FIRST_TIME,
    (Stage.POTENTIAL, EventKind.DISQUALIFIED): Stage.NON_CUSTOMER,
    (Stage.TARGET, EventKind.SHOWED_INTEREST): Stage.TARGET,  # now both: origin records it
    (Stage.TARGET, EventKind.TARGETED): Stage.TARGET,
    (Stage.TARGET, EventKind.PURCHASED): Stage.FIRST_TIME,
    (Stage.TARGET, EventKind.DISQUALIFIED): Stage.NON_CUSTOMER,
    (Stage.FIRST_TIME, EventKind.PURCHASED): Stage.REPEAT,
    (Stage.FIRST_TIME, EventKind.DEFECTED): Stage.LOST,
    (Stage.REPEAT, EventKind.PURCHASED): Stage.REPEAT,
    (Stage.REPEAT, EventKind.LOYALTY_ESTABLISHED): Stage.LOYAL,
    (Stage.REPEAT, EventKind.DEFECTED): Stage.LOST,
    (Stage.LOYAL, EventKind.PURCHASED): Stage.LOYAL,
    (Stage.LOYAL, EventKind.DEFECTED): Stage.LOST,
    (Stage.LOST, EventKind.WON_BACK_TO_REPEAT): Stage.REPEAT,  # straight back, never FIRST_TIME
    (Stage.LOST, EventKind.WON_BACK_TO_LOYAL): Stage.LOYAL,
    (Stage.LOST, EventKind.WRITTEN_OFF): Stage.NON_CUSTOMER,  # lost for good
}

#: The lifecycle's transition table, validated at import.
TRANSITIONS: Final = TransitionTable("lifecycle", Stage, EventKind, _TABLE)


# --- events ----------------------------------------------------------------------


@attrs.frozen
class _Event:
    """Fields every lifecycle event has."""

    at: datetime = attrs.field(validator=aware)
    reason: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class ShowedInterest(_Event):
    """The person approached the firm with a need, desire and means to buy (→ potential)."""

    kind: ClassVar[EventKind] = EventKind.SHOWED_INTEREST


@attrs.frozen
class Targeted(_Event):
    """The firm chose the person as one to develop into a customer (→ target)."""

    kind: ClassVar[EventKind] = EventKind.TARGETED


@attrs.frozen
class Purchased(_Event):
    """A purchase: the first makes a first-time customer, the second a repeat one."""

    kind: ClassVar[EventKind] = EventKind.PURCHASED


@attrs.frozen
class LoyaltyEstablished(_Event):
    """The repeat customer now buys continuously and deliberately (→ loyal)."""

    kind: ClassVar[EventKind] = EventKind.LOYALTY_ESTABLISHED


@attrs.frozen
class Defected(_Event):
    """The customer stopped buying (→ lost), for a churn cause (UNKNOWN until learned)."""

    cause: ChurnCause = attrs.field(
        default=ChurnCause.UNKNOWN, kw_only=True, validator=attrs.validators.instance_of(ChurnCause)
    )
    kind: ClassVar[EventKind] = EventKind.DEFECTED


def _check_win_back_target(
    _instance: object, attribute: attrs.Attribute[Stage], value: Stage
) -> None:
    if value not in _WIN_BACK_KINDS:
        raise InvalidValue(
            attribute.name, value, "Stage.REPEAT or Stage.LOYAL (the CRM chapter §1)"
        )


@attrs.frozen
class WonBack(_Event):
    """A lost customer was won back — straight to repeat or loyal, never to first-time."""

    to: Stage = attrs.field(kw_only=True, validator=_check_win_back_target)

    @property
    def kind(self) -> EventKind:
        """WON_BACK_TO_REPEAT or WON_BACK_TO_LOYAL, from `to`."""
        return _WIN_BACK_KINDS[self.to]


@attrs.frozen
class WrittenOff(_Event):
    """A lost customer cannot be won back: lost for good (→ non-customer)."""

    kind: ClassVar[EventKind] = EventKind.WRITTEN_OFF


@attrs.frozen
class Requalified(_Event):
    """A non-customer is a prospect again, by explicit decision; the origin says which kind."""

    origin: Origin = attrs.field(kw_only=True, validator=attrs.validators.instance_of(Origin))

    @property
    def kind(self) -> EventKind:
        """REQUALIFIED_AS_POTENTIAL for inbound interest, REQUALIFIED_AS_TARGET otherwise."""
        if self.origin is Origin.INBOUND:
            return EventKind.REQUALIFIED_AS_POTENTIAL
        return EventKind.REQUALIFIED_AS_TARGET


@attrs.frozen
class Disqualified(_Event):
    """A prospect turns out unrelated to the offer or hostile (→ non-customer)."""

    kind: ClassVar[EventKind] = EventKind.DISQUALIFIED


_WIN_BACK_KINDS: Final[Mapping[Stage, EventKind]] = {
    Stage.REPEAT: EventKind.WON_BACK_TO_REPEAT,
    Stage.LOYAL: EventKind.WON_BACK_TO_LOYAL,
}

#: Any lifecycle event.
LifecycleEvent = Union[  # noqa: UP007 - a runtime alias; `X | Y` of classes needs 3.10 only, kept for clarity
    ShowedInterest,
    Targeted,
    Purchased,
    LoyaltyEstablished,
    Defected,
    WonBack,
    WrittenOff,
    Requalified,
    Disqualified,
]

_EVENT_TYPES: Final[tuple[type[_Event], ...]] = (
    ShowedInterest,
    Targeted,
    Purchased,
    LoyaltyEstablished,
    Defected,
    WonBack,
    WrittenOff,
    Requalified,
    Disqualified,
)
_EVENT_TYPE_SET: Final = frozenset(_EVENT_TYPES)
_EVENT_TYPE_NAMES: Final = tuple(t.__name__ for t in _EVENT_TYPES)


def _origin_after(origin: Origin | None, event: LifecycleEvent) -> Origin | None:
    if isinstance(event, ShowedInterest):
        return Origin.INBOUND.combine(origin)
    if isinstance(event, Targeted):
        return Origin.TARGETED.combine(origin)
    if isinstance(event, Requalified):
        return event.origin  # a fresh qualification replaces the old story
    return origin


# --- the lifecycle value -----------------------------------------------------------

# The history is a persistent singly linked list, newest first: appending is O(1) and
# earlier values share their history with later ones. Each node also carries the
# state after its event — (event, previous node, stage, peak, origin, length) — so
# a value is just a customer id and its newest node.
_Node = tuple["LifecycleEvent", Union["_Node", None], Stage, Stage, Union[Origin, None], int]  # noqa: UP007 - recursive alias

# Event types that change the recorded origin; all others leave it as it is.
_ORIGIN_EVENTS: Final = frozenset({ShowedInterest, Targeted, Requalified})
# Per-stage successors, read from the table once: the hot path of `apply`.
_NEXT: Final[Mapping[Stage | None, Mapping[EventKind, Stage]]] = {
    source: {kind: _TABLE[(source, kind)] for kind in TRANSITIONS.allowed(source)}
    for source in TRANSITIONS.sources()
}


@attrs.frozen(init=False, eq=False, repr=False)
class Lifecycle:
    """One customer's lifecycle: its stage, furthest stage, origin and full event history.

    Build one with ``Lifecycle(customer_id, events)`` (which replays the events through
    the table), `begin`, or `derive`; change it with `apply`, which
    returns a new value.

    Example:
        >>> from datetime import datetime, timezone
        >>> t = datetime(2026, 1, 5, tzinfo=timezone.utc)
        >>> lc = Lifecycle.begin("c1", ShowedInterest(t)).apply(Purchased(t))
        >>> lc.stage.zh, lc.origin
        ('初次购买客户', <Origin.INBOUND: 'inbound'>)

    Raises:
        IllegalTransition: an event not allowed at the stage reached so far.
        EventOutOfOrder: an event dated before the one before it.
        UnknownEvent: an object that is not a lifecycle event.
        InvalidValue: no events at all.
    """

    customer_id: str
    _node: _Node

    def __init__(self, customer_id: str, events: Iterable[LifecycleEvent]) -> None:
        """Replay ``events`` for ``customer_id``; see the class docstring."""
        iterator = iter(events)
        first = next(iterator, None)
        if first is None:
            raise InvalidValue("events", [], "at least one event: the one that opens the lifecycle")
        value = Lifecycle.begin(customer_id, first)
        for event in iterator:
            value = value.apply(event)
        _set_customer(self, customer_id)
        _set_node(self, value._node)

    @classmethod
    def begin(cls, customer_id: str, event: LifecycleEvent) -> Lifecycle:
        """Open a lifecycle with its first event.

        Allowed first events are those of the table's start row: showing interest
        (→ potential), being targeted (→ target), a purchase (→ first-time) or a
        disqualification (→ non-customer).
        """
        if not isinstance(customer_id, str):
            raise InvalidValue("customer_id", customer_id, "a string")
        kind = _kind_of(event)
        stage = TRANSITIONS.target(None, kind)
        return _make(customer_id, (event, None, stage, stage, _origin_after(None, event), 1))

    @property
    def stage(self) -> Stage:
        """The current stage."""
        return self._node[2]

    @property
    def peak(self) -> Stage:
        """The furthest stage ever reached.

        The ladder is non-customer < potential < target < first-time < repeat < loyal;
        lost is not a rung, so a lost customer keeps the peak it had.
        """
        return self._node[3]

    @property
    def origin(self) -> Origin | None:
        """How the customer came as a prospect (``None`` if it first appeared by buying)."""
        return self._node[4]

    @property
    def length(self) -> int:
        """How many events the history holds."""
        return self._node[5]

    def _repr_html_(self) -> str:
        from custrel._html import lifecycle_html

        return lifecycle_html(self)

    @property
    def history(self) -> tuple[LifecycleEvent, ...]:
        """Every event applied, oldest first."""
        events: list[LifecycleEvent] = []
        node: _Node | None = self._node
        while node is not None:
            events.append(node[0])
            node = node[1]
        events.reverse()
        return tuple(events)

    @property
    def last_event(self) -> LifecycleEvent:
        """The most recent event."""
        return self._node[0]

    @property
    def was_loyal(self) -> bool:
        """Whether the customer was ever loyal (e.g. "was loyal, now lost")."""
        return self.peak is Stage.LOYAL

    def allowed_events(self) -> tuple[EventKind, ...]:
        """The event kinds allowed at the current stage."""
        return TRANSITIONS.allowed(self.stage)

    def can_apply(self, event: LifecycleEvent) -> bool:
        """Whether `apply` would accept ``event``; never raises."""
        if type(event) not in _EVENT_TYPE_SET or not TRANSITIONS.can(self.stage, event.kind):
            return False
        return bool(event.at >= self._node[0].at)

    def apply(self, event: LifecycleEvent) -> Lifecycle:
        """Return a new lifecycle with ``event`` applied and appended to the history.

        Raises:
            UnknownEvent: ``event`` is not a lifecycle event.
            IllegalTransition: the event is not allowed at the current stage.
            EventOutOfOrder: the event is dated before the last recorded one.
        """
        event_type = type(event)
        if event_type not in _EVENT_TYPE_SET:
            raise UnknownEvent(event, _EVENT_TYPE_NAMES)
        node = self._node
        stage = node[2]
        target = _NEXT[stage].get(event.kind)
        if target is None:
            raise IllegalTransition(stage, event.kind, TRANSITIONS.allowed(stage))
        last = node[0].at
        if event.at < last:
            raise EventOutOfOrder(last, event.at)
        peak = node[3]
        if _RANK[target] > _RANK[peak]:
            peak = target
        origin = node[4]
        if event_type in _ORIGIN_EVENTS:
            origin = _origin_after(origin, event)
        return _make(self.customer_id, (event, node, target, peak, origin, node[5] + 1))

    def __eq__(self, other: object) -> bool:
        """Equal when the customer and the whole history are equal."""
        if not isinstance(other, Lifecycle):
            return NotImplemented
        return (
            self.customer_id == other.customer_id
            and self.length == other.length
            and self.history == other.history
        )

    def __hash__(self) -> int:
        """Hash of the customer and the history."""
        return hash((self.customer_id, self.history))

    def __repr__(self) -> str:
        """A short summary; the history can be long."""
        return (
            f"Lifecycle(customer_id={self.customer_id!r}, stage={self.stage.name}, "
            f"peak={self.peak.name}, origin={self.origin.name if self.origin else None}, "
            f"events={self.length})"
        )


# attrs' frozen __setattr__ refuses writes; the slot descriptors let the class's own
# constructors fill a fresh value (the hot path of `apply` builds one per event).
_new = object.__new__
_set_customer = Lifecycle.__dict__["customer_id"].__set__
_set_node = Lifecycle.__dict__["_node"].__set__


def _make(customer_id: str, node: _Node) -> Lifecycle:
    value = _new(Lifecycle)
    _set_customer(value, customer_id)
    _set_node(value, node)
    return value


def _kind_of(event: object) -> EventKind:
    if type(event) not in _EVENT_TYPE_SET:
        raise UnknownEvent(event, _EVENT_TYPE_NAMES)
    kind: EventKind = event.kind  # type: ignore[attr-defined]  # checked by the type test above
    return kind


def replay(customer_id: str, events: Iterable[LifecycleEvent]) -> Lifecycle:
    """Rebuild a lifecycle from its history (same as ``Lifecycle(customer_id, events)``)."""
    return Lifecycle(customer_id, events)


def allowed_events(stage: Stage | None) -> tuple[EventKind, ...]:
    """The event kinds allowed at ``stage`` (``None``: those that may open a lifecycle)."""
    return TRANSITIONS.allowed(stage)


def can_apply(lifecycle: Lifecycle, event: LifecycleEvent) -> bool:
    """Whether ``lifecycle.apply(event)`` would succeed; never raises."""
    return lifecycle.can_apply(event)


# --- guidance per stage ------------------------------------------------------------------


@attrs.frozen
class StageGuidance:
    """What the firm should aim for with customers at a stage, and how likely a sale is.

    Attributes:
        success_rate: chance that a sales attempt succeeds (the CRM chapter §1), or ``None``
            where the text gives none.
        goal: the management goal.
        actions: recommended actions.
    """

    success_rate: float | None
    goal: Bilingual
    actions: tuple[Bilingual, ...]


# The CRM chapter §1 (对重复购买客户和忠诚客户的管理): selling to prospects succeeds 6% of the
# time, to first-time customers 15%, to repeat and loyal customers 50%.
PROSPECT_SUCCESS_RATE: Final = 0.06
FIRST_TIME_SUCCESS_RATE: Final = 0.15
REPEAT_SUCCESS_RATE: Final = 0.50

_PROSPECT_GUIDANCE: Final = StageGuidance(
    PROSPECT_SUCCESS_RATE,
    Bilingual("win a first purchase", "先将其发展为初次购买客户"),
    (
        Bilingual(
            "explain the offer, answer questions patiently, build confidence",
            "详细介绍产品或服务，耐心解答问题，建立信心和认同",
        ),
        Bilingual(
            "collect attribute data (age, sex, income, education, marital status) "
            "to judge potential value",
            "收集年龄、性别、收入、教育程度、婚姻状况等属性数据，分析潜在价值",
        ),
    ),
)
_LOYAL_GUIDANCE: Final = StageGuidance(
    REPEAT_SUCCESS_RATE,
    Bilingual("keep them and deepen loyalty", "保持并加深其信任和忠诚"),
    (
        Bilingual("listen to them and improve the offer promptly", "听取意见，及时改进产品或服务"),
        Bilingual(
            "give special care, possibly through a dedicated unit",
            "提供特殊关照，甚至成立专门部门负责",
        ),
        Bilingual(
            "never neglect them: neglect leads to lost and then non-customer",
            "不能放松关注，否则会流失甚至成为非客户",
        ),
    ),
)

#: Per-stage management goal, recommended actions and sales success rate (the CRM chapter §1).
STAGE_GUIDANCE: Final[Mapping[Stage, StageGuidance]] = {
    Stage.NON_CUSTOMER: StageGuidance(
        None,
        Bilingual("none unless re-qualified", "除非重新认定为潜在或目标客户，否则不投入"),
        (Bilingual("re-qualify only on new evidence of need", "有新的需求证据时才重新认定"),),
    ),
    Stage.POTENTIAL: _PROSPECT_GUIDANCE,
    Stage.TARGET: _PROSPECT_GUIDANCE,
    Stage.FIRST_TIME: StageGuidance(
        FIRST_TIME_SUCCESS_RATE,
        Bilingual("make them repeat, then loyal", "将其发展为重复购买客户，乃至忠诚客户"),
        (
            Bilingual(
                "make the first deal meet or beat expectations",
                "让产品和服务符合或超过初次购买客户的期望",
            ),
            Bilingual(
                "personal contact instead of mass-media advertising",
                "跳开大众媒体广告，进行个性化交流",
            ),
            Bilingual(
                "record every later transaction to judge their value",
                "收集和积累后续每次交易数据",
            ),
        ),
    ),
    Stage.REPEAT: _LOYAL_GUIDANCE,
    Stage.LOYAL: _LOYAL_GUIDANCE,
    Stage.LOST: StageGuidance(
        None,
        Bilingual("win them back, or learn why they left", "挽回流失客户，或了解其流失原因"),
        (
            Bilingual(
                "contact the customer to learn the reason and its cost",
                "与流失客户接触，了解流失原因及其代价",
            ),
            Bilingual(
                "separate causes the firm can fix from those it cannot",
                "区分企业可以改进与无能为力的流失原因",
            ),
        ),
    ),
}


# --- stage from purchases -------------------------------------------------------------

_SPAN_FIELDS: Final = ("years", "months", "weeks", "days")


def _check_span(
    _instance: object, attribute: attrs.Attribute[relativedelta], value: relativedelta
) -> None:
    if not isinstance(value, relativedelta):
        raise InvalidValue(attribute.name, value, "a dateutil relativedelta")
    extra = {
        name
        for name in ("hours", "minutes", "seconds", "microseconds", "leapdays")
        if getattr(value, name)
    } | {name for name in ("year", "month", "day", "weekday") if getattr(value, name) is not None}
    if extra:
        raise InvalidValue(
            attribute.name,
            value,
            "a span in years, months, weeks and days only",
            f"uses {sorted(extra)}",
        )
    probe = date(2001, 1, 1)
    if probe + value <= probe:
        raise InvalidValue(attribute.name, value, "a positive span")


# Validators take `object` values: callers outside mypy can pass anything.
_Validator = Callable[[object, "attrs.Attribute[Any]", object], None]


def _at_least(minimum: int) -> _Validator:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise InvalidValue(attribute.name, value, f"an integer >= {minimum}")

    return check


def _optional_at_least(minimum: int) -> _Validator:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < minimum
        ):
            raise InvalidValue(attribute.name, value, f"None, or an integer >= {minimum}")

    return check


def _positive_or_none(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (
        isinstance(value, (int, float)) and math.isfinite(value) and value > 0
    ):
        raise InvalidValue(attribute.name, value, "a finite number > 0, or None to disable")


def _non_negative_float(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise InvalidValue(attribute.name, value, "a finite number >= 0")


def _check_tzinfo(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, tzinfo):
        raise InvalidValue(attribute.name, value, "a tzinfo, e.g. datetime.timezone.utc")


@attrs.frozen
class LifecyclePolicy:
    """How the stage follows from purchase dates. The firm sees purchases, not feelings.

    Purchases on the same calendar day are one purchase occasion. A timestamp
    falls on its own local calendar day, the day as written
    (`custrel.days`), unless `timezone` names a zone to convert it into
    first. With the defaults:

    - **repeat**: a second purchase occasion (the CRM chapter §1: "第二次及第二次以上购买");
    - **loyal** ("连续不断地、指向性地重复购买" — buys continuously and deliberately):
      purchases in ``loyalty_streak`` = 4 consecutive calendar quarters, i.e. a full
      year without a gap; optionally also ``regular_purchases`` occasions whose gaps
      vary little (coefficient of variation at most ``regular_max_cv``);
    - **lost** ("不再购买"): no purchase for longer than the lapse threshold — the
      shorter of the absolute ``lapse_span`` (12 months) and ``lapse_cadence_multiple``
      (3) times the customer's own mean gap between purchases, but never shorter than
      ``lapse_floor_days`` (30) so a daily buyer is not lost after a quiet weekend. The
      cadence is used once the customer has ``cadence_min_gaps`` (2) gaps, and only
      from purchases before the moment judged, so the rule never looks ahead.
    - a lost customer who buys again is **won back straight to repeat** (the CRM chapter §1),
      and must earn loyalty again over the purchases since its return.

    The texts give no numbers for these rules; the defaults are documented decisions
    and every one is a parameter.
    """

    loyalty_period: Period = attrs.field(
        default=Period.QUARTER, validator=attrs.validators.instance_of(Period)
    )
    loyalty_streak: int = attrs.field(default=4, validator=_at_least(2))
    regular_purchases: int | None = attrs.field(default=None, validator=_optional_at_least(3))
    regular_max_cv: float = attrs.field(default=0.5, validator=_non_negative_float)
    lapse_span: relativedelta = attrs.field(
        factory=lambda: relativedelta(months=12), validator=_check_span
    )
    lapse_cadence_multiple: float | None = attrs.field(default=3.0, validator=_positive_or_none)
    lapse_floor_days: int = attrs.field(default=30, validator=_at_least(1))
    cadence_min_gaps: int = attrs.field(default=2, validator=_at_least(1))
    timezone: tzinfo | None = attrs.field(default=None, validator=_check_tzinfo)

    def lapse_deadline(self, last: date, gaps_before: int, gap_total_days: int) -> date:
        """The last day on which a purchase still counts as on time after ``last``.

        Args:
            last: the day of the latest purchase occasion.
            gaps_before: how many gaps between occasions the customer had up to ``last``.
            gap_total_days: their total length in days (``last`` minus the first occasion).
        """
        deadline = last + self.lapse_span
        multiple = self.lapse_cadence_multiple
        if multiple is not None and gaps_before >= self.cadence_min_gaps:
            relative = max(
                self.lapse_floor_days, math.ceil(multiple * (gap_total_days / gaps_before))
            )
            deadline = min(deadline, last + timedelta(days=relative))
        return deadline

    def is_regular(self, gaps: int, gap_sum: int, gap_square_sum: int) -> bool:
        """Whether gaps (count, sum, sum of squares, in days) are regular enough for loyalty."""
        needed = self.regular_purchases
        if needed is None or gaps + 1 < needed:
            return False
        mean = gap_sum / gaps
        if mean <= 0:
            return False
        variance = max(gap_square_sum / gaps - mean * mean, 0.0)
        return math.sqrt(variance) / mean <= self.regular_max_cv


@attrs.frozen
class Derivation:
    """The stage derived from purchases, and the events that lead there.

    Attributes:
        customer_id: whose purchases.
        stage: the stage at ``as_of``.
        peak: the furthest stage reached.
        events: the events, oldest first; replaying them gives `stage`.
        as_of: the day judged.
    """

    customer_id: str
    stage: Stage
    peak: Stage
    events: tuple[LifecycleEvent, ...]
    as_of: date

    @property
    def lifecycle(self) -> Lifecycle:
        """The lifecycle value the events build (replayed through the table)."""
        return Lifecycle(self.customer_id, self.events)


def derive(  # noqa: PLR0915 - one pass over the purchases reads best as one function
    purchases: Iterable[date | datetime],
    as_of: date | datetime,
    policy: LifecyclePolicy | None = None,
    customer_id: str = "",
) -> Derivation:
    """Derive a customer's stage, and the events that lead there, from its purchase dates.

    The order of ``purchases`` does not matter. A timestamp counts on its local
    calendar day, the day as written, unless ``policy.timezone`` names a zone to
    convert it into (`custrel.days.day_of`). Events are stamped at the start
    of their day in ``policy.timezone`` (UTC when it names none).

    Args:
        purchases: the customer's purchase dates (dates or timezone-aware datetimes).
        as_of: the day to judge the stage on; no purchase may come after it.
        policy: the loyalty and lapse rules (defaults: `LifecyclePolicy`).
        customer_id: carried into the result.

    Raises:
        InvalidValue: no purchases, or a purchase after ``as_of`` (which is also how an
            ``as_of`` before the first purchase is reported).
        NaiveDatetime: a datetime without a timezone.

    Example:
        >>> from datetime import date
        >>> d = derive([date(2025, 1, 10), date(2025, 2, 3)], as_of=date(2025, 3, 1))
        >>> d.stage, [e.kind.name for e in d.events]
        (<Stage.REPEAT: 'repeat'>, ['PURCHASED', 'PURCHASED'])
    """
    policy = policy or LifecyclePolicy()
    tz = policy.timezone
    as_of_day = day_of("as_of", as_of, tz)
    days = sorted({day_of("purchases", p, tz) for p in purchases})
    stamp_zone = tz if tz is not None else timezone.utc
    if not days:
        raise InvalidValue("purchases", [], "at least one purchase date")
    if days[-1] > as_of_day:
        raise InvalidValue(
            "purchases", days[-1], f"purchase dates on or before as_of={as_of_day.isoformat()}"
        )

    def stamp(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=stamp_zone)

    def lapse_deadline(last: date, gaps_before: int, gap_total_days: int) -> date:
        # A deadline past the calendar's end (near year 9999) means: no lapse to judge.
        try:
            return policy.lapse_deadline(last, gaps_before, gap_total_days)
        except OverflowError:
            return date.max
        except ValueError as error:
            if isinstance(error, CustrelError):
                raise
            return date.max

    period = policy.loyalty_period
    first = days[0]
    events: list[LifecycleEvent] = [Purchased(stamp(first), reason="first purchase")]
    stage = Stage.FIRST_TIME
    peak = Stage.FIRST_TIME
    # the current run: purchases since the first one or the latest win-back
    streak = 1
    run_gaps = run_gap_sum = run_gap_squares = 0
    loyal_in_run = False
    for i in range(1, len(days)):
        previous, day = days[i - 1], days[i]
        gap = (day - previous).days
        deadline = lapse_deadline(previous, i - 1, (previous - first).days)
        if day > deadline:
            events.append(
                Defected(
                    stamp(deadline + timedelta(days=1)), reason=f"no purchase after {previous}"
                )
            )
            events.append(
                WonBack(stamp(day), to=Stage.REPEAT, reason="purchased again after a lapse")
            )
            stage = Stage.REPEAT
            peak = max(peak, stage, key=_RANK.__getitem__)
            streak = 1
            run_gaps = run_gap_sum = run_gap_squares = 0
            loyal_in_run = False
            continue
        if stage is Stage.FIRST_TIME:
            stage = Stage.REPEAT
            events.append(Purchased(stamp(day), reason="second purchase"))
        else:
            events.append(Purchased(stamp(day)))
        step = period.index(day) - period.index(previous)
        if step == 1:
            streak += 1
        elif step > 1:
            streak = 1
        run_gaps += 1
        run_gap_sum += gap
        run_gap_squares += gap * gap
        if not loyal_in_run and (
            streak >= policy.loyalty_streak
            or policy.is_regular(run_gaps, run_gap_sum, run_gap_squares)
        ):
            loyal_in_run = True
            stage = Stage.LOYAL
            events.append(
                LoyaltyEstablished(stamp(day), reason="continuous, deliberate purchasing")
            )
        peak = max(peak, stage, key=_RANK.__getitem__)
    deadline = lapse_deadline(days[-1], len(days) - 1, (days[-1] - first).days)
    if as_of_day > deadline:
        events.append(
            Defected(stamp(deadline + timedelta(days=1)), reason=f"no purchase after {days[-1]}")
        )
        stage = Stage.LOST
    return Derivation(customer_id, stage, peak, tuple(events), as_of_day)


# --- at risk: overdue against one's own cadence ------------------------------------------

#: An actual customer is at risk once its silence exceeds this multiple of its own mean
#: gap between purchase days. The texts give no number; a documented decision, half
#: of the way from its usual gap to the lapse rule's default multiple of 3.
AT_RISK_CADENCE_MULTIPLE: Final = 1.5


def is_at_risk(
    stage: Stage,
    first_purchase: date,
    last_purchase: date,
    purchase_days: int,
    as_of: date,
    cadence_multiple: float = AT_RISK_CADENCE_MULTIPLE,
) -> bool:
    """Whether an actual customer is overdue against its own purchase cadence.

    The cadence is the mean gap between its purchase days, ``(last − first) /
    (purchase_days − 1)``; the customer is at risk when the days since its last
    purchase exceed ``cadence_multiple`` times that. A customer with one purchase
    day has no cadence yet and is not flagged; a lost customer or a prospect is not
    "at risk" (it is already gone, or not yet a customer).

    The columnar form is `at_risk_columns`.

    Example:
        >>> is_at_risk(Stage.REPEAT, date(2024, 1, 1), date(2024, 1, 11), 2, date(2024, 1, 27))
        True
    """
    if stage not in ACTUAL_CUSTOMERS or purchase_days < 2:
        return False
    gap = (last_purchase - first_purchase).days / max(purchase_days - 1, 1)
    silent = (as_of - last_purchase).days
    return bool(silent > cadence_multiple * gap)


def at_risk_columns(
    stage: NDArray[np.integer[Any]],
    first_day: NDArray[np.integer[Any]],
    last_day: NDArray[np.integer[Any]],
    purchase_days: NDArray[np.integer[Any]],
    as_of_day: int,
    cadence_multiple: float = AT_RISK_CADENCE_MULTIPLE,
) -> NDArray[np.bool_]:
    """Columnar `is_at_risk`, with the same arithmetic, for every customer at once.

    Args:
        stage: each customer's stage, an index into ``tuple(Stage)``.
        first_day: first purchase, as a day number (days since 1970-01-01).
        last_day: last purchase, as a day number.
        purchase_days: distinct purchase days.
        as_of_day: the day judged, as a day number.
        cadence_multiple: see `is_at_risk`.

    ``tests/test_lifecycle_at_risk.py::test_at_risk_columns_agree_with_the_scalar_rule``
    holds the two forms together customer by customer.
    """
    import numpy as np

    members = tuple(Stage)
    first = np.asarray(first_day).astype(np.float64)
    last = np.asarray(last_day).astype(np.float64)
    occasions = np.asarray(purchase_days).astype(np.float64)
    active = np.isin(stage, [members.index(s) for s in ACTUAL_CUSTOMERS])
    gap = (last - first) / np.maximum(occasions - 1, 1)
    silent = as_of_day - last
    flagged: NDArray[np.bool_] = active & (occasions >= 2) & (silent > cadence_multiple * gap)
    return flagged
