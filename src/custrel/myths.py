"""Ten myths about customers, each with the text's correction, and the rules a library can enforce.

It encodes the ten myths of *Who stole your customers?* (关于客户的"十大传说") as a
catalogue in the text's order; each entry says what the myth claims, what the text answers, and —
for the four myths custrel can enforce — which function or rule enforces it. This
module enforces two of them itself:

- myth 4: a targeted, personal call at home is welcome, an untargeted mass-marketing
  one is not, and no call at dinner time (晚餐时间除外——毋庸置疑): `check_planned_call`;
- myth 9: about 30% of needs are specific to an industry or customer, the rest are the
  common drivers of loyalty: `SPECIFIC_NEEDS_SHARE` and `split_needs`.

Myth 5 (no sales pitch before the problem is solved) lives in the complaint workflow,
myth 6 (personal data only for its purpose) in the customer profile, myth 8 (an apology
with an assurance) in the complaint policy; the catalogue names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Final

import attrs

from custrel._labels import Bilingual, Labelled
from custrel._validators import require_aware
from custrel.errors import CustrelError, InvalidValue

__all__ = [
    "MYTHS",
    "SPECIFIC_NEEDS_SHARE",
    "CallPolicy",
    "Myth",
    "MythEntry",
    "UnwelcomeCall",
    "check_planned_call",
    "split_needs",
]


class Myth(Labelled):
    """The ten myths about customers, in the text's order (*Who stole your customers?*)."""

    LOWEST_PRICE = ("lowest_price", "customers want the lowest price", "我们的客户想要最低的价格")
    KNOW_WHAT_THEY_WANT = (
        "know_what_they_want",
        "we know what customers want (or do not)",
        "我们知道客户想要（或不想要）什么",
    )
    CANNOT_IMAGINE = (
        "cannot_imagine",
        "customers cannot imagine what does not exist",
        "客户无法设想出不存在的东西",
    )
    NO_CALLS_AT_HOME = (
        "no_calls_at_home",
        "customers never want calls at home",
        "客户不希望电话打到家里",
    )
    NO_SALES_ON_SERVICE_CALLS = (
        "no_sales_on_service_calls",
        "customers want no sales pitch when they call for service",
        "客户不希望在拨打客服电话的时候收到推销",
    )
    NO_PERSONAL_DATA = (
        "no_personal_data",
        "customers do not want to give personal data",
        "客户不想要提供自己的个人信息",
    )
    HATE_TRANSFERS = ("hate_transfers", "customers hate being transferred", "客户讨厌电话转接")
    APOLOGY_NOT_ENOUGH = (
        "apology_not_enough",
        "an apology is never enough, so do not apologise",
        "道歉永远不够（所以我们别这么做）",
    )
    SPECIAL_NEEDS = (
        "special_needs",
        "our customers and their needs are special",
        "我们的客户和其需求是特别的",
    )
    KNOW_WHAT_THEY_NEED = (
        "know_what_they_need",
        "we know what customers need (or do not)",
        "我们知道客户需要（不需要）什么",
    )

    @property
    def number(self) -> int:
        """The myth's number in the text, 1 to 10."""
        return _ORDER.index(self) + 1

    @property
    def entry(self) -> MythEntry:
        """The catalogue entry: the text's correction and what enforces it."""
        return MYTHS[self]


_ORDER: Final = tuple(Myth)


@attrs.frozen
class MythEntry:
    """A myth with the text's correction.

    Attributes:
        myth: the myth.
        correction: what the text answers, in English and Chinese.
        enforced_by: the dotted name of the custrel function or class that enforces the
            correction, or ``None`` when it is advice a library cannot enforce.
    """

    myth: Myth
    correction: Bilingual
    enforced_by: str | None = None

    @property
    def enforceable(self) -> bool:
        """Whether custrel enforces the correction as a rule."""
        return self.enforced_by is not None


