"""Calibration and holdout on the CDNOW log, and the ``custrel validate`` command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from custrel.cli import EXIT_BAD_INPUT, EXIT_OK, main
from custrel.clv import BetaGeo, ModelKind, UnidentifiableData, Validation, calibration_holdout
from custrel.errors import InvalidValue

DATA = Path(__file__).parent / "data" / "cdnow"


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    raw = pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d").dt.date
    return raw[["customer_id", "date", "amount"]]


@pytest.fixture(scope="module")
def bg(log: pd.DataFrame) -> Validation:
    return calibration_holdout(log, calibration_end="1997-09-30")


def test_bg_nbd_under_forecasts_the_78_week_repeat_purchases_by_about_4_percent(bg: Validation):
    assert bg.customers == 2357
    assert len(bg.tracking) == 78
    assert bg.tracking[-1].end == dt.date(1998, 6, 30)
    assert -0.05 < bg.error < -0.03
    assert round(bg.error, 2) == -0.04


def test_pareto_nbd_under_forecasts_by_about_2_percent(log: pd.DataFrame):
    result = calibration_holdout(log, calibration_end=dt.date(1997, 9, 30), model="pareto-nbd")

    assert result.model.kind is ModelKind.PARETO_NBD
    assert round(result.error, 2) == -0.02


def test_the_model_fitted_on_the_calibration_period_is_the_published_one(bg: Validation):
    assert isinstance(bg.model, BetaGeo)
    assert {k: round(v, 3) for k, v in bg.model.params.items()} == {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
    }


def test_actual_cumulative_purchases_never_fall_and_the_groups_cover_the_cohort(bg: Validation):
    actual = [row.actual for row in bg.tracking]
    predicted = [row.predicted for row in bg.tracking]

    assert actual == sorted(actual)
    assert predicted == sorted(predicted)
    assert [row.frequency for row in bg.by_frequency] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(row.customers for row in bg.by_frequency) == bg.customers
    # Customers who bought more in the calibration period buy more in the holdout.
    means = [row.actual for row in bg.by_frequency]
    assert means[0] < means[3] < means[-1]


def test_the_error_reads_in_a_line_in_english_and_chinese(bg: Validation):
    assert "under-forecasts by 4.1%" in bg.summary()
    assert "低估 4.1%。" in bg.summary("zh")


def test_the_result_converts_to_pandas(bg: Validation):
    frames = bg.to_pandas()

    assert list(frames["tracking"].columns) == ["period", "end", "actual", "predicted"]
    assert len(frames["tracking"]) == 78
    assert frames["by_frequency"]["customers"].sum() == 2357


def test_a_holdout_end_before_the_calibration_end_is_refused(log: pd.DataFrame):
    with pytest.raises(InvalidValue, match="holdout_end"):
        calibration_holdout(log, calibration_end="1997-09-30", holdout_end="1997-09-01")


def test_a_calibration_period_without_repeat_purchases_is_unidentifiable():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "b"],
            "date": ["2024-01-01", "2024-01-02", "2024-03-01", "2024-03-02"],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )

    with pytest.raises(UnidentifiableData, match="no customer bought again"):
        calibration_holdout(log, calibration_end="2024-02-01")


def test_a_calibration_end_before_any_purchase_is_refused(log: pd.DataFrame):
    with pytest.raises(InvalidValue, match="calibration_end"):
        calibration_holdout(log, calibration_end="1996-12-01")


@pytest.fixture(scope="module")
def log_file(log: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cdnow") / "cdnow.csv"
    log.to_csv(path, index=False)
    return path


def test_custrel_validate_prints_the_tracking_the_groups_and_the_error(log_file: Path, capsys):
    code = main(["validate", "--input", str(log_file), "--calibration-end", "1997-09-30"])

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "r = 0.2426" in out
    assert "1998-06-30" in out
    assert "7+" in out
    assert out.rstrip().endswith("under-forecasts by 4.1%.")


def test_custrel_validate_writes_json_with_the_same_numbers(log_file: Path, capsys):
    code = main(
        [
            "validate",
            "--input",
            str(log_file),
            "--calibration-end",
            "1997-09-30",
            "--model",
            "mbg-nbd",
            "--format",
            "json",
            "--lang",
            "zh",
        ]
    )

    payload = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert payload["model"]["model"] == "mbg/nbd"
    assert len(payload["tracking"]) == 78
    assert payload["summary"].endswith("。")


def test_custrel_validate_reports_bad_input_with_exit_code_2(log_file: Path, capsys):
    code = main(["validate", "--input", str(log_file), "--calibration-end", "30/09/1997"])

    assert code == EXIT_BAD_INPUT
    assert "calibration_end" in capsys.readouterr().err


def test_a_check_in_a_notebook_shows_its_verdict_and_both_tables_compactly(bg: Validation):
    html = bg._repr_html_()

    assert bg.summary("en") in html
    assert bg.summary("zh") in html
    last = bg.tracking[-1]
    assert f'<td class="n">{last.actual:,}</td>' in html
    assert html.count("<tr>") == 2 + min(20, len(bg.tracking)) + len(bg.by_frequency)
    assert len(html) < 12_000
