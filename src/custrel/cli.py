"""The ``custrel`` command line: ``custrel report`` (the main job) and ``custrel diagram``.

Exit codes: 0 success; 2 bad usage or bad input (a :class:`~custrel.errors.CustrelError`);
1 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from custrel import __version__
from custrel.errors import CustrelError

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_OK", "build_parser", "main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


def _diagram(args: argparse.Namespace) -> int:
    from custrel import diagrams

    sys.stdout.write(diagrams.render(args.machine, args.format))
    return EXIT_OK


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
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
