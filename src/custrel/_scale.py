"""What the Spark and Dask engines share: the per-partition work, in Arrow, and the driver's merge.

A partition arrives as an Arrow table of whole customers with one more column,
`ROW`, each row's identity in the caller's data. The core of
`custrel.report.partition` runs on it in passes:

1. Pass 1 analyses the partition and sends the driver its `Stats` (value counts or a
   rank sketch for the whole base's cut-offs, the model's sufficient statistic and
   repeat buyers' spend when a model is asked for, row counts, first reject), which
   `merge_stats` turns into the cut-offs and the fitted model — the `Finishing`
   every partition is finished against. `partition_carry` (Spark) also keeps the
   analysis itself, as rows of pickled bytes; `partition_stats` (Dask) sends only
   the stats.
2. When the cut-offs are found in bands, one light pass counts each partition's
   values around them (`carried_band_counts`, `partition_band_counts`), completed
   by `with_band_counts`.
3. The partition is finished: from the carried analysis, into its overview part
   (`carried_overview`), its customers (`carried_customers`) or its rejects
   (`carried_rejects`) — Spark runs the last two when its caller reads them; or
   from the log, into all three in one wide table (`partition_output`, Dask,
   which keeps that pass's frames as they are).

Moving the log's rows from the engine into Python costs more than the report's own
work, so the log crosses once; only the small stats and overview parts reach the
driver.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    from numpy.typing import NDArray

    from custrel.clv import SufficientStatistic
    from custrel.report import ColumnMap, ModelSummary, OnError, Overview, ReportPolicy
    from custrel.report._models import BaseFit
    from custrel.report.partition import Cutoffs, Part, RankSketch, TierBands, ValueCounts

__all__ = [
    "KIND",
    "ROW",
    "Finishing",
    "Settings",
    "carried_band_counts",
    "carried_customers",
    "carried_overview",
    "carried_rejects",
    "merge_stats",
    "output_schema",
    "partition_band_counts",
    "partition_carry",
    "partition_output",
    "partition_stats",
    "raise_first_reject",
    "with_band_counts",
]

#: The column holding each input row's identity.
ROW = "__custrel_row"
#: The column telling customer (0), reject (1) and overview (2) rows apart in the output.
KIND = "__custrel_kind"
_PAYLOAD = "__custrel_payload"
CUSTOMER, REJECT, OVERVIEW = 0, 1, 2
#: Kinds of `partition_carry`'s rows: the partition's stats, a chunk of its analysis.
STATS, PART = 3, 4
#: The largest chunk of a carried analysis in one row (engines cap a value's size).
CHUNK_BYTES = 64 << 20
#: How the tier cut-offs may be found (`Settings.cutoffs`).
CUTOFF_METHODS = ("auto", "collect", "band")
#: Above this many distinct values in a partition, ``auto`` finds the cut-offs in
#: bands: value counts of 16 bytes an entry then stay under 16 MB a partition.
BAND_ABOVE = 1_000_000
#: The reject columns of the output (each row's identity, then why it was rejected).
REJECT_COLUMNS = ("row", "column", "value", "rule")


@attrs.frozen
class Settings:
    """The report's settings, shipped to every partition.

    Attributes:
        as_of: the day judged.
        policy: the report policy.
        columns: the column mapping.
        date_format: a ``strptime`` format for text dates.
        currency: ISO 4217 code of the amounts.
        returns: what a line of negative amount is, ``reject`` or ``net``
            (`custrel.report.analyze`).
        statistic: pass 1 also gathers the model's sufficient statistic (the policy
            asks for a model, or the caller fits one).
        cutoffs: how the whole base's tier cut-offs are found, both exact:
            ``collect`` (every partition's value counts to the driver), ``band``
            (sketches, then counts inside a band around each cut-off: driver memory
            bounded whatever the base) or ``auto`` (``band`` when a partition has more
            than `BAND_ABOVE` distinct values).
    """

    as_of: dt.date
    policy: ReportPolicy
    columns: ColumnMap
    date_format: str | None
    currency: str
    returns: str = "reject"
    statistic: bool = False
    cutoffs: str = attrs.field(default="auto")

    @cutoffs.validator
    def _check_cutoffs(self, _: object, value: str) -> None:
        if value not in CUTOFF_METHODS:
            from custrel.errors import InvalidValue

            raise InvalidValue("cutoffs", value, ", ".join(CUTOFF_METHODS))

    @property
    def model_asked(self) -> bool:
        """Whether the report's policy asks for the customer-base model."""
        from custrel.report import ReportModel

        return self.policy.model is not ReportModel.NONE


def settings_for(
    as_of: object,
    policy: ReportPolicy | None,
    columns: ColumnMap | None,
    date_format: str | None,
    currency: str,
    on_error: OnError | str,
    returns: str = "reject",
) -> tuple[Settings, OnError]:
    """An engine call's checked settings and error mode, the same for Spark and Dask.

    Raises:
        InvalidValue: ``as_of`` is not a date (a cluster log has no cheap last day), the
            error mode, the currency or the returns mode breaks its rule, or the columns
            map no amount (``amount_col``: the engines need one).
    """
    from custrel.errors import InvalidValue
    from custrel.report import (
        NO_AMOUNT,
        ColumnMap,
        ReportPolicy,
        _check_as_of,
        _check_on_error,
        _check_returns,
    )

    _check_returns(returns)
    if columns is not None and columns.amount == NO_AMOUNT:
        raise InvalidValue(
            "amount_col", None, "a column of amounts: the Spark and Dask engines need one"
        )

    day = _check_as_of(as_of)
    if day is None:
        raise InvalidValue("as_of", as_of, "a datetime.date (a cluster log has no cheap last day)")
    mode = _check_on_error(on_error)
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidValue("currency", currency, "a three-letter ISO 4217 code such as EUR")
    settings = Settings(
        day,
        policy or ReportPolicy(),
        columns or ColumnMap(),
        date_format,
        currency.upper(),
        returns,
    )
    return settings, mode


def customer_schema() -> pa.Schema:
    """The customer table's Arrow schema, labels as plain text (engines have no dictionaries)."""
    import pyarrow as pa

    from custrel.report.schema import CUSTOMER_COLUMNS

    return pa.schema(
        [
            pa.field(c.name, pa.string() if pa.types.is_dictionary(t) else t)
            for c in CUSTOMER_COLUMNS
            for t in (c.arrow_type(),)
        ]
    )


def reject_schema() -> pa.Schema:
    """The rejects table's Arrow schema: each row's identity, then why it was rejected."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("row", pa.int64()),
            pa.field("column", pa.string()),
            pa.field("value", pa.string()),
            pa.field("rule", pa.string()),
        ]
    )


def output_schema() -> pa.Schema:
    """The wide output of `partition_output`: customers, rejects and overview parts."""
    import pyarrow as pa

    fields = list(customer_schema())
    fields += [pa.field(f"__reject_{f.name}", f.type) for f in reject_schema()]
    fields += [pa.field(_PAYLOAD, pa.binary()), pa.field(KIND, pa.int8())]
    return pa.schema(fields)


def stats_schema() -> pa.Schema:
    """The output of `partition_stats` and the other passes of bytes: one row each."""
    import pyarrow as pa

    return pa.schema([pa.field(_PAYLOAD, pa.binary())])


def _analyze(table: pa.Table, settings: Settings, *, full: bool = True) -> tuple[Part, pa.Table]:
    """The partition analysed leniently, and its rejects with each row's identity."""
    import pyarrow as pa

    from custrel.report import OnError
    from custrel.report.partition import analyze_partition

    rows = table.column(ROW).combine_chunks() if ROW in table.column_names else pa.array([])
    data = table.drop_columns([ROW]) if ROW in table.column_names else table
    if data.num_rows == 0:
        # An empty partition: no customers (its columns may carry no usable type).
        names = settings.columns
        data = pa.table(
            {
                names.customer_id: pa.array([], pa.string()),
                names.date: pa.array([], pa.date32()),
                names.amount: pa.array([], pa.float64()),
            }
        )
    part = analyze_partition(
        data,
        as_of=settings.as_of,
        policy=settings.policy,
        columns=settings.columns,
        date_format=settings.date_format,
        on_error=OnError.SKIP,
        full=full,
        returns=settings.returns,
    )
    rejects: pa.Table = part.rejects_table
    if rejects.num_rows:
        import pyarrow.compute as pc

        at = pc.subtract(rejects.column("row"), 1)
        rejects = rejects.set_column(0, "row", rows.take(at).cast(pa.int64()))
    return part, rejects


@attrs.frozen(eq=False)
class Stats:
    """One partition's pass-1 summary, for the driver's merge.

    Attributes:
        tier_values: value counts of the pyramid's value (``None``: a sketch instead).
        revenue_values: value counts of the gross revenue (``None`` without costs).
        counts: rows read, accepted and rejected.
        first_reject: the reject of the smallest row identity, if any.
        statistic: the model's sufficient statistic (``None`` when not gathered).
        repeat: the repeat buyers' distinct (frequency, monetary value) pairs and how
            many buyers share each (``None`` when no model is asked for).
        sketch: the pyramid's values' rank sketch, when the cut-offs are found in bands.
    """

    tier_values: ValueCounts | None
    revenue_values: ValueCounts | None
    counts: tuple[int, int, int]
    first_reject: dict[str, Any] | None
    statistic: SufficientStatistic | None = None
    repeat: tuple[NDArray[np.float64], NDArray[np.int64]] | None = None
    sketch: RankSketch | None = None


def partition_stats(table: pa.Table, settings: Settings) -> pa.Table:
    """Pass 1: value counts, model statistic, rows read and first reject, as one row of bytes."""
    import pyarrow as pa

    part, rejects = _analyze(table, settings, full=False)
    payload = _stats_bytes(part, rejects, settings)
    return pa.table({_PAYLOAD: pa.array([payload], pa.binary())}, schema=stats_schema())


def _stats_bytes(part: Part, rejects: pa.Table, settings: Settings) -> bytes:
    """The partition's `Stats`, pickled for the driver."""
    import numpy as np

    first = None
    if rejects.num_rows:
        first = min(rejects.to_pylist(), key=lambda r: (r["row"], r["column"] or ""))
    statistic = None
    repeat = None
    numbers = part.numbers
    if settings.statistic or settings.model_asked:
        from custrel.report._models import model_statistic

        statistic = model_statistic(numbers["frequency"], numbers["recency"], numbers["T"])
    if settings.model_asked:
        buyers = numbers["frequency"].astype(np.int64) > 0
        pairs = np.column_stack(
            [
                numbers["frequency"][buyers].astype(np.float64),
                numbers["monetary_value"][buyers].astype(np.float64),
            ]
        )
        distinct, counts = np.unique(pairs, axis=0, return_counts=True)
        repeat = (distinct, counts.astype(np.int64))
    from custrel.report.partition import RankSketch

    tier_values = None if settings.cutoffs == "band" else part.tier_values()
    sketch = None
    if tier_values is None or (settings.cutoffs == "auto" and len(tier_values.values) > BAND_ABOVE):
        tier_values, sketch = None, RankSketch.of(part.tier_column())
    stats = Stats(
        tier_values,
        part.revenue_values(),
        (part.counts.rows_read, part.counts.rows_accepted, part.counts.rows_rejected),
        first,
        statistic,
        repeat,
        sketch,
    )
    return pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL)


