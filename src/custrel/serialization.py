"""JSON round-trips for custrel values, through one shared cattrs converter.

Services store lifecycles, complaints and profiles as JSON; what goes out must come
back equal. The converter writes timezone-aware datetimes and dates as ISO 8601,
``Decimal`` as a string (exact), labelled enums by their stable value, and a
lifecycle as its customer id and event history (read back by replaying it through
the transition table, so a tampered history cannot produce an illegal value).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_args

import cattrs
from cattrs.strategies import configure_tagged_union
from cattrs.v import format_exception

from custrel._validators import require_aware
from custrel.errors import CustrelError, InvalidValue, UnknownEvent
from custrel.lifecycle import (
    Lifecycle,
    LifecycleEvent,
    Origin,
    Stage,
)

__all__ = ["converter", "from_json", "make_converter", "to_json"]

T = TypeVar("T")


def _structure_datetime(value: object, _: type) -> datetime:
    if not isinstance(value, str):
        raise InvalidValue("datetime", value, "an ISO 8601 string with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValue("datetime", value, "an ISO 8601 string with a UTC offset") from None
    return require_aware("datetime", parsed)


def _structure_date(value: object, _: type) -> date:
    if not isinstance(value, str):
        raise InvalidValue("date", value, "an ISO 8601 date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue("date", value, "an ISO 8601 date string (YYYY-MM-DD)") from None


def _structure_decimal(value: object, _: type) -> Decimal:
    if not isinstance(value, (str, int)):
        raise InvalidValue("decimal", value, "a decimal number written as a string")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise InvalidValue("decimal", value, "a decimal number written as a string") from None
    if not result.is_finite():
        raise InvalidValue("decimal", value, "a finite decimal number")
    return result


_EVENT_NAMES = frozenset(t.__name__ for t in get_args(LifecycleEvent))


def make_converter(
    *, detailed_validation: bool = True, forbid_extra_keys: bool = True
) -> cattrs.Converter:
    """A fresh cattrs converter with custrel's value hooks.

    Timezone-aware datetimes and dates go out as ISO 8601 and come back checked (a
    naive datetime is refused); ``Decimal`` goes out as an exact string. Modules with
    their own JSON format (e.g. :mod:`custrel.complaints`) start from this one.
    """
    conv = cattrs.Converter(
        forbid_extra_keys=forbid_extra_keys, detailed_validation=detailed_validation
    )
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, _structure_decimal)
    return conv


def _make_converter() -> cattrs.Converter:
    conv = make_converter()
    configure_tagged_union(LifecycleEvent, conv, tag_name="type")

    def unstructure_lifecycle(value: Lifecycle) -> dict[str, Any]:
        return {
            "customer_id": value.customer_id,
            "stage": value.stage.value,
            "peak": value.peak.value,
            "origin": None if value.origin is None else value.origin.value,
            "history": [conv.unstructure(e, LifecycleEvent) for e in value.history],
        }

    def structure_lifecycle(data: object, _: type) -> Lifecycle:
        if not isinstance(data, dict) or not {"customer_id", "history"} <= data.keys():
            raise InvalidValue(
                "lifecycle", data, "an object with customer_id and history (and stage, peak)"
            )
        history = data["history"]
        if not isinstance(history, list):
            raise InvalidValue("history", history, "a list of events")
        for event in history:
            kind = event.get("type") if isinstance(event, dict) else None
            if kind not in _EVENT_NAMES:
                raise UnknownEvent(event, sorted(_EVENT_NAMES))
        events: list[LifecycleEvent] = [
            conv.structure(e, LifecycleEvent)  # type: ignore[arg-type]  # a Union alias
            for e in history
        ]
        value = Lifecycle(data["customer_id"], events)
        # The stored stage is a convenience for readers; the history is the truth.
        for name, kind in (("stage", Stage), ("peak", Stage), ("origin", Origin)):
            if (
                name in data
                and data[name] is not None
                and getattr(value, name) != kind.from_value(data[name])
            ):
                raise InvalidValue(
                    name,
                    data[name],
                    f"{getattr(value, name)!s}, the value its history replays to",
                    "disagrees with the history",
                )
        return value

    conv.register_unstructure_hook(Lifecycle, unstructure_lifecycle)
    conv.register_structure_hook(Lifecycle, structure_lifecycle)
    return conv


#: The shared converter; other modules register their own hooks on it at import.
converter: cattrs.Converter = _make_converter()


def to_json(value: object, *, indent: int | None = None) -> str:
    """Serialise a custrel value to JSON text.

    Example:
        >>> from datetime import datetime, timezone
        >>> from custrel.lifecycle import Lifecycle, Purchased
        >>> lc = Lifecycle("c1", [Purchased(datetime(2026, 1, 5, tzinfo=timezone.utc))])
        >>> from_json(to_json(lc), Lifecycle) == lc
        True
    """
    return json.dumps(converter.unstructure(value), ensure_ascii=False, indent=indent)


def from_json(text: str | bytes, type_: type[T]) -> T:
    """Read a value of ``type_`` back from :func:`to_json` output.

    Raises:
        InvalidValue: malformed JSON, JSON without the type's shape (the message lists
            every problem with its path), or a value that breaks the type's rules.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidValue("json", text[:80], "valid JSON text", str(error)) from None
    try:
        return converter.structure(data, type_)
    except cattrs.BaseValidationError as error:
        problems = "; ".join(cattrs.transform_error(error, format_exception=_describe))
        shown = text if len(text) <= 200 else f"{text[:200]!s}..."
        raise InvalidValue("json", shown, f"a JSON form of {type_.__name__}", problems) from error


def _describe(error: BaseException, type_: type | None) -> str:
    # Keep custrel's own messages (they say what is allowed); cattrs words the rest.
    if isinstance(error, CustrelError):
        return str(error)
    return format_exception(error, type_)
