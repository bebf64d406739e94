"""The complaint desk: the seven-step workflow, its guards, SLA clocks, compensation and metrics.

Encodes ``shared/DOMAIN.md`` §4: seed 001 §2 (客户投诉 — the causes, the seven-step
procedure 处理程序, the four-step method 处理方法, the seven key points 处理要点, the six
steps to calm a customer 平息顾客的不满), seed 003 (myth 5: offer a sale only once the
problem is solved and satisfaction confirmed; myth 8: an apology works best with an
assurance) and seed 004 (mistake 8: complaint policies are guidelines staff may adjust).

Everything that decides whether a step may happen lives in this file, as data:
:data:`TRANSITIONS` (which action leads where), :data:`GUARDS` (what a step needs) and
:data:`AUTHORITY` (who may take it), with :class:`WorkflowPolicy` for the approver
seniority that depends on severity and tier. A :class:`Complaint` is immutable; its
append-only :attr:`~Complaint.history` is the record of truth and every other view of
the complaint (its state, tasks, follow-ups, pauses) is derived from it by replay.

The customer's tier is the pyramid's :class:`~custrel.pyramid.Tier` and amounts are
:class:`~custrel.money.Money`; the desk's own reading of them (which tier is handled
first, that compensation is never a negative amount) is kept here.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Final

import attrs

from custrel._labels import Labelled
from custrel._machine import TransitionTable
from custrel._validators import aware, optional_aware, require_aware
from custrel.business_calendar import BusinessCalendar, Clock
from custrel.errors import (
    EventOutOfOrder,
    GuardNotMet,
    InvalidValue,
    NotAuthorized,
)
from custrel.money import Money
from custrel.pyramid import Tier
from custrel.serialization import make_converter

__all__ = [
    "AUTHORITY",
    "GUARDS",
    "PAYLOAD",
    "TRANSITIONS",
    "Actor",
    "Analysis",
    "Channel",
    "Command",
    "CompensationBand",
    "CompensationCase",
    "CompensationDecision",
    "CompensationPolicy",
    "Complaint",
    "ComplaintAction",
    "ComplaintCause",
    "ComplaintDetails",
    "ComplaintState",
    "Department",
    "DeskMetrics",
    "Entry",
    "Fault",
    "FollowUp",
    "Guard",
    "Override",
    "Pause",
    "Progress",
    "Proposal",
    "Recommendation",
    "RemedyType",
    "Risk",
    "Role",
    "Severity",
    "SlaClock",
    "SlaKind",
    "SlaOutcome",
    "SlaPolicy",
    "SlaReport",
    "Task",
    "TaskSpec",
    "WorkflowPolicy",
    "desk_metrics",
    "from_json",
    "recommend_compensation",
    "sla_report",
    "to_json",
    "work_queue",
]


# --- vocabulary ----------------------------------------------------------------


class ComplaintCause(Labelled):
    """Why the customer complains (seed 001 §2, 顾客抱怨与投诉的原因)."""

    QUALITY = ("quality", "product or service quality", "产品或服务的质量问题")
    ATTITUDE = ("attitude", "service attitude or manner", "服务态度或服务方式问题")
    OVERSTATED_ADVERTISING = (
        "overstated_advertising",
        "misled by over-stated advertising",
        "受骗上当：广告过分夸大宣传",
    )
    BROKEN_PROMISE = ("broken_promise", "misled by a promise not kept", "受骗上当：承诺没有兑现")


class Channel(Labelled):
    """How the complaint reached the firm (seed 001 §2: 电话、传真、面对面、热线、网站、邮箱)."""

    PHONE = ("phone", "phone", "电话")
    FAX = ("fax", "fax", "传真")
    IN_PERSON = ("in_person", "in person", "面对面")
    HOTLINE = ("hotline", "free hotline", "免费电话热线")
    WEBSITE = ("website", "website", "网站")
    EMAIL = ("email", "e-mail", "电子信箱")
    LETTER = ("letter", "letter or form", "信函或意见表")


class Severity(Labelled):
    """How serious the problem is (seed 001 §2: 问题的严重性，到何种程度)."""

    LOW = ("low", "low", "轻微")
    MEDIUM = ("medium", "medium", "一般")
    HIGH = ("high", "high", "严重")
    CRITICAL = ("critical", "critical", "非常严重")

    @property
    def rank(self) -> int:
        """0 for LOW up to 3 for CRITICAL."""
        return list(Severity).index(self)


#: The desk's handling priority per pyramid tier, higher first: key accounts' complaints
#: come first (seed 001 §2: 优先 … 处理关键客户的投诉).
_TIER_PRIORITY: Final[Mapping[Tier, int]] = MappingProxyType(
    {Tier.KEY: 3, Tier.MAJOR: 2, Tier.ORDINARY: 1, Tier.SMALL: 0}
)
#: The tiers best first: the column order of the resolution targets and of desk metrics.
_TIERS_BEST_FIRST: Final = tuple(
    sorted(_TIER_PRIORITY, key=_TIER_PRIORITY.__getitem__, reverse=True)
)


class Role(Labelled):
    """Who acts, in order of seniority (seed 001 §2: 记录的人签名确认; 层次要高)."""

    CUSTOMER = ("customer", "the customer", "客户")
    RECORDER = ("recorder", "recorder (clerk, receptionist, salesperson)", "记录人员")
    SERVICE = ("service", "after-sales service staff", "售后服务人员")
    SUPERVISOR = ("supervisor", "supervisor", "主管")
    MANAGER = ("manager", "department head", "部门领导")
    EXECUTIVE = ("executive", "senior management", "企业领导")

    @property
    def rank(self) -> int:
        """Seniority: 0 for the customer, 5 for senior management."""
        return list(Role).index(self)

    @property
    def is_staff(self) -> bool:
        """Everyone but the customer."""
        return self is not Role.CUSTOMER


class Department(Labelled):
    """Departments that carry out an agreement (seed 001 §2, step 6)."""

    WAREHOUSE = ("warehouse", "warehouse", "仓管")
    SHIPPING = ("shipping", "shipping", "发货部门")
    MARKETING = ("marketing", "marketing", "市场管理")
    PRODUCTION = ("production", "production", "生产部门")
    FINANCE = ("finance", "finance", "财务部门")
    AFTER_SALES = ("after_sales", "after-sales service", "售后服务部门")
    MANAGEMENT = ("management", "management", "管理层")


class RemedyType(Labelled):
    """Kinds of remedy (seed 001 §2 key points 5 and 7, calming step 4; seed 003 myth 8)."""

    REPLACEMENT = ("replacement", "replacement", "更换产品")
    REPAIR = ("repair", "repair", "维修")
    REFUND = ("refund", "return and refund", "退货退款")
    DISCOUNT = ("discount", "discount", "打折")
    GIFT = ("gift", "free gift", "免费赠品")
    APOLOGY = ("apology", "apology", "道歉")
    ASSURANCE_LETTER = (
        "assurance_letter",
        "management-signed letter (cause found and fixed)",
        "管理层签署的保证信",
    )
    THANKS = ("thanks", "thanks for the feedback", "对顾客的意见表示感谢")
    PERSONAL_CARE = ("personal_care", "personal care", "以个人名义给予关怀")
    INVITATION = (
        "invitation",
        "invitation to visit a reference customer or an internal meeting",
        "邀请参观或参加内部讨论会",
    )


class Fault(Labelled):
    """Whose fault the problem is (seed 001 §2: 公司方面有无过失？过失程度多大？)."""

    FIRM = ("firm", "the firm's fault", "公司过失")
    SHARED = ("shared", "shared fault", "双方都有过失")
    NONE = ("none", "nobody's fault", "无过失")
    CUSTOMER = ("customer", "the customer's fault", "客户方面的原因")


class Risk(Labelled):
    """A three-level rating, used for word-of-mouth risk (口碑影响)."""

    LOW = ("low", "low", "低")
    MEDIUM = ("medium", "medium", "中")
    HIGH = ("high", "high", "高")


class CompensationBand(Labelled):
    """How generous a remedy is, from a clear "no" to full compensation."""

    NONE = ("none", "no compensation (say no clearly)", "不予补偿（明确说“不”）")
    TOKEN = ("token", "token gesture", "象征性补偿")
    MODERATE = ("moderate", "moderate", "适度补偿")
    GENEROUS = ("generous", "generous", "丰厚补偿")
    FULL = ("full", "full", "全额补偿")

    @property
    def rank(self) -> int:
        """0 for NONE up to 4 for FULL."""
        return list(CompensationBand).index(self)


class ComplaintState(Labelled):
    """Where a complaint is in the seven-step procedure (seed 001 §2, 处理程序)."""

    REGISTERED = ("registered", "registered", "已登记")
    INVESTIGATING = ("investigating", "contacted, investigating", "已联系，了解情况")
    ANALYSED = ("analysed", "analysed and explained", "已分析说明")
    AWAITING_APPROVAL = (
        "awaiting_approval",
        "proposed, awaiting approval",
        "已提出意见，待领导批准",
    )
    REPLIED = ("replied", "approved and replied", "已批准并答复客户")
    AGREED = ("agreed", "agreement signed", "客户确认并签协议")
    IMPLEMENTING = ("implementing", "being implemented", "各部门落实中")
    FOLLOW_UP = ("follow_up", "following up", "跟踪回访")
    CLOSED_SATISFIED = ("closed_satisfied", "closed, customer satisfied", "客户满意，结案")
    REOPENED = ("reopened", "reopened, customer not satisfied", "客户不满意，重新处理")
    REJECTED = ("rejected", "rejected with reasons", "有理有据地拒绝")
    WITHDRAWN = ("withdrawn", "withdrawn by the customer", "客户撤回")

    @property
    def is_open(self) -> bool:
        """Whether work can still happen (not closed, rejected or withdrawn)."""
        return self not in _TERMINAL


class ComplaintAction(Labelled):
    """What someone does to a complaint; each row of :data:`TRANSITIONS` names one."""

    REGISTER = ("register", "register and sign the complaint form", "登记投诉并签名")
    CONTACT = ("contact", "contact the customer, collect the details", "联系客户，了解详情")
    ANALYSE = ("analyse", "analyse and explain", "分析问题并说明")
    PROPOSE = ("propose", "propose a resolution to management", "向领导汇报并提出处理意见")
    APPROVE = ("approve", "approve and reply to the customer", "领导批准并答复客户")
    SEND_BACK = ("send_back", "send the proposal back", "退回处理意见")
    CONFIRM_AGREEMENT = ("confirm_agreement", "customer confirms and signs", "客户确认并签协议")
    DECLINE_PROPOSAL = ("decline_proposal", "customer declines the proposal", "客户不接受方案")
    START_IMPLEMENTATION = (
        "start_implementation",
        "hand the agreement to the departments",
        "将协议反馈给有关部门实施",
    )
    COMPLETE_TASK = ("complete_task", "a department action is done", "部门落实完成")
    BEGIN_FOLLOW_UP = ("begin_follow_up", "begin the follow-up", "开始跟踪回访")
    RECORD_FOLLOW_UP = ("record_follow_up", "record the customer's answer", "记录客户答复")
    CLOSE = ("close", "close (customer satisfied)", "客户满意，结案")
    REOPEN = ("reopen", "reopen (customer not satisfied)", "客户不满意，重新处理")
    REJECT = ("reject", "reject with reasons", "明确地说“不”")
    WITHDRAW = ("withdraw", "customer withdraws", "客户撤回投诉")
    AWAIT_CUSTOMER = ("await_customer", "wait on the customer", "等待客户")
    RESUME = ("resume", "customer responded", "客户已回应")
    ESCALATE = ("escalate", "escalate to a more senior handler", "提高处理人员的级别")
    OFFER_CROSS_SELL = ("offer_cross_sell", "offer a sale", "推荐其他产品")


S = ComplaintState
A = ComplaintAction

_TERMINAL: Final = frozenset({S.CLOSED_SATISFIED, S.REJECTED, S.WITHDRAWN})
_OPEN: Final = tuple(s for s in S if s not in _TERMINAL)
#: States in which the firm may be waiting on the customer (details, a signature, an answer).
_PAUSABLE: Final = (S.INVESTIGATING, S.ANALYSED, S.REPLIED, S.FOLLOW_UP, S.REOPENED)

_ROWS: dict[tuple[ComplaintState | None, ComplaintAction], ComplaintState] = {
    (None, A.REGISTER): S.REGISTERED,
    (S.REGISTERED, A.CONTACT): S.INVESTIGATING,
    (S.INVESTIGATING, A.ANALYSE): S.ANALYSED,
    (S.ANALYSED, A.ANALYSE): S.ANALYSED,
    (S.ANALYSED, A.PROPOSE): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, A.APPROVE): S.REPLIED,
    (S.AWAITING_APPROVAL, A.SEND_BACK): S.ANALYSED,
    (S.REPLIED, A.CONFIRM_AGREEMENT): S.AGREED,
    (S.REPLIED, A.DECLINE_PROPOSAL): S.ANALYSED,
    (S.AGREED, A.START_IMPLEMENTATION): S.IMPLEMENTING,
    (S.IMPLEMENTING, A.COMPLETE_TASK): S.IMPLEMENTING,
    (S.IMPLEMENTING, A.BEGIN_FOLLOW_UP): S.FOLLOW_UP,
    (S.FOLLOW_UP, A.RECORD_FOLLOW_UP): S.FOLLOW_UP,
    (S.FOLLOW_UP, A.CLOSE): S.CLOSED_SATISFIED,
    (S.FOLLOW_UP, A.REOPEN): S.REOPENED,
    (S.FOLLOW_UP, A.OFFER_CROSS_SELL): S.FOLLOW_UP,
    (S.CLOSED_SATISFIED, A.OFFER_CROSS_SELL): S.CLOSED_SATISFIED,
    (S.REOPENED, A.CONTACT): S.INVESTIGATING,
    (S.REOPENED, A.ANALYSE): S.ANALYSED,
}
for _s in (S.ANALYSED, S.AWAITING_APPROVAL, S.REPLIED, S.REOPENED):
    _ROWS[(_s, A.REJECT)] = S.REJECTED
for _s in _OPEN:
    _ROWS[(_s, A.WITHDRAW)] = S.WITHDRAWN
    _ROWS[(_s, A.ESCALATE)] = _s
for _s in _PAUSABLE:
    _ROWS[(_s, A.AWAIT_CUSTOMER)] = _s
    _ROWS[(_s, A.RESUME)] = _s

#: The one declarative transition table of the complaint workflow.
TRANSITIONS: Final[TransitionTable[ComplaintState, ComplaintAction]] = TransitionTable(
    "complaints", ComplaintState, ComplaintAction, _ROWS, terminal=_TERMINAL
)


def _at_least(role: Role) -> frozenset[Role]:
    return frozenset(r for r in Role if r.rank >= role.rank)


_STAFF: Final = _at_least(Role.SERVICE)
_WITH_CUSTOMER: Final = _STAFF | {Role.CUSTOMER}

#: Who may take each action. Approval, sending back and rejecting also need the
#: seniority :meth:`WorkflowPolicy.approver_for` asks for (层次要高).
AUTHORITY: Final[Mapping[ComplaintAction, frozenset[Role]]] = MappingProxyType(
    {
        A.REGISTER: _at_least(Role.RECORDER),
        A.CONTACT: _STAFF,
        A.ANALYSE: _STAFF,
        A.PROPOSE: _STAFF,
        A.APPROVE: _at_least(Role.SUPERVISOR),
        A.SEND_BACK: _at_least(Role.SUPERVISOR),
        A.CONFIRM_AGREEMENT: _WITH_CUSTOMER,
        A.DECLINE_PROPOSAL: _WITH_CUSTOMER,
        A.START_IMPLEMENTATION: _STAFF,
        A.COMPLETE_TASK: _STAFF,
        A.BEGIN_FOLLOW_UP: _STAFF,
        A.RECORD_FOLLOW_UP: _STAFF,
        A.CLOSE: _STAFF,
        A.REOPEN: _STAFF,
        A.REJECT: _at_least(Role.SUPERVISOR),
        A.WITHDRAW: _WITH_CUSTOMER,
        A.AWAIT_CUSTOMER: _STAFF,
        A.RESUME: _WITH_CUSTOMER,
        A.ESCALATE: _STAFF,
        A.OFFER_CROSS_SELL: _STAFF,
    }
)

_NEEDS_APPROVER: Final = frozenset({A.APPROVE, A.SEND_BACK, A.REJECT})

#: The payload field each action must carry (all other payload fields must be empty).
PAYLOAD: Final[Mapping[ComplaintAction, str]] = MappingProxyType(
    {
        A.CONTACT: "details",
        A.ANALYSE: "analysis",
        A.PROPOSE: "proposal",
        A.CONFIRM_AGREEMENT: "signed_by",
        A.COMPLETE_TASK: "task",
        A.RECORD_FOLLOW_UP: "satisfied",
        A.ESCALATE: "level",
        A.OFFER_CROSS_SELL: "offer",
    }
)
_PAYLOAD_FIELDS: Final = (
    "details",
    "analysis",
    "proposal",
    "signed_by",
    "task",
    "satisfied",
    "level",
    "offer",
)


# --- values --------------------------------------------------------------------


def _non_empty(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    text: object = value
    if not isinstance(text, str) or not text.strip():
        raise InvalidValue(attribute.name, value, "a non-empty string")


def _fraction(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    number: object = value
    if (
        isinstance(number, bool)
        or not isinstance(number, (int, float))
        or not (math.isfinite(number) and 0 <= number <= 1)
    ):
        raise InvalidValue(attribute.name, value, "a number between 0 and 1 inclusive")


def _compensation(
    _instance: object, attribute: attrs.Attribute[Money | None], value: Money | None
) -> None:
    money: object = value
    if money is None:
        return
    if not isinstance(money, Money):
        raise InvalidValue(attribute.name, value, "a custrel.money.Money or None")
    if money.amount < 0:
        raise InvalidValue(
            attribute.name, value, "an amount >= 0", "compensation is never a negative amount"
        )


@attrs.frozen
class Actor:
    """Someone who acts on a complaint: a named person with a role (who, in the audit history)."""

    name: str = attrs.field(validator=_non_empty)
    role: Role = attrs.field(validator=attrs.validators.instance_of(Role))


@attrs.frozen(kw_only=True)
class ComplaintDetails:
    """The facts after-sales collects (seed 001 §2, step 2: 名称、规格、生产日期、生产批号 …)."""

    product: str = ""
    model: str = ""
    production_date: date | None = None
    batch: str = ""
    first_used: date | None = None
    usage: str = ""
    symptoms: str = ""
    previous_brand: str = ""


@attrs.frozen(kw_only=True)
class Analysis:
    """The analysis step's findings, and the five questions asked before negotiating.

    Seed 001 §2 (处理方法 (2)(3)): the severity; a long relationship? future purchases?
    word of mouth? a reasonable demand? the firm's fault and its degree? — and how
    often this failure has happened.
    """

    severity: Severity = attrs.field(validator=attrs.validators.instance_of(Severity))
    fault: Fault = attrs.field(validator=attrs.validators.instance_of(Fault))
    fault_degree: float = attrs.field(default=1.0, validator=_fraction)
    demand_reasonable: bool = True
    future_business: bool = True
    long_relationship: bool = False
    word_of_mouth: Risk = attrs.field(
        default=Risk.MEDIUM, validator=attrs.validators.instance_of(Risk)
    )
    occurrences: int = attrs.field(default=1)
    summary: str = ""

    @occurrences.validator
    def _check_occurrences(self, attribute: attrs.Attribute[int], value: int) -> None:
        number: object = value
        if isinstance(number, bool) or not isinstance(number, int) or value < 1:
            raise InvalidValue(attribute.name, value, "an integer >= 1 (this failure, counted)")


@attrs.frozen
class TaskSpec:
    """A department action an agreement needs (seed 001 §2, step 6: 通知仓管出货 …)."""

    department: Department = attrs.field(validator=attrs.validators.instance_of(Department))
    description: str = attrs.field(validator=_non_empty)


@attrs.frozen(kw_only=True)
class Override:
    """A recorded departure from the firm's compensation guideline (seed 004, mistake 8)."""

    by: Actor
    at: datetime = attrs.field(validator=aware)
    reason: str = attrs.field(validator=_non_empty)
    recommended_band: CompensationBand
    recommended_amount: Money | None = attrs.field(validator=_compensation)
    recommended_remedies: tuple[RemedyType, ...]


