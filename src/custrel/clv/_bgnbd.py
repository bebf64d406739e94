"""BG/NBD and MBG/NBD: customers buy at a Poisson rate and may drop out after a purchase.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while
alive a customer buys at rate λ ~ Gamma(r, α); after each repeat purchase it drops
out with probability p ~ Beta(a, b). A customer who never bought again has had no
chance to drop out, so its P(alive) is 1 — a known property of the model, not a
bug. MBG/NBD (Batislam, Denizel & Filiztekin 2007) lets a customer drop out at the
first purchase too, so P(alive) falls for customers who never came back.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, TypeVar

import attrs
import numpy as np

from custrel.clv._errors import FitFailed
from custrel.clv._fit import ModelKind, estimates, maximise
from custrel.clv._special import hyp2f1
from custrel.clv._transaction import Prepared, TransactionModel, on_pairs, prepare
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["BetaGeo", "ModifiedBetaGeo"]

#: Starting points (rescaled time). The likelihood is well behaved, so the first is
#: searched alone; the others are tried only when it fails.
_STARTS = ((1.0, 1.0, 1.0, 1.0), (0.5, 0.2, 0.8, 2.5), (2.0, 0.5, 0.3, 5.0))

_BG = TypeVar("_BG", bound="_BetaGeoFamily")


def _counts(n: object) -> NDArray[np.float64]:
    """Purchase counts, checked: whole numbers >= 0."""
    from custrel.clv._data import as_float

    count = as_float("n", n)
    if ((count < 0) | (count != np.floor(count))).any():
        raise InvalidValue("n", n, "whole numbers >= 0")
    return count


def _window(t: float) -> float:
    if not (float(t) > 0 and math.isfinite(float(t))):
        raise InvalidValue("t", t, "a time > 0")
    return float(t)


def _log_nbd(r: float, alpha: float, count: NDArray[np.float64], t: object) -> NDArray[np.float64]:
    """``log P(N(t) = n)`` of the negative binomial: Poisson counts, Gamma(r, α) rates."""
    from scipy.special import gammaln

    times = np.asarray(t, dtype=np.float64)
    return np.asarray(
        gammaln(r + count)
        - gammaln(r)
        - gammaln(count + 1)
        + r * (np.log(alpha) - np.log(alpha + times))
        + count * (np.log(times) - np.log(alpha + times)),
        dtype=np.float64,
    )


#: How close to 1 the drop-out shape ``a`` may come before the expectations take the
#: limit at 1 instead of dividing by ``a − 1``.
_NEAR_ONE = 1e-5


def _row_terms(
    theta: NDArray[np.float64], d: Prepared, *, modified: bool, gradient: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """Per-row log-likelihood (and its gradient in log-parameters) on prepared data.

    ``log L = A(x) + log(exp(u1) + exp(u2))`` with
    ``A = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x+m) − ln B(a, b)``,
    ``u1 = −(r+x) ln(α+T)`` and ``u2 = ln(a/(b+x−1+m)) − (r+x) ln(α+t_x)``
    (``m`` = 1 for MBG/NBD; for BG/NBD the second term is absent when x = 0).
    """
    from scipy.special import betaln, digamma, gammaln

    r, alpha, a, b = np.exp(theta)
    m = 1.0 if modified else 0.0
    xu = d.x_u
    a_u = gammaln(r + xu) - gammaln(r) + r * np.log(alpha) + betaln(a, b + xu + m) - betaln(a, b)
    second = (xu > 0) | modified
    with np.errstate(divide="ignore"):
        c_u = np.where(second, np.log(a) - np.log(np.where(second, b + xu - 1 + m, 1.0)), -np.inf)
    log_at = np.log(alpha + d.age_u)[d.iage]
    log_atx = np.log(alpha + d.t_u)[d.it]
    rx = r + d.x
    u1 = -rx * log_at
    u2 = c_u[d.ix] - rx * log_atx
    both = np.logaddexp(u1, u2)
    ll = a_u[d.ix] + both
    if not gradient:
        return ll, None
    w2 = np.exp(u2 - both)
    w1 = 1.0 - w2
    dig_r = (digamma(r + xu) - digamma(r))[d.ix]
    g_r = dig_r + np.log(alpha) - w1 * log_at - w2 * log_atx
    g_alpha = r / alpha - rx * (w1 / (alpha + d.age) + w2 / (alpha + d.t_x))
    dab = digamma(a + b)
    g_a = (dab - digamma(a + b + xu + m))[d.ix] + w2 / a
    inv = np.where(second, 1.0 / np.where(second, b + xu - 1 + m, 1.0), 0.0)
    g_b = (digamma(b + xu + m) - digamma(a + b + xu + m) - digamma(b) + dab)[d.ix] - w2 * inv[d.ix]
    grad = np.stack([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
    return ll, grad


def _totals(
    theta: NDArray[np.float64], d: Prepared, *, modified: bool
) -> tuple[float, NDArray[np.float64]]:
    """The negative log-likelihood and its gradient (log-parameters), summed over rows.

    The same terms as `_row_terms`, arranged for speed: whatever depends on x alone is
    summed once per distinct x (weighted by its customers), so only the mixing of
    the two terms runs per row. No BLAS call: its threads only slow a small product.
    """
    from scipy.special import betaln, digamma, expit, gammaln

    r, alpha, a, b = np.exp(theta)
    m = 1.0 if modified else 0.0
    xu = d.x_u
    wx = np.bincount(d.ix, weights=d.weight, minlength=len(xu))
    second = (xu > 0) | modified
    safe = np.where(second, b + xu - 1 + m, 1.0)
    c_u = np.where(second, np.log(a) - np.log(safe), -np.inf)
    log_at_u = np.log(alpha + d.age_u)
    log_atx_u = np.log(alpha + d.t_u)
    log_at = log_at_u[d.iage]
    log_atx = log_atx_u[d.it]
    rx = r + d.x
    with np.errstate(invalid="ignore"):
        diff = c_u[d.ix] - rx * (log_atx - log_at)  # u2 − u1; −inf where no second term
    w2 = expit(diff)
    both = -rx * log_at + np.logaddexp(0.0, diff)
    a_u = gammaln(r + xu) - gammaln(r) + r * np.log(alpha) + betaln(a, b + xu + m) - betaln(a, b)
    ll = float((a_u * wx).sum() + (d.weight * both).sum())
    ww2 = d.weight * w2
    w2x = np.bincount(d.ix, weights=ww2, minlength=len(xu))
    inv_at = 1.0 / (alpha + d.age_u)
    inv_atx = 1.0 / (alpha + d.t_u)
    dab = digamma(a + b)
    g_r = ((digamma(r + xu) - digamma(r) + np.log(alpha)) * wx).sum() - (
        d.weight * log_at + ww2 * (log_atx - log_at)
    ).sum()
    g_alpha = (
        r / alpha * wx.sum()
        - (d.weight * rx * (inv_at[d.iage] + w2 * (inv_atx[d.it] - inv_at[d.iage]))).sum()
    )
    g_a = ((dab - digamma(a + b + xu + m)) * wx).sum() + w2x.sum() / a
    inv = np.where(second, 1.0 / safe, 0.0)
    g_b = ((digamma(b + xu + m) - digamma(a + b + xu + m) - digamma(b) + dab) * wx).sum() - (
        inv * w2x
    ).sum()
    grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
    return -ll, -grad


def _fit(
    cls: type[_BG],
    frequency: object,
    recency: object,
    T: object,
    weights: object,
    penalty: float,
) -> _BG:
    d = prepare(cls.KIND.value, frequency, recency, T, weights)
    modified = cls is ModifiedBetaGeo

    def nll(theta: NDArray[np.float64]) -> float:
        ll, _ = _row_terms(theta, d, modified=modified, gradient=False)
        return -float((d.weight * ll).sum())

    def both(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        return _totals(theta, d, modified=modified)

    try:
        best = maximise(
            cls.KIND,
            cls.PARAMS,
            nll,
            _STARTS[:1],
            total_weight=d.total,
            value_and_gradient=both,
            penalty=penalty,
        )
    except FitFailed as error:
        if error.parameter is not None:
            # A parameter ran off, or the information is singular: the data, not the
            # start, are at fault, and another start would only walk the same ridge.
            raise
        best = maximise(
            cls.KIND,
            cls.PARAMS,
            nll,
            _STARTS[1:],
            total_weight=d.total,
            value_and_gradient=both,
            penalty=penalty,
        )
    theta = best.log_params.copy()
    theta[1] += np.log(d.scale)  # alpha is a time scale
    return cls(
        estimates(cls.PARAMS, theta, best.log_covariance),
        log_likelihood=-best.neg_log_likelihood - d.log_jacobian,
        n_customers=d.total,
        optimiser=best.report,
    )


@attrs.frozen
class _BetaGeoFamily(TransactionModel):
    """What BG/NBD and MBG/NBD share; the subclasses set ``_MODIFIED``."""

    PARAMS: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _MODIFIED: ClassVar[bool] = False

    @classmethod
    def fit(
        cls: type[_BG],
        frequency: object,
        recency: object,
        T: object,
        *,
        weights: object = None,
        penalty: float = 0.0,
    ) -> _BG:
        """Fit by maximum likelihood.

        Args:
            frequency: repeat purchases per customer (whole numbers).
            recency: time from the first to the last purchase.
            T: time from the first purchase to the end of the observation.
            weights: customers per row, when rows are the sufficient statistic.
            penalty: L2 penalty on the (time-rescaled) parameters; 0 (none) unless
                asked for.

        Raises:
            InvalidValue: an input breaks a rule (named with its row).
            UnidentifiableData: the data cannot identify the model.
            FitFailed: the optimiser found no maximum.
        """
        return _fit(cls, frequency, recency, T, weights, penalty)

    def _values(self) -> tuple[float, float, float, float]:
        p = self.params
        return p["r"], p["alpha"], p["a"], p["b"]

    def _around_a_of_one(self: _BG) -> tuple[_BG, _BG]:
        """The model with ``a`` just below and just above 1.

        The expectations divide by ``a − 1``; at ``a = 1`` their limit is the mean
        of the two sides (the error is of the order of the step squared).
        """
        p = dict(self.params)
        return (
            type(self).from_params(**(p | {"a": 1 - 2 * _NEAR_ONE})),
            type(self).from_params(**(p | {"a": 1 + 2 * _NEAR_ONE})),
        )

    def _odds_constant(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """``log(a/(b+x−1+m))``, the drop-out odds' part that depends on x alone.

        Minus infinity for BG/NBD at x = 0: without a repeat purchase no chance to
        drop out yet.
        """
        _, _, a, b = self._values()
        m = 1.0 if self._MODIFIED else 0.0
        shift = np.add(x, b - 1 + m)
        np.maximum(shift, 1e-300, out=shift)
        constant = np.log(shift, out=shift)
        np.subtract(math.log(a), constant, out=constant)
        if not self._MODIFIED:
            np.putmask(constant, x == 0, -np.inf)
        return constant

    def _log_odds_dead(
        self, x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        # (r+x)·log((α+T)/(α+t_x)) + log(a/(b+x−1+m)), in place: a base of millions
        # makes every temporary array count. The same operations, in the same order,
        # as `_predict`, so the two agree to the last bit.
        r, alpha, _, _ = self._values()
        shape = x.shape
        x, t_x, age = np.atleast_1d(x, t_x, age)
        odds = np.add(age, alpha)
        work = np.add(t_x, alpha)
        odds /= work
        np.log(odds, out=odds)
        np.add(x, r, out=work)
        odds *= work
        odds += self._odds_constant(x)
        return odds.reshape(shape)

    def _p_alive(
        self, x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        # 1 / (1 + e^odds), in place (scipy's expit is several times slower): an
        # infinite odds gives exactly 0, minus infinity exactly 1.
        odds = np.atleast_1d(self._log_odds_dead(x, t_x, age))
        with np.errstate(over="ignore"):
            np.exp(odds, out=odds)
        odds += 1.0
        np.reciprocal(odds, out=odds)
        return odds.reshape(x.shape)

    def _expected_grid(
        self,
        times: NDArray[np.float64],
        x: NDArray[np.float64],
        t_x: NDArray[np.float64],
        age: NDArray[np.float64],
        alive: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        # E[Y(t) | x, t_x, T] = (a+b+x−1+m)/(a−1) · [1 − (1−z)^(a−1) · 2F1(a+b−1+m−r, a−1;
        # a+b+x−1+m; z)] · P(alive), z = t/(α+T+t): the Euler transform of the published
        # form, whose parameters stay small however large x grows, so it never overflows.
        r, alpha, a, b = self._values()
        if abs(a - 1) < _NEAR_ONE:
            low, high = self._around_a_of_one()
            return 0.5 * (
                low._expected_grid(times, x, t_x, age) + high._expected_grid(times, x, t_x, age)
            )
        m = 1.0 if self._MODIFIED else 0.0
        xu, tu, code = on_pairs(x.ravel(), age.ravel())
        z = times[None, :] / (alpha + tu[:, None] + times[None, :])
        c = (a + b + xu - 1 + m)[:, None]
        bracket = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - 1 + m - r, a - 1, c, z)
        per_pair = c / (a - 1) * bracket
        if alive is None:
            alive = self._p_alive(x, t_x, age)
        if len(times) == 1:
            return (per_pair[:, 0][code].reshape(x.shape) * alive)[..., None]
        return per_pair[code].reshape((*x.shape, len(times))) * alive[..., None]

    def _predict(
        self,
        horizon: float,
        x: NDArray[np.float64],
        t_x: NDArray[np.float64],
        age: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        # P(alive) and E[Y(horizon)] share their work: whatever depends on (x, T) alone
        # (the drop-out odds' constant and the hypergeometric bracket) is computed once
        # per distinct pair, and per customer only the odds' power of
        # (α+T)/(α+t_x), an exp and two gathers remain, in place in one buffer.
        r, alpha, a, b = self._values()
        if abs(a - 1) < _NEAR_ONE:
            return super()._predict(horizon, x, t_x, age)
        m = 1.0 if self._MODIFIED else 0.0
        shape = x.shape
        x, t_x, age = (v.ravel() for v in (x, t_x, age))
        xu, tu, code = on_pairs(x, age)
        constant = self._odds_constant(xu)
        z = horizon / (alpha + tu + horizon)
        c = a + b + xu - 1 + m
        bracket = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - 1 + m - r, a - 1, c, z)
        factor = c / (a - 1) * bracket
        odds = np.add(age, alpha)
        work = np.add(t_x, alpha)
        odds /= work
        np.log(odds, out=odds)
        np.add(x, r, out=work)
        odds *= work
        odds += np.take(constant, code, out=work)
        with np.errstate(over="ignore"):
            np.exp(odds, out=odds)
        odds += 1.0
        alive = np.reciprocal(odds, out=odds)
        expected = np.take(factor, code, out=work)
        expected *= alive
        return alive.reshape(shape), expected.reshape(shape)

    def purchase_probability(self, n: object, t: float) -> NDArray[np.float64]:
        """P(a new customer makes exactly ``n`` repeat purchases in its first ``t`` time units).

        A customer who is still alive after ``n`` purchases made exactly ``n`` in
        ``t``; one who dropped out at the chance after its ``n``-th (at the first
        purchase too, under MBG/NBD) made at least ``n`` before: with
        ``m`` = 1 for MBG/NBD and 0 for BG/NBD,
        ``P(n) = B(a, b+n+m)/B(a, b) · NB(n; t) + B(a+1, b+n−1+m)/B(a, b) · P(N(t) >= n)``,
        the second term absent for BG/NBD at n = 0.

        Raises:
            InvalidValue: ``n`` is not whole numbers >= 0, or ``t`` is not > 0.
        """
        from scipy.special import betainc, betaln

        count = _counts(n)
        time = _window(t)
        r, alpha, a, b = self._values()
        m = 1.0 if self._MODIFIED else 0.0
        first = np.exp(betaln(a, b + count + m) - betaln(a, b) + _log_nbd(r, alpha, count, time))
        # P(N(t) >= n), the negative binomial's upper tail, is a regularised beta.
        tail = np.where(count > 0, betainc(np.maximum(count, 1), r, time / (alpha + time)), 1.0)
        second_exists = (count + m) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            second = np.where(
                second_exists,
                np.exp(
                    betaln(a + 1, np.where(second_exists, b + count - 1 + m, 1.0)) - betaln(a, b)
                )
                * tail,
                0.0,
            )
        return np.asarray(first + second, dtype=np.float64)

    def _expected_new(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        r, alpha, a, b = self._values()
        if abs(a - 1) < _NEAR_ONE:
            low, high = self._around_a_of_one()
            return 0.5 * (low._expected_new(times) + high._expected_new(times))
        z = times / (alpha + times)
        if self._MODIFIED:
            bracket = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - r, a - 1, a + b, z)
            return np.asarray(b / (a - 1) * bracket, dtype=np.float64)
        bracket = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)
        return np.asarray((a + b - 1) / (a - 1) * bracket, dtype=np.float64)

    def _row_log_likelihood(
        self, x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        from custrel.clv._data import factorize

        flat = [v.ravel() for v in (x, t_x, age)]
        x_u, ix = factorize(flat[0])
        t_u, it = factorize(flat[1])
        age_u, iage = factorize(flat[2])
        d = Prepared(
            flat[0], flat[1], flat[2], np.ones(len(flat[0])), 1.0, x_u, ix, t_u, it, age_u, iage
        )
        ll, _ = _row_terms(np.log(self._values()), d, modified=self._MODIFIED, gradient=False)
        return ll.reshape(x.shape)

    def simulate(
        self,
        T: object,
        *,
        seed: int | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Draw (frequency, recency, T) for customers observed for ``T`` time units each.

        Args:
            T: each simulated customer's time since its first purchase.
            seed: for a reproducible draw.

        Returns:
            frequency, recency and T, one entry per customer.
        """
        from custrel.clv._data import as_float

        age = as_float("T", T).ravel()
        if (age <= 0).any():
            raise InvalidValue("T", float(age.min()), "times > 0")
        r, alpha, a, b = self._values()
        rng = np.random.default_rng(seed)
        n = len(age)
        rate = rng.gamma(r, 1.0 / alpha, n)
        drop = rng.beta(a, b, n)
        arrivals = rng.poisson(rate * age)
        # Purchases allowed before dropping out: geometric after each repeat purchase
        # (BG/NBD); MBG/NBD can drop out at the first purchase already.
        allowed = rng.geometric(drop) - (1 if self._MODIFIED else 0)
        x = np.minimum(arrivals, allowed)
        # The x-th of n uniform arrival times on [0, T] is T · Beta(x, n − x + 1).
        safe = np.maximum(x, 1)
        recency = np.where(x > 0, age * rng.beta(safe, np.maximum(arrivals - safe + 1, 1)), 0.0)
        return x.astype(np.float64), recency, age


@attrs.frozen
class BetaGeo(_BetaGeoFamily):
    """A fitted BG/NBD model; ``params`` are ``r, alpha, a, b``.

    Example:
        >>> model = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model.p_alive([0, 2, 2], [0, 30.43, 5.0], [38.86] * 3).round(3).tolist()
        [1.0, 0.727, 0.124]
    """

    KIND: ClassVar[ModelKind] = ModelKind.BG_NBD


@attrs.frozen
class ModifiedBetaGeo(_BetaGeoFamily):
    """A fitted MBG/NBD model; ``params`` are ``r, alpha, a, b``."""

    KIND: ClassVar[ModelKind] = ModelKind.MBG_NBD
    _MODIFIED: ClassVar[bool] = True
