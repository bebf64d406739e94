"""MkDocs hook: pages that show custrel's tables are generated from the code, so they cannot drift.

Markers replaced at build time:

- ``<!-- custrel:diagram NAME -->`` — the state machine's table drawn as an inline SVG
  (Graphviz ``dot``, run at build time, so the site needs no script and no network);
- ``<!-- custrel:table NAME -->`` — the same table as Markdown;
- ``<!-- custrel:glossary -->`` — every labelled enum with its English and Chinese labels;
- ``<!-- custrel:columns -->`` — the report's customer-table columns, from
  ``custrel.report.schema.CUSTOMER_COLUMNS``;
- ``<!-- custrel:plot NAME -->`` — a chart of the bundled sample drawn by ``custrel.plot``
  (``plots.md``), written into the built site as an SVG file.
"""

from __future__ import annotations

import html
import importlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from matplotlib.axes import Axes
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.pages import Page

_MARKER = re.compile(r"<!-- custrel:(diagram|table|glossary|columns)\s*([\w-]*)\s*-->")
_PLOT_MARKER = re.compile(r"<!-- custrel:plot\s*([\w-]+)\s*-->")
# A Sphinx role in a docstring line quoted on a page: `:data:`X`` reads as `X`.
_ROLE = re.compile(r":(?:py:)?[a-z]+:`~?([^`]+)`")

# Chart files written by `on_post_build`, by the site-relative path they are linked from.
_PLOTS: dict[str, str] = {}


# --- state diagrams ------------------------------------------------------------------


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def diagram_dot(name: str) -> str:
    """The Graphviz source of machine ``name``, read from its transition table.

    One node per state (English and Chinese label; terminal states drawn with a double
    border), a black dot for the start, and one arrow per (source, target) pair carrying
    every trigger that makes that move.
    """
    from custrel import diagrams

    if name not in diagrams.MACHINES:
        # render() raises the library's own error naming the known machines.
        diagrams.render(name)
    module, attribute = diagrams.MACHINES[name].split(":")
    table: Any = getattr(importlib.import_module(module), attribute)
    font = 'fontname="Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif"'
    lines = [
        f"digraph {name} {{",
        "  rankdir=TB; nodesep=0.3; ranksep=0.45;",
        f"  node [shape=box, style=rounded, {font}, fontsize=11];",
        f"  edge [{font}, fontsize=9];",
        '  start [shape=point, width=0.15, label=""];',
    ]
    for state in table.states:
        border = ", peripheries=2" if state in table.terminal else ""
        label = _quote(f"{state.en}\n{state.zh}")
        lines.append(f"  {state.name} [label={label}{border}];")
    moves: dict[tuple[str, str], list[str]] = {}
    for source, trigger, target in table.items():
        start = "start" if source is None else source.name
        moves.setdefault((start, target.name), []).append(f"{trigger.en}\n{trigger.zh}")
    for (start, target), triggers in moves.items():
        lines.append(f"  {start} -> {target} [label={_quote(chr(10).join(triggers))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def diagram_svg(name: str) -> str:
    """Machine ``name`` as one inline ``<svg>`` element, drawn by Graphviz ``dot``.

    Raises:
        RuntimeError: ``dot`` is not installed (Debian: ``apt-get install graphviz``).
    """
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "the docs draw the state diagrams with Graphviz: install it "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
        )
    svg = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [dot, "-Tsvg"], input=diagram_dot(name), capture_output=True, text=True, check=True
    ).stdout
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    # A blank line would end Markdown's raw-HTML block in the middle of the drawing.
    return "\n".join(line for line in svg.splitlines() if line.strip())


def _diagram_html(name: str) -> str:
    caption = html.escape(f"custrel diagram {name}")
    return (
        f'<figure class="custrel-diagram">\n{diagram_svg(name)}\n'
        f"<figcaption>Drawn from the transition table; the Mermaid text: "
        f"<code>{caption}</code></figcaption>\n</figure>\n"
    )


def _render(kind: str, name: str) -> str:
    from custrel import diagrams

    if kind == "glossary":
        return _ROLE.sub(r"`\1`", diagrams.glossary_markdown())
    if kind == "columns":
        from custrel.report.schema import columns_markdown

        return columns_markdown()
    if kind == "diagram":
        return _diagram_html(name)
    return diagrams.render(name, "markdown")


# --- charts of the bundled sample --------------------------------------------------------


def _plot_markdown(name: str, page_url: str) -> str:
    image = f"img/plot-{name}.svg"
    site_path = (page_url.rsplit("/", 1)[0] + "/" if "/" in page_url else "") + image
    _PLOTS[site_path] = name
    # Raw HTML rather than a Markdown image: the file exists only in the built site, so
    # the link checker, which looks among the source files, must not see it.
    alt = html.escape(f"custrel.plot.{name} drawn from the bundled sample")
    return f'<p class="custrel-plot"><img src="{image}" alt="{alt}"></p>'


def _draw_plots(site_dir: Path) -> None:
    if not _PLOTS:
        return
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from custrel import plot
    from custrel.report import analyze
    from custrel.sample import SAMPLE_AS_OF, sample_path

    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)
    # The stage flows compare the end of the sample with a year before it; the log's
    # last year is after that date, so it is rejected (and counted) in that report.
    earlier = analyze(
        sample_path(), as_of=SAMPLE_AS_OF.replace(year=SAMPLE_AS_OF.year - 1), on_error="skip"
    )
    charts: dict[str, Callable[[], Axes]] = {
        "pyramid": lambda: plot.pyramid(report),
        "leaky_bucket": lambda: plot.leaky_bucket(report),
        "stages": lambda: plot.stages(report),
        "stage_flows": lambda: plot.stage_flows(earlier, report),
        "verdicts": lambda: plot.verdicts(report),
        "reasons": lambda: plot.reasons(report, top=8),
        "churn_cost": lambda: plot.churn_cost(report),
    }
    for site_path, name in sorted(_PLOTS.items()):
        if name not in charts:
            raise ValueError(f"custrel:plot {name}: no such chart; known: {', '.join(charts)}")
        target = site_dir / site_path
        target.parent.mkdir(parents=True, exist_ok=True)
        figure = charts[name]().figure
        assert isinstance(figure, Figure)
        # No date in the file, so a rebuild of the same data writes the same bytes.
        figure.savefig(target, format="svg", metadata={"Date": None})
        plt.close(figure)


# --- MkDocs events -----------------------------------------------------------------------


def on_page_markdown(markdown: str, page: Page | None = None, **_: object) -> str:
    """Replace every custrel marker on a page with the generated text."""
    markdown = _MARKER.sub(lambda m: _render(m.group(1), m.group(2)), markdown)
    if page is not None and _PLOT_MARKER.search(markdown):
        url = str(page.file.url)
        markdown = _PLOT_MARKER.sub(lambda m: _plot_markdown(m.group(1), url), markdown)
    return markdown


def on_post_build(config: MkDocsConfig, **_: object) -> None:
    """Draw the charts that the pages link to into the built site."""
    _draw_plots(Path(config["site_dir"]))
