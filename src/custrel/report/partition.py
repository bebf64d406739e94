"""The report in partitions of whole customers: analyse, cut, finish, merge.

A log too big for one machine is split by customer (every row of a customer in
one partition: Spark's ``repartition(customer_id)``, Dask's shuffle on
``customer_id``). Everything about a customer except what needs the whole base is
computed where its rows are; the rest comes from small, mergeable summaries:

1. `analyze_partition` reads and checks one partition and computes each
   customer's summary, profit, stage, peak and at-risk flag, plus an
   `OverviewPart` (counts, leaky-bucket flows, exact sums) and the
   `ValueCounts` the whole-base cut-offs need.
2. `tier_cutoffs` turns the merged value counts into `Cutoffs`: the
   exact pyramid cut-offs (quotas of the whole base) and the revenue distribution
   behind each customer's revenue percentile.
3. `finish_partition` adds tiers, verdicts, reasons, risks and treatments.
4. `merge_overviews` merges the finished parts' overview parts into the
   `custrel.report.Overview`.

Every merge is associative and commutative, and every sum is exact (integers, or
floats summed exactly by `ExactSum` and rounded once), so any split of the
customers, any order of partitions and any order of rows within them gives the
bit-identical result. `custrel.report.analyze` is this core run on one
partition: there is one code path.

The whole-base cut-offs come from `ValueCounts` — each distinct value with
its number of customers — merged across partitions. That is exact and needs memory
in the number of *distinct* values, not of customers (money values repeat: at
scale, see ``docs/scale.md``). Where even those do not fit, the same cut-offs come
from bands: each partition's `RankSketch`, merged by `tier_bands` into a narrow
band around each cut-off, then each partition's `BandCounts` inside the bands,
read off by `tier_cutoffs_in_bands`.

An `OverviewPart` travels between the engine's own processes as bytes
(`OverviewPart.to_bytes`) and, to anywhere else, as exact JSON
(`OverviewPart.to_json`, also through `custrel.serialization`).
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from custrel._labels import Labelled
from custrel.days import date_of, day_number

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from custrel.report import (
        ColumnMap,
        CustomerResult,
        CustomerTable,
        InputCounts,
        ModelSummary,
        OnError,
        Overview,
        ReportPolicy,
        ReturnsNetted,
    )

__all__ = [
    "BandCounts",
    "Cutoffs",
    "ExactSum",
    "Finished",
    "OverviewPart",
    "Part",
    "RankSketch",
    "TierBands",
    "ValueCounts",
    "analyze_partition",
    "finish_partition",
    "merge_overviews",
    "merge_value_counts",
    "tier_bands",
    "tier_cutoffs",
    "tier_cutoffs_in_bands",
]

#: The optional columns that are costs of a customer (any of them makes profit known).
_COSTS = ("cost", "service_cost", "discount", "bad_debt")
_HALF = 26  # bits in the low half of a 53-bit mantissa
#: Below this many terms, sums of 27-bit halves stay below 2**53 (exact in float64).
_EXACT_COUNT = 1 << 26


@attrs.frozen
class ExactSum:
    """The exact sum of some floats, as ``numerator * 2**exponent``; mergeable in any order.

    Every float64 is an integer times a power of two, so a sum of them is too:
    holding it as a Python integer loses nothing, and rounding once at the end
    (`value`) gives the double nearest the true sum, whatever the order or
    grouping of the terms.

    Attributes:
        numerator: the sum divided by ``2**exponent``.
        exponent: the power of two of the numerator's unit.
    """

    numerator: int = 0
    exponent: int = 0

    @staticmethod
    def of(values: NDArray[np.float64]) -> ExactSum:
        """The exact sum of a float64 array."""
        import numpy as np

        return ExactSum.grouped(values, np.zeros(len(values), dtype=np.int64), 1)[0]

    @staticmethod
    def grouped(
        values: NDArray[np.float64], groups: NDArray[np.int64], n_groups: int
    ) -> list[ExactSum]:
        """The exact sum of ``values`` in each of ``n_groups`` groups (indices in ``groups``).

        Raises:
            InvalidValue: a value is NaN or infinite.
        """
        import numpy as np

        from custrel.errors import InvalidValue

        x = np.asarray(values, dtype=np.float64)
        if len(x) == 0:
            return [ExactSum() for _ in range(n_groups)]
        # A float sum is finite unless a term is not (or the sum overflows: then look).
        with np.errstate(over="ignore", invalid="ignore"):
            suspect = not np.isfinite(np.add.reduce(x))
        if suspect and not np.isfinite(x).all():
            raise InvalidValue("values", float(x[~np.isfinite(x)][0]), "finite numbers")
        mantissa, exp = np.frexp(x)
        whole = np.ldexp(mantissa, 53, out=mantissa).astype(np.int64)  # exact: 53 bits
        base = int(exp.min()) - 53
        at = exp.astype(np.int64)
        at -= base + 53  # the power of two of each term above the smallest, from 0
        width = int(at.max()) + 1
        if n_groups > 1:
            slot = groups.astype(np.int64) * width
            slot += at
        else:
            slot = at
        high = np.zeros(n_groups * width, dtype=np.int64)
        low = np.zeros_like(high)
        # Halves of at most 27 bits, fewer than 2**26 of them per block: every partial
        # sum is an integer below 2**53, so float64 adds them exactly; the blocks' sums
        # add up in int64 (2**36 terms still fit).
        for a in range(0, len(x), _EXACT_COUNT):
            part, places = whole[a : a + _EXACT_COUNT], slot[a : a + _EXACT_COUNT]
            for into, half in ((high, part >> _HALF), (low, part & ((1 << _HALF) - 1))):
                sums = np.bincount(places, weights=half.astype(np.float64), minlength=len(into))
                np.add(into, sums.astype(np.int64), out=into)
        out = []
        high_rows = high.reshape(n_groups, width).tolist()
        low_rows = low.reshape(n_groups, width).tolist()
        for hs, ls in zip(high_rows, low_rows, strict=True):
            total = 0
            for shift, (h, lo) in enumerate(zip(hs, ls, strict=True)):
                if h or lo:
                    total += (h << (shift + _HALF)) + (lo << shift)
            out.append(ExactSum(total, base))
        return out

    def __add__(self, other: ExactSum) -> ExactSum:
        """The exact sum of both."""
        if not isinstance(other, ExactSum):
            return NotImplemented
        base = min(self.exponent, other.exponent)
        return ExactSum(
            (self.numerator << (self.exponent - base))
            + (other.numerator << (other.exponent - base)),
            base,
        )

    def value(self) -> float:
        """The double nearest the exact sum (integer division rounds correctly).

        Raises:
            InvalidValue: the sum is beyond what a double holds (about 1.8e308): a
                total is never shown as infinite.
        """
        try:
            if self.exponent >= 0:
                return float(self.numerator << self.exponent)
            return self.numerator / (1 << -self.exponent)
        except OverflowError:
            from custrel.errors import InvalidValue

            bits = self.numerator.bit_length() + self.exponent
            sign = "-" if self.numerator < 0 else ""
            raise InvalidValue(
                "sum",
                f"{sign}about 2**{bits - 1}",
                "a total within the range of a double (below about 1.8e308)",
            ) from None


@attrs.frozen(eq=False)
class ValueCounts:
    """Each distinct value of a per-customer column with how many customers have it.

    Attributes:
        values: the distinct values, ascending (float64 numpy array).
        counts: customers per value (int64 numpy array).
    """

    values: NDArray[np.float64]
    counts: NDArray[np.int64]

    @staticmethod
    def of(column: NDArray[np.float64]) -> ValueCounts:
        """The value counts of one column."""
        import numpy as np

        values, counts = np.unique(np.asarray(column, dtype=np.float64), return_counts=True)
        return ValueCounts(values, counts.astype(np.int64))

    @property
    def total(self) -> int:
        """How many customers are counted."""
        return int(self.counts.sum())


def merge_value_counts(parts: Iterable[ValueCounts]) -> ValueCounts:
    """The value counts of the union of disjoint sets of customers."""
    import numpy as np

    items = list(parts)
    if not items:
        return ValueCounts(np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64))
    if len(items) == 1:
        return items[0]
    values = np.concatenate([p.values for p in items])
    counts = np.concatenate([p.counts for p in items])
    distinct, at = np.unique(values, return_inverse=True)
    summed = np.zeros(len(distinct), dtype=np.int64)
    np.add.at(summed, at, counts)
    return ValueCounts(distinct, summed)


@attrs.frozen(eq=False)
class OverviewPart:
    """The overview of some customers, mergeable with others by `merge_overviews`.

    Counts are integers and sums are `ExactSum`, so merging is associative and
    exact. `to_bytes` / `from_bytes` carry a part between processes.

    Attributes:
        customers: how many customers.
        revenue: their revenue.
        profit: their profit (``None`` without cost columns).
        by_stage: customers per stage (index into ``tuple(Stage)``).
        bucket_start: first day of the leaky bucket's first period (``None``: no customers).
        bucket: the leaky bucket's counts (`custrel.retention.bucket_counts`),
            as nested lists.
        lost: how many lost customers.
        lost_revenue: yearly revenue of the lost customers.
        lost_profit: yearly profit of the lost customers.
        by_tier: customers per tier (index into ``tuple(Tier)``); empty before finishing.
        tier_revenue: revenue per tier.
        tier_profit: profit per tier.
        by_verdict: customers per verdict (index into ``tuple(Verdict)``).
        worth_a_call: (value, customer id, row) of the at-risk customers worth a call:
            the value at risk with the model's ``predicted_clv``, else profit (revenue
            without costs).
        stage_by_alive: customers per stage (index into ``tuple(Stage)``) and P(alive)
            band (index into ``tuple(AliveBand)``), flattened stage by stage; empty
            without the model's ``p_alive``.
        returns: the returns netted (``returns="net"``) as (lines, amount in units,
            lines without a purchase, their amount in units, customers whose revenue
            is below zero); ``None`` when returns are rejected.
    """

    customers: int
    revenue: ExactSum
    profit: ExactSum | None
    by_stage: tuple[int, ...]
    bucket_start: dt.date | None
    bucket: tuple[tuple[int, ...], ...]
    lost: int
    lost_revenue: ExactSum
    lost_profit: ExactSum | None
    by_tier: tuple[int, ...] = ()
    tier_revenue: tuple[ExactSum, ...] = ()
    tier_profit: tuple[ExactSum, ...] = ()
    by_verdict: tuple[int, ...] = ()
    worth_a_call: tuple[tuple[float, str, CustomerResult], ...] = ()
    stage_by_alive: tuple[int, ...] = ()
    returns: tuple[int, int, int, int, int] | None = None

    def to_json(self) -> str:
        """This part as JSON text, exact: sums as hexadecimal integers, floats as written.

        The form `custrel.serialization.to_json` writes for a part; read it back with
        `from_json`. Unlike `to_bytes`, safe to read from an untrusted store.
        """
        return _part_to_json(self)

    @staticmethod
    def from_json(text: str | bytes) -> OverviewPart:
        """A part from `to_json`, checked field by field.

        Raises:
            InvalidValue: the text is not a part's JSON (the field and value named).
        """
        from custrel.serialization import from_json

        return from_json(text, OverviewPart)

    def to_bytes(self) -> bytes:
        """This part as bytes (for a trusted channel between the engine's own processes)."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(data: bytes) -> OverviewPart:
        """A part from `to_bytes` (never from untrusted data)."""
        part = pickle.loads(data)  # noqa: S301 - the engine's own output
        assert isinstance(part, OverviewPart)
        return part


@attrs.frozen(eq=False)
class Part:
    """One partition analysed: its customers (in id order) without tiers, and its overview.

    Attributes:
        as_of: the day judged.
        counts: rows read / accepted / rejected in the partition.
        rejects_table: the partition's rejected rows (pyarrow Table).
        ids: customer ids, sorted (pyarrow string array).
        numbers: per-customer numeric columns.
        labels: per-customer label columns (stage, peak).
        overview: the partition's overview part (before tiers).
    """

    as_of: dt.date
    counts: InputCounts
    rejects_table: object
    ids: object
    numbers: dict[str, NDArray[np.generic]]
    labels: dict[str, tuple[tuple[Labelled, ...], NDArray[np.int8]]]
    overview: OverviewPart

    def tier_column(self) -> NDArray[np.float64]:
        """The pyramid's value per customer (profit with cost columns, else revenue)."""
        import numpy as np

        value = self.numbers.get("profit", self.numbers["revenue"])
        return np.asarray(value, dtype=np.float64)

    def tier_values(self) -> ValueCounts:
        """Value counts of the pyramid's value (`tier_column`)."""
        return ValueCounts.of(self.tier_column())

    def revenue_values(self) -> ValueCounts | None:
        """Value counts of the gross revenue the verdict ranks by (``None`` without costs)."""
        if "profit" not in self.numbers:
            return None
        from custrel.report._integrations import scoring_columns

        as_of_day = day_number(self.as_of)
        return ValueCounts.of(scoring_columns(self.numbers, as_of_day)["revenue"])


@attrs.frozen(eq=False)
class Cutoffs:
    """What finishing a partition needs from the whole base.

    Attributes:
        customers: customers in the whole base.
        tier_thresholds: per tier KEY, MAJOR, ORDINARY: a value must be above it (and
            above 0) to be in the tier; ``None`` when the tier's quota covers everyone.
        revenue_values: the whole base's gross revenue counts (the percentiles).
        whole: the partition to finish is the whole base, so its own values give the
            same cut-offs and percentiles (`of_whole`; faster, no value counts).
    """

    customers: int
    tier_thresholds: tuple[float | None, float | None, float | None]
    revenue_values: ValueCounts | None
    whole: bool = False

    @staticmethod
    def of_whole(customers: int) -> Cutoffs:
        """Cut-offs for a partition that is the whole base: computed from it when finishing."""
        return Cutoffs(customers, (None, None, None), None, whole=True)


@attrs.frozen(eq=False)
class Finished:
    """One partition finished: its customer table and its complete overview part.

    Attributes:
        customers: the partition's customers, in id order.
        overview: its overview part, with tiers and verdicts.
    """

    customers: CustomerTable
    overview: OverviewPart


def analyze_partition(
    source: object,
    *,
    as_of: dt.date | None,
    policy: ReportPolicy,
    columns: ColumnMap,
    date_format: str | None = None,
    on_error: OnError,
    full: bool = True,
    returns: str = "reject",
) -> Part:
    """Analyse one partition of whole customers (all rows of each of its customers).

    Args:
        source: any source `custrel.report.analyze` reads.
        as_of: the day judged; ``None`` takes the partition's last purchase day
            (right only when the partition is the whole log).
        policy: the report policy.
        columns: the column mapping.
        date_format: a ``strptime`` format for the date column.
        on_error: strict or lenient.
        full: ``False`` computes only the purchase summary and profit.
        returns: ``reject`` or ``net``: what a line of negative amount is
            (`custrel.report.analyze`).

    Raises:
        InputDataError: bad input in strict mode (names the row, column, value and rule).
    """
    from custrel.report import OnError as Mode
    from custrel.report._ingest import read_source, validate

    lenient = on_error is Mode.SKIP
    table, malformed = read_source(source, columns.names(), date_format, lenient=lenient)
    if as_of is not None and table.num_rows == 0 and not (malformed and malformed.rows):
        # An empty partition (engines make them) has no customers, not bad input.
        return _analyze_checked(_no_rows(), as_of, policy, full=full)
    data = validate(
        table,
        columns,
        date_format=date_format,
        as_of=as_of,
        strict=not lenient,
        malformed=malformed,
        net_returns=returns == "net",
    )
    del table
    return _analyze_checked(data, as_of, policy, full=full)


def _no_rows() -> Any:  # noqa: ANN401 - the engine's checked rows
    """Checked rows of an empty partition."""
    import numpy as np
    import pyarrow as pa

    from custrel.report._ingest import Ingested, _empty_rejects
    from custrel.report._rows import Pieces

    rows = Pieces.of_chunks([np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int64)])
    return Ingested(
        pa.array([], pa.string()),
        np.zeros(0, dtype=np.int32),
        rows,
        0,
        _empty_rejects(),
        ids_sorted=True,
    )


