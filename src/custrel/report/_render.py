"""Rendering a report: per-customer rows (arrow, CSV, JSON, Parquet) and the terminal report.

The terminal report draws `custrel.report._document.document` with ``rich``
when it is installed (the ``rich`` extra: tables, wrapping, colour on a terminal
only, ``NO_COLOR`` respected) and as plain text otherwise, so ``pip install .``
alone still prints a readable report. Both fit the width they are given: every
line is at most that many terminal cells, a Chinese character counting two.

Money in CSV and JSON is rounded to the currency's minor unit (ISO 4217), so a sum
held exactly reads ``254742.38``, not the float's ``254742.37999999998``;
Parquet and arrow keep the full values.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import TYPE_CHECKING, TextIO

from custrel.report._document import (
    UNSTATED,
    Document,
    Lang,
    Paragraph,
    Table,
    document,
    minor_unit,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from custrel.report import Report

__all__ = [
    "cell_width",
    "layout",
    "print_report",
    "render_plain",
    "render_rich",
    "render_table",
    "rich_available",
    "rounded_money",
    "write_rows",
]

#: Columns between two table columns.
_GAP = 2
#: No column is cut narrower than this (a wide character and a spare cell).
_MIN_CUT = 3


def rounded_money(report: Report) -> pa.Table:
    """The customer table with every money column rounded to the currency's minor unit."""
    import pyarrow.compute as pc

    from custrel.report.schema import CUSTOMER_COLUMNS, Kind

    table: pa.Table = report.customers.to_arrow()
    currency = report.overview.currency if report.overview is not None else UNSTATED
    places = minor_unit(currency, shown=False)
    for column in CUSTOMER_COLUMNS:
        if column.kind is Kind.MONEY:
            i = table.schema.get_field_index(column.name)
            table = table.set_column(i, column.name, pc.round(table[column.name], places))
    return table


def write_rows(report: Report, fmt: str, out: object) -> None:
    """Write per-customer rows as ``csv``, ``json`` (lines) or ``parquet`` to a path or stream.

    CSV and JSON round money to the currency's minor unit; Parquet keeps full values.
    CSV is written for people: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab
    or CR gets a leading ``'`` (`custrel.report._csvsafe`); JSON and Parquet keep it raw.
    """
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(report.customers.to_arrow(), out)
        return
    table = rounded_money(report)
    if fmt == "csv":
        # CSV is for people: formula-leading text is neutralised, as the command does.
        from custrel.report._csvsafe import write_csv

        write_csv(table, out)
        return
    stream: TextIO = out  # type: ignore[assignment]
    for row in table.to_pylist():
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                row[key] = value.isoformat()
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")


# --- plain text -------------------------------------------------------------------


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide and full-width characters two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


# A word of Latin text, one wide character (Chinese breaks between any two), or spaces.
_ATOM = re.compile(r"[^\s\u1100-\uffdc]+|[\u1100-\uffdc]|\s+")


