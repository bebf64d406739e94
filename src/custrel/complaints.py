"""The complaint workflow: the seven-step procedure, who may take each step, and what it needs.

It encodes how a firm handles complaints as the CRM chapter §2 teaches it (客户投诉 —
the causes, the seven-step procedure 处理程序, the method 处理方法 and the key points
处理要点), with three rules from *Who stole your customers?* (myth 5: no sale before the
problem is solved and satisfaction confirmed; myth 7: a warm transfer, the first
handler stays on the case until the next one has accepted it; myth 8: an apology with
an assurance) and one from *Why customers leave* (mistake 8: complaint policies are
guidelines).

Everything that decides whether a step may happen lives in this file, as data — as
h11 keeps its whole state machine in one file. `ACTIONS` declares each action
exactly once: the states it moves between, the roles allowed to take it, the payload
it carries, the checks on the actor, its guards, and what it records. `TRANSITIONS`
(the machine's transition table), `AUTHORITY`, `PAYLOAD` and `GUARDS` are read-only
views of it; the machine (`Complaint.apply`), the replay of a stored history (the
constructor and `from_json`), the docs and the diagram all read `ACTIONS`. A
`Complaint` is immutable; its append-only `Complaint.history` is the record of
truth, and every other view of it (state, tasks, follow-ups, pauses, handler) is
derived by replaying that history through the same checks a live command passes.

The other complaint concepts live beside this file: service-level clocks and the work
queue in `custrel.complaint_sla`, compensation in `custrel.compensation`, desk
metrics in `custrel.complaint_metrics`.

How to add a step:

1. add a `ComplaintAction` member with its English and Chinese labels;
2. if it carries something new, add that payload field to `Command` (and a named
   constructor), and, if the workflow must remember it, a field to `Progress`;
3. add one `ActionRule` to `ACTIONS`: ``moves`` (source state → target state),
   ``roles``, ``payload`` (the `Command` field it carries), ``who`` (checks on the
   actor, refused with `NotAuthorized`), ``guards`` (preconditions, refused with
   `GuardNotMet`) and ``record`` (the `Progress` fields it changes).

The table is checked at import: every payload names a `Command` field, every
`Command` payload field is carried by some action, and `TransitionTable` checks the
moves (no unreachable state, no dead end). The tests' table test walks every
(state, action) pair, so a new step is covered the moment it is declared.

NB: the lifecycle records one event class per event; a complaint records one `Command`
class with a field per kind of payload. The difference is deliberate: a complaint's
actions share who, when and why, most carry no payload, and the payload's field is
named in `ACTIONS`, so the stored JSON keeps one shape and the table stays the only
place that says which action carries what.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import attrs
import cattrs

from custrel._complaint_checks import (
    compensation_amount,
    count,
    fraction,
    non_empty,
    private_text,
    text,
    whole,
)
from custrel._labels import Labelled
from custrel._machine import TransitionTable
from custrel._validators import aware, instance_of, optional_aware, optional_bool, optional_count
from custrel.errors import (
    CustrelError,
    EventOutOfOrder,
    GuardNotMet,
    InvalidValue,
    NotAuthorized,
)
from custrel.money import Money
from custrel.pyramid import Tier
from custrel.serialization import make_converter, parse_json, register_format

__all__ = [
    "ACTIONS",
    "AUTHORITY",
    "EXCLUSIVE_REMEDIES",
    "GUARDS",
    "HANDLING_PRIORITY",
    "PAYLOAD",
    "TIERS_BEST_FIRST",
    "TRANSITIONS",
    "ActionRule",
    "Actor",
    "Analysis",
    "Channel",
    "Command",
    "CompensationBand",
    "Complaint",
    "ComplaintAction",
    "ComplaintCause",
    "ComplaintDetails",
    "ComplaintState",
    "Department",
    "Entry",
    "Fault",
    "FollowUp",
    "Guard",
    "Override",
    "Pause",
    "Progress",
    "Proposal",
    "RemedyType",
    "Risk",
    "Role",
    "Severity",
    "Task",
    "TaskSpec",
    "WorkflowPolicy",
    "from_json",
    "to_json",
]


# --- vocabulary ----------------------------------------------------------------


class ComplaintCause(Labelled):
    """Why the customer complains（顾客抱怨与投诉的原因）."""

    QUALITY = ("quality", "product or service quality", "产品或服务的质量问题")
    ATTITUDE = ("attitude", "service attitude or manner", "服务态度或服务方式问题")
    OVERSTATED_ADVERTISING = (
        "overstated_advertising",
        "misled by over-stated advertising",
        "受骗上当：广告过分夸大宣传",
    )
    BROKEN_PROMISE = ("broken_promise", "misled by a promise not kept", "受骗上当：承诺没有兑现")


class Channel(Labelled):
    """How the complaint reached the firm（电话、传真、面对面、热线、网站、邮箱）."""

    PHONE = ("phone", "phone", "电话")
    FAX = ("fax", "fax", "传真")
    IN_PERSON = ("in_person", "in person", "面对面")
    HOTLINE = ("hotline", "free hotline", "免费电话热线")
    WEBSITE = ("website", "website", "网站")
    EMAIL = ("email", "e-mail", "电子信箱")
    LETTER = ("letter", "letter or form", "信函或意见表")


class Severity(Labelled):
    """How serious the problem is（问题的严重性，到何种程度）."""

    LOW = ("low", "low", "轻微")
    MEDIUM = ("medium", "medium", "一般")
    HIGH = ("high", "high", "严重")
    CRITICAL = ("critical", "critical", "非常严重")

    @property
    def rank(self) -> int:
        """0 for LOW up to 3 for CRITICAL."""
        return list(Severity).index(self)


#: The desk's handling priority per pyramid tier, higher first: key accounts' complaints
#: come first (the CRM chapter §2: 优先 … 处理关键客户的投诉). The desk's own order, not the enum's.
HANDLING_PRIORITY: Final[Mapping[Tier, int]] = MappingProxyType(
    {Tier.KEY: 3, Tier.MAJOR: 2, Tier.ORDINARY: 1, Tier.SMALL: 0}
)
#: The tiers best first: the column order of the resolution targets and of desk metrics.
TIERS_BEST_FIRST: Final[tuple[Tier, ...]] = tuple(
    sorted(HANDLING_PRIORITY, key=HANDLING_PRIORITY.__getitem__, reverse=True)
)


class Role(Labelled):
    """Who acts, in order of seniority（记录的人签名确认；层次要高）."""

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
    """Departments that carry out an agreement (step 6 of the procedure)."""

    WAREHOUSE = ("warehouse", "warehouse", "仓管")
    SHIPPING = ("shipping", "shipping", "发货部门")
    MARKETING = ("marketing", "marketing", "市场管理")
    PRODUCTION = ("production", "production", "生产部门")
    FINANCE = ("finance", "finance", "财务部门")
    AFTER_SALES = ("after_sales", "after-sales service", "售后服务部门")
    MANAGEMENT = ("management", "management", "管理层")


class RemedyType(Labelled):
    """Kinds of remedy: material and in kind, apologies and assurances（补偿要多，解决办法要多）."""

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

    @classmethod
    def check_together(cls, field: str, remedies: tuple[RemedyType, ...]) -> None:
        """Refuse remedies that exclude each other, such as a replacement and a refund.

        The goods are either repaired, replaced, or returned for a refund: at most one of
        `EXCLUSIVE_REMEDIES` is offered (a customer who gets their money back keeps no
        product to repair or replace).

        Raises:
            InvalidValue: two or more of `EXCLUSIVE_REMEDIES` together.
        """
        clash = [r for r in remedies if r in EXCLUSIVE_REMEDIES]
        if len(set(clash)) > 1:
            raise InvalidValue(
                field,
                tuple(r.value for r in remedies),
                "at most one of repair, replacement and refund (they exclude each other)",
            )


#: Remedies that exclude each other: an offer holds at most one of them.
EXCLUSIVE_REMEDIES: Final[frozenset[RemedyType]] = frozenset(
    {RemedyType.REPAIR, RemedyType.REPLACEMENT, RemedyType.REFUND}
)


class Fault(Labelled):
    """Whose fault the problem is（公司方面有无过失？过失程度多大？）."""

    FIRM = ("firm", "the firm's fault", "公司过失")
    SHARED = ("shared", "shared fault", "双方都有过失")
    NONE = ("none", "nobody's fault", "无过失")
    CUSTOMER = ("customer", "the customer's fault", "客户方面的原因")


class Risk(Labelled):
    """A three-level rating, used for word-of-mouth risk（口碑影响）."""

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
    """Where a complaint is in the seven-step procedure（处理程序）."""

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
    """What someone does to a complaint; `ACTIONS` declares each one once."""

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
    HAND_OVER = (
        "hand_over",
        "hand the case over to another handler (warm transfer)",
        "转交其他处理人员（温暖的移交）",
    )
    ACCEPT_HANDOVER = ("accept_handover", "the next handler accepts the case", "接手人员确认接手")


S = ComplaintState
A = ComplaintAction

_TERMINAL: Final = frozenset({S.CLOSED_SATISFIED, S.REJECTED, S.WITHDRAWN})
_OPEN: Final = tuple(s for s in S if s not in _TERMINAL)
#: States in which the firm may be waiting on the customer (details, a signature, an answer).
_PAUSABLE: Final = (S.INVESTIGATING, S.ANALYSED, S.REPLIED, S.FOLLOW_UP, S.REOPENED)
#: States in which the case has a handler (after-sales took it at the first contact).
_HANDLED: Final = tuple(s for s in _OPEN if s is not S.REGISTERED)


# --- values --------------------------------------------------------------------


@attrs.frozen
class Actor:
    """Someone who acts on a complaint, identified by a stable id (who, in the audit history).

    Authority and the four-eyes rule compare ``id`` only: ``display_name`` is for display, kept
    out of ``repr`` and error messages (a person's name is personal data). A customer
    acting on their own complaint has the complaint's customer id as ``id``.

    Attributes:
        id: the person's stable id (staff number, or the customer id).
        role: what they act as.
        display_name: how to show them to people; never used to tell two actors apart.
    """

    id: str = attrs.field(validator=non_empty)
    role: Role = attrs.field(validator=instance_of(Role))
    display_name: str = attrs.field(default="", validator=private_text, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class ComplaintDetails:
    """The facts after-sales collects (step 2: 名称、规格、生产日期、生产批号 …)."""

    product: str = attrs.field(default="", validator=text)
    model: str = attrs.field(default="", validator=text)
    production_date: date | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(date))
    )
    batch: str = attrs.field(default="", validator=text)
    first_used: date | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(date))
    )
    usage: str = attrs.field(default="", validator=text)
    symptoms: str = attrs.field(default="", validator=text)
    previous_brand: str = attrs.field(default="", validator=text)


@attrs.frozen(kw_only=True)
class Analysis:
    """The analysis step's findings, and the five questions asked before negotiating.

    The CRM chapter §2 (处理方法 (2)(3)): the severity; a long relationship? future purchases?
    word of mouth? a reasonable demand? the firm's fault and its degree? — and how
    often this failure has happened.
    """

    severity: Severity = attrs.field(validator=instance_of(Severity))
    fault: Fault = attrs.field(validator=instance_of(Fault))
    fault_degree: float = attrs.field(default=1.0, validator=fraction)
    demand_reasonable: bool = attrs.field(default=True, validator=instance_of(bool))
    future_business: bool = attrs.field(default=True, validator=instance_of(bool))
    long_relationship: bool = attrs.field(default=False, validator=instance_of(bool))
    word_of_mouth: Risk = attrs.field(default=Risk.MEDIUM, validator=instance_of(Risk))
    occurrences: int = attrs.field(default=1, validator=count)
    summary: str = attrs.field(default="", validator=text)

    @property
    def firm_at_fault(self) -> bool:
        """Whether the firm bears some of the fault (its own or a shared one)."""
        return self.fault in (Fault.FIRM, Fault.SHARED) and self.fault_degree > 0


@attrs.frozen
class TaskSpec:
    """A department action an agreement needs (step 6: 通知仓管出货 …)."""

    department: Department = attrs.field(validator=instance_of(Department))
    description: str = attrs.field(validator=non_empty)


def _remedies(
    _instance: object, attribute: attrs.Attribute[Any], value: tuple[RemedyType, ...]
) -> None:
    items: object = value
    if (
        not isinstance(items, tuple)
        or not items
        or not all(isinstance(r, RemedyType) for r in items)
    ):
        raise InvalidValue(attribute.name, value, "one or more RemedyType members")
    RemedyType.check_together(attribute.name, value)


@attrs.frozen(kw_only=True)
class Override:
    """A recorded departure from the compensation guideline (*Why customers leave*, mistake 8)."""

    by: Actor = attrs.field(validator=instance_of(Actor))
    at: datetime = attrs.field(validator=aware)
    reason: str = attrs.field(validator=non_empty)
    recommended_band: CompensationBand = attrs.field(validator=instance_of(CompensationBand))
    recommended_amount: Money | None = attrs.field(validator=compensation_amount)
    recommended_remedies: tuple[RemedyType, ...] = attrs.field(
        validator=attrs.validators.deep_iterable(instance_of(RemedyType), instance_of(tuple))
    )


@attrs.frozen(kw_only=True)
class Proposal:
    """A proposed resolution: remedies, an amount, and the department actions it needs.

    Raises:
        InvalidValue: no remedies, remedies that exclude each other (a replacement and a
            refund), or a negative ``amount``.
    """

    remedies: tuple[RemedyType, ...] = attrs.field(validator=_remedies)
    tasks: tuple[TaskSpec, ...] = attrs.field(
        default=(),
        validator=attrs.validators.deep_iterable(instance_of(TaskSpec), instance_of(tuple)),
    )
    amount: Money | None = attrs.field(default=None, validator=compensation_amount)
    summary: str = attrs.field(default="", validator=text)
    override: Override | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Override))
    )


def _check_level(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, Role) or not value.is_staff):
        raise InvalidValue(attribute.name, value, "a staff Role (not CUSTOMER)")


def _check_next_handler(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, Actor) or not value.role.is_staff):
        raise InvalidValue(attribute.name, value, "a staff Actor (not the customer)")


@attrs.frozen(kw_only=True)
class Command:
    """One action on a complaint: who, what, when, why, and the action's payload.

    Build one with the named constructors (``Command.contact(...)`` …) and apply it
    with `Complaint.apply`. Exactly the payload field `ACTIONS` names for the
    action is set; every other payload field is ``None``.

    Raises:
        NaiveDatetime: ``at`` has no timezone.
        InvalidValue: a field of the wrong type, a payload field missing, or one set for
            an action that takes none.
    """

    action: ComplaintAction = attrs.field(validator=instance_of(ComplaintAction))
    actor: Actor = attrs.field(validator=instance_of(Actor))
    at: datetime = attrs.field(validator=aware)
    reason: str = attrs.field(default="", validator=text)
    details: ComplaintDetails | None = attrs.field(
        default=None, validator=instance_of(ComplaintDetails, optional=True)
    )
    analysis: Analysis | None = attrs.field(
        default=None, validator=instance_of(Analysis, optional=True)
    )
    proposal: Proposal | None = attrs.field(
        default=None, validator=instance_of(Proposal, optional=True)
    )
    signed_by: str | None = attrs.field(default=None, validator=instance_of(str, optional=True))
    task: int | None = attrs.field(default=None, validator=optional_count)
    satisfied: bool | None = attrs.field(default=None, validator=optional_bool)
    level: Role | None = attrs.field(default=None, validator=_check_level)
    offer: str | None = attrs.field(default=None, validator=instance_of(str, optional=True))
    next_handler: Actor | None = attrs.field(default=None, validator=_check_next_handler)

    def __attrs_post_init__(self) -> None:
        """Check that exactly the action's payload field is set."""
        wanted = ACTIONS[self.action].payload
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

    @property
    def payload(self) -> object:
        """The action's payload (``None`` for an action that takes none)."""
        wanted = ACTIONS[self.action].payload
        return None if wanted is None else getattr(self, wanted)

    @classmethod
    def make(cls, action: ComplaintAction, actor: Actor, at: datetime, reason: str = "") -> Command:
        """A command for an action that takes no payload."""
        return cls(action=action, actor=actor, at=at, reason=reason)

    @classmethod
    def contact(
        cls, actor: Actor, at: datetime, details: ComplaintDetails, reason: str = ""
    ) -> Command:
        """Step 2: after-sales contacts the customer, records the details and takes the case."""
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
        """Raise the level of the handling（层次要高）."""
        return cls(action=A.ESCALATE, actor=actor, at=at, reason=reason, level=level)

    @classmethod
    def offer_cross_sell(cls, actor: Actor, at: datetime, offer: str, reason: str = "") -> Command:
        """Offer a sale — only once the problem is solved and satisfaction confirmed."""
        return cls(action=A.OFFER_CROSS_SELL, actor=actor, at=at, reason=reason, offer=offer)

    @classmethod
    def hand_over(cls, actor: Actor, at: datetime, to: Actor, reason: str = "") -> Command:
        """The current handler hands the case to ``to``, and stays on it until they accept."""
        return cls(action=A.HAND_OVER, actor=actor, at=at, reason=reason, next_handler=to)


_COMMON_FIELDS: Final = frozenset({"action", "actor", "at", "reason"})
#: The payload fields of `Command`, read from the class itself.
_PAYLOAD_FIELDS: Final = tuple(
    f.name for f in attrs.fields(Command) if f.name not in _COMMON_FIELDS
)


@attrs.frozen
class Entry:
    """One line of the audit history: the command and the states it moved between."""

    seq: int = attrs.field(validator=whole(0, "entries"))
    command: Command = attrs.field(validator=instance_of(Command))
    source: ComplaintState | None = attrs.field(
        validator=instance_of(ComplaintState, optional=True)
    )
    target: ComplaintState = attrs.field(validator=instance_of(ComplaintState))

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
    """The customer's answer at a follow-up (step 7)."""

    at: datetime = attrs.field(validator=aware)
    satisfied: bool
    by: Actor
    comment: str = ""


@attrs.frozen
class Pause:
    """A span during which the desk waits on the customer; SLA clocks stop."""

    start: datetime = attrs.field(validator=aware)
    end: datetime | None = attrs.field(default=None, validator=optional_aware)


def _frozen_approvers(approvers: Mapping[Severity, Role]) -> Mapping[Severity, Role]:
    return MappingProxyType(dict(approvers))


@attrs.frozen
class WorkflowPolicy:
    """Who must approve, by severity and tier (层次要高); staff may not approve their own proposal.

    Attributes:
        approver_by_severity: the least senior approver for each severity.
        key_account_approver: the least senior approver for a key account's complaint
            (KEY and MAJOR tiers), who are handled with priority (the CRM chapter §2).
        four_eyes: the proposer may not approve (申请领导批准：someone else decides).

    Raises:
        InvalidValue: a severity without an approver, or an approver who is not staff.
    """

    # The texts are silent on the exact levels: a **Decision**, documented in docs/complaints.md.
    approver_by_severity: Mapping[Severity, Role] = attrs.field(
        factory=lambda: MappingProxyType(
            {
                Severity.LOW: Role.SUPERVISOR,
                Severity.MEDIUM: Role.SUPERVISOR,
                Severity.HIGH: Role.MANAGER,
                Severity.CRITICAL: Role.EXECUTIVE,
            }
        ),
        converter=_frozen_approvers,
    )
    key_account_approver: Role = attrs.field(default=Role.MANAGER, validator=instance_of(Role))
    four_eyes: bool = attrs.field(default=True, validator=instance_of(bool))

    @approver_by_severity.validator
    def _check_approvers(self, attribute: attrs.Attribute[Any], value: Mapping[Any, Any]) -> None:
        if set(value) != set(Severity) or not all(
            isinstance(r, Role) and r.is_staff for r in value.values()
        ):
            raise InvalidValue(
                attribute.name, dict(value), "a staff Role for every Severity, and nothing else"
            )

    def approver_for(self, severity: Severity, tier: Tier) -> Role:
        """The least senior role that may approve or reject this complaint's resolution."""
        needed = self.approver_by_severity[severity]
        if tier.key_account and self.key_account_approver.rank > needed.rank:
            return self.key_account_approver
        return needed


@attrs.frozen(kw_only=True)
class Progress:
    """Everything the history implies about a complaint now; derived, never stored.

    Checks (`Guard`) read this value; `advance` folds one more entry in through the
    action's ``record`` in `ACTIONS`.
    """

    customer: str
    tier: Tier
    policy: WorkflowPolicy = WorkflowPolicy()
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
    handler: Actor | None = None
    next_handler: Actor | None = None
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

    def advance(self, entry: Entry) -> Progress:
        """The progress after ``entry`` (its legality is checked by the caller)."""
        cmd = entry.command
        pauses = self.pauses
        if self.paused and (entry.target != entry.source or cmd.action is A.RESUME):
            pauses = (*pauses[:-1], Pause(pauses[-1].start, cmd.at))
        moved = attrs.evolve(self, state=entry.target, last_at=cmd.at, pauses=pauses)
        changes = ACTIONS[cmd.action].record(moved, cmd)
        return attrs.evolve(moved, **changes) if changes else moved  # type: ignore[arg-type]


# --- the action table ------------------------------------------------------------


@attrs.frozen
class Guard:
    """A named check of a step, stated in words for the error message."""

    name: str
    requires: str
    check: Callable[[Progress, Command], bool] = attrs.field(eq=False, repr=False)
    #: What the check asks of this complaint in particular, for the error message.
    explain: Callable[[Progress], str] | None = attrs.field(default=None, eq=False, repr=False)

    def required(self, progress: Progress) -> str:
        """What the check requires, in words, for ``progress``."""
        detail = f": {self.explain(progress)}" if self.explain is not None else ""
        return f"{self.requires}{detail} [{self.name}]"


def _frozen_moves(
    moves: Mapping[ComplaintState | None, ComplaintState],
) -> Mapping[ComplaintState | None, ComplaintState]:
    return MappingProxyType(dict(moves))


def _no_change(_progress: Progress, _command: Command) -> Mapping[str, object]:
    return {}


@attrs.frozen(kw_only=True)
class ActionRule:
    """Everything about one action, declared once.

    Attributes:
        moves: source state → target state (``None``: the action opens a complaint).
        roles: the roles that may take the action.
        payload: the `Command` field the action carries, or ``None``.
        who: checks on the actor beyond the role (refused with `NotAuthorized`).
        guards: preconditions on the complaint and the command (refused with `GuardNotMet`).
        record: the `Progress` fields the action changes, given the progress after the
            move and the command.
    """

    moves: Mapping[ComplaintState | None, ComplaintState] = attrs.field(converter=_frozen_moves)
    roles: frozenset[Role]
    payload: str | None = None
    who: tuple[Guard, ...] = ()
    guards: tuple[Guard, ...] = ()
    record: Callable[[Progress, Command], Mapping[str, object]] = attrs.field(
        default=_no_change, eq=False, repr=False
    )


def _at_least(role: Role) -> frozenset[Role]:
    return frozenset(r for r in Role if r.rank >= role.rank)


_STAFF: Final = _at_least(Role.SERVICE)
_WITH_CUSTOMER: Final = _STAFF | {Role.CUSTOMER}


def _each(
    states: Iterable[ComplaintState], target: ComplaintState | None = None
) -> dict[ComplaintState | None, ComplaintState]:
    """Moves from each of ``states`` to ``target`` (``None``: a loop back to itself)."""
    return {s: (s if target is None else target) for s in states}


_REASON_GIVEN: Final = Guard(
    "reason_given", "a reason (why) for this step", lambda _p, c: bool(c.reason.strip())
)
_SATISFIED: Final = Guard(
    "satisfaction_confirmed",
    "the customer's follow-up answer: satisfied",
    lambda p, _c: p.answer is True,
)
_SENIOR_ENOUGH: Final = Guard(
    "senior_enough",
    "an approver as senior as WorkflowPolicy.approver_for asks for this complaint's "
    "severity and tier（层次要高）",
    lambda p, c: c.actor.role.rank >= p.policy.approver_for(p.severity, p.tier).rank,
    lambda p: (
        f"{p.policy.approver_for(p.severity, p.tier).en} or more senior for a "
        f"{p.severity.en} complaint from a {p.tier.en}"
    ),
)
_NOT_THE_PROPOSER: Final = Guard(
    "four_eyes",
    "someone other than the proposer (four eyes)",
    lambda p, c: (
        not (p.policy.four_eyes and p.proposed_by is not None and p.proposed_by.id == c.actor.id)
    ),
)
_APOLOGY_WITH_ASSURANCE: Final = Guard(
    "apology_with_assurance",
    "when the firm is at fault, an apology together with a management-signed letter "
    "saying the cause was found and fixed（道歉应该和保证同时进行）",
    lambda p, c: (
        p.analysis is None
        or not p.analysis.firm_at_fault
        or c.proposal is None
        or {RemedyType.APOLOGY, RemedyType.ASSURANCE_LETTER} <= set(c.proposal.remedies)
    ),
)


def _record_follow_up(p: Progress, c: Command) -> Mapping[str, object]:
    assert c.satisfied is not None
    return {
        "follow_ups": (*p.follow_ups, FollowUp(c.at, c.satisfied, c.actor, c.reason)),
        "answer": c.satisfied,
    }


def _complete_task(p: Progress, c: Command) -> Mapping[str, object]:
    return {
        "tasks": tuple(
            attrs.evolve(t, done_at=c.at, done_by=c.actor) if t.index == c.task else t
            for t in p.tasks
        )
    }


def _start_implementation(p: Progress, _c: Command) -> Mapping[str, object]:
    specs = p.proposal.tasks if p.proposal is not None else ()
    return {"tasks": tuple(Task(i, s.department, s.description) for i, s in enumerate(specs))}


def _analyse(_p: Progress, c: Command) -> Mapping[str, object]:
    assert c.analysis is not None
    return {"analysis": c.analysis, "severity": c.analysis.severity}


def _contact(p: Progress, c: Command) -> Mapping[str, object]:
    # The first after-sales person to contact the customer takes the case.
    changes: dict[str, object] = {"details": c.details}
    if p.handler is None:
        changes["handler"] = c.actor
    return changes


_UNDO_REPLY: Final = {"approved_by": None, "signed_by": None}

#: The one declaration of every complaint action: moves, roles, payload, checks, effect.
ACTIONS: Final[Mapping[ComplaintAction, ActionRule]] = MappingProxyType(
    {
        A.REGISTER: ActionRule(
            moves={None: S.REGISTERED},
            roles=_at_least(Role.RECORDER),
        ),
        A.CONTACT: ActionRule(
            moves={S.REGISTERED: S.INVESTIGATING, S.REOPENED: S.INVESTIGATING},
            roles=_STAFF,
            payload="details",
            record=_contact,
        ),
        A.ANALYSE: ActionRule(
            moves=_each((S.INVESTIGATING, S.ANALYSED, S.REOPENED), S.ANALYSED),
            roles=_STAFF,
            payload="analysis",
            record=_analyse,
        ),
        A.PROPOSE: ActionRule(
            moves={S.ANALYSED: S.AWAITING_APPROVAL},
            roles=_STAFF,
            payload="proposal",
            guards=(_APOLOGY_WITH_ASSURANCE,),
            record=lambda _p, c: {
                "proposal": c.proposal,
                "proposed_by": c.actor,
                "approved_by": None,
            },
        ),
        A.APPROVE: ActionRule(
            moves={S.AWAITING_APPROVAL: S.REPLIED},
            roles=_at_least(Role.SUPERVISOR),
            who=(_SENIOR_ENOUGH, _NOT_THE_PROPOSER),
            record=lambda _p, c: {"approved_by": c.actor},
        ),
        A.SEND_BACK: ActionRule(
            moves={S.AWAITING_APPROVAL: S.ANALYSED},
            roles=_at_least(Role.SUPERVISOR),
            who=(_SENIOR_ENOUGH,),
            guards=(_REASON_GIVEN,),
            record=lambda _p, _c: _UNDO_REPLY,
        ),
        A.CONFIRM_AGREEMENT: ActionRule(
            moves={S.REPLIED: S.AGREED},
            roles=_WITH_CUSTOMER,
            payload="signed_by",
            guards=(
                Guard(
                    "customer_signed",
                    "the agreement signed by the complaining customer (signed_by == customer)",
                    lambda p, c: c.signed_by == p.customer,
                ),
            ),
            record=lambda _p, c: {"signed_by": c.signed_by},
        ),
        A.DECLINE_PROPOSAL: ActionRule(
            moves={S.REPLIED: S.ANALYSED},
            roles=_WITH_CUSTOMER,
            guards=(_REASON_GIVEN,),
            record=lambda _p, _c: _UNDO_REPLY,
        ),
        A.START_IMPLEMENTATION: ActionRule(
            moves={S.AGREED: S.IMPLEMENTING},
            roles=_STAFF,
            record=_start_implementation,
        ),
        A.COMPLETE_TASK: ActionRule(
            moves={S.IMPLEMENTING: S.IMPLEMENTING},
            roles=_STAFF,
            payload="task",
            guards=(
                Guard(
                    "task_open",
                    "the index of a department action not yet done",
                    lambda p, c: any(t.index == c.task and not t.done for t in p.tasks),
                ),
            ),
            record=_complete_task,
        ),
        A.BEGIN_FOLLOW_UP: ActionRule(
            moves={S.IMPLEMENTING: S.FOLLOW_UP},
            roles=_STAFF,
            guards=(
                Guard(
                    "all_tasks_done", "every department action done", lambda p, _c: p.all_tasks_done
                ),
            ),
            record=lambda _p, _c: {"answer": None},
        ),
        A.RECORD_FOLLOW_UP: ActionRule(
            moves={S.FOLLOW_UP: S.FOLLOW_UP},
            roles=_STAFF,
            payload="satisfied",
            record=_record_follow_up,
        ),
        A.CLOSE: ActionRule(
            moves={S.FOLLOW_UP: S.CLOSED_SATISFIED},
            roles=_STAFF,
            guards=(_SATISFIED,),
        ),
        A.REOPEN: ActionRule(
            moves={S.FOLLOW_UP: S.REOPENED},
            roles=_STAFF,
            guards=(
                _REASON_GIVEN,
                Guard(
                    "follow_up_unsatisfied",
                    "the customer's follow-up answer: not satisfied",
                    lambda p, _c: p.answer is False,
                ),
            ),
            record=lambda p, _c: {"reopen_count": p.reopen_count + 1, "signed_by": None},
        ),
        A.REJECT: ActionRule(
            moves=_each((S.ANALYSED, S.AWAITING_APPROVAL, S.REPLIED, S.REOPENED), S.REJECTED),
            roles=_at_least(Role.SUPERVISOR),
            who=(_SENIOR_ENOUGH,),
            guards=(
                _REASON_GIVEN,
                Guard(
                    "unreasonable_and_no_future_business",
                    "an analysis finding the demand unreasonable and no future business "
                    "（客户方面不合理，且日后不可再有业务来往）",
                    lambda p, _c: (
                        p.analysis is not None
                        and not p.analysis.demand_reasonable
                        and not p.analysis.future_business
                    ),
                ),
            ),
        ),
        A.WITHDRAW: ActionRule(
            moves=_each(_OPEN, S.WITHDRAWN),
            roles=_WITH_CUSTOMER,
        ),
        A.AWAIT_CUSTOMER: ActionRule(
            moves=_each(_PAUSABLE),
            roles=_STAFF,
            guards=(
                Guard(
                    "not_paused", "not already waiting on the customer", lambda p, _c: not p.paused
                ),
            ),
            record=lambda p, c: {"pauses": (*p.pauses, Pause(c.at))},
        ),
        A.RESUME: ActionRule(
            moves=_each(_PAUSABLE),
            roles=_WITH_CUSTOMER,
            guards=(Guard("paused", "waiting on the customer", lambda p, _c: p.paused),),
        ),
        A.ESCALATE: ActionRule(
            moves=_each(_OPEN),
            roles=_STAFF,
            payload="level",
            guards=(
                Guard(
                    "more_senior",
                    "a handler level above the current one",
                    lambda p, c: c.level is not None and c.level.rank > p.handler_level.rank,
                ),
            ),
            record=lambda _p, c: {"handler_level": c.level},
        ),
        A.OFFER_CROSS_SELL: ActionRule(
            moves={S.FOLLOW_UP: S.FOLLOW_UP, S.CLOSED_SATISFIED: S.CLOSED_SATISFIED},
            roles=_STAFF,
            payload="offer",
            guards=(_SATISFIED,),
            record=lambda p, c: {"offers": (*p.offers, c.offer)},
        ),
        A.HAND_OVER: ActionRule(
            moves=_each(_HANDLED),
            roles=_STAFF,
            payload="next_handler",
            who=(
                Guard(
                    "current_handler",
                    "the case's current handler (who stays on it until the next one accepts)",
                    lambda p, c: p.handler is not None and p.handler.id == c.actor.id,
                ),
            ),
            guards=(
                Guard(
                    "no_hand_over_pending",
                    "no hand-over waiting to be accepted",
                    lambda p, _c: p.next_handler is None,
                ),
                Guard(
                    "someone_else",
                    "a next handler other than the current one",
                    lambda p, c: (
                        c.next_handler is not None
                        and (p.handler is None or c.next_handler.id != p.handler.id)
                    ),
                ),
            ),
            record=lambda _p, c: {"next_handler": c.next_handler},
        ),
        A.ACCEPT_HANDOVER: ActionRule(
            moves=_each(_HANDLED),
            roles=_STAFF,
            who=(
                Guard(
                    "named_next_handler",
                    "the handler the case was handed over to",
                    lambda p, c: p.next_handler is not None and p.next_handler.id == c.actor.id,
                ),
            ),
            guards=(
                Guard(
                    "hand_over_pending",
                    "a hand-over waiting to be accepted",
                    lambda p, _c: p.next_handler is not None,
                ),
            ),
            record=lambda _p, c: {"handler": c.actor, "next_handler": None},
        ),
    }
)


def _check_actions() -> None:
    carried = {rule.payload for rule in ACTIONS.values()} - {None}
    problems = [a.name for a in ComplaintAction if a not in ACTIONS]
    problems += [f"payload {p!r} is not a Command field" for p in carried - set(_PAYLOAD_FIELDS)]
    problems += [f"Command.{f} is carried by no action" for f in set(_PAYLOAD_FIELDS) - carried]
    if problems:  # pragma: no cover - a programming error, caught by the first import
        raise AssertionError("ACTIONS is inconsistent: " + "; ".join(problems))


_check_actions()

#: The one transition table of the complaint workflow, built from `ACTIONS`.
TRANSITIONS: Final[TransitionTable[ComplaintState, ComplaintAction]] = TransitionTable(
    "complaints",
    ComplaintState,
    ComplaintAction,
    {(source, a): target for a, rule in ACTIONS.items() for source, target in rule.moves.items()},
    terminal=_TERMINAL,
)
#: Who may take each action (a view of `ACTIONS`).
AUTHORITY: Final[Mapping[ComplaintAction, frozenset[Role]]] = MappingProxyType(
    {a: rule.roles for a, rule in ACTIONS.items()}
)
#: The payload field each action carries (a view of `ACTIONS`); absent: no payload.
PAYLOAD: Final[Mapping[ComplaintAction, str]] = MappingProxyType(
    {a: rule.payload for a, rule in ACTIONS.items() if rule.payload is not None}
)
#: What each action needs beyond the table and the actor (a view of `ACTIONS`).
GUARDS: Final[Mapping[ComplaintAction, tuple[Guard, ...]]] = MappingProxyType(
    {a: rule.guards for a, rule in ACTIONS.items() if rule.guards}
)


def _roles(roles: frozenset[Role]) -> str:
    return "one of " + ", ".join(r.name for r in Role if r in roles)


def _decide(progress: Progress, command: Command) -> ComplaintState:
    """The state ``command`` leads to, after every check a step must pass.

    In order: the transition table, time order, the actor's role (a customer only on
    their own complaint), the action's checks on the actor, then its guards. Both a live
    command (`Complaint.apply`) and the replay of a stored history pass through here.
    """
    action, actor = command.action, command.actor
    target = TRANSITIONS.target(progress.state, action)
    if progress.last_at is not None and command.at < progress.last_at:
        raise EventOutOfOrder(progress.last_at, command.at)
    rule = ACTIONS[action]
    if actor.role not in rule.roles:
        raise NotAuthorized(actor, action, _roles(rule.roles))
    if actor.role is Role.CUSTOMER and actor.id != progress.customer:
        raise NotAuthorized(actor, action, "the complaining customer, not another one")
    for check in rule.who:
        if not check.check(progress, command):
            raise NotAuthorized(actor, action, check.required(progress))
    for guard in rule.guards:
        if not guard.check(progress, command):
            raise GuardNotMet(progress.state or "(start)", action, guard.name, guard.requires)
    return target


# --- the complaint -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class Complaint:
    """An immutable complaint with its append-only, time-ordered audit history.

    Create one with `register`; move it on with `apply`, which returns a new
    complaint and the `Entry` it recorded. The registration fields say what the
    customer reported; `progress` (state, analysis, tasks, follow-ups, pauses,
    handler …) is derived by replaying `history` through the same checks `apply`
    makes, so a history no live command sequence could produce is refused. The
    customer's address and phone are kept out of ``repr`` (personal data).

    Raises:
        InvalidValue: a field is malformed, or the history is not a legal replay
            (wrong sequence, wrong states).
        EventOutOfOrder: the history goes back in time.
        IllegalTransition: the history contains an action its state does not allow.
        NotAuthorized: the history contains a step its actor could not take.
        GuardNotMet: the history skips a precondition.
    """

    id: str = attrs.field(validator=non_empty)
    customer: str = attrs.field(validator=non_empty)
    channel: Channel = attrs.field(validator=instance_of(Channel))
    cause: ComplaintCause = attrs.field(validator=instance_of(ComplaintCause))
    severity: Severity = attrs.field(validator=instance_of(Severity))
    tier: Tier = attrs.field(validator=instance_of(Tier))
    reported: ComplaintDetails = attrs.field(
        factory=ComplaintDetails, validator=instance_of(ComplaintDetails)
    )
    requested: tuple[RemedyType, ...] = attrs.field(
        default=(),
        validator=attrs.validators.deep_iterable(instance_of(RemedyType), instance_of(tuple)),
    )
    request_note: str = attrs.field(default="", validator=private_text, repr=False)
    address: str = attrs.field(default="", validator=private_text, repr=False)
    phone: str = attrs.field(default="", validator=private_text, repr=False)
    policy: WorkflowPolicy = attrs.field(
        factory=WorkflowPolicy, validator=instance_of(WorkflowPolicy)
    )
    history: tuple[Entry, ...]
    progress: Progress = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        """Replay the history through the checks every live command passes."""
        object.__setattr__(self, "progress", _replay(self))

    def _repr_html_(self) -> str:
        from custrel._html import complaint_html

        return complaint_html(self)

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
        policy: WorkflowPolicy | None = None,
    ) -> Complaint:
        """Step 1: record the complaint on the form; ``recorder`` signs.

        ``policy`` says who must approve this complaint's resolution; it stays with the
        complaint, so a stored complaint is checked again by the same rules.

        Raises:
            NotAuthorized: ``recorder`` is the customer.
            NaiveDatetime: ``at`` has no timezone.
        """
        command = Command.make(A.REGISTER, recorder, at, reason)
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
            policy=policy if policy is not None else WorkflowPolicy(),
            history=(Entry(0, command, None, S.REGISTERED),),
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

    @property
    def handler(self) -> Actor | None:
        """Who handles the case now; during a hand-over, still the first handler."""
        return self.progress.handler

    def allowed(self) -> tuple[ComplaintAction, ...]:
        """The actions the table allows now (checks and guards may still refuse)."""
        return TRANSITIONS.allowed(self.state)

    def first(self, action: ComplaintAction) -> Entry | None:
        """The first entry with ``action``, if any."""
        return next((e for e in self.history if e.action is action), None)

    def apply(self, command: Command) -> tuple[Complaint, Entry]:
        """Apply ``command``; return the new complaint and the entry it recorded.

        Checks, in order: the transition table, time order, the actor's authority
        (role, seniority, four eyes, hand-over), then the action's guards — see
        `ACTIONS`. Any failure raises and leaves ``self`` unchanged.

        Raises:
            IllegalTransition: the action is not allowed in the current state.
            EventOutOfOrder: ``command.at`` is before the last entry.
            NotAuthorized: the actor may not take the action.
            GuardNotMet: a precondition in `GUARDS` does not hold.
        """
        if not isinstance(command, Command):
            raise InvalidValue("command", type(command).__name__, "a Command")
        target = _decide(self.progress, command)
        entry = Entry(len(self.history), command, self.state, target)
        return self._extended(entry), entry

    def _extended(self, entry: Entry) -> Complaint:
        # NB: built without the constructor's full replay, which would check every earlier
        # entry again: they were checked when ``self`` was built, ``entry`` has just passed
        # `_decide`, and `Progress.advance` is the replay's own fold — so the result is
        # what a replay gives (the stateful test rebuilds every complaint from JSON).
        after: Complaint = object.__new__(Complaint)
        for field in attrs.fields(Complaint):
            object.__setattr__(after, field.name, getattr(self, field.name))
        object.__setattr__(after, "history", (*self.history, entry))
        object.__setattr__(after, "progress", self.progress.advance(entry))
        return after


