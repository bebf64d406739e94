"""The customer lifecycle: the table, the immutable value, derivation from purchases."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from custrel.causes import ChurnCause
from custrel.errors import (
    CustrelError,
    EventOutOfOrder,
    IllegalTransition,
    InvalidTable,
    InvalidValue,
    NaiveDatetime,
    UnknownEvent,
)
from custrel.lifecycle import (
    ACTUAL_CUSTOMERS,
    STAGE_GUIDANCE,
    TRANSITIONS,
    Defected,
    EventKind,
    Lifecycle,
    LifecyclePolicy,
    LoyaltyEstablished,
    Origin,
    Purchased,
    Requalified,
    ShowedInterest,
    Stage,
    Targeted,
    WonBack,
    WrittenOff,
    allowed_events,
    can_apply,
    derive,
    replay,
)
from custrel.periods import Period
from strategies import AS_OF, aware_datetimes, event_of_kind, policies, purchase_days

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)

# The legal moves, written out by hand from DOMAIN.md §1 and seed 001 figure 21-1 —
# independent of the module's table, which the tests compare against this.
EXPECTED_MOVES: dict[tuple[Stage | None, EventKind], Stage] = {
    (None, EventKind.SHOWED_INTEREST): Stage.POTENTIAL,
    (None, EventKind.TARGETED): Stage.TARGET,
    (None, EventKind.PURCHASED): Stage.FIRST_TIME,
    (None, EventKind.DISQUALIFIED): Stage.NON_CUSTOMER,
    (Stage.NON_CUSTOMER, EventKind.REQUALIFIED_AS_POTENTIAL): Stage.POTENTIAL,
    (Stage.NON_CUSTOMER, EventKind.REQUALIFIED_AS_TARGET): Stage.TARGET,
    (Stage.POTENTIAL, EventKind.SHOWED_INTEREST): Stage.POTENTIAL,
    (Stage.POTENTIAL, EventKind.TARGETED): Stage.TARGET,
    (Stage.POTENTIAL, EventKind.PURCHASED): Stage.FIRST_TIME,
    (Stage.POTENTIAL, EventKind.DISQUALIFIED): Stage.NON_CUSTOMER,
    (Stage.TARGET, EventKind.SHOWED_INTEREST): Stage.TARGET,
    (Stage.TARGET, EventKind.TARGETED): Stage.TARGET,
    (Stage.TARGET, EventKind.PURCHASED): Stage.FIRST_TIME,
    (Stage.TARGET, EventKind.DISQUALIFIED): Stage.NON_CUSTOMER,
    (Stage.FIRST_TIME, EventKind.PURCHASED): Stage.REPEAT,
    (Stage.FIRST_TIME, EventKind.DEFECTED): Stage.LOST,
    (Stage.REPEAT, EventKind.PURCHASED): Stage.REPEAT,
    (Stage.REPEAT, EventKind.LOYALTY_ESTABLISHED): Stage.LOYAL,
    (Stage.REPEAT, EventKind.DEFECTED): Stage.LOST,
    (Stage.LOYAL, EventKind.PURCHASED): Stage.LOYAL,
    (Stage.LOYAL, EventKind.DEFECTED): Stage.LOST,
    (Stage.LOST, EventKind.WON_BACK_TO_REPEAT): Stage.REPEAT,
    (Stage.LOST, EventKind.WON_BACK_TO_LOYAL): Stage.LOYAL,
    (Stage.LOST, EventKind.WRITTEN_OFF): Stage.NON_CUSTOMER,
}

# A hand-written way to reach each stage.
PATHS: dict[Stage, list[EventKind]] = {
    Stage.NON_CUSTOMER: [EventKind.DISQUALIFIED],
    Stage.POTENTIAL: [EventKind.SHOWED_INTEREST],
    Stage.TARGET: [EventKind.TARGETED],
    Stage.FIRST_TIME: [EventKind.SHOWED_INTEREST, EventKind.PURCHASED],
    Stage.REPEAT: [EventKind.PURCHASED, EventKind.PURCHASED],
    Stage.LOYAL: [EventKind.PURCHASED, EventKind.PURCHASED, EventKind.LOYALTY_ESTABLISHED],
    Stage.LOST: [EventKind.PURCHASED, EventKind.DEFECTED],
}


def lifecycle_at(stage: Stage) -> Lifecycle:
    return Lifecycle("c1", [event_of_kind(kind, T0) for kind in PATHS[stage]])


# --- the table ------------------------------------------------------------------------


def test_the_table_is_exactly_the_documented_flows():
    rows = {(source, trigger): target for source, trigger, target in TRANSITIONS.items()}

    assert rows == EXPECTED_MOVES


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("kind", list(EventKind))
def test_every_stage_and_event_pair_moves_by_the_table_or_raises_and_changes_nothing(stage, kind):
    before = lifecycle_at(stage)
    history = before.history
    event = event_of_kind(kind, T0 + timedelta(days=1))

    if (stage, kind) in EXPECTED_MOVES:
        after = before.apply(event)
        assert after.stage is EXPECTED_MOVES[(stage, kind)]
        assert after.history == (*history, event)
        assert can_apply(before, event)
    else:
        with pytest.raises(IllegalTransition) as raised:
            before.apply(event)
        assert raised.value.state is stage
        assert raised.value.event is kind
        assert set(raised.value.allowed) == {k for (s, k) in EXPECTED_MOVES if s is stage}
        assert stage.name in str(raised.value)
        assert not can_apply(before, event)
    assert before.stage is stage
    assert before.history == history


@pytest.mark.parametrize("kind", list(EventKind))
def test_only_the_start_row_may_open_a_lifecycle(kind):
    event = event_of_kind(kind, T0)

    if (None, kind) in EXPECTED_MOVES:
        assert Lifecycle.begin("c1", event).stage is EXPECTED_MOVES[(None, kind)]
    else:
        with pytest.raises(IllegalTransition):
            Lifecycle.begin("c1", event)


def test_allowed_events_lists_exactly_the_legal_moves_for_each_stage():
    for stage in [None, *Stage]:
        assert set(allowed_events(stage)) == {k for (s, k) in EXPECTED_MOVES if s is stage}


def test_the_table_has_no_dead_end_and_every_stage_is_reachable():
    for stage in Stage:
        assert any(s is stage and t is not stage for (s, _), t in EXPECTED_MOVES.items())
    reached = {t for (s, _), t in EXPECTED_MOVES.items()}
    assert reached == set(Stage)


def test_the_table_validator_rejects_an_unreachable_stage_and_a_dead_end():
    broken = dict(EXPECTED_MOVES)
    del broken[(Stage.LOST, EventKind.WRITTEN_OFF)]
    del broken[(None, EventKind.DISQUALIFIED)]
    for key in [k for k in broken if k[1] is EventKind.DISQUALIFIED]:
        del broken[key]

    from custrel._machine import TransitionTable

    with pytest.raises(InvalidTable, match="NON_CUSTOMER"):
        TransitionTable("broken", Stage, EventKind, broken)


def test_the_table_validator_rejects_unknown_states():
    from custrel._machine import TransitionTable

    with pytest.raises(InvalidTable, match="unknown"):
        TransitionTable(
            "bad",
            Stage,
            EventKind,
            {**EXPECTED_MOVES, (Stage.LOST, EventKind.PURCHASED): "somewhere"},  # type: ignore[dict-item]
        )


def test_sales_success_rates_by_stage_are_the_seeds_6_15_and_50_percent():
    assert STAGE_GUIDANCE[Stage.POTENTIAL].success_rate == 0.06
    assert STAGE_GUIDANCE[Stage.TARGET].success_rate == 0.06
    assert STAGE_GUIDANCE[Stage.FIRST_TIME].success_rate == 0.15
    assert STAGE_GUIDANCE[Stage.REPEAT].success_rate == 0.50
    assert STAGE_GUIDANCE[Stage.LOYAL].success_rate == 0.50
    assert set(STAGE_GUIDANCE) == set(Stage)


def test_actual_customers_are_first_time_repeat_and_loyal():
    assert {s for s in Stage if s.is_actual} == {Stage.FIRST_TIME, Stage.REPEAT, Stage.LOYAL}
    assert {Stage.FIRST_TIME, Stage.REPEAT, Stage.LOYAL} == ACTUAL_CUSTOMERS
    assert {s for s in Stage if s.is_prospect} == {Stage.POTENTIAL, Stage.TARGET}


# --- the value ------------------------------------------------------------------------------


def test_a_prospect_that_approached_and_was_chosen_records_both_origins():
    lc = Lifecycle("c1", [ShowedInterest(T0), Targeted(T0)])

    assert lc.stage is Stage.TARGET
    assert lc.origin is Origin.BOTH


def test_a_customer_that_was_loyal_and_is_now_lost_remembers_its_peak():
    lc = lifecycle_at(Stage.LOYAL).apply(Defected(T0, cause=ChurnCause.COMPETITOR_LURE))

    assert lc.stage is Stage.LOST
    assert lc.peak is Stage.LOYAL
    assert lc.was_loyal


def test_an_event_dated_before_the_last_one_is_refused_and_nothing_changes():
    lc = lifecycle_at(Stage.REPEAT)

    with pytest.raises(EventOutOfOrder) as raised:
        lc.apply(Purchased(T0 - timedelta(seconds=1)))

    assert raised.value.last == T0
    assert lc.length == 2


def test_a_naive_datetime_is_refused_with_the_field_named():
    with pytest.raises(NaiveDatetime, match="at"):
        Purchased(datetime(2026, 1, 5))


def test_a_win_back_to_first_time_cannot_even_be_expressed():
    with pytest.raises(InvalidValue, match=r"REPEAT or Stage\.LOYAL"):
        WonBack(T0, to=Stage.FIRST_TIME)


def test_an_unknown_event_type_is_refused_by_name():
    lc = lifecycle_at(Stage.REPEAT)

    with pytest.raises(UnknownEvent, match="Purchased"):
        lc.apply("a purchase")  # type: ignore[arg-type]
    assert not lc.can_apply("a purchase")  # type: ignore[arg-type]


def test_duplicate_terminal_events_are_illegal_moves():
    with pytest.raises(IllegalTransition):
        Lifecycle("c1", [Purchased(T0), Defected(T0), Defected(T0)])


def test_a_lifecycle_needs_an_opening_event():
    with pytest.raises(InvalidValue, match="at least one event"):
        Lifecycle("c1", [])


def test_requalifying_a_written_off_customer_starts_a_fresh_origin():
    lc = Lifecycle(
        "c1",
        [
            Targeted(T0),
            Purchased(T0),
            Defected(T0),
            WrittenOff(T0),
            Requalified(T0, origin=Origin.INBOUND),
        ],
    )

    assert lc.stage is Stage.POTENTIAL
    assert lc.origin is Origin.INBOUND
    assert lc.peak is Stage.FIRST_TIME


# Rank of stages on the relationship ladder, as the docs define "furthest stage".
LADDER = {
    Stage.NON_CUSTOMER: 0,
    Stage.POTENTIAL: 1,
    Stage.TARGET: 2,
    Stage.FIRST_TIME: 3,
    Stage.REPEAT: 4,
    Stage.LOYAL: 5,
}


class LifecycleMachine(RuleBasedStateMachine):
    """Random event sequences against a plain model written from the seed's wording."""

    def __init__(self) -> None:
        super().__init__()
        self.value: Lifecycle | None = None
        self.model_stage: str | None = None  # plain strings, no enums, no table
        self.model_history: list[object] = []
        self.model_peak = -1
        self.previous_stage: str | None = None
        self.clock = T0

    def model_move(self, kind: EventKind) -> str | None:
        s = self.model_stage
        k = kind.name
        if s is None:
            return {
                "SHOWED_INTEREST": "POTENTIAL",
                "TARGETED": "TARGET",
                "PURCHASED": "FIRST_TIME",
                "DISQUALIFIED": "NON_CUSTOMER",
            }.get(k)
        if s in {"POTENTIAL", "TARGET"}:
            if k == "PURCHASED":
                return "FIRST_TIME"
            if k == "DISQUALIFIED":
                return "NON_CUSTOMER"
            if k == "TARGETED":
                return "TARGET"
            if k == "SHOWED_INTEREST":
                return s
            return None
        if s == "NON_CUSTOMER":
            return {"REQUALIFIED_AS_POTENTIAL": "POTENTIAL", "REQUALIFIED_AS_TARGET": "TARGET"}.get(
                k
            )
        if s in {"FIRST_TIME", "REPEAT", "LOYAL"}:
            if k == "DEFECTED":
                return "LOST"
            if k == "PURCHASED":
                return "REPEAT" if s == "FIRST_TIME" else s
            if k == "LOYALTY_ESTABLISHED" and s == "REPEAT":
                return "LOYAL"
            return None
        # LOST
        return {
            "WON_BACK_TO_REPEAT": "REPEAT",
            "WON_BACK_TO_LOYAL": "LOYAL",
            "WRITTEN_OFF": "NON_CUSTOMER",
        }.get(k)

    @rule(kind=st.sampled_from(list(EventKind)), step=st.integers(0, 40 * 86400))
    def apply_an_event(self, kind, step):
        at = self.clock + timedelta(seconds=step)
        event = event_of_kind(kind, at)
        expected = self.model_move(kind)
        note(f"{self.model_stage} --{kind.name}--> {expected}")
        if expected is None:
            with pytest.raises(IllegalTransition):
                self.value = (
                    Lifecycle.begin("c", event) if self.value is None else self.value.apply(event)
                )
            return
        self.value = Lifecycle.begin("c", event) if self.value is None else self.value.apply(event)
        self.previous_stage, self.model_stage = self.model_stage, expected
        self.model_history.append(event)
        self.model_peak = max(self.model_peak, LADDER.get(Stage[expected], -1))
        self.clock = at

    @precondition(lambda self: self.value is not None)
    @rule(back=st.integers(1, 86400))
    def an_earlier_event_is_refused(self, back):
        assert self.value is not None
        before = self.value
        legal = before.allowed_events()[0]

        with pytest.raises(EventOutOfOrder):
            before.apply(event_of_kind(legal, self.clock - timedelta(seconds=back)))
        assert self.value == before

    @invariant()
    def the_value_matches_the_model(self):
        if self.value is None:
            return
        assert self.value.stage.name == self.model_stage
        assert list(self.value.history) == self.model_history
        assert LADDER.get(self.value.peak, -1) == self.model_peak

    @invariant()
    def replaying_the_history_rebuilds_the_stage(self):
        if self.value is not None:
            assert replay("c", self.value.history).stage is self.value.stage

    @invariant()
    def lost_never_returns_to_first_time(self):
        if self.previous_stage == "LOST":
            assert self.model_stage in {"REPEAT", "LOYAL", "NON_CUSTOMER"}
            assert self.value is not None
            assert self.value.stage is not Stage.FIRST_TIME

    @invariant()
    def a_win_back_lands_only_in_repeat_or_loyal(self):
        if self.value is not None and self.value.last_event.kind in {
            EventKind.WON_BACK_TO_REPEAT,
            EventKind.WON_BACK_TO_LOYAL,
        }:
            assert self.value.stage in {Stage.REPEAT, Stage.LOYAL}

    @invariant()
    def history_timestamps_never_decrease(self):
        if self.value is not None:
            stamps = [e.at for e in self.value.history]
            assert stamps == sorted(stamps)