def _analyze_checked(
    data: Any,  # noqa: ANN401 - the engine's checked rows
    as_of: dt.date | None,
    policy: ReportPolicy,
    *,
    full: bool = True,
) -> Part:
    """`analyze_partition` from checked rows (the engine's ``validate`` result).

    Without ``full``, only the purchase summary and profit (`custrel.report.summarize`).
    """
    import numpy as np

    from custrel.report import InputCounts
    from custrel.report._speed import start_id_order
    from custrel.report._summary import summarize_arrays

    returned = data.returns
    accepted = len(data.code) + (returned.lines if returned is not None else 0)
    counts = InputCounts(data.rows_read, accepted, data.rejects.num_rows, data.rows_ignored)
    if as_of is None:
        if not data.rows.rows:
            from custrel.errors import InputDataError

            if returned is not None and returned.lines:
                raise InputDataError(
                    "at least one purchase (a line of amount zero or more) must pass the "
                    "checks to infer as_of (returns are no purchases); give as_of"
                )
            raise InputDataError("at least one row must pass the checks to infer as_of; give as_of")
        as_of = date_of(data.rows.day_range()[1])
    as_of_day = day_number(as_of)
    n = len(data.ids)
    ordering = start_id_order(data.ids, already_sorted=data.ids_sorted)
    summary = summarize_arrays(data.code, data.rows, n, as_of_day, policy.period, returned)
    numbers: dict[str, NDArray[np.generic]] = dict(summary.columns)
    has_costs = any(name in data.rows.extra for name in _COSTS)
    if has_costs:
        numbers["profit"] = _profit(numbers)
    labels: dict[str, tuple[tuple[Labelled, ...], NDArray[np.int8]]] = {}
    bucket_start: dt.date | None = None
    bucket: tuple[tuple[int, ...], ...] = ()
    if n and full:
        from custrel.lifecycle import Stage, at_risk_columns

        stage_codes, peak_codes, bucket_start, bucket_counts = _stages_and_bucket(
            summary, n, as_of, int(summary["first_day"].min()), policy
        )
        bucket = tuple(tuple(int(x) for x in row) for row in bucket_counts.tolist())
        members = tuple(Stage)
        labels["stage"] = (members, stage_codes)
        labels["peak"] = (members, peak_codes)
        numbers["at_risk"] = at_risk_columns(
            stage_codes,
            summary["first_day"].astype(np.int64, copy=False),
            summary["last_day"].astype(np.int64, copy=False),
            summary["purchase_days"].astype(np.int64, copy=False),
            as_of_day,
            policy.at_risk_cadence_multiple,
        )
    del summary
    ids = data.ids
    if ordering is not None:
        order, ids = ordering.result()
        numbers = {k: v[order] for k, v in numbers.items()}
        labels = {k: (m, c[order]) for k, (m, c) in labels.items()}
    overview = _overview_part(numbers, labels, bucket_start, bucket)
    if returned is not None:
        netted = (
            returned.lines,
            returned.units,
            returned.unmatched_lines,
            returned.unmatched_units,
            int(np.count_nonzero(np.asarray(numbers["revenue"], dtype=np.float64) < 0)),
        )
        overview = attrs.evolve(overview, returns=netted)
    return Part(as_of, counts, data.rejects, ids, numbers, labels, overview)


