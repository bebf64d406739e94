"""The docs: examples run as written, sources cited by name, the built site works offline."""

from __future__ import annotations

import doctest
import html
import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

import site_check
from custrel.errors import InvalidValue

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


# --- the built site: diagrams drawn at build time, no raw roles, nothing fetched ---------


def load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("custrel_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_diagram_has_every_state_and_every_move_of_its_table():
    from custrel.lifecycle import TRANSITIONS

    dot = load_hooks().diagram_dot("lifecycle")

    for state in TRANSITIONS.states:
        assert f'{state.name} [label="{state.en}\\n{state.zh}"' in dot
    for source, trigger, target in TRANSITIONS.items():
        start = "start" if source is None else source.name
        edge = next(line for line in dot.splitlines() if f" {start} -> {target.name} " in line)
        assert trigger.en in edge
        assert trigger.zh in edge


def test_an_unknown_machine_is_refused_by_name():
    with pytest.raises(InvalidValue, match="lifecycle"):
        load_hooks().diagram_dot("no_such_machine")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_a_diagram_is_inline_svg_with_the_bilingual_labels():
    from custrel.complaints import TRANSITIONS

    svg = load_hooks().diagram_svg("complaints")

    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "\n\n" not in svg  # a blank line would end the page's raw-HTML block
    for state in TRANSITIONS.states:
        assert f">{html.escape(state.zh)}</text>" in svg


def test_the_glossary_quotes_docstrings_without_raw_roles():
    glossary = load_hooks().on_page_markdown("<!-- custrel:glossary -->")

    assert not re.search(r":(?:class|mod|func|meth|attr|data|exc|obj):`", glossary)
    assert "| `REPEAT` |" in glossary


def test_no_docs_page_cites_a_source_text_by_file_number():
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text(encoding="utf-8")

        assert not re.search(r"\b[Ss]eeds? ?0\d\d\b|\b[Tt]he seeds?\b", text), page.name


def test_every_citation_links_to_a_section_of_the_sources_page():
    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r"\{#([\w-]+)\}", sources))
    cited = {
        anchor
        for page in (ROOT / "docs").glob("*.md")
        for anchor in re.findall(r"\(sources\.md#([\w-]+)\)", page.read_text(encoding="utf-8"))
    }

    assert len(anchors) == 5
    assert cited <= anchors


CLEAN_PAGE = """<html><head><link rel="stylesheet" href="../assets/main.css">
<script src="../assets/bundle.js"></script></head><body>
<figure class="custrel-diagram">
<svg width="10pt"><g id="graph0" class="graph"><g id="node1" class="node"></g></g></svg>
<figcaption>x</figcaption></figure>
<p>See <code>Stage</code> and <a href="https://example.org/">a link</a>.</p></body></html>"""


def built_site(tmp_path: Path, page: str, marker: bool = True) -> tuple[Path, Path]:
    docs, site = tmp_path / "docs", tmp_path / "site"
    (docs).mkdir()
    (site / "lifecycle").mkdir(parents=True)
    source = "# Lifecycle\n\n<!-- custrel:diagram lifecycle -->\n" if marker else "# L\n"
    (docs / "lifecycle.md").write_text(source, encoding="utf-8")
    (site / "lifecycle" / "index.html").write_text(page, encoding="utf-8")
    return site, docs


def test_the_site_check_passes_a_page_drawn_offline(tmp_path: Path):
    site, docs = built_site(tmp_path, CLEAN_PAGE)

    assert site_check.check(site, docs) == []


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ("<code>Stage</code>", ":class:<code>Stage</code>"),
        ('<script src="../assets/bundle.js">', '<script src="https://unpkg.com/mermaid.js">'),
        (
            '<link rel="stylesheet" href="../assets/main.css">',
            '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        ),
        ('class="node"', 'class="mermaid"'),
        ("<p>See", '<pre class="mermaid">stateDiagram-v2\n A --> B</pre><p>See'),
        ("<p>See", "<!-- custrel:plot pyramid --><p>See"),
    ],
    ids=["raw role", "remote script", "web font", "undrawn diagram", "mermaid text", "marker"],
)
def test_the_site_check_finds_what_a_reader_offline_would_meet(
    tmp_path: Path, broken: str, problem: str
):
    site, docs = built_site(tmp_path, CLEAN_PAGE.replace(broken, problem, 1))

    found = site_check.check(site, docs)

    assert found, problem
    assert all(p.startswith("lifecycle/index.html") for p in found)


def test_the_site_check_finds_a_missing_diagram_and_the_hooks_file(tmp_path: Path):
    page = CLEAN_PAGE.replace('class="custrel-diagram"', 'class="other"')
    site, docs = built_site(tmp_path, page)
    (site / "hooks.py").write_text("", encoding="utf-8")

    found = site_check.check(site, docs)

    assert "hooks.py was copied into the site" in found
    assert "lifecycle/index.html: 0 diagram(s) drawn as SVG, expected 1" in found


def test_the_site_check_tolerates_roles_only_where_told(tmp_path: Path):
    site, docs = built_site(tmp_path, CLEAN_PAGE.replace("<code>Stage", ":mod:<code>Stage"))

    assert site_check.check(site, docs, ["lifecycle/"]) == []
    assert site_check.check(site, docs, ["reference/"]) != []


def test_the_site_check_finds_a_chart_that_was_not_drawn(tmp_path: Path):
    page = CLEAN_PAGE.replace("<p>See", '<p class="custrel-plot"><img src="img/plot-x.svg"></p><p>')
    site, docs = built_site(tmp_path, page)

    assert site_check.check(site, docs) == [
        "lifecycle/index.html: chart img/plot-x.svg is missing from the site"
    ]
    (site / "lifecycle" / "img").mkdir()
    (site / "lifecycle" / "img" / "plot-x.svg").write_text("<svg></svg>", encoding="utf-8")
    assert site_check.check(site, docs) == []


def test_every_chart_a_page_shows_is_one_the_build_can_draw():
    charts = load_hooks().sample_charts()
    shown = {
        name
        for page in (ROOT / "docs").glob("*.md")
        for name in re.findall(r"<!-- custrel:plot\s*([\w-]+)\s*-->", page.read_text("utf-8"))
    }

    assert shown <= set(charts)
    assert {"frequency_recency_matrix", "p_alive_history", "calibration_tracking"} <= shown


def test_the_tutorials_charts_are_drawn_by_the_calls_the_page_shows():
    hooks = load_hooks()
    page = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")

    assert f'log.customer_id == "{hooks.HISTORY_CUSTOMER}"' in page
    assert f'calibration_end="{hooks.CALIBRATION_END}"' in page
    assert 'policy=ReportPolicy(model="bgnbd")' in page


def test_the_tutorial_is_in_the_sites_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")

    assert re.search(r"^\s+- .*: tutorial\.md$", nav, re.MULTILINE)
