"""Charts of a report for notebooks and slides, drawn with matplotlib (the ``plot`` extra).

Every function takes the report (or the value it draws) and an optional ``ax=``, draws
on that Axes or on a new figure's, and returns the Axes, so charts compose into a
caller's own layout. The numbers drawn are the report's own — a bar's height is the
count the report gives — and every label is bilingual (English and Chinese) by default.

The customer pyramid beside the inverted profit pyramid is the CRM chapter's figure 21-3
(客户数量金字塔与客户利润提供能力倒金字塔).

Chinese labels need a font with CJK glyphs. The first one found among common CJK
families (`CJK_FONTS`) is used for the labels of each chart, and nothing process-wide
is changed; where none is installed the Chinese halves of the labels are left out
instead of being drawn as empty boxes.

Example:
    >>> import datetime as dt
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custrel import plot
    >>> from custrel.report import Transaction, analyze
    >>> log = [Transaction("ann", dt.date(2024, 1, 5), 30.0),
    ...        Transaction("bob", dt.date(2024, 1, 20), 8.0)]
    >>> ax = plot.stages(analyze(log, as_of=dt.date(2024, 1, 31)), lang="en")
    >>> len(ax.patches)  # one bar: both customers are first-time buyers
    1
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Literal

from custrel._labels import Labelled
from custrel.errors import InvalidValue

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from numpy.typing import NDArray

    from custrel.money import Money
    from custrel.report import Overview, Report

__all__ = [
    "CJK_FONTS",
    "Lang",
    "churn_cost",
    "cjk_font",
    "leaky_bucket",
    "pyramid",
    "reasons",
    "stage_flows",
    "stages",
    "verdicts",
]

#: Which labels to draw: English, Chinese, or both (``"English 中文"``).
Lang = Literal["en", "zh", "both"]

#: CJK-capable font families tried in order for the Chinese labels (Linux, Windows, macOS).
CJK_FONTS: Final = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)

# The report's colours: growth green, loss red, the rest neutral.
_GAIN: Final = "#2e7d32"
_BACK: Final = "#81c784"
_LOSS: Final = "#c62828"
_NEUTRAL: Final = "#546e7a"
_ACCENT: Final = "#1565c0"

_HANZI: Final = re.compile(r"[\u4e00-\u9fff]")


def _english_part(text: str) -> str:
    """``text`` without its trailing Chinese gloss: "no credit (不讲信誉（呆账）)" -> "no credit".

    The gloss opens at the last bracket before the first hanzi, so brackets nested
    inside the gloss do not matter.
    """
    first = _HANZI.search(text)
    if first is None:
        return text
    opening = max(text.rfind("(", 0, first.start()), text.rfind("（", 0, first.start()))
    return text[:opening].rstrip() if opening > 0 else text


@functools.cache
def cjk_font() -> str | None:
    """The first of `CJK_FONTS` that matplotlib can find, or ``None``."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _lang(lang: Lang) -> Lang:
    if lang not in ("en", "zh", "both"):
        raise InvalidValue("lang", lang, "en, zh or both")
    return lang if lang == "en" or cjk_font() is not None else "en"


def _words(en: str, zh: str, lang: Lang, sep: str = " ") -> str:
    if lang == "en":
        return en
    if lang == "zh":
        return zh
    return f"{en}{sep}{zh}"


def _name(member: Labelled, lang: Lang, sep: str = "\n") -> str:
    return _words(member.en, member.zh, lang, sep)


def _new_axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=size, layout="constrained")
    return figure.add_subplot()


def _finish(ax: Axes, lang: Lang) -> Axes:
    """Give every text of ``ax`` a font family list that ends in a CJK font, if one is needed."""
    font = cjk_font()
    if lang == "en" or font is None:
        return ax
    import matplotlib as mpl

    families = [*mpl.rcParams["font.sans-serif"][:1], font]
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
    texts += list(ax.get_xticklabels()) + list(ax.get_yticklabels())
    legend = ax.get_legend()
    if legend is not None:
        texts += list(legend.get_texts())
        texts.append(legend.get_title())
    for text in texts:
        text.set_fontfamily(families)
    ax.tick_params(labelfontfamily=families)
    return ax


