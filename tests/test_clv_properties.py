"""Properties of the customer-base models: slow direct likelihoods agree, P(alive) behaves,
and fits on simulated data recover the parameters within their intervals."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from custrel.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    from_json,
)
from strategies_clv import bg_params, discrete_history, history, pareto_params

# --- slow, direct likelihoods: integrate over the purchase rate numerically ---------------


QUANTILES = [1e-14, 1e-6, 0.01, 0.5, 0.99, 1 - 1e-6, 1 - 1e-14]


def log_space_quad(f, density, *peaks) -> float:
    """∫ f(λ) density(λ) dλ over λ > 0 by quadrature in w = log λ (no singularity at 0),
    split at the quantiles of the density and of where the integrand peaks, so that the
    adaptive rule sees where the mass sits.

    Near machine precision quadpack may warn of roundoff; the reference is still used
    when its own error estimate stays a hundred times inside the tests' tolerance."""
    cuts = np.log(np.unique(np.concatenate([d.ppf(QUANTILES) for d in (density, *peaks)])))
    total = error = 0.0
    for lo, hi in itertools.pairwise(cuts):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            value, estimate = integrate.quad(
                lambda w: f(math.exp(w)) * density.pdf(math.exp(w)) * math.exp(w),
                lo,
                hi,
                limit=200,
                epsabs=0,
                epsrel=1e-11,
            )
        total += value
        error += estimate
    assert error <= 1e-10 * total, f"the slow reference is not accurate enough ({error=})"
    return total


def gamma_mixture(r: float, alpha: float, f, x: int, times: tuple[float, ...]) -> float:
    """∫ f(λ) Gamma(λ; r, α) dλ, for f made of λ^x e^(−λt) terms, t in ``times``."""
    peaks = [stats.gamma(r + x, scale=1 / (alpha + t)) for t in times]
    return log_space_quad(f, stats.gamma(r, scale=1 / alpha), *peaks)


def slow_bg_likelihood(
    p: dict[str, float], x: int, t_x: float, age: float, modified: bool
) -> float:
    """BG/NBD (or MBG/NBD) likelihood: the drop-out probability integrated in closed form
    (beta functions), the purchase rate by quadrature."""
    a, b = p["a"], p["b"]
    m = 1 if modified else 0
    alive = math.exp(special.betaln(a, b + x + m) - special.betaln(a, b))
    died = (
        math.exp(special.betaln(a + 1, b + x - 1 + m) - special.betaln(a, b))
        if (x > 0 or modified)
        else 0.0
    )
    return gamma_mixture(
        p["r"],
        p["alpha"],
        lambda lam: lam**x * (alive * math.exp(-lam * age) + died * math.exp(-lam * t_x)),
        x,
        (t_x, age),
    )


def slow_pareto_likelihood(p: dict[str, float], x: int, t_x: float, age: float) -> float:
    """Pareto/NBD likelihood from its integral form, no hypergeometric function."""
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
    head = math.exp(
        special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + s * math.log(beta)
    )
    died = integrate.quad(
        lambda y: (alpha + y) ** -(r + x) * (beta + y) ** -(s + 1), t_x, age, epsabs=0, limit=200
    )[0]
    return head * ((alpha + age) ** -(r + x) * (beta + age) ** -s + s * died)


def slow_bgbb_likelihood(p: dict[str, float], x: int, t_x: int, n: int) -> float:
    """BG/BB likelihood by summing over the period of death, with plain beta functions."""
    al, be, ga, de = p["alpha"], p["beta"], p["gamma"], p["delta"]

    def beta(u: float, v: float) -> float:
        return math.exp(special.betaln(u, v))

    total = beta(al + x, be + n - x) / beta(al, be) * beta(ga, de + n) / beta(ga, de)
    for i in range(n - t_x):
        total += (
            beta(al + x, be + t_x - x + i)
            / beta(al, be)
            * beta(ga + 1, de + t_x + i)
            / beta(ga, de)
        )
    return total