TestLifecycleMachine = LifecycleMachine.TestCase


# --- derivation from purchases ------------------------------------------------------------

D = date


def test_a_second_purchase_makes_a_repeat_customer():
    assert derive([D(2026, 1, 5), D(2026, 2, 1)], as_of=D(2026, 3, 1)).stage is Stage.REPEAT


def test_one_purchase_makes_a_first_time_customer():
    assert derive([D(2026, 1, 5)], as_of=D(2026, 3, 1)).stage is Stage.FIRST_TIME


def test_purchases_in_four_consecutive_quarters_make_a_loyal_customer():
    days = [D(2025, 2, 1), D(2025, 5, 1), D(2025, 8, 1), D(2025, 11, 1)]

    d = derive(days, as_of=D(2025, 12, 1))

    assert d.stage is Stage.LOYAL
    assert [e.kind for e in d.events][-1] is EventKind.LOYALTY_ESTABLISHED


def test_a_gap_quarter_breaks_the_loyalty_streak():
    days = [D(2025, 1, 1), D(2025, 4, 1), D(2025, 10, 1), D(2026, 1, 1)]

    assert derive(days, as_of=D(2026, 1, 2)).stage is Stage.REPEAT


def test_a_year_without_purchase_loses_a_customer_without_a_cadence():
    assert derive([D(2025, 1, 10)], as_of=D(2026, 1, 10)).stage is Stage.FIRST_TIME
    lost = derive([D(2025, 1, 10)], as_of=D(2026, 1, 11))

    assert lost.stage is Stage.LOST
    assert lost.events[-1].at.date() == D(2026, 1, 11)


