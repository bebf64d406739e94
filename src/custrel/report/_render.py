"""Rendering a report: per-customer rows (arrow, CSV, JSON, Parquet) and the terminal summary."""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, TextIO

import numpy as np
import pyarrow as pa

from custrel.report.schema import COLUMNS_BY_NAME

if TYPE_CHECKING:
    from custrel.report import Overview, Report

__all__ = ["render_table", "write_rows"]

#: The customer columns of the "most worth a call" table, rendered by the schema.
_WORTH_A_CALL = (
    "customer_id",
    "stage",
    "last_purchase",
    "revenue",
    "profit",
    "verdict",
    "treatment",
    "p_alive",
    "predicted_clv",
)


def write_rows(report: Report, fmt: str, out: object) -> None:
    """Write per-customer rows as ``csv``, ``json`` (lines) or ``parquet`` to a path or stream."""
    table: pa.Table = report.customers.to_arrow()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out)
        return
    if fmt == "csv":
        import pyarrow.csv as pcsv

        plain = table.cast(
            pa.schema(
                [
                    pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f
                    for f in table.schema
                ]
            )
        )
        pcsv.write_csv(plain, out)
        return
    stream: TextIO = out  # type: ignore[assignment]
    for row in table.to_pylist():
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                row[key] = value.isoformat()
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")


def _cell(name: str, value: object) -> str:
    """A call-list cell: a probability as a percentage, anything else by the schema."""
    if name == "p_alive" and isinstance(value, float):
        return f"{value:.0%}"
    return COLUMNS_BY_NAME[name].render(value)


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _width(text: str) -> int:
    # Chinese characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _grid(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join("-" * w for w in widths)
    out = [
        title,
        "  ".join(_pad(h, w, right=False) for h, w in zip(header, widths, strict=False)),
        line,
    ]
    for row in rows:
        cells = [_pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def render_table(report: Report) -> str:
    """A terminal summary a manager can read."""
    counts = report.counts
    ov = report.overview
    parts = [
        f"custrel report — as of {report.as_of.isoformat()}, period: {report.policy.period.en}",
        (
            f"rows read {counts.rows_read:,} = accepted {counts.rows_accepted:,}"
            f" + rejected {counts.rows_rejected:,}"
        ),
    ]
    if ov is None:
        return "\n".join(parts) + "\n"
    parts.append(
        f"customers {ov.customers:,}; revenue {_money(ov.revenue, ov.currency)}"
        + (f"; profit {_money(ov.profit, ov.currency)}" if ov.profit is not None else "")
    )
    total = max(ov.customers, 1)
    if ov.by_stage:
        parts.append("")
        parts.append(
            _grid(
                "Customers by lifecycle stage (客户生命周期阶段)",
                ("stage", "customers", "share"),
                [(s.bilingual, f"{c:,}", f"{c / total:.1%}") for s, c in ov.by_stage],
            )
        )
    if ov.by_tier:
        parts.append("")
        parts.append(
            _grid(
                "Customer pyramid (客户金字塔)",
                ("tier", "customers", "share", "revenue share", "profit share"),
                [
                    (
                        t.bilingual,
                        f"{c:,}",
                        f"{c / total:.1%}",
                        f"{r:.1%}",
                        "-" if p is None else f"{p:.1%}",
                    )
                    for t, c, r, p in ov.by_tier
                ],
            )
        )
    if ov.by_verdict:
        parts.append("")
        parts.append(
            _grid(
                "Good and bad customers (好客户与坏客户)",
                ("verdict", "customers"),
                [(v.bilingual, f"{c:,}") for v, c in ov.by_verdict],
            )
        )
    if ov.leaky_bucket:
        parts.append("")
        parts.append(
            _grid(
                f"Leaky bucket by {report.policy.bucket_period.en} (漏桶)",
                ("period from", "new", "lost", "won back", "active at end", "churn rate"),
                [
                    (
                        b.period_start.isoformat(),
                        f"{b.new:,}",
                        f"{b.lost:,}",
                        f"{b.won_back:,}",
                        f"{b.active_at_end:,}",
                        "-" if b.churn_rate is None else f"{b.churn_rate:.1%}",
                    )
                    for b in ov.leaky_bucket
                ],
            )
        )
    if "treatment" in report.customers.labels:
        members, codes = report.customers.labels["treatment"]
        tally = np.bincount(codes[codes >= 0].astype(np.int64), minlength=len(members))
        parts.append("")
        parts.append(
            _grid(
                "Next actions by treatment (分级管理措施)",
                ("treatment", "customers"),
                [(m.bilingual, f"{int(n):,}") for m, n in zip(members, tally, strict=True) if n],
            )
        )
    parts.append("")
    parts.append(
        "Churn cost (流失成本): lost customers' yearly revenue "
        + _money(ov.lost_revenue, ov.currency)
    )
    cost = ov.churn_cost
    if cost is not None:
        parts.append(
            f"  {cost.lost_customers:,} lost x {cost.revenue_per_customer} a year at a "
            f"{cost.margin:.1%} margin = {cost.profit_lost.rounded(2)} profit lost a year; "
            f"they may tell {cost.people_told:,} people (each tells "
            f"{cost.policy.word_of_mouth}); winning as many new customers costs "
            f"{cost.policy.acquisition_cost_ratio} times keeping them"
        )
    parts.extend(_model_section(ov))
    if ov.worth_a_call:
        parts.append("")
        parts.append(
            _grid(
                "Most worth a call: at-risk customers with the most value at risk"
                " (值得致电的风险客户)",
                (
                    "customer",
                    "stage",
                    "last purchase",
                    "revenue",
                    "profit",
                    "verdict",
                    "next action",
                    "P(alive)",
                    "predicted value",
                ),
                [
                    tuple(_cell(name, getattr(c, name)) for name in _WORTH_A_CALL)
                    for c in ov.worth_a_call
                ],
            )
        )
    return "\n".join(parts) + "\n"


def _model_section(ov: Overview) -> list[str]:
    """The fitted model (or its note) and the stage × P(alive) agreement table."""
    from custrel.report import AliveBand

    model = ov.model
    if model is None:
        return []
    if model.note is not None and not model.params:
        return ["", f"Model (模型): {model.model.bilingual}: {model.note.bilingual}"]
    params = ", ".join(f"{k} = {v:.4g}" for k, v in model.params + model.spend_params)
    lines = ["", f"Model (模型): {model.model.bilingual}; {params}"]
    if model.note is not None:
        lines.append(f"  {model.note.bilingual}")
    if ov.stage_by_alive:
        lines.append("")
        lines.append(
            _grid(
                "Lifecycle stage against the model's P(alive) (生命周期阶段与模型存活概率对照)",
                ("stage", *(b.en for b in AliveBand)),
                [
                    (row.stage.bilingual, *(f"{c:,}" for c in row.counts))
                    for row in ov.stage_by_alive
                ],
            )
        )
    return lines
