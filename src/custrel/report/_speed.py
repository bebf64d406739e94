"""The report engine's speed machinery, fenced in one place: what each trick buys, and its price.

Nothing here decides a result: every function returns what its plain counterpart
would, only sooner or in less memory. Figures behind each choice are in
``benchmarks/README.md``.

- **Id order in a second thread** (`start_id_order`): sorting the distinct
  customer ids is arrow work outside the GIL, so it runs while numpy summarises.
  Buys the id sort's time on large logs; costs one extra thread for the run.
- **Allocator settings** (`allocator_settings`): two process-wide settings
  cost the engine more than its own work on large logs — numpy's huge-page advice
  (``madvise(MADV_HUGEPAGE)`` for arrays of 4 MiB or more, which may compact memory
  synchronously where the kernel's THP ``defrag`` is ``madvise``), and arrow's
  default mimalloc pool (which returned and re-faulted the CSV reader's memory).
  A library must not change its host program's allocator unasked, so
  `custrel.report.analyze` never switches them; the ``custrel report`` command
  switches them on for its own process, and a caller who wants them wraps its calls
  in `allocator_settings`. Whatever way the block ends, both settings are
  restored.

- **Returning the reader's freed memory** (`release_freed_memory`): the CSV
  reader's threads leave their freed buffers (the text of the number columns among
  them) with glibc's per-thread heaps, which the engine's later large arrays do not
  reuse, so the peak grows by that much. Within `allocator_settings` only, the
  engine hands them back to the system (``malloc_trim``, in a second thread) once
  the table is dropped. Buys about the size of the table's text at the peak; costs
  a few tens of milliseconds of kernel time on large logs. Changes no setting.

- **Arrays between arrow and numpy by their buffers** (`numpy_view`,
  `arrow_array`): pyarrow's own conversions (``to_numpy``, ``pa.array`` of an
  ndarray, ``pa.scalar``) pass through its pandas bridge, which imports pandas on
  first use when it is installed: about 0.2 s of a run, as long as the whole
  report of a small log. Fixed-width columns without nulls need no bridge: a
  view of their data buffer, or an arrow array over the ndarray's memory.
  Anything else goes through pyarrow as before.

Other tricks live with the code they speed up, each said where it happens: the
lookup-table id coding and two-thread hashing at ingest, summing the CSV reader's
chunks in place (``_rows.Pieces``), the int32 sort key, and the derivation and
leaky-bucket counting in blocks of whole customers in two threads.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "IdOrder",
    "allocator_settings",
    "arrow_array",
    "numpy_view",
    "release_freed_memory",
    "start_id_order",
    "text_array",
]

#: Arrow's fixed-width types and the numpy dtype of their data buffer.
_FIXED: dict[pa.DataType, type[np.generic]] = {
    pa.int8(): np.int8,
    pa.int16(): np.int16,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.uint8(): np.uint8,
    pa.uint16(): np.uint16,
    pa.uint32(): np.uint32,
    pa.uint64(): np.uint64,
    pa.float32(): np.float32,
    pa.float64(): np.float64,
    pa.date32(): np.int32,
}
_ARROW_OF = {np.dtype(v): k for k, v in _FIXED.items() if k != pa.date32()}


def numpy_view(array: pa.Array) -> NDArray[np.generic]:
    """The values of an arrow array as numpy (read-only view when it can be one).

    A fixed-width array without nulls is viewed in place (a ``date32`` as its int32
    day numbers); a boolean one is unpacked from its bits; any other goes through
    ``to_numpy``.
    """
    kind = array.type
    if not array.null_count:
        dtype = _FIXED.get(kind)
        if dtype is not None:
            buffer = array.buffers()[1]
            if buffer is None:
                return np.zeros(0, dtype=dtype)
            view: NDArray[np.generic] = np.frombuffer(
                buffer,
                dtype=dtype,
                count=len(array),
                offset=array.offset * np.dtype(dtype).itemsize,
            )
            return view
        if kind == pa.bool_():
            bits = array.buffers()[1]
            if bits is None:
                return np.zeros(0, dtype=bool)
            start = array.offset
            raw = np.frombuffer(bits, dtype=np.uint8, count=(start + len(array) + 7) // 8)
            unpacked: NDArray[np.generic] = np.unpackbits(raw, bitorder="little")[
                start : start + len(array)
            ].view(bool)
            return unpacked
    return cast("NDArray[np.generic]", array.to_numpy(zero_copy_only=False))


def arrow_array(values: NDArray[np.generic], mask: NDArray[np.bool_] | None = None) -> pa.Array:
    """An arrow array over a one-dimensional numeric or boolean ndarray (``mask``: nulls).

    Numbers share the ndarray's memory when it is contiguous; booleans are packed into
    bits. Other arrays (objects, strings, datetimes) go through ``pa.array``.
    """
    kind = pa.bool_() if values.dtype == np.bool_ else _ARROW_OF.get(values.dtype)
    if kind is None or values.ndim != 1:
        return pa.array(values, mask=mask)
    n = len(values)
    if kind == pa.bool_():
        data = pa.py_buffer(np.packbits(values.astype(bool, copy=False), bitorder="little"))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values))
    if mask is None or not mask.any():
        return pa.Array.from_buffers(kind, n, [None, data])
    valid = pa.py_buffer(np.packbits(~mask, bitorder="little"))
    return pa.Array.from_buffers(kind, n, [valid, data], null_count=int(mask.sum()))


class IdOrder:
    """The permutation that sorts the customer ids, worked out in a second thread."""

    def __init__(self, ids: pa.Array) -> None:
        """Start sorting ``ids``."""
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._future: Future[tuple[NDArray[np.int64], pa.Array]] = self._pool.submit(_id_order, ids)
        self._pool.shutdown(wait=False)

    def result(self) -> tuple[NDArray[np.int64], pa.Array]:
        """The permutation and the sorted ids (waits for the thread)."""
        return self._future.result()


def start_id_order(ids: pa.Array, *, already_sorted: bool) -> IdOrder | None:
    """Start sorting the ids in a second thread, unless they come sorted already."""
    return None if already_sorted else IdOrder(ids)


def _id_order(ids: pa.Array) -> tuple[NDArray[np.int64], pa.Array]:
    order = np.asarray(numpy_view(pc.sort_indices(ids)), dtype=np.int64)
    return order, ids.take(arrow_array(order))


def _hugepage_switch() -> Callable[[bool], bool] | None:
    """Numpy's process-wide huge-page advice switch (returns the previous value), if any."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover - depends on the numpy version
            continue
        switch = getattr(module, "_set_madvise_hugepage", None)
        if callable(switch):
            return cast("Callable[[bool], bool]", switch)
    return None  # pragma: no cover - a numpy without the switch: nothing to do


