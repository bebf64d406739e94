"""``custrel validate``: fit a customer-base model on a calibration period and show the holdout.

Light at import (the command line builds every parser on start); numpy and scipy
load when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["add_validate", "run_validate"]

_MODELS = ("bg-nbd", "mbg-nbd", "pareto-nbd")


def add_validate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``validate`` sub-command."""
    validate = commands.add_parser(
        "validate",
        help="fit BG/NBD (or kin) on a calibration period and compare with the holdout",
        description=(
            "Split a transaction log (CSV, gzip CSV or Parquet; columns customer_id, date, "
            "amount) at a calibration date, fit a customer-base model on the calibration "
            "period, and print how it tracks the holdout: cumulative repeat purchases per "
            "period, actual against predicted; holdout purchases by calibration frequency "
            "(0, 1, ... 7+); and the error in one line. Repeat purchases are counted as "
            "distinct customer-days."
        ),
        epilog=(
            "Example: custrel validate --input sales.csv --calibration-end 1997-09-30 "
            "--model pareto-nbd"
        ),
    )
    validate.add_argument("--input", metavar="FILE", required=True, help="the transaction log")
    validate.add_argument(
        "--calibration-end", metavar="DATE", required=True, help="last day fitted, YYYY-MM-DD"
    )
    validate.add_argument(
        "--holdout-end",
        metavar="DATE",
        help="last day of the holdout (default: the log's last day)",
    )
    validate.add_argument("--model", choices=_MODELS, default="bg-nbd", help="default: bg-nbd")
    validate.add_argument(
        "--period-days",
        type=int,
        default=7,
        metavar="N",
        help="days per period (default: 7, weeks)",
    )
    validate.add_argument("--format", choices=["table", "json"], default="table")
    validate.add_argument("--lang", choices=["en", "zh"], default="en", help="labels' language")
    for field, default in (("customer", "customer_id"), ("date", "date"), ("amount", "amount")):
        validate.add_argument(
            f"--{field}-col", metavar="NAME", default=default, help=f"default: {default}"
        )
    validate.add_argument(
        "--date-format", metavar="FMT", help="strptime format of the date column, e.g. %%Y%%m%%d"
    )
    validate.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Run ``custrel validate``; return the exit code."""
    from pathlib import Path

    import attrs

    from custrel.clv._validate import calibration_holdout
    from custrel.report import ColumnMap

    result = calibration_holdout(
        Path(args.input),
        calibration_end=args.calibration_end,
        holdout_end=args.holdout_end,
        model=args.model.replace("-", "/"),
        period_days=args.period_days,
        columns=ColumnMap(
            customer_id=args.customer_col, date=args.date_col, amount=args.amount_col
        ),
        date_format=args.date_format,
    )
    if args.format == "json":
        payload = {
            "model": result.model.to_dict(),
            "customers": result.customers,
            "error": result.error,
            "summary": result.summary(args.lang),
            "tracking": [attrs.asdict(r) for r in result.tracking],
            "by_frequency": [attrs.asdict(r) for r in result.by_frequency],
        }
        sys.stdout.write(json.dumps(payload, default=str, ensure_ascii=False) + "\n")
        return 0
    zh = args.lang == "zh"
    out = [result.model.describe(args.lang)]
    out.append(
        "期  截止日        实际累计   预测累计" if zh else "period  end          actual  predicted"
    )
    out.extend(
        f"{r.period:>6}  {r.end}  {r.actual:>8,}  {r.predicted:>9,.1f}" for r in result.tracking
    )
    out.append("")
    out.append(
        "校准期购买次数  客户数  实际均值  预测均值"
        if zh
        else "calibration frequency  customers  actual  predicted"
    )
    out.extend(
        f"{r.frequency:>21}  {r.customers:>9,}  {r.actual:>6.2f}  {r.predicted:>9.2f}"
        for r in result.by_frequency
    )
    out.append("")
    out.append(result.summary(args.lang))
    sys.stdout.write("\n".join(out) + "\n")
    return 0
