"""One profit definition, shared by the pyramid tier, the verdict and the churn cost.

A customer's profit is what it leaves the firm after every cost it causes (*Dating customers*:
a good customer is one whose revenue exceeds the cost of attracting, selling to and
serving it):

    profit = gross revenue − discounts − cost of goods − bad debt − cost to serve

``gross revenue`` is before discounts. A transaction log's ``amount`` is what the
customer paid, **net of its discount**; the ``discount`` column records the discount
given, already taken off the amount. So the gross revenue of a log is
``amount + discount`` (`gross_revenue`), and the profit of a log's customer is
``amount − cost − bad_debt − service_cost``: the discount is subtracted once, by the
amount itself.

This module holds the rule once, in a scalar form (for ``Decimal`` or ``float``
amounts, used by `custrel.scoring.CustomerMetrics`) and a columnar form (numpy,
used by `custrel.scoring.assess_columns` and the report engine), side by side,
with the same operations in the same order, so both give the same number
(``tests/test_profit.py`` holds them together). It lives apart from scoring because
three concepts rank or weigh customers by it: the pyramid (tiers by profit), scoring
(the verdict) and retention (the margin of the churn cost).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["gross_revenue", "gross_revenue_columns", "profit", "profit_columns"]

Amount = TypeVar("Amount", Decimal, float)


def gross_revenue(amount: Amount, discount: Amount) -> Amount:
    """A log's gross revenue (before discounts) from its net ``amount`` and its ``discount``.

    The columnar form is `gross_revenue_columns`.
    """
    return amount + discount


def profit(
    revenue: Amount,
    discounts: Amount,
    cost_of_goods: Amount,
    bad_debt: Amount,
    cost_to_serve: Amount,
) -> Amount:
    """Gross ``revenue`` less discounts, cost of goods, bad debt and the cost to serve.

    The columnar form is `profit_columns`.

    Example:
        >>> profit(400.0 + 40.0, 40.0, 200.0, 0.0, 0.0)
        200.0
    """
    return revenue - discounts - cost_of_goods - bad_debt - cost_to_serve


def gross_revenue_columns(
    amount: NDArray[np.float64], discount: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Columnar `gross_revenue` (``tests/test_profit.py`` holds the two together)."""
    gross: NDArray[np.float64] = amount + discount
    return gross


def profit_columns(
    revenue: NDArray[np.float64],
    discounts: NDArray[np.float64],
    cost_of_goods: NDArray[np.float64],
    bad_debt: NDArray[np.float64],
    cost_to_serve: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Columnar `profit`: the same operations in the same order, element by element.

    ``tests/test_profit.py::test_profit_columns_agree_with_the_scalar_rule`` holds the
    two forms together bit for bit.
    """
    result: NDArray[np.float64] = revenue - discounts - cost_of_goods - bad_debt - cost_to_serve
    return result
