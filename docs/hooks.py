"""MkDocs hook: pages that show custrel's tables are generated from the code, so they cannot drift.

Markers replaced at build time:

- ``<!-- custrel:diagram NAME -->`` — the state machine's table drawn as an inline SVG
  (Graphviz ``dot``, run at build time, so the site needs no script and no network);
- ``<!-- custrel:table NAME -->`` — the same table as Markdown;
- ``<!-- custrel:glossary -->`` — every labelled enum with its English and Chinese labels;
- ``<!-- custrel:columns -->`` — the report's customer-table columns, from
  ``custrel.report.schema.CUSTOMER_COLUMNS``;
- ``<!-- custrel:plot NAME -->`` — a chart of the bundled sample drawn by ``custrel.plot``
  (``plots.md``, ``tutorial.md``; the names are `sample_charts`), written into the built
  site as an SVG file.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import html
import importlib
import io
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

    from custrel.clv import Validation
    from custrel.report import Report

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


#: The customer whose P(alive) history the pages draw (at risk, near the top of the calls).
HISTORY_CUSTOMER = "C00406"
#: The calibration period's last day in the pages' calibration/holdout check.
CALIBRATION_END = "2024-06-30"


def sample_purchases(customer_id: str) -> list[dt.date]:
    """One customer's purchase days in the bundled sample."""
    from custrel.sample import sample_path

    with gzip.open(sample_path(), "rt", encoding="utf-8") as lines:
        return [
            dt.date.fromisoformat(row["date"])
            for row in csv.DictReader(lines)
            if row["customer_id"] == customer_id
        ]


def sample_charts() -> dict[str, Callable[[], Axes]]:
    """Every chart the pages can show, drawn from the bundled sample by the pages' own calls.

    The reports and the model are computed on first use, so a build draws only what its
    pages show.
    """
    from custrel import plot
    from custrel.clv import calibration_holdout
    from custrel.report import ReportPolicy, analyze
    from custrel.sample import SAMPLE_AS_OF, sample_path

    @functools.cache
    def report() -> Report:
        return analyze(sample_path(), as_of=SAMPLE_AS_OF)

    @functools.cache
    def earlier() -> Report:
        # The stage flows compare the end of the sample with a year before it; the log's
        # last year is after that date, so it is rejected (and counted) in that report.
        as_of = SAMPLE_AS_OF.replace(year=SAMPLE_AS_OF.year - 1)
        return analyze(sample_path(), as_of=as_of, on_error="skip")

    @functools.cache
    def modelled() -> Report:
        policy = ReportPolicy(model="bgnbd")
        return analyze(sample_path(), as_of=SAMPLE_AS_OF, currency="CNY", policy=policy)

    @functools.cache
    def validation() -> Validation:
        return calibration_holdout(sample_path(), calibration_end=CALIBRATION_END)

    return {
        "pyramid": lambda: plot.pyramid(report()),
        "leaky_bucket": lambda: plot.leaky_bucket(report()),
        "stages": lambda: plot.stages(report()),
        "stage_flows": lambda: plot.stage_flows(earlier(), report()),
        "verdicts": lambda: plot.verdicts(report()),
        "reasons": lambda: plot.reasons(report(), top=8),
        "churn_cost": lambda: plot.churn_cost(report()),
        "frequency_recency_matrix": lambda: plot.frequency_recency_matrix(modelled()),
        "p_alive_matrix": lambda: plot.p_alive_matrix(modelled()),
        "clv_distribution": lambda: plot.clv_distribution(modelled()),
        "p_alive_history": lambda: plot.p_alive_history(
            modelled(), sample_purchases(HISTORY_CUSTOMER), customer_id=HISTORY_CUSTOMER
        ),
        "calibration_tracking": lambda: plot.calibration_tracking(validation()),
        "holdout_by_frequency": lambda: plot.holdout_by_frequency(validation()),
    }


def _draw_plots(site_dir: Path) -> None:
    if not _PLOTS:
        return
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    charts = sample_charts()
    drawn: dict[str, bytes] = {}  # a chart shown on two pages is drawn once
    for site_path, name in sorted(_PLOTS.items()):
        if name not in charts:
            raise ValueError(f"custrel:plot {name}: no such chart; known: {', '.join(charts)}")
        if name not in drawn:
            figure = charts[name]().figure
            assert isinstance(figure, Figure)
            svg = io.BytesIO()
            # No date in the file, so a rebuild of the same data writes the same bytes.
            figure.savefig(svg, format="svg", metadata={"Date": None})
            plt.close(figure)
            drawn[name] = svg.getvalue()
        target = site_dir / site_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(drawn[name])


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