def test_the_twelve_month_span_is_calendar_aware_on_a_leap_day():
    # 29 Feb 2024 + 12 months = 28 Feb 2025 (relativedelta clips to the month's end)
    assert derive([D(2024, 2, 29)], as_of=D(2025, 2, 28)).stage is Stage.FIRST_TIME
    assert derive([D(2024, 2, 29)], as_of=D(2025, 3, 1)).stage is Stage.LOST


def test_a_monthly_buyer_is_lost_after_three_silent_cadences():
    # gaps of 30 days; 3 x 30 = 90 days after the last purchase is still on time
    days = [D(2025, 1, 1) + timedelta(days=30 * i) for i in range(4)]
    last = days[-1]

    assert derive(days, as_of=last + timedelta(days=90)).stage is not Stage.LOST
    assert derive(days, as_of=last + timedelta(days=91)).stage is Stage.LOST


def test_a_lost_customer_who_buys_again_is_won_back_straight_to_repeat():
    d = derive([D(2023, 1, 1), D(2025, 6, 1)], as_of=D(2025, 6, 2))

    assert d.stage is Stage.REPEAT
    assert [e.kind for e in d.events] == [
        EventKind.PURCHASED,
        EventKind.DEFECTED,
        EventKind.WON_BACK_TO_REPEAT,
    ]


