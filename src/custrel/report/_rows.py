"""The accepted rows as the summary reads them: the hand-off from checking to summarising.

Reading and checking (``_ingest``) produce a `Pieces` (and, when returns are
netted, a `Returned`); summarising (``_summary``) consumes them. Neither imports
the other.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["Pieces", "Returned"]

#: Rows per block of the per-row sums (a tuning knob, not a rule).
_BLOCK = 1 << 18


class Pieces:
    """Per-row numeric columns as numpy views cut at row boundaries all of them share.

    Arrow reads a file in chunks; copying each column into one array would cost a
    pass and fresh memory per column. The summary works block by block anyway, so it
    takes the chunks as they are (views of the reader's day chunks, and of the unit
    columns the checks made chunk by chunk), cut where any column's chunks end and
    at least every ``_BLOCK`` rows.

    Attributes:
        bounds: the row ranges ``(start, end)``, in order, covering every row.
        day: day number (int32) per row, one view per range.
        amount: revenue per row in exact units (`custrel.report._units`), one
            view per range.
        extra: the optional numeric columns present, in units, one view per range each.
        rows: how many rows.
    """

    def __init__(
        self,
        bounds: list[tuple[int, int]],
        day: list[NDArray[np.int32]],
        amount: list[NDArray[np.int64]],
        extra: dict[str, list[NDArray[np.int64]]],
    ) -> None:
        """Hold the views; every list has one view per range of ``bounds``."""
        self.bounds = bounds
        self.day = day
        self.amount = amount
        self.extra = extra
        self.rows = bounds[-1][1] if bounds else 0

    @classmethod
    def of_chunks(
        cls,
        day: list[NDArray[np.int32]],
        amount: list[NDArray[np.int64]],
        **extra: list[NDArray[np.int64]],
    ) -> Pieces:
        """Cut chunked columns (each a list of arrays covering the same rows) at shared bounds."""
        columns: dict[str, list[NDArray[Any]]] = {"day": day, "amount": amount, **extra}
        cuts = {0}
        for chunks in columns.values():
            at = 0
            for chunk in chunks:
                at += len(chunk)
                cuts.add(at)
        cuts.update(range(0, max(cuts), _BLOCK))
        edges = sorted(cuts)
        cut = {name: _cut(chunks, edges) for name, chunks in columns.items()}
        bounds = list(itertools.pairwise(edges))
        return cls(bounds, cut.pop("day"), cut.pop("amount"), cut)

    def day_range(self) -> tuple[int, int]:
        """The smallest and the largest day number (the rows must not be empty)."""
        return (
            min(int(piece.min()) for piece in self.day if len(piece)),
            max(int(piece.max()) for piece in self.day if len(piece)),
        )


class Returned:
    """The accepted return lines (negative amount, ``--returns net``), apart from purchases.

    Attributes:
        code: customer code (into the purchases' ids) of each return of a customer
            that has at least one purchase.
        day: day number of each such return.
        amount: its amount in units (negative).
        extra: its optional numeric columns in units.
        lines: every accepted return line, those of customers without a purchase too.
        units: the amount of every accepted return line, in units (negative or 0).
        unmatched_lines: return lines of customers with no purchase in the log.
        unmatched_units: their amount, in units.
    """

    def __init__(
        self,
        code: NDArray[np.int32],
        day: NDArray[np.int32],
        amount: NDArray[np.int64],
        extra: dict[str, NDArray[np.int64]],
        *,
        lines: int,
        units: int,
        unmatched_lines: int,
        unmatched_units: int,
    ) -> None:
        """Hold the return lines and their counts."""
        self.code = code
        self.day = day
        self.amount = amount
        self.extra = extra
        self.lines = lines
        self.units = units
        self.unmatched_lines = unmatched_lines
        self.unmatched_units = unmatched_units


def _cut(chunks: list[NDArray[Any]], edges: list[int]) -> list[NDArray[Any]]:
    """Views of ``chunks`` (consecutive row ranges) cut at the row numbers ``edges``."""
    views = []
    start = 0
    chunk_iter = iter(chunks)
    chunk = next(chunk_iter, None)
    for a, b in itertools.pairwise(edges):
        while chunk is not None and start + len(chunk) <= a:
            start += len(chunk)
            chunk = next(chunk_iter, None)
        assert chunk is not None
        views.append(chunk[a - start : b - start])  # within one chunk: edges include its ends
    return views