def carried_schema() -> pa.Schema:
    """The output of `partition_carry`: rows of bytes, told apart by `KIND`."""
    import pyarrow as pa

    return pa.schema([pa.field(KIND, pa.int8()), pa.field(_PAYLOAD, pa.binary())])


def partition_carry(table: pa.Table, settings: Settings) -> pa.Table:
    """Pass 1, carrying the analysis forward: the stats row, then the analysed partition.

    The first row (`STATS`) is the partition's `Stats` for the driver; the rows after
    it (`PART`) are the analysed partition and its rejects, pickled and cut into
    chunks of at most `CHUNK_BYTES`, in order. An engine keeps these rows and
    finishes the partition from them (`carried_overview`, `carried_customers`,
    `carried_rejects`) without reading and analysing its log again.
    """
    import pyarrow as pa

    part, rejects = _analyze(table, settings)
    stats = _stats_bytes(part, rejects, settings)
    carried = pickle.dumps((part, rejects), protocol=pickle.HIGHEST_PROTOCOL)
    chunks = [carried[at : at + CHUNK_BYTES] for at in range(0, len(carried), CHUNK_BYTES)]
    return pa.table(
        {
            KIND: pa.array([STATS] + [PART] * len(chunks), pa.int8()),
            _PAYLOAD: pa.array([stats, *chunks], pa.binary()),
        },
        schema=carried_schema(),
    )


