"""Hypothesis strategies for scoring and the pyramid: customer metrics and value maps."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
from hypothesis import strategies as st

from custrel.scoring import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, CustomerMetrics

# Whole cents, so that Decimal -> float is the same float numpy would hold.
money = st.integers(0, 10**9).map(lambda cents: Decimal(cents).scaleb(-2))
small_money = st.integers(0, 10**5).map(lambda cents: Decimal(cents).scaleb(-2))


def _optional(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


days = st.floats(0, 400, allow_nan=False)
counts = st.integers(0, 40)
shares = st.floats(0, 1, allow_nan=False)
flags = st.booleans()

metrics = st.builds(
    CustomerMetrics,
    currency=st.just("CNY"),
    revenue=money,
    cost_of_goods=money,
    cost_to_serve=small_money | money,
    discounts=small_money | money,
    bad_debt=st.just(Decimal(0)) | small_money,
    receivables=_optional(money),
    mean_days_late=_optional(days),
    max_days_late=_optional(days),
    disputes=_optional(st.integers(0, 3)),
    purchase_count=_optional(counts),
    tenure_days=_optional(st.integers(0, 3000)),
    trend=_optional(st.floats(-1, 3, allow_nan=False)),
    high_margin_share=_optional(shares),
    business_risk=_optional(shares),
    strategic_fit=_optional(shares),
    channel_conflict=_optional(flags),
    unauthorised_pricing=_optional(flags),
    competitor_courting=_optional(flags),
    low_switching_cost=_optional(flags),
    integration_signal=_optional(flags),
)


def to_columns(rows: list[CustomerMetrics]) -> dict[str, np.ndarray]:
    """The columns assess_columns takes, with NaN for unknown (None)."""
    out: dict[str, np.ndarray] = {}
    for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        values = [getattr(r, name) for r in rows]
        out[name] = np.array([math.nan if v is None else float(v) for v in values], dtype=float)
    return out


# Pyramid values: small integer ranges make ties, zeros and negatives common.
tied_values = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=4), st.integers(-5, 20), max_size=300
)
distinct_positive_values = st.sets(st.integers(1, 10**6), max_size=600).map(
    lambda vs: {f"c{i}": v for i, v in enumerate(sorted(vs))}
)
float_values = st.lists(
    st.integers(-10, 30).map(float) | st.floats(-1e6, 1e6, allow_nan=False), max_size=400
)
