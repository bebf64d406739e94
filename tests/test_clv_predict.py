"""The fast prediction path (shared terms, in place, threads) equals the plain formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from custrel.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from custrel.errors import InvalidValue
from strategies_clv import bg_params, history


def plain_bg(
    p: dict[str, float], x: int, t_x: float, age: float, t: float, *, modified: bool
) -> tuple[float, float]:
    """P(alive) and E[Y(t) | x, t_x, T] as published (Fader, Hardie & Lee 2005, eq. 10 and
    the conditional expectation; Batislam et al. 2007 for MBG/NBD), one customer at a
    time, in plain floating point."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    m = 1 if modified else 0
    if x == 0 and not modified:
        odds = 0.0
    else:
        odds = a / (b + x - 1 + m) * ((alpha + age) / (alpha + t_x)) ** (r + x)
    alive = 1.0 / (1.0 + odds)
    z = t / (alpha + age + t)
    c = a + b + x - 1 + m
    hyp = special.hyp2f1(r + x, b + x + m, c, z)
    expected = c / (a - 1) * (1.0 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp) * alive
    return alive, expected


@settings(max_examples=60)
@given(
    bg_params(),
    st.lists(history(max_frequency=20), min_size=1, max_size=30),
    st.floats(0.5, 104.0),
    st.booleans(),
)
def test_predict_equals_the_published_formulas_customer_by_customer(params, rows, t, modified):
    if abs(params["a"] - 1) < 1e-3:
        params = params | {"a": params["a"] + 0.01}  # the formulas divide by a − 1
    cls = ModifiedBetaGeo if modified else BetaGeo
    model = cls.from_params(**params)
    x, t_x, age = (np.array(v, dtype=np.float64) for v in zip(*rows, strict=True))

    alive, expected = model.predict(t, x, t_x, age)

    for i, (xi, ti, ai) in enumerate(rows):
        want_alive, want_expected = plain_bg(params, xi, ti, ai, t, modified=modified)
        assert alive[i] == pytest.approx(want_alive, rel=1e-12, abs=1e-300)
        assert expected[i] == pytest.approx(want_expected, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_predict_equals_p_alive_and_expected_purchases_asked_one_at_a_time(cls):
    params = (
        {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
        if cls is ParetoNBD
        else {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    )
    model = cls.from_params(**params)
    rng = np.random.default_rng(5)
    age = rng.uniform(1.0, 80.0, 5_000)
    x = rng.poisson(3.0, 5_000).astype(float)
    t_x = np.where(x > 0, age * rng.uniform(0.0, 1.0, 5_000), 0.0)

    alive, expected = model.predict(52.0, x, t_x, age)

    np.testing.assert_allclose(alive, model.p_alive(x, t_x, age), rtol=1e-12)
    np.testing.assert_allclose(
        expected, model.expected_purchases(52.0, x, t_x, age), rtol=1e-12, atol=1e-300
    )


def test_blocks_on_threads_give_what_one_pass_gives_and_name_a_bad_row_in_a_late_block(
    monkeypatch: pytest.MonkeyPatch,
):
    import custrel.clv._transaction as transaction

    model = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    rng = np.random.default_rng(9)
    age = rng.uniform(1.0, 80.0, 3_000)
    x = rng.poisson(2.0, 3_000).astype(float)
    t_x = np.where(x > 0, age * rng.uniform(0.0, 1.0, 3_000), 0.0)
    whole = model.predict(39.0, x, t_x, age)
    monkeypatch.setattr(transaction, "_BLOCK", 64)
    monkeypatch.setattr(transaction, "_THREADS", 2)

    blocked = model.predict(39.0, x, t_x, age)
    bad = age.copy()
    bad[2_500] = math.nan

    np.testing.assert_array_equal(blocked[0], whole[0])
    np.testing.assert_array_equal(blocked[1], whole[1])
    with pytest.raises(InvalidValue, match=r"T\[2500\]"):
        model.predict(39.0, x, t_x, bad)