def _carried(table: pa.Table) -> tuple[Part, pa.Table] | None:
    """The analysed partition and its rejects from `partition_carry`'s rows (in order)."""
    import pyarrow.compute as pc

    chunks = table.filter(pc.equal(table.column(KIND), PART)).column(_PAYLOAD).to_pylist()
    if not chunks:
        return None
    part, rejects = pickle.loads(b"".join(chunks))  # noqa: S301 - the engine's own output
    return part, rejects


def carried_overview(table: pa.Table, settings: Settings, finishing: Finishing) -> pa.Table:
    """Pass 2 from carried rows: the partition's finished overview part, as one row of bytes."""
    import pyarrow as pa

    carried = _carried(table)
    payloads = []
    if carried is not None:
        finished = _finish_part(carried[0], settings, finishing)
        payloads.append(finished.overview.to_bytes())
    return pa.table({_PAYLOAD: pa.array(payloads, pa.binary())}, schema=stats_schema())


def carried_customers(table: pa.Table, settings: Settings, finishing: Finishing) -> pa.Table:
    """The finished customer rows (`customer_schema`) from carried rows."""
    carried = _carried(table)
    if carried is None:
        return customer_schema().empty_table()
    customers: pa.Table = _finish_part(carried[0], settings, finishing).customers.to_arrow()
    return customers.cast(customer_schema())