def tier_cutoffs(
    tier_values: Iterable[ValueCounts],
    revenue_values: Iterable[ValueCounts | None] = (),
) -> Cutoffs:
    """The whole base's exact cut-offs from every partition's value counts.

    The pyramid's quotas (`custrel.pyramid.TierCutoffs.quotas`) are counted in
    the whole base; a customer is within quota ``q`` exactly when its value is
    greater than the ``(q+1)``-th largest value (ties never split), as in
    `custrel.pyramid.tier_codes`.

    Args:
        tier_values: each partition's `Part.tier_values`.
        revenue_values: each partition's `Part.revenue_values`.
    """
    import numpy as np

    from custrel.pyramid import SEED_CUTOFFS

    merged = merge_value_counts(tier_values)
    n = merged.total
    cumulative = np.cumsum(merged.counts)
    thresholds: list[float | None] = []
    for q in SEED_CUTOFFS.quotas(n):
        if q >= n:
            thresholds.append(None)
        else:
            # The value at ascending position n - 1 - q.
            at = int(np.searchsorted(cumulative, n - 1 - q, side="right"))
            thresholds.append(float(merged.values[at]))
    revenues = [r for r in revenue_values if r is not None]
    return Cutoffs(
        n,
        (thresholds[0], thresholds[1], thresholds[2]),
        merge_value_counts(revenues) if revenues else None,
    )


