"""A fit ends soon on any log: bounded search, bounded series, a typed error when it gives up.

Work is judged by the optimiser's counts (iterations, likelihood evaluations), not by
the clock, so the tests hold on a loaded machine.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custrel.clv import BetaGeo, FitFailed, ModifiedBetaGeo, ParetoNBD
from custrel.clv._fit import MAX_EVALUATIONS, MAX_ITERATIONS
from custrel.clv._special import hyp2f1
from custrel.errors import CustrelError

MODELS = (BetaGeo, ModifiedBetaGeo, ParetoNBD)


@st.composite
def small_log(draw: st.DrawFn) -> tuple[list[float], list[float], list[float]]:
    """(frequency, recency, T) of a few to sixty customers, in whole days, as a log gives."""
    n = draw(st.integers(min_value=3, max_value=60))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=400),  # T
                st.integers(min_value=0, max_value=12),  # frequency
                st.floats(min_value=0.0, max_value=1.0),  # where the last purchase fell
            ),
            min_size=n,
            max_size=n,
        )
    )
    frequency, recency, age = [], [], []
    for t, x, where in rows:
        last = math.floor(where * t)
        repeat = x if last > 0 else 0
        frequency.append(float(repeat))
        recency.append(float(last if repeat else 0))
        age.append(float(t))
    return frequency, recency, age


def work(cls: type, *data: object) -> tuple[int, int] | None:
    """(evaluations, iterations) of a fit, or of the search that gave up (iterations 0);
    ``None`` when the data were refused before any search."""
    try:
        model = cls.fit(*data)  # type: ignore[attr-defined]
    except FitFailed as error:
        return (-1 if error.evaluations is None else error.evaluations), 0
    except CustrelError:
        return None
    assert all(math.isfinite(v) and v > 0 for v in model.params.values())
    return model.optimiser.evaluations, model.optimiser.iterations


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(small_log(), st.sampled_from(MODELS))
def test_a_fit_on_any_small_log_ends_within_its_budget_with_a_fit_or_a_typed_error(log, cls):
    spent = work(cls, *log)
    if spent is not None:
        evaluations, iterations = spent
        assert 0 <= evaluations <= MAX_EVALUATIONS
        assert iterations <= MAX_ITERATIONS


def test_a_log_without_drop_outs_stops_the_search_when_a_parameter_runs_off():
    # Purchases spread evenly over each customer's whole history: nobody has left, so
    # the drop-out probability runs off towards 0.
    rng = np.random.default_rng(3)
    age = rng.integers(30, 400, 2_000).astype(float)
    x = rng.poisson(age / 30.0).astype(float)
    recency = np.where(x > 0, np.floor(age * rng.beta(np.maximum(x, 1), 1.0)), 0.0)
    x = np.where(recency > 0, x, 0.0)
    with pytest.raises(FitFailed) as raised:
        BetaGeo.fit(x, recency, age)

    assert raised.value.parameter in ("a", "b")
    assert "ran off" in raised.value.reason or "flat" in raised.value.reason
    assert raised.value.evaluations is not None
    assert raised.value.evaluations < 200


def test_a_pareto_nbd_fit_whose_drop_out_shape_runs_off_gives_up_within_its_budget():
    # The customers of a log whose Pareto/NBD search used to walk a ridge for minutes.
    x = [0, 0, 0, 0, 2, 5, 1, 0, 5, 5, 0, 0, 0, 5, 0, 3, 0, 0, 1, 0, 4, 2, 1, 5, 0, 0]
    x += [5, 0, 0, 5, 0, 3, 3, 4, 5]
    t_x = [0, 0, 0, 0, 21, 52, 13, 0, 6, 74, 0, 0, 0, 24, 0, 28, 0, 0, 8, 0, 11, 6, 39]
    t_x += [14, 0, 0, 32, 0, 0, 22, 0, 10, 29, 26, 60]
    age = [88, 5, 33, 20, 38, 94, 14, 17, 41, 85, 1, 82, 78, 39, 5, 47, 70, 82, 16, 68]
    age += [55, 83, 71, 76, 85, 69, 40, 91, 56, 82, 11, 18, 55, 75, 95]
    spent = work(ParetoNBD, x, t_x, age)
    assert spent is not None
    assert 0 <= spent[0] <= MAX_EVALUATIONS


def _direct_series(a: float, b: float, c: float, z: float) -> float:
    total, term, j = 1.0, 1.0, 0
    while abs(term) > 1e-17 * abs(total):
        term *= (a + j) * (b + j) / ((c + j) * (j + 1)) * z
        total += term
        j += 1
    return total


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [(1.0, 1.0, 101.0, 0.98), (1.0, 1614.46, 1615.8, 0.9997), (1.0, 2.5, 3.7, 0.999)],
)
def test_where_scipy_gives_up_the_series_agrees_with_a_direct_sum(a, b, c, z):
    assert hyp2f1(a, b, c, z)[()] == pytest.approx(_direct_series(a, b, c, z), rel=1e-11)


def test_a_series_that_cannot_converge_within_its_bound_is_nan_not_a_long_wait():
    # About 100,000 terms are needed here; allowed 2,048, it is declared not computable.
    assert math.isnan(hyp2f1(1.0, 1614.46, 1615.8, 0.9997, max_terms=2_048)[()])
    assert math.isfinite(hyp2f1(1.0, 1614.46, 1615.8, 0.9997)[()])
