"""Pareto/NBD: customers buy at a Poisson rate and drop out at an exponential time.

Schmittlein, Morrison & Colombo (1987); the likelihood as in Fader, Hardie & Lee
(2005). While alive a customer buys at rate λ ~ Gamma(r, α) and dies at rate
μ ~ Gamma(s, β). The likelihood's hard part is the integral
``G(t) = ∫_t^∞ (α+y)^−(r+x) (β+y)^−(s+1) dy``, a Gauss hypergeometric function; it is
expanded around the larger of α and β (the branch whose argument lies in [0, 1)),
Euler-transformed so that its parameters stay small, and the difference
``G(t_x) − G(T)`` is taken in log space (a signed log-sum-exp), so nothing overflows
however many purchases a customer made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
import numpy as np

from custrel.clv._data import factorize, factorize_pair
from custrel.clv._fit import ModelKind, estimates, maximise
from custrel.clv._special import FIT_SERIES_TERMS, SERIES_TERMS, hyp2f1
from custrel.clv._transaction import Prepared, TransactionModel, prepare
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["ParetoNBD"]

#: Starting points (rescaled time): the likelihood has flat ridges, so several are tried.
_STARTS: Final = ((1.0, 1.0, 1.0, 1.0), (0.5, 0.25, 0.5, 0.25), (2.0, 1.0, 0.5, 2.0))
#: Customers in the subsample the starts are searched on (a tuning knob, not a rule).
_ROUGH_CUSTOMERS: Final = 20_000


def _log_2f1_1bc(
    b: NDArray[np.float64], c: NDArray[np.float64], z: NDArray[np.float64], max_terms: int
) -> NDArray[np.float64]:
    return np.log(hyp2f1(1.0, b, c, z, max_terms=max_terms))


def log_tail_integral(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: NDArray[np.float64],
    t: NDArray[np.float64],
    max_terms: int = SERIES_TERMS,
) -> NDArray[np.float64]:
    """``log G(t) = log ∫_t^∞ (α+y)^−(r+x) (β+y)^−(s+1) dy``, stable for any x.

    ``nan`` where the hypergeometric series needs more than ``max_terms`` terms.
    """
    k = r + s + x
    if alpha >= beta:
        z = (alpha - beta) / (alpha + t)
        # 2F1(k, s+1; k+1; z) = (1−z)^−s · 2F1(1, r+x; k+1; z)
        return (
            -k * np.log(alpha + t)
            - np.log(k)
            - s * np.log1p(-z)
            + _log_2f1_1bc(r + x, k + 1, z, max_terms)
        )
    z = (beta - alpha) / (beta + t)
    # 2F1(k, r+x; k+1; z) = (1−z)^(1−r−x) · 2F1(1, s+1; k+1; z)
    return (
        -k * np.log(beta + t)
        - np.log(k)
        + (1 - r - x) * np.log1p(-z)
        + _log_2f1_1bc(np.full_like(z, s + 1), k + 1, z, max_terms)
    )


_Pairs = tuple[
    "NDArray[np.float64]",
    "NDArray[np.float64]",
    "NDArray[np.intp]",
    "NDArray[np.float64]",
    "NDArray[np.float64]",
    "NDArray[np.intp]",
]


def _pairs(x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]) -> _Pairs:
    """Distinct (x, t_x) and (x, T) pairs: the tail integral is evaluated once per pair."""
    return (*factorize_pair(x.ravel(), t_x.ravel()), *factorize_pair(x.ravel(), age.ravel()))


def _log_parts(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: NDArray[np.float64],
    t_x: NDArray[np.float64],
    age: NDArray[np.float64],
    pairs: _Pairs | None = None,
    max_terms: int = SERIES_TERMS,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Logs of the alive-at-T and the died-in-(t_x, T] terms of the likelihood.

    Both without the factor they share.
    """
    xa, ta, code_a, xb, tb, code_b = pairs or _pairs(x, t_x, age)
    g_tx = log_tail_integral(r, alpha, s, beta, xa, ta, max_terms)[code_a].reshape(x.shape)
    g_age = log_tail_integral(r, alpha, s, beta, xb, tb, max_terms)[code_b].reshape(x.shape)
    with np.errstate(divide="ignore"):
        died = np.log(s) + g_tx + np.log(-np.expm1(np.minimum(g_age - g_tx, 0.0)))
    alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    return alive, died


