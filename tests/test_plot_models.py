"""The model charts draw the model's own predictions, and the report's where it has them."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from custrel import plot  # noqa: E402
from custrel.clv import BetaGeo, Validation, calibration_holdout  # noqa: E402
from custrel.errors import InvalidValue  # noqa: E402
from custrel.periods import Period  # noqa: E402
from custrel.report import Report, ReportPolicy, analyze  # noqa: E402
from custrel.sample import SAMPLE_AS_OF, sample_path  # noqa: E402
from strategies_clv import bg_params  # noqa: E402

#: Fader, Hardie & Lee's (2005) BG/NBD estimates on CDNOW, in weeks.
CDNOW = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def report() -> Report:
    # The model is asked for by name: these charts need it, whatever the default.
    return analyze(
        sample_path(), as_of=SAMPLE_AS_OF, currency="CNY", policy=ReportPolicy(model="bgnbd")
    )


@pytest.fixture(scope="module")
def unmodelled() -> Report:
    return analyze(sample_path(), as_of=SAMPLE_AS_OF, policy=ReportPolicy(model="none"))


@pytest.fixture(scope="module")
def validation() -> Validation:
    return calibration_holdout(sample_path(), calibration_end="2024-06-30", period_days=7)


@pytest.fixture(scope="module")
def purchases() -> dict[str, list[dt.date]]:
    days: dict[str, list[dt.date]] = {}
    with gzip.open(sample_path(), "rt", encoding="utf-8") as lines:
        for row in csv.DictReader(lines):
            days.setdefault(row["customer_id"], []).append(dt.date.fromisoformat(row["date"]))
    return days


def image_of(ax: Axes) -> np.ma.MaskedArray:
    return np.ma.masked_invalid(np.asarray(ax.images[0].get_array(), dtype=np.float64))


def has_hanzi(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- the frequency/recency and P(alive) matrices ------------------------------------------


def test_the_frequency_recency_matrix_holds_the_models_expected_purchases():
    ax = plot.frequency_recency_matrix(CDNOW, t=5, max_frequency=6, max_recency=30, T=40)

    image = image_of(ax)
    assert image.shape == (7, 31)
    for f in range(7):
        for r in range(31):
            if f == 0 and r > 0:  # no repeat purchase, yet a last one after the first
                assert image.mask[f, r]
            else:
                expected = float(CDNOW.expected_purchases(5, f, float(r), 40.0))
                assert image[f, r] == pytest.approx(expected, rel=1e-12)


def test_the_p_alive_matrix_holds_the_models_p_alive():
    ax = plot.p_alive_matrix(CDNOW, max_frequency=6, max_recency=30, T=40)

    image = image_of(ax)
    for f in range(1, 7):
        for r in range(31):
            alive = float(CDNOW.p_alive(f, float(r), 40.0))
            assert image[f, r] == pytest.approx(alive, rel=1e-12)
    assert image[0, 0] == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet


def test_a_reports_matrices_hold_its_customers_predictions(report: Report):
    numbers = report.customers.numbers
    ages, counts = np.unique(numbers["T"], return_counts=True)
    common = int(ages[counts.argmax()])
    oldest = int(ages.max())

    for age, size in ((oldest, {}), (common, {"max_recency": common, "T": common})):
        expected = image_of(plot.frequency_recency_matrix(report, **size))
        alive = image_of(plot.p_alive_matrix(report, **size))

        assert expected.shape == (numbers["frequency"].max() + 1, age + 1)
        of_age = np.flatnonzero(numbers["T"] == age)
        assert len(of_age) >= 4
        for i in of_age:
            f, r = int(numbers["frequency"][i]), int(numbers["recency"][i])
            assert expected[f, r] == pytest.approx(numbers["expected_purchases"][i], rel=1e-9)
            assert alive[f, r] == pytest.approx(numbers["p_alive"][i], rel=1e-9)


def test_a_model_alone_needs_the_matrix_size_named():
    with pytest.raises(InvalidValue, match="max_frequency"):
        plot.frequency_recency_matrix(CDNOW, max_recency=30)
    with pytest.raises(InvalidValue, match="max_recency"):
        plot.p_alive_matrix(CDNOW, max_frequency=5)


def test_the_age_of_the_matrix_cannot_be_below_its_recency():
    with pytest.raises(InvalidValue, match="T"):
        plot.p_alive_matrix(CDNOW, max_frequency=5, max_recency=30, T=20)


def test_a_report_without_a_model_is_refused_naming_the_policy(unmodelled: Report):
    for draw in (plot.frequency_recency_matrix, plot.p_alive_matrix, plot.clv_distribution):
        with pytest.raises(InvalidValue, match="ReportPolicy"):
            draw(unmodelled)


def test_the_matrix_says_its_horizon_and_unit(report: Report):
    ax = plot.frequency_recency_matrix(report, lang="en")

    colour_label = ax.figure.axes[-1].get_ylabel()
    assert "next 365 days" in colour_label
    assert "(days)" in ax.get_xlabel()


# --- a customer's P(alive) history --------------------------------------------------------


def test_a_history_ends_at_the_reports_p_alive_of_the_customer(
    report: Report, purchases: dict[str, list[dt.date]]
):
    for customer in ("C00002", "C00010", "C00107", "C02999"):
        row = report.customers.get(customer)

        ax = plot.p_alive_history(report, purchases[customer])

        alive = ax.lines[0].get_ydata()
        assert alive[-1] == pytest.approx(row.p_alive, rel=1e-12)
        assert len(alive) == (report.as_of - row.first_purchase).days + 1


def test_a_history_counts_the_customers_past_period_by_period():
    days = [dt.date(2024, 1, 1), dt.date(2024, 1, 4), dt.date(2024, 1, 4), dt.date(2024, 1, 9)]

    ax = plot.p_alive_history(CDNOW, days, until=dt.date(2024, 1, 12))

    alive = list(ax.lines[0].get_ydata())
    # (frequency, recency, T) on each day from the first purchase, counted by hand.
    history = [(0, 0, 0), (0, 0, 1), (0, 0, 2), (1, 3, 3), (1, 3, 4), (1, 3, 5), (1, 3, 6)]
    history += [(1, 3, 7), (2, 8, 8), (2, 8, 9), (2, 8, 10), (2, 8, 11)]
    assert len(alive) == len(history)
    assert alive[0] == 1.0  # the first day: no time to drop out yet
    for value, (f, r, t) in zip(alive[1:], history[1:], strict=True):
        assert value == pytest.approx(float(CDNOW.p_alive(f, float(r), float(t))), rel=1e-12)


def test_a_history_marks_each_purchase_day_once():
    days = [dt.date(2024, 1, 1), dt.date(2024, 1, 4), dt.date(2024, 1, 4), dt.date(2024, 1, 9)]

    ax = plot.p_alive_history(CDNOW, days, until=dt.date(2024, 1, 12))

    marks = next(c for c in ax.collections if isinstance(c, LineCollection))
    drawn = [mdates.num2date(segment[0][0]).date() for segment in marks.get_segments()]
    assert drawn == sorted(set(days))


def test_a_history_by_week_counts_purchase_weeks():
    days = [dt.date(2024, 1, 1), dt.date(2024, 1, 3), dt.date(2024, 1, 15)]  # Mon, Wed, Mon

    ax = plot.p_alive_history(CDNOW, days, until=dt.date(2024, 1, 28), period=Period.WEEK)

    alive = list(ax.lines[0].get_ydata())
    assert len(alive) == 4  # the weeks of Jan 1, 8, 15 and 22
    assert alive[1] == pytest.approx(float(CDNOW.p_alive(0, 0.0, 1.0)))
    assert alive[3] == pytest.approx(float(CDNOW.p_alive(1, 2.0, 3.0)))


def test_a_history_refuses_a_period_other_than_the_reports(report: Report):
    with pytest.raises(InvalidValue, match="period"):
        plot.p_alive_history(report, [dt.date(2024, 1, 1)], period=Period.WEEK)


def test_a_history_refuses_a_purchase_after_its_end():
    with pytest.raises(InvalidValue, match="purchases"):
        plot.p_alive_history(CDNOW, [dt.date(2024, 3, 1)], until=dt.date(2024, 2, 1))


def test_a_history_needs_a_purchase():
    with pytest.raises(InvalidValue, match="purchases"):
        plot.p_alive_history(CDNOW, [])


@settings(max_examples=30)
@given(
    offsets=st.lists(st.integers(0, 120), min_size=1, max_size=12),
    tail=st.integers(0, 60),
)
def test_under_bg_nbd_a_purchase_after_the_first_repeat_never_lowers_p_alive(
    offsets: list[int], tail: int
):
    plt.close("all")  # each example draws afresh
    start = dt.date(2024, 1, 1)
    days = sorted({start + dt.timedelta(days=k) for k in offsets})
    until = days[-1] + dt.timedelta(days=tail)

    ax = plot.p_alive_history(CDNOW, days, until=until)

    alive = np.asarray(ax.lines[0].get_ydata())
    assert ((alive >= 0) & (alive <= 1)).all()
    # Before the first repeat purchase a BG/NBD customer has had no chance to drop out.
    before_repeat = (days[1] - days[0]).days if len(days) > 1 else len(alive)
    assert (alive[:before_repeat] == 1.0).all()
    for day in days[2:]:
        k = (day - days[0]).days
        assert alive[k] >= alive[k - 1]


# --- calibration and holdout ----------------------------------------------------------------


def test_the_tracking_lines_are_the_validations_actual_and_predicted(validation: Validation):
    ax = plot.calibration_tracking(validation)

    actual, predicted = ax.lines[0], ax.lines[1]
    assert list(actual.get_ydata()) == [row.actual for row in validation.tracking]
    assert list(predicted.get_ydata()) == [row.predicted for row in validation.tracking]
    ends = [dt.date.fromisoformat(str(x)) for x in actual.get_xdata()]
    assert ends == [row.end for row in validation.tracking]


def test_the_tracking_marks_the_end_of_the_calibration(validation: Validation):
    ax = plot.calibration_tracking(validation, lang="en")

    split = ax.lines[2].get_xdata()[0]
    assert mdates.num2date(split).date() == validation.calibration_end
    assert any("calibration | holdout" in t.get_text() for t in ax.texts)


def test_holdout_purchases_by_frequency_are_the_validations_groups(validation: Validation):
    ax = plot.holdout_by_frequency(validation, lang="en")

    rows = validation.by_frequency
    assert list(ax.lines[0].get_ydata()) == [row.actual for row in rows]
    assert list(ax.lines[1].get_ydata()) == [row.predicted for row in rows]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [f"{row.frequency}\n({row.customers:,})" for row in rows]
    assert ticks[-1].startswith("7+")
    assert "2024-07-01 to " in ax.get_title()  # the holdout starts the day after


def test_the_validation_charts_refuse_anything_else(report: Report):
    for draw in (plot.calibration_tracking, plot.holdout_by_frequency):
        with pytest.raises(InvalidValue, match="calibration_holdout"):
            draw(report)  # type: ignore[arg-type]


# --- the predicted value ----------------------------------------------------------------------


def test_the_value_bars_count_every_customer_once(report: Report):
    values = report.customers.numbers["predicted_clv"]

    ax = plot.clv_distribution(report, bins=20, upper_quantile=0.95)

    bars = ax.containers[0]
    assert isinstance(bars, BarContainer)
    heights = [b.get_height() for b in bars]
    assert sum(heights) == len(values)
    top = float(np.quantile(values, 0.95))
    for k, bar in enumerate(bars):
        low, high = bar.get_x(), bar.get_x() + bar.get_width()
        last = k == len(bars) - 1
        inside = (values >= low) & ((values <= high) if last else (values < high))
        above = values > top if last else np.zeros(len(values), dtype=bool)
        assert bar.get_height() == int(inside.sum() + above.sum()), k
    said = f"{int((values > top).sum()):,} customers above"
    assert any(said in t.get_text() for t in ax.texts)


def test_the_value_chart_marks_the_median_in_the_reports_currency(report: Report):
    median = float(np.median(report.customers.numbers["predicted_clv"]))

    ax = plot.clv_distribution(report, lang="en")

    assert ax.lines[0].get_xdata()[0] == pytest.approx(median)
    assert any(f"median CNY {median:,.2f}" in t.get_text() for t in ax.texts)
    assert "(CNY)" in ax.get_xlabel()
    assert "365 days" in ax.get_title()


def test_the_value_chart_takes_the_values_themselves():
    ax = plot.clv_distribution([1.0, 2.0, 2.5, 10.0, math.nan], bins=3, upper_quantile=1.0)

    assert [b.get_height() for b in ax.containers[0]] == [3, 0, 1]  # edges 0, 10/3, 20/3, 10


def test_the_value_chart_refuses_no_values_and_bad_settings():
    with pytest.raises(InvalidValue, match="values"):
        plot.clv_distribution([math.nan])
    with pytest.raises(InvalidValue, match="bins"):
        plot.clv_distribution([1.0], bins=0)
    with pytest.raises(InvalidValue, match="upper_quantile"):
        plot.clv_distribution([1.0], upper_quantile=0)


# --- every model chart ------------------------------------------------------------------------


def model_charts(
    report: Report, validation: Validation, purchases: dict[str, list[dt.date]]
) -> dict[str, object]:
    return {
        "frequency_recency_matrix": lambda **kw: plot.frequency_recency_matrix(report, **kw),
        "p_alive_matrix": lambda **kw: plot.p_alive_matrix(report, **kw),
        "p_alive_history": lambda **kw: plot.p_alive_history(report, purchases["C00010"], **kw),
        "calibration_tracking": lambda **kw: plot.calibration_tracking(validation, **kw),
        "holdout_by_frequency": lambda **kw: plot.holdout_by_frequency(validation, **kw),
        "clv_distribution": lambda **kw: plot.clv_distribution(report, **kw),
    }


def test_every_model_chart_draws_on_the_axes_it_is_given(
    report: Report, validation: Validation, purchases: dict[str, list[dt.date]]
):
    for name, draw in model_charts(report, validation, purchases).items():
        _, (left, right) = plt.subplots(1, 2)

        drawn = draw(ax=right)  # type: ignore[operator]

        assert drawn is right, name
        assert isinstance(drawn, Axes)
        assert not left.lines, name
        assert not left.images, name
        assert not left.containers, name


def test_every_model_chart_in_english_has_no_chinese(
    report: Report, validation: Validation, purchases: dict[str, list[dt.date]]
):
    for name, draw in model_charts(report, validation, purchases).items():
        ax = draw(lang="en")  # type: ignore[operator]

        texts = [
            ax.get_title(),
            ax.get_xlabel(),
            ax.get_ylabel(),
            *(t.get_text() for t in ax.texts),
        ]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
        assert not any(has_hanzi(text) for text in texts), name


@pytest.mark.skipif(plot.cjk_font() is None, reason="no CJK font installed")
def test_every_model_chart_labels_both_languages_by_default(
    report: Report, validation: Validation, purchases: dict[str, list[dt.date]]
):
    for name, draw in model_charts(report, validation, purchases).items():
        ax = draw()  # type: ignore[operator]

        assert has_hanzi(ax.get_title()), name
        assert any(ch.isascii() and ch.isalpha() for ch in ax.get_title()), name
        assert plot.cjk_font() in ax.title.get_fontfamily(), name


# --- every model a report can fit, in every period --------------------------------------------


def test_every_model_a_report_can_fit_has_a_chart_class():
    from custrel.report import ReportModel

    fitted = {m.value for m in ReportModel if m is not ReportModel.NONE}

    assert set(plot._REPORT_MODELS) == fitted


@pytest.mark.parametrize("kind", ["mbgnbd", "pareto"])
def test_the_model_rebuilt_from_a_report_predicts_its_columns(kind: str):
    modelled = analyze(sample_path(), as_of=SAMPLE_AS_OF, policy=ReportPolicy(model=kind))
    numbers = modelled.customers.numbers
    oldest = int(numbers["T"].max())

    alive = image_of(plot.p_alive_matrix(modelled))

    of_age = np.flatnonzero(numbers["T"] == oldest)
    assert len(of_age)
    for i in of_age:
        f, r = int(numbers["frequency"][i]), int(numbers["recency"][i])
        assert alive[f, r] == pytest.approx(numbers["p_alive"][i], rel=1e-9)


def test_a_weekly_reports_charts_count_in_weeks(purchases: dict[str, list[dt.date]]):
    weekly = analyze(
        sample_path(),
        as_of=SAMPLE_AS_OF,
        policy=ReportPolicy(model="bgnbd", period=Period.WEEK),
    )
    numbers = weekly.customers.numbers
    oldest = np.flatnonzero(numbers["T"] == numbers["T"].max())

    matrix = plot.frequency_recency_matrix(weekly, lang="en")
    expected = image_of(matrix)
    history = plot.p_alive_history(weekly, purchases["C00406"])

    for i in oldest:
        f, r = int(numbers["frequency"][i]), int(numbers["recency"][i])
        assert expected[f, r] == pytest.approx(numbers["expected_purchases"][i], rel=1e-9)
    row = weekly.customers.get("C00406")
    assert history.lines[0].get_ydata()[-1] == pytest.approx(row.p_alive, rel=1e-12)
    assert len(history.lines[0].get_ydata()) == row.T + 1
    horizon = 365 / 7  # the report's horizon, in its period
    assert f"next {horizon:g} ISO weeks" in matrix.figure.axes[-1].get_ylabel()
    assert "(ISO weeks)" in matrix.get_xlabel()


def test_a_history_names_its_customer_in_both_languages():
    ax = plot.p_alive_history(CDNOW, [dt.date(2024, 1, 1)], customer_id="C00406")

    assert ax.get_title().startswith("Customer C00406's P(alive) over time")
    if plot.cjk_font() is not None:
        assert ax.get_title().endswith("客户 C00406 的存活概率变化")


@settings(max_examples=25)
@given(params=bg_params(), size=st.tuples(st.integers(1, 8), st.integers(1, 20)))
def test_in_the_p_alive_matrix_a_later_last_purchase_never_looks_less_alive(
    params: dict[str, float], size: tuple[int, int]
):
    plt.close("all")  # each example draws afresh
    max_frequency, max_recency = size

    ax = plot.p_alive_matrix(
        BetaGeo.from_params(**params), max_frequency=max_frequency, max_recency=max_recency
    )

    image = image_of(ax)
    assert image.shape == (max_frequency + 1, max_recency + 1)
    assert ((image >= 0) & (image <= 1)).all()
    # For a given frequency and age, the later the last purchase, the likelier alive.
    rows = np.ma.filled(image[1:], np.nan)
    assert (np.diff(rows, axis=1) >= -1e-12).all()
