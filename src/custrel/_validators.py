"""Shared validators, so every module checks the same invariants the same way.

Two kinds, side by side: ``require_*`` functions check (and, for numbers, convert)
a parameter and return it; attrs validators (named after what they accept) check a
field of a value. Numbers that are money or multiply money are exact and go through
`custrel.money.to_decimal` (floats refused); the float validators at the end are
for the float64 policy numbers of scoring and the pyramid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from custrel.errors import InvalidValue, NaiveDatetime
from custrel.money import Money, to_decimal

__all__ = [
    "aware",
    "count",
    "customer_id",
    "decimal_non_negative",
    "decimal_rate",
    "exact_finite",
    "exact_non_negative",
    "exact_or_unchanged",
    "finite",
    "instance_of",
    "money",
    "non_negative",
    "optional_aware",
    "optional_bool",
    "optional_count",
    "optional_decimal_rate",
    "positive",
    "require_aware",
    "require_count",
    "require_money",
    "require_non_negative",
    "require_rate",
    "unit_interval",
]

# --- parameters: check, convert, return ---------------------------------------------------


def require_rate(field: str, value: object) -> Decimal:
    """``value`` as an exact ``Decimal`` rate in [0, 1] (5% is 0.05); floats refused."""
    number = to_decimal(field, value)
    if not 0 <= number <= 1:
        raise InvalidValue(field, value, "a rate between 0 and 1 inclusive (5% is 0.05)")
    return number


def require_non_negative(field: str, value: object) -> Decimal:
    """``value`` as an exact ``Decimal`` >= 0; floats refused."""
    number = to_decimal(field, value)
    if number < 0:
        raise InvalidValue(field, value, "a number >= 0")
    return number


def require_count(field: str, value: object) -> int:
    """``value`` if it is a whole number >= 0 (``bool`` is not a count)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(field, value, "a whole number >= 0")
    return value


def require_money(field: str, value: object) -> Money:
    """``value`` if it is a `custrel.money.Money` value."""
    if not isinstance(value, Money):
        raise InvalidValue(field, value, "a Money value, e.g. Money.of('40000', 'USD')")
    return value


def require_aware(field: str, value: object) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime; raise otherwise."""
    if not isinstance(value, datetime):
        kind = "a date without a time" if isinstance(value, date) else type(value).__name__
        raise InvalidValue(field, value, "a timezone-aware datetime", kind)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetime(field, value)
    return value


def exact_or_unchanged(value: object) -> object:
    """Attrs converter: an exact number as a ``Decimal``; anything else unchanged.

    Pair it with `exact_non_negative`, which refuses what is left (a float, a bool,
    text that is not a number) naming the field, as `custrel.money.to_decimal` words it:
    ``attrs.field(converter=exact_or_unchanged, validator=exact_non_negative)``.
    """
    try:
        return to_decimal("value", value)
    except InvalidValue:
        return value


# --- attrs validators of fields ------------------------------------------------------------


def instance_of(
    kind: type, *, optional: bool = False
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """Attrs validator: an instance of ``kind`` (or ``None`` if ``optional``).

    Unlike ``attrs.validators.instance_of`` it raises ``InvalidValue``, and it shows only
    the offending value's type: a value in the wrong place (a dict passed for a profile
    group, free text passed for a status) may be personal data.
    """

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, kind) or (optional and value is None)):
            allowed = f"a {kind.__name__}" + (" or None" if optional else "")
            raise InvalidValue(attribute.name, f"<withheld {type(value).__name__}>", allowed)

    return check


def customer_id(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a customer id, a string that is not blank."""
    if not isinstance(value, str) or not value.strip():
        shown = value if isinstance(value, str) else f"<withheld {type(value).__name__}>"
        raise InvalidValue(attribute.name, shown, "a non-empty customer id")


def decimal_rate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a ``Decimal`` rate in [0, 1]."""
    if not isinstance(value, Decimal):
        raise InvalidValue(attribute.name, value, "a Decimal rate in [0, 1], e.g. Decimal('0.05')")
    require_rate(attribute.name, value)


def optional_decimal_rate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``None`` (unknown) or a ``Decimal`` rate in [0, 1]."""
    if value is not None:
        decimal_rate(instance, attribute, value)


def exact_finite(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: an exact, finite number of any sign (a float is refused by name)."""
    if not isinstance(value, Decimal):
        to_decimal(attribute.name, value)  # raises, in the policy's words
    elif not value.is_finite():
        raise InvalidValue(attribute.name, value, "a finite amount")


def exact_non_negative(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: an exact, finite number >= 0 (a float is refused by name)."""
    number = value if isinstance(value, Decimal) else to_decimal(attribute.name, value)
    if not number.is_finite() or number < 0:
        raise InvalidValue(attribute.name, value, "a finite amount >= 0")


def decimal_non_negative(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a finite ``Decimal`` >= 0."""
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidValue(attribute.name, value, "a Decimal >= 0")


def count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a whole number >= 0."""
    require_count(attribute.name, value)


def optional_count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``None`` or a whole number >= 0."""
    if value is not None:
        require_count(attribute.name, value)


def money(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a `custrel.money.Money` value."""
    require_money(attribute.name, value)


def optional_bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``True``, ``False`` or ``None`` (unknown)."""
    if value is not None and not isinstance(value, bool):
        raise InvalidValue(attribute.name, value, "True, False or None (unknown)")


def aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: the datetime carries a timezone."""
    require_aware(attribute.name, value)


def optional_aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``None`` or a timezone-aware datetime."""
    if value is not None:
        require_aware(attribute.name, value)


# --- float policy numbers (scoring, pyramid) ---------------------------------------------


def finite(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    """Attrs validator: a finite number (no NaN, no infinity)."""
    if not math.isfinite(value):
        raise InvalidValue(attribute.name, value, "a finite number")


def non_negative(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    """Attrs validator: a finite number >= 0."""
    if not (math.isfinite(value) and value >= 0):
        raise InvalidValue(attribute.name, value, "a finite number >= 0")


def positive(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    """Attrs validator: a finite number > 0."""
    if not (math.isfinite(value) and value > 0):
        raise InvalidValue(attribute.name, value, "a finite number > 0")


def unit_interval(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    """Attrs validator: a rate or share in [0, 1]."""
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise InvalidValue(attribute.name, value, "a number between 0 and 1 inclusive")
