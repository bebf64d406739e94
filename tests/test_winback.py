"""Win-back cases: the machine, its table, and a case valid however it is built."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from custrel.countermeasures import (
    COUNTERMEASURES,
    ChurnCause,
    Countermeasure,
)
from custrel.errors import (
    CustrelError,
    EventOutOfOrder,
    IllegalTransition,
    InvalidValue,
    UnknownEvent,
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
from custrel.serialization import from_json, to_json
from custrel.winback import (
    WIN_BACK_TRANSITIONS,
    WinBackAction,
    WinBackCase,
    WinBackStatus,
)
from strategies_retention import win_back_cases

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
    # A legal case in ``status``, reached by the commands (a case checks its own invariants,
    # so a bare constructor cannot give, say, a won-back case without a countermeasure).
    when = at(2025, 6, 1)
    case = WinBackCase.open(_lost_customer(), when)
    if status is WinBackStatus.OPEN:
        return case
    if status is WinBackStatus.GIVEN_UP:
        return case.give_up(when)[0]
    case = case.learn_reason(when, ChurnCause.COMPETITOR_LURE)
    if status is WinBackStatus.REASON_LEARNED:
        return case
    case = case.take_countermeasure(when, Countermeasure.LONG_TERM_COOPERATION)
    if status is WinBackStatus.COUNTERMEASURE_TAKEN:
        return case
    return case.win_back(when)[0]


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
    def the_case_reads_back_equal_from_json(self):
        assert from_json(to_json(self.case), WinBackCase) == self.case

    @invariant()
    def an_outcome_exists_exactly_when_the_case_is_closed(self):
        assert (self.case.outcome is not None) == (self.model_status in {"won", "lost"})


TestWinBackMachine = WinBackMachine.TestCase


# --- a case is valid however it is built -------------------------------------------------------

OPENED = at(2025, 6, 1)
LATER = at(2025, 6, 9)
WON = WonBack(LATER, to=Stage.REPEAT)
WRITTEN_OFF = WrittenOff(LATER)
MEASURE = (Countermeasure.LONG_TERM_COOPERATION,)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": WinBackStatus.WON_BACK, "outcome": WON}, "countermeasures"),
        ({"status": WinBackStatus.WON_BACK, "countermeasures": MEASURE}, "outcome"),
        ({"status": WinBackStatus.COUNTERMEASURE_TAKEN}, "countermeasures"),
        ({"status": WinBackStatus.OPEN, "countermeasures": MEASURE}, "countermeasures"),
        ({"status": WinBackStatus.REASON_LEARNED, "outcome": WRITTEN_OFF}, "outcome"),
        ({"status": WinBackStatus.GIVEN_UP, "outcome": WON}, "outcome"),
        (
            {"status": WinBackStatus.WON_BACK, "countermeasures": MEASURE, "outcome": WRITTEN_OFF},
            "outcome",
        ),
        (
            {"status": WinBackStatus.GIVEN_UP, "outcome": WrittenOff(at(2025, 6, 5))},
            "outcome.at",
        ),
        ({"last_at": at(2025, 5, 31)}, "last_at"),
        ({"status": "won_back"}, "status"),
        ({"status": object()}, "status"),
        ({"cause": "moved"}, "cause"),
        ({"opened_at": datetime(2025, 6, 1)}, "opened_at"),
        ({"countermeasures": ["long_term_cooperation"]}, "countermeasures"),
        ({"customer_id": ""}, "customer_id"),
        ({"reason": 42}, "reason"),
    ],
)
def test_the_constructor_refuses_a_case_no_command_could_produce(fields, field):
    arguments = {
        "customer_id": "c1",
        "status": WinBackStatus.OPEN,
        "opened_at": OPENED,
        "last_at": LATER,
    } | fields

    with pytest.raises(InvalidValue) as caught:
        WinBackCase(**arguments)

    assert caught.value.field == field


@pytest.mark.parametrize("status", list(WinBackStatus))
def test_every_case_the_commands_produce_round_trips_through_json(status):
    case = _case_in(status)

    assert from_json(to_json(case), WinBackCase) == case


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"status": "won_back"}, InvalidValue),  # countermeasure taken, but no outcome
        ({"countermeasures": []}, InvalidValue),
        ({"last_at": "2025-05-01T00:00:00+00:00"}, InvalidValue),
        ({"opened_at": "2025-06-01T00:00:00"}, InvalidValue),
        ({"status": 3}, InvalidValue),
        ({"customer_id": 7}, InvalidValue),
        ({"countermeasures": "long_term_cooperation"}, InvalidValue),
        ({"outcome": {"type": "Purchased", "at": "2025-06-02T00:00:00+00:00"}}, UnknownEvent),
        ({"surprise": 1}, InvalidValue),
    ],
)
def test_json_that_forges_a_case_is_refused(change, error):
    document = json.loads(to_json(_case_in(WinBackStatus.COUNTERMEASURE_TAKEN)))

    with pytest.raises(error):
        from_json(json.dumps(document | change), WinBackCase)


def test_the_customers_own_words_stay_out_of_repr_and_str():
    words = "Wang at 13800138000 was rude"
    case = WinBackCase.open(_lost_customer()).learn_reason(
        LATER, ChurnCause.POOR_SERVICE_ATTITUDE, words
    )

    assert case.reason == words
    assert "13800138000" not in repr(case)
    assert "13800138000" not in str(case)


_aware_times = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC))
_outcomes = (
    st.none()
    | st.builds(WonBack, _aware_times, to=st.sampled_from([Stage.REPEAT, Stage.LOYAL]))
    | st.builds(WrittenOff, _aware_times)
)


_case_fields = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(["c1", "", " "]) | st.integers(),
        "status": st.sampled_from(list(WinBackStatus)) | st.sampled_from(["open", None]),
        "opened_at": _aware_times,
        "last_at": _aware_times | st.datetimes(),
        "cause": st.sampled_from(list(ChurnCause)),
        "reason": st.none() | st.text(max_size=5),
        "countermeasures": st.lists(st.sampled_from(list(Countermeasure)), max_size=2).map(tuple),
        "outcome": _outcomes,
    }
)


@given(_case_fields)
def test_any_constructed_case_is_one_the_commands_allow_or_a_custrel_error(fields):
    try:
        case = WinBackCase(**fields)
    except CustrelError:
        return

    note(repr(case))
    assert isinstance(case.status, WinBackStatus)
    assert case.last_at >= case.opened_at
    closed = case.status in {WinBackStatus.WON_BACK, WinBackStatus.GIVEN_UP}
    assert (case.outcome is not None) == closed
    if case.status is WinBackStatus.WON_BACK:
        assert case.countermeasures
        assert isinstance(case.outcome, WonBack)
    if case.status in {WinBackStatus.OPEN, WinBackStatus.REASON_LEARNED}:
        assert not case.countermeasures
    assert from_json(to_json(case), WinBackCase) == case


@given(win_back_cases())
def test_every_case_the_commands_reach_passes_its_own_checks_and_round_trips(case):
    assert attrs.evolve(case) == case  # the constructor's checks accept it again
    assert from_json(to_json(case), WinBackCase) == case
