"""Countermeasures against churn: what the firm can do about each reason customers leave.

The CRM chapter §3 (堵住客户流失的缺口: total quality marketing, fast market response, bonding
with customers) and *When relationships change* (follow-up, business innovation,
reputation and brand).
The table pairs each `custrel.causes.ChurnCause` with the texts' countermeasures;
causes beyond the firm (moved, changed trade, bankrupt) have none. A new cause goes into
`custrel.causes` and gets its row here (a test checks every cause has one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from custrel._labels import Labelled
from custrel.causes import ChurnCause
from custrel.errors import InvalidValue

__all__ = ["COUNTERMEASURES", "ChurnCause", "Countermeasure", "countermeasures_for"]


class Countermeasure(Labelled):
    """A way to prevent churn or win a customer back.

    From the CRM chapter §3 (堵住客户流失的缺口) and *When relationships change*.
    """

    # the CRM chapter §3, 1. 实施全面质量营销
    TOTAL_QUALITY_MARKETING = (
        "total_quality_marketing",
        "total quality marketing",
        "实施全面质量营销",
    )
    MORE_DELIVERED_VALUE = (
        "more_delivered_value",
        "deliver more customer value than competitors (better offer, lower customer costs)",
        "提供更多的顾客让渡价值",
    )
    MYSTERY_SHOPPING = (
        "mystery_shopping",
        "mystery shoppers and managers posing as customers",
        "雇用佯装购物者、经理亲身体验",
    )
    # the CRM chapter §3, 2. 提高市场反应速度
    LISTEN_TO_CUSTOMERS = (
        "listen_to_customers",
        "listen to customers' opinions",
        "善于倾听客户的意见和建议",
    )
    LOST_CUSTOMER_ANALYSIS = (
        "lost_customer_analysis",
        "contact lost customers, learn the reason and its cost",
        "客户流失分析（接触流失客户，了解原因，分析成本）",
    )
    ENFORCEMENT_SYSTEM = (
        "enforcement_system",
        "a strong enforcement system against channel conflict (market patrols)",
        "建立强力督办系统（防止串货）",
    )
    COMPLAINT_SYSTEM = (
        "complaint_system",
        "an easy complaint and suggestion system",
        "建立投诉和建议制度",
    )
    FORECASTS_FOR_CUSTOMERS = (
        "forecasts_for_customers",
        "forecasts shared with customers",
        "建立预测系统，为客户提供有价值的信息",
    )
    # the CRM chapter §3, 3. 与客户建立关联
    LONG_TERM_COOPERATION = (
        "long_term_cooperation",
        "show the value of long-term cooperation",
        "向客户灌输长远合作的意义",
    )
    TWO_WAY_COMMUNICATION = (
        "two_way_communication",
        "keep customers informed and collect their views",
        "将厂家的信息及时反映给客户",
    )
    KNOW_THE_CUSTOMER = (
        "know_the_customer",
        "know the customer: records kept by the firm, not only by the salesperson",
        "加强对客户的了解（建立客户档案）",
    )
    SATISFACTION_SURVEYS = (
        "satisfaction_surveys",
        "regular satisfaction surveys",
        "经常进行客户满意度的调查",
    )
    PERSONAL_CARE = (
        "personal_care",
        "personal care and after-sales contact",
        "优化客户关系（情感维系、售后保持联系）",
    )
    # *When relationships change*, 用业务创新应对客户关系的变化 / 维护商誉培植品牌
    IMPROVE_QUALITY_AND_SERVICE = (
        "improve_quality_and_service",
        "keep improving product quality and service",
        "不断提升产品品质、完善服务",
    )
    TIMELY_FOLLOW_UP = (
        "timely_follow_up",
        "timely after-sales follow-up (delivery, installation, on-site repair)",
        "售后服务及时跟进",
    )
    BUSINESS_INNOVATION = (
        "business_innovation",
        "respond to business-model and environment change by innovating",
        "积极应对商业模式和环境的变化（业务创新）",
    )
    ANTICIPATE_ENVIRONMENT = (
        "anticipate_environment",
        "anticipate the economy and policy early",
        "加强预判，尽早把握外部经济环境",
    )
    PROTECT_REPUTATION = ("protect_reputation", "protect the firm's reputation", "维护商誉")
    BUILD_BRAND = ("build_brand", "build the brand", "培植品牌")


#: Each churn cause's countermeasures, as the texts pair them. Causes beyond the
#: firm (moved, changed trade, bankrupt: "企业无能为力") have none; an unknown cause
#: calls for finding it out first.
COUNTERMEASURES: Final[Mapping[ChurnCause, tuple[Countermeasure, ...]]] = {
    ChurnCause.PRICE_TOO_HIGH: (
        Countermeasure.MORE_DELIVERED_VALUE,
        Countermeasure.LOST_CUSTOMER_ANALYSIS,
    ),
    ChurnCause.UNSTABLE_QUALITY: (
        Countermeasure.TOTAL_QUALITY_MARKETING,
        Countermeasure.IMPROVE_QUALITY_AND_SERVICE,
        Countermeasure.MYSTERY_SHOPPING,
        Countermeasure.PROTECT_REPUTATION,
    ),
    ChurnCause.NO_INNOVATION: (
        Countermeasure.LISTEN_TO_CUSTOMERS,  # "客户意见是企业创新的源泉"
        Countermeasure.MORE_DELIVERED_VALUE,
        Countermeasure.BUSINESS_INNOVATION,
    ),
    ChurnCause.POOR_SERVICE_ATTITUDE: (
        Countermeasure.MYSTERY_SHOPPING,  # "发现客户的流失是不是由于员工的态度"
        Countermeasure.COMPLAINT_SYSTEM,
        Countermeasure.LISTEN_TO_CUSTOMERS,
        Countermeasure.SATISFACTION_SURVEYS,
        Countermeasure.PROTECT_REPUTATION,
    ),
    ChurnCause.POOR_MARKET_CONTROL: (Countermeasure.ENFORCEMENT_SYSTEM,),
    ChurnCause.STAFF_TURNOVER: (
        Countermeasure.KNOW_THE_CUSTOMER,  # "销售人员跳槽带走客户…企业对客户情况不了解"
        Countermeasure.TWO_WAY_COMMUNICATION,
    ),
    ChurnCause.COMPETITOR_LURE: (
        Countermeasure.LONG_TERM_COOPERATION,  # the veterinary-drug example against rebates
        Countermeasure.MORE_DELIVERED_VALUE,  # "防止竞争对手挖走自己的客户"
        Countermeasure.PERSONAL_CARE,
        Countermeasure.BUILD_BRAND,
    ),
    ChurnCause.NO_AFTER_SALES_FOLLOW_UP: (
        Countermeasure.TIMELY_FOLLOW_UP,
        Countermeasure.IMPROVE_QUALITY_AND_SERVICE,
        Countermeasure.PERSONAL_CARE,  # "交易的结束并不意味着客户关系的结束"
    ),
    ChurnCause.BUSINESS_MODEL_CHANGE: (Countermeasure.BUSINESS_INNOVATION,),
    ChurnCause.EXTERNAL_ECONOMY: (
        Countermeasure.ANTICIPATE_ENVIRONMENT,  # "隻能靠加強預判、力爭能盡早把握"
        Countermeasure.BUSINESS_INNOVATION,
        Countermeasure.FORECASTS_FOR_CUSTOMERS,
    ),
    ChurnCause.MOVED: (),
    ChurnCause.CHANGED_TRADE: (),
    ChurnCause.BANKRUPT: (),
    ChurnCause.UNKNOWN: (Countermeasure.LOST_CUSTOMER_ANALYSIS,),
}


def countermeasures_for(cause: ChurnCause) -> tuple[Countermeasure, ...]:
    """The texts' countermeasures for ``cause`` (empty when the firm can do nothing).

    Example:
        >>> tuple(m.zh for m in countermeasures_for(ChurnCause.POOR_MARKET_CONTROL))
        ('建立强力督办系统（防止串货）',)
    """
    if not isinstance(cause, ChurnCause):
        raise InvalidValue("cause", cause, "a ChurnCause member")
    return COUNTERMEASURES[cause]
