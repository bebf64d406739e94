"""Allocator settings: a library call never changes them; the opt-in block restores them."""

from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pytest

from custrel.errors import InputDataError
from custrel.report import Transaction, analyze, summarize
from custrel.report._speed import _hugepage_switch, allocator_settings

AS_OF = dt.date(2024, 3, 31)
LOG = [
    Transaction("a", dt.date(2024, 1, 5), 10.0),
    Transaction("a", dt.date(2024, 2, 5), 12.0),
    Transaction("b", dt.date(2024, 3, 1), 7.5),
]


def hugepage_advice() -> bool:
    switch = _hugepage_switch()
    assert switch is not None, "numpy has no huge-page switch: the engine cannot scope it"
    current = switch(True)
    switch(current)
    return current


def set_hugepage_advice(enabled: bool) -> None:
    switch = _hugepage_switch()
    assert switch is not None
    switch(enabled)


def other_pool() -> pa.MemoryPool:
    """A pool that is not the system one, so a restore can be told from no change."""
    makers = (pa.mimalloc_memory_pool, pa.jemalloc_memory_pool)
    pools = [made for made in map(_made, makers) if made is not None]
    if not pools:
        pytest.skip("this pyarrow build has only the system memory pool")
    return pools[0]


def _made(make):
    try:
        return make()
    except NotImplementedError:
        return None


@pytest.fixture(autouse=True)
def _keep_process_settings():
    advice, pool = hugepage_advice(), pa.default_memory_pool()
    yield
    set_hugepage_advice(advice)
    pa.set_memory_pool(pool)


def settings_now() -> tuple[bool, str]:
    return hugepage_advice(), pa.default_memory_pool().backend_name


def spy_on_settings(engine, seen):
    """Run ``engine`` on the log, recording the settings seen while it runs."""

    def progress(_step, _done, _total):
        seen.append(settings_now())

    if engine is analyze:
        analyze(LOG, as_of=AS_OF, progress=progress)
    else:
        # summarize takes no progress callback: look from inside the reader instead.
        class Spy(list):
            def __iter__(self):
                seen.append(settings_now())
                return super().__iter__()

        summarize(Spy(LOG), as_of=AS_OF)


@pytest.mark.parametrize("advice", [True, False])
@pytest.mark.parametrize("engine", [analyze, summarize])
def test_a_library_run_never_changes_the_allocator_settings(engine, advice):
    set_hugepage_advice(advice)
    pa.set_memory_pool(other_pool())
    before = settings_now()
    seen: list[tuple[bool, str]] = []

    spy_on_settings(engine, seen)

    assert seen
    assert set(seen) == {before}
    assert settings_now() == before


@pytest.mark.parametrize("engine", [analyze, summarize])
def test_within_the_settings_a_run_gives_no_hugepage_advice_and_uses_the_system_pool(engine):
    seen: list[tuple[bool, str]] = []

    with allocator_settings():
        spy_on_settings(engine, seen)

    assert seen
    assert set(seen) == {(False, "system")}


@pytest.mark.parametrize("advice", [True, False])
def test_the_settings_block_restores_the_settings_it_found(advice):
    set_hugepage_advice(advice)
    pa.set_memory_pool(other_pool())
    before = settings_now()

    with allocator_settings():
        analyze(LOG, as_of=AS_OF)

    assert settings_now() == before
    assert before[1] != "system"


def test_a_run_that_fails_inside_the_settings_restores_them_too():
    pa.set_memory_pool(other_pool())
    before = settings_now()

    with pytest.raises(InputDataError), allocator_settings():
        analyze([Transaction("a", dt.date(2024, 4, 5), 1.0)], as_of=AS_OF)  # after as_of

    assert settings_now() == before


def test_concurrent_blocks_restore_only_when_the_last_one_leaves():
    pa.set_memory_pool(other_pool())
    before = settings_now()
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow_progress(step, _done, _total):
        if step == "check":
            inside.set()
            release.wait(timeout=30)

    def slow_run():
        try:
            with allocator_settings():
                analyze(LOG, as_of=AS_OF, progress=slow_progress)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=slow_run)
    thread.start()
    assert inside.wait(timeout=30)

    with allocator_settings():
        analyze(LOG, as_of=AS_OF)  # starts and ends while the slow run is inside
    during = settings_now()
    release.set()
    thread.join(timeout=30)

    assert not errors
    assert during == (False, "system")
    assert settings_now() == before


def test_freed_memory_is_handed_back_only_within_the_settings(monkeypatch):
    import ctypes

    trims: list[int] = []

    class FakeC:
        def malloc_trim(self, pad: int) -> int:
            trims.append(pad)
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda _name: FakeC())
    analyze(LOG, as_of=AS_OF)
    assert trims == []

    with allocator_settings():
        analyze(LOG, as_of=AS_OF)
    for thread in threading.enumerate():
        if thread.name == "custrel-trim":
            thread.join()
    assert trims == [0]
