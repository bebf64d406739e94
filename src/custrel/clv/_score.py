"""Per-customer columns from a model: P(alive), expected purchases and lifetime value.

The entry point a columnar engine joins to its per-customer table: arrays in, arrays
out, one fit per call, no loop over customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs
import numpy as np

from custrel.clv._fit import ModelKind
from custrel.clv._transaction import TransactionModel
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel.clv._gamma import GammaGamma

__all__ = ["TRANSACTION_MODELS", "Scores", "score"]

#: The models `score` can fit by name.
TRANSACTION_MODELS: Final = (ModelKind.BG_NBD, ModelKind.MBG_NBD, ModelKind.PARETO_NBD)


def transaction_model_class(model: ModelKind | str) -> type[TransactionModel]:
    """The class of a continuous-time transaction model, by kind or stable name.

    Raises:
        InvalidValue: not one of `TRANSACTION_MODELS`.
    """
    from custrel.clv._models import MODEL_CLASSES

    allowed = ", ".join(k.value for k in TRANSACTION_MODELS)
    kind = model if isinstance(model, ModelKind) else None
    if kind is None:
        kind = next(
            (k for k in TRANSACTION_MODELS if k.value == str(model).replace("-", "/")), None
        )
    if kind not in TRANSACTION_MODELS:
        raise InvalidValue("model", model, allowed)
    cls = MODEL_CLASSES[kind]
    assert issubclass(cls, TransactionModel)
    return cls


@attrs.frozen(eq=False)
class Scores:
    """Per-customer model columns, in the input's order.

    Attributes:
        p_alive: probability each customer is still alive.
        expected_purchases: expected purchases over the horizon.
        clv: discounted value over the horizon (``None`` without spend data).
        model: the fitted transaction model.
        spend_model: the fitted spend model (``None`` without spend data).
        horizon: the horizon in the data's time unit (``periods × period_length``).
    """

    p_alive: NDArray[np.float64]
    expected_purchases: NDArray[np.float64]
    clv: NDArray[np.float64] | None
    model: TransactionModel
    spend_model: GammaGamma | None
    horizon: float

    def columns(self) -> dict[str, NDArray[np.float64]]:
        """The columns by name: ``p_alive``, ``expected_purchases`` and (with spend) ``clv``."""
        out = {"p_alive": self.p_alive, "expected_purchases": self.expected_purchases}
        if self.clv is not None:
            out["clv"] = self.clv
        return out


def score(
    frequency: object,
    recency: object,
    T: object,
    monetary_value: object = None,
    *,
    model: TransactionModel | ModelKind | str = ModelKind.BG_NBD,
    spend_model: GammaGamma | None = None,
    periods: int = 12,
    period_length: float = 1.0,
    discount_rate: float = 0.01,
) -> Scores:
    """Fit (unless given fitted models) and score every customer in one vectorised pass.

    Args:
        frequency: repeat purchases per customer.
        recency: time of the last purchase since the first.
        T: time since the first purchase.
        monetary_value: mean value of each customer's repeat purchases; without it
            there is no ``clv`` column.
        model: a fitted transaction model, or which one to fit (``"bg/nbd"``,
            ``"mbg/nbd"``, ``"pareto/nbd"``).
        spend_model: a fitted `GammaGamma`; fitted on the repeat buyers when absent.
        periods: the horizon, in periods.
        period_length: one period in the data's time unit.
        discount_rate: per period.

    Raises:
        UnidentifiableData: the data cannot identify a model (a caller may turn this
            into a note and go on without the columns).
        FitFailed: the optimiser found no maximum.
        InvalidValue: bad input.
    """
    from custrel.clv._data import check_rft
    from custrel.clv._gamma import GammaGamma

    x, t_x, age = check_rft(frequency, recency, T)
    fitted = (
        model
        if isinstance(model, TransactionModel)
        else transaction_model_class(model).fit(x, t_x, age)
    )
    horizon = periods * period_length
    grid_clv = None
    spend = spend_model
    if monetary_value is not None:
        if spend is None:
            spend = GammaGamma.fit(x, monetary_value)
        grid_clv = spend.clv(
            fitted,
            x,
            t_x,
            age,
            monetary_value,
            periods=periods,
            period_length=period_length,
            discount_rate=discount_rate,
        )
    alive, expected = fitted.predict(horizon, x, t_x, age)
    return Scores(
        p_alive=alive,
        expected_purchases=expected,
        clv=grid_clv,
        model=fitted,
        spend_model=spend,
        horizon=horizon,
    )
