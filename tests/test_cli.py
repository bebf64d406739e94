"""End-to-end tests of the ``custrel`` command line."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
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


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _log(tmp_path, body="a,2024-01-01,5\nb,2024-01-02,oops\n", name="log.csv"):
    path = tmp_path / name
    path.write_text("customer_id,date,amount\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("via_symlink", [False, True])
def test_rejects_naming_the_input_is_refused_before_anything_is_written(tmp_path, via_symlink):
    log = _log(tmp_path)
    before = log.read_bytes()
    rejects = log
    if via_symlink:
        rejects = tmp_path / "link.csv"
        rejects.symlink_to(log)

    code = main(["report", "--input", str(log), "--on-error=skip", "--rejects", str(rejects)])

    assert code == EXIT_BAD_INPUT
    assert log.read_bytes() == before


def test_rejects_naming_the_output_is_refused_before_anything_is_written(tmp_path):
    log, out = _log(tmp_path), tmp_path / "out.csv"

    code = main(
        ["report", "--input", str(log), "--on-error=skip", "--rejects", str(out), "--out", str(out)]
    )

    assert code == EXIT_BAD_INPUT
    assert not out.exists()


def test_out_is_replaced_whole_leaving_no_temporary_file(tmp_path):
    out = tmp_path / "customers.csv"
    out.write_text("an older, longer report that must not survive in part\n" * 1000)

    assert main(["report", "--format", "csv", "--out", str(out)]) == EXIT_OK

    rows = _rows(out)
    assert len(rows) == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv"]


def test_skip_mode_with_every_row_bad_writes_the_rejects_and_says_so(tmp_path, capsys):
    log, rejects = _log(tmp_path, "a,2024-13-01,5\nb,2024-01-02,oops\n"), tmp_path / "r.csv"

    code = main(["report", "--input", str(log), "--on-error=skip", "--rejects", str(rejects)])

    assert code == EXIT_BAD_INPUT
    assert "every one of the 2 rows was rejected" in capsys.readouterr().err
    assert [r["row"] for r in _rows(rejects)] == ["1", "2"]


def test_skip_mode_with_every_row_bad_and_an_as_of_writes_the_rejects_too(tmp_path, capsys):
    log, rejects = _log(tmp_path, "a,2024-13-01,5\n"), tmp_path / "r.csv"

    code = main(
        [
            "report",
            "--input",
            str(log),
            "--as-of",
            "2024-12-31",
            "--on-error=skip",
            "--rejects",
            str(rejects),
        ]
    )

    assert code == EXIT_BAD_INPUT
    assert "every one of the 1 rows was rejected" in capsys.readouterr().err
    assert rejects.exists()


def test_rejects_keep_the_cell_as_written_so_it_can_be_fixed_and_fed_again(tmp_path):
    log = tmp_path / "log.csv"
    log.write_bytes(
        b"customer_id,date,amount\na,2024-01-01,5\n\xffb,2024-01-02,1\nc,2024-02-30,2\n"
    )
    rejects = tmp_path / "r.csv"

    code = main(["report", "--input", str(log), "--on-error=skip", "--rejects", str(rejects)])

    rows = _rows(rejects)
    assert code == EXIT_OK
    assert [(r["row"], r["value"]) for r in rows] == [("2", "\\xffb"), ("3", "2024-02-30")]


def test_formula_ids_are_neutralised_in_csv_for_people_but_not_in_parquet(tmp_path):
    formula = '=HYPERLINK("http://x.invalid","click")'
    log = tmp_path / "log.csv"
    log.write_text(
        "customer_id,date,amount\n"
        f'"{formula.replace(chr(34), chr(34) * 2)}",2024-01-01,5\n'
        "@evil,2024-01-02,-1\n",
        encoding="utf-8",
    )
    out, parquet, rejects = tmp_path / "c.csv", tmp_path / "c.parquet", tmp_path / "r.csv"
    common = ["report", "--input", str(log), "--on-error=skip", "--rejects", str(rejects)]

    assert main([*common, "--format", "csv", "--out", str(out)]) == EXIT_OK
    assert main([*common, "--format", "parquet", "--out", str(parquet)]) == EXIT_OK

    shown = [r["customer_id"] for r in _rows(out)]
    rejected = [r["value"] for r in _rows(rejects)]
    assert shown == ["'" + formula]
    assert rejected == ["'-1"]
    assert pq.read_table(parquet).column("customer_id").to_pylist() == [formula]


def test_an_as_of_at_the_end_of_the_calendar_is_bad_input_not_an_internal_error(capsys):
    code = main(["report", "--as-of", "9999-12-31"])

    assert code == EXIT_BAD_INPUT
    assert "as_of" in capsys.readouterr().err


def test_gzip_bytes_in_a_csv_are_a_clean_error(tmp_path, capfd):
    log = tmp_path / "log.csv"
    log.write_bytes(gzip.compress(b"customer_id,date,amount\na,2024-01-01,5\n"))

    code = main(["report", "--input", str(log)])

    err = capfd.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "gzip" in err
    assert "Exception ignored" not in err


def test_the_api_writes_csv_for_people_with_formulas_neutralised_too(tmp_path):
    from custrel.report import analyze
    from custrel.report._render import write_rows

    formula = "=HYPERLINK(1)"
    log = tmp_path / "log.csv"
    log.write_text(f"customer_id,date,amount\n{formula},2024-01-01,5\n", encoding="utf-8")
    out = tmp_path / "c.csv"

    write_rows(analyze(log, as_of=dt.date(2024, 12, 31)), "csv", str(out))

    assert [r["customer_id"] for r in _rows(out)] == ["'" + formula]
