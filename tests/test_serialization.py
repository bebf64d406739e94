"""JSON round-trips: what goes out comes back equal, and bad JSON is a clear error."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given

from custrel.errors import InvalidValue, UnknownEvent
from custrel.lifecycle import Lifecycle, Purchased, ShowedInterest
from custrel.serialization import from_json, to_json
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
