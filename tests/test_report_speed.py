"""The engine's arrow/numpy conversions by buffers: the same values as pyarrow's own, no pandas."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.report._speed import arrow_array, numpy_view, text_array

FIXED = [
    pa.int8(),
    pa.int16(),
    pa.int32(),
    pa.int64(),
    pa.uint8(),
    pa.uint16(),
    pa.uint32(),
    pa.uint64(),
    pa.float32(),
    pa.float64(),
    pa.bool_(),
]


@st.composite
def sliced_arrays(draw: st.DrawFn) -> pa.Array:
    """An arrow array of any fixed-width type, maybe with nulls, maybe a slice of a longer one."""
    kind = draw(st.sampled_from(FIXED))
    n = draw(st.integers(0, 80))
    raw = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, 100, n)
    values: list[object] = [bool(v % 2) if kind == pa.bool_() else int(v) for v in raw]
    if draw(st.booleans()):
        values = [None if draw(st.booleans()) else v for v in values]
    array = pa.array(values, kind)
    start = draw(st.integers(0, n))
    return array.slice(start, draw(st.integers(0, n - start)))


@given(sliced_arrays())
def test_numpy_view_holds_what_to_numpy_gives(array):
    expected = array.to_numpy(zero_copy_only=False)

    got = numpy_view(array)

    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_a_date_column_is_viewed_as_its_day_numbers():
    days = pa.array([0, 19_000, -5], pa.int32()).cast(pa.date32()).slice(1)

    assert numpy_view(days).tolist() == [19_000, -5]


@given(
    st.sampled_from([np.int8, np.int32, np.int64, np.uint64, np.float64]),
    st.lists(st.integers(0, 120), max_size=50),
    st.integers(1, 3),
)
def test_arrow_array_holds_the_ndarray_values(dtype, values, step):
    data = np.array(values, dtype=dtype)[::step]  # strided too

    array = arrow_array(data)

    assert array.to_pylist() == pa.array(data).to_pylist()
    assert array.type == pa.from_numpy_dtype(data.dtype)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), max_size=40))
def test_arrow_array_of_booleans_with_a_null_mask(cells):
    values = np.array([v for v, _ in cells], dtype=bool)
    mask = np.array([m for _, m in cells], dtype=bool)

    array = arrow_array(values, mask)

    assert array.to_pylist() == [None if m else bool(v) for v, m in cells]


@given(st.lists(st.floats(allow_nan=True, allow_infinity=False), max_size=40))
def test_arrow_array_of_floats_with_nan_as_null(values):
    data = np.array(values, dtype=np.float64)

    array = arrow_array(data, np.isnan(data))

    assert array.equals(pa.array(data, from_pandas=True))


@given(st.lists(st.text(max_size=12), max_size=20))
def test_text_array_holds_the_strings(texts):
    assert text_array(texts).to_pylist() == texts


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="pandas is not installed")
def test_a_report_run_and_its_table_do_not_import_pandas():
    # pyarrow's own conversions import pandas on first use when it is installed (about
    # 0.2 s); the engine's path avoids them.
    code = (
        "import sys\n"
        "from custrel.report import ReportModel, ReportPolicy, analyze\n"
        "from custrel.sample import sample_path\n"
        "report = analyze(sample_path(), policy=ReportPolicy(model=ReportModel.NONE))\n"
        "report.customers.to_arrow()\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )

    subprocess.run([sys.executable, "-c", code], check=True)
