"""Desk metrics: how a complaint desk is doing over many complaints.

Times to acknowledge, agree and close, the share closed satisfied, the reopen rate,
service-level breaches by tier (key accounts first, as the desk handles them) and the
causes ranked — the figures a manager reads to see whether complaints are handled fast
and to the customer's satisfaction (the CRM chapter §2: 动作要快；直到客户答复满意为止).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

import attrs

from custrel.business_calendar import BusinessCalendar, Clock
from custrel.complaint_sla import SlaPolicy, sla_report
from custrel.complaints import (
    TIERS_BEST_FIRST,
    Complaint,
    ComplaintAction,
    ComplaintCause,
    ComplaintState,
)
from custrel.pyramid import Tier

__all__ = ["DeskMetrics", "desk_metrics"]

A = ComplaintAction
S = ComplaintState


@attrs.frozen(kw_only=True)
class DeskMetrics:
    """How a complaint desk is doing over many complaints (wall-clock durations)."""

    count: int
    open: int
    median_to_acknowledge: timedelta | None
    median_to_agree: timedelta | None
    median_to_close: timedelta | None
    closed_satisfied_share: float | None
    reopen_rate: float | None
    breaches_by_tier: tuple[tuple[Tier, int], ...]
    causes_ranked: tuple[tuple[ComplaintCause, int], ...]


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def desk_metrics(
    complaints: Iterable[Complaint],
    calendar: BusinessCalendar,
    clock: Clock,
    policy: SlaPolicy | None = None,
) -> DeskMetrics:
    """Desk metrics: times to acknowledge, agree and close; satisfied share; reopens; breaches.

    - times run from registration to the first CONTACT, CONFIRM_AGREEMENT and CLOSE;
    - the satisfied share is closed-satisfied over complaints that have ended;
    - the reopen rate is complaints reopened at least once over those that reached a
      follow-up;
    - breaches count complaints with any breached clock, by tier (every tier listed);
    - causes are ranked by count, most frequent first (ties in enum order).
    """
    items = list(complaints)
    to_ack: list[timedelta] = []
    to_agree: list[timedelta] = []
    to_close: list[timedelta] = []
    ended = satisfied = followed = reopened = 0
    breaches = Counter[Tier]()
    causes = Counter(c.cause for c in items)
    for c in items:
        for action, bucket in (
            (A.CONTACT, to_ack),
            (A.CONFIRM_AGREEMENT, to_agree),
            (A.CLOSE, to_close),
        ):
            entry = c.first(action)
            if entry is not None:
                bucket.append(entry.at - c.registered_at)
        if not c.state.is_open:
            ended += 1
            satisfied += c.state is S.CLOSED_SATISFIED
        if c.first(A.BEGIN_FOLLOW_UP) is not None:
            followed += 1
            reopened += c.progress.reopen_count > 0
        if sla_report(c, calendar, clock, policy).breached:
            breaches[c.tier] += 1
    order = {cause: i for i, cause in enumerate(ComplaintCause)}
    return DeskMetrics(
        count=len(items),
        open=len(items) - ended,
        median_to_acknowledge=_median(to_ack),
        median_to_agree=_median(to_agree),
        median_to_close=_median(to_close),
        closed_satisfied_share=satisfied / ended if ended else None,
        reopen_rate=reopened / followed if followed else None,
        breaches_by_tier=tuple((t, breaches[t]) for t in TIERS_BEST_FIRST),
        causes_ranked=tuple(sorted(causes.items(), key=lambda kv: (-kv[1], order[kv[0]]))),
    )