def slow_gamma_gamma_density(p: dict[str, float], x: int, mean: float) -> float:
    """Density of a mean of x Gamma(p, ν) spends, ν ~ Gamma(q, v), by quadrature over ν."""
    prior = stats.gamma(p["q"], scale=1 / p["v"])
    # Integrate against the prior, but split where the integrand peaks (near the
    # posterior of ν), which quadrature over the prior alone would miss.
    peak = stats.gamma(p["p"] * x + p["q"], scale=1 / (p["v"] + x * mean))
    cuts = np.log(
        np.sort(
            np.r_[prior.ppf([1e-12, 0.5, 1 - 1e-12]), peak.ppf([1e-12, 0.01, 0.5, 0.99, 1 - 1e-12])]
        )
    )
    return sum(
        integrate.quad(
            lambda w: (
                stats.gamma.pdf(mean, p["p"] * x, scale=1 / (math.exp(w) * x))
                * prior.pdf(math.exp(w))
                * math.exp(w)
            ),
            lo,
            hi,
            limit=200,
            epsabs=0,
            epsrel=1e-11,
        )[0]
        for lo, hi in itertools.pairwise(cuts)
    )


@settings(max_examples=25)
@given(bg_params(), history(max_frequency=15), st.booleans())
def test_bg_and_mbg_likelihoods_agree_with_a_slow_direct_integration(params, row, modified):
    cls = ModifiedBetaGeo if modified else BetaGeo
    x, t_x, age = row

    fast = cls.from_params(**params).log_likelihood_of(x, t_x, age)[()]

    slow = math.log(slow_bg_likelihood(params, x, t_x, age, modified))
    assert fast == pytest.approx(slow, rel=1e-8, abs=1e-8)


@settings(max_examples=25)
@given(pareto_params(), history(max_frequency=15))
def test_pareto_likelihood_agrees_with_its_integral_form(params, row):
    x, t_x, age = row

    fast = ParetoNBD.from_params(**params).log_likelihood_of(x, t_x, age)[()]

    slow = math.log(slow_pareto_likelihood(params, x, t_x, age))
    assert fast == pytest.approx(slow, rel=1e-8, abs=1e-8)


@given(
    st.fixed_dictionaries({k: st.floats(0.1, 10.0) for k in ("alpha", "beta", "gamma", "delta")}),
    discrete_history(),
)
def test_bg_bb_likelihood_agrees_with_the_direct_sum(params, row):
    fast = BetaGeoBetaBinom.from_params(**params).log_likelihood_of(*row)[()]

    assert fast == pytest.approx(math.log(slow_bgbb_likelihood(params, *row)), abs=1e-9)


@settings(max_examples=25)
@given(
    st.fixed_dictionaries(
        {"p": st.floats(0.5, 10.0), "q": st.floats(0.5, 10.0), "v": st.floats(1.0, 50.0)}
    ),
    st.integers(1, 20),
    st.floats(1.0, 100.0),
)
def test_gamma_gamma_density_agrees_with_integrating_over_the_spend_rate(params, x, mean):
    fast = GammaGamma.from_params(**params).log_likelihood_of(x, mean)[()]

    slow = math.log(slow_gamma_gamma_density(params, x, mean))
    assert fast == pytest.approx(slow, rel=1e-8, abs=1e-8)


# --- P(alive) ---------------------------------------------------------------------------


@given(bg_params(), st.floats(0.01, 1000.0))
def test_bg_nbd_p_alive_is_one_for_a_customer_who_never_bought_again(params, age):
    assert BetaGeo.from_params(**params).p_alive(0, 0.0, age)[()] == 1.0


model_and_params = st.one_of(
    bg_params().map(lambda p: BetaGeo.from_params(**p)),
    bg_params().map(lambda p: ModifiedBetaGeo.from_params(**p)),
    pareto_params().map(lambda p: ParetoNBD.from_params(**p)),
)


@given(
    model_and_params,
    st.integers(1, 50_000),
    st.floats(1.0, 100.0),
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6),
)
def test_p_alive_falls_as_the_time_since_the_last_purchase_grows(model, x, age, fractions):
    recency = np.sort(np.asarray(fractions) * age)[::-1]  # later last purchase first

    alive = model.p_alive(np.full(len(recency), x), recency, np.full(len(recency), age))

    assert np.isfinite(alive).all()
    assert ((alive >= 0) & (alive <= 1)).all()
    assert (np.diff(alive) <= 1e-12).all()


@given(model_and_params, st.integers(0, 50_000), st.floats(0.0, 1.0), st.floats(0.5, 100.0))
def test_expected_purchases_are_finite_non_negative_and_grow_with_the_horizon(
    model, x, fraction, age
):
    t_x = fraction * age if x else 0.0

    grid = model._expected_grid(
        np.array([1.0, 10.0, 100.0]), np.array([x], float), np.array([t_x]), np.array([age])
    )[0]

    assert np.isfinite(grid).all()
    assert (grid >= 0).all()
    assert (np.diff(grid) >= -1e-9 * grid[-1]).all()


