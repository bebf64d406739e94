"""Progress is drawn where someone watches (a terminal, a notebook) and never into a pipe."""

from __future__ import annotations

import io
import sys
from types import ModuleType
from typing import ClassVar

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


class FakeKernel:
    """What IPython's ``get_ipython()`` returns inside a Jupyter kernel."""

    config: ClassVar[dict[str, dict[str, str]]] = {
        "IPKernelApp": {"connection_file": "kernel.json"}
    }


def fake_module(name: str, **attributes: object) -> ModuleType:
    module = ModuleType(name)
    for key, value in attributes.items():
        setattr(module, key, value)
    return module


class FakeTqdm:
    """Records what a tqdm bar is told: its total, position, description, and closing."""

    made: ClassVar[list[FakeTqdm]] = []

    def __init__(self, total: int, desc: str, leave: bool) -> None:
        self.total, self.n, self.desc, self.closed = total, 0, desc, False
        self.leave = leave
        self.seen: list[tuple[str, int, int]] = []
        FakeTqdm.made.append(self)

    def set_description(self, desc: str, refresh: bool = True) -> None:
        self.desc = desc
        if refresh:
            self.refresh()

    def refresh(self) -> None:
        self.seen.append((self.desc, self.n, self.total))

    def close(self) -> None:
        self.closed = True


def test_a_jupyter_kernel_is_recognised_and_a_plain_python_shell_is_not(monkeypatch):
    kernel = fake_module("IPython", get_ipython=FakeKernel)
    monkeypatch.setitem(sys.modules, "IPython", kernel)
    assert in_notebook()

    shell = fake_module("IPython", get_ipython=lambda: None)  # IPython imported, no kernel
    monkeypatch.setitem(sys.modules, "IPython", shell)
    assert not in_notebook()


def test_in_a_notebook_tqdms_bar_shows_each_step_and_closes(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", fake_module("IPython", get_ipython=FakeKernel))
    monkeypatch.setitem(sys.modules, "tqdm", fake_module("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake_module("tqdm.auto", tqdm=FakeTqdm))
    FakeTqdm.made.clear()

    with display(io.StringIO()) as progress:  # a notebook's stream is no terminal
        assert progress is not None
        for done, step in enumerate(("read", "judge", "overview")):
            progress(step, done, 3)
        progress("done", 3, 3)

    (bar,) = FakeTqdm.made
    assert bar.seen == [("read", 0, 3), ("judge", 1, 3), ("overview", 2, 3), ("done", 3, 3)]
    assert bar.closed
    assert bar.leave  # the finished bar stays in the cell's output


def test_in_a_notebook_without_tqdm_richs_bar_is_drawn(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", fake_module("IPython", get_ipython=FakeKernel))
    monkeypatch.setitem(sys.modules, "tqdm", None)  # importing it fails
    screen = io.StringIO()

    with display(screen) as progress:
        assert progress is not None
        progress("judge", 1, 2)
        progress("done", 2, 2)

    assert "done" in screen.getvalue()
    assert "100%" in screen.getvalue()
