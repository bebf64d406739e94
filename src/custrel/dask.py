"""The report on Dask: the same rows as `custrel.analyze`, on a Dask DataFrame.

Needs the ``dask`` extra (``pip install 'custrel[dask]'``: ``dask[dataframe]`` and
``distributed``). The log is shuffled on the customer id, so each partition holds
whole customers; ``map_partitions`` runs the engine-neutral core
(`custrel.report.partition`) on each partition in two passes: value counts (and
the model's statistic) to the client for the whole base's exact cut-offs and
model, then each partition finished into its customers, rejects and overview part,
kept in the cluster's memory (Dask keeps pandas frames as they are, so one wide
pass is cheaper here than finishing again per table, as `custrel.spark` does).
The result's ``customers`` and ``rejects`` are lazy Dask DataFrames over that
persisted pass, with Arrow-backed pandas columns of the types of
`custrel.report.schema.CUSTOMER_COLUMNS` (labels as strings).

Example (``ddf`` a Dask DataFrame of the log):

```python
import custrel.dask

result = custrel.dask.analyze(ddf, as_of=dt.date(2024, 12, 31))
result.customers.to_parquet("customers")
print(result.overview.by_stage)
```
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

import attrs

from custrel import _scale

if TYPE_CHECKING:
    import pandas as pd

    from custrel.report import ColumnMap, InputCounts, OnError, Overview, ReportPolicy

__all__ = ["DaskReport", "analyze"]

#: Bits of a row's position within its input partition in the default row identity.
_POSITION_BITS = 40


@attrs.frozen(eq=False)
class DaskReport:
    """The result of `analyze`.

    Attributes:
        as_of: the day judged.
        counts: rows read / accepted / rejected.
        customers: one row per customer (a lazy Dask DataFrame).
        overview: the whole base at a glance.
        rejects: the rejected rows (row identity, column, value, rule), a lazy Dask DataFrame.
        model: the fitted model when one was asked for, else ``None``.
    """

    as_of: dt.date
    counts: InputCounts
    customers: Any
    overview: Overview
    rejects: Any
    model: object = None


def _frame(table: Any) -> pd.DataFrame:  # noqa: ANN401 - a pyarrow Table
    import pandas as pd

    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame


def _table(frame: pd.DataFrame) -> Any:  # noqa: ANN401 - a pyarrow Table
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def _with_rows(
    frame: pd.DataFrame, row_id: str | None, partition_info: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The frame with each row's identity: ``row_id``'s value, or partition and position."""
    import numpy as np

    out: pd.DataFrame = frame.copy()
    if row_id is not None:
        out[_scale.ROW] = frame[row_id].astype("int64")
    else:
        number = (partition_info or {}).get("number", 0)
        out[_scale.ROW] = (number << _POSITION_BITS) + np.arange(len(frame), dtype=np.int64)
    return out


def _stats(frame: pd.DataFrame, settings: _scale.Settings) -> pd.DataFrame:
    return _frame(_scale.partition_stats(_table(frame), settings))


def _finish(
    frame: pd.DataFrame, settings: _scale.Settings, finishing: _scale.Finishing
) -> pd.DataFrame:
    return _frame(_scale.partition_output(_table(frame), settings, finishing))


def _band_counts(frame: pd.DataFrame, settings: _scale.Settings, bands: Any) -> pd.DataFrame:  # noqa: ANN401
    return _frame(_scale.partition_band_counts(_table(frame), settings, bands))


def analyze(
    ddf: Any,  # noqa: ANN401 - a dask DataFrame
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
) -> DaskReport:
    """Run the full report on a Dask DataFrame; the same rows as `custrel.analyze`.

    Args:
        ddf: the transaction log; dates as strings, dates or timestamps.
        as_of: the day judged.
        policy: the report policy.
        columns: the column mapping (as the CLI's ``--column``).
        date_format: a ``strptime`` format for text dates (default: ISO).
        on_error: ``raise`` (strict: stop at the bad row of the smallest identity)
            or ``skip`` (lenient: the rejects as a Dask DataFrame).
        currency: ISO 4217 code of the amounts.
        row_id: an integer column identifying each row, reported with a rejected row
            (default: the input partition's number times 2**40 plus the row's position).
        partitions: partitions of the customer shuffle (default: the input's).
        returns: ``reject`` (default) or ``net``: what a line of negative amount
            is, as in `custrel.analyze` (whole customers per partition, so netting
            gives the one-machine result).
        fit: a model class of `custrel.clv` (e.g. ``BetaGeo``): fitted on the
            client from the (frequency, recency, T) counts aggregated on the cluster
            (customers seen before the day judged; the report's own model is
            ``policy.model``).
        cutoffs: how the exact tier cut-offs are found: ``collect``, ``band`` or
            ``auto``, as in `custrel.spark.analyze`.

    Raises:
        InputDataError: in strict mode, the first bad row (by identity), named.
        InvalidValue: a setting breaks its rule.
    """
    import pandas as pd

    from custrel.report import InputCounts, OnError

    settings, mode = _scale.settings_for(
        as_of, policy, columns, date_format, currency, on_error, returns
    )
    columns = settings.columns
    wanted = [n for n in columns.names() if n in ddf.columns]
    keep = [*wanted, _scale.ROW]
    meta = ddf._meta.assign(**{_scale.ROW: pd.Series(dtype="int64")})
    source = ddf.map_partitions(_with_rows, row_id, meta=meta)[keep]
    shuffled = source.shuffle(on=columns.customer_id, npartitions=partitions or ddf.npartitions)
    settings = attrs.evolve(settings, statistic=fit is not None, cutoffs=cutoffs)
    payload = _scale.payload_column()
    stats_meta = _frame(_scale.stats_schema().empty_table())
    stats = shuffled.map_partitions(
        functools.partial(_stats, settings=settings), meta=stats_meta
    ).compute()
    merged = _scale.merge_stats([bytes(p) for p in stats[payload].tolist()], settings)
    if mode is OnError.RAISE and merged.first_reject is not None:
        _scale.raise_first_reject(merged.first_reject)
    if merged.bands is not None:
        counted = shuffled.map_partitions(
            functools.partial(_band_counts, settings=settings, bands=merged.bands),
            meta=stats_meta,
        ).compute()
        merged = _scale.with_band_counts(merged, [bytes(p) for p in counted[payload].tolist()])
    out_meta = _frame(_scale.output_schema().empty_table())
    output = shuffled.map_partitions(
        functools.partial(_finish, settings=settings, finishing=merged.finishing), meta=out_meta
    ).persist()
    kind = output[_scale.KIND]
    parts = output[kind == _scale.OVERVIEW][payload].compute()
    overview = _scale.merge_output_overviews(
        [bytes(p) for p in parts.tolist()], settings, merged.finishing
    )
    names = [f.name for f in _scale.customer_schema()]
    customers = output[kind == _scale.CUSTOMER][names]
    renames = _scale.reject_renames()
    rejects = output[kind == _scale.REJECT][list(renames)].rename(columns=renames)
    counts = InputCounts(merged.rows_read, merged.rows_accepted, merged.rows_rejected)
    model = None
    if fit is not None and merged.statistic is not None:
        model = _scale.fit_statistic(fit, merged.statistic)
    return DaskReport(settings.as_of, counts, customers, overview, rejects, model)