@given(model_and_params)
def test_any_model_survives_a_json_round_trip(model):
    again = from_json(model.to_json())

    assert type(again) is type(model)
    assert again.params == model.params
    assert again.to_json() == model.to_json()


# --- recovery of simulated parameters -----------------------------------------------------

TRUE_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
TRUE_PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


def coverage(cls, truth: dict[str, float], seeds: range, customers: int) -> float:
    """Share of (seed, parameter) pairs whose 95% interval holds the true value."""
    hits = 0
    total = 0
    for seed in seeds:
        rng = np.random.default_rng(seed)
        age = rng.uniform(27.0, 39.0, customers)
        x, t_x, age = cls.from_params(**truth).simulate(age, seed=seed)
        fitted = cls.fit(x, t_x, age)
        for name, (low, high) in fitted.confidence_intervals(0.95).items():
            hits += low <= truth[name] <= high
            total += 1
    return hits / total


def test_bg_nbd_fits_on_simulated_data_cover_the_true_parameters_at_the_stated_rate():
    # 16 fits x 4 parameters: at a true 95% rate, fewer than 85% hits has
    # probability below 0.1%.
    assert coverage(BetaGeo, TRUE_BG, range(16), 3000) >= 0.85


def test_pareto_nbd_fits_on_simulated_data_cover_the_true_parameters_at_the_stated_rate():
    # 5 fits x 4 parameters: at a true 95% rate, fewer than 15 hits has probability
    # below 0.1%.
    assert coverage(ParetoNBD, TRUE_PARETO, range(5), 1500) >= 0.75


def test_mbg_nbd_fits_on_simulated_data_recover_the_parameters():
    truth = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    assert coverage(ModifiedBetaGeo, truth, range(5), 3000) >= 0.75


@given(bg_params(), st.floats(0.5, 60.0))
def test_bg_nbd_purchase_count_probabilities_sum_to_one_with_the_right_mean(params, t):
    model = BetaGeo.from_params(**params)
    n = np.arange(0, 20_000)

    probabilities = model.purchase_probability(n, t)

    assert (probabilities >= 0).all()
    # The mass past 20,000 purchases is at most what the mean leaves for it, divided by
    # 20,000 (each of those customers counts at least that many): a tail the parameters
    # may make heavy (a rate of 60 a unit, almost no drop-out) is bounded, not assumed away.
    mean = model.expected_purchases_new_customer([t])[0]
    tail = 1.0 - probabilities.sum()
    assert tail >= -1e-9
    assert (n * probabilities).sum() <= mean * (1 + 1e-9)
    assert tail <= (mean - (n * probabilities).sum()) / len(n) + 1e-9


@given(
    st.fixed_dictionaries({k: st.floats(0.1, 10.0) for k in ("alpha", "beta", "gamma", "delta")}),
    discrete_history(),
    st.integers(1, 20),
)
def test_bg_bb_predictions_are_probabilities_and_counts_in_range(params, row, periods):
    model = BetaGeoBetaBinom.from_params(**params)

    alive = model.p_alive(*row)[()]
    expected = model.expected_purchases(periods, *row)[()]
    counts = model.purchase_probability(np.arange(periods + 1), periods)

    assert 0.0 <= alive <= 1.0
    assert 0.0 <= expected <= periods + 1e-9
    assert counts.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("a", [0.25, 0.5, 0.9])
def test_bg_nbd_expectations_are_finite_and_continuous_where_a_plus_b_is_one(a):
    # a + b − 1 = 0 turns the published form into 0 · ∞; its limit is taken instead.
    def at(b: float) -> np.ndarray:
        model = BetaGeo.from_params(r=1.3, alpha=2.0, a=a, b=b)
        return np.concatenate(
            [
                model.expected_purchases_new_customer([0.5, 4.0]),
                model.expected_purchases(3.0, [0.0, 2.0], [0.0, 1.5], [4.0, 4.0]),
                model.predict(3.0, [0.0, 2.0], [0.0, 1.5], [4.0, 4.0])[1],
            ]
        )

    exact = at(1.0 - a)

    assert np.isfinite(exact).all()
    assert exact == pytest.approx(0.5 * (at(1.0 - a - 1e-7) + at(1.0 - a + 1e-7)), rel=1e-9)
