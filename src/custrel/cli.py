"""The ``custrel`` command line: ``custrel report`` (the main job) and ``custrel diagram``.

Exit codes: 0 success; 2 bad usage or bad input (a `CustrelError`);
1 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from custrel import __version__
from custrel.errors import CustrelError

if TYPE_CHECKING:
    from custrel.report import Report

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "build_parser",
    "main",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
#: 128 + SIGPIPE, what shells report for a writer whose reader closed the pipe.
EXIT_BROKEN_PIPE = 141


def _diagram(args: argparse.Namespace) -> int:
    from custrel import diagrams

    sys.stdout.write(diagrams.render(args.machine, args.format))
    return EXIT_OK


_PROGRESS_BYTES = 50 * 1024 * 1024  # inputs larger than this get a progress bar


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file (after symlinks and ``..``), existing or not."""
    if one.resolve() == other.resolve():
        return True
    try:
        return one.exists() and other.exists() and one.samefile(other)
    except OSError:
        return False


def _check_paths(source: Path, out: str | None, rejects: Path) -> None:
    """Refuse outputs that would overwrite the input or each other, before any is written."""
    from custrel.errors import InvalidValue

    if _same_file(rejects, source):
        raise InvalidValue("--rejects", str(rejects), "a path other than --input's file")
    if out is not None:
        if _same_file(Path(out), source):
            raise InvalidValue("--out", out, "a path other than --input's file")
        if _same_file(Path(out), rejects):
            raise InvalidValue("--rejects", str(rejects), "a path other than --out's file")


def _write_report(report: Report, fmt: str, out: str | None, lang: str) -> None:
    """Write the report in ``fmt`` to ``out`` (atomically) or standard output."""
    from pathlib import Path

    import pyarrow as pa

    from custrel.report._csvsafe import atomic_path, write_csv
    from custrel.report._document import check_lang
    from custrel.report._render import print_report, render_table, rounded_money, write_rows

    if fmt == "csv":
        # CSV is for people: formula-leading text is neutralised (see custrel.report._csvsafe),
        # and money is rounded to the currency's minor unit.
        table: pa.Table = rounded_money(report)
        plain = pa.table({name: table[name] for name in table.column_names})
        if out:
            write_csv(plain, out)
        else:
            sys.stdout.flush()
            write_csv(plain, sys.stdout.buffer)
        return
    if not out:
        if fmt == "table":
            print_report(report, check_lang(lang), sys.stdout)
        else:
            write_rows(report, "json", sys.stdout)
        return
    with atomic_path(out) as temporary:
        if fmt == "table":
            text = render_table(report, check_lang(lang))
            Path(temporary).write_text(text, encoding="utf-8")
        elif fmt == "json":
            with Path(temporary).open("w", encoding="utf-8") as stream:
                write_rows(report, "json", stream)
        else:
            write_rows(report, fmt, str(temporary))