def test_purchases_the_same_day_are_one_occasion():
    when = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)

    d = derive([when, when + timedelta(hours=3)], as_of=D(2026, 1, 6))

    assert d.stage is Stage.FIRST_TIME


def test_days_are_judged_in_the_policys_timezone():
    late_evening_utc = datetime(2026, 1, 5, 20, tzinfo=timezone.utc)  # 6 Jan 04:00 in Beijing
    morning_utc = datetime(2026, 1, 5, 2, tzinfo=timezone.utc)
    beijing = LifecyclePolicy(timezone=timezone(timedelta(hours=8)))

    assert derive([morning_utc, late_evening_utc], D(2026, 1, 7)).stage is Stage.FIRST_TIME
    assert derive([morning_utc, late_evening_utc], D(2026, 1, 7), beijing).stage is Stage.REPEAT


def test_an_as_of_before_the_first_purchase_is_a_clear_error():
    with pytest.raises(InvalidValue, match="on or before as_of"):
        derive([D(2026, 1, 5)], as_of=D(2026, 1, 4))


def test_no_purchases_is_a_clear_error():
    with pytest.raises(InvalidValue, match="at least one purchase"):
        derive([], as_of=D(2026, 1, 4))


def test_naive_purchase_datetimes_are_refused():
    with pytest.raises(NaiveDatetime):
        derive([datetime(2026, 1, 5)], as_of=D(2026, 1, 6))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("loyalty_streak", 1),
        ("lapse_floor_days", 0),
        ("lapse_cadence_multiple", -1.0),
        ("regular_purchases", 2),
        ("timezone", "UTC"),
    ],
)
def test_a_policy_with_an_impossible_setting_is_refused_naming_the_field(field, value):
    with pytest.raises(InvalidValue, match=field):
        LifecyclePolicy(**{field: value})