#: Knots a partition's `RankSketch` keeps by default: a band then holds about
#: 2 / KNOTS of each partition's customers.
KNOTS = 1_024


@attrs.frozen(eq=False)
class RankSketch:
    """Some of a partition's values in ascending order, each with its exact position.

    Kept at evenly spaced positions (always the first and the last), so the merged
    sketches bound how many of the whole base's values lie below any value
    (`tier_bands`), without holding every value.

    Attributes:
        customers: how many values the partition has.
        positions: the kept values' ascending positions (0-based, int64).
        values: the kept values (float64), in that order.
    """

    customers: int
    positions: NDArray[np.int64]
    values: NDArray[np.float64]

    @staticmethod
    def of(column: NDArray[np.float64], knots: int = KNOTS) -> RankSketch:
        """The sketch of one partition's values, with at most ``knots`` kept values."""
        import numpy as np

        ordered = np.sort(np.asarray(column, dtype=np.float64))
        n = len(ordered)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return RankSketch(0, empty, np.zeros(0, dtype=np.float64))
        positions = np.unique(np.linspace(0, n - 1, max(2, knots)).round().astype(np.int64))
        return RankSketch(n, positions, ordered[positions])

    @staticmethod
    def of_counts(counts: ValueCounts) -> RankSketch:
        """The exact sketch of value counts: each distinct value at its first and last position."""
        import numpy as np

        ends = np.cumsum(counts.counts)
        positions = np.stack([ends - counts.counts, ends - 1], axis=1).reshape(-1)
        values = np.repeat(counts.values, 2)
        return RankSketch(counts.total, positions.astype(np.int64), values.astype(np.float64))


@attrs.frozen(eq=False)
class TierBands:
    """Where each tier cut-off of the whole base lies: a closed band of values.

    Attributes:
        customers: customers in the whole base.
        targets: per tier KEY, MAJOR, ORDINARY, the cut-off's ascending position in
            the whole base (``None`` when the tier's quota covers everyone).
        bands: per tier, the (lowest, highest) value the cut-off can have.
    """

    customers: int
    targets: tuple[int | None, int | None, int | None]
    bands: tuple[tuple[float, float], ...]


def tier_bands(sketches: Iterable[RankSketch]) -> TierBands:
    """Bands around the whole base's tier cut-offs, from every partition's sketch.

    For a value ``x``, a partition has at least ``p + 1`` values ``<= x`` when it
    kept a value ``<= x`` at position ``p``, and at most ``p`` values ``< x`` when it
    kept a value ``>= x`` at position ``p``. Summed over partitions, these bound the
    rank of ``x`` in the whole base; the band is the narrowest pair of kept values
    that surely encloses the value at the cut-off's position.
    """
    import numpy as np

    from custrel.pyramid import SEED_CUTOFFS

    items = [s for s in sketches if s.customers]
    n = sum(s.customers for s in items)
    targets = [None if q >= n else n - 1 - q for q in SEED_CUTOFFS.quotas(n)]
    if not items:
        return TierBands(n, (None, None, None), ())
    candidates = np.unique(np.concatenate([s.values for s in items]))
    at_least = np.zeros(len(candidates), dtype=np.int64)  # values <= candidate, at least
    at_most = np.zeros(len(candidates), dtype=np.int64)  # values < candidate, at most
    for s in items:
        below = np.searchsorted(s.values, candidates, side="right")
        at_least += np.where(below > 0, s.positions[np.maximum(below - 1, 0)] + 1, 0)
        above = np.searchsorted(s.values, candidates, side="left")
        at_most += np.where(
            above < len(s.values), s.positions[np.minimum(above, len(s.values) - 1)], s.customers
        )
    bands = []
    for t in targets:
        if t is None:
            bands.append((0.0, 0.0))
            continue
        lowest = candidates[np.flatnonzero(at_most <= t)[-1]]
        highest = candidates[np.flatnonzero(at_least >= t + 1)[0]]
        bands.append((float(lowest), float(highest)))
    return TierBands(n, (targets[0], targets[1], targets[2]), tuple(bands))


@attrs.frozen(eq=False)
class BandCounts:
    """One partition's exact counts around the tier bands (`tier_bands`).

    Attributes:
        below: per band, how many of the partition's values are below its lowest value.
        inside: per band, the value counts of the partition's values inside it.
    """

    below: tuple[int, ...]
    inside: tuple[ValueCounts, ...]

    @staticmethod
    def of(column: NDArray[np.float64], bands: TierBands) -> BandCounts:
        """The counts of one partition's values against the bands."""
        import numpy as np

        values = np.asarray(column, dtype=np.float64)
        below = tuple(int((values < lo).sum()) for lo, _ in bands.bands)
        inside = tuple(
            ValueCounts.of(values[(values >= lo) & (values <= hi)]) for lo, hi in bands.bands
        )
        return BandCounts(below, inside)


