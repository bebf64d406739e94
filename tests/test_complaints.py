"""Tests for custrel.complaints: the workflow's table, its checks, the stateful walk and JSON."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from custrel._labels import labelled_enums
from custrel.business_calendar import CHINA_STANDARD_TIME, BusinessCalendar, FixedClock
from custrel.complaint_sla import sla_report
from custrel.complaints import (
    ACTIONS,
    AUTHORITY,
    GUARDS,
    TRANSITIONS,
    Actor,
    Analysis,
    Command,
    Complaint,
    ComplaintAction,
    ComplaintState,
    Fault,
    Proposal,
    RemedyType,
    Role,
    Severity,
    from_json,
    to_json,
)
from custrel.errors import (
    EventOutOfOrder,
    GuardNotMet,
    IllegalTransition,
    InvalidValue,
    NaiveDatetime,
    NotAuthorized,
)
from custrel.money import Money
from custrel.pyramid import Tier
from strategies_complaints import (
    COLLEAGUE,
    CUSTOMER,
    EXECUTIVE,
    MANAGER,
    RECORDER,
    SERVICE,
    SUPERVISOR,
    T0,
    THE_CUSTOMER,
    analysis,
    apply_all,
    command_for,
    complaint_in,
    proposal,
    registered,
    steps,
)

A = ComplaintAction
S = ComplaintState
CST = CHINA_STANDARD_TIME
CAL = BusinessCalendar()

# --- the table ----------------------------------------------------------------

# The workflow as the seed's seven steps describe it, written out independently of
# TRANSITIONS: the table test compares the two.
OPEN = [s for s in S if s not in (S.CLOSED_SATISFIED, S.REJECTED, S.WITHDRAWN)]
EXPECTED: dict[tuple[ComplaintState, ComplaintAction], ComplaintState] = {
    (S.REGISTERED, A.CONTACT): S.INVESTIGATING,
    (S.INVESTIGATING, A.ANALYSE): S.ANALYSED,
    (S.ANALYSED, A.ANALYSE): S.ANALYSED,
    (S.ANALYSED, A.PROPOSE): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, A.APPROVE): S.REPLIED,
    (S.AWAITING_APPROVAL, A.SEND_BACK): S.ANALYSED,
    (S.REPLIED, A.CONFIRM_AGREEMENT): S.AGREED,
    (S.REPLIED, A.DECLINE_PROPOSAL): S.ANALYSED,
    (S.AGREED, A.START_IMPLEMENTATION): S.IMPLEMENTING,
    (S.IMPLEMENTING, A.COMPLETE_TASK): S.IMPLEMENTING,
    (S.IMPLEMENTING, A.BEGIN_FOLLOW_UP): S.FOLLOW_UP,
    (S.FOLLOW_UP, A.RECORD_FOLLOW_UP): S.FOLLOW_UP,
    (S.FOLLOW_UP, A.CLOSE): S.CLOSED_SATISFIED,
    (S.FOLLOW_UP, A.REOPEN): S.REOPENED,
    (S.FOLLOW_UP, A.OFFER_CROSS_SELL): S.FOLLOW_UP,
    (S.CLOSED_SATISFIED, A.OFFER_CROSS_SELL): S.CLOSED_SATISFIED,
    (S.REOPENED, A.CONTACT): S.INVESTIGATING,
    (S.REOPENED, A.ANALYSE): S.ANALYSED,
    **{(s, A.REJECT): S.REJECTED for s in (S.ANALYSED, S.AWAITING_APPROVAL, S.REPLIED, S.REOPENED)},
    **{(s, A.WITHDRAW): S.WITHDRAWN for s in OPEN},
    **{(s, A.ESCALATE): s for s in OPEN},
    **{
        (s, a): s
        for s in (S.INVESTIGATING, S.ANALYSED, S.REPLIED, S.FOLLOW_UP, S.REOPENED)
        for a in (A.AWAIT_CUSTOMER, A.RESUME)
    },
    # A warm transfer (myth 7) may happen once after-sales has taken the case.
    **{(s, a): s for s in OPEN if s is not S.REGISTERED for a in (A.HAND_OVER, A.ACCEPT_HANDOVER)},
}

# Commands that a guard needs set up first (a pause to resume, an answer to act on).
SETUP = {
    A.RESUME: (A.AWAIT_CUSTOMER,),
    A.CLOSE: (A.RECORD_FOLLOW_UP,),
    A.BEGIN_FOLLOW_UP: (A.COMPLETE_TASK,),
    A.ACCEPT_HANDOVER: (A.HAND_OVER,),
}


def prepared(state: ComplaintState, action: ComplaintAction) -> Complaint:
    """A complaint in ``state`` whose guards for ``action`` hold."""
    if action is A.REJECT:
        c = complaint_in(state, reasonable=False, future=False)
    else:
        c = complaint_in(state)
    if state is S.FOLLOW_UP and action is A.REOPEN:
        at = c.history[-1].at
        c, _ = c.apply(Command.record_follow_up(SERVICE, at, satisfied=False))
    if state is S.FOLLOW_UP and action is A.OFFER_CROSS_SELL:
        c = apply_all(c, (A.RECORD_FOLLOW_UP,), timedelta(minutes=1))
    return apply_all(
        c, SETUP.get(action, ()) if TRANSITIONS.can(state, action) else (), timedelta(minutes=1)
    )


def test_the_table_is_the_seven_steps_and_their_detours() -> None:
    rows = {(s, t): g for s, t, g in TRANSITIONS.items() if s is not None}

    assert rows == EXPECTED
    assert TRANSITIONS.allowed(None) == (A.REGISTER,)


@pytest.mark.parametrize("action", list(A))
@pytest.mark.parametrize("state", list(S))
def test_every_state_and_action_pair(state: ComplaintState, action: ComplaintAction) -> None:
    complaint = prepared(state, action)
    at = complaint.history[-1].at + timedelta(minutes=5)
    command = command_for(complaint, action, at)

    if (state, action) in EXPECTED:
        after, entry = complaint.apply(command)
        assert after.state is EXPECTED[(state, action)]
        assert entry.source is state
        assert after.history == (*complaint.history, entry)
    else:
        with pytest.raises(IllegalTransition) as raised:
            complaint.apply(command)
        assert raised.value.state is state
        assert set(raised.value.allowed) == {a for (s, a) in EXPECTED if s is state}
        assert complaint.state is state


def test_register_is_only_an_opening_action() -> None:
    c = registered()

    with pytest.raises(IllegalTransition):
        c.apply(Command.make(A.REGISTER, RECORDER, T0))


# --- guards and authority ----------------------------------------------------------


def test_every_guard_is_named_and_says_what_it_requires() -> None:
    guards = [g for gs in GUARDS.values() for g in gs]

    assert all(g.name and g.requires for g in guards)
    assert set(GUARDS) <= set(A)
    assert set(AUTHORITY) == set(A)


@pytest.mark.parametrize(
    ("severity", "tier", "too_junior", "senior_enough"),
    [
        (Severity.LOW, Tier.ORDINARY, SERVICE, SUPERVISOR),
        (Severity.HIGH, Tier.ORDINARY, SUPERVISOR, MANAGER),
        (Severity.CRITICAL, Tier.SMALL, MANAGER, EXECUTIVE),
        (Severity.LOW, Tier.KEY, SUPERVISOR, MANAGER),
    ],
)
def test_approval_needs_an_approver_senior_enough(
    severity: Severity, tier: Tier, too_junior: Actor, senior_enough: Actor
) -> None:
    c = registered(severity=severity, tier=tier)
    c = apply_all(c, (A.CONTACT,), timedelta(minutes=5))
    c, _ = c.apply(Command.analyse(SERVICE, T0 + timedelta(hours=1), analysis(severity=severity)))
    c, _ = c.apply(Command.propose(SERVICE, T0 + timedelta(hours=2), proposal()))
    at = T0 + timedelta(hours=3)

    with pytest.raises(NotAuthorized):
        c.apply(Command.make(A.APPROVE, too_junior, at))
    after, _ = c.apply(Command.make(A.APPROVE, senior_enough, at))

    assert c.state is S.AWAITING_APPROVAL
    assert after.state is S.REPLIED


def test_a_refused_approver_is_told_how_senior_the_approver_must_be() -> None:
    c = complaint_in(S.AWAITING_APPROVAL)
    c = attrs.evolve(c, tier=Tier.KEY)

    with pytest.raises(NotAuthorized) as raised:
        c.apply(Command.make(A.APPROVE, SUPERVISOR, c.history[-1].at))

    needed = f"{Role.MANAGER.en} or more senior for a medium complaint from a {Tier.KEY.en}"
    assert needed in str(raised.value)


def test_the_proposer_may_not_approve_their_own_proposal() -> None:
    c = complaint_in(S.ANALYSED)
    c, _ = c.apply(Command.propose(EXECUTIVE, T0 + timedelta(hours=2), proposal()))

    with pytest.raises(NotAuthorized, match="proposer"):
        c.apply(Command.make(A.APPROVE, EXECUTIVE, T0 + timedelta(hours=3)))


def test_the_agreement_needs_the_customers_own_signature() -> None:
    c = complaint_in(S.REPLIED)
    at = c.history[-1].at

    with pytest.raises(GuardNotMet, match="customer_signed"):
        c.apply(Command.confirm_agreement(SERVICE, at, "someone else"))
    after, _ = c.apply(Command.confirm_agreement(SERVICE, at, CUSTOMER))

    assert after.progress.signed_by == CUSTOMER


def test_follow_up_waits_for_every_department_action() -> None:
    c = complaint_in(S.AGREED)
    c, _ = c.apply(Command.make(A.START_IMPLEMENTATION, SERVICE, c.history[-1].at))
    at = c.history[-1].at

    with pytest.raises(GuardNotMet, match="all_tasks_done"):
        c.apply(Command.make(A.BEGIN_FOLLOW_UP, SERVICE, at))
    with pytest.raises(GuardNotMet, match="task_open"):
        c.apply(Command.complete_task(SERVICE, at, 7))
    c, _ = c.apply(Command.complete_task(SERVICE, at, 0))
    with pytest.raises(GuardNotMet, match="task_open"):
        c.apply(Command.complete_task(SERVICE, at, 0))
    c, _ = c.apply(Command.make(A.BEGIN_FOLLOW_UP, SERVICE, at))

    assert c.state is S.FOLLOW_UP


def test_closing_needs_a_satisfied_answer_and_an_unhappy_one_reopens() -> None:
    c = complaint_in(S.FOLLOW_UP)
    at = c.history[-1].at

    with pytest.raises(GuardNotMet, match="satisfaction_confirmed"):
        c.apply(Command.make(A.CLOSE, SERVICE, at))
    unhappy, _ = c.apply(Command.record_follow_up(SERVICE, at, satisfied=False))
    with pytest.raises(GuardNotMet, match="satisfaction_confirmed"):
        unhappy.apply(Command.make(A.CLOSE, SERVICE, at))
    reopened, _ = unhappy.apply(Command.make(A.REOPEN, SERVICE, at, "replacement also faulty"))

    assert reopened.state is S.REOPENED
    assert reopened.progress.reopen_count == 1


def test_a_cross_sell_is_refused_before_satisfaction_is_confirmed() -> None:
    c = complaint_in(S.FOLLOW_UP)
    at = c.history[-1].at
    offer = Command.offer_cross_sell(SERVICE, at, "golf weekend")

    with pytest.raises(GuardNotMet, match="satisfaction_confirmed"):
        c.apply(offer)
    with pytest.raises(IllegalTransition):
        complaint_in(S.IMPLEMENTING).apply(offer)
    happy, _ = c.apply(Command.record_follow_up(SERVICE, at, satisfied=True))
    sold, _ = happy.apply(offer)

    assert sold.progress.offers == ("golf weekend",)


def test_a_demand_may_be_refused_only_when_unreasonable_and_without_future_business() -> None:
    reasonable = complaint_in(S.ANALYSED)
    hopeless = complaint_in(S.ANALYSED, reasonable=False, future=False)
    at = hopeless.history[-1].at

    with pytest.raises(GuardNotMet, match="unreasonable_and_no_future_business"):
        reasonable.apply(Command.make(A.REJECT, EXECUTIVE, at, "no"))
    with pytest.raises(GuardNotMet, match="reason_given"):
        hopeless.apply(Command.make(A.REJECT, EXECUTIVE, at))
    rejected, entry = hopeless.apply(Command.make(A.REJECT, EXECUTIVE, at, "demand unfounded"))

    assert rejected.state is S.REJECTED
    assert entry.reason == "demand unfounded"


def test_escalation_only_goes_up() -> None:
    c = registered()
    at = T0 + timedelta(minutes=1)
    c, _ = c.apply(Command.escalate(SERVICE, at, Role.MANAGER, "key account upset"))

    with pytest.raises(GuardNotMet, match="more_senior"):
        c.apply(Command.escalate(SERVICE, at, Role.SUPERVISOR))
    assert c.progress.handler_level is Role.MANAGER


# --- bad input: raises and changes nothing --------------------------------------------


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(NaiveDatetime, match="at"):
        Command.contact(SERVICE, datetime(2025, 3, 3, 10), complaint_in(S.REGISTERED).reported)
    with pytest.raises(NaiveDatetime):
        registered(at=datetime(2025, 3, 3, 10))


def test_an_out_of_order_timestamp_is_refused_and_changes_nothing() -> None:
    c = complaint_in(S.INVESTIGATING)
    before = to_json(c)

    with pytest.raises(EventOutOfOrder) as raised:
        c.apply(Command.analyse(SERVICE, T0 - timedelta(seconds=1), analysis()))

    assert raised.value.got == T0 - timedelta(seconds=1)
    assert to_json(c) == before


def test_an_action_without_authority_is_refused_and_changes_nothing() -> None:
    c = complaint_in(S.REGISTERED)
    before = c.history

    with pytest.raises(NotAuthorized, match="CONTACT"):
        c.apply(Command.contact(THE_CUSTOMER, T0, c.reported))
    with pytest.raises(NotAuthorized):
        Complaint.register(
            id="X",
            customer=CUSTOMER,
            channel=c.channel,
            cause=c.cause,
            severity=c.severity,
            tier=c.tier,
            recorder=THE_CUSTOMER,
            at=T0,
        )

    assert c.history == before


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Command.make(A.CONTACT, SERVICE, T0), "details"),
        (lambda: Command(action=A.CLOSE, actor=SERVICE, at=T0, offer="x"), "offer"),
        (lambda: Command.escalate(SERVICE, T0, Role.CUSTOMER), "level"),
        # An actor is identified by a stable id; the name is only for display.
        (lambda: Actor("", Role.SERVICE), "id"),
        (lambda: Actor("S-1", Role.SERVICE, 3), "display_name"),  # type: ignore[arg-type]
        (lambda: Proposal(remedies=()), "remedies"),
        (
            lambda: Proposal(remedies=(RemedyType.APOLOGY,), amount=Money(Decimal("-1"), "CNY")),
            "amount",
        ),
        (lambda: Money(Decimal("1"), "yuan"), "currency"),
        (
            lambda: Analysis(severity=Severity.LOW, fault=Fault.FIRM, fault_degree=1.5),
            "fault_degree",
        ),
        (lambda: Analysis(severity=Severity.LOW, fault=Fault.FIRM, occurrences=0), "occurrences"),
    ],
)
def test_malformed_values_name_the_field(build: object, field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        build()  # type: ignore[operator]

    assert raised.value.field == field


# --- the stateful test ------------------------------------------------------------------


class ComplaintDesk(RuleBasedStateMachine):
    """Random walks through the workflow against a plain model of what should happen."""

    def __init__(self) -> None:
        super().__init__()
        self.complaint = registered()
        self.now = T0
        # the plain model
        self.state = S.REGISTERED
        self.paused = False
        self.tasks: dict[int, bool] = {}
        self.answer: bool | None = None
        self.handler = Role.SERVICE
        self.handled_by: Actor | None = None  # who has the case (warm transfer, myth 7)
        self.handing_to: Actor | None = None

    def expect(self, action: ComplaintAction, command: Command) -> str | None:
        """The model's verdict: None if the command should succeed, else why not."""
        if (self.state, action) not in EXPECTED:
            return "illegal"
        if action is A.RESUME and not self.paused:
            return "guard"
        if action is A.AWAIT_CUSTOMER and self.paused:
            return "guard"
        if action is A.COMPLETE_TASK and self.tasks.get(command.task or 0, True):
            return "guard"
        if action is A.BEGIN_FOLLOW_UP and not all(self.tasks.values()):
            return "guard"
        if action in (A.CLOSE, A.OFFER_CROSS_SELL) and self.answer is not True:
            return "guard"
        if action is A.REOPEN and self.answer is not False:
            return "guard"
        if action is A.REJECT:
            return "guard"  # the walk's analyses always find the demand reasonable
        if (
            action is A.ESCALATE
            and command.level is not None
            and command.level.rank <= self.handler.rank
        ):
            return "guard"
        if action is A.ACCEPT_HANDOVER and (
            self.handing_to is None or self.handing_to.id != command.actor.id
        ):
            return "who"
        if action is A.HAND_OVER and self.handing_to is not None:
            return "guard"
        return None

    def update_model(self, action: ComplaintAction, command: Command) -> None:
        target = EXPECTED[(self.state, action)]
        if target is not self.state or action is A.RESUME:
            self.paused = False
        if action is A.AWAIT_CUSTOMER:
            self.paused = True
        if action is A.START_IMPLEMENTATION:
            self.tasks = dict.fromkeys(range(2), False)
        if action is A.COMPLETE_TASK and command.task is not None:
            self.tasks[command.task] = True
        if action is A.BEGIN_FOLLOW_UP:
            self.answer = None
        if action is A.RECORD_FOLLOW_UP:
            self.answer = command.satisfied
        if action is A.ESCALATE and command.level is not None:
            self.handler = command.level
        if action is A.CONTACT and self.handled_by is None:
            self.handled_by = command.actor
        if action is A.HAND_OVER:
            self.handing_to = command.next_handler
        if action is A.ACCEPT_HANDOVER:
            self.handled_by, self.handing_to = self.handing_to, None
        self.state = target

    @rule(
        action=st.sampled_from([a for a in A if a is not A.REGISTER]),
        step=steps,
        satisfied=st.booleans(),
        task=st.integers(0, 1),
        level=st.sampled_from([Role.SUPERVISOR, Role.MANAGER, Role.EXECUTIVE]),
    )
    def act(
        self, action: ComplaintAction, step: timedelta, satisfied: bool, task: int, level: Role
    ) -> None:
        self.attempt(action, step, satisfied, task, level)

    @precondition(lambda self: self.state.is_open)
    @rule(step=steps, satisfied=st.booleans())
    def take_the_next_of_the_seven_steps(self, step: timedelta, satisfied: bool) -> None:
        open_tasks = [i for i, done in self.tasks.items() if not done]
        follow_up = {None: A.RECORD_FOLLOW_UP, True: A.CLOSE, False: A.REOPEN}[self.answer]
        action = {
            S.REGISTERED: A.CONTACT,
            S.INVESTIGATING: A.ANALYSE,
            S.ANALYSED: A.PROPOSE,
            S.AWAITING_APPROVAL: A.APPROVE,
            S.REPLIED: A.CONFIRM_AGREEMENT,
            S.AGREED: A.START_IMPLEMENTATION,
            S.IMPLEMENTING: A.COMPLETE_TASK if open_tasks else A.BEGIN_FOLLOW_UP,
            S.FOLLOW_UP: follow_up,
            S.REOPENED: A.CONTACT,
        }[self.state]
        self.attempt(action, step, satisfied, open_tasks[0] if open_tasks else 0, Role.EXECUTIVE)

    def attempt(
        self, action: ComplaintAction, step: timedelta, satisfied: bool, task: int, level: Role
    ) -> None:
        at = self.now + step
        command = command_for(self.complaint, action, at)
        if action is A.PROPOSE:
            command = Command.propose(SERVICE, at, proposal(tasks=2))
        elif action is A.RECORD_FOLLOW_UP:
            command = Command.record_follow_up(SERVICE, at, satisfied=satisfied)
        elif action is A.COMPLETE_TASK:
            command = Command.complete_task(SERVICE, at, task)
        elif action is A.ESCALATE:
            command = Command.escalate(SERVICE, at, level)
        verdict = self.expect(action, command)
        note(f"{self.state.name} --{action.name}--> expected {verdict or 'ok'}")
        before = self.complaint
        if verdict is None:
            self.complaint, entry = self.complaint.apply(command)
            self.update_model(action, command)
            self.now = at
            assert entry.target is self.state
        else:
            error = {"illegal": IllegalTransition, "who": NotAuthorized}.get(verdict, GuardNotMet)
            with pytest.raises(error):
                self.complaint.apply(command)
            assert self.complaint is before

    @rule(back=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=2)))
    def an_earlier_timestamp_changes_nothing(self, back: timedelta) -> None:
        before = self.complaint
        action = TRANSITIONS.allowed(self.state)[0] if self.state.is_open else A.WITHDRAW
        command = command_for(self.complaint, action, self.now - back)

        with pytest.raises((EventOutOfOrder, IllegalTransition)):
            self.complaint.apply(command)
        assert self.complaint is before

    @precondition(lambda self: self.state.is_open)
    @rule()
    def a_customer_cannot_pause_the_clocks(self) -> None:
        before = self.complaint
        command = Command.make(A.AWAIT_CUSTOMER, THE_CUSTOMER, self.now)

        with pytest.raises((NotAuthorized, IllegalTransition)):
            self.complaint.apply(command)
        assert self.complaint is before

    @precondition(lambda self: self.paused)
    @rule(wait=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)))
    def sla_clocks_do_not_run_while_paused(self, wait: timedelta) -> None:
        early = sla_report(self.complaint, CAL, FixedClock(self.now))
        late = sla_report(self.complaint, CAL, FixedClock(self.now + wait))

        for a, b in zip(early.clocks, late.clocks, strict=True):
            assert a.elapsed == b.elapsed

    @invariant()
    def state_matches_the_model(self) -> None:
        assert self.complaint.state is self.state
        assert self.complaint.progress.paused == self.paused

    @invariant()
    def the_first_handler_stays_on_the_case_until_the_next_one_accepts(self) -> None:
        # Myth 7, 温暖的移交: the first agent stays on the line until the next one has it.
        assert self.complaint.handler == self.handled_by
        assert self.complaint.progress.next_handler == self.handing_to

    @invariant()
    def history_never_goes_back_in_time(self) -> None:
        times = [e.at for e in self.complaint.history]
        assert times == sorted(times)
        assert [e.seq for e in self.complaint.history] == list(range(len(times)))

    @invariant()
    def a_closed_complaint_has_a_satisfied_follow_up_and_all_actions_done(self) -> None:
        c = self.complaint
        if c.state is S.CLOSED_SATISFIED:
            closed = c.first(A.CLOSE)
            assert closed is not None
            assert c.progress.follow_ups[-1].satisfied
            assert all(t.done_at is not None and t.done_at <= closed.at for t in c.progress.tasks)

    @invariant()
    def the_history_survives_a_json_round_trip(self) -> None:
        assert from_json(to_json(self.complaint)) == self.complaint