def carried_rejects(table: pa.Table) -> pa.Table:
    """The rejected rows (`reject_schema`) from carried rows, each with its row identity."""
    carried = _carried(table)
    if carried is None:
        return reject_schema().empty_table()
    return carried[1].select(list(REJECT_COLUMNS)).cast(reject_schema())


@attrs.frozen(eq=False)
class Finishing:
    """What every partition is finished against: the whole base's cut-offs and model.

    Attributes:
        cutoffs: the whole base's cut-offs.
        fit: the model fitted on the whole base (``None`` when none is asked for).
    """

    cutoffs: Cutoffs
    fit: BaseFit | None = None


@attrs.frozen(eq=False)
class Merged:
    """The driver's merge of every partition's stats.

    Attributes:
        cutoffs: the whole base's cut-offs (``None`` until the counts inside the
            bands are in: `with_band_counts`).
        fit: the model fitted on the whole base (``None`` when none is asked for).
        rows_read: rows read in all partitions.
        rows_accepted: rows accepted.
        rows_rejected: rows rejected.
        first_reject: the reject of the smallest row identity, if any.
        statistic: the whole base's model statistic (``None`` when not gathered).
        bands: the bands around the tier cut-offs, when they are found in bands.
        revenue_values: every partition's revenue value counts (for the percentiles).
    """

    cutoffs: Cutoffs | None
    fit: BaseFit | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    first_reject: dict[str, Any] | None
    statistic: SufficientStatistic | None = None
    bands: TierBands | None = None
    revenue_values: tuple[ValueCounts | None, ...] = ()

    @property
    def finishing(self) -> Finishing:
        """What every partition is finished against."""
        if self.cutoffs is None:
            raise RuntimeError("the cut-offs wait for the counts inside the bands")
        return Finishing(self.cutoffs, self.fit)


def _merge_statistics(parts: Sequence[SufficientStatistic]) -> SufficientStatistic:
    """The statistic of the union of disjoint sets of customers (exact: whole counts)."""
    import numpy as np

    from custrel.clv import sufficient_statistic

    return sufficient_statistic(
        np.concatenate([p.frequency for p in parts]),
        np.concatenate([p.recency for p in parts]),
        np.concatenate([p.T for p in parts]),
        weights=np.concatenate([p.count for p in parts]),
    )


