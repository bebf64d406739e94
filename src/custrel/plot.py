"""Charts of a report for notebooks and slides, drawn with matplotlib (the ``plot`` extra).

Every function takes the report (or the value it draws) and an optional ``ax=``, draws
on that Axes or on a new figure's, and returns the Axes, so charts compose into a
caller's own layout. The numbers drawn are the report's own — a bar's height is the
count the report gives — and every label is bilingual (English and Chinese) by default.

The customer pyramid beside the inverted profit pyramid is the CRM chapter's figure 21-3
(客户数量金字塔与客户利润提供能力倒金字塔).

The model charts draw a fitted transaction model of `custrel.clv` (`BetaGeo`,
`ModifiedBetaGeo`, `ParetoNBD`), or the one a report fitted
(``analyze(..., policy=ReportPolicy(model="bgnbd"))``), rebuilt from the parameters
its overview states: the frequency/recency and P(alive) matrices, a customer's
P(alive) history, the calibration/holdout check of `custrel.clv.calibration_holdout`,
and the distribution of the report's predicted customer value. Their numbers are the
model's own predictions (``expected_purchases``, ``p_alive``).

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
    import datetime as dt
    from collections.abc import Iterable

    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.text import Text
    from numpy.typing import NDArray

    from custrel.clv import TransactionModel, Validation
    from custrel.money import Money
    from custrel.periods import Period
    from custrel.report import Overview, Report

__all__ = [
    "CJK_FONTS",
    "Lang",
    "calibration_tracking",
    "churn_cost",
    "cjk_font",
    "clv_distribution",
    "frequency_recency_matrix",
    "holdout_by_frequency",
    "leaky_bucket",
    "p_alive_history",
    "p_alive_matrix",
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


def _finish(ax: Axes, lang: Lang, extra: Iterable[Text] = ()) -> Axes:
    """Give every text of ``ax`` (and ``extra``) a font family list that ends in a CJK font.

    Nothing is changed when no CJK font is needed.
    """
    font = cjk_font()
    if lang == "en" or font is None:
        return ax
    import matplotlib as mpl

    families = [*mpl.rcParams["font.sans-serif"][:1], font]
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts, *extra]
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


# --- the customer-base models ------------------------------------------------------------

#: The `custrel.clv` class of each model a report can fit, by `ReportModel` value.
_REPORT_MODELS: Final = {"bgnbd": "BetaGeo", "mbgnbd": "ModifiedBetaGeo", "pareto": "ParetoNBD"}


def _fitted(value: TransactionModel | Report) -> tuple[TransactionModel, Report | None]:
    """The transaction model to draw: ``value`` itself, or the one a report fitted."""
    from custrel import clv
    from custrel.report import Report

    if isinstance(value, clv.TransactionModel):
        return value, None
    if not isinstance(value, Report):
        raise InvalidValue(
            "model",
            type(value).__name__,
            "a fitted transaction model of custrel.clv (BetaGeo, ...) or a Report with one",
        )
    summary = value.overview.model if value.overview is not None else None
    if summary is None or not summary.params or summary.model.value not in _REPORT_MODELS:
        note = summary.note.value if summary is not None and summary.note else None
        raise InvalidValue(
            "report.overview.model",
            note,
            "a report with a fitted model: analyze(..., policy=ReportPolicy(model='bgnbd'))",
        )
    cls: type[TransactionModel] = getattr(clv, _REPORT_MODELS[summary.model.value])
    return cls.from_params(**dict(summary.params)), value


def _unit(report: Report | None) -> tuple[str, str]:
    """The model's unit of time in English and Chinese: the report's period, or "time units"."""
    from custrel.report._document import PERIOD_UNITS

    if report is None:
        return ("time units", "个时间单位")
    return PERIOD_UNITS[report.policy.period.value]


def _report_horizon(report: Report) -> float:
    """The horizon of the report's ``expected_purchases`` column, in the report's period."""
    from custrel.report._models import _DAYS_PER_PERIOD

    overview = report.overview
    assert overview is not None
    assert overview.model is not None
    return overview.model.horizon_days / _DAYS_PER_PERIOD[report.policy.period]


def _grid_bounds(
    report: Report | None,
    max_frequency: int | None,
    max_recency: float | None,
    T: float | None,  # noqa: N803 - the literature's name
) -> tuple[int, int, float]:
    """The matrix's largest frequency and recency, and the ``T`` of every cell."""
    import numpy as np

    if report is not None:
        numbers = report.customers.numbers
        if max_frequency is None:
            max_frequency = int(np.max(numbers["frequency"], initial=0))
        if max_recency is None:
            max_recency = float(np.max(numbers["T"], initial=0))
    if max_frequency is None:
        raise InvalidValue(
            "max_frequency",
            None,
            "a whole number (a model alone does not say how often its customers bought)",
        )
    if max_recency is None:
        raise InvalidValue(
            "max_recency", None, "a time (a model alone does not say how long its customers bought)"
        )
    if int(max_frequency) != max_frequency or max_frequency < 1:
        raise InvalidValue("max_frequency", max_frequency, "a whole number >= 1")
    if not max_recency >= 1:
        raise InvalidValue("max_recency", max_recency, "a time >= 1")
    age = max_recency if T is None else T
    if not age >= max_recency:
        raise InvalidValue("T", age, f"a time >= max_recency = {max_recency:g}")
    return int(max_frequency), int(max_recency), float(age)


