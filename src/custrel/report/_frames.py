"""The overview's sections as arrow tables, for ``Overview.to_pandas`` and ``to_polars``.

Each section is one table: labels as dictionary columns of the enum's stable
values in the enum's order (categoricals in pandas and polars), days as dates
(datetime types), shares and amounts as floats. pyarrow is imported when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

    from custrel._labels import Labelled
    from custrel.report import Overview

__all__ = ["overview_tables"]


def _labels(members: list[Labelled | None], enum: type[Labelled] | None) -> pa.Array:
    import pyarrow as pa

    present = [m for m in members if m is not None]
    kind = enum or (type(present[0]) if present else None)
    values = [m.value for m in kind] if kind is not None else []
    where = {v: i for i, v in enumerate(values)}
    indices = pa.array([None if m is None else where[m.value] for m in members], pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string()))


def overview_tables(overview: Overview) -> dict[str, pa.Table]:
    """Section name → arrow table: by_stage, by_tier, by_verdict, leaky_bucket, worth_a_call.

    With returns netted (``returns="net"``), a one-row ``returns`` section too.
    """
    import pyarrow as pa

    from custrel.lifecycle import Stage
    from custrel.pyramid import Tier, Treatment
    from custrel.scoring import Verdict

    ov = overview
    calls = ov.worth_a_call
    sections = {
        "by_stage": pa.table(
            {
                "stage": _labels([s for s, _ in ov.by_stage], Stage),
                "customers": pa.array([c for _, c in ov.by_stage], pa.int64()),
            }
        ),
        "by_tier": pa.table(
            {
                "tier": _labels([t for t, *_ in ov.by_tier], Tier),
                "customers": pa.array([c for _, c, _, _ in ov.by_tier], pa.int64()),
                "revenue_share": pa.array([r for *_, r, _ in ov.by_tier], pa.float64()),
                "profit_share": pa.array([p for *_, p in ov.by_tier], pa.float64()),
            }
        ),
        "by_verdict": pa.table(
            {
                "verdict": _labels([v for v, _ in ov.by_verdict], Verdict),
                "customers": pa.array([c for _, c in ov.by_verdict], pa.int64()),
            }
        ),
        "leaky_bucket": pa.table(
            {
                "period_start": pa.array([b.period_start for b in ov.leaky_bucket], pa.date32()),
                "new": pa.array([b.new for b in ov.leaky_bucket], pa.int64()),
                "lost": pa.array([b.lost for b in ov.leaky_bucket], pa.int64()),
                "won_back": pa.array([b.won_back for b in ov.leaky_bucket], pa.int64()),
                "active_at_end": pa.array([b.active_at_end for b in ov.leaky_bucket], pa.int64()),
                "churn_rate": pa.array([b.churn_rate for b in ov.leaky_bucket], pa.float64()),
            }
        ),
        "worth_a_call": pa.table(
            {
                "customer_id": pa.array([c.customer_id for c in calls], pa.string()),
                "stage": _labels([c.stage for c in calls], Stage),
                "last_purchase": pa.array([c.last_purchase for c in calls], pa.date32()),
                "revenue": pa.array([c.revenue for c in calls], pa.float64()),
                "profit": pa.array([c.profit for c in calls], pa.float64()),
                "verdict": _labels([c.verdict for c in calls], Verdict),
                "treatment": _labels([c.treatment for c in calls], Treatment),
            }
        ),
    }
    if ov.returns is not None:
        netted = ov.returns
        sections["returns"] = pa.table(
            {
                "lines": pa.array([netted.lines], pa.int64()),
                "amount": pa.array([netted.amount], pa.float64()),
                "unmatched_lines": pa.array([netted.unmatched_lines], pa.int64()),
                "unmatched_amount": pa.array([netted.unmatched_amount], pa.float64()),
                "customers_below_zero": pa.array([netted.customers_below_zero], pa.int64()),
            }
        )
    return sections
