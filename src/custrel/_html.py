"""Compact HTML for notebooks: one place for what every custrel value shows in Jupyter.

Jupyter calls an object's ``_repr_html_``; each of custrel's classes that a person
looks at in a notebook answers with one line that calls a function of this module,
so the markup lives in one place. The HTML is small (kilobytes: a customer table
shows its first rows and its counts, a history its latest events), every text is
escaped, and every label is in English and Chinese. A complaint shows its facts
and its timeline, never the customer's name, contact details or notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from custrel._labels import Labelled
    from custrel.clv._fit import FittedModel
    from custrel.clv._validate import Validation
    from custrel.complaints import Complaint
    from custrel.lifecycle import Lifecycle
    from custrel.pyramid import Pyramid
    from custrel.report import CustomerTable, Overview, Report
    from custrel.report._document import Document

__all__ = [
    "complaint_html",
    "customers_html",
    "lifecycle_html",
    "model_html",
    "overview_html",
    "pyramid_html",
    "report_html",
]

#: Rows of a customer table shown in a notebook.
TABLE_ROWS: Final = 5
#: Latest events of a history shown in a notebook.
HISTORY_ROWS: Final = 20

_STYLE: Final = (
    "<style>.custrel td,.custrel th{padding:1px 6px;vertical-align:top}"
    ".custrel .n{text-align:right}.custrel th{text-align:left}"
    ".custrel small{color:#666}</style>"
)


def _both(en: str, zh: str) -> str:
    return f"{escape(en)}<br><small>{escape(zh)}</small>"


def _lab(member: Labelled | None) -> str:
    return "-" if member is None else _both(member.en, member.zh)


def _cell(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> str:
    """A table whose headers and cells are already HTML."""

    def attr(i: int) -> str:
        return ' class="n"' if numeric[i] else ""

    head = "".join(f"<th{attr(i)}>{h}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{attr(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _wrap(title: str, body: str) -> str:
    return f'<div class="custrel">{_STYLE}<h4>{title}</h4>{body}</div>'


def _document_body(doc: Document) -> str:
    from custrel.report._document import Paragraph

    parts = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            parts.append(f"<p>{escape(block.text)}</p>")
            continue
        parts.append(f"<h5>{escape(block.title)}</h5>")
        parts.append(
            _table(
                [_cell(h) for h in block.headers],
                [[_cell(c) for c in row] for row in block.rows],
                block.numeric,
            )
        )
        parts.extend(f"<p><small>{_cell(note)}</small></p>" for note in block.notes)
    return "".join(parts)


def report_html(report: Report) -> str:
    """The report as the terminal shows it, in both languages."""
    from custrel.report._document import document

    doc = document(report, "both")
    return _wrap(_cell(doc.title), _document_body(doc))


def overview_html(overview: Overview) -> str:
    """The overview's figures and tables, in both languages."""
    from custrel.report._document import Document, overview_blocks

    doc = Document("", tuple(overview_blocks(overview, "both")))
    return _wrap(_both("Overview", "概览"), _document_body(doc))


def customers_html(table: CustomerTable, rows: int = TABLE_ROWS) -> str:
    """The customer table's counts and its first ``rows`` rows, every column."""
    from custrel.report.schema import CUSTOMER_COLUMNS

    n = len(table)
    shown = min(rows, n)
    arrow = _head(table, shown).to_arrow().to_pylist()  # type: ignore[attr-defined]
    headers = [
        f'<span title="{escape(c.en)}">{escape(c.name)}</span><br><small>{escape(c.zh)}</small>'
        for c in CUSTOMER_COLUMNS
    ]
    from custrel.report.schema import Kind

    numeric = [c.kind in (Kind.COUNT, Kind.MONEY, Kind.NUMBER) for c in CUSTOMER_COLUMNS]
    body = [
        [
            escape(_plain(column.kind, row[column.name], column.label_enum))
            for column in CUSTOMER_COLUMNS
        ]
        for row in arrow
    ]
    counts = _both(
        f"{n:,} customers × {len(CUSTOMER_COLUMNS)} columns; first {shown} shown",
        f"共 {n:,} 位客户、{len(CUSTOMER_COLUMNS)} 列；显示前 {shown} 行",
    )
    return _wrap(
        _both("Customer table", "客户表"), f"<p>{counts}</p>" + _table(headers, body, numeric)
    )