TestComplaintDesk = ComplaintDesk.TestCase

# The firm was at fault: the offer apologises with an assurance (myth 8).
_REFUND_WITH_APOLOGY = (RemedyType.APOLOGY, RemedyType.ASSURANCE_LETTER, RemedyType.REFUND)

# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(S))
def test_json_round_trip_is_lossless(state: ComplaintState) -> None:
    c = complaint_in(state)

    back = from_json(to_json(c))

    assert back == c
    assert back.history[-1].at.utcoffset() == timedelta(hours=8)


def test_json_stores_enums_by_value_and_datetimes_with_offsets() -> None:
    data = json.loads(to_json(complaint_in(S.INVESTIGATING)))

    assert data["cause"] == "quality"
    assert data["history"][1]["command"]["action"] == "contact"
    assert data["history"][0]["command"]["at"] == "2025-03-03T09:30:00+08:00"


def test_json_stores_the_pyramid_tier_by_value_and_money_as_decimal_strings() -> None:
    c = apply_all(registered(tier=Tier.MAJOR), (A.CONTACT, A.ANALYSE), timedelta(minutes=10))
    offer = Proposal(remedies=_REFUND_WITH_APOLOGY, amount=Money(Decimal("1200.50"), "CNY"))
    c, _ = c.apply(Command.propose(SERVICE, c.history[-1].at + timedelta(minutes=10), offer))

    data = json.loads(to_json(c))
    back = from_json(to_json(c))

    assert data["tier"] == "major"
    assert data["history"][-1]["command"]["proposal"]["amount"] == {
        "amount": "1200.50",
        "currency": "CNY",
    }
    assert back == c
    assert back.tier is Tier.MAJOR
    assert back.progress.proposal is not None
    assert back.progress.proposal.amount == Money(Decimal("1200.50"), "CNY")


