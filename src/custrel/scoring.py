"""Good versus bad customers: six good marks, three bad marks, five big-customer risks.

It encodes the CRM chapter §1 on good and bad customers ("什么样的客户是好客户",
"大客户不等于好客户", "小客户有可能是好客户"). A good customer brings more revenue than
it costs to attract, sell to and serve (Kotler); service cost is judged *relative* to
the net income the customer brings (200 against 100,000 is negligible, 10 against 20
is huge). Every verdict is explained: each of the nine marks is judged *fired*, *clear*
or *unknown* (data missing — never silently zero), with its evidence.

"Buys much" and "buys little" are judged against the firm's own customer base (a
revenue percentile), so one customer cannot be both. Good and bad convert into each
other (好客户与坏客户…可能相互转化; 不能根据某一时点的表现就轻易否定): a verdict from one
window is *provisional*; it is *settled* only when it persists across windows
(`settle`) or rests on hard evidence (material written-off bad debt, a lawsuit).
Group buyers (团购) are not loyal partners: they follow fashion. The firm may state a
customer's future value (a segment flag, an expected lifetime
value, or a model's prediction), which counts as growth potential ("如目前还是赔钱客户
的大学生，可能在就业后会成为好客户").

Two paths compute the same rules: `assess` for one customer (pure Python, exact
``Decimal`` evidence) and `assess_columns` for a whole population held as float64
numpy arrays (the batch report). Both judge on the same float arithmetic, in the same
order, so they agree customer by customer (a hypothesis test checks it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from custrel._labels import Labelled
from custrel._validators import (
    exact_finite,
    exact_non_negative,
    exact_or_unchanged,
    finite,
    non_negative,
    positive,
    unit_interval,
)
from custrel.errors import InputDataError, InvalidValue, MissingColumn
from custrel.money import decimal_from_float, to_decimal
from custrel.profit import profit as _profit
from custrel.profit import profit_columns as _profit_columns

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    # A three-valued column: (value, known) boolean arrays.
    _Tv = tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]

__all__ = [
    "MONEY_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Assessment",
    "AssessmentColumns",
    "CustomerMetrics",
    "Direction",
    "Evidence",
    "Finding",
    "Judgement",
    "Mark",
    "Measure",
    "Risk",
    "RiskFinding",
    "ScoringPolicy",
    "Standing",
    "TrendAssessment",
    "Verdict",
    "assess",
    "assess_columns",
    "assess_trend",
    "marks_in",
    "reasons_for_mask",
    "revenue_percentiles",
    "revenue_percentiles_columns",
    "risks_in",
    "settle",
    "settled_columns",
]


# --- vocabulary ------------------------------------------------------------------


class Verdict(Labelled):
    """The overall judgement of a customer over one window.

    No label reads like a tier of the pyramid (重要/主要/普通/小客户): a verdict says how
    good a customer is, a tier how much value it brings.
    """

    GOOD = ("good", "good customer", "好客户")
    NEUTRAL = ("neutral", "neither good nor bad", "不好不坏")
    BAD = ("bad", "bad customer", "坏客户")


class Standing(Labelled):
    """How firm a verdict is: one window is provisional; persistence or hard evidence settles it.

    The CRM chapter §1: 不能根据某一时点的表现就轻易否定; 好客户与坏客户…有可能相互转化.
    """

    PROVISIONAL = (
        "provisional",
        "provisional: one window, keep tracking",
        "初步判断（仅凭一期，待跟踪）",
    )
    SETTLED = (
        "settled",
        "settled: held across windows or rests on hard evidence",
        "已确认（多期一致或证据确凿）",
    )


class Mark(Labelled):
    """The six marks of a good customer and the three of a bad one (the CRM chapter §1)."""

    BUYS_MUCH = (
        "buys_much",
        "strong demand, buys much, especially high-margin items",
        "购买欲望强烈、购买力大，高利润产品采购多",
    )
    PROFITABLE = (
        "profitable",
        "profitable: price-insensitive, pays on time, good credit",
        "保证企业盈利（对价格不敏感、付款及时、信誉良好）",
    )
    LOW_SERVICE_COST = (
        "low_service_cost",
        "low service cost relative to net income",
        "相对服务成本低",
    )
    LOW_RISK = (
        "low_risk",
        "low business risk, good prospects",
        "经营风险小、发展前景好",
    )
    PUSHES_STRENGTHS = (
        "pushes_strengths",
        "asks for new things within the firm's strengths",
        "让企业做擅长的事、推动企业提高",
    )
    LOYAL_PARTNER = (
        "loyal_partner",
        "cooperative, loyal, long-term partner",
        "合作意愿高、忠诚度高、长期伙伴",
    )
    COSTS_EXCEED_REVENUE = (
        "costs_exceed_revenue",
        "buys little, demands much: costs exceed the revenue it brings",
        "购买少、要求多（消耗的成本超过带来的收入）",
    )
    NO_CREDIT = (
        "no_credit",
        "untrustworthy: doubtful, bad and dead debts, lawsuits",
        "不讲信誉（呆账、坏账、死账、诉讼）",
    )
    OFF_STRATEGY = (
        "off_strategy",
        "pulls the firm into what it does badly, off its strategy",
        "让企业做不擅长的事、偏离战略",
    )

    @property
    def good(self) -> bool:
        """Whether this is a mark of a good customer (else of a bad one)."""
        return self in _GOOD_MARKS


_GOOD_MARKS: Final = frozenset(
    {
        Mark.BUYS_MUCH,
        Mark.PROFITABLE,
        Mark.LOW_SERVICE_COST,
        Mark.LOW_RISK,
        Mark.PUSHES_STRENGTHS,
        Mark.LOYAL_PARTNER,
    }
)


class Judgement(Labelled):
    """Whether a mark (or risk) applies: yes, no, or cannot be judged from the data."""

    FIRED = ("fired", "applies", "符合")
    CLEAR = ("clear", "does not apply", "不符合")
    UNKNOWN = ("unknown", "cannot be judged: data missing", "无法判断（数据缺失）")


class Risk(Labelled):
    """The five risks of a big customer (the CRM chapter §1, "大客户不等于好客户")."""

    FINANCIAL = ("financial", "financial risk: large receivables, arrears", "财务风险")
    PROFIT = ("profit", "profit risk: extracts discounts, rebates and fees", "利润风险")
    MANAGEMENT = (
        "management",
        "management risk: cross-region selling, unauthorised price moves",
        "管理风险（串货、私自提价或降价）",
    )
    CHURN = (
        "churn",
        "churn risk: courted by competitors, low switching cost, group buying",
        "流失风险",
    )
    VERTICAL_INTEGRATION = (
        "vertical_integration",
        "vertical integration: may set up its own brand",
        "另起炉灶（纵向一体化、自立门户）",
    )


class Direction(Labelled):
    """Which way a customer is moving over successive windows (好坏可以相互转化)."""

    IMPROVING = ("improving", "improving", "向好")
    STABLE = ("stable", "stable", "稳定")
    DETERIORATING = ("deteriorating", "deteriorating", "变坏")
    UNKNOWN = ("unknown", "not enough windows to tell", "跟踪期不足")


class Measure(Labelled):
    """A number cited as evidence for a finding."""

    REVENUE = ("revenue", "revenue", "收入")
    NET_INCOME = ("net_income", "net income before service cost", "净收益")
    PROFIT = ("profit", "profit", "利润")
    COST_TO_SERVE = ("cost_to_serve", "cost to serve", "服务成本")
    SERVICE_COST_RATIO = ("service_cost_ratio", "service cost / net income", "相对服务成本")
    DISCOUNTS = ("discounts", "discounts, rebates and fees", "折扣、回扣与费用")
    DISCOUNT_RATE = ("discount_rate", "discounts / revenue", "折扣率")
    GROSS_MARGIN = ("gross_margin", "gross margin rate", "毛利率")
    HIGH_MARGIN_SHARE = ("high_margin_share", "share of high-margin items", "高利润产品占比")
    PURCHASES = ("purchases", "purchases in window", "购买次数")
    TENURE_DAYS = ("tenure_days", "days as a customer", "合作天数")
    BAD_DEBT = ("bad_debt", "bad debt written off", "坏账核销")
    MEAN_DAYS_LATE = ("mean_days_late", "mean days past due", "平均逾期天数")
    MAX_DAYS_LATE = ("max_days_late", "longest days past due", "最长逾期天数")
    DISPUTES = ("disputes", "disputes", "纠纷")
    LAWSUITS = ("lawsuits", "lawsuits", "诉讼")
    REVENUE_PERCENTILE = (
        "revenue_percentile",
        "share of the customer base buying no more",
        "收入在客户群中的百分位",
    )
    STATED_POTENTIAL = ("stated_potential", "future value stated by the firm", "企业认定的发展潜力")
    EXPECTED_LIFETIME_VALUE = (
        "expected_lifetime_value",
        "expected lifetime value (firm or model)",
        "预期终生价值",
    )
    GROUP_BUYER = ("group_buyer", "group buyer", "团购客户")
    RECEIVABLES = ("receivables", "receivables", "应收账款")
    RECEIVABLES_RATIO = ("receivables_ratio", "receivables / revenue", "应收账款占收入比")
    TREND = ("trend", "revenue change on last window", "购买趋势")
    BUSINESS_RISK = ("business_risk", "business risk (firm's judgement)", "经营风险")
    STRATEGIC_FIT = ("strategic_fit", "strategic fit (firm's judgement)", "战略契合度")
    CHANNEL_CONFLICT = ("channel_conflict", "cross-region selling seen", "串货")
    UNAUTHORISED_PRICING = ("unauthorised_pricing", "unauthorised price moves seen", "私自调价")
    COMPETITOR_COURTING = ("competitor_courting", "courted by competitors", "竞争对手争夺")
    LOW_SWITCHING_COST = ("low_switching_cost", "low switching cost", "转换成本低")
    INTEGRATION_SIGNAL = ("integration_signal", "building its own brand", "自立门户迹象")


# --- policy ------------------------------------------------------------------------


@attrs.frozen
class ScoringPolicy:
    """Every threshold and weight of the assessment. The texts give the rules, not the numbers.

    The CRM chapter names the marks but no thresholds; the defaults below are custrel's
    documented choices (see ``docs/scoring.md``), each a parameter.

    Attributes:
        low_service_cost_ratio: good mark 3 fires when cost to serve is at most this share of
            net income (the text's 200 / 100,000 = 0.2% passes; 10 / 20 = 50% fails).
        price_sensitive_discount_rate: discounts above this share of revenue mean the
            customer is price-sensitive (good mark 2 fails).
        on_time_days: mean days past due still counted as paying on time (good mark 2).
        default_days: a payment this many days late is a default (bad mark 2).
        high_margin_share: share of high-margin items that counts as "buys high-margin".
        high_gross_margin: gross-margin rate used for good mark 1 when the high-margin share is
            unknown (the margin shows what was bought).
        regular_purchases: purchases in the window that show strong, regular demand.
        loyal_tenure_days: tenure that shows a long-term partnership (good mark 6).
        low_business_risk: firm-judged business risk at or below which good mark 4 fires.
        good_fit: strategic fit at or above which good mark 5 fires.
        off_strategy_fit: strategic fit at or below which bad mark 3 fires.
        weights: score weight of each mark, in ``tuple(Mark)`` order; good marks add, bad subtract.
        good_score: minimum score for a GOOD verdict (also needs profit and no bad mark).
        bad_score: score at or below which the verdict is BAD (unless the customer can grow).
        growth_trend: revenue growth per window that shows growth potential ("蚂蚁变大象").
        max_projected_growth: growth per window is capped at this in the lifetime-value
            projection, so one good window cannot promise the moon.
        ltv_windows: windows projected in the lifetime-value estimate.
        ltv_discount_rate: discount rate per window in the lifetime-value estimate.
        receivables_ratio: receivables at or above this share of revenue raise financial risk.
        financial_days_late: mean days past due at or above this raise financial risk.
        extraction_rate: discounts, rebates and fees at or above this share of revenue raise
            profit risk.
        trend_tolerance: score slope per window within which a customer is STABLE.
        buys_much_percentile: good mark 1 needs the customer's revenue at or above this
            percentile of the customer base ("购买力大，有足够大的需求量" judged against the
            firm's own customers). Default 0.8: the top fifth, the pyramid's key accounts.
        buys_little_percentile: bad mark 1 needs revenue at or below this percentile
            ("只向企业购买很少一部分"). Default 0.5: the bottom half, the pyramid's SMALL
            tier. Must be below ``buys_much_percentile``, so no customer is both.
        material_bad_debt_share: written-off bad debt is hard evidence of bad credit once it
            reaches this share of revenue (default 1%); a trifle (CNY 1 of 1,000) is not.
        repeated_disputes: disputes in one window that count as 不讲信誉 (default 2: one
            dispute is a complaint to handle, not a verdict on the customer).
        settle_windows: consecutive windows with the same verdict that settle it (default 2).
    """

    low_service_cost_ratio: float = attrs.field(default=0.05, validator=unit_interval)
    price_sensitive_discount_rate: float = attrs.field(default=0.10, validator=unit_interval)
    on_time_days: float = attrs.field(default=5.0, validator=non_negative)
    default_days: float = attrs.field(default=90.0, validator=positive)
    high_margin_share: float = attrs.field(default=0.5, validator=unit_interval)
    high_gross_margin: float = attrs.field(default=0.3, validator=unit_interval)
    regular_purchases: float = attrs.field(default=4.0, validator=non_negative)
    loyal_tenure_days: float = attrs.field(default=730.0, validator=non_negative)
    low_business_risk: float = attrs.field(default=0.3, validator=unit_interval)
    good_fit: float = attrs.field(default=0.7, validator=unit_interval)
    off_strategy_fit: float = attrs.field(default=0.3, validator=unit_interval)
    weights: tuple[float, ...] = attrs.field(
        # Good marks count one each; bad mark 2 weighs most: "信誉是合作的基础".
        default=(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 1.0),
    )
    good_score: float = attrs.field(default=3.0, validator=finite)
    bad_score: float = attrs.field(default=-2.0, validator=finite)
    growth_trend: float = attrs.field(default=0.2, validator=non_negative)
    max_projected_growth: float = attrs.field(default=0.5, validator=non_negative)
    ltv_windows: int = attrs.field(default=8)
    ltv_discount_rate: float = attrs.field(default=0.05, validator=unit_interval)
    receivables_ratio: float = attrs.field(default=0.25, validator=non_negative)
    financial_days_late: float = attrs.field(default=30.0, validator=non_negative)
    extraction_rate: float = attrs.field(default=0.15, validator=unit_interval)
    trend_tolerance: float = attrs.field(default=0.1, validator=non_negative)
    buys_much_percentile: float = attrs.field(default=0.8, validator=unit_interval)
    buys_little_percentile: float = attrs.field(default=0.5, validator=unit_interval)
    material_bad_debt_share: float = attrs.field(default=0.01, validator=unit_interval)
    repeated_disputes: float = attrs.field(default=2.0, validator=positive)
    settle_windows: int = attrs.field(default=2)

    @buys_little_percentile.validator
    def _check_volume_order(self, _attribute: object, value: float) -> None:
        if value >= self.buys_much_percentile:
            raise InvalidValue(
                "buys_little_percentile",
                value,
                f"a percentile below buys_much_percentile={self.buys_much_percentile}",
            )

    @settle_windows.validator
    def _check_settle_windows(self, _attribute: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 1000:
            raise InvalidValue("settle_windows", value, "an int between 2 and 1000")

    @weights.validator
    def _check_weights(self, _attribute: object, value: tuple[float, ...]) -> None:
        if len(value) != len(Mark) or not all(math.isfinite(w) and w >= 0 for w in value):
            raise InvalidValue(
                "weights", value, f"{len(Mark)} finite weights >= 0, in tuple(Mark) order"
            )

    @ltv_windows.validator
    def _check_ltv_windows(self, _attribute: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
            raise InvalidValue("ltv_windows", value, "an int between 1 and 1000")

    @off_strategy_fit.validator
    def _check_fit_order(self, _attribute: object, value: float) -> None:
        if value >= self.good_fit:
            raise InvalidValue("off_strategy_fit", value, f"a value below good_fit={self.good_fit}")

    def weight(self, mark: Mark) -> float:
        """The score weight of ``mark``."""
        return self.weights[_MARK_INDEX[mark]]


_MARKS: Final = tuple(Mark)
_MARK_INDEX: Final = {mark: i for i, mark in enumerate(_MARKS)}
_RISKS: Final = tuple(Risk)
_VERDICTS: Final = tuple(Verdict)


# --- input -------------------------------------------------------------------------


_Validator = Callable[[object, "attrs.Attribute[Any]", object], None]


def _opt_number(low: float, high: float) -> _Validator:
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise InvalidValue(
                attribute.name, value, f"None (unknown) or a finite number in [{low}, {high}]"
            )

    return validate


def _opt_flag(_instance: object, attribute: attrs.Attribute[bool | None], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidValue(attribute.name, value, "None (unknown), True or False")


_INF: Final = math.inf


@attrs.frozen
class CustomerMetrics:
    """What the firm knows about one customer over one window (a month, a quarter, ...).

    Amounts are ``Decimal`` in ``currency``; everything after ``bad_debt`` is optional and
    ``None`` means *unknown* — a mark that needs it is judged UNKNOWN, never as if it were zero.

    Attributes:
        currency: ISO 4217 code of every amount (e.g. ``"CNY"``).
        revenue: gross revenue from the customer, before discounts.
        cost_of_goods: cost of the goods or services sold to it.
        cost_to_serve: cost of attracting, selling to and serving it (visits, support, delivery).
        discounts: discounts, rebates and fees it extracted (折扣、回扣、进场费、促销费...).
        bad_debt: amounts written off as bad debt in the window.
        receivables: amount owed at the end of the window.
        mean_days_late: mean days past due of its payments.
        max_days_late: longest days past due of its payments.
        disputes: disputes with it in the window (complaints that turned into a quarrel).
        lawsuits: lawsuits between it and the firm in the window (hard evidence of bad credit).
        purchase_count: purchases in the window.
        tenure_days: days since its first purchase.
        trend: revenue change on the previous window, ``this / previous - 1`` (>= -1); ``None``
            when there was no previous window to compare with.
        high_margin_share: share of its purchases that are high-margin items, in [0, 1].
        business_risk: the firm's judgement of its business risk, 0 (none) .. 1 (severe).
        strategic_fit: the firm's judgement of how its demands fit the firm's strengths,
            0 (pulls the firm off strategy) .. 1 (squarely within them, pushing it to improve).
        channel_conflict: cross-region selling (串货) seen.
        unauthorised_pricing: unauthorised price rises or cuts seen.
        competitor_courting: competitors are courting it.
        low_switching_cost: it could switch supplier cheaply.
        integration_signal: signs it is building its own competing brand.
        revenue_percentile: share of the firm's customers whose revenue in the window is at
            most this customer's, in [0, 1] (1 for the biggest buyer); see
            `revenue_percentiles`. Judges "buys much" and "buys little".
        stated_potential: the firm states the customer has future value (a segment flag,
            e.g. students who will earn after graduating).
        expected_lifetime_value: the customer's expected lifetime value as the firm or a
            model predicts it, in ``currency``; above zero counts as growth potential.
        group_buyer: buys as a group (团购), which is not loyalty: group buying follows
            fashion and moves on.
    """

    currency: str = attrs.field()
    revenue: Decimal = attrs.field(converter=exact_or_unchanged, validator=exact_non_negative)
    cost_of_goods: Decimal = attrs.field(converter=exact_or_unchanged, validator=exact_non_negative)
    cost_to_serve: Decimal = attrs.field(converter=exact_or_unchanged, validator=exact_non_negative)
    discounts: Decimal = attrs.field(converter=exact_or_unchanged, validator=exact_non_negative)
    bad_debt: Decimal = attrs.field(converter=exact_or_unchanged, validator=exact_non_negative)
    receivables: Decimal | None = attrs.field(
        default=None,
        converter=exact_or_unchanged,
        validator=attrs.validators.optional(exact_non_negative),
    )
    mean_days_late: float | None = attrs.field(default=None, validator=_opt_number(0, _INF))
    max_days_late: float | None = attrs.field(default=None, validator=_opt_number(0, _INF))
    disputes: int | None = attrs.field(default=None, validator=_opt_number(0, _INF))
    purchase_count: int | None = attrs.field(default=None, validator=_opt_number(0, _INF))
    tenure_days: float | None = attrs.field(default=None, validator=_opt_number(0, _INF))
    trend: float | None = attrs.field(default=None, validator=_opt_number(-1, _INF))
    high_margin_share: float | None = attrs.field(default=None, validator=_opt_number(0, 1))
    business_risk: float | None = attrs.field(default=None, validator=_opt_number(0, 1))
    strategic_fit: float | None = attrs.field(default=None, validator=_opt_number(0, 1))
    channel_conflict: bool | None = attrs.field(default=None, validator=_opt_flag)
    unauthorised_pricing: bool | None = attrs.field(default=None, validator=_opt_flag)
    competitor_courting: bool | None = attrs.field(default=None, validator=_opt_flag)
    low_switching_cost: bool | None = attrs.field(default=None, validator=_opt_flag)
    integration_signal: bool | None = attrs.field(default=None, validator=_opt_flag)
    lawsuits: int | None = attrs.field(default=None, validator=_opt_number(0, _INF))
    revenue_percentile: float | None = attrs.field(default=None, validator=_opt_number(0, 1))
    stated_potential: bool | None = attrs.field(default=None, validator=_opt_flag)
    expected_lifetime_value: Decimal | None = attrs.field(
        default=None,
        converter=exact_or_unchanged,
        validator=attrs.validators.optional(exact_finite),
    )
    group_buyer: bool | None = attrs.field(default=None, validator=_opt_flag)

    @currency.validator
    def _check_currency(self, _attribute: object, value: object) -> None:
        if not (isinstance(value, str) and len(value) == 3 and value.isascii() and value.isupper()):
            raise InvalidValue("currency", value, "a three-letter ISO 4217 code such as 'CNY'")

    @property
    def net_income(self) -> Decimal:
        """Revenue less discounts, cost of goods and bad debt: what is left to pay for service."""
        return self.revenue - self.discounts - self.cost_of_goods - self.bad_debt

    @property
    def profit(self) -> Decimal:
        """Revenue minus all costs: net income less the cost to serve (`custrel.profit.profit`)."""
        return _profit(
            self.revenue, self.discounts, self.cost_of_goods, self.bad_debt, self.cost_to_serve
        )


#: Columns `assess_columns` needs (float64, no NaN): the amounts every window has.
REQUIRED_COLUMNS: Final = ("revenue", "cost_of_goods", "cost_to_serve", "discounts", "bad_debt")
#: Columns `assess_columns` uses when present; NaN (or an absent column) means unknown.
#: Flags are 1.0 / 0.0 / NaN.
OPTIONAL_COLUMNS: Final = (
    "receivables",
    "mean_days_late",
    "max_days_late",
    "disputes",
    "purchase_count",
    "tenure_days",
    "trend",
    "high_margin_share",
    "business_risk",
    "strategic_fit",
    "channel_conflict",
    "unauthorised_pricing",
    "competitor_courting",
    "low_switching_cost",
    "integration_signal",
    "lawsuits",
    "revenue_percentile",
    "stated_potential",
    "expected_lifetime_value",
    "group_buyer",
)
#: The amount columns (required and optional): same currency, >= 0.
MONEY_COLUMNS: Final = (*REQUIRED_COLUMNS, "receivables")
_RANGES: Final[Mapping[str, tuple[float, float]]] = {
    **dict.fromkeys(MONEY_COLUMNS, (0.0, _INF)),
    "mean_days_late": (0.0, _INF),
    "max_days_late": (0.0, _INF),
    "disputes": (0.0, _INF),
    "purchase_count": (0.0, _INF),
    "tenure_days": (0.0, _INF),
    "trend": (-1.0, _INF),
    "high_margin_share": (0.0, 1.0),
    "business_risk": (0.0, 1.0),
    "strategic_fit": (0.0, 1.0),
    "lawsuits": (0.0, _INF),
    "revenue_percentile": (0.0, 1.0),
    "expected_lifetime_value": (-_INF, _INF),
}
_FLAGS: Final = (
    "channel_conflict",
    "unauthorised_pricing",
    "competitor_courting",
    "low_switching_cost",
    "integration_signal",
    "stated_potential",
    "group_buyer",
)


# --- output ------------------------------------------------------------------------


@attrs.frozen
class Evidence:
    """One number behind a finding; ``value`` is ``None`` when it is unknown."""

    measure: Measure
    value: Decimal | None
    unit: str

    def text(self, lang: Literal["en", "zh"] = "en") -> str:
        """The evidence as ``"measure = value unit"`` in ``lang``."""
        shown = ("unknown" if lang == "en" else "未知") if self.value is None else str(self.value)
        shown_unit = "天" if lang == "zh" and self.unit == "days" else self.unit
        unit = f" {shown_unit}" if shown_unit and self.value is not None else ""
        return f"{self.measure.label(lang)} = {shown}{unit}"


@attrs.frozen
class Finding:
    """The judgement of one mark, with the numbers it rests on."""

    mark: Mark
    judgement: Judgement
    evidence: tuple[Evidence, ...]

    @property
    def fired(self) -> bool:
        """Whether the mark applies."""
        return self.judgement is Judgement.FIRED

    def reason(self, lang: Literal["en", "zh"] = "en") -> str:
        """A sentence giving the mark, the judgement and the evidence, in ``lang``."""
        return _sentence(self.mark.label(lang), self.judgement.label(lang), self.evidence, lang)

    def counted(self, lang: Literal["en", "zh"] = "en") -> str:
        """The mark as a reason: whether it counts for or against the customer, with evidence.

        Example:
            >>> f = Finding(Mark.NO_CREDIT, Judgement.FIRED, ())
            >>> print(f.counted("en"))
            counts against: untrustworthy: doubtful, bad and dead debts, lawsuits
            >>> print(f.counted("zh"))
            不利：不讲信誉（呆账、坏账、死账、诉讼）
        """
        side = _FOR[lang] if self.mark.good else _AGAINST[lang]
        if not self.evidence:
            return f"{side}{self.mark.label(lang)}"
        sep = "; " if lang == "en" else "；"
        numbers = sep.join(e.text(lang) for e in self.evidence)
        if lang == "en":
            return f"{side}{self.mark.en} — {numbers}"
        return f"{side}{self.mark.zh}——{numbers}"

    @property
    def bilingual(self) -> str:
        """The reason in English, then in Chinese."""
        return f"{self.reason('en')} / {self.reason('zh')}"


@attrs.frozen
class RiskFinding:
    """The judgement of one big-customer risk, with the numbers or signals it rests on."""

    risk: Risk
    judgement: Judgement
    evidence: tuple[Evidence, ...]

    @property
    def raised(self) -> bool:
        """Whether the risk is flagged."""
        return self.judgement is Judgement.FIRED

    def reason(self, lang: Literal["en", "zh"] = "en") -> str:
        """A sentence giving the risk, the judgement and the evidence, in ``lang``."""
        return _sentence(self.risk.label(lang), self.judgement.label(lang), self.evidence, lang)


_FOR: Final = {"en": "counts for: ", "zh": "有利："}
_AGAINST: Final = {"en": "counts against: ", "zh": "不利："}


def _sentence(
    name: str, judgement: str, evidence: tuple[Evidence, ...], lang: Literal["en", "zh"]
) -> str:
    if lang == "en":
        numbers = "; ".join(e.text("en") for e in evidence)
        return f"{name} — {judgement} ({numbers})"
    numbers = "；".join(e.text("zh") for e in evidence)
    return f"{name}——{judgement}（{numbers}）"


@attrs.frozen
class Assessment:
    """The verdict on one customer over one window, and why.

    Attributes:
        verdict: good, neutral or bad.
        score: weighted fired good marks minus weighted fired bad marks.
        findings: one per mark, in ``tuple(Mark)`` order.
        risks: one per big-customer risk, in ``tuple(Risk)`` order.
        profit: revenue minus all costs.
        net_income: revenue less discounts, cost of goods and bad debt.
        growth_potential: can it grow ("from ant to elephant"), by its trend or by the future
            value the firm states? ``None`` when neither is known.
        lifetime_value: projected discounted profit over the policy's horizon.
        currency: currency of the amounts.
        standing: provisional (one window) or settled (hard evidence, or `settle`).
        hard_evidence: material written-off bad debt or a lawsuit in the window.
        windows: windows the verdict rests on (2 when a trend links this window to the last).
    """

    verdict: Verdict
    score: float
    findings: tuple[Finding, ...]
    risks: tuple[RiskFinding, ...]
    profit: Decimal
    net_income: Decimal
    growth_potential: bool | None
    lifetime_value: Decimal
    currency: str
    weights: tuple[float, ...] = attrs.field(repr=False)
    standing: Standing = Standing.PROVISIONAL
    hard_evidence: bool = False
    windows: int = 1

    def label(self, lang: Literal["en", "zh"] = "en") -> str:
        """The verdict with its standing, e.g. ``"bad customer (provisional: ...)"``."""
        if lang == "en":
            return f"{self.verdict.en} ({self.standing.en})"
        return f"{self.verdict.zh}，{self.standing.zh}"

    @property
    def provisional(self) -> bool:
        """Whether the verdict rests on one window only, without hard evidence."""
        return self.standing is Standing.PROVISIONAL

    def reasons(self, lang: Literal["en", "zh"] = "en") -> tuple[str, ...]:
        """Every fired mark as a reason: those counting for first, then those against.

        Each says which way it counts and cites its evidence, so a good mark of a BAD
        customer is never presented as a reason for the verdict. Marks keep the text's
        order within each side.
        """
        ordered = (*self.marks_for, *self.marks_against)
        return tuple(self.finding(m).counted(lang) for m in ordered)

    @property
    def marks_for(self) -> tuple[Mark, ...]:
        """The fired good marks, in the text's order."""
        return tuple(m for m in self.fired if m.good)

    @property
    def marks_against(self) -> tuple[Mark, ...]:
        """The fired bad marks, in the text's order."""
        return tuple(m for m in self.fired if not m.good)

    def finding(self, mark: Mark) -> Finding:
        """The finding for ``mark``."""
        return self.findings[_MARK_INDEX[mark]]

    @property
    def fired(self) -> tuple[Mark, ...]:
        """The marks that fired, in ``tuple(Mark)`` order."""
        return tuple(f.mark for f in self.findings if f.fired)

    @property
    def unknown(self) -> tuple[Mark, ...]:
        """The marks that could not be judged."""
        return tuple(f.mark for f in self.findings if f.judgement is Judgement.UNKNOWN)

    @property
    def raised_risks(self) -> tuple[Risk, ...]:
        """The big-customer risks flagged."""
        return tuple(r.risk for r in self.risks if r.raised)

    def top_marks(self, limit: int = 3) -> tuple[Mark, ...]:
        """The fired marks that explain the verdict best: bad ones first, heaviest first."""
        return _rank_marks(self.fired, self.weights)[:limit]

    def top_reasons(self, limit: int = 3, lang: Literal["en", "zh"] = "en") -> tuple[str, ...]:
        """The reasons (with evidence) of `top_marks`, in ``lang``."""
        return tuple(self.finding(m).reason(lang) for m in self.top_marks(limit))


def _rank_marks(fired: Iterable[Mark], weights: Sequence[float]) -> tuple[Mark, ...]:
    # Bad marks explain a verdict first (they can veto GOOD), then heavier before lighter,
    # then the text's order.
    return tuple(sorted(fired, key=lambda m: (m.good, -weights[_MARK_INDEX[m]], _MARK_INDEX[m])))


# --- the rules, per customer ----------------------------------------------------------

Tri = bool | None  # True / False / None (unknown): Kleene's three-valued logic


def _all(*values: Tri) -> Tri:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _any(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _judgement(value: Tri) -> Judgement:
    if value is None:
        return Judgement.UNKNOWN
    return Judgement.FIRED if value else Judgement.CLEAR


def _ge(value: float | None, threshold: float) -> Tri:
    return None if value is None else value >= threshold


def _le(value: float | None, threshold: float) -> Tri:
    return None if value is None else value <= threshold


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole <= 0 else (part / whole).quantize(Decimal("0.0001"))


def _num(value: float | int | None) -> Decimal | None:
    # Evidence shows a measure as given: a float (a policy number or a rate) by its
    # shortest repr, a count exactly.
    if value is None:
        return None
    if isinstance(value, float):
        return decimal_from_float("evidence", value)
    return to_decimal("evidence", value)


def _lifetime_value(
    net_income: float, cost_to_serve: float, growth: float, p: ScoringPolicy
) -> float:
    # Net income grows with the (capped) trend; the cost to serve stays flat. Written as an
    # iteration of + - * / only, so that the numpy path computes bit-identical floats.
    factor = 1.0
    discount = 1.0
    growth_factor = 1.0 + growth
    discount_factor = 1.0 + p.ltv_discount_rate
    total = 0.0
    for _ in range(p.ltv_windows):
        factor = factor * growth_factor
        discount = discount * discount_factor
        total = total + (net_income * factor - cost_to_serve) / discount
    return total


def assess(metrics: CustomerMetrics, policy: ScoringPolicy | None = None) -> Assessment:  # noqa: PLR0915 - the nine rules read best side by side
    """Judge one customer over one window: the nine marks, the five risks and a verdict.

    The verdict is BAD on hard evidence of bad credit (written-off bad debt of at least
    ``policy.material_bad_debt_share`` of revenue, or a lawsuit: "不讲信誉的客户，条件再好
    也不能合作"); or when bad mark 2 fired or the score is at or below ``policy.bad_score``
    and the customer shows no growth potential (a trend of at least ``policy.growth_trend``
    with a positive projected value, or a future value the firm states). It is GOOD when
    the score reaches ``policy.good_score``, it is profitable and no bad mark fired.
    Otherwise NEUTRAL. One window gives a provisional verdict unless hard evidence
    settles it; `settle` settles a verdict that holds across windows.

    Examples:
        The text's relative service cost:
        >>> big = CustomerMetrics("CNY", revenue=100_000, cost_of_goods=0, cost_to_serve=200,
        ...                       discounts=0, bad_debt=0)
        >>> small = CustomerMetrics("CNY", revenue=20, cost_of_goods=0, cost_to_serve=10,
        ...                         discounts=0, bad_debt=0)
        >>> assess(big).finding(Mark.LOW_SERVICE_COST).judgement.value
        'fired'
        >>> assess(small).finding(Mark.LOW_SERVICE_COST).judgement.value
        'clear'
    """
    p = policy if policy is not None else ScoringPolicy()
    m = metrics
    cur = m.currency
    rev = float(m.revenue)
    cogs = float(m.cost_of_goods)
    cts = float(m.cost_to_serve)
    disc = float(m.discounts)
    debt = float(m.bad_debt)
    ni = rev - disc - cogs - debt
    profit = _profit(rev, disc, cogs, debt, cts)
    gross = rev - disc - cogs

    ev_rev = Evidence(Measure.REVENUE, m.revenue, cur)
    ev_ni = Evidence(Measure.NET_INCOME, m.net_income, cur)
    ev_profit = Evidence(Measure.PROFIT, m.profit, cur)
    ev_cts = Evidence(Measure.COST_TO_SERVE, m.cost_to_serve, cur)
    ev_debt = Evidence(Measure.BAD_DEBT, m.bad_debt, cur)
    ev_purchases = Evidence(Measure.PURCHASES, _num(m.purchase_count), "")
    ev_fit = Evidence(Measure.STRATEGIC_FIT, _num(m.strategic_fit), "")
    ev_trend = Evidence(Measure.TREND, _num(m.trend), "")
    ev_pct = Evidence(Measure.REVENUE_PERCENTILE, _num(m.revenue_percentile), "")
    disc_rate = Evidence(Measure.DISCOUNT_RATE, _ratio(m.discounts, m.revenue), "")

    # Good mark 1: regular demand, and what it buys is high-margin (by the share of high-margin
    # items when the firm knows it, else by the gross margin it leaves).
    if m.high_margin_share is not None:
        margin_ok: Tri = m.high_margin_share >= p.high_margin_share
        ev_margin = Evidence(Measure.HIGH_MARGIN_SHARE, _num(m.high_margin_share), "")
    else:
        margin_ok = rev > 0 and gross >= p.high_gross_margin * rev
        gm = _ratio(m.revenue - m.discounts - m.cost_of_goods, m.revenue)
        ev_margin = Evidence(Measure.GROSS_MARGIN, gm, "")
    # ... and it buys much *for this firm*: its revenue is high in the firm's own base.
    g1 = _all(
        _ge(m.purchase_count, p.regular_purchases),
        margin_ok,
        _ge(m.revenue_percentile, p.buys_much_percentile),
    )

    g2 = _all(
        profit > 0,
        disc <= p.price_sensitive_discount_rate * rev,
        debt == 0,
        _le(m.mean_days_late, p.on_time_days),
    )
    g3 = ni > 0 and cts <= p.low_service_cost_ratio * ni
    g4 = _all(_le(m.business_risk, p.low_business_risk), _ge(m.trend, 0.0))
    g5 = _ge(m.strategic_fit, p.good_fit)
    # Group buying is not loyalty (团购未必忠于企业): it follows fashion.
    g6 = (
        False
        if m.group_buyer is True
        else _all(
            _ge(m.tenure_days, p.loyal_tenure_days), _ge(m.purchase_count, p.regular_purchases)
        )
    )
    # Bad mark 1 is "buys little, demands much": a loss-maker in the lower part of the base.
    b1 = _all(profit < 0, _le(m.revenue_percentile, p.buys_little_percentile))
    material_debt = debt > 0 and debt >= p.material_bad_debt_share * rev
    lawsuit = _ge(m.lawsuits, 1)
    b2 = _any(
        material_debt,
        _ge(m.max_days_late, p.default_days),
        _ge(m.disputes, p.repeated_disputes),
        lawsuit,
    )
    b3 = _le(m.strategic_fit, p.off_strategy_fit)
    hard = material_debt or lawsuit is True

    findings = (
        Finding(Mark.BUYS_MUCH, _judgement(g1), (ev_purchases, ev_margin, ev_rev, ev_pct)),
        Finding(
            Mark.PROFITABLE,
            _judgement(g2),
            (
                ev_profit,
                disc_rate,
                ev_debt,
                Evidence(Measure.MEAN_DAYS_LATE, _num(m.mean_days_late), "days"),
            ),
        ),
        Finding(
            Mark.LOW_SERVICE_COST,
            _judgement(g3),
            (
                ev_cts,
                ev_ni,
                Evidence(Measure.SERVICE_COST_RATIO, _ratio(m.cost_to_serve, m.net_income), ""),
            ),
        ),
        Finding(
            Mark.LOW_RISK,
            _judgement(g4),
            (Evidence(Measure.BUSINESS_RISK, _num(m.business_risk), ""), ev_trend),
        ),
        Finding(Mark.PUSHES_STRENGTHS, _judgement(g5), (ev_fit,)),
        Finding(
            Mark.LOYAL_PARTNER,
            _judgement(g6),
            (
                Evidence(Measure.TENURE_DAYS, _num(m.tenure_days), "days"),
                ev_purchases,
                _flag_evidence(Measure.GROUP_BUYER, m.group_buyer),
            ),
        ),
        Finding(Mark.COSTS_EXCEED_REVENUE, _judgement(b1), (ev_profit, ev_rev, ev_cts, ev_pct)),
        Finding(
            Mark.NO_CREDIT,
            _judgement(b2),
            (
                ev_debt,
                Evidence(Measure.MAX_DAYS_LATE, _num(m.max_days_late), "days"),
                Evidence(Measure.DISPUTES, _num(m.disputes), ""),
                Evidence(Measure.LAWSUITS, _num(m.lawsuits), ""),
            ),
        ),
        Finding(Mark.OFF_STRATEGY, _judgement(b3), (ev_fit,)),
    )

    score = 0.0
    for finding in findings:
        if finding.fired:
            w = p.weight(finding.mark)
            score = score + w if finding.mark.good else score - w

    growth = 0.0 if m.trend is None else min(m.trend, p.max_projected_growth)
    ltv = _lifetime_value(ni, cts, growth, p)
    by_trend: Tri = None if m.trend is None else (m.trend >= p.growth_trend and ltv > 0)
    elv = m.expected_lifetime_value
    # Any source saying yes is enough; the firm's silence on one source is not "unknown"
    # when another source is known.
    sources = (by_trend, m.stated_potential, None if elv is None else elv > 0)
    potential: Tri = (
        True
        if any(v is True for v in sources)
        else (None if all(v is None for v in sources) else False)
    )

    any_bad = b1 is True or b2 is True or b3 is True
    if hard or ((b2 is True or score <= p.bad_score) and potential is not True):
        verdict = Verdict.BAD
    elif score >= p.good_score and profit > 0 and not any_bad:
        verdict = Verdict.GOOD
    else:
        verdict = Verdict.NEUTRAL

    return Assessment(
        verdict=verdict,
        score=score,
        findings=findings,
        risks=_risks(m, p),
        profit=m.profit,
        net_income=m.net_income,
        growth_potential=potential,
        lifetime_value=Decimal(f"{ltv:.2f}"),
        currency=cur,
        weights=p.weights,
        standing=Standing.SETTLED if hard else Standing.PROVISIONAL,
        hard_evidence=hard,
        windows=1 if m.trend is None else 2,
    )


def settle(assessments: Sequence[Assessment], policy: ScoringPolicy | None = None) -> Assessment:
    """The latest window's assessment, settled when its verdict has held long enough.

    "立足于一段时间的跟踪，不能根据某一时点的表现就轻易否定": the verdict is SETTLED when the
    last ``policy.settle_windows`` windows (oldest first) gave the same verdict, or when the
    latest window has hard evidence; otherwise it stays PROVISIONAL.

    Raises:
        InvalidValue: no assessments were given.

    Example:
        >>> loss = CustomerMetrics("CNY", revenue=10, cost_of_goods=8, cost_to_serve=9,
        ...                        discounts=0, bad_debt=0, revenue_percentile=0.1)
        >>> assess(loss).standing.value, settle([assess(loss)] * 2).standing.value
        ('provisional', 'settled')
    """
    p = policy if policy is not None else ScoringPolicy()
    if not assessments:
        raise InvalidValue("assessments", assessments, "at least one window's assessment")
    last = assessments[-1]
    recent = assessments[-p.settle_windows :]
    held = len(recent) == p.settle_windows and all(a.verdict is last.verdict for a in recent)
    standing = Standing.SETTLED if held or last.hard_evidence else Standing.PROVISIONAL
    return attrs.evolve(last, standing=standing, windows=max(last.windows, len(assessments)))


def settled_columns(
    verdicts: npt.NDArray[np.int8],
    hard_evidence: npt.NDArray[np.bool_],
    policy: ScoringPolicy | None = None,
) -> npt.NDArray[np.bool_]:
    """`settle` for whole columns: which customers' latest verdict is settled.

    Held to `settle` by ``test_settled_columns_agree_with_settle``.

    Args:
        verdicts: int8 verdict codes (index into ``tuple(Verdict)``), one row per window,
            oldest first, one column per customer: shape ``(windows, customers)``.
        hard_evidence: per customer, whether the latest window has hard evidence.
        policy: ``settle_windows``.

    Raises:
        InputDataError: the shapes do not fit.
    """
    import numpy as np

    p = policy if policy is not None else ScoringPolicy()
    v = np.asarray(verdicts)
    h = np.asarray(hard_evidence, dtype=bool)
    if v.ndim != 2 or h.shape != (v.shape[1],):
        raise InputDataError(
            f"verdicts must be (windows, customers) and hard_evidence (customers,); "
            f"got {v.shape} and {h.shape}",
            column="verdicts",
        )
    if v.shape[0] < p.settle_windows:
        early: npt.NDArray[np.bool_] = h.copy()
        return early
    recent = v[-p.settle_windows :]
    held = np.asarray(np.all(recent == recent[-1], axis=0), dtype=bool)
    out: npt.NDArray[np.bool_] = held | h
    return out


def revenue_percentiles(revenues: Sequence[Decimal | float]) -> tuple[float, ...]:
    """Each customer's revenue percentile in the base: the share buying no more than it.

    The biggest buyer gets 1.0; equal revenues share a percentile. Columnar twin:
    `revenue_percentiles_columns` (``test_revenue_percentiles_agree_columnar``).

    Example:
        >>> revenue_percentiles([120, 5000, 120, 40])
        (0.75, 1.0, 0.75, 0.25)
    """
    import bisect

    values = [float(r) for r in revenues]
    ordered = sorted(values)
    n = len(values)
    return tuple(bisect.bisect_right(ordered, v) / n for v in values)


def revenue_percentiles_columns(revenue: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """`revenue_percentiles` for a float64 column (one sort, O(n log n))."""
    import numpy as np

    r = np.asarray(revenue, dtype=np.float64)
    if r.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    # Searching the sorted values for themselves walks memory in order; searching them
    # for the unsorted column would not.
    order = np.argsort(r)  # ties get one count whatever their order
    ordered = r[order]
    out = np.empty(r.shape[0], dtype=np.float64)
    out[order] = np.searchsorted(ordered, ordered, side="right") / r.shape[0]
    return out


def _flag_evidence(measure: Measure, value: bool | None) -> Evidence:
    return Evidence(measure, None if value is None else Decimal(int(value)), "")


def _risks(m: CustomerMetrics, p: ScoringPolicy) -> tuple[RiskFinding, ...]:
    rev = float(m.revenue)
    disc = float(m.discounts)
    receivables_high: Tri = (
        None
        if m.receivables is None
        else float(m.receivables) > 0 and float(m.receivables) >= p.receivables_ratio * rev
    )
    financial = _any(receivables_high, _ge(m.mean_days_late, p.financial_days_late))
    profit = disc > 0 and disc >= p.extraction_rate * rev
    management = _any(m.channel_conflict, m.unauthorised_pricing)
    # Group buyers are not loyal (团购未必忠于企业): a churn risk whatever else is known.
    churn = True if m.group_buyer is True else _any(m.competitor_courting, m.low_switching_cost)
    integration = _any(m.integration_signal)
    receivables_ratio = None if m.receivables is None else _ratio(m.receivables, m.revenue)
    return (
        RiskFinding(
            Risk.FINANCIAL,
            _judgement(financial),
            (
                Evidence(Measure.RECEIVABLES, m.receivables, m.currency),
                Evidence(Measure.RECEIVABLES_RATIO, receivables_ratio, ""),
                Evidence(Measure.MEAN_DAYS_LATE, _num(m.mean_days_late), "days"),
            ),
        ),
        RiskFinding(
            Risk.PROFIT,
            _judgement(profit),
            (
                Evidence(Measure.DISCOUNTS, m.discounts, m.currency),
                Evidence(Measure.DISCOUNT_RATE, _ratio(m.discounts, m.revenue), ""),
            ),
        ),
        RiskFinding(
            Risk.MANAGEMENT,
            _judgement(management),
            (
                _flag_evidence(Measure.CHANNEL_CONFLICT, m.channel_conflict),
                _flag_evidence(Measure.UNAUTHORISED_PRICING, m.unauthorised_pricing),
            ),
        ),
        RiskFinding(
            Risk.CHURN,
            _judgement(churn),
            (
                _flag_evidence(Measure.COMPETITOR_COURTING, m.competitor_courting),
                _flag_evidence(Measure.LOW_SWITCHING_COST, m.low_switching_cost),
                _flag_evidence(Measure.GROUP_BUYER, m.group_buyer),
            ),
        ),
        RiskFinding(
            Risk.VERTICAL_INTEGRATION,
            _judgement(integration),
            (_flag_evidence(Measure.INTEGRATION_SIGNAL, m.integration_signal),),
        ),
    )


# --- good and bad are dynamic ---------------------------------------------------------


@attrs.frozen
class TrendAssessment:
    """Which way a customer moves over successive windows (oldest first).

    Attributes:
        direction: improving, stable, deteriorating, or unknown with fewer than two windows.
        windows: how many windows were judged (the tracking period so far).
        slope: least-squares change of the score per window (0.0 with one window).
        verdicts: the verdict of each window, oldest first.
    """

    direction: Direction
    windows: int
    slope: float
    verdicts: tuple[Verdict, ...]


def assess_trend(
    assessments: Sequence[Assessment], policy: ScoringPolicy | None = None
) -> TrendAssessment:
    """Say whether a customer is improving or deteriorating over successive windows.

    The score's least-squares slope per window decides: above ``policy.trend_tolerance``
    improving, below its negative deteriorating, else stable.

    Raises:
        InvalidValue: no assessments were given.
    """
    p = policy if policy is not None else ScoringPolicy()
    n = len(assessments)
    if n == 0:
        raise InvalidValue("assessments", assessments, "at least one window's assessment")
    verdicts = tuple(a.verdict for a in assessments)
    if n == 1:
        return TrendAssessment(Direction.UNKNOWN, 1, 0.0, verdicts)
    mean_x = (n - 1) / 2
    mean_y = sum(a.score for a in assessments) / n
    num = sum((i - mean_x) * (a.score - mean_y) for i, a in enumerate(assessments))
    den = sum((i - mean_x) ** 2 for i in range(n))
    slope = num / den
    if slope > p.trend_tolerance:
        direction = Direction.IMPROVING
    elif slope < -p.trend_tolerance:
        direction = Direction.DETERIORATING
    else:
        direction = Direction.STABLE
    return TrendAssessment(direction, n, slope, verdicts)


# --- the rules, columnar ---------------------------------------------------------------


def marks_in(mask: int) -> tuple[Mark, ...]:
    """The marks whose bits are set in ``mask`` (bit ``i`` is ``tuple(Mark)[i]``).

    Example:
        >>> marks_in(0b1000_0001)
        (<Mark.BUYS_MUCH: 'buys_much'>, <Mark.NO_CREDIT: 'no_credit'>)
    """
    return tuple(m for i, m in enumerate(_MARKS) if mask >> i & 1)


def risks_in(mask: int) -> tuple[Risk, ...]:
    """The risks whose bits are set in ``mask`` (bit ``i`` is ``tuple(Risk)[i]``)."""
    return tuple(r for i, r in enumerate(_RISKS) if mask >> i & 1)


@attrs.frozen(eq=False)
class AssessmentColumns:
    """`assess` for a whole population, as numpy arrays of equal length.

    Attributes:
        verdict: int8 index into ``tuple(Verdict)`` (GOOD=0, NEUTRAL=1, BAD=2).
        score: float64 score, as `Assessment.score`.
        fired: uint16 bitmask of fired marks, bit ``i`` = ``tuple(Mark)[i]``.
        unknown: uint16 bitmask of marks that could not be judged.
        risks_raised: uint8 bitmask of raised risks, bit ``i`` = ``tuple(Risk)[i]``.
        risks_unknown: uint8 bitmask of risks that could not be judged.
        profit: float64 revenue minus all costs.
        net_income: float64 revenue less discounts, cost of goods and bad debt.
        growth: int8 growth potential: 1 yes, 0 no, -1 unknown (no trend, nothing stated).
        lifetime_value: float64 projected discounted profit.
        weights: the policy's mark weights, to rank reasons.
        hard_evidence: bool, material written-off bad debt or a lawsuit; such a BAD verdict
            is settled, every other verdict of one window is provisional.
        windows: int8 windows the verdict rests on (2 when the trend is known, else 1).
        revenue_percentile: float64 percentile used for "buys much" / "buys little" (NaN
            unknown).
    """

    verdict: npt.NDArray[np.int8]
    score: npt.NDArray[np.float64]
    fired: npt.NDArray[np.uint16]
    unknown: npt.NDArray[np.uint16]
    risks_raised: npt.NDArray[np.uint8]
    risks_unknown: npt.NDArray[np.uint8]
    profit: npt.NDArray[np.float64]
    net_income: npt.NDArray[np.float64]
    growth: npt.NDArray[np.int8]
    lifetime_value: npt.NDArray[np.float64]
    weights: tuple[float, ...]
    hard_evidence: npt.NDArray[np.bool_]
    windows: npt.NDArray[np.int8]
    revenue_percentile: npt.NDArray[np.float64]

    def __len__(self) -> int:
        """The number of customers."""
        return int(self.verdict.shape[0])

    def verdict_of(self, row: int) -> Verdict:
        """The verdict of customer ``row``."""
        return _VERDICTS[int(self.verdict[row])]

    def top_marks(self, row: int, limit: int = 3) -> tuple[Mark, ...]:
        """The fired marks of ``row`` that explain its verdict best, as in `Assessment`."""
        return _rank_marks(marks_in(int(self.fired[row])), self.weights)[:limit]

    def standing_of(self, row: int) -> Standing:
        """Whether the verdict of ``row`` is provisional or settled (one window: hard evidence)."""
        return Standing.SETTLED if bool(self.hard_evidence[row]) else Standing.PROVISIONAL

    def reasons(self, row: int, lang: Literal["en", "zh", "both"] = "both") -> tuple[str, ...]:
        """The reasons of customer ``row``: marks for, then against, as in `Assessment`.

        ``"counts for: English (有利：中文)"`` by default. Reasons name the marks; the
        numbers behind them are in the columns (profit, net income, ...).
        """
        return reasons_for_mask(int(self.fired[row]), lang)


def reasons_for_mask(mask: int, lang: Literal["en", "zh", "both"] = "both") -> tuple[str, ...]:
    """The reasons of a fired-marks bitmask: good marks (counting for) first, then bad ones.

    Example:
        >>> for reason in reasons_for_mask(0b1000_0001, "en"):
        ...     print(reason)
        counts for: strong demand, buys much, especially high-margin items
        counts against: untrustworthy: doubtful, bad and dead debts, lawsuits
    """
    marks = marks_in(mask)
    ordered = (*(m for m in marks if m.good), *(m for m in marks if not m.good))
    out = []
    for m in ordered:
        side = _FOR if m.good else _AGAINST
        en, zh = f"{side['en']}{m.en}", f"{side['zh']}{m.zh}"
        out.append(en if lang == "en" else zh if lang == "zh" else f"{en} ({zh})")
    return tuple(out)


def _validated(
    columns: Mapping[str, npt.NDArray[np.float64]],
) -> tuple[int, dict[str, npt.NDArray[np.float64]]]:
    import numpy as np

    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise MissingColumn(name, sorted(columns))
    unknown_names = sorted(set(columns) - set(REQUIRED_COLUMNS) - set(OPTIONAL_COLUMNS))
    if unknown_names:
        raise InputDataError(
            f"unknown column; allowed: {', '.join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))}",
            column=unknown_names[0],
        )
    n = len(columns["revenue"])
    out: dict[str, npt.NDArray[np.float64]] = {}
    for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if name not in columns:
            out[name] = np.full(n, np.nan)
            continue
        col = np.asarray(columns[name], dtype=np.float64)
        if col.shape != (n,):
            raise InputDataError(
                f"every column must be one-dimensional with {n} rows; got shape {col.shape}",
                column=name,
            )
        if name in REQUIRED_COLUMNS:
            low, high = _RANGES[name]
            ok = np.isfinite(col) & (col >= low)
            rule = "a finite amount >= 0 is required (this column may not be unknown)"
        elif name in _FLAGS:
            ok = np.isnan(col) | (col == 0.0) | (col == 1.0)
            rule = "1.0 (seen), 0.0 (not seen) or NaN (unknown)"
        else:
            low, high = _RANGES[name]
            ok = np.isnan(col) | ((col >= low) & (col <= high))
            ok &= ~np.isinf(col)
            rule = f"NaN (unknown) or a finite number in [{low}, {high}]"
        if not ok.all():
            row = int(np.argmin(ok))
            raise InputDataError(rule, row=row + 1, column=name, value=float(col[row]))
        out[name] = col
    return n, out


def assess_columns(  # noqa: PLR0915 - the nine rules read best side by side
    columns: Mapping[str, npt.NDArray[np.float64]], policy: ScoringPolicy | None = None
) -> AssessmentColumns:
    """Assess every customer at once; row ``i`` agrees with `assess` on customer ``i``.

    Args:
        columns: float64 arrays of equal length named after `CustomerMetrics` fields.
            `REQUIRED_COLUMNS` (revenue, cost_of_goods, cost_to_serve, discounts,
            bad_debt) must be present and finite; every name of `OPTIONAL_COLUMNS` may
            be absent or NaN, which means unknown. Flags are 1.0 / 0.0 / NaN.
        policy: thresholds and weights.

    Returns:
        The verdicts, scores, mark and risk bitmasks, profit, growth and lifetime value.

    Raises:
        MissingColumn: a required column is absent.
        InputDataError: an unknown column, a ragged column, or a value out of range (the
            message names the 1-based row, the column and the value).
    """
    import numpy as np

    p = policy if policy is not None else ScoringPolicy()
    n, c = _validated(columns)
    rev = c["revenue"]
    cogs = c["cost_of_goods"]
    cts = c["cost_to_serve"]
    disc = c["discounts"]
    debt = c["bad_debt"]
    ni = rev - disc - cogs - debt
    profit = _profit_columns(rev, disc, cogs, debt, cts)
    gross = rev - disc - cogs
    if "revenue_percentile" in columns:
        pct = c["revenue_percentile"]
    else:
        # The columns are the customer base: judge volume against it.
        pct = revenue_percentiles_columns(rev)
        c["revenue_percentile"] = pct

    # Three-valued logic as (value, known) pairs of boolean arrays.
    yes = np.ones(n, dtype=bool)

    def known(x: npt.NDArray[np.bool_]) -> _Tv:
        return x, yes

    def ge(name: str, threshold: float) -> _Tv:
        col = c[name]
        return col >= threshold, ~np.isnan(col)

    def le(name: str, threshold: float) -> _Tv:
        col = c[name]
        return col <= threshold, ~np.isnan(col)

    def flag(name: str) -> _Tv:
        col = c[name]
        return col == 1.0, ~np.isnan(col)

    def all_(*items: _Tv) -> _Tv:
        false = np.zeros(n, dtype=bool)
        unknown = np.zeros(n, dtype=bool)
        for value, k in items:
            false |= k & ~value
            unknown |= ~k
        return ~false & ~unknown, false | ~unknown

    def any_(*items: _Tv) -> _Tv:
        true = np.zeros(n, dtype=bool)
        unknown = np.zeros(n, dtype=bool)
        for value, k in items:
            true |= k & value
            unknown |= ~k
        return true, true | ~unknown

    hm = c["high_margin_share"]
    margin_ok = np.where(
        np.isnan(hm), (rev > 0) & (gross >= p.high_gross_margin * rev), hm >= p.high_margin_share
    )
    group = c["group_buyer"] == 1.0
    material_debt = (debt > 0) & (debt >= p.material_bad_debt_share * rev)
    lawsuit = ge("lawsuits", 1.0)
    loyal_partner = all_(
        ge("tenure_days", p.loyal_tenure_days), ge("purchase_count", p.regular_purchases)
    )
    marks = (
        all_(
            ge("purchase_count", p.regular_purchases),
            known(margin_ok),
            ge("revenue_percentile", p.buys_much_percentile),
        ),
        all_(
            known(profit > 0),
            known(disc <= p.price_sensitive_discount_rate * rev),
            known(debt == 0),
            le("mean_days_late", p.on_time_days),
        ),
        known((ni > 0) & (cts <= p.low_service_cost_ratio * ni)),
        all_(le("business_risk", p.low_business_risk), ge("trend", 0.0)),
        ge("strategic_fit", p.good_fit),
        (loyal_partner[0] & ~group, loyal_partner[1] | group),
        all_(known(profit < 0), le("revenue_percentile", p.buys_little_percentile)),
        any_(
            known(material_debt),
            ge("max_days_late", p.default_days),
            ge("disputes", p.repeated_disputes),
            lawsuit,
        ),
        le("strategic_fit", p.off_strategy_fit),
    )
    fired = np.zeros(n, dtype=np.uint16)
    unknown = np.zeros(n, dtype=np.uint16)
    score = np.zeros(n, dtype=np.float64)
    for i, (mark, (value, k)) in enumerate(zip(_MARKS, marks, strict=True)):
        hit = value & k
        fired |= hit.astype(np.uint16) << np.uint16(i)
        unknown |= (~k).astype(np.uint16) << np.uint16(i)
        w = p.weights[i]
        # Adding 0.0 leaves a float unchanged, so this equals the per-customer sum exactly.
        score = score + np.where(hit, w if mark.good else -w, 0.0)

    trend = c["trend"]
    has_trend = ~np.isnan(trend)
    growth_rate = np.where(has_trend, np.minimum(trend, p.max_projected_growth), 0.0)
    ltv = np.zeros(n, dtype=np.float64)
    factor = np.ones(n, dtype=np.float64)
    discount = 1.0
    growth_factor = 1.0 + growth_rate
    discount_factor = 1.0 + p.ltv_discount_rate
    for _ in range(p.ltv_windows):
        factor = factor * growth_factor
        discount = discount * discount_factor
        ltv = ltv + (ni * factor - cts) / discount
    elv = c["expected_lifetime_value"]
    # As per customer: any source saying yes is enough; unknown only when all are.
    stated = c["stated_potential"]
    potential = (has_trend & (trend >= p.growth_trend) & (ltv > 0)) | (stated == 1.0) | (elv > 0)
    potential_known = has_trend | ~np.isnan(stated) | ~np.isnan(elv)
    growth = np.where(potential_known, potential.astype(np.int8), np.int8(-1)).astype(np.int8)
    hard = material_debt | (lawsuit[0] & lawsuit[1])

    b1, b2, b3 = (
        (marks[6][0] & marks[6][1]),
        (marks[7][0] & marks[7][1]),
        (marks[8][0] & marks[8][1]),
    )
    any_bad = b1 | b2 | b3
    bad = hard | ((b2 | (score <= p.bad_score)) & ~potential)
    good = ~bad & (score >= p.good_score) & (profit > 0) & ~any_bad
    verdict = np.full(n, 1, dtype=np.int8)
    verdict[good] = 0
    verdict[bad] = 2

    del b1, b3
    receivables = c["receivables"]
    receivables_high = (
        (receivables > 0) & (receivables >= p.receivables_ratio * rev),
        ~np.isnan(receivables),
    )
    churn_v, churn_k = any_(flag("competitor_courting"), flag("low_switching_cost"))
    risks = (
        any_(receivables_high, ge("mean_days_late", p.financial_days_late)),
        known((disc > 0) & (disc >= p.extraction_rate * rev)),
        any_(flag("channel_conflict"), flag("unauthorised_pricing")),
        (churn_v | group, churn_k | group),
        any_(flag("integration_signal")),
    )
    risks_raised = np.zeros(n, dtype=np.uint8)
    risks_unknown = np.zeros(n, dtype=np.uint8)
    for i, (value, k) in enumerate(risks):
        risks_raised |= (value & k).astype(np.uint8) << np.uint8(i)
        risks_unknown |= (~k).astype(np.uint8) << np.uint8(i)

    return AssessmentColumns(
        verdict=verdict,
        score=score,
        fired=fired,
        unknown=unknown,
        risks_raised=risks_raised,
        risks_unknown=risks_unknown,
        profit=profit,
        net_income=ni,
        growth=growth,
        lifetime_value=ltv,
        weights=p.weights,
        hard_evidence=hard,
        windows=np.where(has_trend, 2, 1).astype(np.int8),
        revenue_percentile=pct,
    )
