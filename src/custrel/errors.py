"""Every error custrel raises: one base class, and a subclass per kind of mistake.

Each subclass keeps the offending values as attributes, and its message says what
was wrong, the value, and what is allowed, so that a caller can both show it to a
person and act on it in code.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

__all__ = [
    "CurrencyMismatch",
    "CustrelError",
    "CustrelWarning",
    "EventOutOfOrder",
    "GuardNotMet",
    "IllegalTransition",
    "InputDataError",
    "InvalidTable",
    "InvalidValue",
    "MissingColumn",
    "MissingColumns",
    "NaiveDatetime",
    "NoRowsAccepted",
    "NotAuthorized",
    "PurposeNotPermitted",
    "UnitPriceWarning",
    "UnknownEvent",
]


def _names(values: Iterable[object]) -> str:
    shown = [getattr(v, "name", None) or repr(v) for v in values]
    return ", ".join(shown) if shown else "none"


class CustrelError(Exception):
    """Base class of every error raised by custrel."""


# --- values ------------------------------------------------------------------


class InvalidValue(CustrelError, ValueError):
    """A value is outside what a field allows.

    Attributes:
        field: the field or parameter name.
        value: the offending value.
        allowed: a human-readable statement of what is allowed.
    """

    def __init__(self, field: str, value: object, allowed: str, problem: str = "") -> None:
        """Record the field, the offending value and what is allowed."""
        self.field = field
        self.value = value
        self.allowed = allowed
        self.problem = problem
        detail = f" ({problem})" if problem else ""
        super().__init__(f"{field}={value!r} is not allowed{detail}; allowed: {allowed}")


class NaiveDatetime(InvalidValue):
    """A datetime without a timezone where custrel needs an aware one."""

    def __init__(self, field: str, value: datetime) -> None:
        """Record the field and the naive datetime."""
        super().__init__(
            field,
            value,
            "a timezone-aware datetime (e.g. datetime(..., tzinfo=timezone.utc))",
            "naive datetime",
        )


# --- state machines ----------------------------------------------------------


class IllegalTransition(CustrelError):
    """An event or action is not allowed in the current state; nothing was changed.

    Attributes:
        state: the current state.
        event: the event kind that was refused.
        allowed: the event kinds allowed in ``state``.
    """

    def __init__(self, state: object, event: object, allowed: Iterable[object]) -> None:
        """Record the state, the refused event and the allowed ones."""
        self.state = state
        self.event = event
        self.allowed = tuple(allowed)
        super().__init__(state, event, self.allowed)

    def __str__(self) -> str:
        """Say what was refused, where, and what is allowed there."""
        # Built on demand: callers probing moves with try/except should not pay for it.
        return (
            f"{_names([self.event])} is not allowed in state {_names([self.state])}; "
            f"allowed there: {_names(self.allowed)}"
        )


class EventOutOfOrder(CustrelError):
    """An event is dated before the last event already recorded; histories only move forward.

    Attributes:
        last: timestamp of the last recorded event.
        got: timestamp of the refused event.
    """

    def __init__(self, last: datetime, got: datetime) -> None:
        """Record the last recorded timestamp and the refused one."""
        self.last = last
        self.got = got
        super().__init__(
            f"event at {got.isoformat()} is before the last recorded event at "
            f"{last.isoformat()}; allowed: a timestamp at or after {last.isoformat()}"
        )


class UnknownEvent(CustrelError, TypeError):
    """An object that is not one of the machine's event types was applied.

    Attributes:
        value: the offending object.
        allowed: names of the accepted event types.
    """

    def __init__(self, value: object, allowed: Iterable[str]) -> None:
        """Record the offending object and the accepted types."""
        self.value = value
        self.allowed = tuple(allowed)
        super().__init__(
            f"{type(value).__name__} {value!r} is not a known event; "
            f"allowed: {', '.join(self.allowed)}"
        )


class InvalidTable(CustrelError):
    """A declarative transition table breaks a structural rule (unreachable state, dead end, ...).

    Attributes:
        table: the table's name.
        problems: one line per broken rule.
    """

    def __init__(self, table: str, problems: Iterable[str]) -> None:
        """Record the table name and its problems."""
        self.table = table
        self.problems = tuple(problems)
        super().__init__(f"transition table {table} is invalid: " + "; ".join(self.problems))


# --- authority and purpose -----------------------------------------------------


class NotAuthorized(CustrelError):
    """An actor lacks the authority an action needs; nothing was changed.

    Attributes:
        actor: who tried.
        action: what they tried.
        required: the authority needed.
    """

    def __init__(self, actor: object, action: object, required: object) -> None:
        """Record who tried what, and the authority needed."""
        self.actor = actor
        self.action = action
        self.required = required
        super().__init__(
            f"{_names([actor])} may not perform {_names([action])}; required: {required}"
        )


class PurposeNotPermitted(CustrelError):
    """A personal-data field was requested for a purpose it was not collected for.

    Attributes:
        field: the field requested.
        purpose: the purpose the caller stated.
        allowed: the purposes the field may be used for.
    """

    def __init__(self, field: str, purpose: object, allowed: Iterable[object]) -> None:
        """Record the field, the stated purpose and the permitted ones."""
        self.field = field
        self.purpose = purpose
        self.allowed = tuple(allowed)
        super().__init__(
            f"field {field!r} may not be used for {_names([purpose])}; "
            f"allowed purposes: {_names(self.allowed)}"
        )


# --- tabular input -------------------------------------------------------------


class InputDataError(CustrelError, ValueError):
    """A row of input data breaks a rule.

    Attributes:
        row: 1-based data row number (the header is row 0), or ``None`` for the whole input.
        column: the column name, or ``None``.
        value: the offending value.
        rule: the rule that was broken, stated as what is allowed.
    """

    def __init__(
        self, rule: str, *, row: int | None = None, column: str | None = None, value: object = None
    ) -> None:
        """Record where the problem is and which rule it breaks."""
        self.row = row
        self.column = column
        self.value = value
        self.rule = rule
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        place = ", ".join(where) if where else "input"
        shown = "" if value is None else f": value {value!r}"
        super().__init__(f"{place}{shown} is invalid; {rule}")


class MissingColumn(InputDataError):
    """A required column is absent from the input.

    Attributes:
        available: the columns the input does have.
    """

    def __init__(self, column: str, available: Iterable[str]) -> None:
        """Record the missing column and the ones present."""
        self.available = tuple(available)
        super().__init__(
            f"required column is missing; columns present: {', '.join(self.available) or 'none'}"
            " (map yours with the column options)",
            column=column,
        )


class MissingColumns(MissingColumn):
    """Required columns are absent: all of them, each with the option that maps it.

    ``column`` is the first missing one (as for `MissingColumn`).

    Attributes:
        columns: every missing column, in the canonical order.
        options: for each missing column, the command-line option that maps it
            (the `custrel.report.ColumnMap` field of the same name does it in Python).
        available: the columns the input does have.
    """

    def __init__(
        self, columns: Iterable[str], options: Iterable[str], available: Iterable[str]
    ) -> None:
        """Record every missing column, its option and the columns present."""
        self.columns = tuple(columns)
        self.options = tuple(options)
        super().__init__(self.columns[0], available)
        missing = "; ".join(
            f"{column!r} (map it with {option} NAME)"
            for column, option in zip(self.columns, self.options, strict=True)
        )
        self.rule = (
            f"required columns are missing: {missing}; columns present: "
            f"{', '.join(self.available) or 'none'}"
        )
        self.args = (f"input is invalid; {self.rule}",)


class NoRowsAccepted(InputDataError):
    """Lenient reading rejected every row, so there is nothing to judge.

    Attributes:
        rows_read: how many data rows were read (all of them rejected).
        rejects: the rejected rows (a pyarrow Table: row, column, value, rule), so a
            caller can still write them out.
    """

    def __init__(self, rows_read: int, rejects: object) -> None:
        """Record how many rows were read and why each was rejected."""
        self.rows_read = rows_read
        self.rejects = rejects
        super().__init__(
            f"every one of the {rows_read:,} rows was rejected; at least one row must pass "
            "the checks (see the rejects for each row's reason)"
        )


# --- workflow guards -----------------------------------------------------------


class GuardNotMet(CustrelError):
    """A workflow step's precondition (guard) does not hold; nothing was changed.

    Attributes:
        state: the current state.
        action: the action that was refused.
        guard: the name of the guard that failed.
        required: what the guard requires, in words.
    """

    def __init__(self, state: object, action: object, guard: str, required: str) -> None:
        """Record the state, the refused action, the failed guard and what it requires."""
        self.state = state
        self.action = action
        self.guard = guard
        self.required = required
        super().__init__(
            f"{_names([action])} is not allowed in state {_names([state])} yet: "
            f"guard {guard!r} failed; required: {required}"
        )


class CurrencyMismatch(CustrelError, ValueError):
    """Money in two currencies was combined; custrel never assumes an exchange rate.

    Attributes:
        left: the currency of the left operand.
        right: the currency of the right operand.
        operation: what was attempted (add, subtract, compare, divide).
    """

    def __init__(self, left: str, right: str, operation: str) -> None:
        """Record both currencies and the operation."""
        self.left = left
        self.right = right
        self.operation = operation
        super().__init__(
            f"cannot {operation} {left} and {right} amounts; "
            "allowed: amounts in the same currency (convert first)"
        )


class CustrelWarning(UserWarning):
    """Something in the input is likely a mistake, though the run can go on."""


class UnitPriceWarning(CustrelWarning):
    """The amount column is named like a unit price, so revenue would miss the quantities.

    Map the price with ``--price-col`` (and ``--quantity-col``) to get amount =
    quantity × price instead.
    """
