"""What the report says, in the reader's language, before any renderer lays it out.

The terminal (rich or plain text), the manager's summary and the notebook HTML all
draw the same document: a title, paragraphs and tables whose columns say whether
they hold text (left-aligned) or numbers (right-aligned). Every label and sentence
exists in English and Chinese; ``lang`` picks one or both.

Amounts are written ``CNY 300,289.07`` everywhere (code first, then the amount to
the currency's minor unit, as `custrel.money.Money` prints); an unstated
currency (ISO 4217 ``XXX``) is said once, in words, and the amounts stand alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Literal

import attrs

if TYPE_CHECKING:
    from custrel._labels import Labelled
    from custrel.report import CustomerResult, CustomerTable, Overview, Report
    from custrel.scoring import Mark

__all__ = [
    "LANGS",
    "PERIOD_UNITS",
    "Document",
    "Lang",
    "Paragraph",
    "Table",
    "check_lang",
    "document",
    "minor_unit",
    "money_text",
    "overview_blocks",
]

Lang = Literal["en", "zh", "both"]
#: The languages every label and sentence is written in, and both together.
LANGS: Final[tuple[Lang, ...]] = ("en", "zh", "both")

#: Each report period as a unit of time, by the period's stable value: (English plural,
#: Chinese). Frequency, recency and T are counted in it, and the model's times with them.
PERIOD_UNITS: Final[dict[str, tuple[str, str]]] = {
    "day": ("days", "天"),
    "week": ("ISO weeks", "周"),
    "month": ("months", "个月"),
    "quarter": ("calendar quarters", "个季度"),
    "year": ("years", "年"),
}

#: ISO 4217's code for "no currency": amounts whose currency the log does not state.
UNSTATED: Final = "XXX"

#: ISO 4217 minor units that are not two decimals; every other code has two.
_MINOR_UNITS: Final[dict[str, int]] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
#: An unstated currency has no minor unit; files keep the four decimals every amount
#: is held to exactly (nothing is lost), the terminal shows two.
_UNSTATED_FILE_DECIMALS: Final = 4
_UNSTATED_SHOWN_DECIMALS: Final = 2


def minor_unit(currency: str, *, shown: bool = True) -> int:
    """Decimals of ``currency``'s minor unit (ISO 4217); for ``XXX``, 2 shown, 4 in files."""
    if currency == UNSTATED:
        return _UNSTATED_SHOWN_DECIMALS if shown else _UNSTATED_FILE_DECIMALS
    return _MINOR_UNITS.get(currency, 2)


def money_text(value: float | Decimal, currency: str) -> str:
    """``CNY 300,289.07``; the bare amount when the currency is not stated."""
    amount = f"{value:,.{minor_unit(currency)}f}"
    return amount if currency == UNSTATED else f"{currency} {amount}"


def check_lang(lang: str) -> Lang:
    """``lang`` if it is ``en``, ``zh`` or ``both``.

    Raises:
        InvalidValue: any other value.
    """
    if lang not in LANGS:
        from custrel.errors import InvalidValue

        raise InvalidValue("lang", lang, "en, zh or both")
    return lang


@attrs.frozen
class Paragraph:
    """A sentence or a few, wrapped to the width by the renderer."""

    text: str


@attrs.frozen
class Table:
    """A titled table; ``numeric`` says which columns are numbers (right-aligned).

    A cell may hold several lines: both languages of a label, one under the other.
    """

    title: str
    headers: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()


Block = Paragraph | Table


@attrs.frozen
class Document:
    """A title and its blocks, in reading order."""

    title: str
    blocks: tuple[Block, ...]


def _say(lang: Lang, en: str, zh: str, *, stacked: bool = False) -> str:
    if lang == "en":
        return en
    if lang == "zh":
        return zh
    return f"{en}\n{zh}" if stacked else f"{en} ({zh})"


def _sentences(lang: Lang, en: str, zh: str) -> list[Paragraph]:
    if lang == "both":
        return [Paragraph(en), Paragraph(zh)]
    return [Paragraph(en if lang == "en" else zh)]


def _label(lang: Lang, member: Labelled | None, *, stacked: bool = False) -> str:
    if member is None:
        return "-"
    return _say(lang, member.en, member.zh, stacked=stacked)