def _wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` cells (words kept whole when they fit)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for atom in _ATOM.findall(paragraph):
            size = cell_width(atom)
            if atom.isspace():
                if line and used + size <= width:
                    line, used = line + atom, used + size
                elif line:
                    lines.append(line.rstrip())
                    line, used = "", 0
                continue
            if used + size > width and line:
                lines.append(line.rstrip())
                line, used = "", 0
            rest = atom
            while size > width:  # a word longer than the line is cut by cells
                head, head_size = "", 0
                for ch in rest:
                    if head_size + cell_width(ch) > width:
                        break
                    head, head_size = head + ch, head_size + cell_width(ch)
                if not head:  # a two-cell character in a one-cell column
                    head, head_size = rest[0], cell_width(rest[0])
                lines.append(head)
                rest, size = rest[len(head) :], size - head_size
            line, used = line + rest, used + size
        lines.append(line.rstrip())
    return lines


def _atoms_width(text: str) -> int:
    return max((cell_width(a) for a in _ATOM.findall(text) if not a.isspace()), default=0)


def layout(table: Table, width: int) -> tuple[list[int], int]:
    """Column widths and the gap between columns for ``table`` in ``width`` cells.

    Columns keep their natural width when they fit. Otherwise the gap narrows to one
    cell and text columns give up room first, down to their longest word; then
    numbers, down to their longest number, so an amount breaks only between its
    currency and its digits. Only when that is not enough are words cut.
    """
    columns = list(zip(table.headers, *table.rows, strict=True))
    natural = [
        max(cell_width(line) for cell in col for line in cell.split("\n")) for col in columns
    ]
    gap = _GAP if sum(natural) + _GAP * (len(natural) - 1) <= width else 1
    room = width - gap * (len(natural) - 1)
    floors = [max(_atoms_width(cell) for cell in col) for col in columns]
    widths = list(natural)
    while sum(widths) > room:
        slack = [i for i in range(len(widths)) if widths[i] > floors[i]]
        text = [i for i in slack if not table.numeric[i]]
        if slack:  # wrap between words, text before numbers
            pool = text or slack
            widths[max(pool, key=lambda i: widths[i] - floors[i])] -= 1
            continue
        # Every column is down to its longest word: cut words, the widest text first.
        cuttable = [i for i in range(len(widths)) if widths[i] > _MIN_CUT]
        text = [i for i in cuttable if not table.numeric[i]]
        if not cuttable:
            break
        widths[max(text or cuttable, key=lambda i: widths[i])] -= 1
    return widths, gap


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * max(width - cell_width(text), 0)
    return fill + text if right else text + fill


def _row_lines(
    cells: tuple[str, ...], widths: list[int], numeric: tuple[bool, ...], gap: int
) -> list[str]:
    wrapped = [_wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    out = []
    for k in range(height):
        parts = [
            _pad(lines[k] if k < len(lines) else "", w, right=right)
            for lines, w, right in zip(wrapped, widths, numeric, strict=True)
        ]
        out.append((" " * gap).join(parts).rstrip())
    return out


def _plain_table(table: Table, width: int) -> list[str]:
    widths, gap = layout(table, width)
    out = _wrap(table.title, width)
    out.extend(_row_lines(table.headers, widths, table.numeric, gap))
    out.append((" " * gap).join("-" * w for w in widths))
    for row in table.rows:
        out.extend(_row_lines(row, widths, table.numeric, gap))
    for note in table.notes:
        out.extend(_wrap(note, width))
    return out


def render_plain(doc: Document, width: int = 80) -> str:
    """The document as plain text, no line wider than ``width`` cells."""
    lines = _wrap(doc.title, width)
    previous_table = False
    for block in doc.blocks:
        if isinstance(block, Table):
            lines.append("")
            lines.extend(_plain_table(block, width))
            previous_table = True
        else:
            if previous_table:
                lines.append("")
            lines.extend(_wrap(block.text, width))
            previous_table = False
    return "\n".join(lines) + "\n"


# --- rich ---------------------------------------------------------------------------


def rich_available() -> bool:
    """Whether the ``rich`` extra is installed (and importable)."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def render_rich(doc: Document, console: object, width: int) -> None:
    """Print the document on a ``rich.console.Console`` (colour as the console allows)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    assert isinstance(console, Console)
    console.print(Text(doc.title, style="bold cyan"), overflow="fold")
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            console.print(Text(block.text), overflow="fold")
            continue
        console.print()
        console.print(Text(block.title, style="bold"), overflow="fold")
        widths, gap = layout(block, width)
        grid = RichTable(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, gap - 1, 0, 0),
            header_style="bold magenta",
        )
        for header, numeric, size in zip(block.headers, block.numeric, widths, strict=True):
            grid.add_column(
                Text(header),
                justify="right" if numeric else "left",
                overflow="fold",
                style="green" if numeric else None,
                width=size,
            )
        for row in block.rows:
            grid.add_row(*(Text(cell) for cell in row))  # Text: an id is never markup
        console.print(grid)
        for note in block.notes:
            console.print(Text(note, style="dim"), overflow="fold")


def render_table(report: Report, lang: Lang = "both", width: int = 80) -> str:
    """The terminal report as text (no colour), at most ``width`` cells a line.

    Drawn with ``rich`` when it is installed, as plain text otherwise.
    """
    return _uncoloured(document(report, lang), width)


def _uncoloured(doc: Document, width: int) -> str:
    if not rich_available():
        return render_plain(doc, width)
    import io

    from rich.console import Console

    buffer = io.StringIO()
    render_rich(doc, Console(file=buffer, width=width, color_system=None, highlight=False), width)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def print_report(report: Report, lang: Lang, stream: TextIO) -> None:
    """Print the report on ``stream``: rich (colour only on a terminal) or plain text."""
    import shutil

    doc = document(report, lang)
    if rich_available():
        from rich.console import Console

        console = Console(file=stream, highlight=False)
        if console.is_terminal:
            render_rich(doc, console, console.width)
        else:  # a pipe or a file: the same text, without trailing blanks
            stream.write(_uncoloured(doc, console.width))
        return
    width = shutil.get_terminal_size().columns if stream.isatty() else 80
    stream.write(render_plain(doc, width))
