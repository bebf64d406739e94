"""The models' inputs: array-likes checked once, and the sufficient statistic they reduce to.

Every transaction model here depends on a customer only through (frequency, recency,
T), so a base of millions reduces to its distinct rows with counts. That table is
the sufficient statistic: a distributed run builds it with one aggregation
(``GROUP BY frequency, recency, T``) and fits on one machine with ``weights=``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from custrel.errors import InvalidValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["SufficientStatistic", "as_float", "check_rft", "sufficient_statistic"]


def as_float(
    name: str, values: object, *, offset: int = 0, finite: bool = True
) -> NDArray[np.float64]:
    """``values`` (a list, numpy array, pandas or polars column, scalar) as float64.

    ``offset`` is added to the row number in an error (for a block of a larger input);
    ``finite=False`` leaves the finiteness check to the caller (a check block by block).

    Raises:
        InvalidValue: a value is not a finite number.
    """
    to_numpy = getattr(values, "to_numpy", None)
    raw: Any = to_numpy() if callable(to_numpy) else values
    try:
        array = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidValue(name, values, "numbers (an array-like of floats)") from None
    if array.ndim > 1:
        raise InvalidValue(name, array.shape, "a scalar or a one-dimensional array-like")
    if not finite:
        return array
    # A sum is finite when every term is (one pass, no temporary); only otherwise is
    # the offending row looked for.
    with np.errstate(all="ignore"):
        total = array.sum()
    bad = np.zeros(0, dtype=bool) if np.isfinite(total) else ~np.isfinite(array)
    if bad.any():
        at = int(np.flatnonzero(bad.ravel())[0])
        raise InvalidValue(f"{name}[{at + offset}]", float(array.ravel()[at]), "a finite number")
    return array


def _first(mask: NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask.ravel())[0])


def check_rft(
    frequency: object,
    recency: object,
    T: object,
    *,
    positive_t: bool = True,
    offset: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Check and broadcast (frequency, recency, T): whole repeat counts, 0 <= recency <= T.

    ``offset`` is added to the row numbers in errors (for a block of a larger input).

    Raises:
        InvalidValue: naming the first offending row, its value and the rule.
    """
    x = as_float("frequency", frequency, offset=offset)
    t_x = as_float("recency", recency, offset=offset)
    age = as_float("T", T, offset=offset)
    try:
        x, t_x, age = np.broadcast_arrays(x, t_x, age)
    except ValueError:
        raise InvalidValue(
            "frequency, recency, T", (x.shape, t_x.shape, age.shape), "arrays of one length"
        ) from None
    if ((x < 0) | (x != np.floor(x))).any():
        at = _first((x < 0) | (x != np.floor(x)))
        raise InvalidValue(f"frequency[{at + offset}]", float(x.ravel()[at]), "a whole number >= 0")
    if (t_x < 0).any():
        at = _first(t_x < 0)
        raise InvalidValue(f"recency[{at + offset}]", float(t_x.ravel()[at]), "a number >= 0")
    low = age <= 0 if positive_t else age < 0
    if low.any():
        at = _first(low)
        raise InvalidValue(f"T[{at + offset}]", float(age.ravel()[at]), "a number > 0")
    late = t_x > age * (1 + 1e-12)
    if late.any():
        at = _first(late)
        raise InvalidValue(
            f"recency[{at + offset}]",
            float(t_x.ravel()[at]),
            f"at most T = {float(age.ravel()[at])}",
        )
    return x, t_x, age


def weights_for(weights: object, n: int) -> NDArray[np.float64]:
    """Per-row weights (counts of identical customers); ones when ``None``.

    Raises:
        InvalidValue: a weight is negative, or the lengths differ.
    """
    if weights is None:
        return np.ones(n)
    w = np.broadcast_to(as_float("weights", weights), (n,)).astype(np.float64)
    if (w < 0).any():
        at = _first(w < 0)
        raise InvalidValue(f"weights[{at}]", float(w[at]), "a count >= 0")
    return w