def _replay(complaint: Complaint) -> Progress:
    history: object = complaint.history
    if not isinstance(history, tuple) or not history:
        raise InvalidValue(
            "history", type(history).__name__, "a tuple of Entry values, registration first"
        )
    progress = Progress(
        customer=complaint.customer,
        tier=complaint.tier,
        policy=complaint.policy,
        severity=complaint.severity,
        details=complaint.reported,
    )
    for seq, entry in enumerate(history):
        if not isinstance(entry, Entry):
            raise InvalidValue("history", type(entry).__name__, "Entry values")
        where = f"history[{seq}]"
        if entry.seq != seq:
            raise InvalidValue(f"{where}.seq", entry.seq, f"{seq} (entries are numbered in order)")
        if entry.source != progress.state:
            raise InvalidValue(
                f"{where}.source", entry.source, f"{progress.state!s} (the state it was in)"
            )
        target = _decide(progress, entry.command)
        if entry.target != target:
            raise InvalidValue(f"{where}.target", entry.target, f"{target!s} (per TRANSITIONS)")
        progress = progress.advance(entry)
    return progress


# --- JSON ----------------------------------------------------------------------------


class _WrongJsonType(InvalidValue):
    """A JSON value of the wrong type; `from_json` names its place in the document."""


def _strict(kind: type) -> Callable[[object, type], object]:
    """A structure hook that refuses a value of another JSON type instead of converting it."""
    expected = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}[kind]

    def structure(value: object, _: type) -> object:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            # The type, not the value: a wrong value may be someone's phone number.
            raise _WrongJsonType(f"json {kind.__name__}", f"<{type(value).__name__}>", expected)
        return value

    return structure


