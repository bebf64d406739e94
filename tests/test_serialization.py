"""JSON round-trips: what goes out comes back equal, and bad JSON is a clear error."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.causes import ChurnCause
from custrel.errors import CustrelError, InvalidValue, UnknownEvent
from custrel.lifecycle import Defected, Lifecycle, Purchased, ShowedInterest
from custrel.serialization import from_json, make_converter, register_format, to_json
from custrel.winback import WinBackCase
from strategies import legal_histories

T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


@given(legal_histories())
def test_any_lifecycle_round_trips_through_json_without_loss(events):
    lc = Lifecycle("c-42", events)

    back = from_json(to_json(lc), Lifecycle)

    assert back == lc
    assert back.history == lc.history
    assert [e.at.utcoffset() for e in back.history] == [e.at.utcoffset() for e in lc.history]
    assert (back.stage, back.peak, back.origin) == (lc.stage, lc.peak, lc.origin)


def test_json_with_a_naive_timestamp_is_refused_saying_why():
    text = to_json(Lifecycle("c1", [Purchased(T0)])).replace("+00:00", "")

    with pytest.raises(InvalidValue, match="naive datetime"):
        from_json(text, Lifecycle)


def test_json_with_an_unknown_event_type_is_refused_naming_the_known_ones():
    text = to_json(Lifecycle("c1", [Purchased(T0)])).replace("Purchased", "Bought")

    with pytest.raises(UnknownEvent, match="ShowedInterest"):
        from_json(text, Lifecycle)


def test_json_whose_stored_stage_disagrees_with_its_history_is_refused():
    data = json.loads(to_json(Lifecycle("c1", [ShowedInterest(T0), Purchased(T0)])))
    data["stage"] = "loyal"

    with pytest.raises(InvalidValue, match="disagrees with the history"):
        from_json(json.dumps(data), Lifecycle)


def test_json_with_an_illegal_history_is_refused_by_the_table():
    data = json.loads(to_json(Lifecycle("c1", [Purchased(T0)])))
    data["history"].insert(0, dict(data["history"][0], type="Defected", cause="moved"))

    with pytest.raises(Exception, match="not allowed"):
        from_json(json.dumps(data), Lifecycle)


def test_malformed_json_is_a_clear_error():
    with pytest.raises(InvalidValue, match="valid JSON"):
        from_json("{", Lifecycle)


# --- strict reading ---------------------------------------------------------------------------


@attrs.frozen
class Sample:
    """A value with one field of each JSON primitive, to test the shared hooks on."""

    count: int
    name: str
    flag: bool
    share: float


GOOD = {"count": 3, "name": "c1", "flag": True, "share": 0.5}


def test_a_value_with_every_primitive_round_trips():
    assert from_json(json.dumps(GOOD), Sample) == Sample(3, "c1", True, 0.5)


@pytest.mark.parametrize(
    "change",
    [
        {"count": "3"},
        {"count": 3.0},
        {"count": True},
        {"name": 5},
        {"name": None},
        {"flag": 1},
        {"flag": "true"},
        {"share": "0.5"},
        {"share": False},
    ],
    ids=repr,
)
def test_a_field_of_the_wrong_json_type_is_refused_not_coerced(change):
    with pytest.raises(InvalidValue):
        from_json(json.dumps(GOOD | change), Sample)


def test_a_lifecycle_with_a_numeric_customer_id_is_refused():
    data = json.loads(to_json(Lifecycle("c1", [Purchased(T0)])))
    data["customer_id"] = 42

    with pytest.raises(CustrelError):
        from_json(json.dumps(data), Lifecycle)


@pytest.mark.parametrize(
    "text",
    [
        b'{"count": 3, "name": "\xff\xfe", "flag": true, "share": 0.5}',
        "[" * 100_000 + "]" * 100_000,
        '{"count": ' + "9" * 5_000 + ', "name": "c1", "flag": true, "share": 0.5}',
        '{"count": 3, "name": "c1", "flag": true, "share": NaN}',
        '{"count": 3, "name": "c1", "flag": true, "share": Infinity}',
        '{"count": 3, "name": "c1", "flag": true, "share": 1e400}',
        "",
        b"",
    ],
    ids=[
        "invalid UTF-8",
        "deep nesting",
        "5,000 digits",
        "NaN",
        "Infinity",
        "1e400",
        "empty",
        "no bytes",
    ],
)
def test_hostile_text_is_a_custrel_error(text):
    with pytest.raises(InvalidValue) as caught:
        from_json(text, Sample)

    assert len(str(caught.value)) < 1_000  # the message never carries the whole input


def test_utf8_bytes_are_read():
    text = json.dumps(GOOD | {"name": "王芳"}, ensure_ascii=False).encode()

    assert from_json(text, Sample).name == "王芳"


# --- arbitrary JSON through every loader -----------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_LOADED_TYPES = [Lifecycle, WinBackCase, Sample]


@given(_json_values, st.sampled_from(_LOADED_TYPES))
def test_arbitrary_json_gives_a_value_or_a_custrel_error(value, type_):
    try:
        result = from_json(json.dumps(value), type_)
    except CustrelError:
        return

    assert from_json(to_json(result), type_) == result


@given(st.binary(max_size=64), st.sampled_from(_LOADED_TYPES))
def test_arbitrary_bytes_give_a_value_or_a_custrel_error(data, type_):
    with contextlib.suppress(CustrelError):
        from_json(data, type_)


@given(st.data())
def test_a_valid_document_with_one_field_replaced_gives_a_value_or_a_custrel_error(data):
    case = WinBackCase.open(
        Lifecycle("c1", [Purchased(T0), Defected(T0 + timedelta(days=30))])
    ).learn_reason(T0 + timedelta(days=31), ChurnCause.MOVED)
    document = json.loads(to_json(case))
    key = data.draw(st.sampled_from(sorted(document)))
    document[key] = data.draw(_json_values)

    try:
        result = from_json(json.dumps(document), WinBackCase)
    except CustrelError:
        return

    assert from_json(to_json(result), WinBackCase) == result


# --- one entry point, delegating where a value keeps its own format ----------------------------


@attrs.frozen
class Tagged:
    """A value with a JSON format of its own, as a complaint has."""

    label: str


def _dump_tagged(value: Tagged) -> str:
    return json.dumps({"tagged": value.label})


def _load_tagged(text: str) -> Tagged:
    return Tagged(json.loads(text)["tagged"])  # a KeyError for anything else


register_format(Tagged, dump=_dump_tagged, load=_load_tagged)


def test_a_registered_format_is_used_both_ways():
    assert to_json(Tagged("x")) == '{"tagged": "x"}'
    assert from_json('{"tagged": "x"}', Tagged) == Tagged("x")


def test_a_registered_loader_sees_only_text_that_passed_the_checks():
    with pytest.raises(InvalidValue, match="UTF-8"):
        from_json(b'{"tagged": "\xff"}', Tagged)


def test_an_error_of_a_registered_loader_becomes_a_custrel_error():
    with pytest.raises(InvalidValue):
        from_json('{"other": 1}', Tagged)


@pytest.mark.parametrize(
    "text",
    [
        '{"customer_id": "c1", "reason": "call 13800138000"',
        '{"customer_id": "c1", "reason": "call 13800138000", "status": 5}',
    ],
    ids=["malformed", "wrong shape"],
)
def test_a_refused_text_is_never_quoted_in_the_error(text):
    with pytest.raises(CustrelError) as caught:
        from_json(text, WinBackCase)

    assert "13800138000" not in str(caught.value)


@pytest.mark.parametrize(("value", "type_"), [("0", int), (0, str), (1, bool), ("1.5", float)])
def test_converters_made_for_a_module_format_read_strictly_too(value, type_):
    converter = make_converter(detailed_validation=False, forbid_extra_keys=False)

    with pytest.raises(InvalidValue):
        converter.structure(value, type_)


def test_a_complaint_goes_through_the_one_entry_point_by_its_registered_format():
    from custrel.complaints import Complaint
    from custrel.complaints import to_json as complaint_to_json
    from strategies_complaints import registered

    complaint = registered()

    assert to_json(complaint) == complaint_to_json(complaint)
    assert from_json(to_json(complaint), Complaint) == complaint
    with pytest.raises(InvalidValue, match="UTF-8"):
        from_json(to_json(complaint).encode() + b"\xff", Complaint)