#: The ten myths with the text's corrections, in the text's order.
MYTHS: Final[Mapping[Myth, MythEntry]] = MappingProxyType(
    {
        Myth.LOWEST_PRICE: MythEntry(
            Myth.LOWEST_PRICE,
            Bilingual(
                "price is one lever among many: differentiate by the buying and paying process, "
                "the service and expert advice",
                "价格只是差异化的一种手段：购买流程、付款流程、服务和专业建议都能创造价值",
            ),
        ),
        Myth.KNOW_WHAT_THEY_WANT: MythEntry(
            Myth.KNOW_WHAT_THEY_WANT,
            Bilingual(
                "only customers know what they want: gather it from them directly, not from "
                "the firm's years of experience",
                "比我们更了解客户想要什么的是客户自己：信息必须直接从客户那里收集",
            ),
        ),
        Myth.CANNOT_IMAGINE: MythEntry(
            Myth.CANNOT_IMAGINE,
            Bilingual(
                "ask not only what customers want but why: how they get value from it",
                "除了问客户想要什么，还要理解为什么：客户如何从中获得价值",
            ),
        ),
        Myth.NO_CALLS_AT_HOME: MythEntry(
            Myth.NO_CALLS_AT_HOME,
            Bilingual(
                "a targeted, personal call is welcome; a generic campaign call is not; "
                "never at dinner time",
                "有的放矢、针对个人的来电客户心存感激，笼统的营销电话令人厌烦；晚餐时间除外",
            ),
            "custrel.myths.check_planned_call",
        ),
        Myth.NO_SALES_ON_SERVICE_CALLS: MythEntry(
            Myth.NO_SALES_ON_SERVICE_CALLS,
            Bilingual(
                "once the problem is solved and satisfaction confirmed, a personal offer is "
                "welcome; never before, never a generic pitch",
                "问题顺利解决、掌握客户满意度之后，正是个性化推销的恰当时机；之前绝对不要推销",
            ),
            "custrel.complaints.Command.offer_cross_sell",
        ),
        Myth.NO_PERSONAL_DATA: MythEntry(
            Myth.NO_PERSONAL_DATA,
            Bilingual(
                "customers share data for personal service if it is kept by the staff whose "
                "role needs it and used only for the purpose it was given for",
                "企业保管数据，仅限职能匹配的员工使用，并仅用于提供数据的原始目的，客户就会共享信息",
            ),
            "custrel.profile.Purpose",
        ),
        Myth.HATE_TRANSFERS: MythEntry(
            Myth.HATE_TRANSFERS,
            Bilingual(
                "a transfer to the right expert reassures, if it is a warm transfer: the "
                "first agent stays on the line and explains the case to the next",
                "转接到专业的人能让客户安心，前提是“温暖的移交”：第一个接线员留在线上并说明来电原因",
            ),
            "custrel.complaints.Command.hand_over",
        ),
        Myth.APOLOGY_NOT_ENOUGH: MythEntry(
            Myth.APOLOGY_NOT_ENOUGH,
            Bilingual(
                "admit the fault and apologise, with an assurance that the cause is fixed "
                "(e.g. a letter signed by management)",
                "承认过失并道歉，同时保证已采取措施防止再次发生（如管理层签署的信件）",
            ),
            "custrel.complaints",
        ),
        Myth.SPECIAL_NEEDS: MythEntry(
            Myth.SPECIAL_NEEDS,
            Bilingual(
                "most needs are common drivers of loyalty; about 30% are specific to an "
                "industry or customer, with their own priorities",
                "大部分需求是普遍的忠诚度驱动因素，约30%与特定行业或客户有关，优先次序也不同",
            ),
            "custrel.myths.split_needs",
        ),
        Myth.KNOW_WHAT_THEY_NEED: MythEntry(
            Myth.KNOW_WHAT_THEY_NEED,
            Bilingual(
                "product expertise is not knowing what is best for the customer: understand "
                "why they need it, and involve them",
                "产品专长不等于了解客户需求：理解客户为什么需要，并让客户参与",
            ),
        ),
    }
)


# --- myth 4: when a call at home is welcome -----------------------------------------------


class UnwelcomeCall(CustrelError):
    """A planned call to a customer at home breaks the contact-time rule; it was not planned.

    Attributes:
        at: the planned time, in the customer's local time.
        rule: which rule it breaks (``"untargeted"`` or ``"dinner_time"``).
    """

    def __init__(self, at: datetime, rule: str, reason: str) -> None:
        """Record the time, the rule and why."""
        self.at = at
        self.rule = rule
        super().__init__(f"call at {at.isoformat()} breaks rule {rule!r}: {reason}")


