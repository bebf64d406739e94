"""Customer-id coding in the report engine: every path gives the same customers.

Ids become dense int codes before anything is summed. Fixed-width ids whose keys span
few values take a lookup table (codes in id order), other fixed-width ids are hashed
as integers, the rest as strings; large inputs split the work over two threads.
Whatever the path, each row's code must name its own id, and the codes must be dense.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from custrel.report import _ingest

# Ids of one width drawn from a small alphabet (the lookup-table path) or from all bytes
# that make valid text (often too sparse: the hashed path).
_NARROW = st.sampled_from("0123456789")
_WIDE = st.characters(min_codepoint=1, max_codepoint=127)


@st.composite
def fixed_width_ids(draw: st.DrawFn) -> list[str]:
    width = draw(st.integers(1, 8))
    alphabet = draw(st.sampled_from([_NARROW, _WIDE]))
    prefix = draw(st.text(_WIDE, min_size=0, max_size=width - 1))
    pool = draw(
        st.lists(
            st.text(alphabet, min_size=width - len(prefix), max_size=width - len(prefix)),
            min_size=1,
            max_size=12,
        )
    )
    return draw(st.lists(st.sampled_from([prefix + p for p in pool]), min_size=1, max_size=80))


def _chunked(ids: list[str], chunks: int) -> pa.ChunkedArray:
    size = max(1, len(ids) // chunks)
    return pa.chunked_array(
        [pa.array(ids[i : i + size], pa.string()) for i in range(0, len(ids), size)]
    )


def _check(ids: list[str], dictionary: pa.Array, code: object, sorted_ids: bool) -> None:
    names = dictionary.to_pylist()
    assert [names[c] for c in code.tolist()] == ids  # type: ignore[attr-defined]
    assert len(set(names)) == len(names) == len(set(ids))
    if sorted_ids:
        assert names == sorted(names, key=lambda s: s.encode())


@contextmanager
def _threaded_from(rows: int) -> Iterator[None]:
    saved = _ingest._THREADED_ROWS
    _ingest._THREADED_ROWS = rows
    try:
        yield
    finally:
        _ingest._THREADED_ROWS = saved


@given(fixed_width_ids(), st.sampled_from([1, 3]), st.booleans())
def test_every_coding_path_names_each_rows_own_id(ids, chunks, threaded):
    with _threaded_from(2 if threaded else 10**9):
        dictionary, code, missing, sorted_ids = _ingest._factorize(_chunked(ids, chunks))
    assert missing is None
    _check(ids, dictionary, code, sorted_ids)


@given(fixed_width_ids())
def test_the_lookup_table_and_the_hash_table_agree(ids):
    dictionary, code, _, _ = _ingest._factorize(_chunked(ids, 2))
    saved = _ingest._DENSE_MIN_KEYS, _ingest._DENSE_KEYS_PER_ROW
    try:
        _ingest._DENSE_MIN_KEYS, _ingest._DENSE_KEYS_PER_ROW = 0, 0  # never the table
        hashed, hashed_code, _, hashed_sorted = _ingest._factorize(_chunked(ids, 2))
    finally:
        _ingest._DENSE_MIN_KEYS, _ingest._DENSE_KEYS_PER_ROW = saved
    assert not hashed_sorted
    names, hashed_names = dictionary.to_pylist(), hashed.to_pylist()
    assert [names[c] for c in code.tolist()] == [hashed_names[c] for c in hashed_code.tolist()]


@given(
    st.integers(1, 8).flatmap(
        lambda w: st.lists(st.binary(min_size=w, max_size=w), min_size=1, max_size=40)
    )
)
def test_dense_keys_sort_as_the_ids_and_invert(raw):
    import numpy as np

    packed = np.frombuffer(b"".join(r.ljust(8, b"\0") for r in raw), dtype=np.uint64)
    layout = _ingest._DenseKeys(*_ingest._byte_range([packed]))
    keys = layout.keys(packed, np.empty_like(packed), np.empty_like(packed))
    assert all(0 <= k < layout.size for k in keys.tolist())
    # One-to-one and order-preserving: keys compare as the byte strings do.
    pairs = sorted(zip(raw, keys.tolist(), strict=True))
    assert [k for _, k in pairs] == sorted(k for _, k in pairs)
    assert len(set(keys.tolist())) == len(set(raw))
    assert layout.packed(keys.astype(np.int64)).tolist() == packed.tolist()


def test_fixed_width_codes_span_a_small_table_and_come_sorted():
    ids = ["C0000420", "C0000007", "C0000420", "C0009999"]  # 4 digits: 10**4 keys
    dictionary, code, _, sorted_ids = _ingest._factorize(_chunked(ids, 1))
    assert sorted_ids
    assert dictionary.to_pylist() == ["C0000007", "C0000420", "C0009999"]
    assert code.tolist() == [1, 0, 1, 2]


def test_sparse_fixed_width_ids_are_hashed_in_order_of_appearance():
    ids = ["zz~~~~~~", "!!!!!!!!", "zz~~~~~~"]  # bytes 0x21..0x7e in every position
    dictionary, code, _, sorted_ids = _ingest._factorize(_chunked(ids, 1))
    assert not sorted_ids
    assert dictionary.to_pylist() == ["zz~~~~~~", "!!!!!!!!"]
    assert code.tolist() == [0, 1, 0]