def _matrix(
    ax: Axes,
    values: NDArray[np.float64],
    colour_label: str,
    title: tuple[str, str],
    unit: tuple[str, str],
    T: float,  # noqa: N803 - the literature's name
    lang: Lang,
    cmap: str,
) -> Axes:
    image = ax.imshow(values, cmap=cmap, origin="lower", aspect="auto", interpolation="nearest")
    bar = ax.figure.colorbar(image, ax=ax, label=colour_label)
    ax.set_xlabel(
        _words(
            f"recency: time from first to last purchase ({unit[0]})",
            f"最近购买：首次至最近一次购买的时间（{unit[1]}）",
            lang,
            "\n",
        )
    )
    ax.set_ylabel(_words("frequency: repeat purchases", "频次：重复购买次数", lang, "\n"))
    ax.set_title(
        _words(
            f"{title[0]}, customers of age T = {T:g}",
            f"{title[1]}（客户年龄 T = {T:g}）",
            lang,
            "\n",
        )
    )
    return _finish(ax, lang, [bar.ax.yaxis.label])


def _frequency_recency(
    max_frequency: int, max_recency: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Every cell's frequency and recency, flat (row by row), and the cells a customer can have.

    Rows are frequencies 0 … ``max_frequency``, columns recencies 0 … ``max_recency``.
    A customer with no repeat purchase has recency 0, so the rest of the first row is
    no customer's history.
    """
    import numpy as np

    frequency, recency = np.meshgrid(
        np.arange(max_frequency + 1, dtype=np.float64),
        np.arange(max_recency + 1, dtype=np.float64),
        indexing="ij",
    )
    possible = (frequency > 0) | (recency == 0)
    return frequency.ravel(), recency.ravel(), possible


def frequency_recency_matrix(
    model: TransactionModel | Report,
    *,
    t: float | None = None,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    T: float | None = None,  # noqa: N803 - the literature's name
    ax: Axes | None = None,
    lang: Lang = "both",
) -> Axes:
    """Expected purchases in the next ``t`` by frequency and recency (频次 × 最近购买矩阵).

    Each cell is the model's ``expected_purchases(t, frequency, recency, T)`` for a
    customer of age ``T``: the best customers have bought often and lately (top right).
    The cells of no possible history (no repeat purchase, yet a recency above 0) are
    left blank.

    Args:
        model: a fitted transaction model of `custrel.clv`, or a report that fitted
            one (``ReportPolicy(model=...)``), in the report's period.
        t: the horizon, in the model's time unit (default: 1; for a report, the
            horizon of its ``expected_purchases`` column).
        max_frequency: the largest frequency shown (default: the report's largest).
        max_recency: the largest recency shown (default: the report's largest ``T``).
        T: the customers' age (default: ``max_recency``).
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its image holds the expected purchases, rows by frequency from 0 up,
        columns by recency from 0 (blank cells are NaN).

    Raises:
        InvalidValue: a report without a fitted model, or a model without
            ``max_frequency`` and ``max_recency``.
    """
    import numpy as np

    fitted, source = _fitted(model)
    lang = _lang(lang)
    top_f, top_r, age = _grid_bounds(source, max_frequency, max_recency, T)
    horizon = t if t is not None else _report_horizon(source) if source is not None else 1.0
    frequency, recency, possible = _frequency_recency(top_f, top_r)
    expected = fitted.expected_purchases(horizon, frequency, recency, age)
    values = np.where(possible, expected.reshape(possible.shape), np.nan)
    unit = _unit(source)
    ax = _new_axes(ax, (8.0, 5.5))
    return _matrix(
        ax,
        values,
        _words(
            f"expected purchases in the next {horizon:g} {unit[0]}",
            f"未来 {horizon:g} {unit[1]}的预计购买次数",
            lang,
            "\n",
        ),
        ("Expected purchases by frequency and recency", "按频次与最近购买的预计购买次数"),
        unit,
        age,
        lang,
        "viridis",
    )


def p_alive_matrix(
    model: TransactionModel | Report,
    *,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    T: float | None = None,  # noqa: N803 - the literature's name
    ax: Axes | None = None,
    lang: Lang = "both",
) -> Axes:
    """The probability a customer is alive by frequency and recency (存活概率矩阵).

    Each cell is the model's ``p_alive(frequency, recency, T)`` for a customer of age
    ``T``: a long silence after frequent buying (top left) says the customer is gone.
    The cells of no possible history are left blank, as in `frequency_recency_matrix`.

    Args:
        model: a fitted transaction model of `custrel.clv`, or a report that fitted one.
        max_frequency: the largest frequency shown (default: the report's largest).
        max_recency: the largest recency shown (default: the report's largest ``T``).
        T: the customers' age (default: ``max_recency``).
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its image holds P(alive), rows by frequency from 0 up, columns by
        recency from 0 (blank cells are NaN).

    Raises:
        InvalidValue: as `frequency_recency_matrix`.
    """
    import numpy as np

    fitted, source = _fitted(model)
    lang = _lang(lang)
    top_f, top_r, age = _grid_bounds(source, max_frequency, max_recency, T)
    frequency, recency, possible = _frequency_recency(top_f, top_r)
    alive = fitted.p_alive(frequency, recency, age).reshape(possible.shape)
    values = np.where(possible, alive, np.nan)
    ax = _new_axes(ax, (8.0, 5.5))
    return _matrix(
        ax,
        values,
        _words("P(alive)", "存活概率", lang, "\n"),
        ("Probability the customer is alive", "客户仍存活的概率"),
        _unit(source),
        age,
        lang,
        "RdYlGn",
    )


def p_alive_history(
    model: TransactionModel | Report,
    purchases: Iterable[dt.date],
    *,
    until: dt.date | None = None,
    period: Period | None = None,
    customer_id: str | None = None,
    ax: Axes | None = None,
    lang: Lang = "both",
) -> Axes:
    """One customer's P(alive) over time, its purchases marked (单个客户的存活概率变化).

    Period by period from the first purchase, the customer's history so far is
    counted as the report counts it — frequency = purchase periods after the first,
    recency = periods from the first to the latest, T = periods since the first — and
    the model gives P(alive). It is 1 in the first period (no time to drop out yet),
    jumps up at each purchase and decays in the silences between.

    Args:
        model: a fitted transaction model of `custrel.clv`, or a report that fitted
            one (its period and its day judged are then the defaults).
        purchases: the customer's purchase days (in any order; a period's several
            purchases count once).
        until: the last day drawn (default: the report's ``as_of``; for a model, as
            long again after the last purchase as from the first to the last).
        period: the unit of time the model was fitted in (default: the report's
            period; for a model, a day).
        customer_id: the customer's id, for the title.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its first line holds P(alive) at the start of each period, and its
        first collection marks the purchase days.

    Raises:
        InvalidValue: no purchases, a purchase after ``until``, or a period other
            than the report's.
    """
    import datetime as dt

    import numpy as np

    from custrel.periods import Period

    fitted, source = _fitted(model)
    lang = _lang(lang)
    days = sorted({day.date() if isinstance(day, dt.datetime) else day for day in purchases})
    if not days:
        raise InvalidValue("purchases", (), "at least one purchase day")
    if source is not None:
        if period is not None and period is not source.policy.period:
            raise InvalidValue(
                "period", period.value, f"the report's period, {source.policy.period.value}"
            )
        period = source.policy.period
        until = source.as_of if until is None else until
    period = Period.DAY if period is None else period
    if until is None:
        until = days[-1] + (days[-1] - days[0]) + dt.timedelta(days=1)
    if days[-1] > until:
        raise InvalidValue("purchases", days[-1].isoformat(), f"days on or before {until}")
    starts = [period.start(days[0])]
    while starts[-1] + period.delta() <= until:
        starts.append(starts[-1] + period.delta())
    first = period.index(days[0])
    steps = np.array([period.index(day) for day in starts], dtype=np.int64) - first
    bought = np.unique(np.array([period.index(day) for day in days], dtype=np.int64) - first)
    # How many purchase periods came by each step, and the latest of them.
    seen = np.searchsorted(bought, steps, side="right")
    frequency = (seen - 1).astype(np.float64)
    recency = bought[seen - 1].astype(np.float64)
    age = steps.astype(np.float64)
    alive = np.ones(len(steps), dtype=np.float64)
    later = age > 0
    alive[later] = fitted.p_alive(frequency[later], recency[later], age[later])
    ax = _new_axes(ax, (9.0, 4.0))
    ax.plot(
        np.array(starts, dtype="datetime64[D]"),
        alive,
        drawstyle="steps-post",
        color=_ACCENT,
        label=_words("P(alive)", "存活概率", lang),
    )
    ax.vlines(
        np.array(days, dtype="datetime64[D]"),
        0,
        1,
        colors=_NEUTRAL,
        linestyles="dashed",
        linewidth=0.8,
        label=_words("purchase", "购买", lang),
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(_words("P(alive)", "存活概率", lang, " · "))
    ax.set_xlabel(
        _words(
            f"date (P(alive) counted by {period.en})",
            f"日期（存活概率按{period.zh}计算）",
            lang,
            " · ",
        )
    )
    if customer_id:
        title = (
            f"Customer {customer_id}'s P(alive) over time",
            f"客户 {customer_id} 的存活概率变化",
        )
    else:
        title = ("A customer's P(alive) over time", "客户存活概率的变化")
    ax.set_title(_words(*title, lang, " · "))
    ax.legend(loc="lower left", fontsize=8)
    return _finish(ax, lang)


def _model_name(validation: Validation) -> tuple[str, str]:
    """The legend's name of the model's line: "model (BG/NBD)", "模型（BG/NBD）"."""
    kind = validation.model.KIND
    return (
        f"model ({kind.en.split(' (')[0]})",
        f"模型（{kind.zh.split('（')[0].removesuffix(' 模型')}）",
    )


def calibration_tracking(
    validation: Validation, *, ax: Axes | None = None, lang: Lang = "both"
) -> Axes:
    """The cohort's cumulative repeat purchases, actual against the model's (累计重复购买).

    The model is fitted on the calibration period only; after its end (the dashed
    line) the predicted line is a forecast the actual one checks.

    Args:
        validation: the result of `custrel.clv.calibration_holdout`.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its first line is the actual cumulative repeat purchases at each
        period's end, its second the model's.
    """
    from custrel.clv import Validation

    if not isinstance(validation, Validation):
        raise InvalidValue(
            "validation", type(validation).__name__, "the result of custrel.clv.calibration_holdout"
        )
    lang = _lang(lang)
    import matplotlib.dates as mdates
    import numpy as np

    rows = validation.tracking
    ends = np.array([row.end for row in rows], dtype="datetime64[D]")
    split = float(mdates.date2num(validation.calibration_end))  # type: ignore[no-untyped-call]
    ax = _new_axes(ax, (9.0, 4.5))
    ax.plot(ends, [row.actual for row in rows], color="black", label=_words("actual", "实际", lang))
    ax.plot(
        ends,
        [row.predicted for row in rows],
        color=_ACCENT,
        linestyle="--",
        label=_words(*_model_name(validation), lang),
    )
    ax.axvline(split, color=_NEUTRAL, linestyle=":", linewidth=1)
    ax.text(
        split,
        0.02,
        " " + _words("calibration | holdout", "校准期 | 检验期", lang, "\n"),
        transform=ax.get_xaxis_transform(),
        fontsize=8,
        color=_NEUTRAL,
    )
    ax.set_ylabel(_words("cumulative repeat purchases", "累计重复购买次数", lang, "\n"))
    ax.set_xlabel(
        _words(
            f"end of each {validation.period_days}-day period",
            f"每 {validation.period_days} 天一期的期末",
            lang,
            " · ",
        )
    )
    ax.set_title(
        _words(
            f"Calibration and holdout: {validation.customers:,} customers",
            f"校准期与检验期：{validation.customers:,} 位客户",
            lang,
            "\n",
        )
    )
    ax.legend(loc="upper left", fontsize=8)
    return _finish(ax, lang)


def holdout_by_frequency(
    validation: Validation, *, ax: Axes | None = None, lang: Lang = "both"
) -> Axes:
    """Holdout purchases per customer by calibration frequency, actual against the model's.

    Customers are grouped by how many repeat purchases they made in the calibration
    period (the last group holds the rest, ``"7+"``); each tick says how many
    customers the group has.

    Args:
        validation: the result of `custrel.clv.calibration_holdout`.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its first line is the actual mean holdout purchases per group, its
        second the model's conditional expectation.
    """
    import datetime as dt

    from custrel.clv import Validation

    if not isinstance(validation, Validation):
        raise InvalidValue(
            "validation", type(validation).__name__, "the result of custrel.clv.calibration_holdout"
        )
    lang = _lang(lang)
    rows = validation.by_frequency
    holdout_start = validation.calibration_end + dt.timedelta(days=1)
    x = list(range(len(rows)))
    ax = _new_axes(ax, (8.0, 4.5))
    ax.plot(
        x,
        [row.actual for row in rows],
        color="black",
        marker="o",
        label=_words("actual", "实际", lang),
    )
    ax.plot(
        x,
        [row.predicted for row in rows],
        color=_ACCENT,
        marker="s",
        linestyle="--",
        label=_words(*_model_name(validation), lang),
    )
    ax.set_xticks(x, [f"{row.frequency}\n({row.customers:,})" for row in rows])
    ax.set_xlabel(
        _words(
            "repeat purchases in the calibration period (customers)",
            "校准期内的重复购买次数（客户数）",
            lang,
            "\n",
        )
    )
    ax.set_ylabel(_words("mean holdout purchases", "检验期平均购买次数", lang, "\n"))
    ax.set_title(
        _words(
            f"Holdout purchases, {holdout_start} to {validation.holdout_end}",
            f"检验期购买（{holdout_start} 至 {validation.holdout_end}）",
            lang,
            "\n",
        )
    )
    ax.legend(loc="upper left", fontsize=8)
    return _finish(ax, lang)


def clv_distribution(
    values: Report | Iterable[float],
    *,
    bins: int = 40,
    upper_quantile: float = 0.99,
    ax: Axes | None = None,
    lang: Lang = "both",
) -> Axes:
    """How the predicted customer value is spread over the customers (预测客户价值分布).

    A few customers hold most of the value, so the bars run up to the
    ``upper_quantile`` of the values and the last bar holds everyone above it too
    (the chart says how many); the dashed line is the median.

    Args:
        values: a report with the model's ``predicted_clv`` column
            (``ReportPolicy(model=...)``), or the values themselves.
        bins: how many bars.
        upper_quantile: where the bars stop, as a quantile of the values.
        ax: the Axes to draw on (default: a new figure's).
        lang: ``"en"``, ``"zh"`` or ``"both"``.

    Returns:
        The Axes; its first container holds the bars, each bar's height the customers
        whose value falls in it (the last bar's including those above it).

    Raises:
        InvalidValue: a report without predicted values, no values, ``bins`` below 1,
            or ``upper_quantile`` outside (0, 1].
    """
    import numpy as np

    from custrel.report import Report

    if bins < 1:
        raise InvalidValue("bins", bins, "at least 1")
    if not 0 < upper_quantile <= 1:
        raise InvalidValue("upper_quantile", upper_quantile, "a quantile in (0, 1]")
    currency, horizon = None, None
    if isinstance(values, Report):
        column = values.customers.numbers.get("predicted_clv")
        if column is None:
            model = values.overview.model if values.overview is not None else None
            note = model.note.value if model is not None and model.note is not None else None
            raise InvalidValue(
                "report.customers.predicted_clv",
                note,
                "a report with the model's predicted value: "
                "analyze(..., policy=ReportPolicy(model='bgnbd'))",
            )
        if values.overview is not None:
            currency = values.overview.currency
            if values.overview.model is not None:
                horizon = values.overview.model.horizon_days
        data = np.asarray(column, dtype=np.float64)
    else:
        data = np.asarray(list(values), dtype=np.float64)
    data = data[np.isfinite(data)]
    if not len(data):
        raise InvalidValue("values", 0, "at least one predicted value")
    lang = _lang(lang)
    low = min(float(data.min()), 0.0)
    high = float(np.quantile(data, upper_quantile))
    high = high if high > low else low + 1.0
    edges = np.linspace(low, high, bins + 1)
    counts, _ = np.histogram(np.clip(data, low, high), edges)
    above = int((data > high).sum())
    ax = _new_axes(ax, (8.0, 4.5))
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=_ACCENT, label="customers")
    median = float(np.median(data))
    ax.axvline(median, color="black", linestyle="--", linewidth=1)
    stated = currency is not None and currency != "XXX"  # ISO 4217's code for "no currency"
    amount = f"{currency} {median:,.2f}" if stated else f"{median:,.2f}"
    ax.text(
        median,
        0.95,
        " " + _words(f"median {amount}", f"中位数 {amount}", lang, "\n"),
        transform=ax.get_xaxis_transform(),
        va="top",
        fontsize=8,
    )
    if above:
        ax.text(
            0.98,
            0.80,
            _words(
                f"{above:,} customers above {high:,.0f} are in the last bar",
                f"价值高于 {high:,.0f} 的 {above:,} 位客户计入最后一根柱",
                lang,
                "\n",
            ),
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
        )
    unit_en = currency if stated else "no currency stated" if currency else "amount"
    unit_zh = currency if stated else "未注明币种" if currency else "金额"
    ax.set_xlabel(_words(f"predicted value ({unit_en})", f"预测价值（{unit_zh}）", lang, " · "))
    ax.set_ylabel(_words("customers", "客户数", lang))
    over = f" over the next {horizon:,} days" if horizon else ""
    over_zh = f"（未来 {horizon:,} 天）" if horizon else ""
    ax.set_title(
        _words(f"Predicted customer value{over}", f"预测客户价值分布{over_zh}", lang, "\n")
    )
    return _finish(ax, lang)