def _time(_instance: object, attribute: attrs.Attribute[time], value: object) -> None:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise InvalidValue(attribute.name, value, "a datetime.time without tzinfo (local time)")


@attrs.frozen
class CallPolicy:
    """When calls to customers at home are made.

    The text says "晚餐时间除外" without hours; custrel's decision is 18:00 to 20:00 in the
    customer's local time, a parameter.

    Attributes:
        dinner_start: start of dinner time, local (inclusive).
        dinner_end: end of dinner time, local (exclusive).
    """

    dinner_start: time = attrs.field(default=time(18, 0), validator=_time)
    dinner_end: time = attrs.field(default=time(20, 0), validator=_time)

    @dinner_end.validator
    def _check_order(self, _attribute: object, value: time) -> None:
        if value <= self.dinner_start:
            raise InvalidValue(
                "dinner_end", value, f"a time after dinner_start={self.dinner_start}"
            )

    def at_dinner(self, at: datetime) -> bool:
        """Whether ``at`` (a local, timezone-aware time) falls in dinner time."""
        local = require_aware("at", at).timetz().replace(tzinfo=None)
        return self.dinner_start <= local < self.dinner_end


def check_planned_call(at: datetime, *, targeted: bool, policy: CallPolicy | None = None) -> None:
    """Check a planned call to a customer at home against myth 4's correction.

    A call is welcome when it is targeted and personal (about the customer's own
    investments, a change that affects them) and not at dinner time ("晚餐时间除外——毋庸
    置疑"). ``at`` must carry the customer's own timezone: dinner time is theirs.

    Raises:
        UnwelcomeCall: the call is an untargeted campaign call, or it falls at dinner time.
        NaiveDatetime: ``at`` has no timezone.

    Example:
        >>> from datetime import timezone, timedelta
        >>> hk = timezone(timedelta(hours=8))
        >>> check_planned_call(datetime(2026, 3, 2, 10, 0, tzinfo=hk), targeted=True)
        >>> check_planned_call(datetime(2026, 3, 2, 18, 30, tzinfo=hk), targeted=True)
        Traceback (most recent call last):
        ...
        custrel.myths.UnwelcomeCall: call at 2026-03-02T18:30:00+08:00 breaks rule 'dinner_time': \
no call at dinner time (18:00 to 20:00 local)
    """
    p = policy if policy is not None else CallPolicy()
    require_aware("at", at)
    if not targeted:
        raise UnwelcomeCall(
            at, "untargeted", "a call at home must be targeted and personal, not a campaign call"
        )
    if p.at_dinner(at):
        start, end = p.dinner_start.strftime("%H:%M"), p.dinner_end.strftime("%H:%M")
        raise UnwelcomeCall(at, "dinner_time", f"no call at dinner time ({start} to {end} local)")


# --- myth 9: about 30% of needs are specific ------------------------------------------------

#: About 30% of customers' actual needs are specific to an industry or customer (*Who stole
#: your customers?*, myth 9: 大约30%左右的现实需求往往会和某个特定行业或客户的具体情况有关).
SPECIFIC_NEEDS_SHARE: Final = Decimal("0.3")


def split_needs(needs: int, share: Decimal = SPECIFIC_NEEDS_SHARE) -> tuple[int, int]:
    """Split a list of ``needs`` into (specific, common) counts, rounding specific half up.

    The text's advice: serve the common drivers of loyalty first ("走"), then research the
    ~30% of specific needs and their priorities for each segment ("跑") — never clone one
    segment's model everywhere.

    Example:
        >>> split_needs(10), split_needs(7)
        ((3, 7), (2, 5))

    Raises:
        InvalidValue: ``needs`` is not an integer >= 0, or ``share`` is outside [0, 1].
    """
    given: object = needs
    if isinstance(given, bool) or not isinstance(given, int) or given < 0:
        raise InvalidValue("needs", given, "an integer >= 0")
    given_share: object = share
    if not (isinstance(given_share, Decimal) and share.is_finite() and 0 <= share <= 1):
        raise InvalidValue("share", share, "a Decimal in [0, 1]")
    specific = int((share * needs).to_integral_value(ROUND_HALF_UP))
    return specific, needs - specific