@attrs.frozen(eq=False)
class SufficientStatistic:
    """Distinct (frequency, recency, T) rows with how many customers share each.

    A transaction model's likelihood depends on the data only through this table,
    so fitting on it with ``weights=count`` gives the same estimates as fitting on
    every customer.

    Attributes:
        frequency: repeat purchases per distinct row.
        recency: time of the last purchase since the first, per row.
        T: time since the first purchase, per row.
        count: customers (or summed weights) per row.
    """

    frequency: NDArray[np.float64]
    recency: NDArray[np.float64]
    T: NDArray[np.float64]
    count: NDArray[np.float64]

    def __len__(self) -> int:
        """Number of distinct rows."""
        return len(self.count)

    @property
    def customers(self) -> float:
        """Total customers represented (the sum of the counts)."""
        return float(self.count.sum())


def sufficient_statistic(
    frequency: object,
    recency: object,
    T: object,
    *,
    weights: object = None,
) -> SufficientStatistic:
    """Collapse per-customer (frequency, recency, T) into distinct rows with counts.

    Example:
        >>> s = sufficient_statistic([0, 2, 2, 0], [0, 5, 5, 0], [10, 10, 10, 10])
        >>> s.frequency.tolist(), s.count.tolist()
        ([0.0, 2.0], [2.0, 2.0])

    Raises:
        InvalidValue: an input breaks a rule (named with its row).
    """
    x, t_x, age = (a.ravel() for a in check_rft(frequency, recency, T))
    w = weights_for(weights, len(x))
    if len(x) == 0:
        empty = np.zeros(0)
        return SufficientStatistic(empty, empty, empty, empty)
    # Hash each column to dense codes, then the code triples to one key per row: no
    # sort of the whole base, only of its distinct rows.
    cx = x.astype(np.int64)  # checked whole numbers: their own codes
    ux = np.arange(int(cx.max()) + 1, dtype=np.float64)
    ut, ct = factorize(t_x)
    ua, ca = factorize(age)
    key = (cx.astype(np.int64) * len(ut) + ct) * len(ua) + ca
    keys, inverse = factorize(key.astype(np.float64))
    counts = np.bincount(inverse, weights=w, minlength=len(keys)).astype(np.float64)
    k = keys.astype(np.int64)
    xs, ts, ages = ux[k // (len(ut) * len(ua))], ut[(k // len(ua)) % len(ut)], ua[k % len(ua)]
    order = np.lexsort((ages, ts, xs))
    return SufficientStatistic(xs[order], ts[order], ages[order], counts[order])


#: From this many rows, distinct keys are found by hashing (pyarrow) rather than sorting.
_HASH_ROWS = 65_536
#: Pair tables of up to this many cells are indexed directly (a tuning knob).
_DENSE = 1 << 24


def factorize(values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """The distinct values and, per element, the index of its value among them.

    Special functions are evaluated once per distinct value and gathered back,
    so their cost follows the number of distinct values, not of customers.
    """
    flat = values.ravel()
    if len(flat) < _HASH_ROWS:
        uniques, codes = np.unique(flat, return_inverse=True)
        return uniques, codes.reshape(values.shape)
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(pa.array(flat))
    uniques = encoded.dictionary.to_numpy(zero_copy_only=False)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)
    return uniques, codes.reshape(values.shape)


def factorize_pair(
    first: NDArray[np.float64], second: NDArray[np.float64], *, counts: bool = False
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Distinct (first, second) pairs, as two arrays, and each element's pair index.

    ``counts=True`` promises that ``first`` holds whole numbers >= 0 (checked
    frequencies), which saves a pass over it.
    """
    u2, c2 = factorize(second)
    whole = first.astype(np.int64)
    top = int(whole.max()) + 1 if whole.size else 0
    if not counts and whole.size:
        counts = bool((whole == first).all() and whole.min() >= 0)
    if counts and whole.size and top * len(u2) <= _DENSE:
        # Whole numbers (purchase counts): pair keys index a table, no hashing.
        cell = whole
        cell *= len(u2)
        cell += c2
        present = np.zeros(top * len(u2), dtype=bool)
        present[cell] = True
        cells = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        return (cells // len(u2)).astype(np.float64), u2[cells % len(u2)], lookup[cell]
    u1, c1 = factorize(first)
    keys, codes = factorize(c1.astype(np.float64) * len(u2) + c2)
    k = keys.astype(np.int64)
    return u1[k // len(u2)], u2[k % len(u2)], codes
