"""CSV written for people: formula-leading cells neutralised, files replaced whole.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (``=HYPERLINK(...)`` in a customer id is enough). Every
CSV custrel writes for people (the report's rows, the rejects) therefore prefixes
such text cells with a single quote, as OWASP recommends against CSV injection;
spreadsheets show the text without the quote. Only text columns change: numbers
stay numbers, and the Parquet, JSON and Arrow outputs keep every value as it is.

Files are written to a temporary file beside the target and renamed over it, so a
reader never sees a half-written file and two runs on one path leave one whole file.
"""

# pyarrow ships no type information, so its tables are typed Any here (private module).
# ruff: noqa: ANN401
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["FORMULA_LEADERS", "atomic_path", "neutralise", "neutralise_text", "write_csv"]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_LEADERS: Final = ("=", "+", "-", "@", "\t", "\r")
_LEADING: Final = r"^[=+\-@\t\r]"
#: The mode of a new file (read-write for its owner, readable by others).
_MODE: Final = 0o644


def neutralise_text(cell: str) -> str:
    """A text cell made safe for a spreadsheet: a formula-leading cell gets a ``'`` prefix.

    The scalar form of `neutralise` (``test_csv_for_people_neutralises_formulas``
    holds the two together).
    """
    return "'" + cell if cell.startswith(FORMULA_LEADERS) else cell


def _safe(column: Any) -> Any:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    # (a null cell gives a null here: no formula, and the if_else below keeps it null)
    leading = pc.match_substring_regex(column, _LEADING)
    if not pc.any(leading).as_py():
        return column
    quoted = pc.binary_join_element_wise("'", column, "")
    return pc.if_else(leading, quoted, column)


def neutralise(table: Any) -> Any:
    """``table`` with every formula-leading text cell prefixed by ``'`` (categories as text)."""
    return pa.table({name: _safe(table[name]) for name in table.column_names})


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed over it when the block ends without error."""
    target = Path(target)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    # mkstemp makes the file private; give it the target's mode, or the usual one.
    temporary.chmod(target.stat().st_mode & 0o777 if target.exists() else _MODE)
    try:
        yield temporary
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def write_csv(table: Any, out: str | Path | Any) -> None:
    """Write ``table`` as CSV for people to a path (atomically) or a binary stream."""
    import pyarrow.csv as pcsv

    safe = neutralise(table)
    if isinstance(out, (str, Path)):
        with atomic_path(out) as temporary:
            pcsv.write_csv(safe, str(temporary))
    else:
        pcsv.write_csv(safe, out)
