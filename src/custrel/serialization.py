"""The one JSON entry point for custrel values: `to_json` and `from_json`.

Services store lifecycles, complaints, win-back cases and other values as JSON; what
goes out must come back equal, and what comes in must be a value its own rules allow.
The shared cattrs converter writes timezone-aware datetimes and dates as ISO 8601,
``Decimal`` as a string (exact), labelled enums by their stable value, and a lifecycle
as its customer id and event history (read back by replaying it through the transition
table, so a tampered history cannot produce an illegal value).

Reading is strict: a field of the wrong JSON type is refused, never coerced (a string
is not an int, an int is not a string, a number is not a bool); the text must be
UTF-8; integers longer than `MAX_INT_DIGITS` digits, NaN, infinities and nesting
deeper than the parser allows are refused; every value is built through its own
constructor, so the invariants its validators check hold for JSON too. A malformed
text or shape is an `custrel.errors.InvalidValue`; a rule the value itself
enforces raises its own `custrel.errors.CustrelError`; never another exception.

A value with a JSON format of its own (a complaint, which replays its workflow) is
registered with `register_format`; `to_json` and `from_json` then
delegate to it, after the same text checks. Customer profiles are the one deliberate
exception: the shared converter refuses them (``NotAuthorized``), and only a custodian
role may export them, with ``custrel.profile.export_json`` / ``import_json``.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar, get_args

import cattrs
from cattrs.strategies import configure_tagged_union
from cattrs.v import format_exception

from custrel._formats import format_of, register_format
from custrel._validators import require_aware
from custrel.causes import ChurnCause
from custrel.countermeasures import Countermeasure
from custrel.errors import CustrelError, InvalidValue, UnknownEvent
from custrel.lifecycle import (
    Lifecycle,
    LifecycleEvent,
    Origin,
    Stage,
)
from custrel.winback import WinBackCase, WinBackStatus

__all__ = [
    "MAX_INT_DIGITS",
    "converter",
    "from_json",
    "make_converter",
    "parse_json",
    "register_format",
    "to_json",
]

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


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise InvalidValue("text", type(value).__name__, "a JSON string")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue("integer", type(value).__name__, "a JSON integer")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue("boolean", type(value).__name__, "JSON true or false")
    return value


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue("number", type(value).__name__, "a JSON number")
    return float(value)


_EVENT_NAMES = frozenset(t.__name__ for t in get_args(LifecycleEvent))


def make_converter(
    *, detailed_validation: bool = True, forbid_extra_keys: bool = True
) -> cattrs.Converter:
    """A fresh cattrs converter with custrel's value hooks.

    Timezone-aware datetimes and dates go out as ISO 8601 and come back checked (a
    naive datetime is refused); ``Decimal`` goes out as an exact string; strings,
    integers, booleans and numbers are read strictly, without coercion. Modules with
    their own JSON format (e.g. `custrel.complaints`) start from this one.
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
    # Strict primitives: cattrs would coerce ("5" into 5, 1 into "1", 0 into False).
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(float, _structure_float)
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

    def unstructure_win_back(value: WinBackCase) -> dict[str, Any]:
        return {
            "customer_id": value.customer_id,
            "status": value.status.value,
            "opened_at": value.opened_at.isoformat(),
            "last_at": value.last_at.isoformat(),
            "cause": value.cause.value,
            "reason": value.reason,
            "countermeasures": [m.value for m in value.countermeasures],
            "outcome": None
            if value.outcome is None
            else conv.unstructure(value.outcome, LifecycleEvent),
        }

    def structure_win_back(data: object, _: type) -> WinBackCase:
        if not isinstance(data, dict) or set(data) != _WIN_BACK_KEYS:
            raise InvalidValue(
                "win_back_case",
                sorted(data) if isinstance(data, dict) else type(data).__name__,
                f"an object with exactly the keys {', '.join(sorted(_WIN_BACK_KEYS))}",
            )
        measures = data["countermeasures"]
        if not isinstance(measures, list):
            raise InvalidValue("countermeasures", type(measures).__name__, "a list")
        outcome = data["outcome"]
        if outcome is not None:
            kind = outcome.get("type") if isinstance(outcome, dict) else None
            if kind not in {"WonBack", "WrittenOff"}:
                raise UnknownEvent(outcome, ["WonBack", "WrittenOff"])
        # The case's own validators check every rule that ties the fields together.
        return WinBackCase(
            customer_id=_structure_str(data["customer_id"], str),
            status=WinBackStatus.from_value(data["status"]),
            opened_at=_structure_datetime(data["opened_at"], datetime),
            last_at=_structure_datetime(data["last_at"], datetime),
            cause=ChurnCause.from_value(data["cause"]),
            reason=None if data["reason"] is None else _structure_str(data["reason"], str),
            countermeasures=tuple(Countermeasure.from_value(m) for m in measures),
            outcome=None if outcome is None else conv.structure(outcome, LifecycleEvent),  # type: ignore[arg-type]  # a Union alias
        )

    conv.register_unstructure_hook(WinBackCase, unstructure_win_back)
    conv.register_structure_hook(WinBackCase, structure_win_back)
    return conv


