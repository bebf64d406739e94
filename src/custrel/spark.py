"""The report on Spark: the same rows as `custrel.analyze`, where the data already is.

Needs the ``spark`` extra (``pip install 'custrel[spark]'``: PySpark 4 and pandas).
The log is repartitioned by customer id, so each partition holds whole customers;
``mapInArrow`` runs the engine-neutral core (`custrel.report.partition`) on each
partition — many customers per call — in two passes:

1. each partition's value counts, row counts and first reject go to the driver,
   which works out the whole base's exact tier cut-offs and revenue percentiles
   (and, in strict mode, stops at the bad row of the smallest identity);
2. each partition is finished against those cut-offs into its customers, its
   rejects and its overview part; the driver merges the overview parts.

The customer table is a Spark DataFrame with the columns of
`custrel.report.schema.CUSTOMER_COLUMNS` (labels as strings), persisted;
call ``unpersist()`` on the result when done with it.

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

__all__ = ["SparkReport", "analyze", "spark_schema"]


@attrs.frozen(eq=False)
class SparkReport:
    """The result of `analyze`.

    Attributes:
        as_of: the day judged.
        counts: rows read / accepted / rejected.
        customers: one row per customer (a Spark DataFrame, persisted).
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
        """Free the cluster memory the result holds."""
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


def _output_schema() -> Any:  # noqa: ANN401 - a pyspark StructType
    from pyspark.sql import types as T  # noqa: N812 - the usual name

    fields = list(spark_schema().fields)
    fields += [
        T.StructField("__reject_row", T.LongType(), True),
        T.StructField("__reject_column", T.StringType(), True),
        T.StructField("__reject_value", T.StringType(), True),
        T.StructField("__reject_rule", T.StringType(), True),
        T.StructField(_scale.payload_column(), T.BinaryType(), True),
        T.StructField(_scale.KIND, T.ByteType(), True),
    ]
    return T.StructType(fields)


def _table(batches: Iterator[pa.RecordBatch]) -> pa.Table | None:
    import pyarrow as pa

    items = list(batches)
    return pa.Table.from_batches(items) if items else None


def _stats(
    batches: Iterator[pa.RecordBatch], settings: _scale.Settings
) -> Iterator[pa.RecordBatch]:
    table = _table(batches)
    if table is not None:
        yield from _scale.partition_stats(table, settings).to_batches()


def _finish(
    batches: Iterator[pa.RecordBatch],
    settings: _scale.Settings,
    cutoffs: Any,  # noqa: ANN401
) -> Iterator[pa.RecordBatch]:
    table = _table(batches)
    if table is not None:
        yield from _scale.partition_output(table, settings, cutoffs).to_batches()


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
        partitions: partitions of the customer shuffle (default: the session's
            ``spark.sql.shuffle.partitions``).
        returns: ``reject`` (default) or ``net``: what a line of negative amount
            is, as in `custrel.analyze` (whole customers per partition, so netting
            gives the one-machine result).
        fit: a model class of `custrel.clv` (e.g. ``BetaGeo``): fitted on the
            driver from the (frequency, recency, T) counts aggregated on the cluster.

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
    shuffled = (
        source.repartition(partitions, columns.customer_id)
        if partitions
        else source.repartition(columns.customer_id)
    )
    from pyspark import StorageLevel

    # Both passes read the shuffled log: kept after the first, not read and shuffled twice.
    shuffled = shuffled.persist(StorageLevel.MEMORY_AND_DISK)
    payload = _scale.payload_column()
    stats = shuffled.mapInArrow(
        functools.partial(_stats, settings=settings), f"{payload} binary"
    ).collect()
    merged = _scale.merge_stats([bytes(r[0]) for r in stats])
    if mode is OnError.RAISE and merged.first_reject is not None:
        shuffled.unpersist()
        _scale.raise_first_reject(merged.first_reject)
    output = shuffled.mapInArrow(
        functools.partial(_finish, settings=settings, cutoffs=merged.cutoffs), _output_schema()
    ).persist(StorageLevel.MEMORY_AND_DISK)
    kind = F.col(_scale.KIND)
    parts = output.where(kind == _scale.OVERVIEW).select(payload).collect()
    overview = _scale.merge_output_overviews([bytes(r[0]) for r in parts], settings)
    shuffled.unpersist()
    customers = output.where(kind == _scale.CUSTOMER).select(*spark_schema().fieldNames())
    rejects = output.where(kind == _scale.REJECT).select(
        *[F.col(k).alias(v) for k, v in _scale.reject_renames().items()]
    )
    counts = InputCounts(merged.rows_read, merged.rows_accepted, merged.rows_rejected)
    model = None
    if fit is not None:
        model = _fit(customers, fit)
    return SparkReport(settings.as_of, counts, customers, overview, rejects, model, output)


def _fit(customers: DataFrame, model: Any) -> object:  # noqa: ANN401 - a custrel.clv model class
    """Fit ``model`` on the driver from the (frequency, recency, T) counts of the cluster."""
    import numpy as np

    rows = customers.groupBy("frequency", "recency", "T").count().collect()
    if not rows:
        from custrel.errors import InputDataError

        raise InputDataError("a model needs at least one customer")
    table = np.array([tuple(r) for r in rows], dtype=np.float64)
    fitted: object = model.fit(table[:, 0], table[:, 1], table[:, 2], weights=table[:, 3])
    return fitted