def _row_log_likelihood(
    theta: NDArray[np.float64],
    x: NDArray[np.float64],
    t_x: NDArray[np.float64],
    age: NDArray[np.float64],
    pairs: _Pairs | None = None,
    max_terms: int = SERIES_TERMS,
) -> NDArray[np.float64]:
    from scipy.special import gammaln

    r, alpha, s, beta = (float(v) for v in np.exp(theta))
    alive, died = _log_parts(r, alpha, s, beta, x, t_x, age, pairs, max_terms)
    x_u, ix = factorize(x)  # lnΓ(r + x) once per distinct x
    common = (gammaln(r + x_u) - gammaln(r) + r * np.log(alpha) + s * np.log(beta))[ix]
    with np.errstate(invalid="ignore"):  # nan: a series walled off while fitting
        return np.asarray(common + np.logaddexp(alive, died), dtype=np.float64)


def _subsample(d: Prepared) -> tuple[Callable[[NDArray[np.float64]], float], float] | None:
    """A random subsample of the customers, on which the several starts are searched.

    Each row's count is thinned binomially (a fixed seed, so fits are reproducible),
    which keeps the subsample a sample of customers; the best start found on it is
    then polished on everyone. ``None`` when the base is small or the weights are
    not whole counts.
    """
    if d.total <= _ROUGH_CUSTOMERS or not np.all(d.weight == np.floor(d.weight)):
        return None
    thinned = (
        np.random.default_rng(0)
        .binomial(d.weight.astype(np.int64), _ROUGH_CUSTOMERS / d.total)
        .astype(np.float64)
    )
    keep = thinned > 0
    x, t_x, age, w = d.x[keep], d.t_x[keep], d.age[keep], thinned[keep]
    if not (x > 0).any():
        return None
    pairs = _pairs(x, t_x, age)

    def nll(theta: NDArray[np.float64]) -> float:
        return -float((w * _row_log_likelihood(theta, x, t_x, age, pairs, FIT_SERIES_TERMS)).sum())

    return nll, float(w.sum())