@attrs.frozen(kw_only=True)
class Proposal:
    """A proposed resolution: remedies, an amount, and the department actions it needs.

    Raises:
        InvalidValue: no remedies, or a negative ``amount``.
    """

    remedies: tuple[RemedyType, ...] = attrs.field()
    tasks: tuple[TaskSpec, ...] = ()
    amount: Money | None = attrs.field(default=None, validator=_compensation)
    summary: str = ""
    override: Override | None = None

    @remedies.validator
    def _check_remedies(
        self, attribute: attrs.Attribute[tuple[RemedyType, ...]], value: tuple[RemedyType, ...]
    ) -> None:
        items: object = value
        if (
            not isinstance(items, tuple)
            or not items
            or not all(isinstance(r, RemedyType) for r in items)
        ):
            raise InvalidValue(attribute.name, value, "one or more RemedyType members")


def _check_level(
    _instance: object, attribute: attrs.Attribute[Role | None], value: Role | None
) -> None:
    level: object = value
    if level is not None and (not isinstance(level, Role) or not level.is_staff):
        raise InvalidValue(attribute.name, value, "a staff Role (not CUSTOMER)")


@attrs.frozen(kw_only=True)
class Command:
    """One action on a complaint: who, what, when, why, and the action's payload.

    Build one with the named constructors (``Command.contact(...)`` …) and apply it
    with :meth:`Complaint.apply`. Exactly the payload field :data:`PAYLOAD` names for
    the action is set.

    Raises:
        NaiveDatetime: ``at`` has no timezone.
        InvalidValue: a payload field is missing, or set for an action that takes none.
    """

    action: ComplaintAction = attrs.field(validator=attrs.validators.instance_of(ComplaintAction))
    actor: Actor = attrs.field(validator=attrs.validators.instance_of(Actor))
    at: datetime = attrs.field(validator=aware)
    reason: str = ""
    details: ComplaintDetails | None = None
    analysis: Analysis | None = None
    proposal: Proposal | None = None
    signed_by: str | None = None
    task: int | None = None
    satisfied: bool | None = None
    level: Role | None = attrs.field(default=None, validator=_check_level)
    offer: str | None = None

    def __attrs_post_init__(self) -> None:
        """Check that exactly the action's payload field is set."""
        wanted = PAYLOAD.get(self.action)
        for name in _PAYLOAD_FIELDS:
            value = getattr(self, name)
            if name == wanted and value is None:
                raise InvalidValue(name, None, f"a value: {self.action.name} needs {name}")
            if name != wanted and value is not None:
                raise InvalidValue(
                    name,
                    value,
                    f"None: {self.action.name} takes " + (wanted if wanted else "no payload"),
                )

    @classmethod
    def make(cls, action: ComplaintAction, actor: Actor, at: datetime, reason: str = "") -> Command:
        """A command for an action that takes no payload."""
        return cls(action=action, actor=actor, at=at, reason=reason)

    @classmethod
    def contact(
        cls, actor: Actor, at: datetime, details: ComplaintDetails, reason: str = ""
    ) -> Command:
        """Step 2: after-sales contacts the customer and records the details."""
        return cls(action=A.CONTACT, actor=actor, at=at, reason=reason, details=details)

    @classmethod
    def analyse(cls, actor: Actor, at: datetime, analysis: Analysis, reason: str = "") -> Command:
        """Step 3: analyse the problem and explain it to the customer."""
        return cls(action=A.ANALYSE, actor=actor, at=at, reason=reason, analysis=analysis)

    @classmethod
    def propose(cls, actor: Actor, at: datetime, proposal: Proposal, reason: str = "") -> Command:
        """Step 4: report to management with a proposed resolution."""
        return cls(action=A.PROPOSE, actor=actor, at=at, reason=reason, proposal=proposal)

    @classmethod
    def confirm_agreement(
        cls, actor: Actor, at: datetime, signed_by: str, reason: str = ""
    ) -> Command:
        """Step 5: the customer confirms the resolution and signs (``signed_by``)."""
        return cls(
            action=A.CONFIRM_AGREEMENT, actor=actor, at=at, reason=reason, signed_by=signed_by
        )

    @classmethod
    def complete_task(cls, actor: Actor, at: datetime, task: int, reason: str = "") -> Command:
        """Step 6: the department action numbered ``task`` is done."""
        return cls(action=A.COMPLETE_TASK, actor=actor, at=at, reason=reason, task=task)

    @classmethod
    def record_follow_up(
        cls, actor: Actor, at: datetime, *, satisfied: bool, reason: str = ""
    ) -> Command:
        """Step 7: record whether the customer says they are satisfied."""
        return cls(
            action=A.RECORD_FOLLOW_UP, actor=actor, at=at, reason=reason, satisfied=satisfied
        )

    @classmethod
    def escalate(cls, actor: Actor, at: datetime, level: Role, reason: str = "") -> Command:
        """Hand the complaint to a more senior handler (层次要高)."""
        return cls(action=A.ESCALATE, actor=actor, at=at, reason=reason, level=level)

    @classmethod
    def offer_cross_sell(cls, actor: Actor, at: datetime, offer: str, reason: str = "") -> Command:
        """Offer a sale — only once satisfaction is confirmed (seed 003, myth 5)."""
        return cls(action=A.OFFER_CROSS_SELL, actor=actor, at=at, reason=reason, offer=offer)


