"""What every continuous-time transaction model predicts, and its discounted lifetime value.

BG/NBD, MBG/NBD and Pareto/NBD differ in their likelihood and formulas; the
predictions a user asks of them, and the discounted value built from the expected
purchases on a grid of future times, are the same questions, answered here once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import attrs
import numpy as np

from custrel.clv._data import as_float, check_rft, factorize_pair
from custrel.clv._fit import FittedModel
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["TransactionModel", "discount_factors"]

_T = TypeVar("_T", bound="TransactionModel")


def discount_factors(periods: int, discount_rate: float) -> NDArray[np.float64]:
    """``1 / (1 + d)^k`` for k = 1 … periods: the value today of one unit paid in period k.

    Raises:
        InvalidValue: ``periods`` is not a whole number >= 1, or the rate is <= -1.
    """
    if int(periods) != periods or periods < 1:
        raise InvalidValue("periods", periods, "a whole number >= 1")
    if not (discount_rate > -1 and math.isfinite(discount_rate)):
        raise InvalidValue("discount_rate", discount_rate, "a finite rate > -1 per period")
    return (1.0 + discount_rate) ** -np.arange(1, periods + 1, dtype=np.float64)


@attrs.frozen
class TransactionModel(FittedModel):
    """A fitted model of repeat purchases in continuous time (BG/NBD and kin).

    Times (``recency``, ``T``, ``t``) are in the unit the model was fitted in.
    """

    @classmethod
    def fit(
        cls: type[_T],
        frequency: object,
        recency: object,
        T: object,
        *,
        weights: object = None,
        penalty: float = 0.0,
    ) -> _T:
        """Fit by maximum likelihood (each model documents its own)."""
        raise NotImplementedError  # pragma: no cover

    def p_alive(self, frequency: object, recency: object, T: object) -> NDArray[np.float64]:
        """Probability each customer is still alive (has not dropped out) at ``T``."""
        return _in_blocks(
            lambda x, t_x, age, _: (self._p_alive(x, t_x, age),), frequency, recency, T
        )[0]

    def expected_purchases(
        self,
        t: float,
        frequency: object,
        recency: object,
        T: object,
    ) -> NDArray[np.float64]:
        """Expected purchases in the next ``t`` time units, given each customer's history."""
        times = _horizons(t)
        return _in_blocks(
            lambda x, t_x, age, _: (self._expected_grid(times, x, t_x, age)[..., 0],),
            frequency,
            recency,
            T,
        )[0]

    def expected_purchases_new_customer(self, t: object) -> NDArray[np.float64]:
        """Expected repeat purchases of a new customer in its first ``t`` time units."""
        times = as_float("t", t)
        if (times < 0).any():
            raise InvalidValue("t", float(times.min()), "a time >= 0")
        return self._expected_new(times)

    def clv(
        self,
        frequency: object,
        recency: object,
        T: object,
        spend: object,
        *,
        periods: int = 12,
        period_length: float = 1.0,
        discount_rate: float = 0.01,
    ) -> NDArray[np.float64]:
        """Discounted value of each customer's purchases over the next ``periods`` periods.

        The value is ``Σ_k spend · (E[Y(k·L)] − E[Y((k−1)·L)]) / (1 + d)^k`` for
        k = 1 … ``periods``, where ``E[Y(t)]`` are the conditional expected purchases
        and ``L`` is ``period_length`` in the model's time unit (with a model fitted in
        days, ``period_length=30`` makes months; in weeks, about 4.35). The expected
        purchases are computed on the whole grid at once, not month by month.

        Args:
            frequency: repeat purchases per customer.
            recency: time of the last purchase since the first.
            T: time since the first purchase.
            spend: expected value per purchase (e.g. `GammaGamma.expected_spend`).
            periods: how many periods ahead.
            period_length: one period in the model's time unit.
            discount_rate: discount rate per period (0.01 = 1% a period).
        """
        factors = discount_factors(periods, discount_rate)
        if not (period_length > 0 and math.isfinite(period_length)):
            raise InvalidValue("period_length", period_length, "a time > 0")
        grid = period_length * np.arange(1, periods + 1, dtype=np.float64)

        def value(
            x: NDArray[np.float64],
            t_x: NDArray[np.float64],
            age: NDArray[np.float64],
            money: NDArray[np.float64],
        ) -> tuple[NDArray[np.float64]]:
            cumulative = self._expected_grid(grid, x, t_x, age)
            increments = np.diff(cumulative, axis=-1, prepend=0.0)
            return ((increments * factors).sum(axis=-1) * money,)

        return _in_blocks(value, frequency, recency, T, as_float("spend", spend))[0]

    def predict(
        self,
        t: float,
        frequency: object,
        recency: object,
        T: object,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """P(alive) and the expected purchases in the next ``t``, in one pass.

        The same as `p_alive` and `expected_purchases`, but P(alive) is computed once.
        """
        horizon = float(_horizons(t)[0])
        alive, expected = _in_blocks(
            lambda x, t_x, age, _: self._predict(horizon, x, t_x, age), frequency, recency, T
        )
        return alive, expected

    def log_likelihood_of(
        self,
        frequency: object,
        recency: object,
        T: object,
    ) -> NDArray[np.float64]:
        """Each customer's log-likelihood under the model (times in the fitted unit)."""
        x, t_x, age = check_rft(frequency, recency, T)
        return self._row_log_likelihood(x, t_x, age)

    # --- what each model supplies ----------------------------------------------------

    def _predict(
        self,
        horizon: float,
        x: NDArray[np.float64],
        t_x: NDArray[np.float64],
        age: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """P(alive) and the expected purchases by ``horizon``, for checked rows.

        A model may share the work of the two (the BG/NBD family does).
        """
        alive = self._p_alive(x, t_x, age)
        return alive, self._expected_grid(np.array([horizon]), x, t_x, age, alive)[..., 0]

    def _p_alive(
        self, x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        raise NotImplementedError  # pragma: no cover

    def _expected_grid(
        self,
        times: NDArray[np.float64],
        x: NDArray[np.float64],
        t_x: NDArray[np.float64],
        age: NDArray[np.float64],
        alive: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Conditional expected purchases by each time of ``times``: shape ``x.shape + (k,)``.

        ``alive`` is each customer's P(alive), when the caller has it already.
        """
        raise NotImplementedError  # pragma: no cover

    def _expected_new(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError  # pragma: no cover

    def _row_log_likelihood(
        self, x: NDArray[np.float64], t_x: NDArray[np.float64], age: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        raise NotImplementedError  # pragma: no cover


#: Customers per block of a prediction: a block's temporaries stay in cache and are
#: reused, instead of fresh arrays the size of the base (a tuning knob).
_BLOCK = 1 << 17
#: Threads a large prediction's blocks run on (at most two: the machines this runs on
#: are small, and memory bandwidth is shared anyway).
_THREADS = max(1, min(2, os.cpu_count() or 1))

Block = Callable[..., tuple["NDArray[np.float64]", ...]]


def _in_blocks(
    compute: Block, frequency: object, recency: object, T: object, extra: object = None
) -> tuple[NDArray[np.float64], ...]:
    """Check and compute block by block; each output has the inputs' broadcast shape.

    ``compute(x, t_x, age, extra)`` gets a block's checked rows (and of ``extra``, an
    array of one length with them, or ``None``). A Python loop over blocks, never
    over customers.
    """
    # Converted here, checked block by block (`check_rft`, its rows offset by the block's
    # start): one pass over each input, not two.
    raw = [
        as_float("frequency", frequency, finite=False),
        as_float("recency", recency, finite=False),
        as_float("T", T, finite=False),
    ]
    if extra is not None:
        raw.append(np.asarray(extra, dtype=np.float64))
    try:
        arrays = np.broadcast_arrays(*raw)
    except ValueError:
        raise InvalidValue(
            "frequency, recency, T", tuple(a.shape for a in raw), "arrays of one length"
        ) from None
    shape = arrays[0].shape
    flat = [a.ravel() for a in arrays]
    n = flat[0].size
    if n <= _BLOCK:
        x, t_x, age = check_rft(flat[0], flat[1], flat[2])
        return tuple(
            o.reshape(shape) for o in compute(x, t_x, age, flat[3] if extra is not None else None)
        )
    outputs: list[NDArray[np.float64]] = []

    def run(start: int) -> None:
        stop = min(n, start + _BLOCK)
        x, t_x, age = check_rft(
            flat[0][start:stop], flat[1][start:stop], flat[2][start:stop], offset=start
        )
        results = compute(x, t_x, age, flat[3][start:stop] if extra is not None else None)
        if not outputs:
            outputs.extend(np.empty(n, dtype=np.float64) for _ in results)
        for out, result in zip(outputs, results, strict=True):
            out[start:stop] = result

    starts = range(0, n, _BLOCK)
    run(starts[0])  # the first block sizes the outputs
    # numpy's and scipy's array functions release the interpreter, so the other
    # blocks run on threads; results are taken in block order, so an error names the
    # first bad row, as in one pass.
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        for done in [pool.submit(run, s) for s in starts[1:]]:
            done.result()
    return tuple(o.reshape(shape) for o in outputs)


def _horizons(t: float) -> NDArray[np.float64]:
    value = float(t)
    if not (value >= 0 and math.isfinite(value)):
        raise InvalidValue("t", t, "a time >= 0")
    return np.array([value])


def on_pairs(
    x: NDArray[np.float64], age: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Distinct (frequency, T) pairs and each customer's pair.

    Hypergeometric terms depend only on these, so they are evaluated once per pair.
    """
    return factorize_pair(x, age, counts=True)


@attrs.frozen(eq=False)
class Prepared:
    """Fit-ready data: distinct rows, weights, time rescaled to the largest ``T``.

    Attributes:
        x, t_x, age: per distinct row, time divided by ``scale``.
        weight: customers per row.
        scale: the largest ``T`` (time unit of the fit).
        x_u, ix / t_u, it / age_u, iage: distinct values and each row's index, so
            that special functions run once per distinct value.
    """

    x: NDArray[np.float64]
    t_x: NDArray[np.float64]
    age: NDArray[np.float64]
    weight: NDArray[np.float64]
    scale: float
    x_u: NDArray[np.float64]
    ix: NDArray[np.intp]
    t_u: NDArray[np.float64]
    it: NDArray[np.intp]
    age_u: NDArray[np.float64]
    iage: NDArray[np.intp]

    @property
    def total(self) -> float:
        """Customers in the data."""
        return float(self.weight.sum())

    @property
    def log_jacobian(self) -> float:
        """What rescaling time removed from the log-likelihood: ``Σ w·x·log(scale)``.

        The likelihood is a density in the ``x`` purchase times, so dividing time by
        ``scale`` multiplies it by ``scale^x``; adding this back gives the total on the
        data's own time unit, as published.
        """
        return float((self.weight * self.x).sum() * math.log(self.scale))


def prepare(
    model: str,
    frequency: object,
    recency: object,
    T: object,
    weights: object,
) -> Prepared:
    """Check, collapse to the sufficient statistic and rescale; refuse unidentifiable data.

    Raises:
        InvalidValue: an input breaks a rule (named with its row).
        UnidentifiableData: no customers, or none bought again.
    """
    from custrel.clv._data import factorize, sufficient_statistic
    from custrel.clv._errors import UnidentifiableData

    stat = sufficient_statistic(frequency, recency, T, weights=weights)
    keep = stat.count > 0
    x, t_x, age, w = stat.frequency[keep], stat.recency[keep], stat.T[keep], stat.count[keep]
    if not len(w):
        raise UnidentifiableData(
            model, "frequency", "there are no customers (or all weights are 0)"
        )
    if not (x > 0).any():
        raise UnidentifiableData(
            model,
            "frequency",
            "no customer bought again, so the purchase rate and the drop-out cannot be "
            "told apart; a longer history or more customers would show repeat purchases",
        )
    scale = float(age.max())
    t_x, age = t_x / scale, age / scale
    x_u, ix = factorize(x)
    t_u, it = factorize(t_x)
    age_u, iage = factorize(age)
    return Prepared(x, t_x, age, w, scale, x_u, ix, t_u, it, age_u, iage)
