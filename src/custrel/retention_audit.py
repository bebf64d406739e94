"""The retention-policy audit: a firm's settings checked against eight mistakes that lose customers.

*Why customers leave* names eight mistakes that lose long-term customers and what to do instead.
`audit_policy` gives each one a finding — OK, a mistake, or not assessed when
the firm's setting is unknown — with the reason in English and Chinese. The text gives
no thresholds; `AuditPolicy` holds the ones decided here, as parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import attrs

from custrel._labels import Bilingual, Labelled
from custrel._validators import count, decimal_rate, optional_bool, optional_decimal_rate
from custrel.errors import InvalidValue

__all__ = [
    "MISTAKE_ADVICE",
    "AuditFinding",
    "AuditPolicy",
    "Mistake",
    "PolicyAudit",
    "RetentionSettings",
    "Verdict",
    "audit_policy",
]


class Mistake(Labelled):
    """The eight mistakes that lose long-term customers (导致客户流失的原因).

    As *Why customers leave* names them, in its order.
    """

    HIGH_STAFF_TURNOVER = (
        "high_staff_turnover",
        "accepting high staff turnover",
        "容忍员工高流失率",
    )
    NEW_CUSTOMERS_FAVOURED = (
        "new_customers_favoured",
        "treating new customers better than existing ones",
        "厚待新客户、冷落老客户",
    )
    TOO_MANY_NEW_FACES = (
        "too_many_new_faces",
        "too many new faces (rotating account managers)",
        "频繁更换对接人员",
    )
    PRICE_FOCUS = ("price_focus", "focusing too much on price", "过分看重价格")
    PUSHY_SELLING = (
        "pushy_selling",
        "pushing sales without knowing needs",
        "不了解需求就一味推销",
    )
    CORE_TAKEN_FOR_GRANTED = (
        "core_taken_for_granted",
        "taking core customers for granted",
        "把核心客户视为理所当然",
    )
    WRONG_INCENTIVES = (
        "wrong_incentives",
        "incentives that reward acquisition over retention",
        "激励机制重开发、轻维系",
    )
    HARD_TO_SOLVE_PROBLEMS = (
        "hard_to_solve_problems",
        "making problems hard to solve",
        "让客户的问题难以解决",
    )


#: The advice of *Why customers leave* for each mistake.
MISTAKE_ADVICE: Final[Mapping[Mistake, Bilingual]] = {
    Mistake.HIGH_STAFF_TURNOVER: Bilingual(
        "long-term customers need long-term staff; if turnover is high, find the cause",
        "先有长期的员工，才有长期的客户；员工流动率高，就要找出原因并加以解决",
    ),
    Mistake.NEW_CUSTOMERS_FAVOURED: Bilingual(
        "give existing customers at least as much as new ones",
        "给老客户的优惠和奖励不少于新客户",
    ),
    Mistake.TOO_MANY_NEW_FACES: Bilingual(
        "customers buy from people: do not rotate their contacts unless absolutely necessary",
        "客户认的是人，不是公司；除非万不得已，不要轮换销售人员或主要联系人",
    ),
    Mistake.PRICE_FOCUS: Bilingual(
        "spend at least as much effort adding value as cutting cost and price",
        "在增加价值上投入的精力，至少要和降低成本、价格一样多",
    ),
    Mistake.PUSHY_SELLING: Bilingual(
        "learn each customer's needs before selling more; never push what it does not need",
        "先了解每位客户的需求，再设法满足；绝不推销客户不需要的产品或服务",
    ),
    Mistake.CORE_TAKEN_FOR_GRANTED: Bilingual(
        "list the customers you cannot lose and what they buy, and keep them in focus",
        "列出不能失去的客户及其所购产品，把他们当作工作重点",
    ),
    Mistake.WRONG_INCENTIVES: Bilingual(
        "do not pay more commission for new customers than for keeping existing ones",
        "开发新客户的提成不应高于维护老客户的提成",
    ),
    Mistake.HARD_TO_SOLVE_PROBLEMS: Bilingual(
        "treat complaint policies as guidelines and let staff adjust them",
        "把投诉处理政策当作指导方针而非死规定，允许员工灵活调整",
    ),
}


class Verdict(Labelled):
    """The result of checking one mistake."""

    OK = ("ok", "no problem found", "未发现问题")
    MISTAKE = ("mistake", "mistake found", "存在问题")
    NOT_ASSESSED = ("not_assessed", "not assessed: setting unknown", "未评估（缺少设置）")


def _optional_months(
    _instance: object, attribute: attrs.Attribute[int | None], value: object
) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidValue(attribute.name, value, "a whole number of months >= 1, or None")


@attrs.frozen(kw_only=True)
class RetentionSettings:
    """A firm's retention settings, as far as it knows them (``None`` = unknown).

    Attributes:
        staff_turnover_rate: share of customer-facing staff leaving per year.
        new_customer_offer: discount or reward rate offered to new customers.
        loyalty_reward: discount or reward rate given to existing customers.
        account_manager_rotation_months: how often main contacts are rotated by routine,
            in months; ``None`` if unknown — set ``rotates_account_managers=False`` if never.
        rotates_account_managers: whether main contacts are rotated by routine at all.
        price_effort_share: share of marketing effort spent on price (vs adding value).
        needs_assessed_before_upselling: whether staff must know a need before selling more.
        key_customer_list: whether the firm keeps a list of customers it cannot lose.
        commission_new: sales commission rate for new customers.
        commission_existing: sales commission rate for keeping existing customers.
        staff_discretion_on_complaints: whether staff may adjust complaint rules.
    """

    staff_turnover_rate: Decimal | None = attrs.field(
        default=None,
        validator=optional_decimal_rate,
    )
    new_customer_offer: Decimal | None = attrs.field(
        default=None,
        validator=optional_decimal_rate,
    )
    loyalty_reward: Decimal | None = attrs.field(
        default=None,
        validator=optional_decimal_rate,
    )
    rotates_account_managers: bool | None = attrs.field(default=None, validator=optional_bool)
    account_manager_rotation_months: int | None = attrs.field(
        default=None, validator=_optional_months
    )
    price_effort_share: Decimal | None = attrs.field(
        default=None,
        validator=optional_decimal_rate,
    )
    needs_assessed_before_upselling: bool | None = attrs.field(
        default=None, validator=optional_bool
    )
    key_customer_list: bool | None = attrs.field(default=None, validator=optional_bool)
    commission_new: Decimal | None = attrs.field(
        default=None,
        validator=optional_decimal_rate,
    )
    commission_existing: Decimal | None = attrs.field(
        default=None,
        validator=optional_decimal_rate,
    )
    staff_discretion_on_complaints: bool | None = attrs.field(default=None, validator=optional_bool)


@attrs.frozen
class AuditPolicy:
    """The thresholds of the audit; the text gives no numbers, so the defaults are decisions.

    Attributes:
        max_staff_turnover: yearly staff turnover above which turnover is "high"
            (decision: 0.20).
        min_rotation_months: routine rotation of account managers more often than this
            is "too many new faces" (decision: 24 months).
        max_price_effort_share: share of effort on price above which marketing is
            price-focused; 0.5 follows the text's "at least as much effort on value".
    """

    max_staff_turnover: Decimal = attrs.field(default=Decimal("0.20"), validator=decimal_rate)
    min_rotation_months: int = attrs.field(default=24, validator=count)
    max_price_effort_share: Decimal = attrs.field(default=Decimal("0.5"), validator=decimal_rate)


@attrs.frozen
class AuditFinding:
    """The verdict on one mistake, with the reason and the text's advice."""

    mistake: Mistake
    verdict: Verdict
    reason: Bilingual

    @property
    def advice(self) -> Bilingual:
        """The advice of *Why customers leave* for this mistake."""
        return MISTAKE_ADVICE[self.mistake]


