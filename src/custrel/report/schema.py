"""The customer table's schema: every column once, with its type, labels, meaning and rendering.

The report engine fills the columns it declares here and nothing else
(`custrel.report.CustomerTable` refuses an undeclared one); the converters
(``to_arrow``, ``to_pandas``, ``to_polars``), the CSV/JSON/Parquet writers, the
terminal report and the docs' column reference (generated from
`columns_markdown`) all read this one tuple, so they cannot drift apart.

The schema does not depend on the input: a fact the log cannot give (no cost
columns: no profit or verdict; `custrel.report.summarize`: no stage) is a
typed null, so any two logs give tables of the same columns and types.

Adding a column is one entry in `CUSTOMER_COLUMNS` plus the rule that computes
it (in the module of its concept) and the line of the engine that calls the rule.

Importing this module loads no numpy or pyarrow; `Column.arrow_type` imports
pyarrow when called.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import attrs

from custrel.errors import InvalidValue

if TYPE_CHECKING:
    import pyarrow as pa

    from custrel._labels import Labelled

__all__ = ["COLUMNS_BY_NAME", "CUSTOMER_COLUMNS", "Column", "Kind", "columns_markdown"]


class Kind(enum.Enum):
    """What a column holds, which fixes its arrow type and how it renders."""

    #: Text (the customer id): arrow ``string``.
    TEXT = "text"
    #: A calendar day: arrow ``date32``, ISO 8601 in text.
    DATE = "date"
    #: A whole count: arrow ``int64``, with thousands separators on the terminal.
    COUNT = "count"
    #: Money in the log's currency: arrow ``float64``, two decimals on the terminal.
    MONEY = "money"
    #: Any other number: arrow ``float64``.
    NUMBER = "number"
    #: Yes or no: arrow ``bool``.
    FLAG = "flag"
    #: A member of a labelled enum: arrow ``dictionary<int32, string>`` of the enum's
    #: stable values (a categorical in pandas and polars), its labels on the terminal.
    LABEL = "label"
    #: Several texts: arrow ``dictionary<int32, string>`` joined with ``"; "``.
    TEXTS = "texts"


@attrs.frozen
class Column:
    """One column of the customer table.

    Attributes:
        name: the column's name in every output.
        kind: what it holds (fixes the arrow type and the rendering).
        en: what it means, in English.
        zh: what it means, in Chinese.
        labels: where the enum of a ``LABEL`` column lives, as ``module:Name`` (loaded
            on use by `label_enum`, so reading the schema imports no judging
            module), else ``None``.
        source: where `custrel.report.CustomerTable` keeps it (its ``numbers``,
            ``labels`` or ``texts`` key), when that differs from ``name``.
    """

    name: str
    kind: Kind
    en: str
    zh: str
    labels: str | None = None
    source: str = attrs.field(default="")

    def __attrs_post_init__(self) -> None:
        """A label column names its enum; no other column does."""
        if (self.kind is Kind.LABEL) != (self.labels is not None):
            raise InvalidValue("labels", self.labels, "an enum exactly for a LABEL column")

    @property
    def label_enum(self) -> type[Labelled] | None:
        """The enum of a ``LABEL`` column (imported on first use), else ``None``."""
        if self.labels is None:
            return None
        module, name = self.labels.split(":")
        found: type[Labelled] = getattr(importlib.import_module(module), name)
        return found

    @property
    def key(self) -> str:
        """The table's key for this column (``source`` or ``name``)."""
        return self.source or self.name

    def arrow_type(self) -> pa.DataType:
        """The column's arrow type."""
        import pyarrow as pa

        types: Mapping[Kind, pa.DataType] = {
            Kind.TEXT: pa.string(),
            Kind.DATE: pa.date32(),
            Kind.COUNT: pa.int64(),
            Kind.MONEY: pa.float64(),
            Kind.NUMBER: pa.float64(),
            Kind.FLAG: pa.bool_(),
            Kind.LABEL: pa.dictionary(pa.int32(), pa.string()),
            Kind.TEXTS: pa.dictionary(pa.int32(), pa.string()),
        }
        return types[self.kind]

    def render(self, value: object) -> str:  # noqa: PLR0911 - one return per kind
        """The value as the terminal report shows it (``-`` for a null)."""
        if value is None:
            return "-"
        if self.kind is Kind.MONEY:
            return f"{value:,.2f}"
        if self.kind is Kind.COUNT:
            return f"{value:,}"
        if self.kind is Kind.FLAG:
            return "yes" if value else "no"
        if self.kind is Kind.DATE:
            return str(value.isoformat())  # type: ignore[attr-defined]
        if self.kind is Kind.LABEL:
            return str(value.en)  # type: ignore[attr-defined]
        if self.kind is Kind.TEXTS:
            return "; ".join(value)  # type: ignore[arg-type]
        return str(value)


