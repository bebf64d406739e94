"""Why customers leave: the bilingual churn-cause taxonomy of two source texts.

The causes come from the CRM chapter §3 and *When relationships change*.

It lives in its own small module because both the lifecycle (a defection carries its
cause) and retention (countermeasures, churn economics) need it, and retention builds
on the lifecycle.
"""

from __future__ import annotations

from custrel._labels import Labelled

__all__ = ["ChurnCause"]


class ChurnCause(Labelled):
    """A reason a customer stopped buying, marked controllable by the firm or not.

    The CRM chapter §3 names six causes, *When relationships change* three more; the
    uncontrollable ones (moved, changed trade, bankrupt) are separated so that churn the
    firm could not have prevented is not counted against it.
    """

    # the CRM chapter §3 "客户流失的原因"
    UNSTABLE_QUALITY = (
        "unstable_quality",
        "unstable product or service quality",
        "产品或服务质量不稳定",
    )
    NO_INNOVATION = ("no_innovation", "no innovation", "缺乏创新")
    POOR_SERVICE_ATTITUDE = ("poor_service_attitude", "weak service attitude", "服务意识淡薄")
    POOR_MARKET_CONTROL = (
        "poor_market_control",
        "poor market control (channel conflict, cross-region selling)",
        "市场监控不力（渠道冲突、串货）",
    )
    STAFF_TURNOVER = ("staff_turnover", "staff leaving with the customers", "员工跳槽带走客户")
    COMPETITOR_LURE = ("competitor_lure", "a competitor's lure", "竞争对手的诱惑")
    # the CRM chapter §3 客户流失分析: "服务差、产品次、价格太高" — things the firm can improve
    PRICE_TOO_HIGH = ("price_too_high", "price too high", "价格太高")
    # *When relationships change*
    NO_AFTER_SALES_FOLLOW_UP = (
        "no_after_sales_follow_up",
        "no timely after-sales follow-up",
        "售后服务跟进不及时",
    )
    BUSINESS_MODEL_CHANGE = ("business_model_change", "change of business model", "商业模式转变")
    EXTERNAL_ECONOMY = ("external_economy", "the external economy and policy", "外部经济与政策环境")
    # beyond the firm's control (the CRM chapter §3: 离开了当地、改行了、破产了 — 企业无能为力)
    MOVED = ("moved", "customer moved away", "客户搬迁")
    CHANGED_TRADE = ("changed_trade", "customer changed trade", "客户转行")
    BANKRUPT = ("bankrupt", "customer went bankrupt", "客户破产")
    UNKNOWN = ("unknown", "not yet known", "原因未明")

    @property
    def controllable(self) -> bool:
        """Whether the firm could have prevented this cause (``False`` also for UNKNOWN)."""
        return self not in _UNCONTROLLABLE


_UNCONTROLLABLE = frozenset(
    {
        ChurnCause.EXTERNAL_ECONOMY,
        ChurnCause.MOVED,
        ChurnCause.CHANGED_TRADE,
        ChurnCause.BANKRUPT,
        ChurnCause.UNKNOWN,
    }
)
