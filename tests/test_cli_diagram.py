"""``custrel diagram``: the diagram is the table, and the import stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from custrel.cli import EXIT_BAD_INPUT, main
from custrel.lifecycle import TRANSITIONS


def test_the_lifecycle_diagram_has_one_arrow_per_table_row(capsys):
    assert main(["diagram", "lifecycle"]) == 0
    out = capsys.readouterr().out

    assert out.startswith("stateDiagram-v2")
    arrows = [line for line in out.splitlines() if "-->" in line]
    assert len(arrows) == len(TRANSITIONS.items())
    for source, trigger, target in TRANSITIONS.items():
        start = "[*]" if source is None else source.name
        assert f"    {start} --> {target.name}: {trigger.en}" in arrows


def test_the_markdown_table_shows_both_languages(capsys):
    assert main(["diagram", "lifecycle", "--format", "markdown"]) == 0
    out = capsys.readouterr().out

    assert (
        "| first-time customer (初次购买客户) | purchased (购买) | repeat customer (重复购买客户) |"
        in out
    )


def test_an_unknown_machine_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["diagram", "nonsense"])

    assert raised.value.code == EXIT_BAD_INPUT
    assert "invalid choice" in capsys.readouterr().err


def test_importing_the_core_loads_no_heavy_library():
    code = (
        "import sys, custrel, custrel.lifecycle, custrel.serialization, custrel.causes,"
        " custrel.scoring, custrel.pyramid, custrel.complaints, custrel.business_calendar,"
        " custrel.retention, custrel.acquisition, custrel.profile, custrel.money,"
        " custrel.report, custrel.cli, custrel.days, custrel.profit, custrel.report.schema,"
        " custrel.clv;"
        "heavy = {'numpy', 'pyarrow', 'pandas', 'polars', 'scipy'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"


def test_the_top_level_names_load_without_numpy_or_pyarrow():
    code = (
        "import sys, custrel, custrel.report.schema;"
        "names = [custrel.CustrelError, custrel.Stage, custrel.Tier, custrel.Verdict,"
        " custrel.Treatment, custrel.Period, custrel.analyze];"
        "assert issubclass(custrel.CustrelError, Exception);"
        "assert custrel.Stage.LOST.value == 'lost';"
        "heavy = {'numpy', 'pyarrow', 'pandas', 'polars'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"


def test_an_unknown_top_level_name_is_an_attribute_error():
    import custrel

    with pytest.raises(AttributeError, match="no_such_name"):
        _ = custrel.no_such_name


def test_the_complaint_diagram_draws_every_move_the_action_table_declares(capsys):
    from custrel.complaints import ACTIONS

    assert main(["diagram", "complaints"]) == 0
    out = capsys.readouterr().out

    for action, rule in ACTIONS.items():
        for source, target in rule.moves.items():
            start = "[*]" if source is None else source.name
            assert f"    {start} --> {target.name}: {action.en}" in out


def test_the_complaint_action_table_has_one_row_per_action_with_its_checks():
    from custrel.complaints import ACTIONS
    from custrel.diagrams import render

    table = render("complaint-actions", "markdown")

    rows = table.splitlines()[2:]
    assert len(rows) == len(ACTIONS)
    for row, (action, rule) in zip(rows, ACTIONS.items(), strict=True):
        assert row.startswith(f"| {action.en} ({action.zh}) |")
        assert all(f"`{check.name}`" in row for check in (*rule.who, *rule.guards))