def _report(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from custrel._progress import display
    from custrel.errors import CustrelWarning, InvalidValue, NoRowsAccepted
    from custrel.periods import Period
    from custrel.report import ColumnMap, OnError, ReportPolicy, allocator_settings, analyze
    from custrel.report._csvsafe import write_csv
    from custrel.sample import SAMPLE_AS_OF, sample_path

    source = Path(args.input) if args.input else sample_path()
    as_of = None
    if args.as_of:
        try:
            as_of = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise InvalidValue("--as-of", args.as_of, "an ISO date YYYY-MM-DD") from None
    elif not args.input:
        as_of = SAMPLE_AS_OF
    if args.format == "parquet" and not args.out:
        raise InvalidValue("--out", None, "a file path: parquet output is binary")
    rejects = Path(args.rejects)
    _check_paths(source, args.out, rejects)
    columns = ColumnMap(
        customer_id=args.customer_col,
        date=args.date_col,
        # "none": a log of dates without amounts (stages only; revenue facts unknown).
        amount=None if args.amount_col == "none" else args.amount_col,
        cost=args.cost_col,
        service_cost=args.service_cost_col,
        discount=args.discount_col,
        days_late=args.days_late_col,
        bad_debt=args.bad_debt_col,
        quantity=args.quantity_col,
    )
    show = args.progress
    if show is None:
        show = source.is_file() and source.stat().st_size > _PROGRESS_BYTES
    model = args.model or "bgnbd"
    policy = ReportPolicy(period=next(p for p in Period if p.value == args.period), model=model)
    try:
        # The command owns its process, so it switches on the allocator settings the
        # engine runs fastest with; a library call never does. Progress shows only where
        # someone watches (a terminal or a notebook), never in a pipe.
        if args.engine != "local":
            from custrel._scale import run_report

            if _local_only(args):
                raise InvalidValue(
                    "--engine",
                    args.engine,
                    "local when reading with --delimiter, --encoding, --header, --price-col, "
                    "--after-as-of ignore, --gross-margin or --amount-col none (the other "
                    "engines do not take them)",
                )
            report = run_report(
                args.engine,
                source,
                as_of=as_of,
                policy=policy,
                columns=columns,
                date_format=args.date_format,
                on_error=args.on_error,
                currency=args.currency,
                returns=args.returns,
            )
        else:
            with (
                allocator_settings(),
                display() as progress,
                warnings.catch_warnings(record=True) as caught,
            ):
                warnings.simplefilter("always", CustrelWarning)
                report = analyze(
                    source,
                    as_of=as_of,
                    policy=policy,
                    columns=columns,
                    date_format=args.date_format,
                    on_error=args.on_error,
                    currency=args.currency,
                    progress=progress if show else None,
                    delimiter=args.delimiter,
                    encoding=args.encoding,
                    header=None if args.header is None else tuple(args.header.split(",")),
                    price_column=args.price_col,
                    after_as_of=args.after_as_of,
                    returns=args.returns,
                    gross_margin=args.gross_margin,
                )
            _show_warnings(caught)
    except NoRowsAccepted as error:
        write_csv(error.rejects, rejects)
        sys.stderr.write(
            f"custrel: error: every one of the {error.rows_read:,} rows was rejected, so there "
            f"is nothing to report; the reason for each row is in {rejects}\n"
        )
        return EXIT_BAD_INPUT
    if report.counts.rows_rejected or args.on_error == OnError.SKIP.value:
        report.write_rejects(rejects)
        sys.stderr.write(
            f"custrel: {report.counts.rows_rejected:,} of {report.counts.rows_read:,} rows "
            f"rejected; reasons in {rejects}\n"
        )
    if report.counts.rows_read and not report.counts.rows_accepted:
        sys.stderr.write(
            f"custrel: error: every one of the {report.counts.rows_read:,} rows was rejected, "
            f"so there is nothing to report; the reason for each row is in {rejects}\n"
        )
        return EXIT_BAD_INPUT
    _write_report(report, args.format, args.out, args.lang)
    return EXIT_OK


def _show_warnings(caught: Sequence[warnings.WarningMessage]) -> None:
    """Custrel's warnings as one line each on stderr; others as Python shows them."""
    from custrel.errors import CustrelWarning

    for warning in caught:
        if issubclass(warning.category, CustrelWarning):
            sys.stderr.write(f"custrel: warning: {warning.message}\n")
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def _local_only(args: argparse.Namespace) -> bool:
    """Whether the run asks for reading options only the local engine takes."""
    return (
        args.delimiter != ","
        or args.encoding.lower().replace("_", "-") not in {"utf-8", "utf8"}
        or args.header is not None
        or args.price_col is not None
        or args.after_as_of != "error"
        or args.gross_margin is not None
        or args.amount_col == "none"
    )


def _add_report(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from custrel.periods import Period

    report = commands.add_parser(
        "report",
        help="judge every customer in a transaction log (runs on a bundled sample by default)",
        description=(
            "Read a transaction log (CSV, gzip CSV or Parquet; columns customer_id, date, "
            "amount and optionally cost, service_cost, discount, days_late, bad_debt, "
            "quantity) and report, per customer, the purchase summary (frequency, recency, "
            "T, monetary_value), lifecycle stage, pyramid tier, verdict and treatment, and "
            "for the whole base the stage counts, pyramid, leaky bucket and churn cost. "
            "Without --input it runs on a bundled synthetic sample (as of 2024-12-31)."
        ),
        epilog=(
            "Exit codes: 0 success; 2 bad input or usage (the message names the row, column, "
            "value and rule); 1 internal error. Example: custrel report --input sales.csv.gz "
            "--as-of 2024-12-31 --format csv --out customers.csv"
        ),
    )
    report.add_argument("--input", metavar="FILE", help="the log: .csv, .csv.gz or .parquet")
    report.add_argument(
        "--as-of",
        metavar="DATE",
        help="the day judged, YYYY-MM-DD (default: the log's last purchase day; "
        "2024-12-31 for the sample); later rows are errors",
    )
    report.add_argument(
        "--format",
        choices=["table", "csv", "json", "parquet"],
        default="table",
        help="table: a readable summary (default); csv/json (JSON lines)/parquet: one row "
        "per customer",
    )
    report.add_argument(
        "--out",
        metavar="PATH",
        help="write here instead of standard output (replaced whole: written beside it, "
        "then renamed)",
    )
    report.add_argument(
        "--period",
        choices=[p.value for p in Period],
        default="day",
        help="period of frequency, recency and T (default: day; a week starts on Monday)",
    )
    for field, default in (
        ("customer", "customer_id"),
        ("date", "date"),
        ("amount", "amount"),
        ("cost", "cost"),
        ("service-cost", "service_cost"),
        ("discount", "discount"),
        ("days-late", "days_late"),
        ("bad-debt", "bad_debt"),
        ("quantity", "quantity"),
    ):
        report.add_argument(
            f"--{field}-col",
            metavar="NAME",
            default=default,
            help=f"input column holding {default} (default: {default})"
            + (
                "; none: a log of dates without amounts (stages and purchase summary; "
                "revenue, tier, verdict and churn cost unknown)"
                if field == "amount"
                else ""
            ),
        )
    report.add_argument(
        "--model",
        choices=["bgnbd", "mbgnbd", "pareto", "none"],
        default=None,
        help="customer-base model fitted for p_alive, expected_purchases and predicted_clv "
        "(default: bgnbd, on every engine; none fits no model and leaves those columns "
        "empty); a log it cannot be fitted on gets a note in the report",
    )
    report.add_argument(
        "--date-format",
        metavar="FMT",
        help="strptime format of the date column, e.g. %%Y%%m%%d (default: ISO dates or "
        "timestamps)",
    )
    report.add_argument(
        "--price-col",
        metavar="NAME",
        help="a unit-price column: amount = quantity (--quantity-col) × price, exactly "
        "(for exports such as Online Retail's UnitPrice)",
    )
    report.add_argument(
        "--gross-margin",
        metavar="RATE",
        type=float,
        help="for a log without cost columns: assume profit = revenue × RATE (0 to 1, e.g. "
        "0.3), shown as an assumption; without it the verdict is unknown",
    )
    report.add_argument(
        "--returns",
        choices=["reject", "net"],
        default="reject",
        help="lines of negative amount (returns, cancellations; a negative quantity with "
        "--price-col): reject them (default), or net them: subtracted from the customer's "
        "revenue in their period, not counted as purchases, and counted in the summary",
    )
    report.add_argument(
        "--after-as-of",
        choices=["error", "ignore"],
        default="error",
        help="rows dated after --as-of: error (default), or ignore them, counted in the "
        "summary (rows read = accepted + rejected + ignored), for a back-test",
    )
    report.add_argument(
        "--delimiter",
        metavar="CHAR",
        default=",",
        help="field separator of a CSV file: one character (e.g. ';' or '|'), 'tab', or "
        "'whitespace' for runs of spaces and tabs, as CDNOW's file (default: ,)",
    )
    report.add_argument(
        "--encoding",
        metavar="NAME",
        default="utf-8",
        help="text encoding of a CSV file, e.g. latin-1, gbk, cp1252 (default: utf-8)",
    )
    report.add_argument(
        "--header",
        metavar="NAMES",
        help="comma-separated column names for a CSV file without a header line, e.g. "
        "customer_id,sample,date,quantity,amount",
    )
    report.add_argument(
        "--on-error",
        choices=["raise", "skip"],
        default="raise",
        help="raise: stop at the first bad row (default); skip: reject bad rows into the "
        "rejects file and go on (rows read = accepted + rejected)",
    )
    report.add_argument(
        "--rejects",
        metavar="PATH",
        default="custrel-rejects.csv",
        help="where --on-error=skip writes rejected rows with row, column, the cell as written "
        "and rule (default: custrel-rejects.csv; never --input's or --out's file). Cells "
        "starting with = + - @ tab or CR get a leading ' so a spreadsheet shows, not runs, them",
    )
    report.add_argument(
        "--currency",
        metavar="CODE",
        default="XXX",
        help="ISO 4217 code of the amounts (default: XXX, i.e. not stated)",
    )
    report.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr, shown on a terminal or in a notebook only (default: on "
        "for inputs over 50 MB)",
    )
    report.add_argument(
        "--engine",
        choices=["local", "spark", "dask"],
        default="local",
        help="where the report runs: this process (default), Spark (the configured "
        "session, else a local one; needs the spark extra) or Dask (the current client, "
        "else local threads; needs the dask extra). --input may be a directory of parts",
    )
    report.add_argument(
        "--lang",
        choices=["en", "zh", "both"],
        default="both",
        help="language of the table's labels and sentences: English, Chinese or both "
        "(default: both)",
    )
    report.set_defaults(handler=_report)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-parser per command."""
    from custrel import diagrams

    parser = argparse.ArgumentParser(
        prog="custrel",
        description=(
            "Customer-relationship management as tested code. "
            "Run 'custrel report' for a per-customer report on the bundled sample."
        ),
    )
    parser.add_argument("--version", action="version", version=f"custrel {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_report(commands)
    from custrel.clv._cli import add_validate

    add_validate(commands)

    diagram = commands.add_parser(
        "diagram",
        help="print a state machine's transition table as a Mermaid diagram or Markdown table",
        description=(
            "Print a state machine's transition table, generated from the table the "
            "machine itself runs on."
        ),
    )
    diagram.add_argument("machine", choices=sorted(diagrams.MACHINES), help="which machine")
    diagram.add_argument(
        "--format",
        choices=["mermaid", "markdown"],
        default="mermaid",
        help="Mermaid stateDiagram (default) or a Markdown table",
    )
    diagram.set_defaults(handler=_diagram)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except CustrelError as error:
        sys.stderr.write(f"custrel: error: {error}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("custrel: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`custrel report --format csv | head`): not an error
        # worth a message. Point stdout at devnull so the interpreter's final flush
        # does not raise again, and exit as a process killed by SIGPIPE would.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as error:
        sys.stderr.write(f"custrel: error: {error}\n")
        return EXIT_BAD_INPUT
    except Exception as error:  # the exit code tells users it is our bug
        sys.stderr.write(
            f"custrel: internal error ({type(error).__name__}: {error}); please report it\n"
        )
        return EXIT_INTERNAL
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
