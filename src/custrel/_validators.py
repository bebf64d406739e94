"""Shared attrs validators, so every module checks the same invariants the same way."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import attrs

from custrel.errors import InvalidValue, NaiveDatetime

__all__ = [
    "aware",
    "finite",
    "non_negative",
    "optional_aware",
    "positive",
    "require_aware",
    "unit_interval",
]


def require_aware(field: str, value: object) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime; raise otherwise."""
    if not isinstance(value, datetime):
        kind = "a date without a time" if isinstance(value, date) else type(value).__name__
        raise InvalidValue(field, value, "a timezone-aware datetime", kind)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetime(field, value)
    return value


def aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: the datetime carries a timezone."""
    require_aware(attribute.name, value)


def optional_aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``None`` or a timezone-aware datetime."""
    if value is not None:
        require_aware(attribute.name, value)


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