def merge_stats(payloads: Sequence[bytes], settings: Settings) -> Merged:
    """Merge pass 1's rows into the whole base's cut-offs, fitted model and counts."""
    import numpy as np

    from custrel.report.partition import RankSketch, tier_bands, tier_cutoffs

    stats: list[Stats] = [pickle.loads(p) for p in payloads]  # noqa: S301 - the engine's own output
    firsts = [s.first_reject for s in stats if s.first_reject is not None]
    first = min(firsts, key=lambda r: (r["row"], r["column"] or "")) if firsts else None
    statistic = None
    fit = None
    if settings.statistic or settings.model_asked:
        statistic = _merge_statistics([s.statistic for s in stats if s.statistic is not None])
    if settings.model_asked and statistic is not None:
        from custrel.report._models import fit_on_base

        pairs = [s.repeat for s in stats if s.repeat is not None and len(s.repeat[1])]
        if pairs:
            distinct = np.concatenate([p[0] for p in pairs])
            counts = np.concatenate([p[1] for p in pairs])
            buyers = np.repeat(distinct, counts, axis=0)
        else:
            buyers = np.zeros((0, 2), dtype=np.float64)
        fit = fit_on_base(statistic, buyers[:, 0], buyers[:, 1], settings.policy)
    revenues = tuple(s.revenue_values for s in stats)
    tiers = [s.tier_values for s in stats if s.tier_values is not None]
    cutoffs = None
    bands = None
    if len(tiers) == len(stats):
        cutoffs = tier_cutoffs(tiers, revenues)
    else:
        # Partitions that sent value counts take part with their exact sketch.
        sketches = [s.sketch for s in stats if s.sketch is not None]
        bands = tier_bands([*sketches, *(RankSketch.of_counts(t) for t in tiers)])
    return Merged(
        cutoffs,
        fit,
        sum(s.counts[0] for s in stats),
        sum(s.counts[1] for s in stats),
        sum(s.counts[2] for s in stats),
        first,
        statistic,
        bands,
        revenues,
    )


def band_counts(part: Part, bands: TierBands) -> bytes:
    """A partition's exact counts around the bands (`BandCounts`), pickled for the driver."""
    from custrel.report.partition import BandCounts

    counts = BandCounts.of(part.tier_column(), bands)
    return pickle.dumps(counts, protocol=pickle.HIGHEST_PROTOCOL)


def partition_band_counts(table: pa.Table, settings: Settings, bands: TierBands) -> pa.Table:
    """The band pass from a partition's log: its `BandCounts`, as one row of bytes."""
    import pyarrow as pa

    part, _ = _analyze(table, settings, full=False)
    payload = band_counts(part, bands)
    return pa.table({_PAYLOAD: pa.array([payload], pa.binary())}, schema=stats_schema())


def carried_band_counts(table: pa.Table, bands: TierBands) -> pa.Table:
    """The band pass from carried rows: the partition's `BandCounts`, as one row of bytes."""
    import pyarrow as pa

    carried = _carried(table)
    payloads = [] if carried is None else [band_counts(carried[0], bands)]
    return pa.table({_PAYLOAD: pa.array(payloads, pa.binary())}, schema=stats_schema())


def with_band_counts(merged: Merged, payloads: Sequence[bytes]) -> Merged:
    """The merge completed with the band pass's counts: the exact cut-offs."""
    from custrel.report.partition import tier_cutoffs_in_bands

    if merged.bands is None:
        return merged
    counts = [pickle.loads(p) for p in payloads]  # noqa: S301 - the engine's own output
    cutoffs = tier_cutoffs_in_bands(merged.bands, counts, merged.revenue_values)
    return attrs.evolve(merged, cutoffs=cutoffs)


def fit_statistic(model: Any, statistic: SufficientStatistic) -> object:  # noqa: ANN401
    """Fit a model class of `custrel.clv` on the whole base's (frequency, recency, T) counts.

    Raises:
        InputDataError: no customer has any time observed.
    """
    if not len(statistic):
        from custrel.errors import InputDataError

        raise InputDataError("a model needs at least one customer seen before the day judged")
    fitted: object = model.fit(
        statistic.frequency, statistic.recency, statistic.T, weights=statistic.count
    )
    return fitted


def raise_first_reject(first: dict[str, Any]) -> None:
    """Strict mode: stop at the bad row of the smallest identity, naming it.

    Raises:
        InputDataError: always, naming the row, column, value and rule.
    """
    from custrel.errors import InputDataError

    raise InputDataError(
        first["rule"], row=first["row"], column=first["column"], value=first["value"]
    )


def _finished(table: pa.Table, settings: Settings, finishing: Finishing) -> tuple[Any, pa.Table]:
    """The partition analysed, scored by the whole base's model and finished; its rejects."""
    part, rejects = _analyze(table, settings)
    return _finish_part(part, settings, finishing), rejects