@attrs.frozen
class ParetoNBD(TransactionModel):
    """A fitted Pareto/NBD model; ``params`` are ``r, alpha, s, beta``.

    Example:
        >>> model = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> bool(model.p_alive([20000], [38.0], [38.86])[0] <= 1.0)
        True
    """

    KIND: ClassVar[ModelKind] = ModelKind.PARETO_NBD
    PARAMS: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")

    @classmethod
    def fit(
        cls,
        frequency: object,
        recency: object,
        T: object,
        *,
        weights: object = None,
        penalty: float = 0.0,
    ) -> ParetoNBD:
        """Fit by maximum likelihood from several starting points; keep the best.

        Args:
            frequency: repeat purchases per customer (whole numbers).
            recency: time from the first to the last purchase.
            T: time from the first purchase to the end of the observation.
            weights: customers per row, when rows are the sufficient statistic.
            penalty: L2 penalty on the (time-rescaled) parameters; 0 unless asked for.

        Raises:
            InvalidValue: an input breaks a rule (named with its row).
            UnidentifiableData: the data cannot identify the model.
            FitFailed: the optimiser found no maximum.
        """
        d = prepare(cls.KIND.value, frequency, recency, T, weights)
        pairs = _pairs(d.x, d.t_x, d.age)

        def nll(theta: NDArray[np.float64]) -> float:
            ll = _row_log_likelihood(theta, d.x, d.t_x, d.age, pairs, FIT_SERIES_TERMS)
            return -float((d.weight * ll).sum())

        best = maximise(
            cls.KIND,
            cls.PARAMS,
            nll,
            _STARTS,
            total_weight=d.total,
            penalty=penalty,
            rough=_subsample(d),
        )
        theta = best.log_params.copy()
        theta[[1, 3]] += np.log(d.scale)  # alpha and beta are time scales
        return cls(
            estimates(cls.PARAMS, theta, best.log_covariance),
            log_likelihood=-best.neg_log_likelihood - d.log_jacobian,
            n_customers=d.total,
            optimiser=best.report,
        )

    def _values(self) -> tuple[float, float, float, float]:
        p = self.params
        return p["r"], p["alpha"], p["s"], p["beta"]

    def _p_alive(
        self, x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        from scipy.special import expit

        alive, died = _log_parts(*self._values(), x, t_x, age)
        return np.asarray(expit(alive - died), dtype=np.float64)

    def _expected_grid(
        self,
        times: NDArray[np.float64],
        x: NDArray[np.float64],
        t_x: NDArray[np.float64],
        age: NDArray[np.float64],
        alive: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        # E[Y(t) | alive] = (r+x)/(α+T) · (β+T) · [1 − ((β+T)/(β+T+t))^(s−1)] / (s−1),
        # with the bracket as −expm1 so that s near 1 loses nothing.
        r, alpha, s, beta = self._values()
        spans = np.log1p(times[None, :] / (beta + age.reshape(-1, 1)))
        bracket = _power_bracket(s - 1.0, spans)
        rate = ((r + x) / (alpha + age) * (beta + age)).reshape(-1, 1)
        if alive is None:
            alive = self._p_alive(x, t_x, age)
        return (rate * bracket * alive.reshape(-1, 1)).reshape((*x.shape, len(times)))

    def purchase_probability(self, n: object, t: float) -> NDArray[np.float64]:
        """P(a new customer makes exactly ``n`` repeat purchases in its first ``t`` time units).

        Purchase rates and death rates are independent, so with ``NB(n; τ)`` the
        negative binomial count by ``τ`` and ``S(τ) = (β/(β+τ))^s`` the survival,
        ``P(n) = NB(n; t) · S(t) + ∫_0^t NB(n; τ) · (s/β) (β/(β+τ))^(s+1) dτ``:
        alive throughout, or dead at ``τ`` after ``n`` purchases. The integral of a
        smooth function over a finite window is taken by composite Gauss-Legendre
        quadrature (fixed nodes, vectorised over ``n``), in log space.

        Raises:
            InvalidValue: ``n`` is not whole numbers >= 0, or ``t`` is not > 0.
        """
        from scipy.special import logsumexp

        from custrel.clv._bgnbd import _counts, _log_nbd, _window

        count = _counts(n)
        time = _window(t)
        r, alpha, s, beta = self._values()
        nodes, weights = _quadrature(time)
        flat = count.ravel()[:, None]
        alive = _log_nbd(r, alpha, flat[:, 0], time) + s * (np.log(beta) - np.log(beta + time))
        log_death = np.log(s / beta) + (s + 1) * (np.log(beta) - np.log(beta + nodes))
        died = logsumexp(
            _log_nbd(r, alpha, flat, nodes[None, :]) + log_death + np.log(weights), axis=1
        )
        return np.asarray(np.exp(np.logaddexp(alive, died)).reshape(count.shape), dtype=np.float64)

    def _expected_new(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        r, alpha, s, beta = self._values()
        return np.asarray(
            r / alpha * beta * _power_bracket(s - 1.0, np.log1p(times / beta)), dtype=np.float64
        )

    def _row_log_likelihood(
        self, x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        return _row_log_likelihood(np.log(self._values()), x, t_x, age)

    def simulate(
        self,
        T: object,
        *,
        seed: int | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Draw (frequency, recency, T) for customers observed for ``T`` time units each."""
        from custrel.clv._data import as_float

        age = as_float("T", T).ravel()
        if (age <= 0).any():
            raise InvalidValue("T", float(age.min()), "times > 0")
        r, alpha, s, beta = self._values()
        rng = np.random.default_rng(seed)
        n = len(age)
        rate = rng.gamma(r, 1.0 / alpha, n)
        death = rng.exponential(1.0 / rng.gamma(s, 1.0 / beta, n))
        lived = np.minimum(death, age)
        x = rng.poisson(rate * lived)
        recency = np.where(x > 0, lived * rng.beta(np.maximum(x, 1), 1.0), 0.0)
        return x.astype(np.float64), recency, age


#: The quadrature's panels grow geometrically from ``t · _FIRST_EDGE`` to ``t/2``, so each
#: panel ``[a, q·a]`` is small beside its distance from the integrand's singularities (at
#: ``τ = 0, −α, −β``) whatever the scales α and β are: Gauss-Legendre then converges
#: like ``ρ^(−2·_NODES)`` with ``ρ ≈ 8`` on every panel, far below double precision.
#: From ``t/2`` the panels halve towards ``t``, where the count's density peaks as
#: sharply as ``(α+t)/n`` for a large ``n``.
_PANELS: Final = 72
_HALVINGS: Final = 40
_NODES: Final = 12
_FIRST_EDGE: Final = 1e-15


def _quadrature(t: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Composite Gauss-Legendre nodes and weights on ``[0, t]``, graded towards both ends."""
    base, base_weights = np.polynomial.legendre.leggauss(_NODES)
    halves = 0.5 ** np.arange(2, _HALVINGS + 1)
    edges = t * np.concatenate(
        ([0.0], np.geomspace(_FIRST_EDGE, 0.5, _PANELS), 1.0 - halves, [1.0])
    )
    left, width = edges[:-1], np.diff(edges)
    nodes = (left[:, None] + width[:, None] * (base[None, :] + 1) / 2).ravel()
    weights = (width[:, None] * base_weights[None, :] / 2).ravel()
    return nodes, weights


def _power_bracket(k: float, spans: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(1 − e^(−k·span)) / k``, and its limit ``span`` at k = 0."""
    if abs(k) < 1e-12:
        return spans
    return np.asarray(-np.expm1(-k * spans) / k, dtype=np.float64)
