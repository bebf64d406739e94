"""What the Spark and Dask engines share: the per-partition work, in Arrow, and the driver's merge.

A partition arrives as an Arrow table of whole customers with one more column,
`ROW`, each row's identity in the caller's data. Two passes run the core of
`custrel.report.partition` on it:

1. `partition_stats` — the partition's value counts (for the whole base's
   cut-offs), its rejects count and its first reject, as one row of bytes.
2. `partition_output` — the partition finished against the whole base's
   cut-offs: its customers, its rejects (each with its row identity) and its
   overview part, as one wide table told apart by `KIND`.

The engines run the analysis once per pass (it is cheap next to the shuffle) and
keep nothing in the driver but the value counts and the overview parts.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import pyarrow as pa

    from custrel.report import ColumnMap, OnError, Overview, ReportPolicy
    from custrel.report.partition import Cutoffs, Part

__all__ = [
    "KIND",
    "ROW",
    "Settings",
    "merge_stats",
    "output_schema",
    "partition_output",
    "partition_stats",
    "raise_first_reject",
]

#: The column holding each input row's identity.
ROW = "__custrel_row"
#: The column telling customer (0), reject (1) and overview (2) rows apart in the output.
KIND = "__custrel_kind"
_PAYLOAD = "__custrel_payload"
CUSTOMER, REJECT, OVERVIEW = 0, 1, 2
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
    """

    as_of: dt.date
    policy: ReportPolicy
    columns: ColumnMap
    date_format: str | None
    currency: str
    returns: str = "reject"

    def __attrs_post_init__(self) -> None:
        """The engines fit no customer-base model: the policy must ask for none.

        Raises:
            InvalidValue: the policy asks for a model.
        """
        from custrel.report import ReportModel

        if self.policy.model is not ReportModel.NONE:
            from custrel.errors import InvalidValue

            raise InvalidValue(
                "model",
                self.policy.model.value,
                "none: the Spark and Dask engines do not fit the customer-base model",
            )


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
            error mode, the currency or the returns mode breaks its rule, the policy
            asks for a model, or the columns map no amount (``amount_col``: the
            engines need one).
    """
    from custrel.errors import InvalidValue
    from custrel.report import (
        NO_AMOUNT,
        ColumnMap,
        ReportModel,
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
        policy or ReportPolicy(model=ReportModel.NONE),  # these engines fit no model
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


def output_schema() -> pa.Schema:
    """The wide output of `partition_output`: customers, rejects and overview parts."""
    import pyarrow as pa

    fields = list(customer_schema())
    fields += [
        pa.field("__reject_row", pa.int64()),
        pa.field("__reject_column", pa.string()),
        pa.field("__reject_value", pa.string()),
        pa.field("__reject_rule", pa.string()),
        pa.field(_PAYLOAD, pa.binary()),
        pa.field(KIND, pa.int8()),
    ]
    return pa.schema(fields)


def stats_schema() -> pa.Schema:
    """The output of `partition_stats`: one row of bytes per partition."""
    import pyarrow as pa

    return pa.schema([pa.field(_PAYLOAD, pa.binary())])


def _analyze(table: pa.Table, settings: Settings) -> tuple[Part, pa.Table]:
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
        returns=settings.returns,
    )
    rejects: pa.Table = part.rejects_table
    if rejects.num_rows:
        import pyarrow.compute as pc

        at = pc.subtract(rejects.column("row"), 1)
        rejects = rejects.set_column(0, "row", rows.take(at).cast(pa.int64()))
    return part, rejects


def partition_stats(table: pa.Table, settings: Settings) -> pa.Table:
    """Pass 1: the partition's value counts, rows read and first reject, as one row of bytes."""
    import pyarrow as pa

    part, rejects = _analyze(table, settings)
    first = None
    if rejects.num_rows:
        first = min(rejects.to_pylist(), key=lambda r: (r["row"], r["column"] or ""))
    stats = (
        part.tier_values(),
        part.revenue_values(),
        (part.counts.rows_read, part.counts.rows_accepted, part.counts.rows_rejected),
        first,
    )
    payload = pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL)
    return pa.table({_PAYLOAD: pa.array([payload], pa.binary())}, schema=stats_schema())


