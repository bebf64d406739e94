"""BG/BB: repeat buying in discrete time, one chance to buy per period.

Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time
noncontractual setting". While alive a customer buys in each period with
probability p ~ Beta(α, β), and dies at the start of each period with probability
θ ~ Beta(γ, δ). The data per customer are ``frequency`` (periods with a purchase),
``recency`` (the last such period; 0 when none) and ``n_periods`` (opportunities).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import attrs
import numpy as np

from custrel.clv._data import as_float, weights_for
from custrel.clv._errors import UnidentifiableData
from custrel.clv._fit import FittedModel, ModelKind, estimates, maximise
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["BetaGeoBetaBinom"]

_STARTS = ((1.0, 1.0, 1.0, 1.0), (0.5, 2.0, 0.5, 2.0))


def _check(
    frequency: object, recency: object, n_periods: object
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    x, t_x, n = np.broadcast_arrays(
        as_float("frequency", frequency),
        as_float("recency", recency),
        as_float("n_periods", n_periods),
    )
    for name, v in (("frequency", x), ("recency", t_x), ("n_periods", n)):
        bad = (v < 0) | (v != np.floor(v))
        if bad.any():
            at = int(np.flatnonzero(bad.ravel())[0])
            raise InvalidValue(f"{name}[{at}]", float(v.ravel()[at]), "a whole number >= 0")
    bad = (x > t_x) | (t_x > n) | ((x == 0) & (t_x > 0)) | ((x > 0) & (t_x == 0))
    if bad.any():
        at = int(np.flatnonzero(bad.ravel())[0])
        raise InvalidValue(
            f"recency[{at}]",
            float(t_x.ravel()[at]),
            "frequency <= recency <= n_periods, and recency 0 exactly when frequency is 0",
        )
    return x, t_x, n


def _row_log_likelihood(
    params: tuple[float, float, float, float],
    x: NDArray[np.float64],
    t_x: NDArray[np.float64],
    n: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Each row's log-likelihood, summed over the periods the customer may have died in.

    ``log[B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ) + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β)
    · B(γ+1, δ+t_x+i)/B(γ,δ)]``.
    """
    from scipy.special import betaln, logsumexp

    alpha, beta, gamma, delta = params
    base = -betaln(alpha, beta) - betaln(gamma, delta)
    alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n)
    width = int((n - t_x).max()) if x.size else 0
    i = np.arange(max(width, 1), dtype=np.float64)
    xs, ts, ns = x[..., None], t_x[..., None], n[..., None]
    died = betaln(alpha + xs, beta + ts - xs + i) + betaln(gamma + 1, delta + ts + i)
    died = np.where(i < ns - ts, died, -np.inf)
    terms = np.concatenate([alive[..., None], died], axis=-1)
    return np.asarray(base + logsumexp(terms, axis=-1), dtype=np.float64)


