"""The bundled sample transaction log: synthetic, realistic, and reproducible from a seed.

``custrel report`` with no arguments runs on this log, so a newcomer sees every part
of the report at once. It holds a few thousand customers over three years with the
patterns the CRM chapter talks about (§1–§3): steady buyers who become loyal,
one-off buyers, customers who lapse (流失客户) and some who are won back, late payers
and a few bad debtors (no credit, 不讲信誉), and a couple of big-but-bad customers
(大客户 that extract discounts, cost much to serve and pay late).

The generator uses only `random.Random` with a fixed seed, so the same
arguments give byte-identical output on every platform and Python version; the
bundled file ``custrel/data/sample_transactions.csv.gz`` is ``write(path)`` with
the defaults. Regenerate it with ``python -m custrel.sample PATH``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import random
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Final

import attrs

from custrel.report import CANONICAL_COLUMNS

__all__ = [
    "SAMPLE_AS_OF",
    "SAMPLE_COLUMNS",
    "SampleSpec",
    "generate",
    "sample_path",
    "write",
]

#: The day the bundled sample is judged on (the day after its last possible purchase).
SAMPLE_AS_OF: Final = dt.date(2024, 12, 31)
#: Columns of the sample, in file order.
SAMPLE_COLUMNS: Final = CANONICAL_COLUMNS


@attrs.frozen
class SampleSpec:
    """The knobs of the synthetic log (defaults make the bundled sample).

    Attributes:
        customers: how many customers.
        start: first possible purchase day.
        end: last possible purchase day.
        seed: the random seed.
        lapse_share: share of customers who stop buying at some point.
        win_back_share: share of the lapsed who later come back.
        late_payer_share: share of customers who often pay late.
        bad_debtor_share: share of customers who leave bad debts.
        big_bad_customers: how many big-but-bad customers.
    """

    customers: int = 3000
    start: dt.date = dt.date(2022, 1, 1)
    end: dt.date = SAMPLE_AS_OF
    seed: int = 20240101
    lapse_share: float = 0.3
    win_back_share: float = 0.25
    late_payer_share: float = 0.12
    bad_debtor_share: float = 0.015
    big_bad_customers: int = 2


def generate(spec: SampleSpec | None = None) -> Iterator[tuple[str, ...]]:
    """Yield the log's rows as text tuples in `SAMPLE_COLUMNS` order, by date.

    Example:
        >>> rows = list(generate(SampleSpec(customers=20)))
        >>> rows[0][1] >= "2022-01-01", all(len(r) == 9 for r in rows)
        (True, True)
    """
    spec = spec or SampleSpec()
    rng = random.Random(spec.seed)  # noqa: S311 - reproducible synthetic data, not secrets
    days = (spec.end - spec.start).days + 1
    rows: list[tuple[int, str, float, float, float, float, int, float, int]] = []
    for number in range(spec.customers):
        customer = f"C{number + 1:05d}"
        big_bad = number < spec.big_bad_customers
        # Purchase rate: gamma-heterogeneous, mean about one purchase every 45 days.
        rate = 0.25 if big_bad else rng.gammavariate(0.8, 1 / 36)
        ticket = 900.0 if big_bad else rng.lognormvariate(3.6, 0.7)
        margin = rng.uniform(0.15, 0.4)
        late_payer = big_bad or rng.random() < spec.late_payer_share
        bad_debtor = big_bad or rng.random() < spec.bad_debtor_share
        first = 0 if big_bad else int(rng.random() * days * 0.85)
        windows = [(first, days)]
        if not big_bad and rng.random() < spec.lapse_share:
            stop = first + int(rng.uniform(60, max(61.0, (days - first) * 0.7)))
            windows = [(first, min(stop, days))]
            if rng.random() < spec.win_back_share:
                back = stop + int(rng.uniform(400, 500))
                if back < days:
                    windows.append((back, days))
        purchases = []
        for a, b in windows:
            day = a
            purchases.append(day)
            while True:
                day += max(1, int(rng.expovariate(rate))) if rate > 0 else days
                if day >= b:
                    break
                purchases.append(day)
        for k, day in enumerate(purchases):
            amount = round(ticket * rng.lognormvariate(0, 0.35), 2)
            discount = round(amount * (0.25 if big_bad else rng.choice((0, 0, 0, 0.05))), 2)
            service = round((0.3 if big_bad else 0.04) * amount + rng.uniform(0, 3), 2)
            late = int(rng.uniform(15, 90)) if late_payer and rng.random() < 0.6 else 0
            debt = (
                round(amount, 2)
                if bad_debtor and k >= len(purchases) - 2 and rng.random() < 0.8
                else 0.0
            )
            quantity = 1 + int(rng.expovariate(0.5))
            cost = round(amount * (1 - margin), 2)
            rows.append((day, customer, amount, cost, service, discount, late, debt, quantity))
    rows.sort(key=lambda r: (r[0], r[1]))
    for day, customer, amount, cost, service, discount, late, debt, quantity in rows:
        yield (
            customer,
            (spec.start + dt.timedelta(days=day)).isoformat(),
            f"{amount:.2f}",
            f"{cost:.2f}",
            f"{service:.2f}",
            f"{discount:.2f}",
            str(late),
            f"{debt:.2f}",
            str(quantity),
        )


def write(path: str | Path, spec: SampleSpec | None = None) -> int:
    """Write the log as CSV (gzip when ``path`` ends in ``.gz``); return the row count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SAMPLE_COLUMNS)
    count = 0
    for row in generate(spec):
        writer.writerow(row)
        count += 1
    data = buffer.getvalue().encode()
    target = Path(path)
    if target.suffix == ".gz":
        # mtime=0 keeps the compressed bytes reproducible.
        with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(data)
    else:
        target.write_bytes(data)
    return count


def sample_path() -> Path:
    """Path of the bundled sample log (``custrel/data/sample_transactions.csv.gz``)."""
    return Path(str(resources.files("custrel").joinpath("data/sample_transactions.csv.gz")))


if __name__ == "__main__":  # pragma: no cover
    print(write(sys.argv[1] if len(sys.argv) > 1 else sample_path()))
