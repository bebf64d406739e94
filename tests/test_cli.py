"""End-to-end tests of the ``custrel`` command line."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from custrel.cli import EXIT_BAD_INPUT, EXIT_OK, main


def test_report_with_no_arguments_runs_on_the_bundled_sample(capsys):
    code = main(["report"])

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "as of 2024-12-31" in out
    assert "rejected 0" in out
    assert "流失客户" in out


def test_report_writes_one_csv_row_per_customer(capsys):
    code = main(["report", "--format", "csv"])

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert code == EXIT_OK
    assert len(rows) == 3000  # the sample's customer count (SampleSpec.customers)
    assert {"frequency", "recency", "T", "monetary_value", "stage"} <= rows[0].keys()


def test_report_writes_json_lines_and_parquet(tmp_path):
    json_path, parquet_path = tmp_path / "c.jsonl", tmp_path / "c.parquet"

    assert main(["report", "--format", "json", "--out", str(json_path)]) == EXIT_OK
    assert main(["report", "--format", "parquet", "--out", str(parquet_path)]) == EXIT_OK

    lines = json_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == pq.read_table(parquet_path).num_rows == 3000
    assert json.loads(lines[0])["customer_id"] == "C00001"


def test_a_malformed_file_exits_with_the_bad_input_code_and_names_the_row(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("customer_id,date,amount\na,2024-01-01,5\nb,2024-01-02,oops\n")

    code = main(["report", "--input", str(path), "--as-of", "2024-02-01"])

    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "row 2" in err
    assert "'amount'" in err
    assert "oops" in err


def test_skip_mode_writes_the_rejects_file_and_conserves_rows(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("customer_id,date,amount\na,2024-01-01,5\nb,2024-01-02,oops\n,2024-01-03,1\n")
    rejects = tmp_path / "rejects.csv"

    code = main(
        [
            "report",
            "--input",
            str(path),
            "--as-of",
            "2024-02-01",
            "--on-error=skip",
            "--rejects",
            str(rejects),
        ]
    )

    assert code == EXIT_OK
    with rejects.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["row"], r["column"]) for r in rows] == [("2", "amount"), ("3", "customer_id")]
    assert "rows read 3 = accepted 1 + rejected 2" in capsys.readouterr().out


def test_an_empty_file_and_a_bad_date_option_are_bad_input(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")

    assert main(["report", "--input", str(empty)]) == EXIT_BAD_INPUT
    assert main(["report", "--as-of", "31/12/2024"]) == EXIT_BAD_INPUT


def test_parquet_output_needs_a_path():
    assert main(["report", "--format", "parquet"]) == EXIT_BAD_INPUT


def test_help_lists_every_report_option(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])

    text = capsys.readouterr().out
    for option in (
        "--input",
        "--as-of",
        "--format",
        "--out",
        "--on-error",
        "--customer-col",
        "--date-format",
        "--rejects",
        "--period",
        "--progress",
        "Exit codes",
    ):
        assert option in text


def test_diagram_still_works(capsys):
    assert main(["diagram", "lifecycle"]) == EXIT_OK
    assert "stateDiagram" in capsys.readouterr().out


def test_a_reader_that_closes_the_pipe_early_is_not_an_error():
    import subprocess
    import sys

    writer = subprocess.Popen(
        [sys.executable, "-m", "custrel", "report", "--format", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None
    assert writer.stderr is not None
    first = writer.stdout.readline()
    writer.stdout.close()  # the reader goes away, as `| head -n 1` does
    stderr = writer.stderr.read().decode()
    writer.stderr.close()
    writer.wait()

    assert first.startswith(b'"customer_id"')
    assert "error" not in stderr
    assert writer.returncode in {0, 141}
