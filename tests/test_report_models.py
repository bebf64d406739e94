"""The report joined to the customer-base models: P(alive), expected purchases, value."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.clv import BetaGeo
from custrel.errors import InvalidValue
from custrel.lifecycle import Stage
from custrel.report import (
    AliveBand,
    ModelNote,
    ReportModel,
    ReportPolicy,
    StageByAlive,
    Transaction,
    analyze,
)
from custrel.report._models import alive_band_codes, stage_by_alive
from custrel.report._render import render_table
from custrel.sample import SAMPLE_AS_OF, sample_path

MODEL_COLUMNS = ("p_alive", "expected_purchases", "predicted_clv")


@functools.cache
def sample_report(model: ReportModel = ReportModel.BG_NBD):  # type: ignore[no-untyped-def]
    return analyze(sample_path(), as_of=SAMPLE_AS_OF, policy=ReportPolicy(model=model))


def test_the_sample_gets_a_bg_nbd_model_and_finite_model_columns():
    report = sample_report()

    assert report.overview is not None
    model = report.overview.model
    assert model is not None
    assert model.model is ReportModel.BG_NBD
    assert model.note is None
    assert {k for k, _ in model.params} == {"r", "alpha", "a", "b"}
    numbers = report.customers.numbers
    for name in MODEL_COLUMNS:
        assert np.isfinite(numbers[name]).all(), name
    assert ((numbers["p_alive"] >= 0) & (numbers["p_alive"] <= 1)).all()
    assert (numbers["expected_purchases"] >= 0).all()
    assert (numbers["predicted_clv"] >= 0).all()


@pytest.mark.parametrize("model", [ReportModel.MBG_NBD, ReportModel.PARETO_NBD])
def test_the_other_models_fit_the_sample_too(model):
    report = sample_report(model)

    assert report.overview is not None
    assert report.overview.model is not None
    assert report.overview.model.note is None
    p_alive = report.customers.numbers["p_alive"]
    assert ((p_alive >= 0) & (p_alive <= 1)).all()


def test_the_reports_p_alive_equals_bg_nbd_fitted_on_the_same_summary():
    report = sample_report()
    numbers = report.customers.numbers
    frequency, recency, age = numbers["frequency"], numbers["recency"], numbers["T"]
    seen = age > 0

    direct = BetaGeo.fit(frequency[seen], recency[seen], age[seen])

    assert report.overview is not None
    assert report.overview.model is not None
    fitted = dict(report.overview.model.params)
    for name, value in direct.params.items():
        assert fitted[name] == pytest.approx(value, rel=1e-6)
    expected = direct.p_alive(frequency[seen], recency[seen], age[seen])
    np.testing.assert_allclose(numbers["p_alive"][seen], expected, rtol=1e-6, atol=1e-12)
    horizon = direct.expected_purchases(365.0, frequency[seen], recency[seen], age[seen])
    np.testing.assert_allclose(numbers["expected_purchases"][seen], horizon, rtol=1e-6, atol=1e-12)


def test_no_model_gives_typed_nulls_and_the_same_table_shape():
    with_model = sample_report().customers.to_arrow()

    without = sample_report(ReportModel.NONE)

    table = without.customers.to_arrow()
    assert table.schema == with_model.schema  # type: ignore[attr-defined]
    for name in MODEL_COLUMNS:
        column = table.column(name)  # type: ignore[attr-defined]
        assert column.type == pa.float64()
        assert column.null_count == len(column)
    assert without.overview is not None
    assert without.overview.model is not None
    assert without.overview.model.note is ModelNote.NOT_ASKED
    assert without.overview.stage_by_alive == ()
    assert all(c.p_alive is None for c in without.overview.worth_a_call)


def test_the_model_is_chosen_by_its_stable_name_and_a_wrong_one_is_refused():
    assert ReportPolicy(model="pareto").model is ReportModel.PARETO_NBD  # type: ignore[arg-type]

    with pytest.raises(InvalidValue, match="bgnbd"):
        ReportPolicy(model="lifetimes")  # type: ignore[arg-type]


def _one_time_buyers(n: int) -> list[Transaction]:
    start = dt.date(2024, 1, 1)
    return [
        Transaction(f"c{i:03d}", start + dt.timedelta(days=i % 200), 10.0 + i) for i in range(n)
    ]


def test_a_log_without_repeat_buyers_gets_a_note_not_a_failure():
    report = analyze(
        _one_time_buyers(200), as_of=dt.date(2024, 12, 31), policy=ReportPolicy(model="bgnbd")
    )

    assert report.overview is not None
    assert report.overview.model is not None
    assert report.overview.model.note is ModelNote.NO_REPEAT_BUYERS
    assert "p_alive" not in report.customers.numbers
    assert ModelNote.NO_REPEAT_BUYERS.en in render_table(report, width=400)


def test_a_log_too_small_gets_a_note_not_a_failure():
    report = analyze(
        _one_time_buyers(3), as_of=dt.date(2024, 12, 31), policy=ReportPolicy(model="bgnbd")
    )

    assert report.overview is not None
    assert report.overview.model is not None
    assert report.overview.model.note is ModelNote.TOO_SMALL
    assert all(c.p_alive is None for c in report.customers)


def test_a_log_whose_fit_runs_off_gets_a_note_not_a_failure():
    # Everyone buys every ten days up to the day judged: nobody has dropped out, so
    # the drop-out probability runs off towards 0 and the default model cannot fit.
    start = dt.date(2024, 1, 1)
    log = [
        Transaction(f"c{i:03d}", start + dt.timedelta(days=i + 10 * k), 20.0)
        for i in range(40)
        for k in range(30)
        if i + 10 * k <= 330
    ]

    report = analyze(log, as_of=dt.date(2024, 11, 30))

    assert report.overview is not None
    assert report.overview.model is not None
    assert report.overview.model.note is ModelNote.FIT_FAILED
    assert all(c.p_alive is None for c in report.customers)
    assert ModelNote.FIT_FAILED.en in render_table(report, width=400)


def test_the_stage_by_band_table_counts_every_customer_of_the_sample_once():
    report = sample_report()
    assert report.overview is not None

    rows = report.overview.stage_by_alive

    assert sum(sum(row.counts) for row in rows) == report.overview.customers
    by_stage = {row.stage: sum(row.counts) for row in rows}
    assert by_stage == dict(report.overview.by_stage)


def test_the_terminal_report_shows_the_model_and_the_agreement_table():
    report = sample_report()
    assert report.overview is not None

    text = render_table(report, width=400)

    assert "BG/NBD" in text
    assert "生命周期阶段与模型存活概率对照" in text
    for band in AliveBand:
        assert band.en in text
        assert band.zh in text
    for row in report.overview.stage_by_alive:
        assert row.stage.en in text


def test_the_call_list_is_the_rules_at_risk_set_ranked_by_value_at_risk():
    report = sample_report()
    assert report.overview is not None
    calls = report.overview.worth_a_call

    at_risk = [c for c in report.customers if c.at_risk]
    risk = sorted(
        (c.predicted_clv * (1 - c.p_alive) for c in at_risk),  # type: ignore[operator]
        reverse=True,
    )

    assert calls
    assert all(c.at_risk for c in calls)
    shown = [c.predicted_clv * (1 - c.p_alive) for c in calls]  # type: ignore[operator]
    assert shown == risk[: len(calls)]


probabilities = st.floats(min_value=0.0, max_value=1.0)


@given(st.lists(st.tuples(st.integers(min_value=-1, max_value=5), probabilities), max_size=60))
def test_the_stage_by_band_counts_add_up_and_merge_by_addition(rows):
    members = tuple(Stage)
    codes = np.array([c for c, _ in rows], dtype=np.int8)
    alive = np.array([p for _, p in rows], dtype=np.float64)
    half = len(rows) // 2

    whole = stage_by_alive(members, codes, alive)
    parts = [
        stage_by_alive(members, codes[:half], alive[:half]),
        stage_by_alive(members, codes[half:], alive[half:]),
    ]

    assert sum(sum(r.counts) for r in whole) == int((codes >= 0).sum())
    merged: dict[object, np.ndarray] = {}
    for part in parts:
        for row in part:
            merged[row.stage] = merged.get(row.stage, np.zeros(len(AliveBand), int)) + row.counts
    assert {r.stage: r.counts for r in whole} == {s: tuple(c) for s, c in merged.items()}


@given(probabilities)
def test_a_probability_falls_in_the_band_whose_bounds_hold_it(p):
    band = int(alive_band_codes(np.array([p]))[0])

    edges = (0.0, 0.25, 0.5, 0.75, float("inf"))
    assert edges[band] <= p < edges[band + 1]


def test_a_default_report_fits_bg_nbd_and_shows_the_model_section():
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)
    assert report.overview is not None
    assert report.overview.model is not None

    assert ReportPolicy().model is ReportModel.BG_NBD
    assert report.overview.model.model is ReportModel.BG_NBD
    assert report.overview.model.note is None
    assert {k for k, _ in report.overview.model.params} == {"r", "alpha", "a", "b"}
    assert report.overview.stage_by_alive != ()
    assert all(np.isfinite(report.customers.numbers[name]).all() for name in MODEL_COLUMNS)
    assert "Model:" in render_table(report, width=400)


def test_the_command_line_fits_bg_nbd_by_default_and_none_leaves_the_columns_empty(capsys):
    from custrel.cli import EXIT_OK, main

    assert main(["report", "--format", "json"]) == EXIT_OK
    first = capsys.readouterr().out.splitlines()[0]
    assert '"p_alive": null' not in first
    assert '"p_alive": ' in first

    assert main(["report", "--model", "none", "--format", "json"]) == EXIT_OK
    first = capsys.readouterr().out.splitlines()[0]
    assert '"p_alive": null' in first
    assert '"expected_purchases": null' in first


def test_a_stage_row_needs_one_count_per_band():
    with pytest.raises(InvalidValue):
        StageByAlive(Stage.LOST, (1, 2, 3))


def test_the_command_line_picks_the_model_and_none_leaves_the_columns_empty(capsys):
    from custrel.cli import EXIT_OK, main

    assert main(["report", "--model", "pareto"]) == EXIT_OK
    assert "Pareto/NBD" in capsys.readouterr().out
    assert main(["report", "--model", "none", "--format", "json"]) == EXIT_OK

    first = capsys.readouterr().out.splitlines()[0]
    assert '"p_alive": null' in first
    assert '"predicted_clv": null' in first


def test_the_spark_and_dask_engines_take_the_policys_model():
    # Their results with the model on equal one machine's: tests/test_spark.py, test_dask.py.
    from custrel._scale import Settings
    from custrel.report import ColumnMap

    asked = Settings(SAMPLE_AS_OF, ReportPolicy(model="bgnbd"), ColumnMap(), None, "EUR")  # type: ignore[arg-type]
    not_asked = Settings(SAMPLE_AS_OF, ReportPolicy(model="none"), ColumnMap(), None, "EUR")  # type: ignore[arg-type]

    assert asked.model_asked
    assert not not_asked.model_asked


def test_the_spark_and_dask_engines_given_no_policy_fit_the_one_machine_default_model():
    from custrel._scale import settings_for

    settings, _ = settings_for(SAMPLE_AS_OF, None, None, None, "EUR", "raise")
    assert settings.policy.model is ReportPolicy().model


def test_scipy_is_imported_only_when_a_model_is_fitted():
    import subprocess
    import sys

    code = (
        "import sys; from custrel.report import ReportPolicy, analyze;"
        "from custrel.sample import SAMPLE_AS_OF, sample_path;"
        "analyze(sample_path(), as_of=SAMPLE_AS_OF, policy=ReportPolicy(model='{}'));"
        "print('scipy' in sys.modules)"
    )
    runs = {
        model: subprocess.run(
            [sys.executable, "-c", code.format(model)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for model in ("none", "bgnbd")
    }

    assert runs == {"none": "False", "bgnbd": "True"}


@st.composite
def _small_logs(draw: st.DrawFn) -> list[Transaction]:
    """Logs of up to sixty customers with a few purchases each, over a year."""
    start = dt.date(2024, 1, 1)
    customers = draw(st.integers(1, 60))
    log = []
    for c in range(customers):
        for day in draw(st.lists(st.integers(0, 365), min_size=1, max_size=8)):
            amount = draw(st.sampled_from([0.0, 5.0, 19.99, 120.0]))
            log.append(Transaction(f"c{c}", start + dt.timedelta(days=day), amount))
    return log


@settings(max_examples=30, deadline=None)
@given(_small_logs(), st.sampled_from(list(ReportModel)))
def test_a_report_on_any_small_log_fits_its_model_or_says_why_not(log, model):
    report = analyze(log, as_of=dt.date(2024, 12, 31), policy=ReportPolicy(model=model))

    assert report.overview is not None
    summary = report.overview.model
    assert summary is not None
    numbers = report.customers.numbers
    if summary.params:
        assert summary.note in (None, ModelNote.NO_SPEND_MODEL)
        assert ((numbers["p_alive"] >= 0) & (numbers["p_alive"] <= 1)).all()
        assert np.isfinite(numbers["expected_purchases"]).all()
    else:
        assert summary.note is not None
        assert "p_alive" not in numbers