def test_json_with_a_negative_amount_is_refused() -> None:
    c = apply_all(registered(), (A.CONTACT, A.ANALYSE), timedelta(minutes=10))
    offer = Proposal(remedies=_REFUND_WITH_APOLOGY, amount=Money(Decimal("10"), "CNY"))
    c, _ = c.apply(Command.propose(SERVICE, c.history[-1].at + timedelta(minutes=10), offer))
    data = json.loads(to_json(c))
    data["history"][-1]["command"]["proposal"]["amount"]["amount"] = "-10"

    with pytest.raises(InvalidValue) as raised:
        from_json(json.dumps(data))

    assert raised.value.field == "amount"


def test_json_with_a_naive_datetime_is_refused() -> None:
    data = json.loads(to_json(registered()))
    data["history"][0]["command"]["at"] = "2025-03-03T09:30:00"

    with pytest.raises(NaiveDatetime):
        from_json(json.dumps(data))


def test_json_that_skips_a_guard_is_refused() -> None:
    data = json.loads(to_json(complaint_in(S.CLOSED_SATISFIED)))
    follow_up = next(e for e in data["history"] if e["command"]["action"] == "record_follow_up")
    follow_up["command"]["satisfied"] = False

    with pytest.raises(GuardNotMet, match="satisfaction_confirmed"):
        from_json(json.dumps(data))