@given(purchase_days, policies)
def test_derived_events_replay_to_the_derived_stage(days, policy):
    d = derive(days, AS_OF, policy)

    lc = d.lifecycle

    assert lc.stage is d.stage
    assert lc.peak is d.peak


@given(purchase_days, policies)
def test_a_purchase_on_the_as_of_day_never_yields_lost(days, policy):
    d = derive([*days, AS_OF], AS_OF, policy)

    assert d.stage in ACTUAL_CUSTOMERS


@given(purchase_days, purchase_days, policies)
def test_more_purchases_never_turn_a_customer_into_a_prospect_or_a_newcomer(days, more, policy):
    before = derive(days, AS_OF, policy)
    after = derive([*days, *more], AS_OF, policy)

    assert after.stage in {*ACTUAL_CUSTOMERS, Stage.LOST}
    if before.stage is not Stage.FIRST_TIME:
        assert after.stage is not Stage.FIRST_TIME


@given(purchase_days, policies, st.randoms())
def test_the_order_of_purchase_dates_does_not_matter(days, policy, rnd):
    shuffled = list(days)
    rnd.shuffle(shuffled)

    assert derive(shuffled, AS_OF, policy) == derive(days, AS_OF, policy)


@given(st.lists(purchase_days, min_size=1, max_size=12), policies)
def test_the_vectorised_derivation_agrees_with_derive_customer_by_customer(customers, policy):
    from custrel.lifecycle_batch import day_number, derive_stages

    codes = [i for i, days in enumerate(customers) for _ in days]
    numbers = [day_number(day) for days in customers for day in days]
    order = list(range(len(codes)))
    random.Random(len(codes)).shuffle(order)

    columns = derive_stages(
        [codes[i] for i in order], [numbers[i] for i in order], len(customers), AS_OF, policy
    )

    for code, days in enumerate(customers):
        expected = derive(days, AS_OF, policy)
        assert columns.stages()[code] is expected.stage
        assert list(Stage)[columns.peak[code]] is expected.peak
        changes = []
        value = None
        for event in expected.events:
            stage_before = None if value is None else value.stage
            value = Lifecycle.begin("", event) if value is None else value.apply(event)
            if value.stage is not stage_before:
                changes.append((day_number(event.at), event.kind))
        mine = columns.events_customer == code
        got = [
            (int(day), list(EventKind)[kind])
            for day, kind in zip(columns.events_day[mine], columns.events_kind[mine], strict=True)
        ]
        assert got == changes


