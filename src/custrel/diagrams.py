"""Diagrams and tables generated from the state machines' own transition tables.

``custrel diagram NAME`` and the documentation both call `render`, so a
diagram can never disagree with the machine it shows.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

from custrel._labels import labelled_enums
from custrel._machine import TransitionTable

__all__ = ["ACTION_TABLES", "MACHINES", "actions_markdown", "glossary_markdown", "render"]

#: Machine name -> ``module:attribute`` of its `TransitionTable`.
MACHINES: dict[str, str] = {
    "lifecycle": "custrel.lifecycle:TRANSITIONS",
    "complaints": "custrel.complaints:TRANSITIONS",
    "win_back": "custrel.winback:WIN_BACK_TRANSITIONS",
}


#: Table name -> the machine whose action table (who, payload, checks per action) it shows.
ACTION_TABLES: dict[str, str] = {"complaint-actions": "complaints"}


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

    ``name`` may also be one of `ACTION_TABLES`, whose Markdown form is the action
    table of `actions_markdown`.

    Raises:
        InvalidValue: ``name`` is not a known machine.
    """
    if name in ACTION_TABLES and fmt == "markdown":
        return actions_markdown(ACTION_TABLES[name])
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


def actions_markdown(name: str) -> str:
    """The complaint workflow's action table as Markdown, read from its `ACTIONS`.

    One row per action: the states it moves from, who may take it, what it carries
    and what it needs.

    Raises:
        InvalidValue: ``name`` has no action table (only ``"complaints"`` has one).
    """
    from custrel.errors import InvalidValue

    if name != "complaints":
        raise InvalidValue("machine", name, "complaints (the only machine with an action table)")
    from custrel.complaints import ACTIONS, Role

    rows = [
        "| action | from | who | carries | needs |",
        "|---|---|---|---|---|",
    ]
    for action, rule in ACTIONS.items():
        sources = ", ".join("(start)" if s is None else s.en for s in rule.moves)
        junior = min(rule.roles, key=lambda r: r.rank)
        senior = {r for r in Role if r.rank >= junior.rank}
        who = (
            f"{junior.en} or more senior"
            if set(rule.roles) == senior
            else ", ".join(r.en for r in Role if r in rule.roles)
        )
        needs = "; ".join(f"{g.requires} (`{g.name}`)" for g in (*rule.who, *rule.guards))
        carries = f"`{rule.payload}`" if rule.payload else "—"
        rows.append(
            f"| {action.en} ({action.zh}) | {sources} | {who} | {carries} | {needs or '—'} |"
        )
    return "\n".join(rows) + "\n"
