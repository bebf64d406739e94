"""Check a built documentation site as a reader with no network would meet it.

Run after ``mkdocs build`` (CI does): ``python tests/site_check.py SITE_DIR``. It fails,
naming the page and what is wrong, when:

- a page shows a raw Sphinx role (``:class:`X```) instead of rendered text;
- a state diagram is not drawn as inline SVG (a page whose source has a diagram
  marker lacks its drawing), or a page still carries Mermaid text for a script to draw;
- a page loads a script, stylesheet, font or image from another host;
- a chart a page shows is missing from the site or is not an SVG drawing, or a
  generation marker (``<!-- custrel:… -->``) was left unreplaced;
- the build's own machinery (``hooks.py``) was copied into the site.

Nothing in the site is drawn by a script: the diagrams and charts are in the HTML and
its files as the build wrote them, so reading the files is reading what a browser shows.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

#: A Sphinx cross-reference role left raw: ``:class:`` followed by the rendered code span.
RAW_ROLE = re.compile(
    r":(?:py:)?(?:class|mod|func|meth|attr|data|exc|obj|const|ref|doc|term|any):(?=<code|`)"
)
#: A resource the browser would fetch from another host.
REMOTE = re.compile(
    r"""<(?:script|img|iframe|source)\b[^>]*\bsrc=["']?(?:https?:)?//"""
    r"""|<link\b(?=[^>]*\brel=["']?(?:stylesheet|preload|preconnect|icon|modulepreload))"""
    r"""[^>]*\bhref=["']?(?:https?:)?//""",
    re.IGNORECASE,
)
CSS_REMOTE = re.compile(r"""@import\s+(?:url\()?["']?(?:https?:)?//|url\(["']?https?://""")
DIAGRAM_MARKER = re.compile(r"<!-- custrel:diagram\s+[\w-]+\s*-->")
DIAGRAM = re.compile(r'<figure class="custrel-diagram">\s*<svg\b(.*?)</svg>', re.DOTALL)
LEFT_MARKER = re.compile(r"<!-- custrel:[^>]*-->")
PLOT_IMAGE = re.compile(r'<p class="custrel-plot"><img src="([^"]+)"')


def page_of(source: Path, docs: Path, site: Path) -> Path:
    """The built HTML file of a Markdown source (directory URLs, as MkDocs writes them)."""
    relative = source.relative_to(docs).with_suffix("")
    if relative.name in ("index", "README"):
        return site / relative.parent / "index.html"
    return site / relative / "index.html"


def role_problems(name: str, text: str) -> list[str]:
    """Raw Sphinx roles on one page."""
    found = RAW_ROLE.findall(text)
    return [f"{name}: {len(found)} raw Sphinx role(s), e.g. {found[0]!r}"] if found else []


def remote_problems(name: str, text: str) -> list[str]:
    """Resources on one page (or stylesheet) that a browser would fetch from another host."""
    found = REMOTE.findall(text) + CSS_REMOTE.findall(text)
    return [f"{name}: loads {found[0]!r}… from the network"] if found else []


def diagram_problems(name: str, text: str, expected: int) -> list[str]:
    """Whether a page draws its ``expected`` diagrams as SVG, and carries no Mermaid source."""
    problems = []
    drawn = [svg for svg in DIAGRAM.findall(text) if 'class="node"' in svg]
    if len(drawn) != expected:
        problems.append(f"{name}: {len(drawn)} diagram(s) drawn as SVG, expected {expected}")
    if 'class="mermaid"' in text or "stateDiagram-v2" in text:
        problems.append(f"{name}: Mermaid text left for a script to draw")
    return problems


def plot_problems(name: str, page: Path, text: str) -> list[str]:
    """Whether every chart a page shows exists next to it as an SVG drawing."""
    problems = [f"{name}: marker {m!r} not replaced" for m in LEFT_MARKER.findall(text)]
    for image in PLOT_IMAGE.findall(text):
        target = page.parent / image
        if not target.is_file():
            problems.append(f"{name}: chart {image} is missing from the site")
        elif "<svg" not in target.read_text(encoding="utf-8", errors="replace")[:2000]:
            problems.append(f"{name}: chart {image} is not an SVG drawing")
    return problems


def check(site: Path, docs: Path, allow_roles_under: Iterable[str] = ()) -> list[str]:
    """Every problem found in the built ``site`` of the sources in ``docs``."""
    problems: list[str] = []
    if any(site.rglob("hooks.py")):
        problems.append("hooks.py was copied into the site")
    expected = {
        page_of(source, docs, site): len(DIAGRAM_MARKER.findall(source.read_text("utf-8")))
        for source in docs.rglob("*.md")
    }
    allowed = tuple(allow_roles_under)
    pages = sorted(site.rglob("*.html"))
    if not pages:
        problems.append(f"{site}: no pages")
    for page in pages:
        name = page.relative_to(site).as_posix()
        text = page.read_text(encoding="utf-8")
        if not (allowed and name.startswith(allowed)):
            problems += role_problems(name, text)
        problems += remote_problems(name, text)
        problems += diagram_problems(name, text, expected.get(page, 0))
        problems += plot_problems(name, page, text)
    missing = [page for page, count in expected.items() if count and not page.is_file()]
    problems += [f"{page}: a page with diagrams was not built" for page in missing]
    for sheet in sorted(site.rglob("*.css")):
        problems += remote_problems(sheet.relative_to(site).as_posix(), sheet.read_text("utf-8"))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check the site; print each problem and return 1 if there is any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site directory")
    parser.add_argument(
        "--docs", type=Path, default=Path(__file__).resolve().parent.parent / "docs"
    )
    parser.add_argument(
        "--allow-roles-under",
        action="append",
        default=[],
        metavar="PREFIX",
        help="site paths (e.g. reference/) whose raw roles are reported but not failed",
    )
    args = parser.parse_args(argv)
    problems = check(args.site, args.docs, args.allow_roles_under)
    tolerated = [
        problem
        for page in sorted(args.site.rglob("*.html"))
        if page.relative_to(args.site).as_posix().startswith(tuple(args.allow_roles_under))
        and args.allow_roles_under
        for problem in role_problems(
            page.relative_to(args.site).as_posix(), page.read_text("utf-8")
        )
    ]
    for problem in tolerated:
        print(f"site_check: tolerated: {problem}")
    for problem in problems:
        print(f"site_check: {problem}", file=sys.stderr)
    pages = len(list(args.site.rglob("*.html")))
    print(f"site_check: {pages} pages, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
