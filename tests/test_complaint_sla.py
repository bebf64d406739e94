"""Tests for custrel.complaint_sla: working-time clocks, escalation and the work queue."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from custrel.business_calendar import CHINA_STANDARD_TIME, BusinessCalendar, FixedClock
from custrel.compensation import CompensationPolicy
from custrel.complaint_sla import SlaKind, SlaOutcome, SlaPolicy, sla_report, work_queue
from custrel.complaints import Command, ComplaintAction, ComplaintState, Role, Severity
from custrel.errors import EventOutOfOrder, InvalidValue, NaiveDatetime
from custrel.pyramid import Tier
from strategies_complaints import SERVICE, T0, THE_CUSTOMER, complaint_in, registered

A = ComplaintAction
S = ComplaintState
CST = CHINA_STANDARD_TIME
CAL = BusinessCalendar()


def test_acknowledgement_is_due_the_same_working_day() -> None:
    c = registered(at=datetime(2025, 3, 3, 16, 0, tzinfo=CST))  # Monday 16:00

    on_time = sla_report(c, CAL, FixedClock(datetime(2025, 3, 3, 17, 0, tzinfo=CST)))
    late = sla_report(c, CAL, FixedClock(datetime(2025, 3, 4, 9, 1, tzinfo=CST)))

    ack = on_time.clock(SlaKind.ACKNOWLEDGE)
    assert ack.target == timedelta(hours=2)  # 16:00 to 18:00
    assert ack.outcome is SlaOutcome.ON_TRACK
    assert ack.due == datetime(2025, 3, 3, 18, 0, tzinfo=CST)
    assert late.clock(SlaKind.ACKNOWLEDGE).outcome is SlaOutcome.BREACHED
    assert late.breached


def test_a_clock_near_its_target_is_at_risk_and_asks_for_escalation() -> None:
    c = registered(at=datetime(2025, 3, 3, 9, 0, tzinfo=CST))  # 8 working hours to ack

    report = sla_report(c, CAL, FixedClock(datetime(2025, 3, 3, 16, 30, tzinfo=CST)))

    # 9-12 and 13-16:30 = 6.5h >= 0.8 × 8h
    assert report.clock(SlaKind.ACKNOWLEDGE).outcome is SlaOutcome.AT_RISK
    assert report.required_level is Role.SUPERVISOR  # medium → service, +1 at risk
    assert report.escalation_needed


def test_a_complaint_registered_on_a_saturday_is_due_monday_evening() -> None:
    c = registered(at=datetime(2025, 3, 8, 10, 0, tzinfo=CST))

    report = sla_report(c, CAL, FixedClock(datetime(2025, 3, 8, 20, 0, tzinfo=CST)))

    assert report.clock(SlaKind.ACKNOWLEDGE).target == timedelta(hours=8)
    assert report.clock(SlaKind.ACKNOWLEDGE).elapsed == timedelta(0)


def test_waiting_on_the_customer_stops_the_clocks() -> None:
    c = complaint_in(S.INVESTIGATING)  # contacted at 09:40 Monday
    start_wait = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
    c, _ = c.apply(Command.make(A.AWAIT_CUSTOMER, SERVICE, start_wait))
    resumed = datetime(2025, 3, 5, 10, 0, tzinfo=CST)
    c2, _ = c.apply(Command.make(A.RESUME, THE_CUSTOMER, resumed))

    report = sla_report(c2, CAL, FixedClock(resumed + timedelta(hours=1)))

    # 09:30-10:00 before the pause and 10:00-11:00 after it
    assert report.clock(SlaKind.RESOLUTION).elapsed == timedelta(minutes=90)


def test_resolution_targets_are_never_slower_for_worse_severity_or_a_higher_tier() -> None:
    hours = SlaPolicy().resolution_hours
    sev = list(Severity)
    tiers = list(Tier)  # KEY first

    for tier in tiers:
        assert all(hours[a][tier] >= hours[b][tier] for a, b in pairwise(sev))
    for s in sev:
        assert all(hours[s][a] <= hours[s][b] for a, b in pairwise(tiers))


def test_a_clock_behind_the_history_is_refused() -> None:
    c = complaint_in(S.ANALYSED)

    with pytest.raises(EventOutOfOrder):
        sla_report(c, CAL, FixedClock(T0))
    with pytest.raises(NaiveDatetime, match="now"):
        sla_report(c, CAL, NaiveClock())


class NaiveClock:
    def now(self) -> datetime:
        return datetime(2030, 1, 1)  # naive on purpose


def test_key_accounts_come_first_in_the_work_queue() -> None:
    small_critical = registered(id="a", tier=Tier.SMALL, severity=Severity.CRITICAL)
    key_low = registered(id="b", tier=Tier.KEY, severity=Severity.LOW)
    key_high = registered(id="c", tier=Tier.KEY, severity=Severity.HIGH)
    done = complaint_in(S.WITHDRAWN)

    queue = work_queue([small_critical, key_low, done, key_high])

    assert [c.id for c in queue] == ["c", "b", "a"]


def test_the_work_queue_follows_the_pyramid_from_key_down_to_small() -> None:
    # Same severity and instant: only the tier decides, best first as in the pyramid
    # (seed 001 §2: 重要客户, 主要客户, 普通客户, 小客户).
    by_tier = {t: registered(id=t.value, tier=t) for t in (Tier.SMALL, Tier.ORDINARY, Tier.KEY)}
    by_tier[Tier.MAJOR] = registered(id="major", tier=Tier.MAJOR)

    queue = work_queue(by_tier.values())

    assert [c.id for c in queue] == ["key", "major", "ordinary", "small"]


def test_every_pyramid_tier_has_a_resolution_target_and_a_compensation_weight() -> None:
    hours = SlaPolicy().resolution_hours
    weights = CompensationPolicy().tier_weight

    assert all(set(row) == set(Tier) for row in hours.values())
    assert set(weights) == set(Tier)


# --- key accounts: "当天答复" the same calendar day, as a policy option -------------------------

EVENING = datetime(2025, 3, 3, 20, 0, tzinfo=CST)  # Monday, after hours
SAME_DAY = SlaPolicy(key_accounts_same_calendar_day=True)


def test_by_default_an_after_hours_complaint_is_due_the_next_working_day_for_everyone() -> None:
    key = registered(at=EVENING, tier=Tier.KEY)

    report = sla_report(key, CAL, FixedClock(EVENING + timedelta(hours=1)))

    reply = report.clock(SlaKind.FIRST_REPLY)
    assert reply.working_time
    assert reply.target == timedelta(hours=8)  # Tuesday 9:00-18:00 less lunch
    assert reply.due == datetime(2025, 3, 4, 18, 0, tzinfo=CST)


def test_a_key_account_may_be_answered_the_same_calendar_day() -> None:
    # 优先、迅速地处理关键客户的投诉: key accounts first, fast — an option of the policy.
    key = registered(at=EVENING, tier=Tier.KEY)

    late_evening = FixedClock(EVENING + timedelta(hours=3, minutes=30))
    before_midnight = sla_report(key, CAL, late_evening, SAME_DAY)
    after_midnight = sla_report(key, CAL, FixedClock(EVENING + timedelta(hours=5)), SAME_DAY)

    reply = before_midnight.clock(SlaKind.FIRST_REPLY)
    assert not reply.working_time
    assert reply.target == timedelta(hours=4)  # 20:00 to midnight
    assert reply.due == datetime(2025, 3, 4, 0, 0, tzinfo=CST)
    assert reply.outcome is SlaOutcome.AT_RISK  # 3.5 of 4 hours gone
    assert after_midnight.clock(SlaKind.FIRST_REPLY).outcome is SlaOutcome.BREACHED
    assert after_midnight.clock(SlaKind.ACKNOWLEDGE).outcome is SlaOutcome.BREACHED


def test_the_same_calendar_day_option_leaves_other_tiers_on_working_days() -> None:
    ordinary = registered(at=EVENING, tier=Tier.ORDINARY)

    report = sla_report(ordinary, CAL, FixedClock(EVENING + timedelta(hours=5)), SAME_DAY)

    assert report.clock(SlaKind.FIRST_REPLY).working_time
    assert report.clock(SlaKind.FIRST_REPLY).outcome is SlaOutcome.ON_TRACK


def test_waiting_on_a_key_account_stops_its_same_day_clock() -> None:
    key = registered(at=EVENING, tier=Tier.KEY)
    key, _ = key.apply(Command.contact(SERVICE, EVENING + timedelta(minutes=30), key.reported))
    key, _ = key.apply(Command.make(A.AWAIT_CUSTOMER, SERVICE, EVENING + timedelta(hours=1)))

    report = sla_report(key, CAL, FixedClock(EVENING + timedelta(hours=6)), SAME_DAY)

    assert report.clock(SlaKind.FIRST_REPLY).elapsed == timedelta(hours=1)
    assert report.clock(SlaKind.ACKNOWLEDGE).outcome is SlaOutcome.MET


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"acknowledge_days": -1}, "acknowledge_days"),
        ({"breach_step": True}, "breach_step"),
        ({"resolution_hours": {Severity.LOW: {Tier.KEY: 8}}}, "resolution_hours"),
        ({"handler_by_severity": dict.fromkeys(Severity, Role.CUSTOMER)}, "handler_by_severity"),
        ({"key_accounts_same_calendar_day": "yes"}, "key_accounts_same_calendar_day"),
    ],
)
def test_a_malformed_sla_policy_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        SlaPolicy(**changes)  # type: ignore[arg-type]

    assert field in str(raised.value)