@attrs.frozen(eq=False)
class Merged:
    """The driver's merge of every partition's stats.

    Attributes:
        cutoffs: the whole base's cut-offs.
        rows_read: rows read in all partitions.
        rows_accepted: rows accepted.
        rows_rejected: rows rejected.
        first_reject: the reject of the smallest row identity, if any.
    """

    cutoffs: Cutoffs
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    first_reject: dict[str, Any] | None


def merge_stats(payloads: Sequence[bytes]) -> Merged:
    """Merge pass 1's rows into the whole base's cut-offs and counts."""
    from custrel.report.partition import tier_cutoffs

    stats = [pickle.loads(p) for p in payloads]  # noqa: S301 - the engine's own output
    firsts = [s[3] for s in stats if s[3] is not None]
    first = min(firsts, key=lambda r: (r["row"], r["column"] or "")) if firsts else None
    return Merged(
        tier_cutoffs([s[0] for s in stats], [s[1] for s in stats]),
        sum(s[2][0] for s in stats),
        sum(s[2][1] for s in stats),
        sum(s[2][2] for s in stats),
        first,
    )


def raise_first_reject(first: dict[str, Any]) -> None:
    """Strict mode: stop at the bad row of the smallest identity, naming it.

    Raises:
        InputDataError: always, naming the row, column, value and rule.
    """
    from custrel.errors import InputDataError

    raise InputDataError(
        first["rule"], row=first["row"], column=first["column"], value=first["value"]
    )


def partition_output(table: pa.Table, settings: Settings, cutoffs: Cutoffs) -> pa.Table:
    """Pass 2: the partition finished — customers, rejects and overview part in one table."""
    import pyarrow as pa

    from custrel.report.partition import finish_partition

    part, rejects = _analyze(table, settings)
    finished = finish_partition(part, cutoffs, worth_a_call=settings.policy.worth_a_call)
    schema = output_schema()
    customers: pa.Table = finished.customers.to_arrow()
    customers = customers.cast(customer_schema())
    n, r = customers.num_rows, rejects.num_rows
    columns: dict[str, pa.Array] = {}
    for field in customer_schema():
        columns[field.name] = pa.concat_arrays(
            [customers.column(field.name).combine_chunks(), pa.nulls(r + 1, field.type)]
        )
    for name, source, kind in (
        ("__reject_row", "row", pa.int64()),
        ("__reject_column", "column", pa.string()),
        ("__reject_value", "value", pa.string()),
        ("__reject_rule", "rule", pa.string()),
    ):
        columns[name] = pa.concat_arrays(
            [
                pa.nulls(n, kind),
                rejects.column(source).combine_chunks().cast(kind),
                pa.nulls(1, kind),
            ]
        )
    columns[_PAYLOAD] = pa.concat_arrays(
        [pa.nulls(n + r, pa.binary()), pa.array([finished.overview.to_bytes()], pa.binary())]
    )
    columns[KIND] = pa.array([CUSTOMER] * n + [REJECT] * r + [OVERVIEW], pa.int8())
    return pa.table(columns, schema=schema)


def merge_output_overviews(payloads: Sequence[bytes], settings: Settings) -> Overview:
    """The merged overview from pass 2's overview rows."""
    from custrel.report import ModelNote, ModelSummary
    from custrel.report.partition import OverviewPart, merge_overviews

    parts = [OverviewPart.from_bytes(p) for p in payloads]
    policy = settings.policy
    # As on one machine: a base with customers says that no model was asked for.
    model = (
        ModelSummary(policy.model, ModelNote.NOT_ASKED, horizon_days=policy.model_horizon_days)
        if any(p.customers for p in parts)
        else None
    )
    return merge_overviews(
        parts, policy=policy, as_of=settings.as_of, currency=settings.currency, model=model
    )


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
