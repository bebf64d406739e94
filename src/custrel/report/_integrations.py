"""Seams to the judging modules: pyramid tier, scoring verdict, risks and treatment.

Each judgement is one columnar call over every customer
(`custrel.pyramid.tier_codes`, `custrel.scoring.assess_columns`,
`custrel.pyramid.treatment_codes`). Verdict texts are built once per distinct
combination of marks, never per customer. The whole log is one window, so every verdict
is provisional unless hard evidence (material written-off bad debt) settles it; the
``standing`` column says which. "Buys much" and "buys little" are judged against the
customers of the same report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

    from custrel._labels import Labelled

__all__ = ["Judged", "judge", "scoring_columns"]

_COSTS = ("cost", "service_cost", "discount", "bad_debt")


class Judged:
    """Columns produced by the judging modules."""

    def __init__(self) -> None:
        """Start with nothing judged."""
        self.labels: dict[str, tuple[tuple[Labelled, ...], NDArray[np.int8]]] = {}
        self.numbers: dict[str, NDArray[np.generic]] = {}
        self.texts: dict[str, tuple[NDArray[np.int64], tuple[tuple[str, ...], ...]]] = {}


def judge(
    numbers: Mapping[str, NDArray[np.generic]],
    as_of_day: int,
    stages: NDArray[np.int8] | None = None,
    *,
    tiers: NDArray[np.int8] | None = None,
    revenue_percentile: NDArray[np.float64] | None = None,
) -> Judged:
    """Tier, verdict, reasons, risks and treatment per customer, from the summary columns.

    ``stages`` (indices into ``tuple(Stage)``), when given, makes a lost customer's next
    action a win-back or let-go decision instead of its tier's treatment.

    Decision: customers are ranked in the pyramid by profit when the log has costs,
    by revenue otherwise; without any cost column there is no verdict or treatment
    (the scoring rules need costs), and a missing cost column among several counts as 0.

    ``tiers`` and ``revenue_percentile``, when given, are the customers' tiers and
    revenue percentiles in a whole base larger than these customers
    (`custrel.report.partition`); otherwise these customers are the whole base.
    """
    from custrel.pyramid import Tier, Treatment, tier_codes, treatment_codes
    from custrel.scoring import Standing, Verdict, assess_columns, reasons_for_mask, risks_in

    judged = Judged()
    value = numbers.get("profit", numbers["revenue"]).astype(np.float64)
    if tiers is None:
        tiers = tier_codes(value)
    judged.labels["tier"] = (tuple(Tier), tiers)
    if not any(name in numbers for name in _COSTS):
        return judged
    scored = scoring_columns(numbers, as_of_day)
    if revenue_percentile is not None:
        scored["revenue_percentile"] = revenue_percentile
    # Returns netted can leave a customer's revenue or a cost below zero (more given
    # back than bought in the log): the scoring rules are stated for amounts of zero
    # or more, so such a customer gets no verdict, standing, reasons, risks or
    # treatment (unknown), and no score; its revenue percentile is still the base's.
    n = len(tiers)
    judgeable = np.ones(n, dtype=bool)
    for name in ("revenue", "cost_of_goods", "cost_to_serve", "discounts", "bad_debt"):
        judgeable &= scored[name] >= 0
    every = bool(judgeable.all())
    base_percentile = None
    if not every:
        from custrel.scoring import revenue_percentiles_columns

        if "revenue_percentile" not in scored:
            scored["revenue_percentile"] = revenue_percentiles_columns(scored["revenue"])
        base_percentile = scored["revenue_percentile"]
        scored = {name: column[judgeable] for name, column in scored.items()}
    assessed = assess_columns(scored)

    def spread(codes: NDArray[np.int8]) -> NDArray[np.int8]:
        if every:
            return codes
        out = np.full(n, -1, dtype=np.int8)
        out[judgeable] = codes
        return out

    def spread_numbers(values: NDArray[np.float64]) -> NDArray[np.float64]:
        if every:
            return values
        out = np.full(n, np.nan, dtype=np.float64)
        out[judgeable] = values
        return out

    def spread_texts(
        inverse: NDArray[np.int64], texts: tuple[tuple[str, ...], ...]
    ) -> tuple[NDArray[np.int64], tuple[tuple[str, ...], ...]]:
        if every:
            return inverse.astype(np.int64), texts
        out = np.full(n, len(texts), dtype=np.int64)
        out[judgeable] = inverse
        return out, (*texts, ())

    judged.labels["verdict"] = (tuple(Verdict), spread(assessed.verdict))
    settled = tuple(Standing).index(Standing.SETTLED)
    judged.labels["standing"] = (
        tuple(Standing),
        spread(np.where(assessed.hard_evidence, settled, 1 - settled).astype(np.int8)),
    )
    judged.labels["treatment"] = (
        tuple(Treatment),
        spread(
            treatment_codes(
                tiers if every else tiers[judgeable],
                assessed,
                stages=stages if stages is None or every else stages[judgeable],
            )
        ),
    )
    judged.numbers["score"] = spread_numbers(assessed.score)
    judged.numbers["lifetime_value"] = spread_numbers(assessed.lifetime_value)
    # The evidence behind "buys much" / "buys little": the share of this report's
    # customers buying no more than this one.
    judged.numbers["revenue_percentile"] = (
        assessed.revenue_percentile if base_percentile is None else base_percentile
    )
    masks, inverse = np.unique(assessed.fired, return_inverse=True)
    # Marks counting for the customer first, then those against, each saying which.
    judged.texts["reasons"] = spread_texts(
        inverse, tuple(reasons_for_mask(int(m)) for m in masks.tolist())
    )
    risk_masks, risk_inverse = np.unique(assessed.risks_raised, return_inverse=True)
    judged.texts["risks"] = spread_texts(
        risk_inverse,
        tuple(tuple(r.bilingual for r in risks_in(int(m))) for m in risk_masks.tolist()),
    )
    return judged


def scoring_columns(
    numbers: Mapping[str, NDArray[np.generic]], as_of_day: int
) -> dict[str, NDArray[np.float64]]:
    """The columns `custrel.scoring.assess_columns` reads, from the report's columns."""
    from custrel.profit import gross_revenue_columns

    n = len(numbers["revenue"])
    zero = np.zeros(n, dtype=np.float64)
    purchases = numbers["purchases"].astype(np.float64)
    discounts = numbers.get("discount", zero).astype(np.float64)
    columns: dict[str, NDArray[np.float64]] = {
        # The log's amount is net of discount; scoring's revenue is gross
        # (custrel.profit), so the discount is added back once and subtracted once.
        "revenue": gross_revenue_columns(numbers["revenue"].astype(np.float64), discounts),
        "cost_of_goods": numbers.get("cost", zero).astype(np.float64),
        "cost_to_serve": numbers.get("service_cost", zero).astype(np.float64),
        "discounts": discounts,
        "bad_debt": numbers.get("bad_debt", zero).astype(np.float64),
        "purchase_count": purchases,
        "tenure_days": (as_of_day - numbers["first_day"]).astype(np.float64),
    }
    if "days_late" in numbers:
        columns["mean_days_late"] = numbers["days_late"].astype(np.float64) / purchases
        columns["max_days_late"] = numbers["max_days_late"].astype(np.float64)
    return columns
