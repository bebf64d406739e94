"""MkDocs hook: pages that show custrel's tables are generated from the code, so they cannot drift.

Markers replaced at build time:

- ``<!-- custrel:diagram NAME -->`` — the Mermaid diagram of a state machine's table;
- ``<!-- custrel:table NAME -->`` — the same table as Markdown;
- ``<!-- custrel:glossary -->`` — every labelled enum with its English and Chinese labels;
- ``<!-- custrel:columns -->`` — the report's customer-table columns, from
  ``custrel.report.schema.CUSTOMER_COLUMNS``.
"""

from __future__ import annotations

import re

_MARKER = re.compile(r"<!-- custrel:(diagram|table|glossary|columns)\s*([\w-]*)\s*-->")


def _render(kind: str, name: str) -> str:
    from custrel import diagrams

    if kind == "glossary":
        return diagrams.glossary_markdown()
    if kind == "columns":
        from custrel.report.schema import columns_markdown

        return columns_markdown()
    if kind == "diagram":
        return "```mermaid\n" + diagrams.render(name, "mermaid") + "```\n"
    return diagrams.render(name, "markdown")


def on_page_markdown(markdown: str, **_: object) -> str:
    """Replace every custrel marker on a page with the generated text."""
    return _MARKER.sub(lambda m: _render(m.group(1), m.group(2)), markdown)