def _short(lang: Lang, member: Labelled | None, *, stacked: bool = False) -> str:
    # A label's first clause ("provisional: one window, keep tracking" → "provisional")
    # fits a table cell; the full label is the table's note.
    if member is None:
        return "-"
    return _say(lang, member.en.split(":")[0], member.zh.split("（")[0], stacked=stacked)


def _count(value: int | Decimal) -> str:
    number = Decimal(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _header(lang: Lang, *pairs: tuple[str, str]) -> tuple[str, ...]:
    return tuple(_say(lang, en, zh, stacked=True) for en, zh in pairs)


def _title(lang: Lang, en: str, zh: str) -> str:
    return en if lang == "en" else zh if lang == "zh" else f"{en} ({zh})"


def document(report: Report, lang: Lang = "both") -> Document:
    """The whole report as a document in ``lang``."""
    counts, ov, period = report.counts, report.overview, report.policy.period
    day = report.as_of.isoformat()
    # The period is the unit frequency, recency and T are counted in (and the model's
    # times with them), not a span the report covers: the title says so.
    unit_en, unit_zh = PERIOD_UNITS[period.value]
    title = _say(
        lang,
        f"custrel report — as of {day}; frequency, recency and T counted in {unit_en}",
        f"custrel 客户报告——截至 {day}；购买频次、最近购买与客户年龄（T）以{unit_zh}计",
        stacked=True,
    )
    blocks: list[Block] = [
        *_sentences(
            lang,
            f"rows read {counts.rows_read:,} = accepted {counts.rows_accepted:,}"
            f" + rejected {counts.rows_rejected:,}"
            + (f" + ignored after as-of {counts.rows_ignored:,}" if counts.rows_ignored else ""),
            f"读取 {counts.rows_read:,} 行 = 接受 {counts.rows_accepted:,} 行"
            f" + 拒绝 {counts.rows_rejected:,} 行"
            + (f" + 忽略截止日之后 {counts.rows_ignored:,} 行" if counts.rows_ignored else ""),
        )
    ]
    if report.gross_margin is not None:
        rate = f"{report.gross_margin:.0%}"
        blocks.extend(
            _sentences(
                lang,
                f"assumption: profit = revenue × {rate} (gross margin given with "
                "--gross-margin; the log has no cost column)",
                f"假设：利润 = 收入 × {rate}（毛利率由 --gross-margin 给出；交易记录没有成本列）",
            )
        )
    if ov is not None:
        blocks.extend(overview_blocks(ov, lang, report.customers, report))
    return Document(title, tuple(blocks))


def overview_blocks(
    ov: Overview,
    lang: Lang = "both",
    customers: CustomerTable | None = None,
    report: Report | None = None,
) -> list[Block]:
    """The overview's paragraphs and tables (with the customer table: standing, treatments)."""
    cur = ov.currency
    blocks: list[Block] = []

    def money(value: float | Decimal) -> str:
        return money_text(value, cur)

    if ov.revenue is None:
        en = f"customers {ov.customers:,}; {_NO_AMOUNTS[0]}"
        zh = f"客户 {ov.customers:,} 位；{_NO_AMOUNTS[1]}"
    else:
        en = f"customers {ov.customers:,}; revenue {money(ov.revenue)}"
        zh = f"客户 {ov.customers:,} 位；收入 {money(ov.revenue)}"
    if ov.profit is not None:
        en += f"; profit {money(ov.profit)}"
        zh += f"；利润 {money(ov.profit)}"
    if cur == UNSTATED and ov.revenue is not None:
        en += "; amounts in no currency stated"
        zh += "；金额不注明币种"
    blocks.extend(_sentences(lang, en, zh))
    blocks.extend(_returns(ov, lang))
    total = max(ov.customers, 1)
    if ov.by_stage:
        blocks.append(
            Table(
                _title(lang, "Customers by lifecycle stage", "客户生命周期阶段"),
                _header(lang, ("stage", "阶段"), ("customers", "客户数"), ("share", "占比")),
                (False, True, True),
                tuple((_label(lang, s), f"{c:,}", _share(c / total)) for s, c in ov.by_stage),
            )
        )
    if ov.by_tier:
        blocks.append(
            Table(
                _title(lang, "Customer pyramid", "客户金字塔"),
                _header(
                    lang,
                    ("tier", "层级"),
                    ("customers", "客户数"),
                    ("share", "占比"),
                    ("revenue share", "收入占比"),
                    ("profit share", "利润占比"),
                ),
                (False, True, True, True, True),
                tuple(
                    (_label(lang, t), f"{c:,}", _share(c / total), _share(r), _share(p))
                    for t, c, r, p in ov.by_tier
                ),
            )
        )
    if not ov.by_tier and ov.revenue is None and ov.customers:
        dash = "——" if lang == "zh" else " — "
        pyramid = _title(lang, "Customer pyramid", "客户金字塔")
        blocks.append(Paragraph(f"{pyramid}{dash}{_say(lang, *_UNKNOWN_TIER)}"))
    blocks.extend(_verdicts(ov, lang, customers))
    if ov.leaky_bucket:
        bucket = report.policy.bucket_period if report is not None else None
        blocks.append(
            Table(
                _title(
                    lang,
                    "Leaky bucket" + (f" by {bucket.en}" if bucket else ""),
                    f"按{bucket.zh}统计的漏桶" if bucket else "漏桶",
                ),
                _header(
                    lang,
                    ("period from", "起始日"),
                    ("new", "新增"),
                    ("lost", "流失"),
                    ("won back", "挽回"),
                    ("active at end", "期末活跃"),
                    ("churn rate", "流失率"),
                ),
                (False, True, True, True, True, True),
                tuple(
                    (
                        b.period_start.isoformat(),
                        f"{b.new:,}",
                        f"{b.lost:,}",
                        f"{b.won_back:,}",
                        f"{b.active_at_end:,}",
                        _share(b.churn_rate),
                    )
                    for b in ov.leaky_bucket
                ),
            )
        )
    if customers is not None and "treatment" in customers.labels:
        import numpy as np

        members, codes = customers.labels["treatment"]
        tally = np.bincount(codes[codes >= 0].astype(np.int64), minlength=len(members))
        blocks.append(
            Table(
                _title(lang, "Next actions by treatment", "分级管理措施"),
                _header(lang, ("treatment", "措施"), ("customers", "客户数")),
                (False, True),
                tuple(
                    (_label(lang, m, stacked=True), f"{int(n):,}")
                    for m, n in zip(members, tally, strict=True)
                    if n
                ),
            )
        )
    blocks.extend(_churn(ov, lang))
    blocks.extend(_model(ov, lang))
    blocks.extend(_worth_a_call(ov, lang, customers, report))
    return blocks


def _returns(ov: Overview, lang: Lang) -> list[Paragraph]:
    """What ``--returns net`` netted: lines and amount, and those matching no customer."""
    netted = ov.returns
    if netted is None:
        return []
    amount = money_text(netted.amount, ov.currency)
    en = (
        f"returns netted (--returns net): {netted.lines:,} lines of negative amount, "
        f"{amount} in all, subtracted from their customers' revenue (not purchases)"
    )
    zh = (
        f"退货冲减（--returns net）：金额为负的 {netted.lines:,} 行，合计 {amount}，"
        "已从所属客户的收入中扣除（不计为购买）"
    )
    if netted.unmatched_lines:
        unmatched = money_text(netted.unmatched_amount, ov.currency)
        en += (
            f"; {netted.unmatched_lines:,} of them ({unmatched}) are of customers with no "
            "purchase in the log and in no customer's revenue"
        )
        zh += (
            f"；其中 {netted.unmatched_lines:,} 行（{unmatched}）的客户在记录中没有购买，"
            "未计入任何客户的收入"
        )
    if netted.customers_below_zero:
        below = f"{netted.customers_below_zero:,}"
        en += (
            f"; {below} customers gave back more than they bought in the log: their net "
            "revenue is below zero, kept as it is (small tier; verdict unknown)"
        )
        zh += (
            f"；{below} 位客户退回的多于在记录中购买的：净收入低于零，照实保留"
            "（小客户层级；好坏判定未知）"
        )
    return list(_sentences(lang, en, zh))


def _model(ov: Overview, lang: Lang) -> list[Block]:
    """The fitted model (or the note saying why there is none) and the stage × P(alive) table."""
    from custrel.report import AliveBand, ModelNote

    model = ov.model
    if model is None or model.note is ModelNote.NOT_ASKED:
        # A report that asked for no model (`--model none`) says nothing of it.
        return []
    kind = model.model
    if not model.params:
        note = model.note
        en = f"Model: {kind.en}: {note.en if note else ''}."
        zh = f"模型：{kind.zh}：{note.zh if note else ''}。"
        return list(_sentences(lang, en, zh))
    params = ", ".join(f"{k} = {v:.4g}" for k, v in model.params + model.spend_params)
    horizon = model.horizon_days
    en = (
        f"Model: {kind.en} ({params}); expected purchases and predicted value over "
        f"{horizon:,} days."
    )
    zh = f"模型：{kind.zh}（{params}）；预计购买与预测价值的预测期为 {horizon:,} 天。"
    if model.note is not None:
        en += f" {model.note.en}."
        zh += f"{model.note.zh}。"
    blocks: list[Block] = list(_sentences(lang, en, zh))
    if ov.stage_by_alive:
        blocks.append(
            Table(
                _title(
                    lang,
                    "Lifecycle stage against the model's P(alive)",
                    "生命周期阶段与模型存活概率对照",
                ),
                (
                    _say(lang, "stage", "阶段", stacked=True),
                    *(_label(lang, b, stacked=True) for b in AliveBand),
                ),
                (False, *(True for _ in AliveBand)),
                tuple(
                    (_label(lang, row.stage, stacked=True), *(f"{c:,}" for c in row.counts))
                    for row in ov.stage_by_alive
                ),
            )
        )
    return blocks


def _standing_counts(
    customers: CustomerTable | None,
) -> tuple[tuple[Labelled, Labelled | None, int], ...] | None:
    if customers is None or "verdict" not in customers.labels:
        return None
    import numpy as np

    verdicts, v_codes = customers.labels["verdict"]
    standings, s_codes = customers.labels.get("standing", ((), np.full(len(v_codes), -1)))
    rows = []
    for v, verdict in enumerate(verdicts):
        of_verdict = v_codes == v
        if not of_verdict.any():
            continue
        if not standings:
            rows.append((verdict, None, int(of_verdict.sum())))
            continue
        for s, standing in enumerate(standings):
            n = int((of_verdict & (s_codes == s)).sum())
            if n:
                rows.append((verdict, standing, n))
    return tuple(rows)


_NO_AMOUNTS = (
    (
        "revenue unknown: the log was read without amounts (--amount-col none), so the "
        "report gives the purchase summary, stages and leaky bucket; revenue, monetary "
        "value, profit, pyramid tier, verdict, treatment and churn cost are unknown"
    ),
    (
        "收入未知：交易记录按无金额读取（--amount-col none），报告只给出购买汇总、生命周期阶段"
        "和漏桶；收入、客单价、利润、金字塔层级、好坏判定、管理措施和流失成本均未知"
    ),
)
_UNKNOWN_TIER = (
    (
        "tiers unknown: the pyramid ranks customers by revenue or profit, and the log has no "
        "amounts (--amount-col none)"
    ),
    "层级未知：金字塔按收入或利润给客户分层，而交易记录没有金额（--amount-col none）",
)
_UNKNOWN_VERDICT_AMOUNTS = (
    (
        "verdict unknown: the log has no amounts (--amount-col none), so there is no profit "
        "to judge a customer good or bad by"
    ),
    "好坏客户判定未知：交易记录没有金额（--amount-col none），无法计算利润，而好坏客户按利润判定",
)


_UNKNOWN_VERDICT = (
    (
        "verdict unknown: the log has no cost column (cost, service_cost or bad_debt), so "
        "there is no profit to judge a customer good or bad by (--gross-margin RATE "
        "assumes one)"
    ),
    (
        "好坏客户判定未知：交易记录没有成本列（成本、服务成本或坏账），无法计算利润，"
        "而好坏客户按利润判定（可用 --gross-margin 假设毛利率）"
    ),
)


def _verdicts(ov: Overview, lang: Lang, customers: CustomerTable | None) -> list[Block]:
    title = _title(lang, "Good and bad customers", "好客户与坏客户")
    if not ov.by_verdict:
        dash = "——" if lang == "zh" else " — "
        reason = _UNKNOWN_VERDICT if ov.revenue is not None else _UNKNOWN_VERDICT_AMOUNTS
        return [Paragraph(f"{title}{dash}{_say(lang, *reason)}")]
    rows = _standing_counts(customers)
    if rows is None:
        return [
            Table(
                title,
                _header(lang, ("verdict", "判定"), ("customers", "客户数")),
                (False, True),
                tuple((_label(lang, v), f"{c:,}") for v, c in ov.by_verdict),
            )
        ]
    from custrel.scoring import Standing

    return [
        Table(
            title,
            _header(lang, ("verdict", "判定"), ("standing", "确认程度"), ("customers", "客户数")),
            (False, False, True),
            tuple((_label(lang, v), _short(lang, s), f"{c:,}") for v, s, c in rows),
            notes=tuple(_label(lang, s, stacked=True) for s in Standing),
        )
    ]


def _churn(ov: Overview, lang: Lang) -> list[Block]:
    cur = ov.currency
    if ov.lost_revenue is None:
        return [
            *_sentences(
                lang,
                "Churn cost: unknown (the log has no amounts, --amount-col none).",
                "流失成本：未知（交易记录没有金额，--amount-col none）。",
            )
        ]
    lost = money_text(ov.lost_revenue, cur)
    en = f"Churn cost: lost customers' yearly revenue {lost}."
    zh = f"流失成本：流失客户每年带来的收入为 {lost}。"
    cost = ov.churn_cost
    if cost is not None:
        per = money_text(cost.revenue_per_customer.amount, cur)
        profit = money_text(cost.profit_lost.amount, cur)
        n, told = _count(cost.lost_customers), _count(cost.people_told)
        mouth = _count(cost.policy.word_of_mouth)
        ratio = _count(cost.policy.acquisition_cost_ratio)
        en += (
            f" {n} lost customers × {per} a year at a {cost.margin:.1%} margin = {profit} "
            f"profit lost a year; they may tell {told} people (each tells {mouth}); winning "
            f"as many new customers costs {ratio} times keeping them."
        )
        zh += (
            f"{n} 位流失客户 × 每位每年 {per}，按 {cost.margin:.1%} 的利润率，每年损失利润 "
            f"{profit}；他们可能向 {told} 人诉说不满（每人告诉 {mouth} 人）；赢得同样多的新客户，"
            f"成本是保留他们的 {ratio} 倍。"
        )
    return list(_sentences(lang, en, zh))


_AT_RISK = (
    (
        "At risk: an actual customer with at least two purchase days whose silence since "
        "its last purchase exceeds {m} times its own mean gap between purchases."
    ),
    (
        "风险客户：至少有两个购买日的现实客户，自最近一次购买以来的沉默时间超过其自身"
        "平均购买间隔的 {m} 倍。"
    ),
)


_VALUE_AT_RISK = (
    (
        "Ranked by the value at risk: the model's predicted value times the chance the "
        "customer is gone, predicted value × (1 − P(alive))."
    ),
    "按风险价值排序：模型预测价值乘以客户已流失的概率，即预测价值 ×（1 − 存活概率）。",
)


def _worth_a_call(
    ov: Overview, lang: Lang, customers: CustomerTable | None, report: Report | None
) -> list[Block]:
    if not ov.worth_a_call:
        return []
    from custrel.lifecycle import AT_RISK_CADENCE_MULTIPLE
    from custrel.scoring import Standing

    multiple = (
        report.policy.at_risk_cadence_multiple if report is not None else AT_RISK_CADENCE_MULTIPLE
    )
    standing = _standing_lookup(customers)
    # With a model, the rule's at-risk customers are ranked by the value at risk.
    modelled = any(c.predicted_clv is not None for c in ov.worth_a_call)
    unknown = _say(lang, "unknown", "未知", stacked=True)
    rows = []
    for c in ov.worth_a_call:
        verdict = _label(lang, c.verdict, stacked=True) if c.verdict is not None else unknown
        row = [
            c.customer_id,
            _label(lang, c.stage, stacked=True),
            c.last_purchase.isoformat(),
            "-" if c.revenue is None else money_text(c.revenue, ov.currency),
            "-" if c.profit is None else money_text(c.profit, ov.currency),
            verdict,
        ]
        if standing is not None:
            row.append(_short(lang, standing(c.customer_id), stacked=True))
        row.append(_label(lang, c.treatment, stacked=True))
        if modelled:
            row.append(_share(c.p_alive))
            row.append("-" if c.predicted_clv is None else money_text(c.predicted_clv, ov.currency))
        rows.append(tuple(row))
    notes = [_say(lang, *(s.format(m=f"{multiple:g}") for s in _AT_RISK), stacked=True)]
    if modelled:
        notes.append(_say(lang, *_VALUE_AT_RISK, stacked=True))
    if not ov.by_verdict:
        reason = _UNKNOWN_VERDICT if ov.revenue is not None else _UNKNOWN_VERDICT_AMOUNTS
        notes.append(_say(lang, *reason, stacked=True))
    elif standing is not None:
        notes.extend(_label(lang, s, stacked=True) for s in Standing)
    headers = [
        ("customer", "客户"),
        ("stage", "阶段"),
        ("last purchase", "最近购买"),
        ("revenue", "收入"),
        ("profit", "利润"),
        ("verdict", "判定"),
        *([("standing", "确认程度")] if standing is not None else []),
        ("next action", "下一步"),
        *([("P(alive)", "存活概率"), ("predicted value", "预测价值")] if modelled else []),
    ]
    numeric = (
        False,
        False,
        False,
        True,
        True,
        False,
        *((False,) if standing else ()),
        False,
        *((True, True) if modelled else ()),
    )
    return [
        Table(
            _title(
                lang,
                "Most worth a call: at-risk customers with the most value",
                "值得致电的风险客户",
            ),
            _header(lang, *headers),
            numeric,
            tuple(rows),
            notes=tuple(notes),
        ),
        *_reasons(ov.worth_a_call, lang),
    ]


def _reasons(customers: tuple[CustomerResult, ...], lang: Lang) -> list[Block]:
    """The reasons behind each listed customer's verdict, in the order the verdict states them.

    A reason is one fired mark of the good- and bad-customer rules: those counting for
    the customer first, then those against, each side in the text's order. A cell
    names each mark by its first words, signed (``+`` for, ``-`` against); the note
    under the table gives every shown mark in full.
    """
    marks = _reason_marks()
    rows: list[tuple[str, str]] = []
    shown: list[Mark] = []
    for c in customers:
        if not c.reasons:
            continue
        found = [marks.get(reason) for reason in c.reasons]
        en = "; ".join(_signed(m, "en") if m else r for m, r in zip(found, c.reasons, strict=True))
        zh = "；".join(_signed(m, "zh") if m else r for m, r in zip(found, c.reasons, strict=True))
        rows.append((c.customer_id, _say(lang, en, zh, stacked=True)))
        for mark in found:
            if mark is not None and mark not in shown:
                shown.append(mark)
    if not rows:
        return []
    from custrel.scoring import Mark

    order = list(Mark)
    notes = [
        _say(
            lang,
            "+ counts for the customer, - against it; the marks for come first, then "
            "those against, each in the text's order. In full:",
            "+ 表示有利，- 表示不利；先列有利的标志，再列不利的，各按原文顺序。全文：",
            stacked=True,
        ),
        *(
            _say(lang, _signed(m, "en", full=True), _signed(m, "zh", full=True), stacked=True)
            for m in sorted(shown, key=order.index)
        ),
    ]
    return [
        Table(
            _title(lang, "Why: the reasons behind their verdicts", "判定理由"),
            _header(
                lang, ("customer", "客户"), ("reasons, in the order stated", "理由（按陈述顺序）")
            ),
            (False, False),
            tuple(rows),
            notes=tuple(notes),
        )
    ]


def _signed(mark: Mark, lang: Literal["en", "zh"], *, full: bool = False) -> str:
    """``+ strong demand`` / ``- untrustworthy``: a mark's first words (or all), signed by side."""
    import re

    text = mark.en if lang == "en" else mark.zh
    if not full:
        text = text.split(",")[0].split(":")[0] if lang == "en" else re.split("[、，（]", text)[0]
    return f"{'+' if mark.good else '-'} {text}"


@functools.cache
def _reason_marks() -> dict[str, Mark]:
    """Each reason as the report's customer table states it, and the mark it names."""
    from custrel.scoring import Mark, reasons_for_mask

    return {reasons_for_mask(1 << i)[0]: mark for i, mark in enumerate(Mark)}


def _standing_lookup(customers: CustomerTable | None) -> Callable[[str], Labelled | None] | None:
    if customers is None or "standing" not in customers.labels:
        return None
    import bisect

    members, codes = customers.labels["standing"]
    ids = customers.ids

    def lookup(customer_id: str) -> Labelled | None:
        # The table is in id order: a binary search finds a row among millions at once.
        where = bisect.bisect_left(
            range(len(customers)),
            customer_id,
            key=lambda i: str(ids[i]),  # type: ignore[index]
        )
        found = where < len(customers) and str(ids[where]) == customer_id  # type: ignore[index]
        code = int(codes[where]) if found else -1
        return members[code] if code >= 0 else None

    return lookup
