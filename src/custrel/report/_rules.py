"""The input rules of the report's reader: what each cell must be, as constants and text.

The reader (`custrel.report._sources`) and the checks (`custrel.report._ingest`)
share these; ``docs/input.md`` states them for users. The rule texts are what errors
and the rejects file show, each stated as what is allowed.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from custrel.days import EPOCH as _EPOCH

__all__ = [
    "EXACT_DIGITS",
    "FIRST_DATE",
    "FIRST_DAY",
    "LAST_DATE",
    "LAST_DAY",
    "MISSING_IDS",
    "RETURNS_MODES",
    "RejectRule",
    "missing_id",
]

#: The dates the report accepts. Python's own dates start at year 1; the last year
#: is left free because the rules look ahead of a date (a lapse deadline a year on,
#: the end of a quarter) and those days must exist too.
FIRST_DATE: Final = dt.date(1, 1, 1)
LAST_DATE: Final = dt.date(9998, 12, 31)
FIRST_DAY: Final = (FIRST_DATE - _EPOCH).days
LAST_DAY: Final = (LAST_DATE - _EPOCH).days
#: Ids that mean "no id" in the exports people feed in (compared trimmed and
#: case-insensitively; an empty or blank cell is missing too). Each is what some
#: tool writes for a missing value: pandas (nan, NaN, None, <NA>, N/A, NA),
#: databases (NULL), spreadsheets (#N/A).
MISSING_IDS: Final = frozenset({"nan", "none", "null", "na", "n/a", "<na>", "#n/a"})
#: Significant decimal digits a float64 keeps exactly (C's DBL_DIG): a decimal of at
#: most this many digits comes back unchanged from the nearest float64.
EXACT_DIGITS: Final = 15
#: What a line with a negative amount is: ``reject`` (default): a broken rule, since
#: a sign error and a return look alike and only the user knows which the log holds;
#: ``net``: a return or cancellation, subtracted from its customer's revenue (and the
#: money columns it carries) in its period and never counted as a purchase occasion.
RETURNS_MODES: Final = ("reject", "net")


class RejectRule:
    """The rules a row can break, as the text shown in errors and the rejects file."""

    ID_MISSING: Final = (
        "customer id must be present and not empty, blank, NaN or a null marker "
        "(none, null, na, n/a, <na>, #n/a in any case)"
    )
    ID_TYPE: Final = "customer id must be text or an integer"
    DATE_MISSING: Final = "date must be present"
    DATE_ISO: Final = (
        "date must be a real ISO date or timestamp (YYYY-MM-DD[THH:MM[:SS]][zone]: a day "
        "the month has, hours 00-23, minutes and seconds 00-59, a zone offset under 24:00); "
        "another layout needs --date-format (e.g. %d/%m/%Y)"
    )
    DATE_FORMAT: Final = (
        "date must be a real date in the date format {fmt!r} (is --date-format right?)"
    )
    DATE_TYPE: Final = "date must be a date, a datetime or text"
    DATE_RECORD: Final = "date must be a datetime.date or datetime.datetime"
    DATE_RANGE: Final = f"date must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}"
    DATE_AFTER: Final = (
        "date must be on or before as_of {as_of} (a later --as-of judges a later day; "
        "--after-as-of ignore leaves such rows out, counted)"
    )
    NUMBER: Final = "must be a number"
    BOOLEAN: Final = "must be a number (true/false is not an amount)"
    DIGITS: Final = (
        f"must have at most {EXACT_DIGITS} significant digits (more cannot be kept exactly; "
        "round it first)"
    )
    FINITE: Final = "must be finite (not NaN or infinite)"
    NON_NEGATIVE: Final = "must be zero or more"
    NON_NEGATIVE_SALE: Final = (
        "must be zero or more (a return or cancellation? --returns net subtracts negative "
        "lines from revenue instead of rejecting them)"
    )
    RETURN_ONLY: Final = (
        "must be zero or more on a line that is not a return (with --returns net only a "
        "line of negative amount may carry negative quantities or money)"
    )
    SUM_FINITE: Final = (
        "the amounts of customer {customer!r} must add up to less than {limit} "
        "(what the exact per-customer sums hold)"
    )
    FIELDS: Final = "each line must have the header's {n} fields (is --delimiter right?)"
    ENCODED: Final = (
        "must be text in the encoding {encoding} (--encoding; the cell shows the bytes "
        "that are not)"
    )
    UTF8: Final = (
        "must be UTF-8 text (the cell shows the bytes that are not; another encoding "
        "needs --encoding)"
    )


def missing_id(value: str) -> bool:
    """Whether a customer-id cell means "no id" (the scalar form of the rule in `validate`).

    Empty or blank cells, and the null markers of `MISSING_IDS` compared trimmed
    and case-insensitively, are missing. ``test_missing_ids_are_one_rule_on_every_path``
    holds this and the columnar form (`custrel.report._ingest`) together.
    """
    stripped = value.strip()
    return not stripped or stripped.lower() in MISSING_IDS