def _overview(value: Report | Overview) -> Overview:
    from custrel.report import Overview, Report

    if isinstance(value, Overview):
        return value
    if not isinstance(value, Report):
        raise InvalidValue("report", type(value).__name__, "a Report from analyze()")
    if value.overview is not None:
        return value.overview
    raise InvalidValue(
        "report", type(value).__name__, "a Report from analyze() (summarize() has no overview)"
    )


def _report(value: Report) -> Report:
    from custrel.report import Report

    if not isinstance(value, Report):
        raise InvalidValue("report", type(value).__name__, "a Report from analyze()")
    return value


def _counted_bars(
    ax: Axes, counts: Sequence[tuple[Labelled, int]], lang: Lang, colours: Sequence[str]
) -> None:
    positions = range(len(counts))
    bars = ax.bar(positions, [count for _, count in counts], color=colours, label="customers")
    ax.bar_label(bars, labels=[f"{count:,}" for _, count in counts], padding=2)
    ax.set_xticks(list(positions), [_name(member, lang) for member, _ in counts])
    ax.set_ylabel(_words("customers", "客户数", lang))
    ax.margins(y=0.12)


def stages(report: Report | Overview, *, ax: Axes | None = None, lang: Lang = "both") -> Axes:
    """Customers by lifecycle stage (客户生命周期阶段), one bar per stage present.

    Args:
        report: a report from `analyze`, or its overview.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its first container holds one bar per stage, in the report's order.
    """
    lang = _lang(lang)
    by_stage = _overview(report).by_stage
    ax = _new_axes(ax)
    colours = [_LOSS if stage.value == "lost" else _ACCENT for stage, _ in by_stage]
    _counted_bars(ax, by_stage, lang, colours)
    ax.set_title(_words("Customers by lifecycle stage", "各生命周期阶段的客户", lang, " · "))
    return _finish(ax, lang)


def verdicts(report: Report | Overview, *, ax: Axes | None = None, lang: Lang = "both") -> Axes:
    """Good and bad customers (好客户与坏客户): one bar per verdict.

    Args:
        report: a report from `analyze`, or its overview.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its first container holds one bar per verdict, in the report's order.
    """
    lang = _lang(lang)
    by_verdict = _overview(report).by_verdict
    ax = _new_axes(ax)
    palette = {"good": _GAIN, "bad": _LOSS}
    colours = [palette.get(verdict.value, _NEUTRAL) for verdict, _ in by_verdict]
    _counted_bars(ax, by_verdict, lang, colours)
    ax.set_title(_words("Good and bad customers", "好客户与坏客户", lang, " · "))
    return _finish(ax, lang)


def _reason_counts(report: Report) -> Counter[str]:
    """How many customers carry each reason, counted from the table's coded columns."""
    import numpy as np

    texts = report.customers.texts
    if "reasons" not in texts:
        return Counter()
    codes, distinct = texts["reasons"]
    per_tuple = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(distinct))
    counts: Counter[str] = Counter()
    for reasons_of, customers in zip(distinct, per_tuple.tolist(), strict=True):
        for reason in set(reasons_of):
            counts[reason] += customers
    return counts