def tier_cutoffs_in_bands(
    bands: TierBands,
    counts: Iterable[BandCounts],
    revenue_values: Iterable[ValueCounts | None] = (),
) -> Cutoffs:
    """The whole base's exact cut-offs from the counts around the bands.

    The same `Cutoffs` as `tier_cutoffs` on every value: the value at position
    ``t`` is the ``(t - below)``-th of the values inside its band, since the band
    encloses it.

    Args:
        bands: the bands, from `tier_bands`.
        counts: each partition's `BandCounts` against them.
        revenue_values: each partition's `Part.revenue_values`.
    """
    import numpy as np

    items = list(counts)
    thresholds: list[float | None] = []
    for i, target in enumerate(bands.targets):
        if target is None:
            thresholds.append(None)
            continue
        below = sum(c.below[i] for c in items)
        inside = merge_value_counts(c.inside[i] for c in items)
        cumulative = np.cumsum(inside.counts)
        at = int(np.searchsorted(cumulative, target - below, side="right"))
        thresholds.append(float(inside.values[at]))
    revenues = [r for r in revenue_values if r is not None]
    return Cutoffs(
        bands.customers,
        (thresholds[0], thresholds[1], thresholds[2]),
        merge_value_counts(revenues) if revenues else None,
    )


def _tiers(values: NDArray[np.float64], cutoffs: Cutoffs) -> NDArray[np.int8]:
    """Each value's tier index in ``tuple(Tier)`` against the whole base's cut-offs."""
    import numpy as np

    from custrel.pyramid import Tier

    codes = np.full(len(values), tuple(Tier).index(Tier.SMALL), dtype=np.int8)
    positive = values > 0
    for index in (2, 1, 0):
        threshold = cutoffs.tier_thresholds[index]
        inside = positive if threshold is None else (values > threshold) & positive
        codes[inside] = index
    return codes


def _percentiles(revenue: NDArray[np.float64], counts: ValueCounts) -> NDArray[np.float64]:
    """Each revenue's share of the whole base buying no more (`revenue_percentiles`)."""
    import numpy as np

    cumulative = np.cumsum(counts.counts)
    at = np.searchsorted(counts.values, revenue, side="right") - 1
    share: NDArray[np.float64] = cumulative[at] / counts.total
    return share


def finish_partition(part: Part, cutoffs: Cutoffs, *, worth_a_call: int = 20) -> Finished:
    """Add tiers, verdicts, reasons, risks and treatments to one analysed partition.

    Args:
        part: the partition, from `analyze_partition`.
        cutoffs: the whole base's cut-offs, from `tier_cutoffs`.
        worth_a_call: how many at-risk customers the partition offers to the overview
            (`custrel.report.ReportPolicy.worth_a_call`).
    """
    import numpy as np

    from custrel.report import CustomerTable
    from custrel.report._integrations import judge, scoring_columns

    numbers = dict(part.numbers)
    labels = dict(part.labels)
    texts: dict[str, tuple[NDArray[np.int64], tuple[tuple[str, ...], ...]]] = {}
    n = len(numbers["revenue"])
    overview = part.overview
    if n:
        as_of_day = day_number(part.as_of)
        value = numbers.get("profit", numbers["revenue"]).astype(np.float64)
        tiers = None if cutoffs.whole else _tiers(value, cutoffs)
        percentile = None
        if not cutoffs.whole and cutoffs.revenue_values is not None and "profit" in numbers:
            gross = scoring_columns(numbers, as_of_day)["revenue"]
            percentile = _percentiles(gross, cutoffs.revenue_values)
        stages = labels["stage"][1] if "stage" in labels else None
        judged = judge(numbers, as_of_day, stages, tiers=tiers, revenue_percentile=percentile)
        labels.update(judged.labels)
        numbers.update(judged.numbers)
        texts.update(judged.texts)
    customers = CustomerTable(part.ids, numbers, labels, texts)
    if n:
        overview = _finish_overview(overview, customers, worth_a_call)
    return Finished(customers, overview)


