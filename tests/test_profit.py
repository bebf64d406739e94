"""One profit: the rule's two forms agree, and the tier and the verdict use the same number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from custrel.days import day_number
from custrel.profit import gross_revenue, gross_revenue_columns, profit, profit_columns
from custrel.pyramid import Tier, tier_codes
from custrel.report import Transaction, analyze
from custrel.report._integrations import scoring_columns
from custrel.sample import SAMPLE_AS_OF, sample_path
from custrel.scoring import CustomerMetrics, assess, assess_columns

amounts = st.floats(0, 1e9, allow_nan=False)
rows = st.lists(st.tuples(amounts, amounts, amounts, amounts, amounts), min_size=1, max_size=40)


@given(rows)
def test_profit_columns_agree_with_the_scalar_rule(values):
    amount, discount, cost, debt, serve = (
        np.array(c, dtype=np.float64) for c in zip(*values, strict=True)
    )

    columnar = profit_columns(gross_revenue_columns(amount, discount), discount, cost, debt, serve)

    scalar = [profit(gross_revenue(a, d), d, c, b, s) for a, d, c, b, s in values]
    assert columnar.tolist() == scalar


def test_a_discount_is_subtracted_once():
    # The log's amount is net of its discount: 400 paid after a 40 discount, 200 cost.
    log = [Transaction("a", dt.date(2024, 1, 5), 400.0, cost=200.0, discount=40.0)]

    report = analyze(log, as_of=dt.date(2024, 1, 31))
    numbers = report.customers.numbers
    verdict_profit = assess_columns(scoring_columns(numbers, day_number(report.as_of))).profit
    metrics = CustomerMetrics(
        currency="EUR",
        revenue=Decimal(440),
        cost_of_goods=Decimal(200),
        cost_to_serve=Decimal(0),
        discounts=Decimal(40),
        bad_debt=Decimal(0),
    )

    assert report.customers.get("a").profit == 200.0
    assert verdict_profit.tolist() == [200.0]
    assert assess(metrics).profit == Decimal(200)


def test_the_pyramid_and_the_verdict_see_the_same_profit_for_every_customer_of_the_sample():
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)
    numbers = report.customers.numbers
    members, tiers = report.customers.labels["tier"]

    verdict_profit = assess_columns(scoring_columns(numbers, day_number(report.as_of))).profit

    assert members == tuple(Tier)
    assert np.array_equal(tier_codes(numbers["profit"].astype(np.float64)), tiers)
    assert verdict_profit.tobytes() == numbers["profit"].astype(np.float64).tobytes()