def reasons(report: Report, *, top: int = 10, ax: Axes | None = None, lang: Lang = "both") -> Axes:
    """The reasons behind the verdicts: how many customers carry each, most common first.

    Args:
        report: a report from `analyze`.
        top: how many reasons to show.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``; reasons are stated bilingually, so
            ``"en"`` drops their Chinese gloss.

    Returns:
        The Axes; its first container holds one horizontal bar per reason, the most
        common at the top.

    Raises:
        InvalidValue: ``top`` is less than 1.
    """
    if top < 1:
        raise InvalidValue("top", top, "at least 1")
    lang = _lang(lang)
    ranked = sorted(_reason_counts(_report(report)).items(), key=lambda kv: (-kv[1], kv[0]))
    ranked = ranked[:top]
    ax = _new_axes(ax, (8.0, 0.45 * max(len(ranked), 2) + 1.2))
    positions = list(range(len(ranked)))[::-1]
    bars = ax.barh(positions, [count for _, count in ranked], color=_NEUTRAL, label="customers")
    ax.bar_label(bars, labels=[f"{count:,}" for _, count in ranked], padding=2)
    labels = [_english_part(reason) if lang == "en" else reason for reason, _ in ranked]
    ax.set_yticks(positions, [_wrap(label) for label in labels])
    ax.set_xlabel(_words("customers", "客户数", lang))
    ax.set_title(_words("Reasons behind the verdicts", "判断好坏客户的理由", lang, " · "))
    ax.margins(x=0.12)
    return _finish(ax, lang)


def _wrap(text: str, width: int = 48) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def pyramid(report: Report | Overview, *, ax: Axes | None = None, lang: Lang = "both") -> Axes:
    """The customer pyramid beside the inverted profit pyramid (the CRM chapter's figure 21-3).

    On the left, each tier's share of the customers (few key customers at the top, many
    small ones at the base); on the right, each tier's share of the profit — or of the
    revenue when the log had no costs — which the text draws as an inverted pyramid. A
    tier that loses money has no width on the right, and its label shows the negative
    share.

    Args:
        report: a report from `analyze`, or its overview.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes. Its first container holds the customer-share bars, its second the
        profit- (or revenue-) share bars, one per tier from the top tier down.
    """
    lang = _lang(lang)
    overview = _overview(report)
    tiers = overview.by_tier
    total = sum(customers for _, customers, _, _ in tiers) or 1
    by_profit = all(profit is not None for *_, profit in tiers) and overview.profit is not None
    customer_shares = [customers / total for _, customers, _, _ in tiers]
    value_shares = [
        float(profit if by_profit and profit is not None else revenue)
        for _, _, revenue, profit in tiers
    ]
    ax = _new_axes(ax, (9.0, 4.5))
    rows = list(range(len(tiers)))[::-1]  # the top tier at the top
    right = 1.25  # centre of the right-hand pyramid; shares run from 0 to 1
    widths = [max(share, 0.0) for share in value_shares]
    ax.barh(
        rows,
        customer_shares,
        left=[-share / 2 for share in customer_shares],
        color=_ACCENT,
        label="customers",
    )
    ax.barh(
        rows,
        widths,
        left=[right - width / 2 for width in widths],
        color=_GAIN,
        label="profit" if by_profit else "revenue",
    )
    # Counts and shares sit beside the bars: a one-percent bar has no room inside it.
    for row, (_, customers, _, _), share in zip(rows, tiers, customer_shares, strict=True):
        ax.text(-share / 2 - 0.02, row, f"{customers:,} · {share:.0%}", ha="right", va="center")
    for row, share, width in zip(rows, value_shares, widths, strict=True):
        colour = _LOSS if share < 0 else "black"
        ax.text(right + width / 2 + 0.02, row, f"{share:.0%}", va="center", color=colour)
    ax.set_yticks(rows, [_name(tier, lang, " ") for tier, *_ in tiers])
    ax.set_xticks([])
    ax.set_xlim(-0.85, right + 0.85)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    top = len(tiers) - 0.4
    value_title = (
        _words("Share of profit", "客户利润提供能力倒金字塔", lang, "\n")
        if by_profit
        else _words("Share of revenue", "客户收入倒金字塔", lang, "\n")
    )
    ax.text(0, top, _words("Share of customers", "客户数量金字塔", lang, "\n"), ha="center")
    ax.text(right, top, value_title, ha="center")
    ax.set_ylim(-0.6, len(tiers) + 0.4)
    ax.set_title(_words("The customer pyramid", "客户金字塔", lang, " · "))
    return _finish(ax, lang)


