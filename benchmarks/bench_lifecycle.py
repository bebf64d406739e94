"""Benchmark: the lifecycle machine against `transitions` and `python-statemachine`.

The same 7-stage lifecycle (built from custrel's own table) runs in all three, in one
process, interleaved round by round so that machine noise hits each alike. Every
library records a history of applied events (custrel does so by design; the others
get an after-transition callback appending to a list), so "legal event" means the
same work everywhere.

Prints ns per legal event, ns per illegal (refused) event, and bytes per instance,
with ratios against custrel. Run: ``python benchmarks/bench_lifecycle.py``
(baselines: ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone

from custrel.errors import IllegalTransition
from custrel.lifecycle import (
    TRANSITIONS,
    Defected,
    EventKind,
    Lifecycle,
    LoyaltyEstablished,
    Purchased,
    Stage,
    WonBack,
)

ROUNDS = 7
EVENTS = 30_000  # legal events per round
ILLEGAL = 30_000
INSTANCES = 5_000

T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
CYCLE = [EventKind.LOYALTY_ESTABLISHED, EventKind.DEFECTED, EventKind.WON_BACK_TO_REPEAT]
ROWS = [(s, t, g) for s, t, g in TRANSITIONS.items() if s is not None]


# --- custrel ----------------------------------------------------------------------------


def custrel_legal(n: int) -> float:
    events = [LoyaltyEstablished(T0), Defected(T0), WonBack(T0, to=Stage.REPEAT)]
    lc = Lifecycle("c", [Purchased(T0), Purchased(T0)])
    start = time.perf_counter_ns()
    for i in range(n):
        lc = lc.apply(events[i % 3])
    elapsed = time.perf_counter_ns() - start
    assert lc.length == n + 2
    return elapsed / n


def custrel_illegal(n: int) -> float:
    lc = Lifecycle("c", [Purchased(T0), Defected(T0)])
    event = Purchased(T0)
    start = time.perf_counter_ns()
    for _ in range(n):
        try:
            lc.apply(event)
        except IllegalTransition:
            pass
    return (time.perf_counter_ns() - start) / n


def custrel_instance() -> object:
    return Lifecycle.begin("c", Purchased(T0))


# --- transitions ----------------------------------------------------------------------------


def _transitions_machine() -> tuple[Callable[[], object], type[Exception]]:
    from transitions import Machine, MachineError

    class Model:
        def __init__(self) -> None:
            self.history: list[str] = []

        def record(self, event_data: object) -> None:
            self.history.append(event_data.event.name)  # type: ignore[attr-defined]

    rows = [{"trigger": t.value, "source": s.value, "dest": g.value} for s, t, g in ROWS]

    def make() -> object:
        model = Model()
        Machine(
            model=model,
            states=[s.value for s in Stage],
            transitions=rows,
            initial=Stage.FIRST_TIME.value,
            send_event=True,
            after_state_change="record",
            auto_transitions=False,
        )
        return model

    return make, MachineError


def transitions_legal(n: int) -> float:
    make, _ = _transitions_machine()
    model = make()
    model.purchased()  # type: ignore[attr-defined]
    triggers = [getattr(model, k.value) for k in CYCLE]
    start = time.perf_counter_ns()
    for i in range(n):
        triggers[i % 3]()
    elapsed = time.perf_counter_ns() - start
    assert len(model.history) == n + 1  # type: ignore[attr-defined]
    return elapsed / n


def transitions_illegal(n: int) -> float:
    make, error = _transitions_machine()
    model = make()
    model.purchased()  # type: ignore[attr-defined]
    model.defected()  # type: ignore[attr-defined]
    trigger = model.purchased  # type: ignore[attr-defined]
    start = time.perf_counter_ns()
    for _ in range(n):
        try:
            trigger()
        except error:
            pass
    return (time.perf_counter_ns() - start) / n


# --- python-statemachine ----------------------------------------------------------------------


def _statemachine_class() -> tuple[type, type[Exception]]:
    from statemachine import State, StateMachine
    from statemachine.exceptions import TransitionNotAllowed

    namespace: dict[str, object] = {
        s.value: State(s.en, value=s.value, initial=s is Stage.FIRST_TIME) for s in Stage
    }
    for kind in EventKind:
        group = None
        for source, trigger, target in ROWS:
            if trigger is kind:
                step = namespace[source.value].to(namespace[target.value])  # type: ignore[attr-defined]
                group = step if group is None else group | step
        if group is not None:
            namespace[kind.value] = group

    def after_transition(self: object, event: str) -> None:
        self.history.append(event)  # type: ignore[attr-defined]

    def init(self: object) -> None:
        self.history = []  # type: ignore[attr-defined]
        StateMachine.__init__(self)  # type: ignore[arg-type]

    namespace["after_transition"] = after_transition
    namespace["__init__"] = init
    machine = type("LifecycleSM", (StateMachine,), namespace)
    return machine, TransitionNotAllowed


def statemachine_legal(n: int) -> float:
    machine, _ = _statemachine_class()
    sm = machine()
    sm.send("purchased")
    names = [k.value for k in CYCLE]
    start = time.perf_counter_ns()
    for i in range(n):
        sm.send(names[i % 3])
    elapsed = time.perf_counter_ns() - start
    assert len(sm.history) == n + 1
    return elapsed / n


def statemachine_illegal(n: int) -> float:
    machine, error = _statemachine_class()
    sm = machine()
    sm.send("purchased")
    sm.send("defected")
    start = time.perf_counter_ns()
    for _ in range(n):
        try:
            sm.send("purchased")
        except error:
            pass
    return (time.perf_counter_ns() - start) / n


def bytes_per_instance(make: Callable[[], object], n: int = INSTANCES) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep = [make() for _ in range(n)]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(keep) == n
    return (after - before) / n


def main() -> None:
    """Run every library interleaved and print the table."""
    libs: dict[str, tuple[Callable[[int], float], Callable[[int], float], Callable[[], object]]] = {
        "custrel": (custrel_legal, custrel_illegal, custrel_instance),
        "transitions": (transitions_legal, transitions_illegal, _transitions_machine()[0]),
        "python-statemachine": (
            statemachine_legal,
            statemachine_illegal,
            _statemachine_class()[0],
        ),
    }
    # The slow baseline gets fewer events per round, so a round takes seconds, not minutes.
    scale = {"custrel": 1, "transitions": 1, "python-statemachine": 10}
    legal: dict[str, list[float]] = {name: [] for name in libs}
    illegal: dict[str, list[float]] = {name: [] for name in libs}
    for _ in range(ROUNDS):
        for name, (run_legal, run_illegal, _) in libs.items():
            legal[name].append(run_legal(EVENTS // scale[name]))
            illegal[name].append(run_illegal(ILLEGAL // scale[name]))
    memory = {name: bytes_per_instance(make) for name, (_, _, make) in libs.items()}

    base_legal = statistics.median(legal["custrel"])
    base_illegal = statistics.median(illegal["custrel"])
    print(f"lifecycle benchmark: {ROUNDS} interleaved rounds, medians")
    print(
        f"{'library':<22}{'ns/legal event':>16}{'x custrel':>11}"
        f"{'ns/illegal event':>18}{'x custrel':>11}{'bytes/instance':>16}"
    )
    for name in libs:
        lm = statistics.median(legal[name])
        im = statistics.median(illegal[name])
        print(
            f"{name:<22}{lm:>16,.0f}{lm / base_legal:>11.1f}"
            f"{im:>18,.0f}{im / base_illegal:>11.1f}{memory[name]:>16,.0f}"
        )
    print(
        "targets: custrel legal < 1000 ns; transitions >= 7x; python-statemachine >= 90x "
        f"-> {'met' if base_legal < 1000 else 'NOT met'}, "
        f"{statistics.median(legal['transitions']) / base_legal:.1f}x, "
        f"{statistics.median(legal['python-statemachine']) / base_legal:.1f}x"
    )


if __name__ == "__main__":
    main()
