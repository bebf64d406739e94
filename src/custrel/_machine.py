"""The one mechanism behind every custrel state machine: a declarative, validated transition table.

Each workflow module (``lifecycle``, ``complaints``) declares exactly one table — a
module-level ``Final`` mapping ``{(state, trigger): target}`` — and wraps it in a
`TransitionTable`. The machine, its validation, its documentation and its
diagrams all read that one object, so nothing about transitions lives anywhere else
(the pattern of h11's ``_state.py``).

A source of ``None`` is the initial pseudo-state: ``(None, trigger) -> target`` says
which triggers may open a new record and where it lands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

from custrel._labels import Labelled
from custrel.errors import IllegalTransition, InvalidTable

__all__ = ["TransitionTable"]

S = TypeVar("S", bound=Labelled)
T = TypeVar("T", bound=Labelled)


class TransitionTable(Generic[S, T]):
    """A validated, immutable transition table with fast lookups.

    Args:
        name: the machine's name, used in errors and diagrams.
        states: the state enum.
        triggers: the trigger (event or action) enum.
        transitions: ``{(source, trigger): target}``; a source of ``None`` is the initial
            pseudo-state.
        terminal: states that may legitimately have no way out (e.g. a closed complaint).

    Raises:
        InvalidTable: unknown states or triggers, a state unreachable from the initial
            pseudo-state, a non-terminal dead end, or a trigger never used.
    """

    __slots__ = ("_allowed", "_table", "name", "states", "terminal", "triggers")

    def __init__(
        self,
        name: str,
        states: type[S],
        triggers: type[T],
        transitions: Mapping[tuple[S | None, T], S],
        terminal: Iterable[S] = (),
    ) -> None:
        """Validate ``transitions`` and index it."""
        self.name = name
        self.states = states
        self.triggers = triggers
        self.terminal: frozenset[S] = frozenset(terminal)
        self._table: dict[tuple[S | None, T], S] = dict(transitions)
        self._validate()
        allowed: dict[S | None, list[T]] = {}
        for source, trigger in self._table:
            allowed.setdefault(source, []).append(trigger)
        order = {t: i for i, t in enumerate(triggers)}
        self._allowed: dict[S | None, tuple[T, ...]] = {
            source: tuple(sorted(ts, key=order.__getitem__)) for source, ts in allowed.items()
        }

    def _validate(self) -> None:
        problems: list[str] = []
        for (source, trigger), target in self._table.items():
            if source is not None and not isinstance(source, self.states):
                problems.append(f"unknown source state {source!r}")
            if not isinstance(trigger, self.triggers):
                problems.append(f"unknown trigger {trigger!r}")
            if not isinstance(target, self.states):
                problems.append(f"unknown target state {target!r}")
        if problems:
            raise InvalidTable(self.name, problems)
        self._validate_shape()

    def _validate_shape(self) -> None:
        problems: list[str] = []
        reached: set[S | None] = {None}
        frontier: list[S | None] = [None]
        while frontier:
            current = frontier.pop()
            for (source, _), target in self._table.items():
                if source == current and target not in reached:
                    reached.add(target)
                    frontier.append(target)
        for state in self.states:
            if state not in reached:
                problems.append(f"state {state.name} is unreachable from the start")
            has_exit = any(
                source == state and target != state for (source, _), target in self._table.items()
            )
            if not has_exit and state not in self.terminal:
                problems.append(f"state {state.name} is a dead end but not declared terminal")
            if has_exit and state in self.terminal:
                problems.append(f"terminal state {state.name} has a way out")
        used = {trigger for _, trigger in self._table}
        problems.extend(f"trigger {t.name} is never used" for t in self.triggers if t not in used)
        if problems:
            raise InvalidTable(self.name, problems)

    def allowed(self, state: S | None) -> tuple[T, ...]:
        """The triggers allowed in ``state`` (``None``: those that may open a record)."""
        return self._allowed.get(state, ())

    def can(self, state: S | None, trigger: T) -> bool:
        """Whether ``trigger`` is allowed in ``state``; never raises."""
        return (state, trigger) in self._table

    def target(self, state: S | None, trigger: T) -> S:
        """The state ``trigger`` leads to from ``state``.

        Raises:
            IllegalTransition: the pair is not in the table.
        """
        try:
            return self._table[(state, trigger)]
        except KeyError:
            raise IllegalTransition(
                state if state is not None else "(start)", trigger, self.allowed(state)
            ) from None

    def items(self) -> tuple[tuple[S | None, T, S], ...]:
        """Every ``(source, trigger, target)`` row, in declaration order."""
        return tuple((s, t, g) for (s, t), g in self._table.items())

    def sources(self) -> tuple[S | None, ...]:
        """``None`` (the start) followed by every state, in enum order."""
        return (None, *self.states)

    def mermaid(self) -> str:
        """The table as a Mermaid ``stateDiagram-v2``, one arrow per row."""
        lines = ["stateDiagram-v2"]
        lines.extend(f"    {s.name}: {s.en} / {s.zh}" for s in self.states)
        for source, trigger, target in self.items():
            start = "[*]" if source is None else source.name
            lines.append(f"    {start} --> {target.name}: {trigger.en}")
        lines.extend(f"    {s.name} --> [*]" for s in self.states if s in self.terminal)
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        """The table as a Markdown table: from, trigger, to — with both labels."""
        rows = [
            "| from | trigger | to |",
            "|---|---|---|",
        ]
        for source, trigger, target in self.items():
            start = "(start)" if source is None else f"{source.en} ({source.zh})"
            rows.append(f"| {start} | {trigger.en} ({trigger.zh}) | {target.en} ({target.zh}) |")
        return "\n".join(rows) + "\n"
