"""A stored complaint cannot be forged, actors are people by id, and personal data stays private.

Replaying a history — from JSON or through the constructor — passes every check a live
command passes; JSON of the wrong type is refused rather than converted; and the
customer's phone, address and name never appear in a repr, a str or an error message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel import serialization
from custrel.complaints import (
    Actor,
    Channel,
    Command,
    Complaint,
    ComplaintAction,
    ComplaintCause,
    ComplaintState,
    Entry,
    Role,
    Severity,
    WorkflowPolicy,
    from_json,
    to_json,
)
from custrel.errors import CustrelError, InvalidValue, NotAuthorized
from custrel.money import Money
from custrel.pyramid import Tier
from strategies_complaints import (
    CUSTOMER,
    EXECUTIVE,
    RECORDER,
    SERVICE,
    T0,
    THE_CUSTOMER,
    apply_all,
    complaint_in,
    proposal,
    registered,
)

A = ComplaintAction
S = ComplaintState
PHONE = "13800138000"
ADDRESS = "北京市朝阳区建国路88号"
NAME = "张三丰"

JsonEdit = Callable[[dict[str, Any]], None]


def _entry(data: dict[str, Any], action: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(e for e in data["history"] if e["command"]["action"] == action)
    return entry


def _actor(data: dict[str, Any], action: str, **changes: str) -> None:
    _entry(data, action)["command"]["actor"].update(changes)


# --- a stored history passes the checks a live command passes ----------------------------


@pytest.mark.parametrize(
    ("state", "forge", "check"),
    [
        # approval by someone whose role may not approve
        (S.REPLIED, lambda d: _actor(d, "approve", id=CUSTOMER, role="customer"), "SUPERVISOR"),
        (S.REPLIED, lambda d: _actor(d, "approve", role="service"), "SUPERVISOR"),
        # approval by a supervisor where the policy asks for a department head (key account)
        (S.REPLIED, lambda d: _actor(d, "approve", role="supervisor"), "senior_enough"),
        # self-approval: the proposer approves under another display name
        (
            S.REPLIED,
            lambda d: _actor(d, "approve", id=SERVICE.id, display_name="wang "),
            "four_eyes",
        ),
        # registration or closing by the customer
        (S.REGISTERED, lambda d: _actor(d, "register", id=CUSTOMER, role="customer"), "RECORDER"),
        (S.CLOSED_SATISFIED, lambda d: _actor(d, "close", id=CUSTOMER, role="customer"), "SERVICE"),
        # another customer withdraws this customer's complaint
        (S.WITHDRAWN, lambda d: _actor(d, "withdraw", id="OTHER Ltd"), "complaining customer"),
    ],
)
def test_json_that_forges_who_acted_is_refused(
    state: ComplaintState, forge: JsonEdit, check: str
) -> None:
    data = json.loads(to_json(complaint_in(state)))
    data["tier"] = "key"  # a key account's approval needs a department head
    forge(data)

    with pytest.raises(NotAuthorized, match=check):
        from_json(json.dumps(data))


def test_a_forged_history_is_refused_by_the_constructor_too() -> None:
    c = complaint_in(S.AWAITING_APPROVAL)
    forged = Command.make(A.APPROVE, attrs.evolve(SERVICE, role=Role.SERVICE), c.history[-1].at)
    entry = Entry(len(c.history), forged, S.AWAITING_APPROVAL, S.REPLIED)

    with pytest.raises(NotAuthorized):
        attrs.evolve(c, history=(*c.history, entry))


def test_the_workflow_policy_travels_with_the_complaint() -> None:
    lenient = WorkflowPolicy(four_eyes=False)
    c = Complaint.register(
        id="C-9",
        customer=CUSTOMER,
        channel=Channel.PHONE,
        cause=ComplaintCause.QUALITY,
        severity=Severity.LOW,
        tier=Tier.SMALL,
        recorder=RECORDER,
        at=T0,
        policy=lenient,
    )
    c = apply_all(c, (A.CONTACT, A.ANALYSE), timedelta(minutes=5))
    c, _ = c.apply(Command.propose(EXECUTIVE, T0 + timedelta(hours=1), proposal()))
    c, _ = c.apply(Command.make(A.APPROVE, EXECUTIVE, T0 + timedelta(hours=2)))

    back = from_json(to_json(c))

    assert back == c
    assert back.policy == lenient


# --- actors are people, identified by a stable id -----------------------------------------


def test_four_eyes_compares_ids_not_display_names() -> None:
    wang = Actor("S-7", Role.SERVICE, "Wang")
    c = complaint_in(S.ANALYSED)
    c, _ = c.apply(Command.propose(wang, T0 + timedelta(hours=2), proposal()))
    at = T0 + timedelta(hours=3)

    for same_person in (
        Actor("S-7", Role.EXECUTIVE, "wang"),
        Actor("S-7", Role.EXECUTIVE, "Wang "),
    ):
        with pytest.raises(NotAuthorized, match="four_eyes"):
            c.apply(Command.make(A.APPROVE, same_person, at))
    namesake = Actor("S-8", Role.EXECUTIVE, "Wang")
    approved, _ = c.apply(Command.make(A.APPROVE, namesake, at))

    assert approved.state is S.REPLIED


def test_a_customer_acts_only_on_their_own_complaint() -> None:
    c = complaint_in(S.INVESTIGATING)
    someone_else = Actor("OTHER Ltd", Role.CUSTOMER)

    with pytest.raises(NotAuthorized, match="complaining customer"):
        c.apply(Command.make(A.WITHDRAW, someone_else, T0 + timedelta(hours=1)))
    withdrawn, _ = c.apply(Command.make(A.WITHDRAW, THE_CUSTOMER, T0 + timedelta(hours=1)))

    assert withdrawn.state is S.WITHDRAWN


# --- JSON of the wrong type is refused, never converted ------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("history", 1, "seq"), "1"),
        (("history", 1, "seq"), 1.0),
        (("history", 1, "seq"), True),
        (("history", 0, "command", "reason"), 5),
        (("history", -1, "command", "satisfied"), "true"),
        (("history", -1, "command", "satisfied"), 1),
        (("id",), 17),
        (("phone",), 13800138000),
        (("requested",), "replacement"),
        (("history", 1, "seq"), None),
        (("history", 3, "command", "proposal", "amount"), {"amount": True, "currency": "CNY"}),
    ],
)
def test_json_of_the_wrong_type_is_refused(path: tuple[str | int, ...], value: object) -> None:
    c = apply_all(complaint_in(S.FOLLOW_UP), (A.RECORD_FOLLOW_UP,), timedelta(minutes=1))
    data = json.loads(to_json(c))
    *parents, last = path
    node: Any = data
    for key in parents:
        node = node[key]
    node[last] = value

    with pytest.raises(InvalidValue):
        from_json(json.dumps(data))


def test_a_wrongly_typed_json_value_is_named_by_its_place_in_the_document() -> None:
    data = json.loads(to_json(complaint_in(S.INVESTIGATING)))
    data["history"][1]["seq"] = "1"

    with pytest.raises(InvalidValue) as raised:
        from_json(json.dumps(data))

    assert raised.value.field == "$.history[1].seq"
    assert raised.value.value == "<str>"


def test_an_amount_written_as_a_string_is_the_amount() -> None:
    c = apply_all(complaint_in(S.FOLLOW_UP), (A.RECORD_FOLLOW_UP,), timedelta(minutes=1))
    data = json.loads(to_json(c))
    data["history"][3]["command"]["proposal"]["amount"] = {"amount": "1.50", "currency": "CNY"}

    back = from_json(json.dumps(data))

    assert back.progress.proposal is not None
    assert back.progress.proposal.amount == Money(Decimal("1.50"), "CNY")


def test_the_shared_json_entry_point_reads_and_writes_complaints_the_same_way() -> None:
    c = complaint_in(S.CLOSED_SATISFIED)
    data = json.loads(to_json(c))
    data["history"][1]["seq"] = "1"

    back = serialization.from_json(serialization.to_json(c), Complaint)

    assert back == c
    assert json.loads(serialization.to_json(c)) == json.loads(to_json(c))
    with pytest.raises(InvalidValue):
        serialization.from_json(json.dumps(data), Complaint)


def test_json_with_a_field_the_format_does_not_have_is_refused() -> None:
    data = json.loads(to_json(registered()))
    data["progress"] = {"state": "closed_satisfied"}

    with pytest.raises(InvalidValue, match="progress"):
        from_json(json.dumps(data))


# --- personal data stays out of repr, str and errors ---------------------------------------


def _private() -> Complaint:
    return Complaint.register(
        id="C-7",
        customer=CUSTOMER,
        channel=Channel.PHONE,
        cause=ComplaintCause.QUALITY,
        severity=Severity.LOW,
        tier=Tier.SMALL,
        recorder=Actor("S-101", Role.RECORDER, NAME),
        at=T0,
        phone=PHONE,
        address=ADDRESS,
        request_note=f"call {NAME} on {PHONE}",
    )


def _leaks(text: str) -> list[str]:
    return [secret for secret in (PHONE, ADDRESS, NAME) if secret in text]


def test_repr_and_str_of_a_complaint_show_no_personal_data() -> None:
    c = _private()

    shown = [repr(c), str(c), repr(c.history), repr(c.history[0].actor), repr(c.progress)]

    assert [_leaks(s) for s in shown] == [[]] * len(shown)
    assert c.phone == PHONE  # kept, only not shown


def test_errors_show_no_personal_data() -> None:
    c = _private()
    data = json.loads(to_json(c))
    bad_phone = {**data, "phone": int(PHONE)}
    truncated = to_json(c)[:-3]
    messages = []

    for text in (json.dumps(bad_phone), truncated):
        with pytest.raises(InvalidValue) as raised:
            from_json(text)
        messages.append(str(raised.value))
    with pytest.raises(NotAuthorized) as refused:
        c.apply(Command.make(A.WITHDRAW, Actor("OTHER Ltd", Role.CUSTOMER, NAME), T0))
    messages.append(str(refused.value))

    assert [_leaks(m) for m in messages] == [[]] * len(messages)


# --- any JSON: a complaint or a CustrelError, nothing else ------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _outcome(text: str) -> Complaint | CustrelError:
    try:
        return from_json(text)
    except CustrelError as error:
        return error


@given(json_values)
def test_arbitrary_json_yields_a_complaint_or_a_custrel_error(value: object) -> None:
    outcome = _outcome(json.dumps(value))  # any other exception fails the test

    assert isinstance(outcome, Complaint) or str(outcome)  # a message a person can read


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


_VALID = json.loads(to_json(complaint_in(S.CLOSED_SATISFIED)))
_PATHS = [p for p in _leaves(_VALID) if p]


@given(st.sampled_from(_PATHS), json_values)
def test_a_mutated_complaint_loads_unchanged_or_is_refused(
    path: tuple[Any, ...], value: object
) -> None:
    data = json.loads(json.dumps(_VALID))
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    text = json.dumps(data)

    try:
        loaded = from_json(text)
    except CustrelError:
        return
    # Whatever loads is exactly what the JSON says: writing it again gives the same data.
    assert json.loads(to_json(loaded)) == data


@pytest.mark.parametrize(
    "text",
    [b"\xff\xfe{", "[" * 100_000, '{"seq": ' + "9" * 5000 + "}", "", "null", "3"],
)
def test_hostile_json_text_is_refused_with_a_custrel_error(text: str | bytes) -> None:
    with pytest.raises(InvalidValue):
        from_json(text)