def _make_converter() -> cattrs.Converter:
    # The shared hooks of custrel.serialization (aware datetimes, dates, exact decimals),
    # plus strict scalars: JSON of the wrong type is refused, never coerced.
    conv = make_converter(detailed_validation=True, forbid_extra_keys=True)
    for kind in (str, int, bool, float):
        conv.register_structure_hook(kind, _strict(kind))
    shared_decimal = conv.get_structure_hook(Decimal)

    def structure_decimal(value: object, kind: type) -> Decimal:
        if isinstance(value, bool):  # true is not an amount of 1
            raise _WrongJsonType("json decimal", "<bool>", "a decimal number written as a string")
        result: Decimal = shared_decimal(value, kind)
        return result

    conv.register_structure_hook(Decimal, structure_decimal)
    return conv


_CONVERTER: Final = _make_converter()


def to_json(complaint: Complaint) -> str:
    """The complaint and its full history as JSON (enums by value, datetimes with offsets).

    Only registration fields, the workflow policy and the history are written;
    everything else is derived again on reading, so the round trip is exact.
    """
    return json.dumps(_CONVERTER.unstructure(complaint), ensure_ascii=False, sort_keys=True)


def _first_custrel_error(error: BaseException) -> CustrelError | None:
    if isinstance(error, CustrelError):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _first_custrel_error(inner)
        if found is not None:
            return found
    return None


