"""P(exactly n purchases in a window) for MBG/NBD and Pareto/NBD: a direct integral, sums
to one with the model's mean, and simulation agree."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from custrel.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from custrel.errors import InvalidValue
from strategies_clv import bg_params, pareto_params


def direct_pareto(p: dict[str, float], n: int, t: float) -> float:
    """Alive throughout with n purchases, or dead at τ < t after n: adaptive quadrature."""
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]

    def nb(tau: float) -> float:
        if tau == 0:
            return 1.0 if n == 0 else 0.0
        return math.exp(
            special.gammaln(r + n)
            - special.gammaln(r)
            - special.gammaln(n + 1)
            + r * math.log(alpha / (alpha + tau))
            + n * math.log(tau / (alpha + tau))
        )

    died, _ = integrate.quad(
        lambda tau: nb(tau) * s / beta * (beta / (beta + tau)) ** (s + 1),
        0.0,
        t,
        epsabs=0.0,
        epsrel=1e-12,
        limit=400,
    )
    return nb(t) * (beta / (beta + t)) ** s + died


@settings(max_examples=30)
@given(pareto_params(), st.integers(0, 30), st.floats(0.5, 60.0))
def test_pareto_nbd_purchase_probability_agrees_with_a_direct_integral(params, n, t):
    model = ParetoNBD.from_params(**params)

    got = model.purchase_probability([n], t)[0]

    assert got == pytest.approx(direct_pareto(params, n, t), rel=1e-9, abs=1e-300)


@settings(max_examples=25)
@given(st.one_of(bg_params(), pareto_params()), st.floats(0.5, 40.0))
def test_purchase_probabilities_sum_to_one_with_the_models_mean(params, t):
    model = (ParetoNBD if "s" in params else ModifiedBetaGeo).from_params(**params)
    n = np.arange(0, 4_000)

    probabilities = model.purchase_probability(n, t)

    assert (probabilities >= 0).all()
    assert probabilities.sum() <= 1.0 + 1e-9
    mean = model.expected_purchases_new_customer([t])[0]
    assert (n * probabilities).sum() <= mean * (1 + 1e-9)
    if 1.0 - probabilities.sum() < 1e-12:  # no mass past 4,000 purchases: all of it here
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
        assert (n * probabilities).sum() == pytest.approx(mean, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (ModifiedBetaGeo, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
        (ParetoNBD, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
        (BetaGeo, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    ],
)
def test_purchase_probability_matches_the_frequencies_of_simulated_customers(cls, params):
    model = cls.from_params(**params)
    customers = 200_000
    x, _, _ = model.simulate(np.full(customers, 39.0), seed=11)

    expected = model.purchase_probability(np.arange(6), 39.0)

    observed = np.bincount(x.astype(np.int64), minlength=6)[:6] / customers
    spread = np.sqrt(expected * (1 - expected) / customers)
    assert (np.abs(observed - expected) <= 5 * spread).all()


@pytest.mark.parametrize("cls", [ModifiedBetaGeo, ParetoNBD])
def test_a_count_that_is_not_a_whole_number_or_a_window_that_is_not_positive_is_refused(cls):
    params = (
        {"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 11.0}
        if cls is ParetoNBD
        else {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    )
    model = cls.from_params(**params)
    with pytest.raises(InvalidValue, match="n"):
        model.purchase_probability([1.5], 10.0)
    with pytest.raises(InvalidValue, match="t"):
        model.purchase_probability([1], 0.0)
