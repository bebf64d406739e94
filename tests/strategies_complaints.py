"""Hypothesis strategies and builders shared by the complaint and business-calendar tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

from custrel.business_calendar import CHINA_STANDARD_TIME, BusinessCalendar
from custrel.compensation import CompensationCase
from custrel.complaints import (
    Actor,
    Analysis,
    Channel,
    Command,
    Complaint,
    ComplaintAction,
    ComplaintCause,
    ComplaintDetails,
    ComplaintState,
    Department,
    Fault,
    Proposal,
    RemedyType,
    Risk,
    Role,
    Severity,
    TaskSpec,
)
from custrel.pyramid import Tier

A = ComplaintAction
S = ComplaintState

T0 = datetime(2025, 3, 3, 9, 30, tzinfo=CHINA_STANDARD_TIME)  # a Monday
CUSTOMER = "ACME Ltd"

RECORDER = Actor("S-101", Role.RECORDER, "Li Na")
SERVICE = Actor("S-102", Role.SERVICE, "Wang Wei")
COLLEAGUE = Actor("S-103", Role.SERVICE, "Zhou Min")
SUPERVISOR = Actor("S-104", Role.SUPERVISOR, "Chen Jie")
MANAGER = Actor("S-105", Role.MANAGER, "Zhao Lei")
EXECUTIVE = Actor("S-106", Role.EXECUTIVE, "Sun Hong")
THE_CUSTOMER = Actor(CUSTOMER, Role.CUSTOMER, "Mr Zhang of ACME")

timezones = st.sampled_from(
    [
        timezone.utc,
        CHINA_STANDARD_TIME,
        timezone(timedelta(hours=-5)),
        timezone(timedelta(hours=5, minutes=30)),
    ]
)

aware_datetimes = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
    timezones,
)

#: Steps of time between two actions: zero (same instant) up to three days.
steps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))


def analysis(
    *,
    severity: Severity = Severity.MEDIUM,
    fault: Fault = Fault.FIRM,
    reasonable: bool = True,
    future: bool = True,
) -> Analysis:
    """An analysis with sensible defaults."""
    return Analysis(
        severity=severity, fault=fault, demand_reasonable=reasonable, future_business=future
    )


def proposal(tasks: int = 1) -> Proposal:
    """A proposal with ``tasks`` warehouse actions: an apology with an assurance, a replacement."""
    return Proposal(
        remedies=(RemedyType.APOLOGY, RemedyType.ASSURANCE_LETTER, RemedyType.REPLACEMENT),
        tasks=tuple(TaskSpec(Department.WAREHOUSE, f"ship item {i}") for i in range(tasks)),
    )


def registered(
    *,
    at: datetime = T0,
    severity: Severity = Severity.MEDIUM,
    tier: Tier = Tier.ORDINARY,
    cause: ComplaintCause = ComplaintCause.QUALITY,
    id: str = "C-1",  # noqa: A002
) -> Complaint:
    """A freshly registered complaint."""
    return Complaint.register(
        id=id,
        customer=CUSTOMER,
        channel=Channel.PHONE,
        cause=cause,
        severity=severity,
        tier=tier,
        recorder=RECORDER,
        at=at,
        reported=ComplaintDetails(product="laptop", symptoms="does not boot"),
        requested=(RemedyType.REPLACEMENT,),
    )


def command_for(complaint: Complaint, action: ComplaintAction, at: datetime) -> Command:
    """A command for ``action`` with an actor senior enough and a payload its guards accept."""
    p = complaint.progress
    if action is A.CONTACT:
        return Command.contact(SERVICE, at, ComplaintDetails(product="laptop", batch="B7"))
    if action is A.ANALYSE:
        reasonable = p.analysis.demand_reasonable if p.analysis is not None else True
        future = p.analysis.future_business if p.analysis is not None else True
        return Command.analyse(SERVICE, at, analysis(reasonable=reasonable, future=future))
    if action is A.PROPOSE:
        return Command.propose(SERVICE, at, proposal())
    if action in (A.APPROVE, A.REJECT):
        return Command.make(action, EXECUTIVE, at, "decided")
    if action is A.SEND_BACK:
        return Command.make(action, EXECUTIVE, at, "too generous")
    if action is A.CONFIRM_AGREEMENT:
        return Command.confirm_agreement(THE_CUSTOMER, at, CUSTOMER)
    if action is A.DECLINE_PROPOSAL:
        return Command.make(action, THE_CUSTOMER, at, "wants a refund")
    if action is A.COMPLETE_TASK:
        open_tasks = [t.index for t in p.tasks if not t.done]
        return Command.complete_task(SERVICE, at, open_tasks[0] if open_tasks else 0)
    if action is A.RECORD_FOLLOW_UP:
        return Command.record_follow_up(SERVICE, at, satisfied=True)
    if action is A.REOPEN:
        return Command.make(action, SERVICE, at, "still broken")
    if action is A.WITHDRAW:
        return Command.make(action, THE_CUSTOMER, at, "no longer needed")
    if action is A.ESCALATE:
        return Command.escalate(SERVICE, at, Role.EXECUTIVE, "key account")
    if action is A.OFFER_CROSS_SELL:
        return Command.offer_cross_sell(SERVICE, at, "extended warranty")
    if action is A.HAND_OVER:
        handler = p.handler if p.handler is not None else SERVICE
        to = COLLEAGUE if handler.id != COLLEAGUE.id else SERVICE
        return Command.hand_over(handler, at, to, "needs a specialist")
    if action is A.ACCEPT_HANDOVER:
        return Command.make(action, p.next_handler if p.next_handler else COLLEAGUE, at)
    return Command.make(action, SERVICE, at)


#: The canonical path through the seven steps, and the detours to the other states.
_PATHS: dict[ComplaintState, tuple[ComplaintAction, ...]] = {
    S.REGISTERED: (),
    S.INVESTIGATING: (A.CONTACT,),
    S.ANALYSED: (A.CONTACT, A.ANALYSE),
    S.AWAITING_APPROVAL: (A.CONTACT, A.ANALYSE, A.PROPOSE),
    S.REPLIED: (A.CONTACT, A.ANALYSE, A.PROPOSE, A.APPROVE),
    S.AGREED: (A.CONTACT, A.ANALYSE, A.PROPOSE, A.APPROVE, A.CONFIRM_AGREEMENT),
    S.IMPLEMENTING: (
        A.CONTACT,
        A.ANALYSE,
        A.PROPOSE,
        A.APPROVE,
        A.CONFIRM_AGREEMENT,
        A.START_IMPLEMENTATION,
    ),
}
_PATHS[S.FOLLOW_UP] = (*_PATHS[S.IMPLEMENTING], A.COMPLETE_TASK, A.BEGIN_FOLLOW_UP)
_PATHS[S.CLOSED_SATISFIED] = (*_PATHS[S.FOLLOW_UP], A.RECORD_FOLLOW_UP, A.CLOSE)
_PATHS[S.WITHDRAWN] = (A.WITHDRAW,)


def apply_all(
    complaint: Complaint, actions: tuple[ComplaintAction, ...], step: timedelta
) -> Complaint:
    """Apply ``actions`` one ``step`` apart, each with :func:`command_for`."""
    at = complaint.history[-1].at
    for action in actions:
        at += step
        complaint, _ = complaint.apply(command_for(complaint, action, at))
    return complaint


def complaint_in(
    state: ComplaintState, *, reasonable: bool = True, future: bool = True
) -> Complaint:
    """A complaint in ``state``, reached by the seven steps (or their detours), ten minutes apart.

    ``reasonable`` and ``future`` set the analysis's findings (a second analysis is
    recorded when either is false). REJECTED is reached with both false.
    """
    step = timedelta(minutes=10)
    if state is S.REJECTED:
        reasonable = future = False
        path: tuple[ComplaintAction, ...] = (A.CONTACT, A.ANALYSE, A.REJECT)
    elif state is S.REOPENED:
        path = (*_PATHS[S.FOLLOW_UP], A.RECORD_FOLLOW_UP, A.REOPEN)
    else:
        path = _PATHS[state]
    c = apply_all(registered(), path[:2], step)
    if len(path) >= 2 and not (reasonable and future):
        at = c.history[-1].at + step
        c, _ = c.apply(Command.analyse(SERVICE, at, analysis(reasonable=reasonable, future=future)))
    for action in path[2:]:
        at = c.history[-1].at + step
        if action is A.RECORD_FOLLOW_UP and state is S.REOPENED:
            c, _ = c.apply(Command.record_follow_up(SERVICE, at, satisfied=False))
        else:
            c, _ = c.apply(command_for(c, action, at))
    return c


def compensation_cases() -> st.SearchStrategy[CompensationCase]:
    """Any compensation case."""
    return st.builds(
        CompensationCase,
        fault=st.sampled_from(Fault),
        fault_degree=st.floats(0, 1),
        severity=st.sampled_from(Severity),
        occurrences=st.integers(1, 50),
        tier=st.sampled_from(Tier),
        long_relationship=st.booleans(),
        future_business=st.booleans(),
        word_of_mouth=st.sampled_from(Risk),
        demand_reasonable=st.booleans(),
        cause=st.sampled_from(ComplaintCause),
    )


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """A China-style calendar with some holidays and make-up weekend days in 2025."""
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    weekend_days = [d for d in days if d.weekday() >= 5]
    weekdays = [d for d in days if d.weekday() < 5]
    makeup = draw(st.frozensets(st.sampled_from(weekend_days), max_size=8))
    holidays = draw(st.frozensets(st.sampled_from(weekdays), max_size=20))
    return BusinessCalendar(holidays=holidays, makeup_workdays=makeup)


#: Instants in 2025, China time, at minute resolution.
instants_2025 = st.builds(
    lambda minutes: datetime(2025, 1, 1, tzinfo=CHINA_STANDARD_TIME) + timedelta(minutes=minutes),
    st.integers(0, 364 * 24 * 60),
)
