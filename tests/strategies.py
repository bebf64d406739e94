"""Shared hypothesis strategies for the lifecycle and the core values."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from custrel.lifecycle import (
    Defected,
    Disqualified,
    EventKind,
    LifecycleEvent,
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
)
from custrel.periods import Period

EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)
AS_OF = date(2026, 6, 30)

timezones = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
)
aware_datetimes = st.builds(
    lambda seconds, tz: (EPOCH + timedelta(seconds=seconds)).astimezone(tz),
    st.integers(0, 6 * 365 * 86400),
    timezones,
)


def event_of_kind(kind: EventKind, at: datetime) -> LifecycleEvent:
    """An event of ``kind`` at ``at`` (one way to make each kind)."""
    factories = {
        EventKind.SHOWED_INTEREST: lambda: ShowedInterest(at),
        EventKind.TARGETED: lambda: Targeted(at),
        EventKind.PURCHASED: lambda: Purchased(at),
        EventKind.LOYALTY_ESTABLISHED: lambda: LoyaltyEstablished(at),
        EventKind.DEFECTED: lambda: Defected(at),
        EventKind.WON_BACK_TO_REPEAT: lambda: WonBack(at, to=Stage.REPEAT),
        EventKind.WON_BACK_TO_LOYAL: lambda: WonBack(at, to=Stage.LOYAL),
        EventKind.WRITTEN_OFF: lambda: WrittenOff(at),
        EventKind.REQUALIFIED_AS_POTENTIAL: lambda: Requalified(at, origin=Origin.INBOUND),
        EventKind.REQUALIFIED_AS_TARGET: lambda: Requalified(at, origin=Origin.TARGETED),
        EventKind.DISQUALIFIED: lambda: Disqualified(at),
    }
    return factories[kind]()


@st.composite
def legal_histories(draw: st.DrawFn, max_events: int = 25) -> list[LifecycleEvent]:
    """A random legal event history, walked through the machine's own allowed events."""
    from custrel.lifecycle import allowed_events

    at = draw(aware_datetimes)
    stage: Stage | None = None
    events: list[LifecycleEvent] = []
    for _ in range(draw(st.integers(1, max_events))):
        kind = draw(st.sampled_from(allowed_events(stage)))
        event = event_of_kind(kind, at)
        if draw(st.booleans()):
            event = type(event)(**{**_fields(event), "reason": draw(st.text(max_size=10))})
        events.append(event)
        from custrel.lifecycle import TRANSITIONS

        stage = TRANSITIONS.target(stage, kind)
        at += timedelta(seconds=draw(st.integers(0, 90 * 86400)))
    return events


def _fields(event: LifecycleEvent) -> dict[str, object]:
    import attrs

    return attrs.asdict(event, recurse=False)


purchase_days = st.lists(
    st.integers(0, 1600).map(lambda back: AS_OF - timedelta(days=back)), min_size=1, max_size=30
)

policies = st.builds(
    LifecyclePolicy,
    loyalty_period=st.sampled_from(list(Period)),
    loyalty_streak=st.integers(2, 6),
    regular_purchases=st.none() | st.integers(3, 8),
    regular_max_cv=st.floats(0, 1.5),
    lapse_span=st.sampled_from(
        [
            relativedelta(months=12),
            relativedelta(months=1),
            relativedelta(days=45),
            relativedelta(years=2),
            relativedelta(months=6, days=10),
        ]
    ),
    lapse_cadence_multiple=st.none() | st.floats(0.5, 6),
    lapse_floor_days=st.integers(1, 90),
    cadence_min_gaps=st.integers(1, 4),
) | st.just(LifecyclePolicy())