@pytest.mark.parametrize("text", ["not json", "[]", '{"id": "x"}'])
def test_malformed_json_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        from_json(text)


@given(st.lists(st.sampled_from(list(A)), max_size=12), steps)
def test_any_legal_walk_round_trips(actions: list[ComplaintAction], step: timedelta) -> None:
    c = registered()
    for action in actions:
        c = _apply_if_allowed(c, command_for(c, action, c.history[-1].at + step))

    assert from_json(to_json(c)) == c


def _apply_if_allowed(complaint: Complaint, command: Command) -> Complaint:
    try:
        return complaint.apply(command)[0]
    except (IllegalTransition, GuardNotMet, NotAuthorized):
        return complaint


# --- the myths the workflow enforces ---------------------------------------------------------


def test_the_first_handler_stays_on_the_case_until_the_next_one_has_accepted_it() -> None:
    # Myth 7 (温暖的移交): the first agent stays on the line, explains the case to the next,
    # and hands over only when the next one has it.
    c = complaint_in(S.ANALYSED)
    at = c.history[-1].at

    handing, _ = c.apply(Command.hand_over(SERVICE, at, COLLEAGUE, "needs a specialist"))

    assert handing.handler == SERVICE
    with pytest.raises(NotAuthorized, match="named_next_handler"):
        handing.apply(Command.make(A.ACCEPT_HANDOVER, SUPERVISOR, at))
    with pytest.raises(GuardNotMet, match="no_hand_over_pending"):
        handing.apply(Command.hand_over(SERVICE, at, SUPERVISOR))
    accepted, _ = handing.apply(Command.make(A.ACCEPT_HANDOVER, COLLEAGUE, at))
    assert accepted.handler == COLLEAGUE
    assert accepted.progress.next_handler is None


