"""Gamma-Gamma: what a customer spends per purchase, independent of how often it buys.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis" (after Colombo & Jiang 1999). Each purchase's value is Gamma(p, ν); a
customer's ν is Gamma(q, v) across customers. Fitted on customers with repeat
purchases, from their number ``x`` and mean value ``m̄``; ``params`` are ``p, q, v``
(the paper's γ is ``v``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

import attrs
import numpy as np

from custrel.clv._data import as_float, weights_for
from custrel.clv._errors import UnidentifiableData
from custrel.clv._fit import FittedModel, ModelKind, estimates, maximise
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel.clv._transaction import TransactionModel

__all__ = ["GammaGamma"]

_STARTS = ((1.0, 1.0, 1.0), (5.0, 3.0, 10.0))


def _row_log_likelihood(
    p: float, q: float, v: float, x: NDArray[np.float64], m: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Log density of the mean spend ``m`` of ``x`` purchases."""
    from scipy.special import gammaln

    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + x * m),
        dtype=np.float64,
    )


@attrs.frozen
class GammaGamma(FittedModel):
    """A fitted Gamma-Gamma spend model; ``params`` are ``p, q, v``.

    Example:
        >>> model = GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
        >>> model.expected_spend([0, 1, 10], [0.0, 20.0, 20.0]).round(2).tolist()
        [35.22, 24.64, 20.64]
    """

    KIND: ClassVar[ModelKind] = ModelKind.GAMMA_GAMMA
    PARAMS: ClassVar[tuple[str, ...]] = ("p", "q", "v")

    @classmethod
    def fit(
        cls,
        frequency: object,
        monetary_value: object,
        *,
        weights: object = None,
        penalty: float = 0.0,
    ) -> GammaGamma:
        """Fit on the customers with repeat purchases (``frequency > 0``); others are ignored.

        Args:
            frequency: repeat purchases per customer.
            monetary_value: mean value of those repeat purchases (> 0 where frequency > 0).
            weights: customers per row.
            penalty: L2 penalty on the (money-rescaled) parameters; 0 unless asked for.

        Raises:
            InvalidValue: an input breaks a rule (named with its row).
            UnidentifiableData: fewer than two repeat buyers, or all spend the same.
        """
        x, m = np.broadcast_arrays(
            as_float("frequency", frequency), as_float("monetary_value", monetary_value)
        )
        x, m = x.ravel(), m.ravel()
        w = weights_for(weights, len(x))
        bad = (x < 0) | (x != np.floor(x))
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise InvalidValue(f"frequency[{at}]", float(x[at]), "a whole number >= 0")
        use = (x > 0) & (w > 0)
        bad = use & (m <= 0)
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise InvalidValue(
                f"monetary_value[{at}]", float(m[at]), "a value > 0 for a repeat buyer"
            )
        x, m, w = x[use], m[use], w[use]
        if w.sum() < 2 or np.ptp(m) == 0:
            raise UnidentifiableData(
                cls.KIND.value,
                "monetary_value",
                "the spread of spend needs at least two repeat buyers who spent differently",
            )
        scale = float(np.average(m, weights=w))
        ms = m / scale

        def nll(theta: NDArray[np.float64]) -> float:
            p, q, v = (float(t) for t in np.exp(theta))
            return -float((w * _row_log_likelihood(p, q, v, x, ms)).sum())

        best = maximise(
            cls.KIND, cls.PARAMS, nll, _STARTS, total_weight=float(w.sum()), penalty=penalty
        )
        theta = best.log_params.copy()
        theta[2] += math.log(scale)  # v is a money scale
        return cls(
            estimates(cls.PARAMS, theta, best.log_covariance),
            # The density of m̄ in the data's own money unit: undo the rescaling's Jacobian.
            log_likelihood=-best.neg_log_likelihood - float(w.sum()) * math.log(scale),
            n_customers=float(w.sum()),
            optimiser=best.report,
        )

    def log_likelihood_of(self, frequency: object, monetary_value: object) -> NDArray[np.float64]:
        """Each repeat buyer's log-density of its mean spend."""
        p = self.params
        x, m = np.broadcast_arrays(
            as_float("frequency", frequency), as_float("monetary_value", monetary_value)
        )
        return _row_log_likelihood(p["p"], p["q"], p["v"], x, m)

    def expected_spend(self, frequency: object, monetary_value: object) -> NDArray[np.float64]:
        """Expected value per purchase given the customer's history.

        ``E[M | x, m̄] = (p·(v + x·m̄)) / (p·x + q − 1)``: a weighted average of the
        population mean ``p·v/(q − 1)`` and the customer's own mean, the latter
        weighing more the more purchases there are. A customer without repeat
        purchases gets the population mean (its ``monetary_value`` is ignored).

        Raises:
            InvalidValue: ``q <= 1`` (the population mean does not exist) or bad input.
        """
        p, q, v = (self.params[k] for k in self.PARAMS)
        if q <= 1:
            raise InvalidValue("q", q, "a value > 1 for the mean spend to exist")
        x, m = np.broadcast_arrays(
            as_float("frequency", frequency), as_float("monetary_value", monetary_value)
        )
        m = np.where(x > 0, m, 0.0)
        return np.asarray(p * (v + x * m) / (p * x + q - 1), dtype=np.float64)

    def clv(
        self,
        transactions: TransactionModel,
        frequency: object,
        recency: object,
        T: object,
        monetary_value: object,
        *,
        periods: int = 12,
        period_length: float = 1.0,
        discount_rate: float = 0.01,
    ) -> NDArray[np.float64]:
        """Discounted lifetime value: ``transactions``' purchases times this model's spend.

        See `TransactionModel.clv` for the arguments.
        """
        spend = self.expected_spend(frequency, monetary_value)
        return transactions.clv(
            frequency,
            recency,
            T,
            spend,
            periods=periods,
            period_length=period_length,
            discount_rate=discount_rate,
        )
