"""Attrs validators shared by the complaint modules (workflow, service levels, compensation).

Each check raises `InvalidValue` naming the field; checks of text that may hold personal
data (a phone number, an address, a name) name the field and the type, never the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import attrs

from custrel.errors import InvalidValue
from custrel.money import Money

__all__ = [
    "compensation_amount",
    "count",
    "fraction",
    "non_empty",
    "private_text",
    "text",
    "whole",
]


def non_empty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a string with at least one non-blank character."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(attribute.name, value, "a non-empty string")


def text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a string (possibly empty)."""
    if not isinstance(value, str):
        raise InvalidValue(attribute.name, value, "a string")


def private_text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a string; a wrong value is reported by its type only (personal data)."""
    if not isinstance(value, str):
        raise InvalidValue(attribute.name, f"<{type(value).__name__}>", "a string")


def fraction(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a number between 0 and 1 inclusive (a bool is not a number)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and 0 <= value <= 1)
    ):
        raise InvalidValue(attribute.name, value, "a number between 0 and 1 inclusive")


def whole(minimum: int, what: str) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """Attrs validator: a whole number of ``what`` >= ``minimum`` (a bool is not a number)."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidValue(attribute.name, value, f"a whole number of {what} >= {minimum}")

    return check


#: Attrs validator: an integer >= 1 (how often something happened).
count: Final = whole(1, "occurrences")


def compensation_amount(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``None`` or money of at least zero — compensation is never negative."""
    if value is None:
        return
    if not isinstance(value, Money):
        raise InvalidValue(attribute.name, value, "a custrel.money.Money or None")
    if value.amount < 0:
        raise InvalidValue(
            attribute.name, value, "an amount >= 0", "compensation is never a negative amount"
        )
