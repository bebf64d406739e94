"""Win-back cases: the machine, its table, and a case valid however it is built."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from custrel.countermeasures import (
    COUNTERMEASURES,
    ChurnCause,
    Countermeasure,
)
from custrel.errors import (
    EventOutOfOrder,
    IllegalTransition,
    InvalidValue,
)
from custrel.lifecycle import (
    Defected,
    EventKind,
    Lifecycle,
    Purchased,
    Stage,
    WonBack,
    WrittenOff,
)
from custrel.winback import (
    WIN_BACK_TRANSITIONS,
    WinBackAction,
    WinBackCase,
    WinBackStatus,
)

UTC = timezone.utc
KINDS = tuple(EventKind)
USD = "USD"


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


# --- win-back cases ------------------------------------------------------------------------


def _lost_customer(cause: ChurnCause = ChurnCause.UNKNOWN) -> Lifecycle:
    return Lifecycle(
        "c1",
        [
            Purchased(at(2025, 1, 1)),
            Purchased(at(2025, 2, 1)),
            Defected(at(2025, 6, 1), cause=cause),
        ],
    )


def _case_in(status: WinBackStatus) -> WinBackCase:
    return WinBackCase("c1", status, at(2025, 6, 1), at(2025, 6, 1))


def _do(case: WinBackCase, action: WinBackAction, when: datetime) -> WinBackCase:
    if action is WinBackAction.LEARN_REASON:
        return case.learn_reason(when, ChurnCause.COMPETITOR_LURE)
    if action is WinBackAction.TAKE_COUNTERMEASURE:
        return case.take_countermeasure(when, Countermeasure.LONG_TERM_COOPERATION)
    if action is WinBackAction.WIN_BACK:
        return case.win_back(when)[0]
    if action is WinBackAction.GIVE_UP:
        return case.give_up(when)[0]
    return WinBackCase.open(_lost_customer(), when)


@pytest.mark.parametrize("status", list(WinBackStatus))
@pytest.mark.parametrize("action", [a for a in WinBackAction if a is not WinBackAction.OPEN])
def test_every_status_and_action_pair_follows_the_table(status, action):
    case = _case_in(status)

    if WIN_BACK_TRANSITIONS.can(status, action):
        after = _do(case, action, at(2025, 7, 1))
        assert after.status is WIN_BACK_TRANSITIONS.target(status, action)
    else:
        with pytest.raises(IllegalTransition):
            _do(case, action, at(2025, 7, 1))
        assert case == _case_in(status)


def test_a_case_opens_only_for_a_lost_customer():
    active = Lifecycle("c1", [Purchased(at(2025, 1, 1))])

    with pytest.raises(InvalidValue):
        WinBackCase.open(active)


def test_a_case_starts_from_the_defection_and_its_cause():
    case = WinBackCase.open(_lost_customer(ChurnCause.STAFF_TURNOVER))

    assert case.status is WinBackStatus.OPEN
    assert case.opened_at == at(2025, 6, 1)
    assert case.cause is ChurnCause.STAFF_TURNOVER
    assert case.recommended() == COUNTERMEASURES[ChurnCause.STAFF_TURNOVER]


@pytest.mark.parametrize("to", [Stage.REPEAT, Stage.LOYAL])
def test_a_won_back_case_returns_the_customer_straight_to_repeat_or_loyal(to):
    lost = _lost_customer()
    case = WinBackCase.open(lost).learn_reason(
        at(2025, 6, 5), ChurnCause.NO_AFTER_SALES_FOLLOW_UP, "nobody came to repair it"
    )
    case = case.take_countermeasure(at(2025, 6, 6), Countermeasure.TIMELY_FOLLOW_UP)

    case, event = case.win_back(at(2025, 7, 1), to=to)

    assert isinstance(event, WonBack)
    assert event.to is to
    assert case.outcome == event
    assert case.reason == "nobody came to repair it"
    assert case.countermeasures == (Countermeasure.TIMELY_FOLLOW_UP,)
    assert case.outcome_applied(lost).stage is to


def test_giving_up_writes_the_customer_off():
    lost = _lost_customer(ChurnCause.BANKRUPT)

    case, event = WinBackCase.open(lost).give_up(at(2025, 6, 2), "went bankrupt")

    assert isinstance(event, WrittenOff)
    assert case.status is WinBackStatus.GIVEN_UP
    assert case.outcome_applied(lost).stage is Stage.NON_CUSTOMER


def test_a_case_cannot_win_back_before_any_countermeasure():
    case = WinBackCase.open(_lost_customer()).learn_reason(at(2025, 6, 2), ChurnCause.NO_INNOVATION)

    with pytest.raises(IllegalTransition):
        case.win_back(at(2025, 6, 3))


def test_a_command_dated_before_the_last_one_raises_and_changes_nothing():
    case = WinBackCase.open(_lost_customer()).learn_reason(at(2025, 6, 9), ChurnCause.NO_INNOVATION)
    before = attrs.evolve(case)

    with pytest.raises(EventOutOfOrder):
        case.take_countermeasure(at(2025, 6, 8), Countermeasure.BUSINESS_INNOVATION)

    assert case == before


def test_an_open_case_has_no_outcome_to_apply():
    lost = _lost_customer()

    with pytest.raises(InvalidValue):
        WinBackCase.open(lost).outcome_applied(lost)


def test_a_case_outcome_is_not_applied_to_another_customer():
    lost = _lost_customer()
    other = Lifecycle("c2", lost.history)
    case = WinBackCase.open(lost).give_up(at(2025, 6, 2))[0]

    with pytest.raises(InvalidValue):
        case.outcome_applied(other)


class WinBackMachine(RuleBasedStateMachine):
    """A win-back case against a plain model: a status string and a list of measures."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = _lost_customer()
        self.case = WinBackCase.open(self.lost)
        self.model_status = "open"
        self.model_measures: list[Countermeasure] = []
        self.clock = at(2025, 6, 1)

    def tick(self) -> datetime:
        self.clock += timedelta(days=1)
        return self.clock

    @precondition(lambda self: self.model_status == "open")
    @rule(cause=st.sampled_from(list(ChurnCause)))
    def learn(self, cause):
        self.case = self.case.learn_reason(self.tick(), cause)
        self.model_status = "reason"

    @precondition(lambda self: self.model_status in {"reason", "acting"})
    @rule(measure=st.sampled_from(list(Countermeasure)))
    def act(self, measure):
        self.case = self.case.take_countermeasure(self.tick(), measure)
        self.model_measures.append(measure)
        self.model_status = "acting"

    @precondition(lambda self: self.model_status == "acting")
    @rule(to=st.sampled_from([Stage.REPEAT, Stage.LOYAL]))
    def win(self, to):
        self.case, event = self.case.win_back(self.tick(), to=to)
        assert self.case.outcome_applied(self.lost).stage is to
        self.model_status = "won"
        note(f"won back to {to.name} via {event.reason}")

    @precondition(lambda self: self.model_status in {"open", "reason", "acting"})
    @rule()
    def give_up(self):
        self.case, _ = self.case.give_up(self.tick())
        self.model_status = "lost"

    @precondition(lambda self: self.model_status in {"won", "lost"})
    @rule(action=st.sampled_from(list(WinBackAction)))
    def closed_cases_refuse_everything(self, action):
        before = self.case
        with pytest.raises(IllegalTransition):
            _do(self.case, action, self.tick()) if action is not WinBackAction.OPEN else (
                WIN_BACK_TRANSITIONS.target(self.case.status, action)
            )
        assert self.case == before

    @invariant()
    def status_matches_the_model(self):
        expected = {
            "open": WinBackStatus.OPEN,
            "reason": WinBackStatus.REASON_LEARNED,
            "acting": WinBackStatus.COUNTERMEASURE_TAKEN,
            "won": WinBackStatus.WON_BACK,
            "lost": WinBackStatus.GIVEN_UP,
        }[self.model_status]
        assert self.case.status is expected

    @invariant()
    def countermeasures_are_recorded_in_order(self):
        assert list(self.case.countermeasures) == self.model_measures

    @invariant()
    def an_outcome_exists_exactly_when_the_case_is_closed(self):
        assert (self.case.outcome is not None) == (self.model_status in {"won", "lost"})


TestWinBackMachine = WinBackMachine.TestCase
