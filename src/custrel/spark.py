"""The report on Spark: the same rows as `custrel.analyze`, where the data already is.

Needs the ``spark`` extra (``pip install 'custrel[spark]'``: PySpark 4 and pandas).
The log is repartitioned by customer id, so each partition holds whole customers,
and persisted; ``mapInArrow`` runs the engine-neutral core
(`custrel.report.partition`) on each partition — many customers per call:

1. each partition's value counts, row counts, first reject and (when a model is
   asked for) the model's sufficient statistic go to the driver, which works out
   the whole base's exact tier cut-offs and revenue percentiles, fits the model
   (and, in strict mode, stops at the bad row of the smallest identity);
2. each partition is finished against those cut-offs and that model, and its
   overview part goes to the driver, which merges them into the overview;
3. the customers and the rejects are the partitions finished once more, when the
   caller reads them (a lazy Spark DataFrame over the persisted log).

The customer table has the columns of `custrel.report.schema.CUSTOMER_COLUMNS`
(labels as strings). Call ``unpersist()`` on the result when done with it.

Example (``df`` a Spark DataFrame of the log):

```python
import custrel.spark

result = custrel.spark.analyze(df, as_of=dt.date(2024, 12, 31), on_error="skip")
result.customers.write.parquet("customers")
result.rejects.write.csv("rejects")
print(result.overview.by_stage)
result.unpersist()
```
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from custrel import _scale

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from custrel.report import ColumnMap, InputCounts, OnError, Overview, ReportPolicy
    from custrel.report.partition import TierBands

__all__ = ["SparkReport", "analyze", "spark_schema"]


@attrs.frozen(eq=False)
class SparkReport:
    """The result of `analyze`.

    Attributes:
        as_of: the day judged.
        counts: rows read / accepted / rejected.
        customers: one row per customer (a lazy Spark DataFrame).
        overview: the whole base at a glance.
        rejects: the rejected rows (row identity, column, value, rule), a Spark DataFrame.
        model: the fitted model when one was asked for, else ``None``.
    """

    as_of: dt.date
    counts: InputCounts
    customers: DataFrame
    overview: Overview
    rejects: DataFrame
    model: object = None
    _output: Any = None

    def unpersist(self) -> None:
        """Free the cluster memory the result holds (the persisted log its tables read)."""
        if self._output is not None:
            self._output.unpersist()


def spark_schema() -> Any:  # noqa: ANN401 - a pyspark StructType
    """The customer table's Spark schema, from `custrel.report.schema.CUSTOMER_COLUMNS`."""
    from pyspark.sql import types as T  # noqa: N812 - the usual name

    from custrel.report.schema import CUSTOMER_COLUMNS, Kind

    kinds = {
        Kind.TEXT: T.StringType(),
        Kind.DATE: T.DateType(),
        Kind.COUNT: T.LongType(),
        Kind.MONEY: T.DoubleType(),
        Kind.NUMBER: T.DoubleType(),
        Kind.FLAG: T.BooleanType(),
        Kind.LABEL: T.StringType(),
        Kind.TEXTS: T.StringType(),
    }
    return T.StructType([T.StructField(c.name, kinds[c.kind], True) for c in CUSTOMER_COLUMNS])


def _reject_schema() -> Any:  # noqa: ANN401 - a pyspark StructType
    from pyspark.sql import types as T  # noqa: N812 - the usual name

    return T.StructType(
        [
            T.StructField("row", T.LongType(), True),
            T.StructField("column", T.StringType(), True),
            T.StructField("value", T.StringType(), True),
            T.StructField("rule", T.StringType(), True),
        ]
    )


def _table(batches: Iterator[pa.RecordBatch]) -> pa.Table | None:
    import pyarrow as pa

    items = list(batches)
    return pa.Table.from_batches(items) if items else None


def _carry(
    batches: Iterator[pa.RecordBatch], settings: _scale.Settings
) -> Iterator[pa.RecordBatch]:
    table = _table(batches)
    if table is not None:
        yield from _scale.partition_carry(table, settings).to_batches()


def _overview(
    batches: Iterator[pa.RecordBatch], settings: _scale.Settings, finishing: _scale.Finishing
) -> Iterator[pa.RecordBatch]:
    table = _table(batches)
    if table is not None:
        yield from _scale.carried_overview(table, settings, finishing).to_batches()


def _customers(
    batches: Iterator[pa.RecordBatch], settings: _scale.Settings, finishing: _scale.Finishing
) -> Iterator[pa.RecordBatch]:
    table = _table(batches)
    if table is not None:
        yield from _scale.carried_customers(table, settings, finishing).to_batches()


def _band_counts(batches: Iterator[pa.RecordBatch], bands: TierBands) -> Iterator[pa.RecordBatch]:
    table = _table(batches)
    if table is not None:
        yield from _scale.carried_band_counts(table, bands).to_batches()


