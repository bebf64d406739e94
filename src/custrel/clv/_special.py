"""The Gauss hypergeometric function where scipy's gives up.

scipy's ``hyp2f1`` is exact almost everywhere the models need it, but returns
``inf`` or ``nan`` for some arguments with a large ``c`` and ``z`` near 1 (for
example ``2F1(1, 1; 101; 0.98)``, which is about 1.0099). There, and only there,
the defining series is summed instead: for 0 <= z < 1 its terms shrink
geometrically, so it converges, if slowly near 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["hyp2f1"]

#: Most terms of the series (z = 0.9999 needs about 400,000 for full precision).
_SERIES_TERMS: Final = 1_000_000


def _series(
    a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64], z: NDArray[np.float64]
) -> NDArray[np.float64]:
    total = np.ones_like(z)
    term = np.ones_like(z)
    live = np.ones(z.shape, dtype=bool)
    for j in range(_SERIES_TERMS):
        term = np.where(live, term * (a + j) * (b + j) / ((c + j) * (j + 1)) * z, 0.0)
        total += term
        live &= np.abs(term) > 1e-17 * np.abs(total)
        if not live.any():
            break
    return total


def hyp2f1(a: object, b: object, c: object, z: object) -> NDArray[np.float64]:
    """``2F1(a, b; c; z)`` for real arguments with 0 <= z < 1, broadcast together."""
    from scipy import special

    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    with np.errstate(all="ignore"):
        value = np.array(special.hyp2f1(*arrays), dtype=np.float64)
    bad = ~np.isfinite(value)
    if bad.any():
        value[bad] = _series(*(v[bad] for v in arrays))
    return value