def _head(table: CustomerTable, rows: int) -> CustomerTable:
    """The first ``rows`` customers as a table of their own (no copy of the rest)."""
    import attrs

    return attrs.evolve(
        table,
        ids=table.ids[:rows],  # type: ignore[index]
        numbers={k: v[:rows] for k, v in table.numbers.items()},
        labels={k: (members, codes[:rows]) for k, (members, codes) in table.labels.items()},
        texts={k: (codes[:rows], distinct) for k, (codes, distinct) in table.texts.items()},
    )


def _plain(kind: object, value: object, labels: type[Labelled] | None) -> str:
    from custrel.report.schema import Kind

    if value is None:
        return "-"
    if kind is Kind.LABEL and labels is not None:
        member = labels.from_value(value)
        return f"{member.en} ({member.zh})"
    if kind is Kind.MONEY or kind is Kind.NUMBER:
        return f"{value:,.2f}"
    if kind is Kind.COUNT:
        return f"{value:,}"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def lifecycle_html(lifecycle: Lifecycle, rows: int = HISTORY_ROWS) -> str:
    """A lifecycle's stage, peak and origin, and its latest events."""
    history = lifecycle.history
    facts = _table(
        [
            _both("stage", "阶段"),
            _both("peak", "最高阶段"),
            _both("origin", "来源"),
            _both("events", "事件数"),
        ],
        [
            [
                _lab(lifecycle.stage),
                _lab(lifecycle.peak),
                _lab(lifecycle.origin),
                f"{len(history):,}",
            ]
        ],
        [False, False, False, True],
    )
    latest = history[-rows:]
    first = len(history) - len(latest)
    events = _table(
        ["#", _both("when", "时间"), _both("event", "事件")],
        [
            [str(first + i + 1), escape(e.at.isoformat()), _lab(e.kind)]
            for i, e in enumerate(latest)
        ],
        [True, False, False],
    )
    note = _both(f"{first:,} earlier events not shown", f"另有 {first:,} 个更早的事件未显示")
    earlier = f"<p><small>{note}</small></p>" if first else ""
    title = f"{_both('Lifecycle', '客户生命周期')} <code>{escape(lifecycle.customer_id)}</code>"
    return _wrap(title, facts + earlier + events)


def complaint_html(complaint: Complaint, rows: int = HISTORY_ROWS) -> str:
    """A complaint's facts and timeline; no customer, contact details, notes or reasons."""
    facts = _table(
        [
            _both("state", "状态"),
            _both("channel", "渠道"),
            _both("cause", "原因"),
            _both("severity", "严重程度"),
            _both("tier", "客户层级"),
        ],
        [
            [
                _lab(complaint.progress.state),
                _lab(complaint.channel),
                _lab(complaint.cause),
                _lab(complaint.severity),
                _lab(complaint.tier),
            ]
        ],
        [False] * 5,
    )
    latest = complaint.history[-rows:]
    timeline = _table(
        [
            "#",
            _both("when", "时间"),
            _both("action", "操作"),
            _both("by", "经办角色"),
            _both("from", "原状态"),
            _both("to", "新状态"),
        ],
        [
            [
                str(e.seq),
                escape(e.command.at.isoformat()),
                _lab(e.command.action),
                _lab(e.command.actor.role),
                _lab(e.source),
                _lab(e.target),
            ]
            for e in latest
        ],
        [True, False, False, False, False, False],
    )
    title = f"{_both('Complaint', '投诉')} <code>{escape(complaint.id)}</code>"
    return _wrap(title, facts + timeline)


