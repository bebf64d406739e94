"""The customer pyramid (客户金字塔) and tiered management (分级管理).

It encodes tiered management as the CRM chapter §2 teaches it: rank customers by the
value they create; the top 1% are KEY (重要客户), the next 19% MAJOR (主要客户), the next 30%
ORDINARY (普通客户), the bottom 50% SMALL (小客户, including the bad 劣质客户). KEY and
MAJOR are the key accounts (关键客户). Each tier has its own policy; SMALL customers go
through the text's four steps in its order (can it be upgraded, must it really go, phase
it out tactfully, end it decisively only for poor credit and no prospects); a lost
customer's next action is a win-back or let-go decision, not its tier's treatment;
customers move between tiers over time.

Decisions where the text is silent (see ``docs/pyramid.md``):

- a customer's *position* is the number of customers whose value is at least its own
  (itself included); it is KEY when its position is within the KEY quota, and so on. So
  equal values always share a tier, and a tie that straddles a boundary goes to the
  lower tier (a tier is a promise of resources: no tier is over-filled);
- quotas are the cut-offs times the population, rounded half up: with 50 customers the
  KEY quota is round(0.5) = 1, so the best customer is KEY;
- a value of zero or less is SMALL whatever its rank: a tier above SMALL must be earned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from custrel._labels import Bilingual, Labelled
from custrel._validators import unit_interval
from custrel.errors import InputDataError, InvalidValue
from custrel.lifecycle import STAGE_GUIDANCE, Stage
from custrel.money import decimal_from_float, to_decimal
from custrel.periods import Period
from custrel.scoring import (
    Assessment,
    AssessmentColumns,
    Direction,
    Judgement,
    Mark,
    Standing,
    TrendAssessment,
    Verdict,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "ASSISTANTS_PER_MANAGER",
    "BARCLAYS_PERSONAL_BANKING",
    "HSBC_BALANCE_FEE",
    "NEW_CUSTOMER_COST_IN_KEPT",
    "SEED_CUTOFFS",
    "SEED_TIER_POLICIES",
    "SHARED_MANAGER_CLIENTS",
    "VISITING_SHARE_OF_YEAR",
    "AccountManagerExample",
    "BalanceFee",
    "CustomerMove",
    "DiscountType",
    "EffortAllocation",
    "EffortShares",
    "KeyAccountDuty",
    "Migration",
    "Move",
    "PaymentTerms",
    "Placement",
    "Pyramid",
    "Recommendation",
    "ServiceLevel",
    "SmallCustomerStep",
    "Tier",
    "TierCutoffs",
    "TierEffort",
    "TierPolicy",
    "TierSummary",
    "Treatment",
    "TreatmentPolicy",
    "allocate_effort",
    "build_pyramid",
    "migrate",
    "recommend",
    "stabilise",
    "tier_codes",
    "treatment_codes",
    "visiting_days",
]


class Tier(Labelled):
    """A level of the customer pyramid, best first."""

    KEY = ("key", "top customer", "重要客户")
    MAJOR = ("major", "major customer", "主要客户")
    ORDINARY = ("ordinary", "ordinary customer", "普通客户")
    SMALL = ("small", "small customer", "小客户")

    @property
    def key_account(self) -> bool:
        """Whether the tier is one of the key accounts (关键客户 = KEY + MAJOR)."""
        return self in (Tier.KEY, Tier.MAJOR)


_TIERS: Final = tuple(Tier)
_TIER_INDEX: Final = {t: i for i, t in enumerate(_TIERS)}


def _share(value: float, field: str = "share") -> Decimal:
    # A policy share is a float (``unit_interval`` has already checked it, and 0 or 1 may
    # come as ints): the digits written, 0.19, are the share meant.
    return decimal_from_float(field, float(value))


@attrs.frozen
class TierCutoffs:
    """The share of customers in each tier above SMALL (SMALL takes the rest).

    Defaults are the text's 1% / 19% / 30% (so 50% are SMALL); other schemes use other
    percentiles.
    """

    key: float = attrs.field(default=0.01, validator=unit_interval)  # CRM §2: 重要客户 1%
    major: float = attrs.field(default=0.19, validator=unit_interval)  # CRM §2: 主要客户 19%
    ordinary: float = attrs.field(default=0.30, validator=unit_interval)  # CRM §2: 普通客户 30%

    def __attrs_post_init__(self) -> None:
        """Check the three shares leave a non-negative share for SMALL."""
        total = sum(_share(x) for x in (self.key, self.major, self.ordinary))
        if total > 1:
            raise InvalidValue(
                "cutoffs", (self.key, self.major, self.ordinary), "shares summing to at most 1"
            )

    def quotas(self, population: int) -> tuple[int, int, int]:
        """Cumulative positions ending KEY, MAJOR and ORDINARY in ``population`` (half up).

        Example:
            >>> TierCutoffs().quotas(1000)
            (10, 200, 500)
            >>> TierCutoffs().quotas(50)
            (1, 10, 25)
        """
        out: list[int] = []
        cumulative = Decimal(0)
        for share in (self.key, self.major, self.ordinary):
            cumulative += _share(share)
            out.append(int((cumulative * population).to_integral_value(ROUND_HALF_UP)))
        return out[0], out[1], out[2]


SEED_CUTOFFS: Final = TierCutoffs()


def _tier_at(position: int, value_positive: bool, quotas: tuple[int, int, int]) -> Tier:
    if not value_positive:
        return Tier.SMALL
    for tier, quota in zip(_TIERS, quotas, strict=False):
        if position <= quota:
            return tier
    return Tier.SMALL


# --- the pyramid -----------------------------------------------------------------------


@attrs.frozen
class Placement:
    """Where one customer sits in the pyramid.

    Attributes:
        customer_id: the customer.
        value: the value it was ranked by (profit by default).
        position: how many customers have a value at least its own (itself included).
        tier: its tier.
        bad: whether it was flagged as a bad customer.
    """

    customer_id: str
    value: Decimal
    position: int
    tier: Tier
    bad: bool = False

    @property
    def inferior(self) -> bool:
        """A bad customer inside SMALL: a 劣质客户."""
        return self.bad and self.tier is Tier.SMALL


@attrs.frozen
class TierSummary:
    """One row of the two pictures of figure 21-3: customers (pyramid) and value (inverted).

    Attributes:
        tier: the tier.
        count: customers in the tier.
        customer_share: count / population.
        total_value: sum of the tier's values.
        value_share: total_value / total of all values; ``None`` when that total is not positive.
        bad: flagged bad customers in the tier.
    """

    tier: Tier
    count: int
    customer_share: float
    total_value: Decimal
    value_share: float | None
    bad: int


def _value(customer_id: str, value: object) -> Decimal:
    # A float is a float64 result handed over from an engine or a DataFrame column: it
    # crosses by its shortest repr. Anything else is taken as exact money or refused.
    try:
        if isinstance(value, float):
            return decimal_from_float("value", value)
        return to_decimal("value", value)
    except InvalidValue as error:
        raise InputDataError(
            f"value must be {error.allowed}", column=customer_id, value=value
        ) from None


@attrs.frozen
class Pyramid:
    """Customers placed in tiers, with the cut-offs used.

    Build it with `build_pyramid`; compare two with `migrate`.
    """

    placements: tuple[Placement, ...]
    cutoffs: TierCutoffs = SEED_CUTOFFS
    currency: str | None = None
    _index: Mapping[str, Placement] = attrs.field(init=False, repr=False, eq=False)

    @_index.default
    def _build_index(self) -> Mapping[str, Placement]:
        return MappingProxyType({p.customer_id: p for p in self.placements})

    def _repr_html_(self) -> str:
        from custrel._html import pyramid_html

        return pyramid_html(self)

    def __len__(self) -> int:
        """The number of customers."""
        return len(self.placements)

    def __contains__(self, customer_id: object) -> bool:
        """Whether ``customer_id`` is in the pyramid."""
        return customer_id in self._index

    def placement(self, customer_id: str) -> Placement:
        """Where ``customer_id`` sits.

        Raises:
            InvalidValue: the customer is not in the pyramid.
        """
        try:
            return self._index[customer_id]
        except KeyError:
            raise InvalidValue("customer_id", customer_id, "a customer in the pyramid") from None

    def tier(self, customer_id: str) -> Tier:
        """The tier of ``customer_id``."""
        return self.placement(customer_id).tier

    @property
    def tiers(self) -> Mapping[str, Tier]:
        """Customer id -> tier."""
        return MappingProxyType({p.customer_id: p.tier for p in self.placements})

    def members(self, tier: Tier) -> tuple[Placement, ...]:
        """The placements in ``tier``, best first."""
        return tuple(p for p in self.placements if p.tier is tier)

    @property
    def inferior(self) -> tuple[Placement, ...]:
        """The bad customers inside SMALL (劣质客户)."""
        return tuple(p for p in self.placements if p.inferior)

    def summary(self) -> tuple[TierSummary, ...]:
        """Per tier: count, share of customers, total value, share of value (figure 21-3)."""
        n = len(self.placements)
        grand = sum((p.value for p in self.placements), Decimal(0))
        rows = []
        for tier in _TIERS:
            members = self.members(tier)
            total = sum((p.value for p in members), Decimal(0))
            rows.append(
                TierSummary(
                    tier=tier,
                    count=len(members),
                    customer_share=len(members) / n if n else 0.0,
                    total_value=total,
                    value_share=float(total / grand) if grand > 0 else None,
                    bad=sum(p.bad for p in members),
                )
            )
        return tuple(rows)

    @property
    def key_account_value_share(self) -> float | None:
        """The observed share of value held by the key accounts (KEY + MAJOR).

        The text says "about 50%" in one place and "about 80%" in another; custrel reports
        what your data shows. ``None`` when the total value is not positive.
        """
        rows = self.summary()
        shares = [r.value_share for r in rows[:2]]
        if shares[0] is None or shares[1] is None:
            return None
        key_total = rows[0].total_value + rows[1].total_value
        grand = sum((r.total_value for r in rows), Decimal(0))
        return float(key_total / grand)


def build_pyramid(
    values: Mapping[str, Decimal | int | float],
    *,
    cutoffs: TierCutoffs = SEED_CUTOFFS,
    bad: Collection[str] = frozenset(),
    currency: str | None = None,
) -> Pyramid:
    """Rank customers by value and place each in a tier.

    Args:
        values: customer id -> value (profit by default; any "more is better" number).
        cutoffs: tier shares (default the text's 1/19/30/50).
        bad: ids of bad customers, flagged in their placement (劣质客户 when SMALL).
        currency: the currency of the values, when they are amounts.

    Raises:
        InputDataError: a value is not a finite number (``column`` names the customer).
        InvalidValue: a ``bad`` id is not among the customers.

    Examples:
        The text's split on 1,000 customers:
        >>> p = build_pyramid({f"c{i}": i + 1 for i in range(1000)})
        >>> [row.count for row in p.summary()]
        [10, 190, 300, 500]
    """
    decimals = {cid: _value(cid, v) for cid, v in values.items()}
    unknown_bad = set(bad) - decimals.keys()
    if unknown_bad:
        raise InvalidValue("bad", sorted(unknown_bad)[0], "ids of customers in values")
    ordered = sorted(decimals.items(), key=lambda item: (-item[1], item[0]))
    quotas = cutoffs.quotas(len(ordered))
    placements: list[Placement] = []
    # Walk from the bottom so each tie group's position is its last (lowest) rank.
    position = len(ordered)
    for i in range(len(ordered) - 1, -1, -1):
        cid, value = ordered[i]
        if i + 1 < len(ordered) and ordered[i + 1][1] != value:
            position = i + 1
        placements.append(
            Placement(cid, value, position, _tier_at(position, value > 0, quotas), cid in bad)
        )
    placements.reverse()
    return Pyramid(tuple(placements), cutoffs, currency)


def tier_codes(
    values: npt.NDArray[np.float64], cutoffs: TierCutoffs = SEED_CUTOFFS
) -> npt.NDArray[np.int8]:
    """`build_pyramid` for a float64 array: the index of each value's tier in ``tuple(Tier)``.

    KEY=0, MAJOR=1, ORDINARY=2, SMALL=3, by exactly the rules of `build_pyramid`
    (ties never split, values <= 0 SMALL, quotas rounded half up). Runs in O(n): a value
    is within a quota ``q`` exactly when it is greater than the ``q``-th largest value.

    Raises:
        InputDataError: a value is NaN or infinite (``row`` is 1-based).

    Example:
        >>> import numpy as np
        >>> tier_codes(np.array([5.0, 1.0, 3.0, -2.0])).tolist()  # quotas (0, 1, 2) of 4
        [1, 3, 2, 3]
    """
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise InputDataError(f"values must be one-dimensional; got shape {v.shape}")
    finite = np.isfinite(v)
    if not finite.all():
        row = int(np.argmin(finite))
        raise InputDataError("value must be finite", row=row + 1, value=float(v[row]))
    n = v.shape[0]
    codes = np.full(n, _TIER_INDEX[Tier.SMALL], dtype=np.int8)
    quotas = cutoffs.quotas(n)
    # The (q+1)-th largest value for each quota q < n: within quota iff strictly greater.
    kth = sorted({n - 1 - q for q in quotas if q < n})
    part = np.partition(v, kth) if kth else v
    # Assign from the lowest tier up so higher tiers overwrite.
    for index in (2, 1, 0):
        q = quotas[index]
        inside = v > 0 if q >= n else (v > part[n - 1 - q]) & (v > 0)
        codes[inside] = index
    return codes


# --- migration ---------------------------------------------------------------------------


class Move(Labelled):
    """How a customer's tier changed between two pyramids."""

    UP = ("up", "moved up", "升级")
    DOWN = ("down", "moved down", "降级")
    SAME = ("same", "same tier", "不变")
    NEW = ("new", "new in the pyramid", "新进入")
    GONE = ("gone", "no longer in the pyramid", "已离开")


@attrs.frozen
class CustomerMove:
    """One customer's move: its tier before and after (``None`` when absent)."""

    customer_id: str
    before: Tier | None
    after: Tier | None

    @property
    def move(self) -> Move:
        """Up, down, same, new or gone."""
        if self.before is None:
            return Move.NEW
        if self.after is None:
            return Move.GONE
        b, a = _TIER_INDEX[self.before], _TIER_INDEX[self.after]
        return Move.SAME if a == b else (Move.UP if a < b else Move.DOWN)


@attrs.frozen
class Migration:
    """Every customer's move between two pyramids, and the migration matrix."""

    moves: tuple[CustomerMove, ...]

    @property
    def matrix(self) -> Mapping[tuple[Tier | None, Tier | None], int]:
        """(tier before, tier after) -> customers; ``None`` stands for absent."""
        return MappingProxyType(dict(Counter((m.before, m.after) for m in self.moves)))

    def count(self, move: Move) -> int:
        """How many customers made ``move``."""
        return sum(1 for m in self.moves if m.move is move)


def migrate(before: Pyramid, after: Pyramid) -> Migration:
    """Compare two pyramids (two periods): each customer's move and the migration matrix."""
    ids = sorted(set(before.tiers) | set(after.tiers))
    b, a = before.tiers, after.tiers
    return Migration(tuple(CustomerMove(cid, b.get(cid), a.get(cid)) for cid in ids))


def stabilise(
    current: Pyramid,
    previous: Pyramid | Mapping[str, Tier],
    *,
    soft_landing: bool = True,
    hysteresis: float = 0.01,
) -> Pyramid:
    """Damp tier changes: hysteresis at the boundaries, and a soft landing.

    Hysteresis: a customer keeps its previous tier while its position is within
    ``round_half_up(hysteresis * population)`` places of that tier's range, so a customer
    on a boundary does not flip every period. Soft landing: a customer drops at most one
    tier per period. A value of zero or less is SMALL regardless (loss-makers are never
    shielded). New customers take their tier as ranked. Tiers may then hold slightly more
    or fewer customers than the cut-offs.

    Raises:
        InvalidValue: ``hysteresis`` is not in [0, 1].
    """
    if not 0 <= hysteresis <= 1:
        raise InvalidValue("hysteresis", hysteresis, "a share of the population in [0, 1]")
    prior = previous.tiers if isinstance(previous, Pyramid) else previous
    n = len(current)
    band = int((_share(hysteresis, "hysteresis") * n).to_integral_value(ROUND_HALF_UP))
    quotas = current.cutoffs.quotas(n)
    ends = (*quotas, n)
    starts = (0, *quotas)
    placements = []
    for p in current.placements:
        tier = p.tier
        before = prior.get(p.customer_id)
        if before is not None and p.value > 0 and tier is not before:
            i = _TIER_INDEX[before]
            lo, hi = starts[i], ends[i]
            distance = p.position - hi if p.position > hi else lo + 1 - p.position
            if distance <= band:
                tier = before
            if soft_landing and _TIER_INDEX[tier] > i + 1:
                tier = _TIERS[i + 1]
        placements.append(attrs.evolve(p, tier=tier))
    return attrs.evolve(current, placements=tuple(placements))


# --- tier policies -------------------------------------------------------------------------


class ServiceLevel(Labelled):
    """How much service a tier gets."""

    PREMIUM = ("premium", "proactive, customised one-to-one service", "优质、优先、个性化服务")
    STANDARD = ("standard", "standard service", "标准服务")
    BASIC = ("basic", "basic service, fewer items", "基本服务")


class DiscountType(Labelled):
    """Discounts offered to key accounts (the CRM chapter §2)."""

    ONE_OFF_QUANTITY = ("one_off_quantity", "one-off quantity discount", "一次性数量折扣")
    PERIODIC_CUMULATIVE = (
        "periodic_cumulative",
        "periodic cumulative discount",
        "定期累计数量折扣",
    )
    UNLIMITED_CUMULATIVE = (
        "unlimited_cumulative",
        "unlimited cumulative discount",
        "无期限累计数量折扣",
    )
    DIRECT = ("direct", "direct discount", "直接折扣")
    FREQUENT_BUYER = ("frequent_buyer", "frequent-buyer reward", "常客奖励")


class PaymentTerms(Labelled):
    """Payment and credit terms by tier."""

    FLEXIBLE_CREDIT = ("flexible_credit", "flexible payment, some credit", "灵活支付、允许一定赊账")
    STANDARD = ("standard", "standard terms", "标准付款条件")
    CASH_OR_PREPAY = ("cash_or_prepay", "cash or prepayment", "现款或预付")


class KeyAccountDuty(Labelled):
    """What the firm owes its key accounts, in the order of the CRM chapter §2 (关键客户管理法)."""

    DEDICATED_UNIT = ("dedicated_unit", "a dedicated service unit", "成立为关键客户服务的专门机构")
    ACCOUNT_MANAGER = (
        "account_manager",
        "a named manager for each large key account; smaller ones share one",
        "重要的关键客户安排一名客户经理，规模较小的几个客户共用一名",
    )
    WATCH_DECLINE = (
        "watch_decline",
        "watch key accounts in decline, help when needed, look out for signs of a bad debt",
        "关注衰退和困难的关键客户，必要时伸出援手，防范倒账",
    )
    CONCENTRATE_RESOURCES = (
        "concentrate_resources",
        "spend 80% of effort on the top 20%",
        "为20%的客户花80%的努力",
    )
    PRIORITY_SUPPLY = (
        "priority_supply",
        "supply them first when stock is short",
        "供货紧张时优先保证",
    )
    FINANCIAL_BENEFITS = (
        "financial_benefits",
        "discounts, flexible payment and some credit",
        "优惠价格和折扣、灵活支付、适当赊账",
    )
    VIP_CHANNEL = ("vip_channel", "a VIP service channel", "VIP客户服务通道")
    SPECIAL_CARE = (
        "special_care",
        "special care and status, valued above price discounts",
        "“特别关心”：表明地位和身份，比价格优惠更受看重",
    )
    PLANNED_VISITS = (
        "planned_visits",
        "planned visits: about 1/3 of a sales manager's year, key accounts first",
        "有计划地拜访：营销主管每年约1/3时间拜访客户，以关键客户为主",
    )
    SEEK_OPINIONS = (
        "seek_opinions",
        "senior management asks their opinion, e.g. a yearly meeting",
        "高层经常征求意见，如每年一次座谈会",
    )
    COMPLAINTS_FIRST = (
        "complaints_first",
        "handle their complaints first, quickly and expertly",
        "优先、迅速、专业地处理投诉",
    )
    TWO_WAY_COMMUNICATION = (
        "two_way_communication",
        "fast two-way communication to learn their needs",
        "建立快速、双向的沟通渠道",
    )
    CELEBRATE_MILESTONES = (
        "celebrate_milestones",
        "congratulate them on anniversaries, honours and major moves",
        "在周年庆典、获得荣誉、重大举措时表示祝贺与支持",
    )


#: Good sales managers spend about a third of their year visiting customers, key accounts
#: first (the CRM chapter §2: 每年大约有1/3的时间是在拜访客户中度过的).
VISITING_SHARE_OF_YEAR: Final = Fraction(1, 3)


def visiting_days(working_days: int) -> Fraction:
    """Days of a sales manager's working year to plan for visits (about a third).

    Example:
        >>> visiting_days(300)
        Fraction(100, 1)

    Raises:
        InvalidValue: ``working_days`` is not an integer >= 0.
    """
    given: object = working_days
    if isinstance(given, bool) or not isinstance(given, int) or given < 0:
        raise InvalidValue("working_days", given, "an integer >= 0")
    return VISITING_SHARE_OF_YEAR * working_days


@attrs.frozen
class TierPolicy:
    """How a tier is served (the CRM chapter §2, 分级管理).

    Attributes:
        tier: the tier.
        service_level: how much service.
        dedicated_manager: a named account manager.
        clients_per_manager: customers per account manager (1 = their own); ``None`` = none.
        assistants_per_manager: assistants each manager has.
        priority_supply: served first when stock is short.
        discounts: discount types offered.
        payment_terms: payment and credit terms.
        vip_channel: a VIP service channel.
        visit_cadence: planned visits, or ``None``.
        senior_meeting_yearly: a yearly meeting with senior management.
        complaint_priority: 1 is handled first.
        duties: the key-account duties that apply, in the text's order.
        decided: names of the fields whose values are custrel's decisions where the text
            gives no number (e.g. the visit cadence); every other value is the text's.
    """

    tier: Tier
    service_level: ServiceLevel
    dedicated_manager: bool
    clients_per_manager: int | None
    assistants_per_manager: int
    priority_supply: bool
    discounts: frozenset[DiscountType]
    payment_terms: PaymentTerms
    vip_channel: bool
    visit_cadence: Period | None
    senior_meeting_yearly: bool
    complaint_priority: int
    duties: tuple[KeyAccountDuty, ...] = ()
    decided: frozenset[str] = frozenset()


@attrs.frozen
class AccountManagerExample:
    """A named example of account managers for key clients, as the text reports it.

    Attributes:
        name: whose practice this is.
        clients_per_manager: key clients each manager serves.
        assistants_per_manager: assistants each manager has.
        managers: account managers in all.
        centres: service centres in all.
        key_threshold: income or assets from which a client gets a manager.
        private_banking_threshold: income or assets from which a client goes to private banking.
        currency: the thresholds' currency.
    """

    name: Bilingual
    clients_per_manager: int
    assistants_per_manager: int
    managers: int
    centres: int
    key_threshold: Decimal
    private_banking_threshold: Decimal
    currency: str


#: Barclays' personal banking (the CRM chapter §2): 42 centres, 700+ managers with one assistant
#: each, about 300 key clients per manager; £50k for a manager (要客), £250k for private
#: banking. An example from one bank's personal customers, not the rule for every MAJOR tier.
BARCLAYS_PERSONAL_BANKING: Final = AccountManagerExample(
    name=Bilingual("Barclays personal banking", "英国巴克莱银行个人客户"),
    clients_per_manager=300,
    assistants_per_manager=1,
    managers=700,
    centres=42,
    key_threshold=Decimal(50_000),
    private_banking_threshold=Decimal(250_000),
    currency="GBP",
)

#: Smaller key accounts share a manager (几个客户安排一个客户经理). "Several" is the text's
#: word; five is custrel's decision.
SHARED_MANAGER_CLIENTS: Final = 5
#: An assistant per manager follows the Barclays example; a decision for other firms.
ASSISTANTS_PER_MANAGER: Final = 1
_KEY_DISCOUNTS: Final = frozenset(
    {
        DiscountType.ONE_OFF_QUANTITY,
        DiscountType.PERIODIC_CUMULATIVE,
        DiscountType.UNLIMITED_CUMULATIVE,
        DiscountType.DIRECT,
    }
)
_KEY_DUTIES: Final = tuple(KeyAccountDuty)

#: The default policy of each tier. Large key accounts (KEY) get their own manager; the
#: smaller ones (MAJOR) share one. Visit cadences (KEY monthly, MAJOR quarterly), the
#: shared-manager ratio and the assistant are custrel's decisions: the text asks for
#: "planned, regular visits" and "several customers per manager" without numbers.
SEED_TIER_POLICIES: Final[Mapping[Tier, TierPolicy]] = MappingProxyType(
    {
        Tier.KEY: TierPolicy(
            tier=Tier.KEY,
            service_level=ServiceLevel.PREMIUM,
            dedicated_manager=True,
            clients_per_manager=1,
            assistants_per_manager=ASSISTANTS_PER_MANAGER,
            priority_supply=True,
            discounts=_KEY_DISCOUNTS,
            payment_terms=PaymentTerms.FLEXIBLE_CREDIT,
            vip_channel=True,
            visit_cadence=Period.MONTH,
            senior_meeting_yearly=True,
            complaint_priority=1,
            duties=_KEY_DUTIES,
            decided=frozenset({"visit_cadence", "assistants_per_manager"}),
        ),
        Tier.MAJOR: TierPolicy(
            tier=Tier.MAJOR,
            service_level=ServiceLevel.PREMIUM,
            dedicated_manager=False,
            clients_per_manager=SHARED_MANAGER_CLIENTS,
            assistants_per_manager=ASSISTANTS_PER_MANAGER,
            priority_supply=True,
            discounts=_KEY_DISCOUNTS,
            payment_terms=PaymentTerms.FLEXIBLE_CREDIT,
            vip_channel=True,
            visit_cadence=Period.QUARTER,
            senior_meeting_yearly=True,
            complaint_priority=1,
            duties=_KEY_DUTIES,
            decided=frozenset({"visit_cadence", "clients_per_manager", "assistants_per_manager"}),
        ),
        Tier.ORDINARY: TierPolicy(
            tier=Tier.ORDINARY,
            service_level=ServiceLevel.STANDARD,
            dedicated_manager=False,
            clients_per_manager=None,
            assistants_per_manager=0,
            priority_supply=False,
            discounts=frozenset({DiscountType.FREQUENT_BUYER}),
            payment_terms=PaymentTerms.STANDARD,
            vip_channel=False,
            visit_cadence=None,
            senior_meeting_yearly=False,
            complaint_priority=2,
            decided=frozenset({"complaint_priority"}),
        ),
        Tier.SMALL: TierPolicy(
            tier=Tier.SMALL,
            service_level=ServiceLevel.BASIC,
            dedicated_manager=False,
            clients_per_manager=None,
            assistants_per_manager=0,
            priority_supply=False,
            discounts=frozenset(),
            payment_terms=PaymentTerms.CASH_OR_PREPAY,
            vip_channel=False,
            visit_cadence=None,
            senior_meeting_yearly=False,
            complaint_priority=3,
            decided=frozenset({"complaint_priority"}),
        ),
    }
)

_CURRENCY_ZH: Final = {"CNY": "元", "HKD": "港元", "GBP": "英镑", "USD": "美元", "EUR": "欧元"}
_EVERY_ZH: Final = {
    Period.DAY: "每天",
    Period.WEEK: "每周",
    Period.MONTH: "每月",
    Period.QUARTER: "每季度",
    Period.YEAR: "每年",
}


def _amount(value: Decimal, currency: str, lang: Literal["en", "zh"]) -> str:
    if lang == "en":
        return f"{currency} {value:,}"
    return f"{value}{_CURRENCY_ZH.get(currency, currency)}"


@attrs.frozen
class BalanceFee:
    """A fee charged below a balance threshold: a tactful price rise for small customers.

    Examples:
        HSBC Hong Kong: HK$40 a month below HK$5,000, the CRM chapter §2:
        >>> HSBC_BALANCE_FEE.fee_for(Decimal("4999.99")), HSBC_BALANCE_FEE.fee_for(Decimal(5000))
        (Decimal('40'), Decimal('0'))
        >>> print(HSBC_BALANCE_FEE.text("en"))
        a fee of HKD 40 a month on balances below HKD 5,000
        >>> print(HSBC_BALANCE_FEE.text("zh"))
        对余额不足5000港元的客户每月收取40港元服务费
    """

    threshold: Decimal
    fee: Decimal
    currency: str
    period: Period

    def fee_for(self, balance: Decimal) -> Decimal:
        """The fee for a customer holding ``balance``: ``fee`` below the threshold, else 0."""
        return self.fee if balance < self.threshold else Decimal(0)

    def text(self, lang: Literal["en", "zh"] = "en") -> str:
        """The fee as a reader would say it, with its amount, currency and period."""
        fee, threshold = (_amount(x, self.currency, lang) for x in (self.fee, self.threshold))
        if lang == "en":
            return f"a fee of {fee} a {self.period.value} on balances below {threshold}"
        return f"对余额不足{threshold}的客户{_EVERY_ZH[self.period]}收取{fee}服务费"


HSBC_BALANCE_FEE: Final = BalanceFee(Decimal(5000), Decimal(40), "HKD", Period.MONTH)


# --- treatments ------------------------------------------------------------------------------


class Treatment(Labelled):
    """What to do next with a customer, from its tier (or lost stage), verdict and trend."""

    KEY_ACCOUNT_CARE = ("key_account_care", "key-account care", "关键客户重点维护")
    KEY_ACCOUNT_REVIEW = (
        "key_account_review",
        "key account under review: big is not good",
        "关键客户风险审查（大客户不等于好客户）",
    )
    KEY_ACCOUNT_SUPPORT = (
        "key_account_support",
        "key account in decline: analyse, help, watch for bad-debt signs",
        "关键客户出现衰退（深入分析，必要时伸出援手，防范倒账）",
    )
    UPGRADE = ("upgrade", "upgrade programme", "升级计划")
    HOLD_COST = ("hold_cost", "hold cost down", "控制成本、维持")
    TRACK = ("track", "keep tracking before judging", "跟踪观察")
    NURTURE = ("nurture", "nurture: help it grow", "培育升级")
    RETAIN = ("retain", "keep at low cost", "低成本保留")
    PHASE_OUT_PRICE = (
        "phase_out_price",
        "phase out tactfully: raise price",
        "有理有节淘汰（提高价格）",
    )
    PHASE_OUT_COST = (
        "phase_out_cost",
        "phase out tactfully: cut cost to serve",
        "有理有节淘汰（降低服务成本）",
    )
    TERMINATE = ("terminate", "end the relationship decisively", "坚决淘汰")
    WIN_BACK = (
        "win_back",
        "lost: learn why, and win it back (open a win-back case)",
        "已流失（了解原因，值得挽回则立案挽回）",
    )
    LET_GO = (
        "let_go",
        "lost: learn why, but let it go (not worth winning back)",
        "已流失（了解原因，不值得挽回则放弃）",
    )


_TREATMENTS: Final = tuple(Treatment)

#: Winning a new customer costs as much as keeping five to six (the CRM chapter §2).
NEW_CUSTOMER_COST_IN_KEPT: Final = (5, 6)


class SmallCustomerStep(Labelled):
    """The four steps for small customers, in the order of the CRM chapter §2 (小客户管理法)."""

    CAN_UPGRADE = ("can_upgrade", "can it be upgraded?", "判断有没有升级的可能")
    MUST_IT_GO = ("must_it_go", "must it really go?", "考虑是不是非淘汰不可")
    PHASE_OUT_TACTFULLY = ("phase_out_tactfully", "phase it out tactfully", "有理有节地淘汰")
    END_DECISIVELY = (
        "end_decisively",
        "end it decisively: poor credit and no prospects",
        "坚决淘汰劣质客户（信用状况差、没有发展前途）",
    )

    @property
    def number(self) -> int:
        """The step's number in the text, 1 to 4."""
        return _SMALL_STEPS.index(self) + 1


_SMALL_STEPS: Final = tuple(SmallCustomerStep)


@attrs.frozen
class TreatmentPolicy:
    """Parameters of `recommend`.

    Attributes:
        tracking_windows: windows a small customer is tracked before it is judged unable to
            grow ("立足于一段时间的跟踪，不能根据某一时点的表现就轻易否定").
        balance_fee: the fee used to phase out by price, if the firm has one.
    """

    tracking_windows: int = 2
    balance_fee: BalanceFee | None = HSBC_BALANCE_FEE


@attrs.frozen
class Recommendation:
    """A treatment and its reasons, in English and Chinese.

    Attributes:
        treatment: what to do.
        step: the step of the four-step decision for SMALL customers (1 to 4), else ``None``.
        reasons_en: why, in English.
        reasons_zh: why, in Chinese.
    """

    treatment: Treatment
    step: int | None
    reasons_en: tuple[str, ...]
    reasons_zh: tuple[str, ...]

    def reasons(self, lang: Literal["en", "zh"] = "en") -> tuple[str, ...]:
        """The reasons in ``lang``."""
        return self.reasons_zh if lang == "zh" else self.reasons_en


def _worth_winning_back(tier: Tier, assessment: Assessment, poor_credit: bool) -> bool:
    # Decision: a lost customer is worth a win-back case when losing it costs the firm
    # something — it was a key account, or its projected value or stated potential is
    # positive — and its credit is not settled bad. Everyone else is let go.
    if poor_credit:
        return False
    return tier.key_account or assessment.lifetime_value > 0 or assessment.growth_potential is True


def recommend(  # noqa: PLR0911, PLR0912, PLR0915 - one branch per step of the text
    tier: Tier,
    assessment: Assessment,
    trend: TrendAssessment | None = None,
    policy: TreatmentPolicy | None = None,
    *,
    stage: Stage | None = None,
) -> Recommendation:
    """Recommend what to do next with one customer, with bilingual reasons.

    - A LOST customer (``stage``) is not served by its tier: contact it to learn why it
      left and weigh what losing it costs; open a win-back case when it is worth it,
      else let it go (the lifecycle's guidance for lost customers).
    - KEY / MAJOR: under review when the verdict is BAD or a big-customer risk is raised
      (大客户不等于好客户); in decline, support it and watch for signs of a bad debt;
      else key-account care.
    - ORDINARY: an upgrade programme if it can grow (growth potential or an improving
      trend, not deteriorating, and untrustworthiness not seen); else hold cost down.
    - SMALL, the four steps in the text's order: (1) can it be upgraded? — nurture it when
      it can grow or the firm states its future value, keep tracking while it has been
      seen for fewer than ``tracking_windows`` windows; (2) must it really go? — not when
      it breaks even and its credit is not settled bad; (3) phase it out tactfully — cut
      cost to serve when the margin is eaten by service, else raise price; (4) end it
      decisively only when its credit is settled bad (hard evidence or a verdict held
      across windows) *and* it has no prospects (信用状况差、没有发展前途).
    """
    pol = policy if policy is not None else TreatmentPolicy()
    no_credit = assessment.finding(Mark.NO_CREDIT).judgement is Judgement.FIRED
    poor_credit = no_credit and assessment.standing is Standing.SETTLED
    direction = trend.direction if trend is not None else Direction.UNKNOWN
    growing = direction is Direction.IMPROVING or (
        assessment.growth_potential is True and direction is not Direction.DETERIORATING
    )
    en: list[str] = [f"tier: {tier.en}; verdict: {assessment.label('en')}"]
    zh: list[str] = [f"级别：{tier.zh}；评价：{assessment.label('zh')}"]

    def done(treatment: Treatment, step: SmallCustomerStep | None = None) -> Recommendation:
        return Recommendation(
            treatment, None if step is None else step.number, tuple(en), tuple(zh)
        )

    if stage is Stage.LOST:
        guidance = STAGE_GUIDANCE[Stage.LOST]
        en.append(f"lost customer: {guidance.goal.en}")
        zh.append(f"流失客户：{guidance.goal.zh}")
        en.extend(a.en for a in guidance.actions)
        zh.extend(a.zh for a in guidance.actions)
        if _worth_winning_back(tier, assessment, poor_credit):
            en.append("worth winning back: open a win-back case")
            zh.append("值得挽回：立案挽回")
            return done(Treatment.WIN_BACK)
        en.append("not worth winning back: let it go")
        zh.append("不值得挽回：放弃")
        return done(Treatment.LET_GO)

    if tier.key_account:
        risks = assessment.raised_risks
        if assessment.verdict is Verdict.BAD or risks:
            en.extend(f"risk raised: {r.en}" for r in risks)
            zh.extend(f"风险：{r.zh}" for r in risks)
            if assessment.verdict is Verdict.BAD:
                en.append("a big customer is not necessarily a good one")
                zh.append("大客户不等于好客户")
            return done(Treatment.KEY_ACCOUNT_REVIEW)
        if direction is Direction.DETERIORATING:
            en.append(
                "in decline: analyse it, help when needed, watch its operations, "
                "finances and staff for signs of a bad debt"
            )
            zh.append(
                "出现衰退：深入分析，必要时伸出援手，密切注意其经营、财务、人事异动，避免倒账"
            )
            return done(Treatment.KEY_ACCOUNT_SUPPORT)
        en.append("key account: dedicated unit, priority supply, 80% of effort on the top 20%")
        zh.append("关键客户：专门机构服务、优先供货，为20%的客户花80%的努力")
        return done(Treatment.KEY_ACCOUNT_CARE)

    if tier is Tier.ORDINARY:
        if growing and not no_credit:
            en.append("it can grow: frequent-buyer rewards, thresholds, up-selling")
            zh.append("有升级潜力：常客奖励、累计奖励、扩充产品线")
            return done(Treatment.UPGRADE)
        en.append("no sign of growth: no extra investment, cash or prepayment, fewer services")
        zh.append("没有升级潜力：不增加投入，现款或预付，减少服务项目")
        return done(Treatment.HOLD_COST)

    step = SmallCustomerStep
    # (1) Can it be upgraded? Judge over a period of tracking, not at one point.
    if growing and not poor_credit:
        en.append("step 1: it can be upgraded — nurture it (revisits, gifts, mailings)")
        zh.append("第一步：有升级可能——加强培育（回访、赠品、刊物）")
        return done(Treatment.NURTURE, step.CAN_UPGRADE)
    windows = trend.windows if trend is not None else assessment.windows
    if windows < pol.tracking_windows and not poor_credit:
        en.append(f"step 1: tracked {windows} window(s) of {pol.tracking_windows}: judge a trend")
        zh.append(f"第一步：已跟踪{windows}期，需{pol.tracking_windows}期，看趋势再判断")
        return done(Treatment.TRACK, step.CAN_UPGRADE)
    # (2) Must it really go? Small customers carry scale economies.
    low, high = NEW_CUSTOMER_COST_IN_KEPT
    if assessment.profit >= 0 and not poor_credit:
        en.append(f"step 2: it need not go — a new customer costs as much as keeping {low}-{high}")
        zh.append(f"第二步：不是非淘汰不可——开发一个新客户的成本相当于维护{low}～{high}个老客户")
        return done(Treatment.RETAIN, step.MUST_IT_GO)
    # (3) Phase it out tactfully — unless it is a 劣质客户: poor credit and no prospects.
    if not (poor_credit and not growing):
        if poor_credit:
            en.append("its credit is poor but it has prospects: no decisive end")
            zh.append("信用状况差但有发展前途：不坚决淘汰")
        if assessment.net_income > 0:
            if assessment.profit < 0:
                en.append(
                    "step 3: loss-making because of service cost — serve less often, "
                    "cheaper channel"
                )
                zh.append("第三步：服务成本造成亏损——减少服务频次，改用更经济的渠道")
            else:
                en.append("step 3: serve it at lower cost and risk — cheaper channel, no credit")
                zh.append("第三步：降低服务成本和风险——改用更经济的渠道，不再赊销")
            return done(Treatment.PHASE_OUT_COST, step.PHASE_OUT_TACTFULLY)
        fee = pol.balance_fee
        if fee is not None:
            en.append(f"step 3: no margin — raise price, e.g. {fee.text('en')}")
            zh.append(f"第三步：没有利润——提高价格，例如{fee.text('zh')}")
        else:
            en.append(
                "step 3: no margin — raise price (charge for free services, sell high-margin)"
            )
            zh.append("第三步：没有利润——提高价格（收取服务费、推销高利润产品）")
        return done(Treatment.PHASE_OUT_PRICE, step.PHASE_OUT_TACTFULLY)
    # (4) End it decisively.
    en.append(
        "step 4: poor credit and no prospects — stop credit, collect: courtesy first, "
        "then legal action"
    )
    zh.append("第四步：信用状况差、没有发展前途——停止赊销、清收欠款，先礼后兵")
    return done(Treatment.TERMINATE, step.END_DECISIVELY)


def _shown_positive(values: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    # The per-customer rule compares the value as shown to the cent (``Decimal(f"{v:.2f}")``);
    # only values within a cent of zero can differ from ``v > 0``, so only they are formatted.
    import numpy as np

    out = values > 0
    near = np.flatnonzero(np.abs(values) < 0.01)
    for i in near.tolist():
        out[i] = Decimal(f"{values[i]:.2f}") > 0
    return out


def treatment_codes(
    tiers: npt.NDArray[np.int8],
    assessed: AssessmentColumns,
    *,
    directions: npt.NDArray[np.int8] | None = None,
    windows: npt.NDArray[np.int64] | None = None,
    policy: TreatmentPolicy | None = None,
    settled: npt.NDArray[np.bool_] | None = None,
    stages: npt.NDArray[np.int8] | None = None,
) -> npt.NDArray[np.int8]:
    """`recommend` for whole columns: the index of each treatment in ``tuple(Treatment)``.

    Held to `recommend` by ``test_treatment_codes_agree_with_recommend``.

    Args:
        tiers: tier codes from `tier_codes`.
        assessed: the result of `assess_columns` for the same rows.
        directions: optional index into ``tuple(Direction)`` per row (default UNKNOWN).
        windows: optional windows tracked per row (default ``assessed.windows``).
        policy: treatment parameters.
        settled: whether each verdict is settled (default: hard evidence, as for one
            window; pass `settled_columns` over several windows).
        stages: optional index into ``tuple(Stage)`` per row; LOST rows get a win-back
            or let-go action instead of their tier's treatment.

    Raises:
        InputDataError: the arrays differ in length.
    """
    import numpy as np

    pol = policy if policy is not None else TreatmentPolicy()
    n = len(assessed)

    def rows(name: str, values: object, default: npt.NDArray[np.generic]) -> npt.NDArray[Any]:
        if values is None:
            return default
        arr = np.asarray(values)
        if arr.shape != (n,):
            raise InputDataError(f"{name} must have {n} rows; got shape {arr.shape}", column=name)
        return arr

    dirs_ = tuple(Direction)
    t = rows("tiers", tiers, np.zeros(0))
    d = rows("directions", directions, np.full(n, dirs_.index(Direction.UNKNOWN), dtype=np.int8))
    w = rows("windows", windows, assessed.windows)
    s = rows("settled", settled, assessed.hard_evidence).astype(bool)
    no_credit = (assessed.fired >> np.uint16(tuple(Mark).index(Mark.NO_CREDIT))) & 1 == 1
    poor_credit = no_credit & s
    improving = d == dirs_.index(Direction.IMPROVING)
    deteriorating = d == dirs_.index(Direction.DETERIORATING)
    growing = improving | ((assessed.growth == 1) & ~deteriorating)
    bad = assessed.verdict == tuple(Verdict).index(Verdict.BAD)
    key = t <= _TIER_INDEX[Tier.MAJOR]
    ordinary = t == _TIER_INDEX[Tier.ORDINARY]
    small = t == _TIER_INDEX[Tier.SMALL]
    code = _TREATMENTS.index

    out = np.full(n, code(Treatment.TERMINATE), dtype=np.int8)
    # SMALL: the steps are applied last-first so that earlier steps overwrite later ones.
    phase_out = small & ~(poor_credit & ~growing)
    out[phase_out] = code(Treatment.PHASE_OUT_PRICE)
    out[phase_out & (assessed.net_income > 0)] = code(Treatment.PHASE_OUT_COST)
    out[small & (assessed.profit >= 0) & ~poor_credit] = code(Treatment.RETAIN)
    out[small & (w < pol.tracking_windows) & ~poor_credit] = code(Treatment.TRACK)
    out[small & growing & ~poor_credit] = code(Treatment.NURTURE)
    out[ordinary] = code(Treatment.HOLD_COST)
    out[ordinary & growing & ~no_credit] = code(Treatment.UPGRADE)
    out[key] = code(Treatment.KEY_ACCOUNT_CARE)
    out[key & deteriorating] = code(Treatment.KEY_ACCOUNT_SUPPORT)
    out[key & (bad | (assessed.risks_raised != 0))] = code(Treatment.KEY_ACCOUNT_REVIEW)
    if stages is not None:
        lost = rows("stages", stages, np.zeros(0)) == tuple(Stage).index(Stage.LOST)
        worth = ~poor_credit & (
            key | _shown_positive(assessed.lifetime_value) | (assessed.growth == 1)
        )
        out[lost] = code(Treatment.LET_GO)
        out[lost & worth] = code(Treatment.WIN_BACK)
    return out


# --- effort allocation ---------------------------------------------------------------------


@attrs.frozen
class EffortShares:
    """Share of the service budget per tier: 80% of effort on the top 20% (the CRM chapter §2).

    The text gives 80% to the key accounts; the split inside them and below is custrel's.
    """

    key: float = attrs.field(default=0.30, validator=unit_interval)
    major: float = attrs.field(default=0.50, validator=unit_interval)
    ordinary: float = attrs.field(default=0.15, validator=unit_interval)
    small: float = attrs.field(default=0.05, validator=unit_interval)

    def __attrs_post_init__(self) -> None:
        """Check the shares sum to exactly 1."""
        if sum(self.decimals()) != 1:
            raise InvalidValue("shares", self.decimals(), "shares summing to exactly 1")

    def decimals(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """The shares as exact decimals, in ``tuple(Tier)`` order."""
        k, m, o, s = (_share(x) for x in (self.key, self.major, self.ordinary, self.small))
        return k, m, o, s


@attrs.frozen
class TierEffort:
    """One tier's budget and, when known, its actual cost to serve.

    Attributes:
        tier: the tier.
        customers: customers in the tier.
        budget: the tier's share of the budget (0 when the tier is empty).
        per_customer: budget per customer, or ``None`` for an empty tier.
        cost_to_serve: actual cost to serve the tier, when costs were given.
    """

    tier: Tier
    customers: int
    budget: Decimal
    per_customer: Decimal | None
    cost_to_serve: Decimal | None


@attrs.frozen
class EffortAllocation:
    """A service budget split across tiers.

    Attributes:
        rows: one per tier.
        unallocated: the share of empty tiers, reported rather than silently moved.
        currency: the currency of the budget.
    """

    rows: tuple[TierEffort, ...]
    unallocated: Decimal
    currency: str


def allocate_effort(
    pyramid: Pyramid,
    budget: Decimal,
    currency: str,
    *,
    shares: EffortShares | None = None,
    costs: Mapping[str, Decimal] | None = None,
) -> EffortAllocation:
    """Split a service budget across tiers, and report cost to serve per tier.

    Raises:
        InvalidValue: a negative budget, or ``costs`` not covering exactly the pyramid's customers.
    """
    if not budget.is_finite() or budget < 0:
        raise InvalidValue("budget", budget, "a finite Decimal >= 0")
    sh = (shares if shares is not None else EffortShares()).decimals()
    if costs is not None:
        stray = sorted(set(costs) ^ set(pyramid.tiers))
        if stray:
            raise InvalidValue(
                "costs", stray[0], "one cost for every customer in the pyramid, and no other"
            )
    rows = []
    unallocated = Decimal(0)
    for tier, share in zip(_TIERS, sh, strict=True):
        members = pyramid.members(tier)
        amount = budget * share
        if not members:
            unallocated += amount
            amount = Decimal(0)
        cost = None if costs is None else sum((costs[p.customer_id] for p in members), Decimal(0))
        rows.append(
            TierEffort(tier, len(members), amount, amount / len(members) if members else None, cost)
        )
    return EffortAllocation(tuple(rows), unallocated, currency)
