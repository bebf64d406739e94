"""Diagrams and tables generated from the state machines' own transition tables.

``custrel diagram NAME`` and the documentation both call :func:`render`, so a
diagram can never disagree with the machine it shows.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

from custrel._labels import labelled_enums
from custrel._machine import TransitionTable

__all__ = ["MACHINES", "glossary_markdown", "render"]

#: Machine name -> ``module:attribute`` of its :class:`~custrel._machine.TransitionTable`.
MACHINES: dict[str, str] = {
    "lifecycle": "custrel.lifecycle:TRANSITIONS",
    "complaints": "custrel.complaints:TRANSITIONS",
    "win_back": "custrel.winback:WIN_BACK_TRANSITIONS",
}


def _table(name: str) -> TransitionTable[Any, Any]:
    from custrel.errors import InvalidValue

    if name not in MACHINES:
        raise InvalidValue("machine", name, ", ".join(sorted(MACHINES)))
    module, attribute = MACHINES[name].split(":")
    table = getattr(importlib.import_module(module), attribute)
    assert isinstance(table, TransitionTable)
    return table


def render(name: str, fmt: Literal["mermaid", "markdown"] = "mermaid") -> str:
    """Render machine ``name``'s transition table as Mermaid or as a Markdown table.

    Raises:
        InvalidValue: ``name`` is not a known machine.
    """
    table = _table(name)
    text: str = table.mermaid() if fmt == "mermaid" else table.markdown()
    return text


def glossary_markdown() -> str:
    """A bilingual glossary: one Markdown table per labelled enum in custrel."""
    parts: list[str] = []
    for enum_type in labelled_enums():
        doc = (enum_type.__doc__ or "").strip().splitlines()[0]
        parts.append(f"### {enum_type.__name__}\n\n{doc} (`{enum_type.__module__}`)\n")
        parts.append("| member | English | 中文 |\n|---|---|---|")
        parts.extend(f"| `{m.name}` | {m.en} | {m.zh} |" for m in enum_type)
        parts.append("")
    return "\n".join(parts)