_C = Column
_STAGE = "custrel.lifecycle:Stage"
#: Every column of the customer table, in output order.
CUSTOMER_COLUMNS: Final[tuple[Column, ...]] = (
    _C("customer_id", Kind.TEXT, "who bought", "客户编号"),
    _C("first_purchase", Kind.DATE, "day of the first purchase", "首次购买日", source="first_day"),
    _C("last_purchase", Kind.DATE, "day of the last purchase", "最近购买日", source="last_day"),
    _C("purchases", Kind.COUNT, "purchase rows", "购买笔数"),
    _C("purchase_days", Kind.COUNT, "distinct purchase days", "购买天数"),
    _C("frequency", Kind.COUNT, "distinct purchase periods after the first", "重复购买期数"),
    _C("recency", Kind.COUNT, "periods from the first to the last purchase", "首末购买间隔期数"),
    _C("T", Kind.COUNT, "periods from the first purchase to the day judged", "客户年龄（期数）"),
    _C(
        "monetary_value",
        Kind.MONEY,
        "mean revenue of the repeat periods (0 without repeats)",
        "重复购买期平均收入",
    ),
    _C(
        "revenue",
        Kind.MONEY,
        "revenue, net of discount (and of returns with --returns net); null without amounts",
        "收入（折后；--returns net 时扣除退货）",
    ),
    _C("profit", Kind.MONEY, "profit (custrel.profit); null without cost columns", "利润"),
    _C("stage", Kind.LABEL, "lifecycle stage on the day judged", "生命周期阶段", _STAGE),
    _C("peak", Kind.LABEL, "furthest lifecycle stage reached", "曾达到的最高阶段", _STAGE),
    _C(
        "at_risk",
        Kind.FLAG,
        "an actual customer silent past 1.5 times its own mean gap",
        "超出自身购买节奏的风险客户",
    ),
    _C(
        "tier",
        Kind.LABEL,
        "customer-pyramid tier by profit (by revenue without costs)",
        "金字塔层级",
        "custrel.pyramid:Tier",
    ),
    _C(
        "verdict",
        Kind.LABEL,
        "good or bad customer; null without cost columns",
        "好坏客户判定",
        "custrel.scoring:Verdict",
    ),
    _C(
        "standing",
        Kind.LABEL,
        "provisional (one window) or settled (hard evidence); null without cost columns",
        "判定是否已确认",
        "custrel.scoring:Standing",
    ),
    _C(
        "reasons",
        Kind.TEXTS,
        "the fired marks, those counting for the customer first, then those against",
        "判定理由（先有利，后不利）",
    ),
    _C("risks", Kind.TEXTS, "big-customer risks raised", "大客户风险"),
    _C(
        "treatment",
        Kind.LABEL,
        "next action: the tier's treatment, or win back / let go for a lost customer",
        "下一步措施",
        "custrel.pyramid:Treatment",
    ),
    _C("score", Kind.NUMBER, "the verdict's score", "评分"),
    _C("lifetime_value", Kind.MONEY, "projected discounted profit", "客户终身价值"),
    _C(
        "p_alive",
        Kind.NUMBER,
        "probability the customer is still buying (the report's model); null without one",
        "模型估计的客户仍存活（会再购买）的概率",
    ),
    _C(
        "expected_purchases",
        Kind.NUMBER,
        "purchase periods the model expects over the policy's horizon; null without a model",
        "模型预计在预测期内的购买期数",
    ),
    _C(
        "predicted_clv",
        Kind.MONEY,
        "discounted revenue the model expects over the horizon (Gamma-Gamma spend)",
        "模型预测的预测期内折现收入（客户价值）",
    ),
    _C(
        "revenue_percentile",
        Kind.NUMBER,
        "share of the report's customers buying no more (judges buys much / little)",
        "收入在客户群中的百分位",
    ),
    _C("cost", Kind.MONEY, "total cost of goods", "商品成本合计"),
    _C("service_cost", Kind.MONEY, "total cost to serve", "服务成本合计"),
    _C("discount", Kind.MONEY, "total discounts given", "折扣合计"),
    _C("bad_debt", Kind.MONEY, "total bad debt", "坏账合计"),
    _C("days_late", Kind.NUMBER, "total days of late payment", "逾期天数合计"),
    _C("late_payments", Kind.NUMBER, "purchases paid late", "逾期付款次数"),
    _C("max_days_late", Kind.NUMBER, "longest late payment, in days", "最长逾期天数"),
    _C("quantity", Kind.NUMBER, "total units bought", "购买数量合计"),
)
del _C, _STAGE

#: The columns by name.
COLUMNS_BY_NAME: Final[Mapping[str, Column]] = {c.name: c for c in CUSTOMER_COLUMNS}


def columns_markdown() -> str:
    """The column reference as a Markdown table (the docs generate it from here)."""
    lines = [
        "| column | type | meaning | 含义 | values |",
        "|---|---|---|---|---|",
    ]
    for column in CUSTOMER_COLUMNS:
        members = column.label_enum
        values = ", ".join(f"`{m.value}`" for m in members) if members is not None else ""
        lines.append(
            f"| `{column.name}` | {column.kind.value} | {column.en} | {column.zh} | {values} |"
        )
    return "\n".join(lines) + "\n"