def _finish_part(part: Part, settings: Settings, finishing: Finishing) -> Any:  # noqa: ANN401
    """An analysed partition scored by the whole base's model and finished (`Finished`)."""
    import attrs as attrs_

    from custrel.report.partition import finish_partition

    fit = finishing.fit
    numbers = part.numbers
    if fit is not None and len(numbers["revenue"]):
        from custrel.report._models import predict_columns

        predicted = predict_columns(
            fit,
            numbers["frequency"],
            numbers["recency"],
            numbers["T"],
            numbers["monetary_value"],
            settings.policy,
        )
        part = attrs_.evolve(part, numbers={**numbers, **predicted})
    return finish_partition(part, finishing.cutoffs, worth_a_call=settings.policy.worth_a_call)


def partition_output(table: pa.Table, settings: Settings, finishing: Finishing) -> pa.Table:
    """The partition finished — customers, rejects and overview part in one wide table."""
    import pyarrow as pa

    finished, rejects = _finished(table, settings, finishing)
    schema = output_schema()
    customers: pa.Table = finished.customers.to_arrow()
    customers = customers.cast(customer_schema())
    n, r = customers.num_rows, rejects.num_rows
    columns: dict[str, pa.Array] = {}
    for field in customer_schema():
        columns[field.name] = pa.concat_arrays(
            [customers.column(field.name).combine_chunks(), pa.nulls(r + 1, field.type)]
        )
    for field in reject_schema():
        columns[f"__reject_{field.name}"] = pa.concat_arrays(
            [
                pa.nulls(n, field.type),
                rejects.column(field.name).combine_chunks().cast(field.type),
                pa.nulls(1, field.type),
            ]
        )
    columns[_PAYLOAD] = pa.concat_arrays(
        [pa.nulls(n + r, pa.binary()), pa.array([finished.overview.to_bytes()], pa.binary())]
    )
    columns[KIND] = pa.array([CUSTOMER] * n + [REJECT] * r + [OVERVIEW], pa.int8())
    return pa.table(columns, schema=schema)


def merge_output_overviews(
    payloads: Sequence[bytes], settings: Settings, finishing: Finishing
) -> Overview:
    """The merged overview from pass 2's overview parts."""
    from custrel.report.partition import OverviewPart, merge_overviews

    parts = [OverviewPart.from_bytes(p) for p in payloads]
    policy = settings.policy
    # As on one machine: a base with customers says which model it fitted, or why none.
    model = _model_summary(settings, finishing) if any(p.customers for p in parts) else None
    return merge_overviews(
        parts, policy=policy, as_of=settings.as_of, currency=settings.currency, model=model
    )


def _model_summary(settings: Settings, finishing: Finishing) -> ModelSummary:
    from custrel.report import ModelNote, ModelSummary

    if finishing.fit is not None:
        return finishing.fit.summary
    policy = settings.policy
    return ModelSummary(policy.model, ModelNote.NOT_ASKED, horizon_days=policy.model_horizon_days)


def payload_column() -> str:
    """The name of the bytes column of both passes."""
    return _PAYLOAD


def reject_renames() -> dict[str, str]:
    """The wide output's reject columns by their names in the rejects table."""
    return {f"__reject_{name}": name for name in REJECT_COLUMNS}