def _rejects(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    table = _table(batches)
    if table is not None:
        yield from _scale.carried_rejects(table).to_batches()


def _partitions(df: DataFrame) -> int:
    """The customer shuffle's default partitions: the input's, at least one per core.

    Each pass over a partition costs a Python task's fixed overhead, so partitions of
    about the input's split size (``spark.sql.files.maxPartitionBytes``) keep that
    overhead small next to the work; the session's ``spark.sql.shuffle.partitions``
    is meant for shuffles the adaptive executor may still coalesce, which a kept
    (persisted) pass never is.
    """
    context = df.sparkSession.sparkContext
    return max(df.rdd.getNumPartitions(), context.defaultParallelism)


def analyze(
    df: DataFrame,
    *,
    as_of: dt.date,
    policy: ReportPolicy | None = None,
    columns: ColumnMap | None = None,
    date_format: str | None = None,
    on_error: OnError | str = "raise",
    currency: str = "XXX",
    row_id: str | None = None,
    partitions: int | None = None,
    fit: Any = None,  # noqa: ANN401 - a custrel.clv model class
    returns: str = "reject",
    cutoffs: str = "auto",
) -> SparkReport:
    """Run the full report on a Spark DataFrame; the same rows as `custrel.analyze`.

    Args:
        df: the transaction log; dates as strings, dates or timestamps (a timestamp
            counts on its own day in the session's time zone).
        as_of: the day judged.
        policy: the report policy.
        columns: the column mapping (as the CLI's ``--column``).
        date_format: a ``strptime`` format for text dates (default: ISO).
        on_error: ``raise`` (strict: stop at the bad row of the smallest identity)
            or ``skip`` (lenient: the rejects as a DataFrame).
        currency: ISO 4217 code of the amounts.
        row_id: a column identifying each row, reported with a rejected row (default:
            ``monotonically_increasing_id()`` of the DataFrame as given).
        partitions: partitions of the customer shuffle (default: as many as the
            input has, and at least the cluster's default parallelism).
        returns: ``reject`` (default) or ``net``: what a line of negative amount
            is, as in `custrel.analyze` (whole customers per partition, so netting
            gives the one-machine result).
        fit: a model class of `custrel.clv` (e.g. ``BetaGeo``): fitted on the
            driver from the (frequency, recency, T) counts aggregated on the cluster
            (customers seen before the day judged; the report's own model is
            ``policy.model``).
        cutoffs: how the exact tier cut-offs are found: ``collect`` (each
            partition's value counts to the driver), ``band`` (a sketch of each
            partition, then one more light pass counting the values inside a narrow
            band around each cut-off: driver memory bounded whatever the base) or
            ``auto`` (``band`` when a partition has more than
            ``custrel._scale.BAND_ABOVE`` distinct values). Both give the same tiers.

    Raises:
        InputDataError: in strict mode, the first bad row (by identity), named.
        InvalidValue: a setting breaks its rule.
    """
    from pyspark.sql import functions as F  # noqa: N812 - the usual name
    from pyspark.sql import types as T  # noqa: N812 - the usual name

    from custrel.report import InputCounts, OnError

    settings, mode = _scale.settings_for(
        as_of, policy, columns, date_format, currency, on_error, returns
    )
    columns = settings.columns
    wanted = [n for n in columns.names() if n in df.columns]
    date_type = df.schema[columns.date].dataType if columns.date in df.columns else None
    selected = [
        F.to_date(F.col(n)).alias(n)
        if n == columns.date and isinstance(date_type, T.TimestampType | T.TimestampNTZType)
        else F.col(n)
        for n in wanted
    ]
    identity = F.col(row_id).cast("long") if row_id else F.monotonically_increasing_id()
    source = df.select(*selected, identity.alias(_scale.ROW))
    shuffled = source.repartition(partitions or _partitions(df), columns.customer_id)
    from pyspark import StorageLevel

    # Pass 1 analyses each partition once and keeps the analysis (a few rows of bytes
    # per partition): the later passes finish it without moving the log into Python
    # again, which costs more than any of the report's own work.
    settings = attrs.evolve(settings, statistic=fit is not None, cutoffs=cutoffs)
    payload, kind = _scale.payload_column(), F.col(_scale.KIND)
    carried = shuffled.mapInArrow(
        functools.partial(_carry, settings=settings), f"{_scale.KIND} tinyint, {payload} binary"
    ).persist(StorageLevel.MEMORY_AND_DISK)
    stats = carried.where(kind == _scale.STATS).select(payload).collect()
    merged = _scale.merge_stats([bytes(r[0]) for r in stats], settings)
    if mode is OnError.RAISE and merged.first_reject is not None:
        carried.unpersist()
        _scale.raise_first_reject(merged.first_reject)
    analysed = carried.where(kind == _scale.PART)
    if merged.bands is not None:
        counted = analysed.mapInArrow(
            functools.partial(_band_counts, bands=merged.bands), f"{payload} binary"
        ).collect()
        merged = _scale.with_band_counts(merged, [bytes(r[0]) for r in counted])
    finishing = merged.finishing
    parts = analysed.mapInArrow(
        functools.partial(_overview, settings=settings, finishing=finishing), f"{payload} binary"
    ).collect()
    overview = _scale.merge_output_overviews([bytes(r[0]) for r in parts], settings, finishing)
    # The customers and rejects are finished from the kept analysis when read.
    customers = analysed.mapInArrow(
        functools.partial(_customers, settings=settings, finishing=finishing), spark_schema()
    )
    rejects = analysed.mapInArrow(_rejects, _reject_schema())
    counts = InputCounts(merged.rows_read, merged.rows_accepted, merged.rows_rejected)
    model = None
    if fit is not None and merged.statistic is not None:
        model = _scale.fit_statistic(fit, merged.statistic)
    return SparkReport(settings.as_of, counts, customers, overview, rejects, model, carried)
