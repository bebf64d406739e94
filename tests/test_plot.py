"""The charts draw the report's own numbers, with bilingual labels, on the caller's Axes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from custrel import plot  # noqa: E402
from custrel.errors import InvalidValue  # noqa: E402
from custrel.lifecycle import Stage  # noqa: E402
from custrel.money import Money  # noqa: E402
from custrel.report import Report, Transaction, analyze  # noqa: E402
from custrel.sample import SAMPLE_AS_OF, sample_path  # noqa: E402
from strategies_report import AS_OF, logs  # noqa: E402

EARLIER = dt.date(2023, 12, 31)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def report() -> Report:
    return analyze(sample_path(), as_of=SAMPLE_AS_OF)


@pytest.fixture(scope="module")
def earlier() -> Report:
    return analyze(sample_path(), as_of=EARLIER, on_error="skip")


def bars(ax: Axes, index: int = 0) -> BarContainer:
    container = ax.containers[index]
    assert isinstance(container, BarContainer)
    return container


def tick_texts(ax: Axes, axis: str = "x") -> list[str]:
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def all_texts(ax: Axes) -> list[str]:
    texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *tick_texts(ax)]
    texts += tick_texts(ax, "y") + [t.get_text() for t in ax.texts]
    legend = ax.get_legend()
    if legend is not None:
        texts += [t.get_text() for t in legend.get_texts()]
    return texts


def has_hanzi(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_importing_the_module_loads_no_matplotlib():
    code = "import custrel.plot, sys; print('matplotlib' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )

    assert result.stdout.strip() == "False", result.stderr


def test_stage_bars_are_the_reports_counts_in_its_order(report: Report):
    assert report.overview is not None

    ax = plot.stages(report)

    expected = report.overview.by_stage
    assert [bar.get_height() for bar in bars(ax)] == [count for _, count in expected]
    labels = tick_texts(ax)
    assert all(stage.en in label for (stage, _), label in zip(expected, labels, strict=True))
    if plot.cjk_font() is not None:
        assert all(stage.zh in label for (stage, _), label in zip(expected, labels, strict=True))


def test_verdict_bars_are_the_reports_counts(report: Report):
    assert report.overview is not None

    ax = plot.verdicts(report.overview, lang="en")

    expected = report.overview.by_verdict
    assert [bar.get_height() for bar in bars(ax)] == [count for _, count in expected]
    assert tick_texts(ax) == [verdict.en for verdict, _ in expected]


def test_the_pyramids_widths_are_each_tiers_share_of_customers_and_of_profit(report: Report):
    overview = report.overview
    assert overview is not None
    total = sum(customers for _, customers, _, _ in overview.by_tier)

    ax = plot.pyramid(report)

    customers = [bar.get_width() for bar in bars(ax, 0)]
    profits = [bar.get_width() for bar in bars(ax, 1)]
    assert customers == pytest.approx([n / total for _, n, _, _ in overview.by_tier])
    shares = [share for *_, share in overview.by_tier]
    assert profits == pytest.approx([max(share or 0.0, 0.0) for share in shares])
    # The text's top tier is drawn at the top: the first tier has the highest row.
    rows = [bar.get_y() for bar in bars(ax, 0)]
    assert rows == sorted(rows, reverse=True)


def test_a_loss_making_tier_shows_its_negative_share_in_red(report: Report):
    overview = report.overview
    assert overview is not None
    losing = [share for *_, share in overview.by_tier if share is not None and share < 0]
    assert losing, "the sample's small customers lose money"

    ax = plot.pyramid(report, lang="en")

    red = [t.get_text() for t in ax.texts if t.get_color() == "#c62828"]
    assert red == [f"{share:.0%}" for share in losing]


def test_the_pyramid_falls_back_to_revenue_without_costs():
    log = [
        Transaction("ann", dt.date(2024, 1, 5), 30.0),
        Transaction("bob", dt.date(2024, 1, 20), 10.0),
    ]
    no_costs = analyze(log, as_of=dt.date(2024, 1, 31))
    assert no_costs.overview is not None

    ax = plot.pyramid(no_costs, lang="en")

    assert bars(ax, 1).get_label() == "revenue"
    revenue = [max(float(share), 0.0) for _, _, share, _ in no_costs.overview.by_tier]
    assert [bar.get_width() for bar in bars(ax, 1)] == pytest.approx(revenue)


def test_the_leaky_bucket_draws_new_won_back_lost_and_active_per_period(report: Report):
    assert report.overview is not None
    rows = report.overview.leaky_bucket

    ax = plot.leaky_bucket(report)

    new, back, lost = bars(ax, 0), bars(ax, 1), bars(ax, 2)
    assert [b.get_height() for b in new] == [row.new for row in rows]
    assert [b.get_height() for b in back] == [row.won_back for row in rows]
    assert [b.get_y() for b in back] == [row.new for row in rows]
    assert [b.get_height() for b in lost] == [-row.lost for row in rows]
    assert list(ax.lines[0].get_ydata()) == [row.active_at_end for row in rows]
    assert tick_texts(ax) == [row.period_start.isoformat() for row in rows]


def test_the_churn_cost_bars_are_the_revenue_and_profit_lost(report: Report):
    assert report.overview is not None
    cost = report.overview.churn_cost
    assert cost is not None
    keep = Money.of(Decimal(20), cost.revenue_per_customer.currency)

    ax = plot.churn_cost(report, cost_to_keep_one=keep)

    expected = [cost.revenue_lost, cost.profit_lost, cost.replacement_cost(keep)]
    assert [b.get_height() for b in bars(ax)] == pytest.approx([float(m.amount) for m in expected])
    assert f"{float(cost.lost_customers):,.0f}" in ax.get_title()


def test_an_unstated_currency_is_named_as_such_not_as_xxx(report: Report):
    english = plot.churn_cost(report, lang="en").get_ylabel()
    chinese = plot.churn_cost(report, lang="zh").get_ylabel()

    assert "no currency stated" in english
    assert "XXX" not in english
    if plot.cjk_font() is not None:
        assert chinese == "每年金额（未注明币种）"


def test_a_report_without_a_churn_cost_is_refused_naming_what_is_missing():
    log = [Transaction("ann", dt.date(2024, 1, 5), 30.0)]
    no_costs = analyze(log, as_of=dt.date(2024, 1, 31))

    with pytest.raises(InvalidValue, match="churn_cost"):
        plot.churn_cost(no_costs)


def test_reason_bars_count_the_customers_that_carry_each_reason(report: Report):
    expected = Counter(reason for customer in report.customers for reason in set(customer.reasons))

    ax = plot.reasons(report, top=3)

    heights = [b.get_width() for b in bars(ax)]
    assert heights == [count for _, count in expected.most_common(3)]
    # The most common reason is drawn at the top.
    rows = [b.get_y() for b in bars(ax)]
    assert rows == sorted(rows, reverse=True)


def test_reasons_in_english_drop_their_chinese_gloss(report: Report):
    ax = plot.reasons(report, lang="en")

    assert not any(has_hanzi(text) for text in all_texts(ax))


def test_stage_flows_cross_the_stages_of_two_dates(report: Report, earlier: Report):
    before = {c.customer_id: c.stage for c in earlier.customers}
    flows = Counter((before.get(c.customer_id), c.stage) for c in report.customers)
    rows = [*Stage, None]
    present_rows = [s for s in rows if any(f == s for f, _ in flows)]
    present_cols = [s for s in Stage if any(t == s for _, t in flows)]

    ax = plot.stage_flows(earlier, report, lang="en")

    image = ax.images[0].get_array()
    assert image is not None
    expected = [[flows.get((f, t), 0) for t in present_cols] for f in present_rows]
    assert image.tolist() == expected
    row_labels = [s.en if s is not None else "not yet a customer" for s in present_rows]
    assert tick_texts(ax, "y") == row_labels
    assert tick_texts(ax) == [s.en for s in present_cols]


def test_stage_flows_need_the_earlier_report_first(report: Report, earlier: Report):
    with pytest.raises(InvalidValue, match=r"earlier\.as_of"):
        plot.stage_flows(report, earlier)


def test_a_chart_draws_on_the_axes_it_is_given(report: Report):
    _, (left, right) = plt.subplots(1, 2)

    drawn = plot.stages(report, ax=right)

    assert drawn is right
    assert not left.containers


def test_english_labels_have_no_chinese(report: Report):
    for draw in (plot.stages, plot.verdicts, plot.pyramid, plot.leaky_bucket, plot.churn_cost):
        ax = draw(report, lang="en")

        assert not any(has_hanzi(text) for text in all_texts(ax)), draw.__name__


def test_without_a_cjk_font_the_chinese_labels_are_left_out(
    report: Report, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(plot, "cjk_font", lambda: None)

    ax = plot.stages(report, lang="both")

    assert not any(has_hanzi(text) for text in all_texts(ax))


@pytest.mark.skipif(plot.cjk_font() is None, reason="no CJK font installed")
def test_chinese_labels_use_the_cjk_font(report: Report):
    ax = plot.leaky_bucket(report, lang="zh")

    assert ax.get_title() == "漏桶"
    assert plot.cjk_font() in ax.title.get_fontfamily()


def test_an_unknown_language_is_refused(report: Report):
    with pytest.raises(InvalidValue, match="lang"):
        plot.stages(report, lang="fr")  # type: ignore[arg-type]


def test_a_summary_without_an_overview_is_refused():
    from custrel.report import summarize

    summary = summarize([Transaction("ann", dt.date(2024, 1, 5), 30.0)])

    with pytest.raises(InvalidValue, match="summarize"):
        plot.stages(summary)


@settings(max_examples=20)
@given(log=logs)
def test_every_judged_customer_is_drawn_once_by_stage_and_by_verdict(log: list[Transaction]):
    plt.close("all")  # each example draws afresh
    result = analyze(log, as_of=AS_OF)
    judged = sum(1 for customer in result.customers if customer.verdict is not None)

    by_stage = plot.stages(result, lang="en")
    by_verdict = plot.verdicts(result, lang="en")

    assert sum(b.get_height() for b in bars(by_stage)) == len(result.customers)
    assert sum(b.get_height() for b in bars(by_verdict)) == judged


@settings(max_examples=20)
@given(log=logs)
def test_the_bucket_balances_period_by_period(log: list[Transaction]):
    plt.close("all")  # each example draws afresh
    result = analyze(log, as_of=AS_OF)

    ax = plot.leaky_bucket(result, lang="en")

    new, back, lost = bars(ax, 0), bars(ax, 1), bars(ax, 2)
    active = list(ax.lines[0].get_ydata())
    held = 0.0
    for n, b, gone, end in zip(new, back, lost, active, strict=True):
        held += n.get_height() + b.get_height() + gone.get_height()
        assert held == end


@pytest.mark.parametrize(
    ("reason", "english"),
    [
        ("no credit (不讲信誉)", "no credit"),
        (
            "counts for: good credit (有利：保证企业盈利（对价格不敏感、付款及时）)",
            "counts for: good credit",
        ),
        ("plain English (with a remark)", "plain English (with a remark)"),
        ("loyal（忠诚）", "loyal"),
    ],
)
def test_an_english_reason_keeps_everything_before_its_chinese_gloss(reason: str, english: str):
    assert plot._english_part(reason) == english
