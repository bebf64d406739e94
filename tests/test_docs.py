"""The examples in the README and the docs run as written, page by page."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def examples(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", [p for p in PAGES if examples(p)], ids=lambda p: p.name)
def test_every_example_on_the_page_runs(page: Path):
    # A page is read top to bottom, so its blocks share one namespace, as in a notebook.
    namespace: dict[str, object] = {}
    for code in examples(page):
        if code.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(code, namespace, page.name, None, 0)
            runner = doctest.DocTestRunner(
                optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
            )
            runner.run(test, clear_globs=False)
            assert runner.failures == 0, code
            namespace.update(test.globs)  # DocTest works on a copy
        else:
            exec(compile(code, page.name, "exec"), namespace)  # noqa: S102 - our own docs


def test_there_are_examples_to_run():
    assert sum(len(examples(p)) for p in PAGES) >= 10