def test_only_the_current_handler_hands_over_and_never_to_themselves() -> None:
    c = complaint_in(S.INVESTIGATING)
    at = c.history[-1].at

    with pytest.raises(NotAuthorized, match="current_handler"):
        c.apply(Command.hand_over(COLLEAGUE, at, SUPERVISOR))
    with pytest.raises(GuardNotMet, match="someone_else"):
        c.apply(Command.hand_over(SERVICE, at, SERVICE))
    with pytest.raises(IllegalTransition):
        complaint_in(S.REGISTERED).apply(Command.hand_over(SERVICE, T0, COLLEAGUE))
    with pytest.raises(InvalidValue, match="next_handler"):
        Command.hand_over(SERVICE, at, THE_CUSTOMER)


@given(st.lists(st.sampled_from(list(A)), max_size=16), steps)
def test_no_sale_is_offered_before_the_problem_is_solved_and_satisfaction_confirmed(
    actions: list[ComplaintAction], step: timedelta
) -> None:
    # Myth 5: never try to sell until the customer's satisfaction is confirmed.
    c = complaint_in(S.FOLLOW_UP)
    for action in actions:
        c = _apply_if_allowed(c, command_for(c, action, c.history[-1].at + step))

    answer: bool | None = None
    for entry in c.history:
        if entry.action is A.RECORD_FOLLOW_UP:
            answer = entry.command.satisfied
        if entry.action is A.BEGIN_FOLLOW_UP:
            answer = None
        if entry.action is A.OFFER_CROSS_SELL:
            assert answer is True
            assert entry.source in (S.FOLLOW_UP, S.CLOSED_SATISFIED)


