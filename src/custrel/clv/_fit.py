"""Maximum likelihood in log-parameter space, and the fitted value every model shares.

Parameters are optimised as logarithms (so they stay positive without constraints)
on data whose time is rescaled to the largest ``T`` (so they are of order one).
A fit is accepted when the optimiser converges or when the gradient is small
anyway: BFGS often reports "precision loss" at a maximum it has found, because the
likelihood is flat there to machine precision. Standard errors come from the
observed information (the numerical Hessian of the negative log-likelihood in
log-parameter space) and the delta method; intervals are Wald intervals in log
space mapped back, so they stay positive.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

import attrs

from custrel._labels import Bilingual, Labelled
from custrel.clv._errors import FitFailed
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "MAX_EVALUATIONS",
    "MAX_ITERATIONS",
    "PARAMETER_LABELS",
    "Estimate",
    "FittedModel",
    "ModelKind",
    "OptimiserReport",
    "from_json",
]


class ModelKind(Labelled):
    """The customer-base models, with their names as analysts know them."""

    BG_NBD = (
        "bg/nbd",
        "BG/NBD (beta-geometric / negative binomial)",
        "BG/NBD 模型（贝塔几何/负二项）",
    )
    MBG_NBD = (
        "mbg/nbd",
        "MBG/NBD (modified beta-geometric / negative binomial)",
        "MBG/NBD 模型（修正贝塔几何/负二项）",
    )
    PARETO_NBD = ("pareto/nbd", "Pareto/NBD", "Pareto/NBD 模型（帕累托/负二项）")
    BG_BB = (
        "bg/bb",
        "BG/BB (beta-geometric / beta-Bernoulli, discrete time)",
        "BG/BB 模型（离散时间）",
    )
    GAMMA_GAMMA = ("gamma-gamma", "Gamma-Gamma spend model", "Gamma-Gamma 客单价模型")


#: What each parameter means, for people (keyed by model, then parameter).
PARAMETER_LABELS: Final[Mapping[ModelKind, Mapping[str, Bilingual]]] = {
    ModelKind.BG_NBD: {
        "r": Bilingual("shape of the purchase-rate distribution", "购买率分布的形状参数"),
        "alpha": Bilingual("scale of the purchase-rate distribution", "购买率分布的尺度参数"),
        "a": Bilingual("drop-out probability, beta shape a", "流失概率的贝塔分布参数 a"),
        "b": Bilingual("drop-out probability, beta shape b", "流失概率的贝塔分布参数 b"),
    },
    ModelKind.MBG_NBD: {
        "r": Bilingual("shape of the purchase-rate distribution", "购买率分布的形状参数"),
        "alpha": Bilingual("scale of the purchase-rate distribution", "购买率分布的尺度参数"),
        "a": Bilingual("drop-out probability, beta shape a", "流失概率的贝塔分布参数 a"),
        "b": Bilingual("drop-out probability, beta shape b", "流失概率的贝塔分布参数 b"),
    },
    ModelKind.PARETO_NBD: {
        "r": Bilingual("shape of the purchase-rate distribution", "购买率分布的形状参数"),
        "alpha": Bilingual("scale of the purchase-rate distribution", "购买率分布的尺度参数"),
        "s": Bilingual("shape of the drop-out-rate distribution", "流失率分布的形状参数"),
        "beta": Bilingual("scale of the drop-out-rate distribution", "流失率分布的尺度参数"),
    },
    ModelKind.BG_BB: {
        "alpha": Bilingual("purchase probability, beta shape alpha", "购买概率的贝塔分布参数 α"),
        "beta": Bilingual("purchase probability, beta shape beta", "购买概率的贝塔分布参数 β"),
        "gamma": Bilingual("drop-out probability, beta shape gamma", "流失概率的贝塔分布参数 γ"),
        "delta": Bilingual("drop-out probability, beta shape delta", "流失概率的贝塔分布参数 δ"),
    },
    ModelKind.GAMMA_GAMMA: {
        "p": Bilingual("shape of each purchase's spend", "单次消费金额的形状参数"),
        "q": Bilingual(
            "shape of the customers' spend-rate distribution", "客户消费率分布的形状参数"
        ),
        "v": Bilingual(
            "scale of the customers' spend-rate distribution", "客户消费率分布的尺度参数"
        ),
    },
}

#: A (time-rescaled) parameter beyond e^±12 (about 1.6·10^±5) has run off towards 0
#: or infinity along a ridge: the data do not identify it. The search stops at the
#: first iterate beyond it, rather than following the ridge for ever.
IDENTIFIED_LOG_LIMIT: Final = 12.0
#: The search never evaluates the likelihood beyond e^±14: there it is taken as not
#: finite, so that no trial step lands where the special functions are slow or wrong.
SEARCH_LOG_LIMIT: Final = 14.0
#: Iterations of one search (from one start, or the final polish).
MAX_ITERATIONS: Final = 400
#: Likelihood evaluations of a whole fit (every start, the polish, the gradient by
#: finite differences): a fit that needs more gives up with `FitFailed`.
MAX_EVALUATIONS: Final = 2_000
#: A fit is accepted when the largest gradient component of the mean negative
#: log-likelihood (per customer, in log parameters) is at most this.
GRADIENT_TOLERANCE: Final = 1e-5
#: Step of the finite differences in log-parameter space.
_GRADIENT_STEP: Final = 1e-6
_FORWARD_STEP: Final = 1e-8
_HESSIAN_STEP: Final = 1e-4

_M = TypeVar("_M", bound="FittedModel")


@attrs.frozen
class Estimate:
    """One parameter's maximum-likelihood estimate and its standard error.

    Attributes:
        name: the parameter (``"r"``, ``"alpha"``, ...).
        value: the estimate.
        std_error: its standard error by the delta method (NaN when the observed
            information is singular, or for parameters set by hand).
    """

    name: str
    value: float
    std_error: float = math.nan

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """The Wald interval of ``log(value)`` at ``level``, mapped back (always positive)."""
        if not 0 < level < 1:
            raise InvalidValue("level", level, "a probability strictly between 0 and 1")
        z = math.sqrt(2.0) * _erfinv(level)
        spread = z * self.std_error / self.value
        return (self.value * math.exp(-spread), self.value * math.exp(spread))


def _erfinv(y: float) -> float:
    from scipy.special import erfinv

    return float(erfinv(y))


@attrs.frozen
class OptimiserReport:
    """What the optimiser did.

    Attributes:
        method: the scipy method.
        converged: whether the fit was accepted (converged, or a small gradient).
        message: the optimiser's own message.
        iterations: iterations of the best start.
        evaluations: likelihood evaluations over all starts.
        gradient_norm: largest gradient component at the optimum (mean per customer,
            log parameters).
        starts: how many starting points were tried.
        penalty: the L2 penalty coefficient (0 unless asked for).
    """

    method: str
    converged: bool
    message: str
    iterations: int
    evaluations: int
    gradient_norm: float
    starts: int
    penalty: float = 0.0


@attrs.frozen
class FittedModel:
    """What every fitted customer-base model has: estimates, likelihood, optimiser report.

    Attributes:
        estimates: one per parameter, in the model's order.
        log_likelihood: the total log-likelihood at the estimates, on the data's own
            time and money units (comparable with the published figures).
        n_customers: customers fitted (the sum of the weights).
        optimiser: the optimiser's report (``None`` for a model built from parameters).
    """

    KIND: ClassVar[ModelKind]
    PARAMS: ClassVar[tuple[str, ...]]

    estimates: tuple[Estimate, ...]
    log_likelihood: float = math.nan
    n_customers: float = 0.0
    optimiser: OptimiserReport | None = None

    def __attrs_post_init__(self) -> None:
        """Check the estimates are this model's parameters, positive."""
        names = tuple(e.name for e in self.estimates)
        if names != self.PARAMS:
            raise InvalidValue("estimates", names, f"the parameters {self.PARAMS}")
        for e in self.estimates:
            if not (e.value > 0 and math.isfinite(e.value)):
                raise InvalidValue(e.name, e.value, "a finite number > 0")

    def _repr_html_(self) -> str:
        from custrel._html import model_html

        return model_html(self)

    @property
    def kind(self) -> ModelKind:
        """Which model this is."""
        return self.KIND

    @property
    def params(self) -> Mapping[str, float]:
        """The estimates by name (read-only)."""
        return MappingProxyType({e.name: e.value for e in self.estimates})

    @property
    def std_errors(self) -> Mapping[str, float]:
        """Standard errors by name (read-only)."""
        return MappingProxyType({e.name: e.std_error for e in self.estimates})

    def confidence_intervals(self, level: float = 0.95) -> Mapping[str, tuple[float, float]]:
        """Each parameter's interval at ``level`` (see `Estimate.confidence_interval`)."""
        return MappingProxyType({e.name: e.confidence_interval(level) for e in self.estimates})

    @classmethod
    def from_params(cls: type[_M], **params: float) -> _M:
        """A model with parameters set by hand (for simulation, or published values).

        Raises:
            InvalidValue: a parameter is missing, unknown, or not positive.
        """
        if set(params) != set(cls.PARAMS):
            raise InvalidValue("params", sorted(params), f"exactly {', '.join(cls.PARAMS)}")
        return cls(tuple(Estimate(n, float(params[n])) for n in cls.PARAMS))

    def describe(self, lang: str = "en") -> str:
        """The estimates as readable lines, in English (``"en"``) or Chinese (``"zh"``)."""
        labels = PARAMETER_LABELS[self.KIND]
        zh = lang == "zh"
        lines = [self.KIND.zh if zh else self.KIND.en]
        for e in self.estimates:
            low, high = e.confidence_interval() if math.isfinite(e.std_error) else (math.nan,) * 2
            text = labels[e.name].zh if zh else labels[e.name].en
            if zh:
                lines.append(
                    f"  {e.name} = {e.value:.4g}（95% 置信区间 {low:.4g} – {high:.4g}）：{text}"
                )
            else:
                lines.append(f"  {e.name} = {e.value:.4g} (95% CI {low:.4g} – {high:.4g}): {text}")
        if math.isfinite(self.log_likelihood):
            lines.append(f"  {'对数似然' if zh else 'log-likelihood'} = {self.log_likelihood:.1f}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; `from_json` (or ``from_dict``) reads it back."""
        return {
            "model": self.KIND.value,
            "params": dict(self.params),
            "std_errors": {e.name: _num(e.std_error) for e in self.estimates},
            "log_likelihood": _num(self.log_likelihood),
            "n_customers": self.n_customers,
            "optimiser": None if self.optimiser is None else attrs.asdict(self.optimiser),
        }

    def to_json(self) -> str:
        """The fitted model as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _float(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def from_dict(data: Mapping[str, Any]) -> FittedModel:
    """A fitted model from `FittedModel.to_dict` output.

    Raises:
        InvalidValue: the model name or the parameters are not valid.
    """
    from custrel.clv import _models

    kind = ModelKind.from_value(data.get("model"))
    cls = _models.MODEL_CLASSES[kind]
    params = data.get("params") or {}
    errors = data.get("std_errors") or {}
    if not isinstance(params, Mapping) or set(params) != set(cls.PARAMS):
        raise InvalidValue("params", params, f"a mapping of {', '.join(cls.PARAMS)}")
    report = data.get("optimiser")
    return cls(
        tuple(Estimate(n, float(params[n]), _float(errors.get(n))) for n in cls.PARAMS),
        log_likelihood=_float(data.get("log_likelihood")),
        n_customers=float(data.get("n_customers", 0.0)),
        optimiser=None if report is None else OptimiserReport(**report),
    )


def from_json(text: str) -> FittedModel:
    """A fitted model from `FittedModel.to_json` text.

    Raises:
        InvalidValue: the text is not a fitted model's JSON.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidValue("json", text[:40], f"a fitted model's JSON ({error})") from None
    if not isinstance(data, Mapping):
        raise InvalidValue("json", text[:40], "a JSON object")
    return from_dict(data)


# --- the optimiser -------------------------------------------------------------

Objective = Callable[["NDArray[np.float64]"], float]
Gradient = Callable[["NDArray[np.float64]"], "NDArray[np.float64]"]
ValueAndGradient = Callable[["NDArray[np.float64]"], "tuple[float, NDArray[np.float64]]"]


@attrs.frozen(eq=False)
class Maximum:
    """The optimum in (rescaled) log-parameter space, before mapping back."""

    log_params: NDArray[np.float64]
    log_covariance: NDArray[np.float64]
    neg_log_likelihood: float
    report: OptimiserReport


def _numeric_gradient(
    f: Objective, theta: NDArray[np.float64], *, central: bool = True
) -> NDArray[np.float64]:
    """Finite differences of ``f`` at ``theta``.

    Forward ones (half the cost) while searching; central ones (accurate to the step
    squared) to judge the optimum.
    """
    import numpy as np

    grad = np.empty_like(theta)
    f0 = 0.0 if central else f(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        if central:
            step[i] = _GRADIENT_STEP
            grad[i] = (f(theta + step) - f(theta - step)) / (2 * _GRADIENT_STEP)
        else:
            step[i] = _FORWARD_STEP
            grad[i] = (f(theta + step) - f0) / _FORWARD_STEP
    return grad


def _hessian(f: Objective, theta: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    k = len(theta)
    h = _HESSIAN_STEP
    hess = np.empty((k, k))
    f0 = f(theta)
    eye = np.eye(k) * h
    for i in range(k):
        hess[i, i] = (f(theta + eye[i]) - 2 * f0 + f(theta - eye[i])) / h**2
        for j in range(i):
            hess[i, j] = hess[j, i] = (
                f(theta + eye[i] + eye[j])
                - f(theta + eye[i] - eye[j])
                - f(theta - eye[i] + eye[j])
                + f(theta - eye[i] - eye[j])
            ) / (4 * h**2)
    return hess


class _RanOff(Exception):
    """The search reached an iterate with a parameter beyond `IDENTIFIED_LOG_LIMIT`."""

    def __init__(self, theta: NDArray[np.float64]) -> None:
        super().__init__()
        self.theta = theta


class _OutOfBudget(Exception):
    """The search used up `MAX_EVALUATIONS` likelihood evaluations."""


def _ran_off(model: ModelKind, names: Sequence[str], theta: NDArray[np.float64]) -> FitFailed:
    import numpy as np

    i = int(np.argmax(np.abs(theta)))
    return FitFailed(
        model.value,
        names[i],
        float(np.exp(theta[i])),
        "it ran off towards 0 or infinity, so the data do not identify it; more "
        "customers or a longer history would, or fit with a small penalty",
    )


def maximise(  # noqa: PLR0912, PLR0915 - the search, its checks and the report in one place
    model: ModelKind,
    names: Sequence[str],
    neg_log_likelihood: Objective,
    starts: Sequence[Sequence[float]],
    *,
    total_weight: float,
    value_and_gradient: ValueAndGradient | None = None,
    penalty: float = 0.0,
    rough: tuple[Objective, float] | None = None,
) -> Maximum:
    """Minimise the negative log-likelihood over log-parameters from each start.

    Several starts are searched roughly (on ``rough``, a subsample of the customers,
    when given); the best is then polished to full precision on all the data.

    The search is bounded, so that a fit on any data ends soon: the likelihood is
    never evaluated beyond `SEARCH_LOG_LIMIT`, an iterate beyond
    `IDENTIFIED_LOG_LIMIT` stops the search (the parameter runs off towards 0 or
    infinity), each search has at most `MAX_ITERATIONS` iterations and the whole fit
    at most `MAX_EVALUATIONS` likelihood evaluations.

    Args:
        model: which model (for messages).
        names: the parameter names, in order.
        neg_log_likelihood: total negative log-likelihood of log-parameters.
        starts: starting points, as (rescaled) parameter values (not logs).
        total_weight: customers in the data, to judge the gradient per customer.
        value_and_gradient: the negative log-likelihood and its gradient together,
            when the gradient is known in closed form.
        penalty: L2 penalty coefficient on the (rescaled) parameters.
        rough: the negative log-likelihood of a subsample and its customers, for the
            search from several starts.

    Raises:
        FitFailed: no start reached an accepted maximum, a parameter ran off
            towards 0 or infinity (the data do not identify it), or the search ran
            out of evaluations.
    """
    import numpy as np
    from scipy.optimize import minimize

    if not penalty >= 0:
        raise InvalidValue("penalty", penalty, "a number >= 0 (0: no penalty)")
    evaluations = 0
    budgeted = True

    def count() -> None:
        nonlocal evaluations
        if budgeted and evaluations >= MAX_EVALUATIONS:
            raise _OutOfBudget
        evaluations += 1

    def outside(theta: NDArray[np.float64]) -> bool:
        return not bool(np.all(np.abs(theta) <= SEARCH_LOG_LIMIT))

    def problem(nll: Objective, weight: float) -> tuple[Objective, ValueAndGradient]:
        scale = 1.0 / weight

        def objective(theta: NDArray[np.float64]) -> float:
            if outside(theta):
                return 1e300
            count()
            value = nll(theta) * scale
            if penalty:
                value += penalty * float(np.exp(2 * theta).sum())
            return value if math.isfinite(value) else 1e300

        def both(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            if value_and_gradient is None or nll is not neg_log_likelihood:
                return objective(theta), _numeric_gradient(objective, theta, central=False)
            if outside(theta):
                return 1e300, np.zeros_like(theta)
            count()
            value, grad = value_and_gradient(theta)
            value, grad = value * scale, grad * scale
            if penalty:
                value += penalty * float(np.exp(2 * theta).sum())
                grad = grad + 2 * penalty * np.exp(2 * theta)
            if not (math.isfinite(value) and np.all(np.isfinite(grad))):
                return 1e300, np.zeros_like(theta)
            return value, grad

        return objective, both

    def watch(theta: NDArray[np.float64]) -> None:
        if np.abs(theta).max() >= IDENTIFIED_LOG_LIMIT:
            raise _RanOff(np.array(theta, dtype=np.float64))

    objective, both = problem(neg_log_likelihood, total_weight)
    search = both if rough is None else problem(*rough)[1]
    best: Any = None
    # BFGS, not L-BFGS-B: with four parameters the limited-memory bookkeeping buys
    # nothing, and its BLAS calls cost more than the likelihood on a busy machine.
    # Log-parameters need no bounds; a parameter that runs off is caught by `watch`.
    # A finite-difference gradient is good to about 1e-8, so asking more of it only
    # makes the line search fail over and over.
    loose = {"maxiter": MAX_ITERATIONS, "gtol": 1e-6}
    fine = {"maxiter": MAX_ITERATIONS, "gtol": 1e-10 if value_and_gradient else 1e-7}
    polish = len(starts) > 1 or rough is not None
    ran_off: _RanOff | None = None
    try:
        for start in starts:
            x0 = np.log(np.asarray(start, dtype=np.float64))
            try:
                result = minimize(
                    search,
                    x0,
                    jac=True,
                    method="BFGS",
                    callback=watch,
                    options=loose if polish else fine,
                )
            except _RanOff as error:
                ran_off = error  # another start may still find an inner maximum
                continue
            if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
                best = result
        if best is None and ran_off is not None:
            raise _ran_off(model, names, ran_off.theta).with_evaluations(evaluations)
        if best is None or best.fun >= 1e300:
            raise FitFailed(
                model.value, None, math.nan, "the likelihood is not finite anywhere"
            ).with_evaluations(evaluations)
        if polish:
            # The search's curvature estimate carries over: both objectives are per customer.
            curvature = getattr(best, "hess_inv", None)
            options: dict[str, object] = dict(fine)
            if isinstance(curvature, np.ndarray) and _positive_definite(curvature):
                options["hess_inv0"] = (curvature + curvature.T) / 2
            try:
                best = minimize(
                    both, best.x, jac=True, method="BFGS", callback=watch, options=options
                )
            except _RanOff as error:
                raise _ran_off(model, names, error.theta).with_evaluations(evaluations) from None
    except _OutOfBudget:
        raise FitFailed(
            model.value,
            None,
            math.nan,
            f"the search used its {MAX_EVALUATIONS:,} likelihood evaluations without "
            "reaching a maximum; the data may not identify the model",
        ).with_evaluations(evaluations) from None
    budgeted = False
    theta = np.asarray(best.x, dtype=np.float64)
    if np.abs(theta).max() >= IDENTIFIED_LOG_LIMIT:
        raise _ran_off(model, names, theta).with_evaluations(evaluations)
    if value_and_gradient is None:
        gradient = _numeric_gradient(objective, theta, central=True)
    else:
        gradient = both(theta)[1]
    grad_norm = float(np.abs(gradient).max())
    accepted = bool(best.success) or grad_norm <= GRADIENT_TOLERANCE
    if not accepted or not math.isfinite(float(best.fun)) or best.fun >= 1e300:
        raise FitFailed(
            model.value,
            None,
            float(best.fun),
            f"{best.message} (largest gradient component {grad_norm:.3g})",
        ).with_evaluations(evaluations)
    if value_and_gradient is None:
        hess = _hessian(objective, theta) * total_weight
    else:
        hess = _jacobian_of(lambda t: both(t)[1], theta) * total_weight
    try:
        if not np.all(np.isfinite(hess)):
            raise np.linalg.LinAlgError
        np.linalg.cholesky(hess)  # positive definite: a proper maximum
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        i = int(np.argmax(np.abs(theta)))
        raise FitFailed(
            model.value,
            names[i],
            float(np.exp(theta[i])),
            "the likelihood is flat along some direction at the maximum (the observed "
            "information is singular), so the data do not identify the parameters; more "
            "customers or a longer history would, or fit with a small penalty",
        ).with_evaluations(evaluations) from None
    report = OptimiserReport(
        method="BFGS",
        converged=accepted,
        message=str(best.message),
        iterations=int(best.nit),
        evaluations=evaluations,
        gradient_norm=grad_norm,
        starts=len(starts),
        penalty=penalty,
    )
    return Maximum(
        theta, np.asarray(cov, dtype=np.float64), float(neg_log_likelihood(theta)), report
    )


def _positive_definite(matrix: object) -> bool:
    import numpy as np

    if not isinstance(matrix, np.ndarray) or not np.all(np.isfinite(matrix)):
        return False
    try:
        np.linalg.cholesky((matrix + matrix.T) / 2)
    except np.linalg.LinAlgError:
        return False
    return True


def _jacobian_of(gradient: Gradient, theta: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Hessian as central differences of an exact gradient, symmetrised."""
    import numpy as np

    k = len(theta)
    hess = np.empty((k, k))
    for i in range(k):
        step = np.zeros(k)
        step[i] = _HESSIAN_STEP
        hess[i] = (gradient(theta + step) - gradient(theta - step)) / (2 * _HESSIAN_STEP)
    return np.asarray((hess + hess.T) / 2, dtype=np.float64)


def estimates(
    names: Sequence[str], log_params: NDArray[np.float64], log_covariance: NDArray[np.float64]
) -> tuple[Estimate, ...]:
    """Estimates with delta-method standard errors from log-parameters and their covariance."""
    import numpy as np

    values = np.exp(log_params)
    log_se = np.sqrt(np.diag(log_covariance))
    return tuple(
        Estimate(n, float(v), float(v * s)) for n, v, s in zip(names, values, log_se, strict=True)
    )
