"""Tests for custrel.complaint_metrics: a small desk's figures, worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from custrel.business_calendar import CHINA_STANDARD_TIME, BusinessCalendar, FixedClock
from custrel.complaint_metrics import desk_metrics
from custrel.complaints import ComplaintCause, ComplaintState
from custrel.pyramid import Tier
from strategies_complaints import complaint_in, registered

S = ComplaintState
CST = CHINA_STANDARD_TIME
CAL = BusinessCalendar()


def test_desk_metrics_over_a_small_desk() -> None:
    # each step of complaint_in is ten minutes: contacted at +10, agreed at +50, closed at +100
    closed = complaint_in(S.CLOSED_SATISFIED)
    reopened = complaint_in(S.REOPENED)
    withdrawn = complaint_in(S.WITHDRAWN)
    attitude = registered(id="C-2", cause=ComplaintCause.ATTITUDE, tier=Tier.KEY)
    now = FixedClock(datetime(2025, 3, 4, 12, 0, tzinfo=CST))

    m = desk_metrics([closed, reopened, withdrawn, attitude], CAL, now)

    assert (m.count, m.open) == (4, 2)
    assert m.median_to_acknowledge == timedelta(minutes=10)  # three complaints contacted
    assert m.median_to_agree == timedelta(minutes=50)
    assert m.median_to_close == timedelta(minutes=100)
    assert m.closed_satisfied_share == 0.5  # closed and withdrawn have ended
    assert m.reopen_rate == 0.5  # closed and reopened reached a follow-up
    assert m.causes_ranked == ((ComplaintCause.QUALITY, 3), (ComplaintCause.ATTITUDE, 1))
    # Only the key account's complaint, never contacted, missed its same-day
    # acknowledgement (7.5 working hours on Monday; 10.5 elapsed by Tuesday noon). The
    # reopened one is within its 40-hour resolution target; the withdrawn one ended early.
    assert m.breaches_by_tier == (
        (Tier.KEY, 1),
        (Tier.MAJOR, 0),
        (Tier.ORDINARY, 0),
        (Tier.SMALL, 0),
    )