@attrs.frozen
class Entry:
    """One line of the audit history: the command and the states it moved between."""

    seq: int
    command: Command
    source: ComplaintState | None
    target: ComplaintState

    @property
    def at(self) -> datetime:
        """When it happened."""
        return self.command.at

    @property
    def action(self) -> ComplaintAction:
        """What happened."""
        return self.command.action

    @property
    def actor(self) -> Actor:
        """Who did it."""
        return self.command.actor

    @property
    def reason(self) -> str:
        """Why."""
        return self.command.reason


@attrs.frozen
class Task:
    """A department action being tracked during implementation."""

    index: int
    department: Department
    description: str
    done_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    done_by: Actor | None = None

    @property
    def done(self) -> bool:
        """Whether the department reported it done."""
        return self.done_at is not None


@attrs.frozen
class FollowUp:
    """The customer's answer at a follow-up (seed 001 §2, step 7)."""

    at: datetime = attrs.field(validator=aware)
    satisfied: bool
    by: Actor
    comment: str = ""


@attrs.frozen
class Pause:
    """A span during which the desk waits on the customer; SLA clocks stop."""

    start: datetime = attrs.field(validator=aware)
    end: datetime | None = attrs.field(default=None, validator=optional_aware)


@attrs.frozen(kw_only=True)
class Progress:
    """Everything the history implies about a complaint now; derived, never stored.

    Guards read this value. :meth:`advance` folds one more entry in.
    """

    customer: str
    state: ComplaintState | None = None
    last_at: datetime | None = None
    severity: Severity = Severity.MEDIUM
    details: ComplaintDetails = ComplaintDetails()
    analysis: Analysis | None = None
    proposal: Proposal | None = None
    proposed_by: Actor | None = None
    approved_by: Actor | None = None
    signed_by: str | None = None
    tasks: tuple[Task, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    answer: bool | None = None
    pauses: tuple[Pause, ...] = ()
    handler_level: Role = Role.SERVICE
    offers: tuple[str, ...] = ()
    reopen_count: int = 0

    @property
    def paused(self) -> bool:
        """Whether the desk is waiting on the customer right now."""
        return bool(self.pauses) and self.pauses[-1].end is None

    @property
    def all_tasks_done(self) -> bool:
        """Whether every department action is done (vacuously true with none)."""
        return all(t.done for t in self.tasks)

    def advance(self, entry: Entry) -> Progress:  # noqa: PLR0912 - one branch per action
        """The progress after ``entry`` (its legality is checked by the caller)."""
        cmd = entry.command
        changes: dict[str, object] = {"state": entry.target, "last_at": cmd.at}
        pauses = self.pauses
        if self.paused and (entry.target != entry.source or cmd.action is A.RESUME):
            pauses = (*pauses[:-1], Pause(pauses[-1].start, cmd.at))
        action = cmd.action
        if action is A.CONTACT and cmd.details is not None:
            changes["details"] = cmd.details
        elif action is A.ANALYSE and cmd.analysis is not None:
            changes["analysis"] = cmd.analysis
            changes["severity"] = cmd.analysis.severity
        elif action is A.PROPOSE:
            changes.update(proposal=cmd.proposal, proposed_by=cmd.actor, approved_by=None)
        elif action is A.APPROVE:
            changes["approved_by"] = cmd.actor
        elif action is A.CONFIRM_AGREEMENT:
            changes["signed_by"] = cmd.signed_by
        elif action is A.START_IMPLEMENTATION and self.proposal is not None:
            changes["tasks"] = tuple(
                Task(i, spec.department, spec.description)
                for i, spec in enumerate(self.proposal.tasks)
            )
        elif action is A.COMPLETE_TASK and cmd.task is not None:
            changes["tasks"] = tuple(
                attrs.evolve(t, done_at=cmd.at, done_by=cmd.actor) if t.index == cmd.task else t
                for t in self.tasks
            )
        elif action is A.BEGIN_FOLLOW_UP:
            changes["answer"] = None
        elif action is A.RECORD_FOLLOW_UP and cmd.satisfied is not None:
            changes["follow_ups"] = (
                *self.follow_ups,
                FollowUp(cmd.at, cmd.satisfied, cmd.actor, cmd.reason),
            )
            changes["answer"] = cmd.satisfied
        elif action is A.REOPEN:
            changes.update(reopen_count=self.reopen_count + 1, signed_by=None)
        elif action is A.AWAIT_CUSTOMER:
            pauses = (*pauses, Pause(cmd.at))
        elif action is A.ESCALATE and cmd.level is not None:
            changes["handler_level"] = cmd.level
        elif action is A.OFFER_CROSS_SELL and cmd.offer is not None:
            changes["offers"] = (*self.offers, cmd.offer)
        if action in (A.SEND_BACK, A.DECLINE_PROPOSAL):
            changes.update(approved_by=None, signed_by=None)
        changes["pauses"] = pauses
        return attrs.evolve(self, **changes)  # type: ignore[arg-type]


@attrs.frozen
class Guard:
    """A named precondition of an action, stated in words for the error message."""

    name: str
    requires: str
    check: Callable[[Progress, Command], bool] = attrs.field(eq=False, repr=False)


_REASON_GIVEN: Final = Guard(
    "reason_given", "a reason (why) for this step", lambda _p, c: bool(c.reason.strip())
)
_SATISFIED: Final = Guard(
    "satisfaction_confirmed",
    "the customer's follow-up answer: satisfied",
    lambda p, _c: p.answer is True,
)

#: What each action needs beyond the table and the actor's authority. Checked by
#: :meth:`Complaint.apply` and again when a history is replayed (e.g. from JSON).
GUARDS: Final[Mapping[ComplaintAction, tuple[Guard, ...]]] = MappingProxyType(
    {
        A.SEND_BACK: (_REASON_GIVEN,),
        A.DECLINE_PROPOSAL: (_REASON_GIVEN,),
        A.CONFIRM_AGREEMENT: (
            Guard(
                "customer_signed",
                "the agreement signed by the complaining customer (signed_by == customer)",
                lambda p, c: c.signed_by == p.customer,
            ),
        ),
        A.COMPLETE_TASK: (
            Guard(
                "task_open",
                "the index of a department action not yet done",
                lambda p, c: any(t.index == c.task and not t.done for t in p.tasks),
            ),
        ),
        A.BEGIN_FOLLOW_UP: (
            Guard("all_tasks_done", "every department action done", lambda p, _c: p.all_tasks_done),
        ),
        A.CLOSE: (_SATISFIED,),
        A.REOPEN: (
            _REASON_GIVEN,
            Guard(
                "follow_up_unsatisfied",
                "the customer's follow-up answer: not satisfied",
                lambda p, _c: p.answer is False,
            ),
        ),
        A.REJECT: (
            _REASON_GIVEN,
            Guard(
                "unreasonable_and_no_future_business",
                "an analysis finding the demand unreasonable and no future business "
                "(seed 001 §2: 客户方面不合理，且日后不可再有业务来往)",
                lambda p, _c: (
                    p.analysis is not None
                    and not p.analysis.demand_reasonable
                    and not p.analysis.future_business
                ),
            ),
        ),
        A.AWAIT_CUSTOMER: (
            Guard("not_paused", "not already waiting on the customer", lambda p, _c: not p.paused),
        ),
        A.RESUME: (Guard("paused", "waiting on the customer", lambda p, _c: p.paused),),
        A.ESCALATE: (
            Guard(
                "more_senior",
                "a handler level above the current one",
                lambda p, c: c.level is not None and c.level.rank > p.handler_level.rank,
            ),
        ),
        A.OFFER_CROSS_SELL: (_SATISFIED,),
    }
)


@attrs.frozen
class WorkflowPolicy:
    """Who must approve, by severity and tier (层次要高); staff may not approve their own proposal.

    Attributes:
        approver_by_severity: the least senior approver for each severity.
        key_account_approver: the least senior approver for a key account's complaint
            (KEY and MAJOR tiers), who are handled with priority (seed 001 §2).
        four_eyes: the proposer may not approve (seed 001 §2: 申请领导批准).
    """

    # Seeds are silent on the exact levels: a **Decision**, documented in docs/complaints.md.
    approver_by_severity: Mapping[Severity, Role] = attrs.field(
        factory=lambda: MappingProxyType(
            {
                Severity.LOW: Role.SUPERVISOR,
                Severity.MEDIUM: Role.SUPERVISOR,
                Severity.HIGH: Role.MANAGER,
                Severity.CRITICAL: Role.EXECUTIVE,
            }
        ),
        converter=MappingProxyType,
    )
    key_account_approver: Role = Role.MANAGER
    four_eyes: bool = True

    def approver_for(self, severity: Severity, tier: Tier) -> Role:
        """The least senior role that may approve or reject this complaint's resolution."""
        needed = self.approver_by_severity[severity]
        if tier.key_account and self.key_account_approver.rank > needed.rank:
            return self.key_account_approver
        return needed


# --- the complaint -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class Complaint:
    """An immutable complaint with its append-only, time-ordered audit history.

    Create one with :meth:`register`; move it on with :meth:`apply`, which returns a
    new complaint and the :class:`Entry` it recorded. The registration fields say what
    the customer reported; :attr:`progress` (state, analysis, tasks, follow-ups,
    pauses …) is derived by replaying :attr:`history`, so the two cannot disagree.

    Raises:
        InvalidValue: a field is malformed, or the history is not a legal replay
            (wrong sequence, wrong states, a guard that did not hold).
        EventOutOfOrder: the history goes back in time.
        IllegalTransition: the history contains an action its state does not allow.
    """

    id: str = attrs.field(validator=_non_empty)
    customer: str = attrs.field(validator=_non_empty)
    channel: Channel = attrs.field(validator=attrs.validators.instance_of(Channel))
    cause: ComplaintCause = attrs.field(validator=attrs.validators.instance_of(ComplaintCause))
    severity: Severity = attrs.field(validator=attrs.validators.instance_of(Severity))
    tier: Tier = attrs.field(validator=attrs.validators.instance_of(Tier))
    reported: ComplaintDetails = attrs.field(
        factory=ComplaintDetails, validator=attrs.validators.instance_of(ComplaintDetails)
    )
    requested: tuple[RemedyType, ...] = ()
    request_note: str = ""
    address: str = ""
    phone: str = ""
    history: tuple[Entry, ...]
    progress: Progress = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        """Replay the history: the table, time order and the guards must all hold."""
        object.__setattr__(self, "progress", _replay(self))

    @classmethod
    def register(
        cls,
        *,
        id: str,  # noqa: A002 - the domain's word for it
        customer: str,
        channel: Channel,
        cause: ComplaintCause,
        severity: Severity,
        tier: Tier,
        recorder: Actor,
        at: datetime,
        reported: ComplaintDetails | None = None,
        requested: Iterable[RemedyType] = (),
        request_note: str = "",
        address: str = "",
        phone: str = "",
        reason: str = "",
    ) -> Complaint:
        """Step 1: record the complaint on the form; ``recorder`` signs.

        Raises:
            NotAuthorized: ``recorder`` is the customer.
            NaiveDatetime: ``at`` has no timezone.
        """
        command = Command.make(A.REGISTER, recorder, at, reason)
        if recorder.role not in AUTHORITY[A.REGISTER]:
            raise NotAuthorized(recorder, A.REGISTER, _roles(AUTHORITY[A.REGISTER]))
        entry = Entry(0, command, None, TRANSITIONS.target(None, A.REGISTER))
        return cls(
            id=id,
            customer=customer,
            channel=channel,
            cause=cause,
            severity=severity,
            tier=tier,
            reported=reported if reported is not None else ComplaintDetails(),
            requested=tuple(requested),
            request_note=request_note,
            address=address,
            phone=phone,
            history=(entry,),
        )

    @property
    def state(self) -> ComplaintState:
        """The current workflow state."""
        state = self.progress.state
        if state is None:  # pragma: no cover - a replay always registers first
            raise AssertionError("a complaint always has a registration entry")
        return state

    @property
    def registered_at(self) -> datetime:
        """When the complaint was registered."""
        return self.history[0].at

    @property
    def current_severity(self) -> Severity:
        """The analysed severity, or the one reported at registration."""
        return self.progress.severity

    def allowed(self) -> tuple[ComplaintAction, ...]:
        """The actions the table allows now (guards and authority may still refuse)."""
        return TRANSITIONS.allowed(self.state)

    def first(self, action: ComplaintAction) -> Entry | None:
        """The first entry with ``action``, if any."""
        return next((e for e in self.history if e.action is action), None)

    def apply(
        self, command: Command, policy: WorkflowPolicy | None = None
    ) -> tuple[Complaint, Entry]:
        """Apply ``command``; return the new complaint and the entry it recorded.

        Checks, in order: the transition table, time order, the actor's authority,
        then the action's guards. Any failure raises and leaves ``self`` unchanged.

        Raises:
            IllegalTransition: the action is not allowed in the current state.
            EventOutOfOrder: ``command.at`` is before the last entry.
            NotAuthorized: the actor's role may not take the action.
            GuardNotMet: a precondition in :data:`GUARDS` does not hold.
        """
        policy = policy if policy is not None else WorkflowPolicy()
        target = TRANSITIONS.target(self.state, command.action)
        last = self.history[-1].at
        if command.at < last:
            raise EventOutOfOrder(last, command.at)
        self._authorise(command, policy)
        _check_guards(self.progress, command)
        entry = Entry(len(self.history), command, self.state, target)
        return attrs.evolve(self, history=(*self.history, entry)), entry

    def _authorise(self, command: Command, policy: WorkflowPolicy) -> None:
        action, actor = command.action, command.actor
        roles = AUTHORITY[action]
        if actor.role not in roles:
            raise NotAuthorized(actor, action, _roles(roles))
        if action in _NEEDS_APPROVER:
            needed = policy.approver_for(self.current_severity, self.tier)
            if actor.role.rank < needed.rank:
                raise NotAuthorized(
                    actor,
                    action,
                    f"{needed.en} or more senior for a {self.current_severity.en} complaint "
                    f"from a {self.tier.en} (层次要高)",
                )
        if (
            action is A.APPROVE
            and policy.four_eyes
            and self.progress.proposed_by is not None
            and self.progress.proposed_by.name == actor.name
        ):
            raise NotAuthorized(actor, action, "someone other than the proposer (four eyes)")


def _roles(roles: frozenset[Role]) -> str:
    return "one of " + ", ".join(r.name for r in Role if r in roles)


def _check_guards(progress: Progress, command: Command) -> None:
    for guard in GUARDS.get(command.action, ()):
        if not guard.check(progress, command):
            raise GuardNotMet(
                progress.state or "(start)", command.action, guard.name, guard.requires
            )


def _replay(complaint: Complaint) -> Progress:
    history: tuple[object, ...] = complaint.history
    if not history:
        raise InvalidValue("history", (), "at least the registration entry")
    progress = Progress(
        customer=complaint.customer, severity=complaint.severity, details=complaint.reported
    )
    for seq, entry in enumerate(history):
        if not isinstance(entry, Entry):
            raise InvalidValue("history", entry, "Entry values")
        where = f"history[{seq}]"
        if entry.seq != seq:
            raise InvalidValue(f"{where}.seq", entry.seq, f"{seq} (entries are numbered in order)")
        if entry.source != progress.state:
            raise InvalidValue(
                f"{where}.source", entry.source, f"{progress.state!s} (the state it was in)"
            )
        target = TRANSITIONS.target(progress.state, entry.action)
        if entry.target != target:
            raise InvalidValue(f"{where}.target", entry.target, f"{target!s} (per TRANSITIONS)")
        if progress.last_at is not None and entry.at < progress.last_at:
            raise EventOutOfOrder(progress.last_at, entry.at)
        _check_guards(progress, entry.command)
        progress = progress.advance(entry)
    return progress


# --- SLA -----------------------------------------------------------------------


class SlaKind(Labelled):
    """The desk's service-level clocks (seed 001 §2 key point 3: 动作要快，最好当天给客户答复)."""

    ACKNOWLEDGE = ("acknowledge", "acknowledge (contact the customer)", "受理并联系客户")
    FIRST_REPLY = ("first_reply", "first reply with a decision", "首次答复客户")
    RESOLUTION = ("resolution", "resolution (customer satisfied)", "解决（客户满意）")


class SlaOutcome(Labelled):
    """Where a clock stands."""

    ON_TRACK = ("on_track", "on track", "正常")
    AT_RISK = ("at_risk", "near breach", "即将超时")
    BREACHED = ("breached", "breached", "已超时")
    MET = ("met", "met", "按时完成")
    MET_LATE = ("met_late", "met late (breached)", "超时完成")
    NOT_APPLICABLE = ("not_applicable", "not applicable (ended before the milestone)", "不适用")

    @property
    def is_breach(self) -> bool:
        """Whether the target was missed (running or finished)."""
        return self in (SlaOutcome.BREACHED, SlaOutcome.MET_LATE)


def _hours_table() -> Mapping[Severity, Mapping[Tier, int]]:
    # Working hours to a satisfied close, by severity and tier. The seeds give no figures;
    # a **Decision**: critical within a working day; KEY customers at least twice as fast
    # as ORDINARY ones and MAJOR never slower (priority for key accounts, seed 001 §2).
    rows = {
        Severity.CRITICAL: (4, 8, 8, 16),
        Severity.HIGH: (8, 16, 24, 24),
        Severity.MEDIUM: (16, 24, 40, 40),
        Severity.LOW: (24, 40, 80, 80),
    }
    return MappingProxyType(
        {
            sev: MappingProxyType(dict(zip(_TIERS_BEST_FIRST, hours, strict=True)))
            for sev, hours in rows.items()
        }
    )


def _level_table() -> Mapping[Severity, Role]:
    return MappingProxyType(
        {
            Severity.LOW: Role.SERVICE,
            Severity.MEDIUM: Role.SERVICE,
            Severity.HIGH: Role.SUPERVISOR,
            Severity.CRITICAL: Role.MANAGER,
        }
    )


@attrs.frozen
class SlaPolicy:
    """Service-level targets and escalation rules.

    Attributes:
        acknowledge_days: working days after the registration day to contact the customer;
            0 is "the same working day" (seed 001 §2: 接到信息后立即 … 联系).
        first_reply_days: working days to the first reply; 0 is the same working day
            (seed 001 §2: 最好当天给客户答复).
        resolution_hours: working hours to a satisfied close, by severity then tier.
        near_breach_share: share of a target after which a clock is at risk.
        handler_by_severity: the least senior handler for each severity (层次要高).
        key_account_step: extra seniority steps for a key account's complaint.
        at_risk_step: extra steps while a clock is at risk.
        breach_step: extra steps once a clock is breached.
    """

    acknowledge_days: int = 0
    first_reply_days: int = 0
    resolution_hours: Mapping[Severity, Mapping[Tier, int]] = attrs.field(factory=_hours_table)
    near_breach_share: float = attrs.field(default=0.8, validator=_fraction)
    handler_by_severity: Mapping[Severity, Role] = attrs.field(factory=_level_table)
    key_account_step: int = 1
    at_risk_step: int = 1
    breach_step: int = 2


@attrs.frozen(kw_only=True)
class SlaClock:
    """One service-level clock: its target and working time elapsed, pauses excluded."""

    kind: SlaKind
    target: timedelta
    elapsed: timedelta
    outcome: SlaOutcome
    stopped_at: datetime | None
    paused: bool
    due: datetime | None

    @property
    def remaining(self) -> timedelta:
        """Working time left; negative once breached."""
        return self.target - self.elapsed


@attrs.frozen(kw_only=True)
class SlaReport:
    """All clocks of one complaint at one instant, and whether it should be escalated."""

    complaint_id: str
    now: datetime
    is_open: bool
    clocks: tuple[SlaClock, ...]
    handler_level: Role
    required_level: Role

    @property
    def breached(self) -> bool:
        """Whether any clock missed its target."""
        return any(c.outcome.is_breach for c in self.clocks)

    @property
    def at_risk(self) -> bool:
        """Whether any clock is near breach."""
        return any(c.outcome is SlaOutcome.AT_RISK for c in self.clocks)

    @property
    def escalation_needed(self) -> bool:
        """Whether an open complaint's handler is less senior than the situation requires."""
        return self.is_open and self.required_level.rank > self.handler_level.rank

    def clock(self, kind: SlaKind) -> SlaClock:
        """The clock of ``kind``."""
        return next(c for c in self.clocks if c.kind is kind)


def _working(
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime,
    pauses: tuple[Pause, ...],
    now: datetime,
) -> timedelta:
    total = calendar.between(start, end)
    for pause in pauses:
        lo = max(pause.start, start)
        hi = min(pause.end if pause.end is not None else now, end)
        total -= calendar.between(lo, hi)
    return total


def sla_report(
    complaint: Complaint,
    calendar: BusinessCalendar,
    clock: Clock,
    policy: SlaPolicy | None = None,
) -> SlaReport:
    """Evaluate the complaint's SLA clocks at ``clock.now()`` in working time.

    Clocks start at registration and stop at their milestone: the first contact
    (acknowledge), the first approval or rejection (first reply), the satisfied close
    (resolution). They do not run while the desk waits on the customer. A reopened
    complaint keeps its resolution clock running: it was not resolved.

    Raises:
        NaiveDatetime: the clock returned a naive datetime.
        EventOutOfOrder: the clock is behind the complaint's last entry.
    """
    policy = policy if policy is not None else SlaPolicy()
    now = require_aware("now", clock.now())
    last = complaint.history[-1].at
    if now < last:
        raise EventOutOfOrder(last, now)
    start = complaint.registered_at
    progress = complaint.progress
    ended = complaint.history[-1].at if not complaint.state.is_open else None

    def same_day_target(days: int) -> timedelta:
        due = calendar.end_of_working_day(start)
        for _ in range(days):
            due = calendar.end_of_working_day(due)
        return calendar.between(start, due)

    def milestone(*actions: ComplaintAction) -> datetime | None:
        return next((e.at for e in complaint.history if e.action in actions), None)

    specs = (
        (SlaKind.ACKNOWLEDGE, same_day_target(policy.acknowledge_days), milestone(A.CONTACT)),
        (
            SlaKind.FIRST_REPLY,
            same_day_target(policy.first_reply_days),
            milestone(A.APPROVE, A.REJECT),
        ),
        (
            SlaKind.RESOLUTION,
            timedelta(hours=policy.resolution_hours[complaint.current_severity][complaint.tier]),
            milestone(A.CLOSE),
        ),
    )
    clocks = []
    for kind, target, met_at in specs:
        stop = met_at if met_at is not None else (ended if ended is not None else now)
        elapsed = _working(calendar, start, stop, progress.pauses, now)
        running = met_at is None and ended is None
        if met_at is not None:
            outcome = SlaOutcome.MET if elapsed <= target else SlaOutcome.MET_LATE
        elif elapsed > target:
            outcome = SlaOutcome.BREACHED
        elif not running:
            outcome = SlaOutcome.NOT_APPLICABLE
        elif elapsed >= target * policy.near_breach_share:
            outcome = SlaOutcome.AT_RISK
        else:
            outcome = SlaOutcome.ON_TRACK
        due = (
            calendar.add(now, target - elapsed)
            if running and not progress.paused and elapsed <= target
            else None
        )
        clocks.append(
            SlaClock(
                kind=kind,
                target=target,
                elapsed=elapsed,
                outcome=outcome,
                stopped_at=None if running else stop,
                paused=running and progress.paused,
                due=due,
            )
        )
    steps = policy.key_account_step if complaint.tier.key_account else 0
    if complaint.state.is_open:
        if any(c.outcome is SlaOutcome.BREACHED for c in clocks):
            steps += policy.breach_step
        elif any(c.outcome is SlaOutcome.AT_RISK for c in clocks):
            steps += policy.at_risk_step
    base = policy.handler_by_severity[complaint.current_severity]
    roles = list(Role)
    required = roles[min(base.rank + steps, len(roles) - 1)]
    return SlaReport(
        complaint_id=complaint.id,
        now=now,
        is_open=complaint.state.is_open,
        clocks=tuple(clocks),
        handler_level=progress.handler_level,
        required_level=required,
    )


def work_queue(complaints: Iterable[Complaint]) -> tuple[Complaint, ...]:
    """Open complaints in handling order: key accounts first, then severity, then age.

    Seed 001 §2: 优先 … 处理关键客户的投诉. Ties keep registration order.
    """
    open_ones = [c for c in complaints if c.state.is_open]
    return tuple(
        sorted(
            open_ones,
            key=lambda c: (-_TIER_PRIORITY[c.tier], -c.current_severity.rank, c.registered_at),
        )
    )


# --- compensation ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CompensationCase:
    """What the negotiation weighs (seed 001 §2, 处理方法 (3) 互相协商).

    Raises:
        InvalidValue: ``fault_degree`` outside [0, 1], ``occurrences`` below 1, or a
            negative ``purchase_value``.
    """

    fault: Fault = attrs.field(validator=attrs.validators.instance_of(Fault))
    fault_degree: float = attrs.field(default=1.0, validator=_fraction)
    severity: Severity = attrs.field(validator=attrs.validators.instance_of(Severity))
    occurrences: int = attrs.field(default=1)
    tier: Tier = attrs.field(validator=attrs.validators.instance_of(Tier))
    long_relationship: bool = False
    future_business: bool = True
    word_of_mouth: Risk = Risk.MEDIUM
    demand_reasonable: bool = True
    cause: ComplaintCause = ComplaintCause.QUALITY
    purchase_value: Money | None = attrs.field(default=None, validator=_compensation)

    @occurrences.validator
    def _check_occurrences(self, attribute: attrs.Attribute[int], value: int) -> None:
        number: object = value
        if isinstance(number, bool) or not isinstance(number, int) or value < 1:
            raise InvalidValue(attribute.name, value, "an integer >= 1")

    @classmethod
    def from_complaint(
        cls, complaint: Complaint, purchase_value: Money | None = None
    ) -> CompensationCase:
        """The case of an analysed complaint.

        Raises:
            InvalidValue: the complaint has not been analysed yet.
        """
        analysis = complaint.progress.analysis
        if analysis is None:
            raise InvalidValue(
                "complaint", complaint.id, "an analysed complaint (apply ANALYSE first)"
            )
        return cls(
            fault=analysis.fault,
            fault_degree=analysis.fault_degree,
            severity=analysis.severity,
            occurrences=analysis.occurrences,
            tier=complaint.tier,
            long_relationship=analysis.long_relationship,
            future_business=analysis.future_business,
            word_of_mouth=analysis.word_of_mouth,
            demand_reasonable=analysis.demand_reasonable,
            cause=complaint.cause,
            purchase_value=purchase_value,
        )


def _map(values: Mapping[Labelled, float]) -> Mapping[Labelled, float]:
    return MappingProxyType(dict(values))


@attrs.frozen
class CompensationPolicy:
    """The firm's compensation guideline; staff may override it with a reason (seed 004, mistake 8).

    The recommendation scores a case as ``severity weight × (base + responsibility
    weight × responsibility + relationship) × repeat factor × reasonableness``, where
    responsibility is the fault weight times the fault degree, and maps the score to a
    generosity ``1 − exp(−score)``: more fault or severity always gives more, each extra
    step a little less (diminishing returns). The seeds give no figures; every weight
    below is a **Decision** documented in docs/complaints.md.
    """

    fault_weight: Mapping[Fault, float] = attrs.field(
        factory=lambda: MappingProxyType(
            {Fault.FIRM: 1.0, Fault.SHARED: 0.5, Fault.NONE: 0.0, Fault.CUSTOMER: 0.0}
        )
    )
    severity_weight: Mapping[Severity, float] = attrs.field(
        factory=lambda: MappingProxyType(
            {Severity.LOW: 0.25, Severity.MEDIUM: 0.5, Severity.HIGH: 1.0, Severity.CRITICAL: 1.5}
        )
    )
    base: float = 0.2
    responsibility_weight: float = 1.5
    long_relationship_weight: float = 0.2
    future_business_weight: float = 0.2
    tier_weight: Mapping[Tier, float] = attrs.field(
        factory=lambda: MappingProxyType(
            {
                Tier.KEY: 0.3,
                Tier.MAJOR: 0.2,
                Tier.ORDINARY: 0.1,
                Tier.SMALL: 0.0,
            }
        )
    )
    word_of_mouth_weight: Mapping[Risk, float] = attrs.field(
        factory=lambda: MappingProxyType({Risk.LOW: 0.0, Risk.MEDIUM: 0.15, Risk.HIGH: 0.3})
    )
    repeat_weight: float = 0.3
    unreasonable_factor: float = 0.5
    #: Lower generosity bounds of TOKEN, MODERATE, GENEROUS and FULL.
    band_floors: tuple[float, float, float, float] = (0.05, 0.3, 0.55, 0.8)
    #: The largest share of the purchase value a recommendation offers.
    max_share: float = 1.0


@attrs.frozen(kw_only=True)
class Recommendation:
    """A compensation recommendation with its reasons; a guideline, not a rule."""

    case: CompensationCase
    generosity: float
    band: CompensationBand
    amount: Money | None = attrs.field(validator=_compensation)
    remedies: tuple[RemedyType, ...]
    handler: Role
    reasons: tuple[str, ...]

    def accept(self) -> CompensationDecision:
        """Follow the guideline as recommended."""
        return CompensationDecision(
            recommendation=self,
            band=self.band,
            amount=self.amount,
            remedies=self.remedies,
            override=None,
        )

    def override(
        self,
        *,
        by: Actor,
        at: datetime,
        reason: str,
        band: CompensationBand | None = None,
        amount: Money | None = None,
        remedies: Iterable[RemedyType] | None = None,
    ) -> CompensationDecision:
        """Depart from the guideline; who, when and why are recorded (seed 004, mistake 8).

        Raises:
            NotAuthorized: ``by`` is not staff.
            InvalidValue: no reason given, or nothing actually changed.
            NaiveDatetime: ``at`` has no timezone.
        """
        if not by.role.is_staff:
            raise NotAuthorized(by, "override compensation", "a staff role")
        record = Override(
            by=by,
            at=at,
            reason=reason,
            recommended_band=self.band,
            recommended_amount=self.amount,
            recommended_remedies=self.remedies,
        )
        new_band = band if band is not None else self.band
        new_amount = amount if amount is not None else self.amount
        new_remedies = tuple(remedies) if remedies is not None else self.remedies
        if (new_band, new_amount, new_remedies) == (self.band, self.amount, self.remedies):
            raise InvalidValue(
                "override", "no change", "a band, amount or remedies different from the guideline"
            )
        return CompensationDecision(
            recommendation=self,
            band=new_band,
            amount=new_amount,
            remedies=new_remedies,
            override=record,
        )


@attrs.frozen(kw_only=True)
class CompensationDecision:
    """What staff decided: the recommendation, followed or overridden."""

    recommendation: Recommendation
    band: CompensationBand
    amount: Money | None = attrs.field(validator=_compensation)
    remedies: tuple[RemedyType, ...]
    override: Override | None

    def to_proposal(self, tasks: Iterable[TaskSpec] = (), summary: str = "") -> Proposal:
        """A :class:`Proposal` carrying this decision (and its override, if any).

        Raises:
            InvalidValue: the decision has no remedies (a refusal is a REJECT, not a proposal).
        """
        return Proposal(
            remedies=self.remedies,
            tasks=tuple(tasks),
            amount=self.amount,
            summary=summary,
            override=self.override,
        )


def _band(generosity: float, floors: tuple[float, float, float, float]) -> CompensationBand:
    bands = list(CompensationBand)
    rank = sum(1 for floor in floors if generosity >= floor)
    return bands[rank]


def recommend_compensation(
    case: CompensationCase,
    policy: CompensationPolicy | None = None,
    sla: SlaPolicy | None = None,
) -> Recommendation:
    """Recommend a compensation band, amount and remedies for ``case``, with reasons.

    Rules from seed 001 §2 (处理方法 (3), 要点 (5)-(7), 平息不满 (2)(4)) and seed 003 myth 8:
    more generous when the firm is at fault; an unreasonable demand from a customer with
    no future business, where the firm is not at fault, may be told no; always
    apologise; an assurance letter when the firm was at fault; more than one kind of
    remedy; a more senior handler for graver cases.

    Example:
        >>> case = CompensationCase(fault=Fault.FIRM, severity=Severity.HIGH, tier=Tier.KEY)
        >>> rec = recommend_compensation(case)
        >>> rec.band.value, RemedyType.ASSURANCE_LETTER in rec.remedies
        ('full', True)
    """
    policy = policy if policy is not None else CompensationPolicy()
    sla = sla if sla is not None else SlaPolicy()
    reasons: list[str] = []
    responsibility = policy.fault_weight[case.fault] * case.fault_degree
    reasons.append(
        f"{case.fault.en} (degree {case.fault_degree:g}): firm responsibility "
        f"{responsibility:g}; more generous when the firm is at fault (seed 001 §2)"
    )
    relation = (
        (policy.long_relationship_weight if case.long_relationship else 0.0)
        + (policy.future_business_weight if case.future_business else 0.0)
        + policy.tier_weight[case.tier]
        + policy.word_of_mouth_weight[case.word_of_mouth]
    )
    reasons.append(
        f"relationship: long={case.long_relationship}, future business={case.future_business}, "
        f"{case.tier.en}, word-of-mouth risk {case.word_of_mouth.en}"
    )
    repeat = 1.0 + policy.repeat_weight * math.log(case.occurrences)
    if case.occurrences > 1:
        reasons.append(f"this failure happened {case.occurrences} times: more generous")
    reasonable = 1.0 if case.demand_reasonable else policy.unreasonable_factor
    handler_rank = policy_handler_rank = sla.handler_by_severity[case.severity].rank
    if case.tier.key_account:
        handler_rank = policy_handler_rank + sla.key_account_step
    handler = list(Role)[min(handler_rank, len(Role) - 1)]
    refuse = not case.demand_reasonable and not case.future_business and responsibility == 0
    if refuse:
        reasons.append(
            "an unreasonable demand, no future business and no fault of the firm: "
            "say no clearly (seed 001 §2: 大方明确地向对方说“不”)"
        )
        return Recommendation(
            case=case,
            generosity=0.0,
            band=CompensationBand.NONE,
            amount=Money(Decimal(0), case.purchase_value.currency) if case.purchase_value else None,
            remedies=(RemedyType.APOLOGY,),
            handler=handler,
            reasons=(*reasons, "apologise anyway: an apology is not an admission (平息不满 (2))"),
        )
    if not case.demand_reasonable:
        reasons.append(f"demand judged unreasonable: score × {policy.unreasonable_factor:g}")
    score = (
        policy.severity_weight[case.severity]
        * (policy.base + policy.responsibility_weight * responsibility + relation)
        * repeat
        * reasonable
    )
    generosity = 1.0 - math.exp(-score)
    band = _band(generosity, policy.band_floors)
    reasons.append(
        f"{case.severity.en} severity: score {score:.3f}, generosity {generosity:.3f} → {band.en}"
    )
    amount = None
    if case.purchase_value is not None:
        share = Decimal(repr(round(generosity * policy.max_share, 6)))
        amount = Money(
            (case.purchase_value.amount * share).quantize(Decimal("0.01"), ROUND_HALF_UP),
            case.purchase_value.currency,
        )
    remedies = _remedies(case, band, responsibility)
    if RemedyType.ASSURANCE_LETTER in remedies:
        reasons.append(
            "the firm was at fault: apologise with a management-signed letter saying the "
            "cause was found and fixed (seed 003, myth 8)"
        )
    return Recommendation(
        case=case,
        generosity=generosity,
        band=band,
        amount=amount,
        remedies=remedies,
        handler=handler,
        reasons=tuple(reasons),
    )


def _remedies(
    case: CompensationCase, band: CompensationBand, responsibility: float
) -> tuple[RemedyType, ...]:
    chosen = [RemedyType.APOLOGY]
    if responsibility > 0:
        chosen.append(RemedyType.ASSURANCE_LETTER)
    material: dict[CompensationBand, tuple[RemedyType, ...]] = {
        CompensationBand.NONE: (RemedyType.THANKS,),
        CompensationBand.TOKEN: (RemedyType.THANKS, RemedyType.GIFT),
        CompensationBand.MODERATE: (RemedyType.DISCOUNT, RemedyType.GIFT),
        CompensationBand.GENEROUS: (RemedyType.DISCOUNT, RemedyType.GIFT),
        CompensationBand.FULL: (RemedyType.REFUND, RemedyType.GIFT),
    }
    chosen.extend(material[band])
    if case.cause is ComplaintCause.QUALITY and band.rank >= CompensationBand.MODERATE.rank:
        chosen.insert(1, RemedyType.REPLACEMENT if band.rank >= 3 else RemedyType.REPAIR)
    if case.cause is ComplaintCause.ATTITUDE:
        chosen.append(RemedyType.PERSONAL_CARE)
    return tuple(dict.fromkeys(chosen))


# --- desk metrics ------------------------------------------------------------------


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
        breaches_by_tier=tuple((t, breaches[t]) for t in _TIERS_BEST_FIRST),
        causes_ranked=tuple(sorted(causes.items(), key=lambda kv: (-kv[1], order[kv[0]]))),
    )