def from_json(text: str | bytes) -> Complaint:
    """Read a complaint written by `to_json`, replaying its history through the live checks.

    Every rule a live command must pass holds for a stored history too: the table, time
    order, who may act (roles, seniority, four eyes, the complaining customer only,
    hand-overs) and the guards. JSON of the wrong type (a string ``seq``, a number
    ``reason``) is refused, not converted. Errors never quote the customer's phone,
    address or other free text.

    Raises:
        InvalidValue: malformed JSON, a missing, unknown or wrongly typed field, or an
            illegal history.
        NaiveDatetime: a datetime without a UTC offset.
        EventOutOfOrder: the history goes back in time.
        IllegalTransition: the history contains an action its state does not allow.
        NotAuthorized: the history contains a step its actor could not take.
        GuardNotMet: the history skips a precondition (e.g. closing without a satisfied follow-up).
    """
    # The checks every custrel loader makes first: UTF-8, integer length, no NaN, nesting.
    data = parse_json(text)
    if not isinstance(data, dict):
        raise InvalidValue("json", type(data).__name__, "a JSON object written by to_json")
    try:
        return _CONVERTER.structure(data, Complaint)
    except CustrelError:
        raise
    except (
        cattrs.BaseValidationError,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as exc:
        found = _first_custrel_error(exc)
        if isinstance(found, _WrongJsonType) and isinstance(exc, cattrs.BaseValidationError):
            # Name the field by its place in the document, e.g. $.history[1].seq.
            where = [m.rpartition(" @ ")[2] for m in cattrs.transform_error(exc) if " @ " in m]
            raise InvalidValue(where[0] if where else "json", found.value, found.allowed) from None
        if found is not None:
            raise found from None
        problems = (
            "; ".join(cattrs.transform_error(exc))
            if isinstance(exc, cattrs.BaseValidationError)
            else type(exc).__name__
        )
        raise InvalidValue(
            "json", "<complaint>", "a complaint as written by to_json", problems
        ) from None


# The one JSON entry point: ``custrel.serialization.to_json`` / ``from_json(text, Complaint)``
# read and write a complaint exactly as `to_json` / `from_json` here do.
register_format(Complaint, dump=to_json, load=from_json)
