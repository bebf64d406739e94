"""Bilingual labels: every stage, event, tier, cause and step has an English and a Chinese name.

The Chinese terms are those of the five source texts (the documentation's page on the
source texts names them); the
English ones are what the library's users read in reports and errors.
"""

from __future__ import annotations

import enum
from typing import Literal, TypeVar

import attrs

__all__ = ["Bilingual", "Labelled", "labelled_enums"]


_L = TypeVar("_L", bound="Labelled")


@attrs.frozen
class Bilingual:
    """A piece of prose in English and Chinese (a goal, an action, a reason)."""

    en: str
    zh: str

    def __str__(self) -> str:
        """Return the English text."""
        return self.en


class Labelled(enum.Enum):
    """An enum whose members carry a stable value and English and Chinese labels.

    Members are declared as ``NAME = ("value", "English label", "中文标签")``. The
    value is the stable identifier used in JSON and files; ``.en`` and ``.zh`` are
    for people.

    Example:
        >>> class Colour(Labelled):
        ...     RED = ("red", "red", "红色")
        >>> Colour.RED.value, Colour.RED.en, Colour.RED.zh
        ('red', 'red', '红色')
        >>> Colour("red") is Colour.RED
        True
    """

    en: str
    zh: str

    # Members are singletons compared by identity, so identity hashing is exact — and
    # several times faster than Enum's name-based hash in the state machines' lookups.
    __hash__ = object.__hash__

    def __new__(cls, value: str, en: str, zh: str) -> Labelled:
        """Create a member whose value is ``value`` and whose labels are ``en`` and ``zh``."""
        member = object.__new__(cls)
        member._value_ = value
        member.en = en
        member.zh = zh
        return member

    @classmethod
    def from_value(cls: type[_L], value: object) -> _L:
        """The member whose stable value is ``value``.

        Raises:
            InvalidValue: no member has that value; the message lists those that do.
        """
        for member in cls:
            if member.value == value:
                return member
        from custrel.errors import InvalidValue

        allowed = ", ".join(repr(m.value) for m in cls)
        raise InvalidValue(cls.__name__, value, f"one of {allowed}")

    def label(self, lang: Literal["en", "zh"] = "en") -> str:
        """Return the label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.zh if lang == "zh" else self.en

    @property
    def bilingual(self) -> str:
        """Both labels, as ``"English (中文)"``."""
        return f"{self.en} ({self.zh})"

    def __str__(self) -> str:
        """Return the English label."""
        return self.en


def labelled_enums() -> list[type[Labelled]]:
    """Every labelled enum defined in custrel's public modules, in a stable order.

    Used by the glossary and by the test that every public enum is bilingual.
    """
    import importlib
    import pkgutil

    import custrel

    found: dict[str, type[Labelled]] = {}
    for info in pkgutil.iter_modules(custrel.__path__):
        if info.name.startswith("_") or info.name in {"cli", "__main__"}:
            continue
        module = importlib.import_module(f"custrel.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Labelled)
                and obj is not Labelled
                and obj.__module__ == module.__name__
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[key] for key in sorted(found)]
