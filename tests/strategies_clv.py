"""Hypothesis strategies for the customer-base models: parameters and customer histories."""

from __future__ import annotations

from hypothesis import strategies as st

positive = st.floats(min_value=0.05, max_value=20.0, allow_nan=False)
shape = st.floats(min_value=0.1, max_value=5.0, allow_nan=False)


@st.composite
def bg_params(draw: st.DrawFn) -> dict[str, float]:
    return {"r": draw(shape), "alpha": draw(positive), "a": draw(shape), "b": draw(shape)}


@st.composite
def pareto_params(draw: st.DrawFn) -> dict[str, float]:
    return {"r": draw(shape), "alpha": draw(positive), "s": draw(shape), "beta": draw(positive)}


@st.composite
def history(draw: st.DrawFn, max_frequency: int = 40) -> tuple[int, float, float]:
    """One customer's (frequency, recency, T): recency 0 exactly when frequency is 0."""
    age = draw(st.floats(min_value=0.5, max_value=60.0))
    x = draw(st.integers(min_value=0, max_value=max_frequency))
    t_x = 0.0 if x == 0 else draw(st.floats(min_value=0.01, max_value=1.0)) * age
    return x, t_x, age


@st.composite
def discrete_history(draw: st.DrawFn) -> tuple[int, int, int]:
    """One BG/BB customer's (frequency, recency, n_periods)."""
    n = draw(st.integers(min_value=1, max_value=12))
    t_x = draw(st.integers(min_value=0, max_value=n))
    x = 0 if t_x == 0 else draw(st.integers(min_value=1, max_value=t_x))
    return x, t_x, n