def customer_table(table: pa.Table) -> Any:  # noqa: ANN401 - a custrel.report.CustomerTable
    """A `custrel.report.CustomerTable` from an engine's customer rows (any order).

    The rows are sorted by id; a column that is null throughout is a fact the log did
    not give (absent, as in the one-machine table); reasons and risks come back split
    at their ``"; "`` joins.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from custrel.report import CustomerTable
    from custrel.report.schema import CUSTOMER_COLUMNS, Kind

    table = table.take(pc.sort_indices(table, [("customer_id", "ascending")]))
    numbers: dict[str, Any] = {}
    labels: dict[str, Any] = {}
    texts: dict[str, Any] = {}
    for column in CUSTOMER_COLUMNS:
        values = table.column(column.name).combine_chunks()
        if column.kind is Kind.TEXT or (values.null_count == len(values) and len(values)):
            continue
        if column.kind is Kind.LABEL:
            members = tuple(column.label_enum or ())
            index = {m.value: i for i, m in enumerate(members)}
            codes = [index.get(v, -1) if v is not None else -1 for v in values.to_pylist()]
            labels[column.key] = (members, np.array(codes, dtype=np.int8))
        elif column.kind is Kind.TEXTS:
            distinct = sorted(set(values.to_pylist()), key=lambda v: (v is None, v or ""))
            where = {v: i for i, v in enumerate(distinct)}
            codes64 = np.array([where[v] for v in values.to_pylist()], dtype=np.int64)
            texts[column.key] = (
                codes64,
                tuple(tuple(v.split("; ")) if v else () for v in distinct),
            )
        elif column.kind is Kind.DATE:
            numbers[column.key] = values.cast(pa.int32()).to_numpy().astype(np.int64)
        elif column.kind is Kind.FLAG:
            numbers[column.key] = values.to_numpy(zero_copy_only=False).astype(bool)
        else:
            numbers[column.key] = values.to_numpy(zero_copy_only=False)
    return CustomerTable(table.column("customer_id").combine_chunks(), numbers, labels, texts)


def run_report(
    engine: str,
    path: Any,  # noqa: ANN401 - a pathlib.Path
    *,
    as_of: dt.date | None,
    policy: ReportPolicy,
    columns: ColumnMap,
    date_format: str | None,
    on_error: str,
    currency: str,
    returns: str = "reject",
) -> Any:  # noqa: ANN401 - a custrel.report.Report
    """``custrel report --engine spark|dask``: the report of a local file or directory of parts.

    Parquet is read as typed; CSV with every column as text (so ids such as ``007``
    stay as written, and the engine's checks read the cells). Spark runs in the
    session configured for this process, else a local one; Dask on the current
    distributed client, else its local threads. The customers come back to this
    process for the report's output; the rejects' ``row`` is the engine's row identity.

    Raises:
        InvalidValue: no ``as_of``, or an unknown engine.
    """
    from pathlib import Path

    from custrel.errors import InvalidValue
    from custrel.report import InputCounts, Report

    if as_of is None:
        raise InvalidValue("--as-of", None, "a date: an engine run does not infer it")
    where = Path(path)
    files = sorted(where.rglob("*")) if where.is_dir() else [where]
    parquet = any(f.suffix == ".parquet" for f in files)
    options = {
        "as_of": as_of,
        "policy": policy,
        "columns": columns,
        "date_format": date_format,
        "on_error": on_error,
        "currency": currency,
        "returns": returns,
    }
    if engine == "spark":
        result: Any = _spark_run(where, parquet=parquet, options=options)
        customers = result.customers.toArrow()
        rejects = result.rejects.toArrow()
        result.unpersist()
    elif engine == "dask":
        result = _dask_run(where, parquet=parquet, options=options)
        import pyarrow as pa

        customers = pa.Table.from_pandas(result.customers.compute(), preserve_index=False)
        rejects = pa.Table.from_pandas(result.rejects.compute(), preserve_index=False)
    else:
        raise InvalidValue("--engine", engine, "local, spark or dask")
    counts = InputCounts(*(getattr(result.counts, f.name) for f in attrs.fields(InputCounts)))
    return Report(
        as_of, policy, counts, customer_table(customers), result.overview, rejects.sort_by("row")
    )


def _spark_run(where: Any, *, parquet: bool, options: dict[str, Any]) -> Any:  # noqa: ANN401
    import os
    import sys

    from pyspark.sql import SparkSession

    import custrel.spark

    # Workers run this interpreter (which has custrel) unless the session says otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = SparkSession.builder.appName("custrel").getOrCreate()
    reader = session.read
    frame = reader.parquet(str(where)) if parquet else reader.csv(str(where), header=True)
    return custrel.spark.analyze(frame, **options)


def _dask_run(where: Any, *, parquet: bool, options: dict[str, Any]) -> Any:  # noqa: ANN401
    import dask.dataframe as dd

    import custrel.dask

    if parquet:
        files = sorted(where.rglob("*.parquet")) if where.is_dir() else [where]
        frame = dd.from_map(_parquet_frame, [str(f) for f in files])  # type: ignore[no-untyped-call]
    else:
        pattern = str(where / "*.csv*") if where.is_dir() else str(where)
        frame = dd.read_csv(pattern, dtype=str, keep_default_na=False, blocksize=None)
    return custrel.dask.analyze(frame, **options)


def _parquet_frame(path: str) -> Any:  # noqa: ANN401 - a pandas DataFrame
    """One Parquet file as a pandas DataFrame of Arrow-backed columns (types kept)."""
    import pandas as pd
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas(types_mapper=pd.ArrowDtype)