def test_the_vectorised_derivation_refuses_a_purchase_after_as_of():
    from custrel.lifecycle_batch import day_number, derive_stages

    with pytest.raises(InvalidValue, match="as_of"):
        derive_stages([0], [day_number(AS_OF) + 1], 1, AS_OF)


def test_the_vectorised_derivation_refuses_a_customer_without_purchases():
    from custrel.lifecycle_batch import day_number, derive_stages

    with pytest.raises(InvalidValue, match="at least one purchase"):
        derive_stages([0], [day_number(AS_OF)], 2, AS_OF)


# --- odds and ends -----------------------------------------------------------------------


def test_every_lifecycle_error_is_a_custrel_error():
    for error in (IllegalTransition, EventOutOfOrder, InvalidValue, NaiveDatetime, UnknownEvent):
        assert issubclass(error, CustrelError)


def test_loyalty_period_weeks_are_iso_weeks():
    monday = D(2026, 1, 5)
    assert Period.WEEK.index(monday) == Period.WEEK.index(monday + timedelta(days=6))
    assert Period.WEEK.index(monday + timedelta(days=7)) == Period.WEEK.index(monday) + 1


@given(aware_datetimes)
def test_loyalty_established_needs_a_repeat_customer(at):
    with pytest.raises(IllegalTransition):
        Lifecycle("c", [Purchased(at), LoyaltyEstablished(at)])


@given(st.lists(purchase_days, min_size=1, max_size=12), policies)
def test_sorted_input_in_small_blocks_gives_the_same_stages_as_shuffled_input(customers, policy):
    # The batch engine passes distinct, sorted (customer, day) occasions, which take a
    # fast path processed in blocks; tiny blocks force block boundaries inside customers'
    # neighbourhoods. The result must equal the general (shuffled) path exactly.
    import numpy as np

    from custrel import lifecycle_batch
    from custrel.lifecycle_batch import day_number, derive_stages

    pairs = sorted({(code, day_number(day)) for code, days in enumerate(customers) for day in days})
    codes = [c for c, _ in pairs]
    days = [d for _, d in pairs]
    shuffled = list(range(len(pairs)))
    random.Random(7).shuffle(shuffled)

    general = derive_stages(
        [codes[i] for i in shuffled], [days[i] for i in shuffled], len(customers), AS_OF, policy
    )
    saved = lifecycle_batch._BLOCK
    try:
        lifecycle_batch._BLOCK = 7
        fast = derive_stages(
            np.array(codes, dtype=np.int32),
            np.array(days, dtype=np.int32),
            len(customers),
            AS_OF,
            policy,
        )
        # The report engine's entry: sorted occasions in blocks of whole customers.
        blocks = lifecycle_batch.derive_stage_blocks(
            np.array(codes, dtype=np.int32),
            np.array(days, dtype=np.int32),
            len(customers),
            AS_OF,
            policy,
        )
    finally:
        lifecycle_batch._BLOCK = saved

    for name in ("stage", "peak", "n_occasions", "events_customer", "events_day", "events_kind"):
        assert np.array_equal(getattr(fast, name), getattr(general, name)), name
        in_blocks = np.concatenate([getattr(block, name) for block, _ in blocks])
        assert np.array_equal(in_blocks, getattr(general, name)), name
