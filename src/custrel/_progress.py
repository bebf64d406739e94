"""Progress of a long report, shown where a person watches: a terminal or a notebook.

The engine tells a callback ``(step, done, total)`` at each step. `display`
picks how to show it: tqdm's notebook bar in Jupyter (``tqdm.auto``) when tqdm is
installed, else rich's progress bar (the ``rich`` extra) on a terminal or in
Jupyter; a pipe or a file gets nothing, so progress never mixes into output that
a program reads. Nothing runs in a background thread: the bar is redrawn when the
engine reports, and closed when the last step is done or the block ends.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["Callback", "display", "in_notebook"]


class Callback:
    """A progress display the engine calls with ``(step, done, total)``; close it when done."""

    def __call__(self, step: str, done: int, total: int) -> None:
        """Show that ``step`` starts, ``done`` of ``total`` steps being finished."""

    def close(self) -> None:
        """Take the display down (idempotent)."""


class _Rich(Callback):
    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        self._progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            TaskProgressColumn(),
            console=Console(file=stream),
            auto_refresh=False,
            transient=False,
        )
        self._task = self._progress.add_task("custrel", total=1)
        self._open = False

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self._open:
            self._progress.start()
            self._open = True
        self._progress.update(self._task, description=step, completed=done, total=total)
        self._progress.refresh()
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._open:
            self._progress.stop()
            self._open = False


class _Tqdm(Callback):
    def __init__(self) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=1, desc="custrel", leave=True)
        self._closed = False

    def __call__(self, step: str, done: int, total: int) -> None:
        if self._closed:
            return
        self._bar.total = total
        self._bar.n = done
        self._bar.set_description(step, refresh=False)
        self._bar.refresh()
        if done >= total:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._bar.close()
            self._closed = True


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (an IPython shell with a kernel)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    get = getattr(shell, "get_ipython", None)
    ip = get() if get is not None else None
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def _installed(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


@contextmanager
def display(stream: TextIO | None = None) -> Iterator[Callback | None]:
    """A progress callback for where this runs, or ``None`` where no one watches.

    Args:
        stream: the terminal stream to draw on (default: standard error).
    """
    stream = stream if stream is not None else sys.stderr
    shown: Callback | None = None
    if in_notebook() and _installed("tqdm"):
        shown = _Tqdm()
    elif (in_notebook() or stream.isatty()) and _installed("rich"):
        shown = _Rich(stream)
    elif stream.isatty():
        shown = _Lines(stream)
    try:
        yield shown
    finally:
        if shown is not None:
            shown.close()


class _Lines(Callback):
    """Without rich: one short line per step on the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __call__(self, step: str, done: int, total: int) -> None:
        self._stream.write(f"custrel: {step} ({done}/{total})\n")
        self._stream.flush()
