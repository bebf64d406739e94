"""The seam between the report and the customer-base models of `custrel.clv`.

Two steps, like the pyramid's cut-offs ("whole base, then per customer"):

1. `fit_on_base` fits the transaction model on the base's sufficient statistic
   (the distinct (frequency, recency, T) rows with counts, `model_statistic`)
   and the Gamma-Gamma spend model on the repeat buyers. A distributed run builds
   the statistic with one aggregation (``GROUP BY frequency, recency, T``), gathers
   the repeat buyers' (frequency, monetary value), and fits on one machine.
2. `predict_columns` scores every customer with the fitted models, in one
   vectorised pass (``custrel.clv.score``), block by block if need be.

A log the model cannot be fitted on (too few customers, no repeat buyers, a fit that
does not converge) gets a typed note (`ModelNote`) in the overview, never a failure:
the model columns are then typed nulls.

Times are in the report's period (``ReportPolicy.period``), the unit of the summary's
recency and T; the horizon and the discount rate, stated in days and a year, are
converted to it here.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import TYPE_CHECKING, Final

import attrs
import numpy as np

from custrel.periods import Period
from custrel.report import (
    ALIVE_BAND_EDGES,
    AliveBand,
    ModelNote,
    ModelSummary,
    ReportModel,
    ReportPolicy,
    StageByAlive,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from custrel._labels import Labelled
    from custrel.clv import GammaGamma, SufficientStatistic, TransactionModel

__all__ = [
    "MIN_CUSTOMERS",
    "SPEND_FIT_CUSTOMERS",
    "BaseFit",
    "alive_band_codes",
    "fit_on_base",
    "model_statistic",
    "predict_columns",
    "spend_sample",
    "stage_by_alive",
    "start_loading",
    "value_at_risk",
]

#: Fewer customers than this (with at least one day of history) get no model: a fit of
#: four parameters on a handful of customers says nothing (a documented decision).
MIN_CUSTOMERS: Final = 20
#: Mean days per report period, to state the horizon and the yearly discount in it.
_DAYS_PER_PERIOD: Final = {
    Period.DAY: 1.0,
    Period.WEEK: 7.0,
    Period.MONTH: 365.25 / 12,
    Period.QUARTER: 365.25 / 4,
    Period.YEAR: 365.25,
}
#: The spend model is fitted on at most this many repeat buyers (a speed decision: its
#: three parameters are pinned down long before, and its likelihood does not collapse
#: into a small table the way the transaction models' does).
SPEND_FIT_CUSTOMERS: Final = 5_000
_DAYS_PER_YEAR: Final = 365.25
#: The predicted value is discounted month by month.
_DAYS_PER_MONTH: Final = 365.25 / 12
_CLV_MODELS: Final = {
    ReportModel.BG_NBD: "bg/nbd",
    ReportModel.MBG_NBD: "mbg/nbd",
    ReportModel.PARETO_NBD: "pareto/nbd",
}


@attrs.frozen(eq=False)
class BaseFit:
    """The models fitted on the whole base, and what the overview says about them.

    Attributes:
        summary: the model, its parameters, or the note saying why there is none.
        transactions: the fitted transaction model (``None`` without one).
        spend: the fitted Gamma-Gamma spend model (``None`` without one).
    """

    summary: ModelSummary
    transactions: TransactionModel | None = None
    spend: GammaGamma | None = None


def start_loading() -> threading.Thread:
    """Import the models' code (scipy's optimisers and special functions) in the background.

    The import costs about a third of a second of a fresh process; started while the
    log is read (arrow's reader runs without holding the interpreter), it is mostly
    done by the time the model is fitted. Join the thread before fitting; a failed
    import is left for the fit to raise.
    """

    def load() -> None:
        with contextlib.suppress(ImportError):
            for module in ("scipy.special", "scipy.optimize", "custrel.clv._models"):
                importlib.import_module(module)

    thread = threading.Thread(target=load, name="custrel-model-import", daemon=True)
    thread.start()
    return thread


def model_statistic(
    frequency: NDArray[np.generic],
    recency: NDArray[np.generic],
    T: NDArray[np.generic],  # noqa: N803 - the literature's name
) -> SufficientStatistic:
    """The transaction models' sufficient statistic: distinct (frequency, recency, T) with counts.

    Customers first seen on the day judged (``T = 0``) are left out: with no time
    observed, their likelihood is 1 under every model here, so they carry no
    information about the parameters.
    """
    from custrel.clv import sufficient_statistic

    seen = np.asarray(T) > 0
    return sufficient_statistic(
        np.asarray(frequency)[seen], np.asarray(recency)[seen], np.asarray(T)[seen]
    )


def fit_on_base(
    statistic: SufficientStatistic,
    repeat_frequency: NDArray[np.generic],
    repeat_value: NDArray[np.generic],
    policy: ReportPolicy,
) -> BaseFit:
    """Fit ``policy.model`` on the base's statistic, and the spend model on its repeat buyers.

    Args:
        statistic: the base's (frequency, recency, T) rows with counts
            (`model_statistic`, or one aggregation of a distributed run).
        repeat_frequency: the repeat buyers' frequencies.
        repeat_value: their mean repeat spend (``monetary_value``), aligned.
        policy: the report policy (which model, the horizon).

    Returns:
        The fitted models, or a summary with the note saying why there are none.
    """
    from custrel.clv import FitFailed, GammaGamma, UnidentifiableData
    from custrel.clv._score import transaction_model_class

    kind = policy.model

    def unfitted(note: ModelNote) -> BaseFit:
        summary = ModelSummary(
            kind, note, horizon_days=policy.model_horizon_days, distinct_rows=len(statistic)
        )
        return BaseFit(summary)

    if kind is ReportModel.NONE:
        return unfitted(ModelNote.NOT_ASKED)
    if statistic.customers < MIN_CUSTOMERS:
        return unfitted(ModelNote.TOO_SMALL)
    if not (statistic.frequency > 0).any():
        return unfitted(ModelNote.NO_REPEAT_BUYERS)
    cls = transaction_model_class(_CLV_MODELS[kind])
    try:
        model = cls.fit(
            statistic.frequency, statistic.recency, statistic.T, weights=statistic.count
        )
    except UnidentifiableData:
        return unfitted(ModelNote.NO_REPEAT_BUYERS)
    except FitFailed:
        return unfitted(ModelNote.FIT_FAILED)
    value = np.asarray(repeat_value, dtype=np.float64)
    # Spend is modelled on what was paid: a repeat buyer whose repeat purchases net to
    # nothing (returns, free goods) says nothing about the spend per purchase.
    paid = value > 0
    spend: GammaGamma | None = None
    note: ModelNote | None = None
    try:
        spend = GammaGamma.fit(
            *spend_sample(np.asarray(repeat_frequency, dtype=np.float64)[paid], value[paid])
        )
    except (UnidentifiableData, FitFailed):
        note = ModelNote.NO_SPEND_MODEL
    if spend is not None and spend.params["q"] <= 1:
        # The population's mean spend does not exist: no value can be predicted.
        spend, note = None, ModelNote.NO_SPEND_MODEL
    summary = ModelSummary(
        kind,
        note,
        params=tuple((k, float(v)) for k, v in model.params.items()),
        spend_params=() if spend is None else tuple((k, float(v)) for k, v in spend.params.items()),
        log_likelihood=float(model.log_likelihood),
        horizon_days=policy.model_horizon_days,
        distinct_rows=len(statistic),
    )
    return BaseFit(summary, model, spend)


def spend_sample(
    frequency: NDArray[np.float64], value: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """At most `SPEND_FIT_CUSTOMERS` repeat buyers, evenly spread over their sorted spend.

    A systematic sample of the buyers sorted by (mean spend, frequency) keeps the
    spread of spend the model is fitted to, and does not depend on the log's order.
    The buyers come back in that order even when all are kept: the fit's sums then
    add up in one order however the base was read or split into partitions, so its
    estimates are the same to the last bit.
    """
    order = np.lexsort((frequency, value))
    if len(value) <= SPEND_FIT_CUSTOMERS:
        return frequency[order], value[order]
    picks = order[np.linspace(0, len(order) - 1, SPEND_FIT_CUSTOMERS).round().astype(np.int64)]
    return frequency[picks], value[picks]


def predict_columns(
    fitted: BaseFit,
    frequency: NDArray[np.generic],
    recency: NDArray[np.generic],
    T: NDArray[np.generic],  # noqa: N803 - the literature's name
    monetary_value: NDArray[np.generic],
    policy: ReportPolicy,
) -> dict[str, NDArray[np.float64]]:
    """Per customer ``p_alive``, ``expected_purchases`` and ``predicted_clv``, vectorised.

    Uses the models fitted on the whole base (`fit_on_base`); any block of
    customers can be scored on its own. Without a transaction model, no columns (they
    become typed nulls); without a spend model, no ``predicted_clv``.

    A customer first seen on the day judged (``T = 0``) has no history: it is alive,
    and its expectations are those of a new customer (the models' conditional
    formulas at ``T = 0``).
    """
    from custrel.clv import score
    from custrel.clv._transaction import discount_factors

    model = fitted.transactions
    if model is None:
        return {}
    unit = _DAYS_PER_PERIOD[policy.period]
    horizon = policy.model_horizon_days / unit
    months = max(1, round(policy.model_horizon_days / _DAYS_PER_MONTH))
    step = horizon / months
    rate = (1.0 + policy.model_discount_rate) ** (step * unit / _DAYS_PER_YEAR) - 1.0
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64)
    age = np.asarray(T, dtype=np.float64)
    # A net-zero or negative repeat spend counts as nothing paid (as in the fit).
    m = np.maximum(np.asarray(monetary_value, dtype=np.float64), 0.0)
    n = len(x)
    alive = np.ones(n, dtype=np.float64)
    expected = np.empty(n, dtype=np.float64)
    value = np.empty(n, dtype=np.float64) if fitted.spend is not None else None
    seen = age > 0
    if seen.any():
        scores = score(
            x[seen],
            t_x[seen],
            age[seen],
            m[seen] if value is not None else None,
            model=model,
            spend_model=fitted.spend,
            periods=months,
            period_length=step,
            discount_rate=rate,
        )
        alive[seen] = scores.p_alive
        expected[seen] = scores.expected_purchases
        if value is not None and scores.clv is not None:
            value[seen] = scores.clv
    new = ~seen
    if new.any():
        grid = step * np.arange(1, months + 1, dtype=np.float64)
        cumulative = model.expected_purchases_new_customer(grid)
        expected[new] = float(cumulative[-1])
        if value is not None and fitted.spend is not None:
            per_purchase = float(fitted.spend.expected_spend([0.0], [0.0])[0])
            increments = np.diff(cumulative, prepend=0.0)
            value[new] = per_purchase * float(increments @ discount_factors(months, rate))
    columns = {"p_alive": alive, "expected_purchases": expected}
    if value is not None:
        columns["predicted_clv"] = value
    return columns


def value_at_risk(
    predicted_clv: NDArray[np.float64], p_alive: NDArray[np.float64]
) -> NDArray[np.float64]:
    """What a call could save: the predicted value times the chance the customer is gone.

    ``predicted_clv × (1 − p_alive)`` is largest for a customer with much value still
    expected whose silence has made the model doubt it: a customer surely gone
    (nothing expected) or surely staying (nothing at risk) ranks low.
    """
    return np.asarray(predicted_clv * (1.0 - p_alive), dtype=np.float64)


def alive_band_codes(p_alive: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each customer's `AliveBand`, as its index in ``tuple(AliveBand)``."""
    return np.searchsorted(np.asarray(ALIVE_BAND_EDGES), p_alive, side="right").astype(np.int64)


def stage_by_alive(
    members: tuple[Labelled, ...], stage_codes: NDArray[np.int8], p_alive: NDArray[np.float64]
) -> tuple[StageByAlive, ...]:
    """Customers per lifecycle stage and P(alive) band, for every stage present.

    Plain counts, so the tables of two parts of a base add up to the whole's.
    """
    bands = len(AliveBand)
    known = stage_codes >= 0
    cells = stage_codes[known].astype(np.int64) * bands + alive_band_codes(p_alive[known])
    table = np.bincount(cells, minlength=len(members) * bands).reshape(len(members), bands)
    return tuple(
        StageByAlive(stage, tuple(int(c) for c in row))
        for stage, row in zip(members, table.tolist(), strict=True)
        if sum(row)
    )