@attrs.frozen
class PolicyAudit:
    """One finding per mistake, in the order of *Why customers leave*."""

    findings: tuple[AuditFinding, ...]

    @property
    def mistakes(self) -> tuple[AuditFinding, ...]:
        """The findings whose verdict is MISTAKE."""
        return tuple(f for f in self.findings if f.verdict is Verdict.MISTAKE)

    @property
    def passed(self) -> bool:
        """Whether no mistake was found (unknown settings do not fail the audit)."""
        return not self.mistakes


def _finding(mistake: Mistake, bad: bool | None, en: str, zh: str) -> AuditFinding:
    if bad is None:
        return AuditFinding(
            mistake, Verdict.NOT_ASSESSED, Bilingual(f"setting unknown: {en}", f"缺少设置：{zh}")
        )
    return AuditFinding(mistake, Verdict.MISTAKE if bad else Verdict.OK, Bilingual(en, zh))


def _practice(
    mistake: Mistake, kept: bool | None, if_kept: tuple[str, str], if_not: tuple[str, str]
) -> AuditFinding:
    # A practice the firm keeps or not: the mistake is not keeping it. An unknown setting
    # is reported with the "not kept" wording, as what would have to be checked.
    en, zh = if_kept if kept else if_not
    return _finding(mistake, None if kept is None else not kept, en, zh)


