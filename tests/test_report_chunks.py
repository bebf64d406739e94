"""The report engine works on its input's chunks in place: chunking never changes results.

Columns arrive in chunks (the CSV reader's blocks, Parquet row groups, a concatenated
table), not necessarily cut at the same rows for every column. The engine cuts them at
the boundaries all columns share, and at least every ``_BLOCK`` rows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from custrel.report import _rows as rows_module
from custrel.report import analyze
from strategies_report import AS_OF, logs


def _table(log, cuts_by_column):
    columns = {
        "customer_id": [t.customer_id for t in log],
        "date": [t.date for t in log],
        "amount": [t.amount for t in log],
        "cost": [t.amount / 2 for t in log],
    }
    types = {"customer_id": pa.string(), "date": pa.date32(), "amount": pa.float64()}
    arrays = {}
    for name, values in columns.items():
        edges = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts_by_column[name])})
        arrays[name] = pa.chunked_array(
            [
                pa.array(values[a:b], types.get(name, pa.float64()))
                for a, b in itertools.pairwise(edges)
            ],
            type=types.get(name, pa.float64()),
        )
    return pa.table(arrays)


def _rows(report):
    return [
        (c.customer_id, c.purchases, c.revenue, c.monetary_value, c.profit, c.stage, c.tier)
        for c in report.customers
    ]


@given(
    logs,
    st.fixed_dictionaries(
        {
            name: st.lists(st.integers(0, 60), max_size=4)
            for name in ("customer_id", "date", "amount", "cost")
        }
    ),
    st.sampled_from([1, 2, 5, 1 << 18]),
)
def test_chunking_and_block_size_never_change_the_report(log, cuts, block):
    whole = analyze(_table(log, {name: [] for name in cuts}), as_of=AS_OF)
    saved = rows_module._BLOCK
    try:
        rows_module._BLOCK = block
        chunked = analyze(_table(log, cuts), as_of=AS_OF)
    finally:
        rows_module._BLOCK = saved
    assert chunked.counts == whole.counts
    assert _rows(chunked) == _rows(whole)


def test_pieces_cut_every_column_at_the_shared_boundaries():
    day = [np.array([1, 2, 3], np.int32), np.array([4, 5], np.int32)]
    amount = [np.array([1.0]), np.array([2.0, 3.0, 4.0, 5.0])]
    pieces = rows_module.Pieces.of_chunks(day, amount)
    assert pieces.bounds == [(0, 1), (1, 3), (3, 5)]
    assert [p.tolist() for p in pieces.day] == [[1], [2, 3], [4, 5]]
    assert [p.tolist() for p in pieces.amount] == [[1.0], [2.0, 3.0], [4.0, 5.0]]
    assert pieces.rows == 5
    assert pieces.day_range() == (1, 5)
    # Views, not copies: the engine never concatenates the input's columns.
    owners = [day[0], day[0], day[1]]
    assert all(np.shares_memory(p, c) for p, c in zip(pieces.day, owners, strict=True))
