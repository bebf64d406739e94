"""Progress is drawn where someone watches (a terminal, a notebook) and never into a pipe."""

from __future__ import annotations

import io
import sys

from custrel._progress import display, in_notebook
from custrel.cli import EXIT_OK, main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_no_progress():
    with display(io.StringIO()) as progress:
        assert progress is None


def test_a_terminal_gets_a_bar_that_moves_through_the_steps_and_closes():
    screen = Terminal()

    with display(screen) as progress:
        assert progress is not None
        for done, step in enumerate(("read", "check", "summarise", "judge", "overview")):
            progress(step, done, 5)
            assert step in screen.getvalue()
        progress("done", 5, 5)

    assert "100%" in screen.getvalue()


def test_without_rich_a_terminal_gets_one_line_per_step(monkeypatch):
    monkeypatch.setitem(sys.modules, "rich", None)
    screen = Terminal()

    with display(screen) as progress:
        assert progress is not None
        progress("judge", 3, 5)

    assert screen.getvalue() == "custrel: judge (3/5)\n"


def test_outside_jupyter_no_notebook_display_is_chosen():
    assert not in_notebook()


def test_the_command_draws_no_progress_into_a_captured_stream(capsys):
    assert main(["report", "--progress", "--format", "csv"]) == EXIT_OK

    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith('"customer_id"')


def test_analyze_with_progress_true_draws_on_a_terminal_and_nothing_in_a_pipe(monkeypatch):
    from custrel.report import analyze
    from custrel.sample import SAMPLE_AS_OF, sample_path

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    on_terminal = analyze(sample_path(), as_of=SAMPLE_AS_OF, progress=True)
    drawn = screen.getvalue()
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    in_pipe = analyze(sample_path(), as_of=SAMPLE_AS_OF, progress=True)

    assert "100%" in drawn
    assert piped.getvalue() == ""
    assert len(on_terminal.customers) == len(in_pipe.customers) == 3000