def leaky_bucket(report: Report | Overview, *, ax: Axes | None = None, lang: Lang = "both") -> Axes:
    """The leaky bucket (漏桶) over the log's periods: customers in, out, back and held.

    New and won-back customers stack above zero, lost customers hang below it, and the
    line is the actual customers at each period's end.

    Args:
        report: a report from `analyze`, or its overview.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes. Its containers hold, in order, the new, won-back and lost bars (lost as
        negative heights), one per period; its first line is the active customers.
    """
    lang = _lang(lang)
    rows = _overview(report).leaky_bucket
    ax = _new_axes(ax, (9.0, 4.5))
    x = list(range(len(rows)))
    new = [row.new for row in rows]
    ax.bar(x, new, color=_GAIN, label=_words("new", "新客户", lang))
    ax.bar(
        x,
        [row.won_back for row in rows],
        bottom=new,
        color=_BACK,
        label=_words("won back", "挽回", lang),
    )
    ax.bar(x, [-row.lost for row in rows], color=_LOSS, label=_words("lost", "流失", lang))
    ax.plot(
        x,
        [row.active_at_end for row in rows],
        color=_ACCENT,
        marker="o",
        label=_words("active at period end", "期末现实客户", lang),
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [row.period_start.isoformat() for row in rows], rotation=45, ha="right")
    ax.set_ylabel(_words("customers", "客户数", lang))
    ax.set_title(_words("The leaky bucket", "漏桶", lang, " · "))
    ax.legend(loc="upper left", fontsize=8)
    return _finish(ax, lang)


def churn_cost(
    report: Report | Overview,
    *,
    cost_to_keep_one: Money | None = None,
    ax: Axes | None = None,
    lang: Lang = "both",
) -> Axes:
    """What the lost customers cost a year (流失成本): revenue and profit lost, and replacing them.

    Args:
        report: a report from `analyze`, or its overview.
        cost_to_keep_one: what keeping one existing customer costs; when given, a third
            bar shows what winning as many new customers costs (five times as much by
            default).
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its first container holds the revenue-lost, profit-lost and (when
        asked) replacement-cost bars, in the report's currency.

    Raises:
        InvalidValue: the report has no churn cost (a log without costs).
    """
    lang = _lang(lang)
    overview = _overview(report)
    cost = overview.churn_cost
    if cost is None:
        raise InvalidValue(
            "report.overview.churn_cost", None, "a report of a log with costs (cost column)"
        )
    amounts = [cost.revenue_lost, cost.profit_lost]
    names = [
        _words("revenue lost", "流失收入", lang, "\n"),
        _words("profit lost", "流失利润", lang, "\n"),
    ]
    if cost_to_keep_one is not None:
        amounts.append(cost.replacement_cost(cost_to_keep_one))
        names.append(_words("cost to replace them", "重新获取的成本", lang, "\n"))
    ax = _new_axes(ax)
    heights = [float(money.amount) for money in amounts]
    bars = ax.bar(range(len(heights)), heights, color=[_LOSS, _LOSS, _NEUTRAL][: len(heights)])
    ax.bar_label(bars, labels=[f"{height:,.0f}" for height in heights], padding=2)
    ax.set_xticks(list(range(len(heights))), names)
    currency = cost.revenue_per_customer.currency
    stated = currency != "XXX"  # ISO 4217's code for "no currency"
    unit_en = currency if stated else "no currency stated"
    unit_zh = currency if stated else "未注明币种"
    ax.set_ylabel(_words(f"a year ({unit_en})", f"每年金额（{unit_zh}）", lang, " · "))
    lost = float(cost.lost_customers)
    told = float(cost.people_told)
    ax.set_title(
        _words(
            f"Churn cost: {lost:,.0f} customers lost, {told:,.0f} people told",
            f"流失成本：流失 {lost:,.0f} 位客户，{told:,.0f} 人听到抱怨",
            lang,
            "\n",
        )
    )
    ax.margins(y=0.12)
    return _finish(ax, lang)


