"""The Gauss hypergeometric function where scipy's gives up.

scipy's ``hyp2f1`` is exact almost everywhere the models need it, but returns
``inf`` or ``nan`` for some arguments with a large ``c`` and ``z`` near 1 (for
example ``2F1(1, 1; 101; 0.98)``, which is about 1.0099). There, and only there,
the defining series is summed instead: for 0 <= z < 1 its terms eventually shrink
geometrically, so it converges, if slowly near 1. The summation is bounded: terms
are taken a block at a time (a running product of the term ratios, vectorised over
the block), and an argument whose series has not converged after ``max_terms``
terms gets ``nan``, "not computable here", rather than an unbounded wait.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["FIT_SERIES_TERMS", "SERIES_TERMS", "hyp2f1"]

#: Most terms of the series for a prediction (z = 0.9999 needs about 400,000 for full
#: precision).
SERIES_TERMS: Final = 1_048_576
#: Most terms while fitting: a likelihood evaluated thousands of times must stay cheap,
#: and a region of the parameters that needs more is walled off (its likelihood is
#: not finite) rather than searched.
FIT_SERIES_TERMS: Final = 2_048
#: Terms summed per block.
_BLOCK: Final = 512


def _series(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    c: NDArray[np.float64],
    z: NDArray[np.float64],
    max_terms: int,
) -> NDArray[np.float64]:
    total = np.ones_like(z)
    last = np.ones_like(z)  # the latest term
    live = np.arange(len(z))
    # With a, b, c > 0 every term is positive, so the sum is at least 1, and the term
    # after the last one allowed, exp(ln (a)_N + ln (b)_N − ln (c)_N − ln N! + N ln z),
    # says in advance whether the series can converge in time: when it is still
    # above the tolerance, the argument gets nan at once instead of after the work.
    positive = (a > 0) & (b > 0) & (c > 0) & (z > 0)
    if positive.any():
        from scipy.special import gammaln

        ap, bp, cp, zp = (v[positive] for v in (a, b, c, z))
        n = float(max_terms)
        with np.errstate(all="ignore"):
            log_term = (
                gammaln(ap + n)
                - gammaln(ap)
                + gammaln(bp + n)
                - gammaln(bp)
                - gammaln(cp + n)
                + gammaln(cp)
                - gammaln(n + 1)
                + n * np.log(zp)
            )
        hopeless = np.flatnonzero(positive)[log_term > math.log(1e-17)]
        total[hopeless] = np.nan
        live = np.setdiff1d(live, hopeless, assume_unique=True)
    j = np.arange(_BLOCK, dtype=np.float64)
    with np.errstate(all="ignore"):
        for start in range(0, max_terms, _BLOCK):
            if not live.size:
                break
            k = j + start
            al, bl, cl, zl = (v[live, None] for v in (a, b, c, z))
            ratios = (al + k) * (bl + k) / ((cl + k) * (k + 1)) * zl
            terms = last[live, None] * np.cumprod(ratios, axis=1)
            total[live] += terms.sum(axis=1)
            last[live] = terms[:, -1]
            ok = np.isfinite(total[live])
            done = (np.abs(terms[:, -1]) <= 1e-17 * np.abs(total[live])) & (
                np.abs(ratios[:, -1]) < 1
            )
            total[live[~ok]] = np.nan
            live = live[ok & ~done]
    total[live] = np.nan
    return total


def hyp2f1(
    a: object, b: object, c: object, z: object, *, max_terms: int = SERIES_TERMS
) -> NDArray[np.float64]:
    """``2F1(a, b; c; z)`` for real arguments with 0 <= z < 1, broadcast together.

    ``nan`` where scipy fails and the series has not converged within ``max_terms``
    terms.
    """
    from scipy import special

    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    with np.errstate(all="ignore"):
        value = np.array(special.hyp2f1(*arrays), dtype=np.float64)
    bad = ~np.isfinite(value)
    if bad.any():
        a_, b_, c_, z_ = (v[bad] for v in arrays)
        value[bad] = _series(a_, b_, c_, z_, max_terms)
    return value