_SETTINGS_LOCK = threading.Lock()
_holders = 0
_restore: list[Callable[[], object]] = []


@contextlib.contextmanager
def allocator_settings() -> Iterator[None]:
    """Within the block, numpy gives no huge-page advice and arrow uses the system allocator.

    Both settings are process-wide: nested and concurrent blocks share one count,
    the first to enter switches, the last to leave restores what was there before.
    Buffers remember their pool, so arrays made inside stay valid outside.
    """
    global _holders  # noqa: PLW0603 - one count for process-wide switches
    with _SETTINGS_LOCK:
        if _holders == 0:
            _restore.clear()
            switch = _hugepage_switch()
            if switch is not None:
                before = switch(False)
                _restore.append(lambda: switch(before))
            pool = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
            _restore.append(lambda: pa.set_memory_pool(pool))
        _holders += 1
    try:
        yield
    finally:
        with _SETTINGS_LOCK:
            _holders -= 1
            if _holders == 0:
                for undo in _restore:
                    undo()
                _restore.clear()


def release_freed_memory() -> None:
    """Within `allocator_settings`, return the C heap's free memory to the system.

    Only glibc has ``malloc_trim``; elsewhere, and outside the block, nothing happens.
    """
    if _holders == 0:
        return
    import ctypes

    # The process's own symbols: the C library it runs on (no search for one).
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        # Kernel work that needs no result: a second thread does it while the engine
        # goes on (ctypes lets go of the GIL; glibc's heaps are thread-safe).
        threading.Thread(target=trim, args=(0,), name="custrel-trim", daemon=True).start()


def text_array(texts: Sequence[str]) -> pa.Array:
    """An arrow string array of a few Python strings (labels, reasons), built from its bytes."""
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])