def pyramid_html(pyramid: Pyramid) -> str:
    """Figure 21-3's two pictures as one table: customers and value per tier."""
    from custrel.report._document import UNSTATED, money_text

    currency = pyramid.currency or UNSTATED
    rows = [
        [
            _lab(s.tier),
            f"{s.count:,}",
            f"{s.customer_share:.1%}",
            escape(money_text(s.total_value, currency)),
            "-" if s.value_share is None else f"{s.value_share:.1%}",
            f"{s.bad:,}",
        ]
        for s in pyramid.summary()
    ]
    table = _table(
        [
            _both("tier", "层级"),
            _both("customers", "客户数"),
            _both("share", "占比"),
            _both("value", "价值"),
            _both("value share", "价值占比"),
            _both("bad", "坏客户"),
        ],
        rows,
        [False, True, True, True, True, True],
    )
    note = (
        f"<p><small>{_both('amounts in no currency stated', '金额不注明币种')}</small></p>"
        if currency == UNSTATED
        else ""
    )
    counts = _both(f"{len(pyramid):,} customers", f"共 {len(pyramid):,} 位客户")
    return _wrap(_both("Customer pyramid", "客户金字塔"), f"<p>{counts}</p>{table}{note}")


def model_html(model: FittedModel) -> str:
    """A fitted model's estimates with their intervals and meanings, and its fit."""
    import math

    from custrel.clv._fit import PARAMETER_LABELS

    labels = PARAMETER_LABELS[model.KIND]
    rows = []
    for e in model.estimates:
        if math.isfinite(e.std_error):
            low, high = e.confidence_interval()
            interval = f"{low:.4g} – {high:.4g}"
        else:
            interval = "-"
        std = f"{e.std_error:.4g}" if math.isfinite(e.std_error) else "-"
        meaning = labels[e.name]
        rows.append(
            [escape(e.name), f"{e.value:.4g}", std, interval, _both(meaning.en, meaning.zh)]
        )
    table = _table(
        [
            _both("parameter", "参数"),
            _both("estimate", "估计值"),
            _both("std. error", "标准误"),
            _both("95% interval", "95% 置信区间"),
            _both("meaning", "含义"),
        ],
        rows,
        [False, True, True, True, False],
    )
    fit = []
    if math.isfinite(model.log_likelihood):
        fit.append(
            _both(
                f"log-likelihood {model.log_likelihood:,.1f}",
                f"对数似然 {model.log_likelihood:,.1f}",
            )
        )
    if model.n_customers:
        fit.append(_both(f"{model.n_customers:,.0f} customers", f"{model.n_customers:,.0f} 位客户"))
    if model.optimiser is not None:
        ok = model.optimiser.converged
        fit.append(_both("converged" if ok else "did not converge", "已收敛" if ok else "未收敛"))
    facts = "".join(f"<p>{f}</p>" for f in fit)
    return _wrap(_both(model.KIND.en, model.KIND.zh), table + facts)


def validation_html(check: Validation, rows: int = HISTORY_ROWS) -> str:
    """A calibration/holdout check: its one-line verdict and both tables.

    The tracking table shows its last ``rows`` periods, the by-frequency table all groups.
    """
    summary = _both(check.summary("en"), check.summary("zh"))
    period = _both(f"{check.period_days}-day periods", f"每期 {check.period_days} 天")
    tracking = _table(
        [
            _both("period", "期"),
            _both("end", "期末"),
            _both("actual", "实际"),
            _both("predicted", "预测"),
        ],
        [
            [str(t.period), t.end.isoformat(), f"{t.actual:,}", f"{t.predicted:,.1f}"]
            for t in check.tracking[-rows:]
        ],
        [True, False, True, True],
    )
    shown = min(rows, len(check.tracking))
    more = _both(
        f"cumulative repeat purchases, last {shown} of {len(check.tracking)} periods",
        f"累计重复购买，共 {len(check.tracking)} 期，显示最后 {shown} 期",
    )
    frequency = _table(
        [
            _both("calibration frequency", "校准期频次"),
            _both("customers", "客户数"),
            _both("actual per customer", "人均实际"),
            _both("predicted per customer", "人均预测"),
        ],
        [
            [escape(f.frequency), f"{f.customers:,}", f"{f.actual:.3f}", f"{f.predicted:.3f}"]
            for f in check.by_frequency
        ],
        [False, True, True, True],
    )
    body = f"<p>{summary}</p><p>{period}</p><p>{more}</p>{tracking}{frequency}"
    return _wrap(_both("Calibration and holdout", "校准期与验证期"), body)