@attrs.frozen
class BetaGeoBetaBinom(FittedModel):
    """A fitted BG/BB model; ``params`` are ``alpha, beta, gamma, delta``.

    Example:
        >>> model = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> round(float(model.expected_purchases_new_customer(6)), 2)
        2.22
    """

    KIND: ClassVar[ModelKind] = ModelKind.BG_BB
    PARAMS: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")

    @classmethod
    def fit(
        cls,
        frequency: object,
        recency: object,
        n_periods: object,
        *,
        weights: object = None,
        penalty: float = 0.0,
    ) -> BetaGeoBetaBinom:
        """Fit by maximum likelihood.

        Args:
            frequency: periods with a repeat purchase, per customer (or per pattern).
            recency: the last period with a purchase (0 when none).
            n_periods: purchase opportunities observed.
            weights: customers per row (e.g. counts of each pattern).
            penalty: L2 penalty on the parameters; 0 unless asked for.

        Raises:
            InvalidValue: an input breaks a rule (named with its row).
            UnidentifiableData: no customers, or none bought again.
        """
        x, t_x, n = (v.ravel() for v in _check(frequency, recency, n_periods))
        w = weights_for(weights, len(x))
        keep = w > 0
        x, t_x, n, w = x[keep], t_x[keep], n[keep], w[keep]
        if not len(w):
            raise UnidentifiableData(cls.KIND.value, "frequency", "there are no customers")
        if not (x > 0).any():
            raise UnidentifiableData(
                cls.KIND.value, "frequency", "no customer bought again in any period"
            )

        def nll(theta: NDArray[np.float64]) -> float:
            alpha, beta, gamma, delta = (float(v) for v in np.exp(theta))
            ll = _row_log_likelihood((alpha, beta, gamma, delta), x, t_x, n)
            return -float((w * ll).sum())

        best = maximise(
            cls.KIND, cls.PARAMS, nll, _STARTS, total_weight=float(w.sum()), penalty=penalty
        )
        return cls(
            estimates(cls.PARAMS, best.log_params, best.log_covariance),
            log_likelihood=-best.neg_log_likelihood,
            n_customers=float(w.sum()),
            optimiser=best.report,
        )

    def _values(self) -> tuple[float, float, float, float]:
        p = self.params
        return p["alpha"], p["beta"], p["gamma"], p["delta"]

    def log_likelihood_of(
        self, frequency: object, recency: object, n_periods: object
    ) -> NDArray[np.float64]:
        """Each customer's log-likelihood under the model."""
        return _row_log_likelihood(self._values(), *_check(frequency, recency, n_periods))

    def p_alive(
        self, frequency: object, recency: object, n_periods: object, *, periods_ahead: int = 1
    ) -> NDArray[np.float64]:
        """Probability each customer is alive ``periods_ahead`` periods after the last observed."""
        from scipy.special import betaln

        alpha, beta, gamma, delta = self._values()
        x, t_x, n = _check(frequency, recency, n_periods)
        log_num = (
            betaln(alpha + x, beta + n - x)
            - betaln(alpha, beta)
            + betaln(gamma, delta + n + periods_ahead)
            - betaln(gamma, delta)
        )
        return np.asarray(
            np.exp(log_num - _row_log_likelihood(self._values(), x, t_x, n)), dtype=np.float64
        )

    def expected_purchases(
        self, periods: int, frequency: object, recency: object, n_periods: object
    ) -> NDArray[np.float64]:
        """Expected purchases in the next ``periods`` periods, given each customer's history."""
        from scipy.special import betaln, gammaln

        alpha, beta, gamma, delta = self._values()
        x, t_x, n = _check(frequency, recency, n_periods)
        log_a = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        log_b = gammaln(gamma + delta) - gammaln(1 + delta)
        window = _survival_slope(gamma, delta, n, n + periods)
        log_l = _row_log_likelihood(self._values(), x, t_x, n)
        return np.asarray(np.exp(log_a + log_b - log_l) * delta * window, dtype=np.float64)

    def expected_purchases_new_customer(self, periods: object) -> NDArray[np.float64]:
        """Expected repeat purchases of a new customer in its first ``periods`` periods."""
        from scipy.special import gammaln

        alpha, beta, gamma, delta = self._values()
        n = as_float("periods", periods)
        scale = np.exp(gammaln(gamma + delta) - gammaln(1 + delta))
        window = _survival_slope(gamma, delta, np.zeros_like(n), n)
        return np.asarray(alpha / (alpha + beta) * delta * scale * window, dtype=np.float64)

    def purchase_probability(self, n: object, periods: int) -> NDArray[np.float64]:
        """P(a new customer buys in exactly ``n`` of its first ``periods`` periods)."""
        from scipy.special import betaln, gammaln, logsumexp

        alpha, beta, gamma, delta = self._values()
        x = as_float("n", n)
        m = float(periods)

        def log_choose(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.asarray(gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1))

        base = -betaln(alpha, beta) - betaln(gamma, delta)
        first = (
            log_choose(np.full_like(x, m), x)
            + betaln(alpha + x, beta + m - x)
            + betaln(gamma, delta + m)
        )
        i = np.arange(int(m), dtype=np.float64)
        xs = x[..., None]
        with np.errstate(invalid="ignore"):
            rest = (
                log_choose(i, xs) + betaln(alpha + xs, beta + i - xs) + betaln(gamma + 1, delta + i)
            )
        rest = np.where(i >= xs, rest, -np.inf)
        terms = np.concatenate([np.asarray(first)[..., None], rest], axis=-1)
        out = np.exp(base + logsumexp(terms, axis=-1))
        return np.asarray(np.where(x <= m, out, 0.0), dtype=np.float64)


#: Below this distance of gamma from 1 the slope is taken at its limit (the
#: formula's two terms cancel there; the limit's own error is of this order).
_GAMMA_NEAR_ONE = 1e-8


def _survival_slope(
    gamma: float, delta: float, lo: NDArray[np.float64], hi: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(G(lo) - G(hi)) / (gamma - 1)`` with ``G(m) = Γ(1+δ+m) / Γ(γ+δ+m)``.

    BG/BB's expected purchases divide by ``gamma - 1``; at ``gamma = 1`` both terms
    are 1 and the quotient is its limit ``ψ(1+δ+hi) − ψ(1+δ+lo)`` (the derivative of
    ``G`` in ``gamma`` is ``−G·ψ(γ+δ+m)``), so the model stays defined there.
    """
    from scipy.special import gammaln, psi

    lo_m = np.asarray(lo, dtype=np.float64)
    hi_m = np.asarray(hi, dtype=np.float64)
    if abs(gamma - 1) < _GAMMA_NEAR_ONE:
        return np.asarray(psi(1 + delta + hi_m) - psi(1 + delta + lo_m), dtype=np.float64)
    first = np.exp(gammaln(1 + delta + lo_m) - gammaln(gamma + delta + lo_m))
    second = np.exp(gammaln(1 + delta + hi_m) - gammaln(gamma + delta + hi_m))
    return np.asarray((first - second) / (gamma - 1), dtype=np.float64)