def stage_flows(
    earlier: Report, later: Report, *, ax: Axes | None = None, lang: Lang = "both"
) -> Axes:
    """How customers moved between lifecycle stages from one date to another.

    The report holds each customer's stage on its own ``as_of`` only, so the flows
    compare two reports of the same log judged on two dates (with the same policy):
    rows are the stage on the earlier date — "not yet a customer" for those who first
    bought after it — and columns the stage on the later date.

    Args:
        earlier: the report judged on the earlier date.
        later: the report judged on the later date.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its image holds the customer counts (rows: earlier stage, columns:
        later stage), and each non-zero cell carries its count as text.

    Raises:
        InvalidValue: ``earlier`` is not judged before ``later``, or a customer of the
            earlier report is missing from the later one.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from custrel.lifecycle import Stage

    earlier, later = _report(earlier), _report(later)
    if earlier.as_of >= later.as_of:
        raise InvalidValue(
            "earlier.as_of", earlier.as_of, f"a day before the later report's {later.as_of}"
        )
    lang = _lang(lang)
    order: list[Labelled] = list(Stage)
    before_codes = _stage_indices(earlier, order)
    after_codes = _stage_indices(later, order)
    where = pc.index_in(pa.array(earlier.customers.ids), value_set=pa.array(later.customers.ids))
    if where.null_count:
        raise InvalidValue("earlier", "customers", "customers all present in the later report")
    not_yet = len(order)
    before = np.full(len(after_codes), not_yet, dtype=np.int64)
    before[where.to_numpy(zero_copy_only=False).astype(np.int64)] = before_codes
    matrix = np.zeros((len(order) + 1, len(order)), dtype=np.int64)
    np.add.at(matrix, (before, after_codes), 1)
    keep_rows = [i for i in range(len(order) + 1) if matrix[i].any()]
    keep_cols = [j for j in range(len(order)) if matrix[:, j].any()]
    shown = matrix[np.ix_(keep_rows, keep_cols)]
    ax = _new_axes(ax, (8.0, 5.0))
    ax.imshow(shown, cmap="Blues", aspect="auto")
    peak = shown.max() if shown.size else 0
    for i, j in zip(*np.nonzero(shown), strict=True):
        count = int(shown[i, j])
        colour = "white" if count > peak / 2 else "black"
        ax.text(j, i, f"{count:,}", ha="center", va="center", color=colour, fontsize=9)
    not_yet_label = _words("not yet a customer", "尚未购买", lang, "\n")
    row_labels = [not_yet_label if i == not_yet else _name(order[i], lang) for i in keep_rows]
    ax.set_yticks(range(len(keep_rows)), row_labels)
    ax.set_xticks(range(len(keep_cols)), [_name(order[j], lang) for j in keep_cols])
    ax.set_ylabel(_words(f"stage on {earlier.as_of}", f"{earlier.as_of} 的阶段", lang, " · "))
    ax.set_xlabel(_words(f"stage on {later.as_of}", f"{later.as_of} 的阶段", lang, " · "))
    ax.set_title(_words("Stage flows", "客户阶段流转", lang, " · "))
    return _finish(ax, lang)


def _stage_indices(report: Report, order: list[Labelled]) -> NDArray[np.int64]:
    """Each customer's stage as its index in ``order`` (the table's codes, re-mapped)."""
    import numpy as np

    labels = report.customers.labels
    if "stage" not in labels:
        raise InvalidValue("report", "stage", "a report with lifecycle stages")
    members, codes = labels["stage"]
    remap = np.array([order.index(member) for member in members], dtype=np.int64)
    indices = np.asarray(codes, dtype=np.int64)
    if (indices < 0).any():
        raise InvalidValue("report", "stage", "a stage for every customer")
    picked: NDArray[np.int64] = remap[indices]
    return picked