# --- JSON ----------------------------------------------------------------------------


# The shared hooks of custrel.serialization (aware datetimes, dates, exact decimals);
# complaints keep their own converter for their own format.
_CONVERTER: Final = make_converter(detailed_validation=False, forbid_extra_keys=False)


def to_json(complaint: Complaint) -> str:
    """The complaint and its full history as JSON (enums by value, datetimes with offsets).

    Only registration fields and history are written; everything else is derived again
    on reading, so the round trip is exact.
    """
    return json.dumps(_CONVERTER.unstructure(complaint), ensure_ascii=False, sort_keys=True)


def from_json(text: str) -> Complaint:
    """Read a complaint written by :func:`to_json`, replaying and checking its history.

    Raises:
        InvalidValue: malformed JSON, a missing or malformed field, or an illegal history.
        NaiveDatetime: a datetime without a UTC offset.
        EventOutOfOrder: the history goes back in time.
        IllegalTransition: the history contains an action its state does not allow.
        GuardNotMet: the history skips a precondition (e.g. closing without a satisfied follow-up).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidValue(
            "json", text[:80], "a JSON object written by to_json", str(exc)
        ) from None
    if not isinstance(data, dict):
        raise InvalidValue("json", type(data).__name__, "a JSON object written by to_json")
    try:
        return _CONVERTER.structure(data, Complaint)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InvalidValue):
            raise
        raise InvalidValue(
            "json", type(exc).__name__, "a complaint as written by to_json", str(exc)
        ) from None