_WIN_BACK_KEYS: Final = frozenset(
    {
        "customer_id",
        "status",
        "opened_at",
        "last_at",
        "cause",
        "reason",
        "countermeasures",
        "outcome",
    }
)


#: The shared converter; other modules register their own hooks on it at import.
converter: cattrs.Converter = _make_converter()

#: The longest integer JSON may hold; no custrel value needs more, and longer ones
#: cost quadratic time to read.
MAX_INT_DIGITS: Final = 100


def to_json(value: object, *, indent: int | None = None) -> str:
    """Serialise a custrel value to JSON text.

    Raises:
        NotAuthorized: a customer profile (export it with ``custrel.profile.export_json``).

    Example:
        >>> from datetime import datetime, timezone
        >>> from custrel.lifecycle import Lifecycle, Purchased
        >>> lc = Lifecycle("c1", [Purchased(datetime(2026, 1, 5, tzinfo=timezone.utc))])
        >>> from_json(to_json(lc), Lifecycle) == lc
        True
    """
    delegate = format_of(type(value))
    if delegate is not None:
        text = delegate[0](value)
        return (
            text
            if indent is None
            else json.dumps(json.loads(text), indent=indent, ensure_ascii=False)
        )
    return json.dumps(converter.unstructure(value), ensure_ascii=False, indent=indent)


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidValue(
            "json",
            f"<integer of {len(digits)} characters>",
            f"integers of at most {MAX_INT_DIGITS} digits",
        )
    return int(digits)


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise InvalidValue("json", text, "a finite number (write big exact numbers as strings)")
    return number


def _parse_constant(name: str) -> object:
    raise InvalidValue("json", name, "standard JSON numbers (no NaN or Infinity)")


def _shown(text: str) -> str:
    # The text itself is never quoted: a value's JSON may hold a customer's own words.
    return f"<{len(text)} characters of JSON>"


def _decode(text: object) -> str:
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidValue(
                "json", f"<{len(text)} bytes>", "UTF-8 text", f"invalid UTF-8 at byte {error.start}"
            ) from None
    if not isinstance(text, str):
        raise InvalidValue("json", type(text).__name__, "JSON text (str, or UTF-8 bytes)")
    return text


def _parse(text: str) -> object:
    try:
        return json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except CustrelError:
        raise
    except RecursionError:
        raise InvalidValue(
            "json", "<deeply nested>", "JSON nested less deeply", "too deep"
        ) from None
    except ValueError as error:  # JSONDecodeError, and int() limits
        raise InvalidValue("json", _shown(text), "valid JSON text", str(error)) from None


def parse_json(text: str | bytes) -> object:
    """JSON text checked and parsed as every custrel loader reads it, before any shape.

    The checks `from_json` makes first, for loaders with a format of their own
    (``custrel.profile.import_json``, a registered format): UTF-8 only, integers of at
    most `MAX_INT_DIGITS` digits, no NaN or infinities, nesting the parser can read.

    Raises:
        InvalidValue: text that breaks one of those rules or is not JSON.

    Example:
        >>> parse_json(b'{"seq": 1}')
        {'seq': 1}
    """
    return _parse(_decode(text))


def from_json(text: str | bytes, type_: type[T]) -> T:
    """Read a value of ``type_`` back from `to_json` output, strictly.

    Raises:
        InvalidValue: text that is not UTF-8 or not JSON, an integer longer than
            `MAX_INT_DIGITS`, NaN or infinities, nesting too deep to read, JSON
            without the type's shape or with a field of the wrong JSON type (the
            message lists every problem with its path), or a value that breaks the
            type's rules. Subclasses of ``CustrelError`` the type raises itself (an
            illegal transition replayed from a history, ``NotAuthorized`` for a
            profile) pass through unchanged.
    """
    decoded = _decode(text)
    data = _parse(decoded)
    delegate = format_of(type_)
    if delegate is not None:
        try:
            loaded: T = delegate[1](decoded)
        except CustrelError:
            raise
        except (RecursionError, TypeError, ValueError, KeyError, AttributeError) as error:
            raise InvalidValue(
                "json", _shown(decoded), f"a JSON form of {type_.__name__}", type(error).__name__
            ) from None
        return loaded
    try:
        return converter.structure(data, type_)
    except cattrs.BaseValidationError as error:
        problems = "; ".join(cattrs.transform_error(error, format_exception=_describe))
        raise InvalidValue(
            "json", _shown(decoded), f"a JSON form of {type_.__name__}", problems
        ) from error
    except CustrelError:
        raise
    except (RecursionError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise InvalidValue(
            "json", _shown(decoded), f"a JSON form of {type_.__name__}", type(error).__name__
        ) from None


def _describe(error: BaseException, type_: type | None) -> str:
    # Keep custrel's own messages (they say what is allowed); cattrs words the rest.
    if isinstance(error, CustrelError):
        return str(error)
    return format_exception(error, type_)