def audit_policy(settings: RetentionSettings, policy: AuditPolicy | None = None) -> PolicyAudit:
    """Check a firm's retention settings against the eight mistakes of *Why customers leave*.

    Every mistake gets a finding — OK, MISTAKE, or NOT_ASSESSED when a setting it
    needs is unknown — with the reason in English and Chinese.

    Example:
        >>> audit = audit_policy(RetentionSettings(commission_new=Decimal("0.08"),
        ...                                        commission_existing=Decimal("0.03")))
        >>> tuple(f.mistake.name for f in audit.mistakes)
        ('WRONG_INCENTIVES',)
        >>> print(audit.mistakes[0].reason)
        commission for new customers 0.08 is higher than for keeping existing ones 0.03
    """
    if not isinstance(settings, RetentionSettings):
        raise InvalidValue("settings", settings, "a RetentionSettings value")
    p = policy or AuditPolicy()
    s = settings
    findings: list[AuditFinding] = []

    turnover = s.staff_turnover_rate
    findings.append(
        _finding(
            Mistake.HIGH_STAFF_TURNOVER,
            None if turnover is None else turnover > p.max_staff_turnover,
            f"staff turnover {turnover} a year against a limit of {p.max_staff_turnover}",
            f"员工年流动率 {turnover}，上限 {p.max_staff_turnover}",
        )
    )
    new, old = s.new_customer_offer, s.loyalty_reward
    findings.append(
        _finding(
            Mistake.NEW_CUSTOMERS_FAVOURED,
            None if new is None or old is None else new > old,
            f"new-customer offer {new} against loyalty reward {old}",
            f"新客户优惠 {new}，老客户奖励 {old}",
        )
    )
    rotates, months = s.rotates_account_managers, s.account_manager_rotation_months
    too_often: bool | None
    if rotates is False:
        too_often = False
    elif rotates is None or months is None:
        too_often = None
    else:
        too_often = months < p.min_rotation_months
    findings.append(
        _finding(
            Mistake.TOO_MANY_NEW_FACES,
            too_often,
            "account managers are not rotated by routine"
            if rotates is False
            else f"account managers rotated every {months} months; minimum {p.min_rotation_months}",
            "不例行轮换客户经理"
            if rotates is False
            else f"客户经理每 {months} 个月轮换一次，至少应间隔 {p.min_rotation_months} 个月",
        )
    )
    price = s.price_effort_share
    findings.append(
        _finding(
            Mistake.PRICE_FOCUS,
            None if price is None else price > p.max_price_effort_share,
            f"{price} of marketing effort goes to price; at most {p.max_price_effort_share}",
            f"营销精力用于价格的比例 {price}，上限 {p.max_price_effort_share}",
        )
    )
    findings.append(
        _practice(
            Mistake.PUSHY_SELLING,
            s.needs_assessed_before_upselling,
            ("staff must know a need before selling more", "先了解客户需求再推销"),
            ("staff sell more without first learning the customer's needs", "未了解客户需求就推销"),
        )
    )
    findings.append(
        _practice(
            Mistake.CORE_TAKEN_FOR_GRANTED,
            s.key_customer_list,
            ("a list of customers the firm cannot lose is kept", "有不能失去的客户名单"),
            ("no list of the customers the firm cannot lose", "没有不能失去的客户名单"),
        )
    )
    cn, ce = s.commission_new, s.commission_existing
    higher = None if cn is None or ce is None else cn > ce
    findings.append(
        _finding(
            Mistake.WRONG_INCENTIVES,
            higher,
            f"commission for new customers {cn} is "
            f"{'higher' if higher else 'not higher'} than for keeping existing ones {ce}",
            f"开发新客户提成 {cn}{'高于' if higher else '不高于'}维持现有客户提成 {ce}",
        )
    )
    findings.append(
        _practice(
            Mistake.HARD_TO_SOLVE_PROBLEMS,
            s.staff_discretion_on_complaints,
            ("staff may adjust complaint rules", "员工可灵活调整投诉处理规则"),
            ("complaint rules leave staff no discretion", "投诉处理规则不允许员工灵活调整"),
        )
    )
    return PolicyAudit(tuple(findings))
