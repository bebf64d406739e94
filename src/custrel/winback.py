"""Win-back cases: contact a lost customer, learn why it left, act, and record the outcome.

The CRM chapter §3 (对于那些已停止购买或转向其他供应商的客户，企业应该与其接触一下以了解发生这种
情况的原因): a case opens for a lost customer, learns the reason, takes countermeasures and
closes as won back (the lifecycle's `custrel.lifecycle.WonBack`) or given up
(`custrel.lifecycle.WrittenOff`). Its one transition table,
`WIN_BACK_TRANSITIONS`, drives the commands, the checks of a case built any other
way (constructor, JSON) and the diagram.

NB: the machine's idiom is one method per action (as a value object with commands),
where the lifecycle applies event objects and the complaint workflow takes one command
type; a win-back case has few actions, each with its own payload, so a method apiece
reads best. All three read their moves from a `custrel._machine.TransitionTable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from custrel._labels import Labelled
from custrel._machine import TransitionTable
from custrel._validators import aware, customer_id, instance_of, require_aware
from custrel.causes import ChurnCause
from custrel.countermeasures import COUNTERMEASURES, Countermeasure
from custrel.errors import EventOutOfOrder, InvalidValue
from custrel.lifecycle import Defected, Lifecycle, Stage, WonBack, WrittenOff

__all__ = ["WIN_BACK_TRANSITIONS", "WinBackAction", "WinBackCase", "WinBackStatus"]


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
        "与流失客户接触，了解流失原因",
    )
    TAKE_COUNTERMEASURE = ("take_countermeasure", "take a countermeasure", "采取挽回措施")
    WIN_BACK = ("win_back", "customer buys again", "挽回成功")
    GIVE_UP = ("give_up", "give up the customer", "放弃挽回")


# The one transition table of a win-back case (the CRM chapter §3: 对于那些已停止购买…的客户，
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


def _is_optional_text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidValue(attribute.name, type(value).__name__, "a string or None")


def _withheld(value: object) -> str:
    return "None" if value is None else "'<withheld>'"


def _are_countermeasures(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(m, Countermeasure) for m in value):
        raise InvalidValue(
            attribute.name, type(value).__name__, "a tuple of Countermeasure members, in order"
        )


def _is_outcome(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, (WonBack, WrittenOff)):
        raise InvalidValue(
            attribute.name, type(value).__name__, "a WonBack or WrittenOff event, or None"
        )


def _reachable(start: frozenset[WinBackStatus | None], *, acting: bool) -> frozenset[WinBackStatus]:
    """Statuses reachable from ``start`` by the table's moves, taking countermeasures or not."""
    seen: set[WinBackStatus | None] = set(start)
    frontier = list(start)
    while frontier:
        source = frontier.pop()
        for (before, action), after in _WIN_BACK_TABLE.items():
            if before is source and after not in seen:
                if action is WinBackAction.TAKE_COUNTERMEASURE and not acting:
                    continue
                seen.add(after)
                frontier.append(after)
    return frozenset(s for s in seen if s is not None)


# Which fields each status requires, read off the table's paths: a status reached only
# through a countermeasure needs one; a status never reached after one has none.
_NEEDS_COUNTERMEASURE: Final = frozenset(WinBackStatus) - _reachable(
    frozenset({None}), acting=False
)
_AFTER_ACTING: Final = _reachable(
    frozenset(
        after
        for (_, action), after in _WIN_BACK_TABLE.items()
        if action is WinBackAction.TAKE_COUNTERMEASURE
    ),
    acting=True,
)
_BEFORE_ACTING: Final = frozenset(WinBackStatus) - _AFTER_ACTING
_OUTCOME_OF: Final[Mapping[WinBackStatus, type[WonBack] | type[WrittenOff]]] = {
    WinBackStatus.WON_BACK: WonBack,
    WinBackStatus.GIVEN_UP: WrittenOff,
}


@attrs.frozen
class WinBackCase:
    """A lost customer's win-back case: the reason learned, the countermeasures, the outcome.

    Open one with `open` from a lost customer's lifecycle. Each command returns
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

    customer_id: str = attrs.field(validator=customer_id)
    status: WinBackStatus = attrs.field(validator=instance_of(WinBackStatus))
    opened_at: datetime = attrs.field(validator=aware)
    last_at: datetime = attrs.field(validator=aware)
    cause: ChurnCause = attrs.field(default=ChurnCause.UNKNOWN, validator=instance_of(ChurnCause))
    # The customer's own words may name people or places: kept out of repr and errors.
    reason: str | None = attrs.field(default=None, validator=_is_optional_text, repr=_withheld)
    countermeasures: tuple[Countermeasure, ...] = attrs.field(
        default=(), validator=_are_countermeasures
    )
    outcome: WonBack | WrittenOff | None = attrs.field(default=None, validator=_is_outcome)

    def __attrs_post_init__(self) -> None:
        """Check the rules that tie the fields to the status, whichever way the case was built."""
        if self.last_at < self.opened_at:
            raise InvalidValue(
                "last_at",
                self.last_at,
                f"a time at or after opened_at={self.opened_at.isoformat()}",
                "a case cannot change before it was opened",
            )
        status = self.status
        if status in _NEEDS_COUNTERMEASURE and not self.countermeasures:
            raise InvalidValue(
                "countermeasures",
                (),
                f"at least one countermeasure in status {status.value}",
                "a case reaches that status only by taking one",
            )
        if status in _BEFORE_ACTING and self.countermeasures:
            raise InvalidValue(
                "countermeasures",
                tuple(m.value for m in self.countermeasures),
                f"none in status {status.value}",
                "countermeasures are taken after the reason is learned",
            )
        expected = _OUTCOME_OF.get(status)
        if expected is None:
            if self.outcome is not None:
                raise InvalidValue(
                    "outcome",
                    type(self.outcome).__name__,
                    f"None while the case is {status.value}",
                    "only a closed case has an outcome",
                )
            return
        if not isinstance(self.outcome, expected):
            raise InvalidValue(
                "outcome",
                type(self.outcome).__name__,
                f"a {expected.__name__} event for a case {status.value}",
            )
        if self.outcome.at != self.last_at:
            raise InvalidValue(
                "outcome.at",
                self.outcome.at,
                f"last_at={self.last_at.isoformat()}",
                "the outcome is the case's last step",
            )

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
        when = defection.at if at is None else require_aware("at", at)
        if when < defection.at:
            raise EventOutOfOrder(defection.at, when)
        status = WIN_BACK_TRANSITIONS.target(None, WinBackAction.OPEN)
        return cls(lifecycle.customer_id, status, when, when, defection.cause, defection.reason)

    def _step(self, action: WinBackAction, at: datetime) -> tuple[WinBackStatus, datetime]:
        status = WIN_BACK_TRANSITIONS.target(self.status, action)
        when = require_aware("at", at)
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
            InvalidValue: ``cause`` is not a `ChurnCause`.
        """
        if not isinstance(cause, ChurnCause):
            raise InvalidValue("cause", cause, "a ChurnCause member")
        status, when = self._step(WinBackAction.LEARN_REASON, at)
        return attrs.evolve(self, status=status, last_at=when, cause=cause, reason=reason)

    def recommended(self) -> tuple[Countermeasure, ...]:
        """The texts' countermeasures for the cause learned."""
        return COUNTERMEASURES[self.cause]

    def take_countermeasure(self, at: datetime, measure: Countermeasure) -> WinBackCase:
        """Record a countermeasure taken (any; `recommended` lists the texts' ones).

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
        """Close the case as won back; returns the case and the lifecycle's `WonBack`.

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