@pytest.mark.parametrize(
    ("fault", "remedies", "allowed"),
    [
        (Fault.FIRM, (RemedyType.APOLOGY, RemedyType.REPLACEMENT), False),
        (Fault.SHARED, (RemedyType.REFUND,), False),
        (Fault.FIRM, (RemedyType.APOLOGY, RemedyType.ASSURANCE_LETTER, RemedyType.REPAIR), True),
        (Fault.CUSTOMER, (RemedyType.REPAIR, RemedyType.DISCOUNT), True),
    ],
)
def test_when_the_firm_is_at_fault_the_apology_comes_with_an_assurance(
    fault: Fault, remedies: tuple[RemedyType, ...], allowed: bool
) -> None:
    # Myth 8: 道歉应该和保证同时进行 — a management-signed letter that the cause is fixed.
    c = complaint_in(S.INVESTIGATING)
    c, _ = c.apply(Command.analyse(SERVICE, T0 + timedelta(hours=1), analysis(fault=fault)))
    command = Command.propose(SERVICE, T0 + timedelta(hours=2), Proposal(remedies=remedies))

    if allowed:
        assert c.apply(command)[0].state is S.AWAITING_APPROVAL
    else:
        with pytest.raises(GuardNotMet, match="apology_with_assurance"):
            c.apply(command)


# --- labels a Chinese-speaking practitioner reads -----------------------------------------------

_HANZI_THEN_ASCII = re.compile(r"[\u4e00-\u9fff][,:;()!?]|[,:;()!?][\u4e00-\u9fff]")


def _complaint_texts() -> list[str]:
    enums = [
        e
        for e in labelled_enums()
        if e.__module__.split(".")[-1]
        in {"complaints", "complaint_sla", "compensation", "complaint_metrics"}
    ]
    labels = [text for e in enums for m in e for text in (m.en, m.zh)]
    glossary = [(e.__doc__ or "").strip().splitlines()[0] for e in enums]  # shown in the docs
    checks = [g.requires for rule in ACTIONS.values() for g in (*rule.who, *rule.guards)]
    return labels + glossary + checks


def test_complaint_labels_use_full_width_punctuation_next_to_hanzi() -> None:
    texts = _complaint_texts()

    assert len(texts) > 100
    assert [t for t in texts if _HANZI_THEN_ASCII.search(t)] == []


def test_complaint_labels_cite_ideas_not_our_file_names() -> None:
    assert [t for t in _complaint_texts() if "种子" in t or "seed" in t.lower()] == []
