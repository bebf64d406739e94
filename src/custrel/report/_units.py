"""Amounts as whole numbers of a ten-thousandth, so every per-customer sum is exact.

Rule: the report holds each amount (``amount``, the costs, ``days_late``,
``quantity``) as an integer count of 1/10,000 of its unit, and sums those integers.
Integer sums do not depend on the order of their terms, so any ordering or
partitioning of a log — shuffled rows, other chunk layouts, customers split across
workers — gives bit-identical per-customer results; a float sum may differ in its
last bits and, at an exact tie, flip a tier or a verdict.

Four decimal places hold every ISO 4217 minor unit. A value with finer precision,
or one of `LIMIT` or more, is refused with its row, column and value (a
rejected row in lenient mode) — never rounded in silence. A float read from text
such as ``0.1`` is the nearest double to 0.1, so it is taken as exactly 0.1: the
test is that the value, scaled, rounded and scaled back, is the same double.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "DIGITS",
    "FLAGS",
    "INEXACT",
    "LIMIT",
    "MISSING",
    "NEGATIVE",
    "NOT_FINITE",
    "RULE",
    "SCALE",
    "from_units",
    "to_units",
]

#: Decimal places an amount may carry.
DIGITS: Final = 4
#: Units per whole: amounts are held as multiples of ``1 / SCALE``.
SCALE: Final = 10**DIGITS
#: Amounts must be below this: their units (< 10**15) stay where float64 holds every
#: integer exactly (2**53), and 9,000 such rows of one customer still sum in int64.
LIMIT: Final = 10**11
#: The rule, as shown in errors and the rejects file (after the column's name).
RULE: Final = f"must have at most {DIGITS} decimal places and be below {LIMIT:,}"
#: Flags of a row's value, set by `to_units` (bits of an int8; 0: a fine value).
#: Not finite (NaN, inf), negative, or breaking `RULE`; `MISSING` is for callers
#: that know a cell was empty (its value then is 0).
NOT_FINITE: Final = 1
NEGATIVE: Final = 2
INEXACT: Final = 4
MISSING: Final = 8
FLAGS: Final = (NOT_FINITE, NEGATIVE, INEXACT, MISSING)
#: Rows per step of the conversion (cache-sized; a tuning knob, not a rule).
_STEP = 1 << 16


def to_units(
    values: NDArray[np.float64], units: NDArray[np.int64], flags: NDArray[np.int8]
) -> NDArray[np.intp]:
    """Each value as a count of units and its flags; returns the rows whose value is 0.

    ``units`` receives the counts and ``flags`` (zeros on entry) `NOT_FINITE`,
    `NEGATIVE` and `INEXACT` where they hold; both are as long as ``values``. A row
    that is not finite or inexact gets 0 units (it is rejected, or the run stops,
    before any sum); a negative one keeps its (negative) units. A float cannot tell
    a written 0 from a nonzero value too small for it (``1e-400``), so the zeros are
    returned for the caller to read their text.
    """
    n = len(values)
    zeros: list[NDArray[np.intp]] = []
    scaled = np.empty(min(_STEP, max(n, 1)), dtype=np.float64)
    back = np.empty_like(scaled)
    for a in range(0, n, _STEP):
        b = min(a + _STEP, n)
        x, s, r = values[a:b], scaled[: b - a], back[: b - a]
        # A value past the float range scales to inf: a flagged row, not a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            np.multiply(x, SCALE, out=s)
            np.rint(s, out=s)
            np.divide(s, SCALE, out=r)
            inexact = r != x  # NaN too
            low, high = (float(x.min()), float(x.max())) if len(x) else (0.0, 0.0)
            # Most steps hold only values in [0, LIMIT): two reductions tell (NaN fails both).
            plain = low > 0.0 and high < LIMIT
            if not (low >= 0.0 and high < LIMIT):
                inexact |= ~(np.abs(x) < LIMIT)  # NaN and inf fail here
            negative = x < 0 if not low >= 0.0 else None
        if inexact.any() or negative is not None:
            flag = flags[a:b]
            flag[inexact] |= INEXACT
            if negative is not None:
                flag[negative] |= NEGATIVE
            flag[~np.isfinite(x)] |= NOT_FINITE
            s[inexact] = 0.0
        units[a:b] = s
        if not plain:  # a zero may be among them
            zeros.append(np.flatnonzero(x == 0) + a)
    return np.concatenate(zeros) if zeros else np.zeros(0, dtype=np.intp)


def from_units(units: NDArray[np.int64]) -> NDArray[np.float64]:
    """Summed units back as amounts: the double nearest the exact decimal sum."""
    amounts: NDArray[np.float64] = units / SCALE
    return amounts
