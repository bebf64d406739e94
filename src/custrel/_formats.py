"""The registry of values that keep a JSON format of their own (see `custrel.serialization`).

Apart from the shared converter so that a module can register its format without
loading cattrs: the report engine's overview part registers at import, and a report
that never writes JSON should not pay for the converter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from custrel.errors import InvalidValue

__all__ = ["format_of", "register_format"]

T = TypeVar("T")

_Dump = Callable[[Any], str]
_Load = Callable[[str], Any]
_FORMATS: dict[type, tuple[_Dump, _Load]] = {}


def register_format(type_: type[T], *, dump: Callable[[T], str], load: Callable[[str], T]) -> None:
    """Let `custrel.serialization.to_json` and ``from_json`` delegate ``type_`` to its own format.

    For a value whose module keeps its own format (a complaint replays its workflow
    on reading). ``from_json`` checks the text (UTF-8, integer length, nesting,
    NaN) before calling ``load``, and turns any error ``load`` raises that is not a
    `custrel.errors.CustrelError` into an ``InvalidValue``.

    Args:
        type_: the value type.
        dump: writes one value as JSON text.
        load: reads JSON text back into one value, refusing what its rules refuse.

    Example:
        In ``custrel.complaints``, after ``to_json`` and ``from_json``::

            register_format(Complaint, dump=to_json, load=from_json)
    """
    if not isinstance(type_, type):
        raise InvalidValue("type_", type_, "a class")
    _FORMATS[type_] = (dump, load)


def format_of(type_: type) -> tuple[_Dump, _Load] | None:
    """The registered (dump, load) pair of ``type_``, if it has one."""
    return _FORMATS.get(type_)