def merge_overviews(
    parts: Iterable[OverviewPart],
    *,
    policy: ReportPolicy,
    as_of: dt.date,
    currency: str,
    model: ModelSummary | None = None,
) -> Overview:
    """The `custrel.report.Overview` of the union of finished parts' customers.

    Args:
        parts: the finished partitions' overview parts (`Finished.overview`).
        policy: the report policy (bucket period, how many are worth a call).
        as_of: the day judged.
        currency: ISO 4217 code of the amounts.
        model: the customer-base model fitted on the whole base (or the note saying
            why there is none); the fit is global, so the caller passes it.
    """
    from custrel.lifecycle import Stage
    from custrel.pyramid import Tier
    from custrel.report import AliveBand, BucketRow, Overview, StageByAlive
    from custrel.retention import (
        bucket_boundaries,
        leaky_bucket_of_counts,
        lost_customers_churn_cost,
    )
    from custrel.scoring import Verdict

    items = list(parts)
    customers = sum(p.customers for p in items)
    revenue = _sum(p.revenue for p in items)
    profits = [p.profit for p in items if p.profit is not None]
    profit = _sum(profits) if profits else None
    by_stage = _add_counts(p.by_stage for p in items)
    lost = sum(p.lost for p in items)
    lost_revenue = _sum(p.lost_revenue for p in items).value()
    lost_profits = [p.lost_profit for p in items if p.lost_profit is not None]
    churn = None
    if by_stage and lost_profits:
        churn = lost_customers_churn_cost(lost, lost_revenue, _sum(lost_profits).value(), currency)
    leaky: tuple[BucketRow, ...] = ()
    starts = [p.bucket_start for p in items if p.bucket_start is not None]
    if starts:
        import numpy as np

        period = policy.bucket_period
        first = min(starts)
        bounds = bucket_boundaries(period, first, as_of)
        total = np.zeros((5, len(bounds) - 1), dtype=np.int64)
        for p in items:
            if p.bucket_start is None:
                continue
            counts = np.asarray(p.bucket, dtype=np.int64)
            shift = period.index(p.bucket_start) - period.index(first)
            total[:4, shift : shift + counts.shape[1]] += counts[:4]
            total[4, 0] += counts[4, 0]
        bucket = leaky_bucket_of_counts(total, period, bounds)
        leaky = tuple(
            BucketRow(f.period_start, f.gained, f.lost, f.won_back, f.end, f.churn_rate)
            for f in bucket.flows
        )
    by_tier: list[tuple[Labelled, int, float, float | None]] = []
    tier_counts = _add_counts(p.by_tier for p in items)
    if tier_counts:
        total_revenue = revenue.value() or 1.0
        total_profit = profit.value() if profit is not None else None
        for i, member in enumerate(tuple(Tier)):
            tier_revenue = _sum(p.tier_revenue[i] for p in items if p.tier_revenue)
            share_profit = None
            if total_profit:
                tier_profit = _sum(p.tier_profit[i] for p in items if p.tier_profit)
                share_profit = tier_profit.value() / total_profit
            by_tier.append(
                (member, tier_counts[i], tier_revenue.value() / total_revenue, share_profit)
            )
    verdicts = _add_counts(p.by_verdict for p in items)
    candidates = sorted((c for p in items for c in p.worth_a_call), key=lambda c: (-c[0], c[1]))[
        : policy.worth_a_call
    ]
    bands = len(AliveBand)
    cells = _add_counts(p.stage_by_alive for p in items)
    agreement = tuple(
        StageByAlive(stage, row)
        for stage, row in zip(
            tuple(Stage),
            (cells[i * bands : (i + 1) * bands] for i in range(len(cells) // bands)),
            strict=False,
        )
        if sum(row)
    )
    return Overview(
        returns=_netted(items),
        customers=customers,
        revenue=revenue.value(),
        profit=profit.value() if profit is not None else None,
        currency=currency,
        by_stage=_present(tuple(Stage), by_stage),
        by_tier=tuple(by_tier),
        by_verdict=_present(tuple(Verdict), verdicts),
        leaky_bucket=leaky,
        lost_revenue=lost_revenue,
        worth_a_call=tuple(c[2] for c in candidates),
        churn_cost=churn,
        model=model,
        stage_by_alive=agreement,
    )


def _netted(items: Sequence[OverviewPart]) -> ReturnsNetted | None:
    """The returns netted over every part (``None``: returns were rejected)."""
    from custrel.report import ReturnsNetted
    from custrel.report._units import SCALE

    parts = [p.returns for p in items if p.returns is not None]
    if not parts:
        return None
    lines, units, unmatched, unmatched_units, below = (sum(p[i] for p in parts) for i in range(5))
    return ReturnsNetted(lines, units / SCALE, unmatched, unmatched_units / SCALE, below)


def _sum(items: Iterable[ExactSum]) -> ExactSum:
    total = ExactSum()
    for item in items:
        total = total + item
    return total


def _add_counts(items: Iterable[Sequence[int]]) -> tuple[int, ...]:
    total: list[int] = []
    for counts in items:
        if len(total) < len(counts):
            total.extend([0] * (len(counts) - len(total)))
        for i, c in enumerate(counts):
            total[i] += c
    return tuple(total)


def _present(
    members: tuple[Labelled, ...], counts: tuple[int, ...]
) -> tuple[tuple[Labelled, int], ...]:
    return tuple((m, c) for m, c in zip(members, counts, strict=False) if c)


def _count(codes: NDArray[np.int8], size: int) -> tuple[int, ...]:
    import numpy as np

    # Codes below 0 (unknown) wrap to 128 and more as uint8, past every label's count.
    tally = np.bincount(np.asarray(codes, dtype=np.int8).view(np.uint8), minlength=256)[:size]
    return tuple(int(c) for c in tally.tolist())


def _overview_part(
    numbers: dict[str, NDArray[np.generic]],
    labels: dict[str, tuple[tuple[Labelled, ...], NDArray[np.int8]]],
    bucket_start: dt.date | None,
    bucket: tuple[tuple[int, ...], ...],
) -> OverviewPart:
    """The partition's overview part before tiers: counts, bucket and exact sums."""
    import numpy as np

    revenue = numbers["revenue"].astype(np.float64)
    profit = numbers.get("profit")
    by_stage: tuple[int, ...] = ()
    lost = 0
    lost_revenue = ExactSum()
    lost_profit: ExactSum | None = None
    if "stage" in labels:
        from custrel.lifecycle import Stage
        from custrel.retention import yearly_value_columns

        members, codes = labels["stage"]
        by_stage = _count(codes, len(members))
        mask = codes == members.index(Stage.LOST)
        lost = int(mask.sum())
        first, last = numbers["first_day"][mask], numbers["last_day"][mask]
        lost_revenue = ExactSum.of(yearly_value_columns(revenue[mask], first, last))
        if profit is not None:
            lost_profit = ExactSum.of(
                yearly_value_columns(profit.astype(np.float64)[mask], first, last)
            )
    return OverviewPart(
        customers=len(revenue),
        revenue=ExactSum.of(revenue),
        profit=ExactSum.of(profit.astype(np.float64)) if profit is not None else None,
        by_stage=by_stage,
        bucket_start=bucket_start,
        bucket=bucket,
        lost=lost,
        lost_revenue=lost_revenue,
        lost_profit=lost_profit,
    )


def _finish_overview(part: OverviewPart, customers: CustomerTable, worth: int) -> OverviewPart:
    """Add the tier and verdict counts, tier sums and the at-risk candidates to a part."""
    import numpy as np

    numbers = customers.numbers
    revenue = numbers["revenue"].astype(np.float64)
    profit = numbers.get("profit")
    members, tiers = customers.labels["tier"]
    groups = tiers.astype(np.int64)
    tier_revenue = tuple(ExactSum.grouped(revenue, groups, len(members)))
    tier_profit: tuple[ExactSum, ...] = ()
    if profit is not None:
        tier_profit = tuple(ExactSum.grouped(profit.astype(np.float64), groups, len(members)))
    by_verdict: tuple[int, ...] = ()
    if "verdict" in customers.labels:
        verdicts, codes = customers.labels["verdict"]
        by_verdict = _count(codes, len(verdicts))
    candidates: tuple[tuple[float, str, CustomerResult], ...] = ()
    if "at_risk" in numbers:
        # The lifecycle rule picks who is at risk; the model, when there is one, ranks them.
        flagged = np.flatnonzero(numbers["at_risk"].astype(bool))
        if "predicted_clv" in numbers:
            from custrel.report._models import value_at_risk

            value = value_at_risk(
                numbers["predicted_clv"][flagged].astype(np.float64),
                numbers["p_alive"][flagged].astype(np.float64),
            )
        else:
            value = np.asarray(profit if profit is not None else revenue, dtype=np.float64)
            value = value[flagged]
        # Ties in value go in id order (the table is in id order, the sort is stable).
        ranked = _top(value, worth)
        top = flagged[ranked]
        rows = [customers[int(i)] for i in top]
        candidates = tuple(
            (float(v), row.customer_id, row)
            for v, row in zip(value[ranked].tolist(), rows, strict=True)
        )
    agreement: tuple[int, ...] = ()
    if "stage" in customers.labels and "p_alive" in numbers:
        from custrel.report import AliveBand
        from custrel.report._models import alive_band_codes

        stages, codes = customers.labels["stage"]
        known = codes >= 0
        bands = len(AliveBand)
        cells = codes[known].astype(np.int64) * bands + alive_band_codes(
            numbers["p_alive"][known].astype(np.float64)
        )
        tally = np.bincount(cells, minlength=len(stages) * bands)
        agreement = tuple(int(c) for c in tally.tolist())
    return attrs.evolve(
        part,
        by_tier=_count(tiers, len(members)),
        tier_revenue=tier_revenue,
        tier_profit=tier_profit,
        by_verdict=by_verdict,
        worth_a_call=candidates,
        stage_by_alive=agreement,
    )


def _top(values: NDArray[np.float64], k: int) -> NDArray[np.intp]:
    """The positions of the ``k`` largest values, largest first, ties in position order.

    The same as ``np.argsort(-values, kind="stable")[:k]``, without sorting them all:
    only the values at least the ``k``-th largest are sorted.
    """
    import numpy as np

    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if len(values) <= k or bool(np.isnan(values).any()):
        return np.argsort(-values, kind="stable")[:k]
    kth = np.partition(values, len(values) - k)[len(values) - k]
    within = np.flatnonzero(values >= kth)
    order: NDArray[np.intp] = within[np.argsort(-values[within], kind="stable")][:k]
    return order


def _profit(numbers: dict[str, NDArray[np.generic]]) -> NDArray[np.float64]:
    """Each customer's profit by `custrel.profit.profit_columns`.

    The amounts are net of discount (`custrel.profit`), so the gross revenue is
    amount + discount and the discount is subtracted once. Decision: among several
    cost columns, a missing one counts as 0.
    """
    import numpy as np

    from custrel.profit import gross_revenue_columns, profit_columns

    revenue = numbers["revenue"].astype(np.float64)
    zero = np.zeros(len(revenue), dtype=np.float64)

    def cost(name: str) -> NDArray[np.float64]:
        return numbers[name].astype(np.float64) if name in numbers else zero

    discount = cost("discount")
    return profit_columns(
        gross_revenue_columns(revenue, discount),
        discount,
        cost("cost"),
        cost("bad_debt"),
        cost("service_cost"),
    )


def _stages_and_bucket(
    summary: Any,  # noqa: ANN401 - the engine's SummaryArrays
    n: int,
    as_of: dt.date,
    first_day: int,
    policy: ReportPolicy,
) -> tuple[NDArray[np.int8], NDArray[np.int8], dt.date, NDArray[np.int64]]:
    """Stage and peak per customer, and the leaky bucket's (漏桶) counts per period.

    The stages come from `custrel.lifecycle_batch.derive_stage_blocks`; the
    bucket counts each block's stage-changing events (`custrel.retention.bucket_counts`,
    in the worker thread, while they are in cache) and sums the counts, so it counts
    exactly the gains, defections and win-backs the stages were derived from. The
    counts start at the period of the partition's first purchase (no event comes
    before it), so parts starting later merge by their period's offset.
    """
    import numpy as np

    from custrel.lifecycle_batch import StageColumns, derive_stage_blocks
    from custrel.retention import bucket_boundaries, bucket_counts

    period = policy.bucket_period
    bounds = bucket_boundaries(period, date_of(first_day), as_of)

    def count(block: StageColumns) -> NDArray[np.int64]:
        return bucket_counts(
            block.events_customer, block.events_day, block.events_kind, period, bounds
        )

    blocks = derive_stage_blocks(
        summary.occasion_code, summary.occasion_day, n, as_of, policy.lifecycle, count
    )
    counts = np.asarray(np.sum([c for _, c in blocks if c is not None], axis=0), dtype=np.int64)
    stage = np.concatenate([b.stage for b, _ in blocks])
    peak = np.concatenate([b.peak for b, _ in blocks])
    return stage, peak, bounds[0], counts


# The JSON form of an overview part. Sums are exact integers of any length, written as
# hexadecimal text (JSON readers cap integer length); floats are written by Python's
# shortest round-trip repr, so every value comes back bit for bit.

_SUMS = ("revenue", "profit", "lost_revenue", "lost_profit")
_SUM_TUPLES = ("tier_revenue", "tier_profit")
_COUNT_TUPLES = ("by_stage", "by_tier", "by_verdict", "stage_by_alive")


def _sum_json(value: ExactSum | None) -> dict[str, object] | None:
    if value is None:
        return None
    return {"numerator": format(value.numerator, "x"), "exponent": value.exponent}


def _sum_of(name: str, data: object) -> ExactSum:
    from custrel.errors import InvalidValue

    if not isinstance(data, dict) or set(data) != {"numerator", "exponent"}:
        raise InvalidValue(name, data, "an object with numerator (hexadecimal text) and exponent")
    numerator, exponent = data["numerator"], data["exponent"]
    if (
        not isinstance(numerator, str)
        or not numerator.lstrip("-")
        or not all(c in "0123456789abcdef" for c in numerator.lstrip("-"))
    ):
        raise InvalidValue(f"{name}.numerator", numerator, "a hexadecimal integer as text")
    if type(exponent) is not int or abs(exponent) > _MAX_EXPONENT:
        raise InvalidValue(f"{name}.exponent", exponent, "an integer power of two of a double")
    return ExactSum(int(numerator, 16), exponent)


#: No double's unit lies beyond this power of two (a subnormal's unit in `ExactSum` is 2**-1126).
_MAX_EXPONENT = 1200


def _counts_of(name: str, data: object) -> tuple[int, ...]:
    from custrel.errors import InvalidValue

    if not isinstance(data, list) or any(type(c) is not int or c < 0 for c in data):
        raise InvalidValue(name, data, "a list of counts (whole numbers >= 0)")
    return tuple(data)


def _row_json(row: CustomerResult) -> dict[str, object]:
    out: dict[str, object] = {}
    for field in attrs.fields(type(row)):
        value = getattr(row, field.name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, Labelled):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out[field.name] = value
    return out


_BAD = object()  # a JSON value not of its column's kind


def _cell(kind: Any, value: object, members: tuple[Labelled, ...]) -> object:  # noqa: ANN401
    """One field of a row from JSON, or ``_BAD`` when it is not of the column's kind."""
    from custrel.report.schema import Kind

    if kind is Kind.LABEL:
        return next((m for m in members if m.value == value), _BAD)
    if kind is Kind.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return _BAD
    if kind is Kind.TEXTS and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if kind in (Kind.MONEY, Kind.NUMBER) and type(value) in (int, float):
        return float(value)  # type: ignore[arg-type]  # an int or a float, checked
    exact = {Kind.TEXT: str, Kind.FLAG: bool, Kind.COUNT: int}.get(kind)
    return value if exact is not None and type(value) is exact else _BAD


def _row_of(data: object) -> CustomerResult:
    """A customer's row from its JSON object, each field checked against its column's kind."""
    from custrel.errors import InvalidValue
    from custrel.report import CustomerResult
    from custrel.report.schema import CUSTOMER_COLUMNS

    fields = attrs.fields(CustomerResult)
    names = [f.name for f in fields]
    if not isinstance(data, dict) or set(data) != set(names):
        raise InvalidValue("worth_a_call.row", data, f"an object with the keys {', '.join(names)}")
    kinds = {c.name: c for c in CUSTOMER_COLUMNS}
    values: dict[str, object] = {}
    for field in fields:
        value = data[field.name]
        if value is None and "None" in str(field.type):
            values[field.name] = None
            continue
        column = kinds[field.name]
        members = tuple(column.label_enum or ())
        values[field.name] = _cell(column.kind, value, members)
        if values[field.name] is _BAD:
            allowed = ", ".join(str(m.value) for m in members) or f"a {column.kind.value} value"
            raise InvalidValue(f"worth_a_call.row.{field.name}", value, allowed)
    return CustomerResult(**values)  # type: ignore[arg-type]


def _part_to_json(part: OverviewPart) -> str:
    import json

    data: dict[str, object] = {
        "customers": part.customers,
        "bucket_start": None if part.bucket_start is None else part.bucket_start.isoformat(),
        "bucket": [list(row) for row in part.bucket],
        "lost": part.lost,
    }
    for name in _SUMS:
        data[name] = _sum_json(getattr(part, name))
    for name in _SUM_TUPLES:
        data[name] = [_sum_json(s) for s in getattr(part, name)]
    for name in _COUNT_TUPLES:
        data[name] = list(getattr(part, name))
    data["worth_a_call"] = [
        {"value": value, "customer_id": customer, "row": _row_json(row)}
        for value, customer, row in part.worth_a_call
    ]
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_PART_KEYS = frozenset(
    {"customers", "bucket_start", "bucket", "lost", "worth_a_call"}
    | set(_SUMS)
    | set(_SUM_TUPLES)
    | set(_COUNT_TUPLES)
)


def _bucket_of(start: object, rows: object) -> tuple[dt.date | None, tuple[tuple[int, ...], ...]]:
    from custrel.errors import InvalidValue

    day = None if start is None else _cell(_date_kind(), start, ())
    if day is _BAD:
        raise InvalidValue("bucket_start", start, "an ISO 8601 date or null")
    if not isinstance(rows, list):
        raise InvalidValue("bucket", rows, "a list of lists of counts")
    return day, tuple(_counts_of("bucket", row) for row in rows)  # type: ignore[return-value]


def _date_kind() -> Any:  # noqa: ANN401 - the schema's Kind.DATE
    from custrel.report.schema import Kind

    return Kind.DATE


def _candidates_of(items: object) -> tuple[tuple[float, str, CustomerResult], ...]:
    from custrel.errors import InvalidValue

    if not isinstance(items, list):
        raise InvalidValue("worth_a_call", items, "a list of candidates")
    out = []
    for item in items:
        if (
            not isinstance(item, dict)
            or set(item) != {"value", "customer_id", "row"}
            or type(item["value"]) not in (int, float)
            or not isinstance(item["customer_id"], str)
        ):
            raise InvalidValue("worth_a_call", item, "objects of a value, customer_id and row")
        out.append((float(item["value"]), item["customer_id"], _row_of(item["row"])))
    return tuple(out)


def _part_from_json(text: str) -> OverviewPart:
    """An overview part from its JSON text (`OverviewPart.to_json`), checked field by field."""
    import json

    from custrel.errors import InvalidValue

    data = json.loads(text)
    if not isinstance(data, dict) or set(data) != _PART_KEYS:
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise InvalidValue("overview_part", keys, f"the keys {', '.join(sorted(_PART_KEYS))}")
    for name in ("customers", "lost"):
        if type(data[name]) is not int or data[name] < 0:
            raise InvalidValue(name, data[name], "a whole number >= 0")
    bucket_start, bucket = _bucket_of(data["bucket_start"], data["bucket"])
    optional = ("profit", "lost_profit")
    sums = {n: None if n in optional and data[n] is None else _sum_of(n, data[n]) for n in _SUMS}
    tuples: dict[str, tuple[ExactSum, ...]] = {}
    for name in _SUM_TUPLES:
        if not isinstance(data[name], list):
            raise InvalidValue(name, data[name], "a list of sums")
        tuples[name] = tuple(_sum_of(name, item) for item in data[name])
    return OverviewPart(
        customers=data["customers"],
        revenue=_sum_of("revenue", data["revenue"]),
        profit=sums["profit"],
        by_stage=_counts_of("by_stage", data["by_stage"]),
        bucket_start=bucket_start,
        bucket=bucket,
        lost=data["lost"],
        lost_revenue=_sum_of("lost_revenue", data["lost_revenue"]),
        lost_profit=sums["lost_profit"],
        by_tier=_counts_of("by_tier", data["by_tier"]),
        tier_revenue=tuples["tier_revenue"],
        tier_profit=tuples["tier_profit"],
        by_verdict=_counts_of("by_verdict", data["by_verdict"]),
        worth_a_call=_candidates_of(data["worth_a_call"]),
        stage_by_alive=_counts_of("stage_by_alive", data["stage_by_alive"]),
    )


def _register_json() -> None:
    # The registry alone: `custrel.serialization` (and cattrs) load when JSON is used.
    from custrel._formats import register_format

    register_format(OverviewPart, dump=_part_to_json, load=_part_from_json)


_register_json()
