"""The batch engine behind ``custrel report``: a transaction log in, every customer judged.

One engine reads every source (CSV, gzip CSV, Parquet, pandas and polars
DataFrames, pyarrow tables, iterables of `Transaction`), checks every row
against the same rules (strict: stop at the first bad row; lenient: reject it with
its reason, and ``rows_read = rows_accepted + rows_rejected`` always), computes the
buy-till-you-die purchase summary per customer (the CRM chapter §1 judges customers by
what they buy and how often), and then each customer's lifecycle stage
(`custrel.lifecycle`), pyramid tier (`custrel.pyramid`), verdict and
treatment (`custrel.scoring`), and, for the whole base, the leaky bucket and
the churn cost (`custrel.retention`).

Importing this module loads no numpy, pyarrow, pandas or polars; `analyze`
and friends import numpy and pyarrow when they run, and the ``to_pandas`` /
``to_polars`` converters import those optional libraries only when called.

Example:
    >>> import datetime as dt
    >>> from custrel.report import Transaction, analyze
    >>> log = [
    ...     Transaction("ann", dt.date(2024, 1, 5), 30.0),
    ...     Transaction("ann", dt.date(2024, 1, 9), 10.0),
    ...     Transaction("ann", dt.date(2024, 1, 9), 5.0),
    ...     Transaction("bob", dt.date(2024, 1, 20), 8.0),
    ... ]
    >>> report = analyze(log, as_of=dt.date(2024, 1, 31))
    >>> ann = report.customers.get("ann")
    >>> ann.frequency, ann.recency, ann.T, ann.monetary_value
    (1, 4, 26, 15.0)
    >>> report.counts.rows_read, report.counts.rows_accepted
    (4, 4)
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from custrel._labels import Labelled
from custrel.days import date_of
from custrel.errors import InvalidValue
from custrel.lifecycle import AT_RISK_CADENCE_MULTIPLE
from custrel.periods import Period
from custrel.retention import ChurnCost

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import polars as pl
    from numpy.typing import NDArray

    from custrel.lifecycle import LifecyclePolicy
    from custrel.report.schema import Column

__all__ = [
    "ALIVE_BAND_EDGES",
    "CANONICAL_COLUMNS",
    "DEFAULT_MODEL_DISCOUNT_RATE",
    "DEFAULT_MODEL_HORIZON_DAYS",
    "NO_AMOUNT",
    "AliveBand",
    "BucketRow",
    "CheckedLog",
    "ColumnMap",
    "CustomerResult",
    "CustomerTable",
    "InputCounts",
    "ModelNote",
    "ModelSummary",
    "OnError",
    "Overview",
    "Rejected",
    "Report",
    "ReportModel",
    "ReportPolicy",
    "ReturnsNetted",
    "Source",
    "StageByAlive",
    "Transaction",
    "allocator_settings",
    "analyze",
    "read_log",
    "summarize",
]

#: What `analyze` reads: a CSV/Parquet path, a pandas or polars DataFrame, a
#: pyarrow Table, or an iterable of `Transaction` records.
Source = object


class OnError(Labelled):
    """What to do with a row that breaks a rule."""

    RAISE = ("raise", "stop at the first bad row", "遇到错误即停止")
    SKIP = ("skip", "reject bad rows into the rejects list and go on", "跳过错误行并记录")


#: The amount column of a log of dates without amounts (``ColumnMap(amount=None)``,
#: ``--amount-col none``): a name no export uses, so it is never read from the input.
NO_AMOUNT: Final = "<no amount>"


def _amount_column(name: str | None) -> str:
    return NO_AMOUNT if name is None else name


@attrs.frozen
class ColumnMap:
    """Which input column holds each canonical field (real exports name them differently).

    Only ``customer_id``, ``date`` and ``amount`` are required; the optional ones
    are used when present. ``amount=None`` (stored as `NO_AMOUNT`) reads a log of
    dates without amounts: the report gives the purchase summary and the stages,
    and every revenue-based fact is unknown (a typed null), the report saying why.
    """

    customer_id: str = "customer_id"
    date: str = "date"
    amount: str = attrs.field(default="amount", converter=_amount_column)
    cost: str = "cost"
    service_cost: str = "service_cost"
    discount: str = "discount"
    days_late: str = "days_late"
    bad_debt: str = "bad_debt"
    quantity: str = "quantity"

    def names(self) -> tuple[str, ...]:
        """All column names, required first, in the canonical order."""
        return tuple(getattr(self, a.name) for a in attrs.fields(ColumnMap))


#: The canonical transaction columns, required ones first: the one list the reader,
#: the validation and the sample generator share.
CANONICAL_COLUMNS: Final = tuple(a.name for a in attrs.fields(ColumnMap))


@attrs.frozen
class Transaction:
    """One purchase, as a typed record (an alternative to a table).

    Values are checked by the engine with the same rules as a table's rows (so a
    bad record is reported with its row number, or rejected in lenient mode), not
    at construction. ``None`` in an optional field means "not recorded".

    Attributes:
        customer_id: who bought.
        date: the calendar day of the purchase (a datetime counts on its own date).
        amount: revenue, in the log's currency.
    """

    customer_id: str
    date: dt.date
    amount: float
    cost: float | None = None
    service_cost: float | None = None
    discount: float | None = None
    days_late: float | None = None
    bad_debt: float | None = None
    quantity: float | None = None


@attrs.frozen
class InputCounts:
    """How many rows were read, accepted, rejected and ignored; nothing is dropped silently.

    ``rows_ignored`` counts the rows dated after ``as_of`` that ``after_as_of="ignore"``
    leaves out (a back-test on a log that runs on); it is 0 otherwise.
    """

    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_ignored: int = 0

    def __attrs_post_init__(self) -> None:
        """Enforce conservation: read = accepted + rejected + ignored."""
        total = self.rows_accepted + self.rows_rejected + self.rows_ignored
        if self.rows_read != total:
            raise InvalidValue(
                "rows_read",
                self.rows_read,
                f"rows_accepted + rows_rejected + rows_ignored = {total}",
            )


@attrs.frozen
class Rejected:
    """A rejected input row and why.

    Attributes:
        row: 1-based data row (the header is row 0).
        column: the column that broke the rule (``None`` for a malformed line).
        value: the offending value as text (``None`` when missing).
        rule: the rule, stated as what is allowed.
    """

    row: int
    column: str | None
    value: str | None
    rule: str


class ReportModel(Labelled):
    """Which customer-base model the report fits (`custrel.clv`), or none."""

    BG_NBD = ("bgnbd", "BG/NBD model", "BG/NBD 模型")
    MBG_NBD = ("mbgnbd", "MBG/NBD model", "MBG/NBD 模型")
    PARETO_NBD = ("pareto", "Pareto/NBD model", "Pareto/NBD 模型")
    NONE = ("none", "no model", "不拟合模型")


def _report_model(model: object) -> ReportModel:
    """``model`` as a `ReportModel` (its stable value accepted: ``"bgnbd"``, ...)."""
    if isinstance(model, ReportModel):
        return model
    found = next((m for m in ReportModel if m.value == model), None)
    if found is None:
        raise InvalidValue("model", model, ", ".join(m.value for m in ReportModel))
    return found


#: Expected purchases and predicted value look this many days ahead (a documented
#: decision: one year, the horizon managers budget in; the source texts are silent).
DEFAULT_MODEL_HORIZON_DAYS: Final = 365
#: Yearly discount rate of the predicted value (a documented decision: a common cost of
#: capital; the source texts are silent), applied month by month.
DEFAULT_MODEL_DISCOUNT_RATE: Final = 0.10


@attrs.frozen
class ReportPolicy:
    """The report's own choices; the source texts are silent on all of them (documented decisions).

    Attributes:
        period: the BTYD period (day, week, month, ...) for frequency/recency/T.
        lifecycle: the lifecycle policy (loyalty and lapse rules).
        at_risk_cadence_multiple: an active customer is at risk once the time since
            its last purchase exceeds this multiple of its own mean gap
            (`custrel.lifecycle.is_at_risk`).
        worth_a_call: how many at-risk customers the overview lists.
        bucket_period: the period of the leaky-bucket table.
        model: the customer-base model fitted on the log (`custrel.clv`): BG/NBD by
            default (``ReportModel.BG_NBD``); ``ReportModel.NONE`` fits none and
            leaves the model columns null. A log too small, without repeat buyers, or
            whose fit does not converge gets a note in the overview, not a failure.
        model_horizon_days: the horizon of ``expected_purchases`` and
            ``predicted_clv``, in days.
        model_discount_rate: yearly discount rate of ``predicted_clv``.
    """

    period: Period = attrs.field(default=Period.DAY, validator=attrs.validators.instance_of(Period))
    lifecycle: LifecyclePolicy | None = None
    at_risk_cadence_multiple: float = AT_RISK_CADENCE_MULTIPLE
    worth_a_call: int = 20
    bucket_period: Period = attrs.field(
        default=Period.QUARTER, validator=attrs.validators.instance_of(Period)
    )
    model: ReportModel = attrs.field(
        default=ReportModel.BG_NBD,
        converter=_report_model,
    )
    model_horizon_days: int = attrs.field(default=DEFAULT_MODEL_HORIZON_DAYS)
    model_discount_rate: float = attrs.field(default=DEFAULT_MODEL_DISCOUNT_RATE)

    @model_horizon_days.validator
    def _check_horizon(self, _attribute: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidValue("model_horizon_days", value, "a whole number of days >= 1")

    @model_discount_rate.validator
    def _check_discount(self, _attribute: object, value: float) -> None:
        if not 0 <= value < 1:
            raise InvalidValue("model_discount_rate", value, "a yearly rate from 0 to below 1")


@attrs.frozen
class CustomerResult:
    """One customer's row of the report.

    The BTYD fields follow ``lifetimes``: ``frequency`` = distinct purchase periods
    after the first; ``recency`` = periods from first to last purchase; ``T`` =
    periods from first purchase to ``as_of``; ``monetary_value`` = mean revenue of the
    repeat periods (0 when ``frequency`` is 0). ``None`` marks a judgement whose
    module or input data was not available (``revenue`` and ``monetary_value`` too,
    for a log read without amounts).
    """

    customer_id: str
    first_purchase: dt.date
    last_purchase: dt.date
    purchases: int
    purchase_days: int
    frequency: int
    recency: int
    T: int  # the literature's name
    monetary_value: float | None
    revenue: float | None
    profit: float | None
    stage: Labelled | None
    peak: Labelled | None
    at_risk: bool | None
    tier: Labelled | None = None
    verdict: Labelled | None = None
    reasons: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    treatment: Labelled | None = None
    p_alive: float | None = None
    expected_purchases: float | None = None
    predicted_clv: float | None = None


class _Nulls:
    """Columns of ``n`` typed nulls sharing one zeroed buffer (for absent facts).

    ``pyarrow.nulls`` writes a fresh zeroed buffer per column; a table of many absent
    facts would hold one each. Nulls are never read, so one buffer, 8 bytes a row,
    serves every fixed-width column as validity bitmap and values alike.
    """

    def __init__(self, n: int) -> None:
        """Nulls of ``n`` rows (the buffer is made at the first use)."""
        self._n = n
        self._zeros: object = None

    def of(self, kind: object) -> object:
        """``n`` nulls of the fixed-width arrow type ``kind``."""
        import numpy as np
        import pyarrow as pa

        if self._zeros is None:
            self._zeros = pa.py_buffer(np.zeros(8 * self._n + 64, dtype=np.uint8))
        zeros = self._zeros
        return pa.Array.from_buffers(kind, self._n, [zeros, zeros], null_count=self._n)


@attrs.frozen(eq=False)
class CustomerTable:
    """Every customer's results as columns, sorted by customer id; iterate for typed rows.

    Attributes:
        ids: customer ids (a pyarrow string array).
        numbers: numeric columns by name (numpy arrays), one value per customer.
        labels: categorical columns by name: (the enum members, int8 codes; -1 = none).
        texts: per-customer tuples of texts ("reasons", "risks") as (codes, distinct
            tuples): customer ``i`` has ``distinct[codes[i]]``.
    """

    ids: object
    numbers: Mapping[str, NDArray[np.generic]]
    labels: Mapping[str, tuple[tuple[Labelled, ...], NDArray[np.int8]]]
    texts: Mapping[str, tuple[NDArray[np.int64], tuple[tuple[str, ...], ...]]] = attrs.field(
        factory=dict
    )

    def __attrs_post_init__(self) -> None:
        """Every column must be declared in the schema (`custrel.report.schema`)."""
        from custrel.report.schema import CUSTOMER_COLUMNS, Kind

        declared = {
            "numbers": {
                c.key for c in CUSTOMER_COLUMNS if c.kind not in (Kind.TEXT, Kind.LABEL, Kind.TEXTS)
            },
            "labels": {c.key for c in CUSTOMER_COLUMNS if c.kind is Kind.LABEL},
            "texts": {c.key for c in CUSTOMER_COLUMNS if c.kind is Kind.TEXTS},
        }
        for part, allowed in declared.items():
            for key in getattr(self, part):
                if key not in allowed:
                    raise InvalidValue(
                        part, key, "a column declared in custrel.report.schema.CUSTOMER_COLUMNS"
                    )

    def _texts(self, name: str, index: int) -> tuple[str, ...]:
        if name not in self.texts:
            return ()
        codes, distinct = self.texts[name]
        return distinct[int(codes[index])]

    def __len__(self) -> int:
        """The number of customers."""
        return len(self.ids)  # type: ignore[arg-type]

    def _label(self, name: str, index: int) -> Labelled | None:
        if name not in self.labels:
            return None
        members, codes = self.labels[name]
        code = int(codes[index])
        return None if code < 0 else members[code]

    def __getitem__(self, index: int) -> CustomerResult:
        """The ``index``-th customer's typed row."""
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        num = self.numbers
        profit = float(num["profit"][index]) if "profit" in num else None
        at_risk = bool(num["at_risk"][index]) if "at_risk" in num else None
        return CustomerResult(
            customer_id=str(self.ids[index]),  # type: ignore[index]
            first_purchase=date_of(int(num["first_day"][index])),
            last_purchase=date_of(int(num["last_day"][index])),
            purchases=int(num["purchases"][index]),
            purchase_days=int(num["purchase_days"][index]),
            frequency=int(num["frequency"][index]),
            recency=int(num["recency"][index]),
            T=int(num["T"][index]),
            monetary_value=self._number("monetary_value", index),
            revenue=self._number("revenue", index),
            profit=profit,
            stage=self._label("stage", index),
            peak=self._label("peak", index),
            at_risk=at_risk,
            tier=self._label("tier", index),
            verdict=self._label("verdict", index),
            reasons=self._texts("reasons", index),
            risks=self._texts("risks", index),
            treatment=self._label("treatment", index),
            p_alive=self._number("p_alive", index),
            expected_purchases=self._number("expected_purchases", index),
            predicted_clv=self._number("predicted_clv", index),
        )

    def _number(self, name: str, index: int) -> float | None:
        return float(self.numbers[name][index]) if name in self.numbers else None

    def __iter__(self) -> Iterator[CustomerResult]:
        """Typed rows, one per customer (slow for millions; use the converters)."""
        return (self[i] for i in range(len(self)))

    def get(self, customer_id: str) -> CustomerResult:
        """The row of ``customer_id``.

        Raises:
            InvalidValue: no such customer in the report.
        """
        import pyarrow.compute as pc

        where = pc.index(self.ids, customer_id).as_py()
        if where < 0:
            raise InvalidValue("customer_id", customer_id, "a customer present in the log")
        return self[where]

    def to_arrow(self) -> object:
        """A pyarrow Table of every column of `custrel.report.schema.CUSTOMER_COLUMNS`.

        One row per customer, in id order; enums as their stable values (dictionary
        columns), dates as dates; a fact the log could not give is a typed null.
        """
        import pyarrow as pa

        from custrel.report.schema import CUSTOMER_COLUMNS

        nulls = _Nulls(len(self))
        arrays = [self._arrow_column(column, nulls) for column in CUSTOMER_COLUMNS]
        return pa.Table.from_arrays(
            arrays, schema=pa.schema([pa.field(c.name, c.arrow_type()) for c in CUSTOMER_COLUMNS])
        )

    def _arrow_column(self, column: Column, nulls: _Nulls) -> object:  # noqa: PLR0911 - one per kind
        import numpy as np
        import pyarrow as pa

        from custrel.report._speed import arrow_array, text_array
        from custrel.report.schema import Kind

        key, kind = column.key, column.kind
        if kind is Kind.TEXT:
            return pa.array(self.ids, pa.string())
        if kind is Kind.LABEL:
            members, codes = self.labels.get(key, (tuple(column.label_enum or ()), None))
            values = text_array([m.value for m in members])
            if codes is None:
                return pa.DictionaryArray.from_arrays(nulls.of(pa.int32()), values)
            mask = codes < 0
            indices = np.where(mask, 0, codes).astype(np.int32)
            return pa.DictionaryArray.from_arrays(arrow_array(indices, mask), values)
        if kind is Kind.TEXTS:
            if key not in self.texts:
                return pa.DictionaryArray.from_arrays(
                    nulls.of(pa.int32()), pa.array([], pa.string())
                )
            text_codes, distinct = self.texts[key]
            # Different reason tuples can join to the same text (top reasons are cut to a
            # few), and a dictionary must not repeat itself: pandas refuses such categories.
            unique: dict[str, int] = {}
            remap = np.array(
                [unique.setdefault("; ".join(d), len(unique)) for d in distinct], dtype=np.int32
            )
            return pa.DictionaryArray.from_arrays(
                arrow_array(remap[text_codes]), text_array(list(unique))
            )
        if key not in self.numbers:
            return nulls.of(column.arrow_type())
        values = self.numbers[key]
        if kind is Kind.DATE:
            return arrow_array(np.asarray(values, dtype=np.int32)).view(pa.date32())
        if kind is Kind.COUNT:
            return arrow_array(values.astype(np.int64))
        if kind is Kind.FLAG:
            return arrow_array(values.astype(bool))
        # NaN marks a number not known for that customer (e.g. the score of one netted
        # below zero): a typed null, as every engine's output shows it.
        floats = values.astype(np.float64)
        return arrow_array(floats, np.isnan(floats))

    def __repr__(self) -> str:
        """``CustomerTable(3,000 customers)``: the size, not the arrays."""
        return f"CustomerTable({len(self):,} customers)"

    def _repr_html_(self) -> str:
        from custrel._html import customers_html

        return customers_html(self)

    def to_pandas(self) -> pd.DataFrame:
        """A pandas DataFrame (needs the ``pandas`` extra)."""
        import pandas as pd  # noqa: F401 - fail early with a clear ImportError

        frame: pd.DataFrame = self.to_arrow().to_pandas()  # type: ignore[attr-defined]
        return frame

    def to_polars(self) -> pl.DataFrame:
        """A polars DataFrame (needs the ``polars`` extra)."""
        import polars as pl

        frame = pl.from_arrow(self.to_arrow())
        assert isinstance(frame, pl.DataFrame)
        return frame


@attrs.frozen
class BucketRow:
    """One period of the leaky bucket (漏桶): customers in, out, back and held.

    Computed by `custrel.retention.leaky_bucket_columns` from the lifecycle's
    events, so start + new + won back − lost = active at end, every period.

    Attributes:
        period_start: first day of the period.
        new: customers whose first purchase fell in the period.
        lost: customers who lapsed (流失) in the period.
        won_back: lost customers who bought again in the period.
        active_at_end: actual customers (not lost) at the end of the period.
        churn_rate: share of the customers active at the start who were gone at the
            end (``None`` when none were active).
    """

    period_start: dt.date
    new: int
    lost: int
    won_back: int
    active_at_end: int
    churn_rate: float | None = None


class ModelNote(Labelled):
    """Why the report has no model columns, or only some of them."""

    NOT_ASKED = ("not_asked", "no model was asked for", "未要求拟合模型")
    TOO_SMALL = (
        "too_small",
        "too few customers to fit a model",
        "客户太少，无法拟合模型",
    )
    NO_REPEAT_BUYERS = (
        "no_repeat_buyers",
        "no customer bought again, so the model cannot be fitted",
        "没有客户重复购买，无法拟合模型",
    )
    FIT_FAILED = (
        "fit_failed",
        "the model's fit did not converge on this log",
        "模型在该数据上拟合未收敛",
    )
    NO_SPEND_MODEL = (
        "no_spend_model",
        "too few repeat buyers with differing spend for the spend model: no predicted value",
        "重复购买且消费各异的客户太少，无法拟合客单价模型：无预测价值",
    )


#: The P(alive) bands of the agreement table: [0, 0.25), [0.25, 0.5), [0.5, 0.75),
#: [0.75, 1] (a documented decision: quarters read at a glance).
ALIVE_BAND_EDGES: Final = (0.25, 0.5, 0.75)


class AliveBand(Labelled):
    """A band of P(alive), one column of the stage × P(alive) agreement table.

    Each band holds its lower bound and not its upper one; the last holds 1.
    """

    BELOW_QUARTER = ("lt_0.25", "below 0.25", "低于 0.25")
    QUARTER_TO_HALF = ("0.25_0.5", "0.25 to 0.5", "0.25 至 0.5")
    HALF_TO_THREE_QUARTERS = ("0.5_0.75", "0.5 to 0.75", "0.5 至 0.75")
    THREE_QUARTERS_UP = ("ge_0.75", "0.75 and up", "0.75 及以上")


@attrs.frozen
class StageByAlive:
    """One lifecycle stage's customers in each P(alive) band (plain counts, so mergeable).

    Attributes:
        stage: the rule-based lifecycle stage.
        counts: customers per band, in ``AliveBand`` order.
    """

    stage: Labelled
    counts: tuple[int, ...]

    def __attrs_post_init__(self) -> None:
        """One whole, non-negative count per band."""
        if len(self.counts) != len(AliveBand) or any(c < 0 for c in self.counts):
            raise InvalidValue("counts", self.counts, f"{len(AliveBand)} counts >= 0")


@attrs.frozen
class ModelSummary:
    """The customer-base model the report fitted, or why it has none.

    Attributes:
        model: the model asked for.
        note: why the model columns are null (all of them, or ``predicted_clv``
            alone for ``NO_SPEND_MODEL``), else ``None``.
        params: the transaction model's parameters (empty without a fit).
        spend_params: the Gamma-Gamma spend model's parameters (empty without one).
        log_likelihood: the transaction model's total log-likelihood, when fitted.
        horizon_days: the horizon of ``expected_purchases`` and ``predicted_clv``.
        distinct_rows: rows of the sufficient statistic the fit used.
    """

    model: ReportModel
    note: ModelNote | None = None
    params: tuple[tuple[str, float], ...] = ()
    spend_params: tuple[tuple[str, float], ...] = ()
    log_likelihood: float | None = None
    horizon_days: int = DEFAULT_MODEL_HORIZON_DAYS
    distinct_rows: int = 0


@attrs.frozen
class ReturnsNetted:
    """The returns and cancellations netted into revenue (``analyze(returns="net")``).

    A line of negative amount is a return: subtracted from its customer's revenue in
    its period, never a purchase occasion. Nothing is netted in silence: this counts
    every such line.

    Attributes:
        lines: the return lines accepted.
        amount: their total amount (zero or less), in the log's currency.
        unmatched_lines: those of them whose customer has no purchase in the log (a
            return of something bought before it starts): counted here and in
            ``amount``, in no customer's revenue (such a customer has no row).
        unmatched_amount: the amount of those lines.
        customers_below_zero: customers whose net revenue is below zero (more given
            back than bought in the log): kept as they are, exactly; such a customer
            is in the small tier (the pyramid ranks values above zero) and, when the
            log has costs, has no verdict or treatment (the scoring rules are stated
            for amounts of zero or more).
    """

    lines: int
    amount: float
    unmatched_lines: int = 0
    unmatched_amount: float = 0.0
    customers_below_zero: int = 0


@attrs.frozen
class Overview:
    """The whole base at a glance, for a manager.

    Attributes:
        customers: how many customers.
        revenue: total revenue (float, in ``currency``); ``None`` for a log read
            without amounts (``ColumnMap(amount=None)``), as are ``lost_revenue``,
            ``profit`` and ``churn_cost``, and the pyramid and verdicts are empty.
        profit: total profit, when costs were given.
        currency: ISO 4217 code of the amounts (``XXX`` = not stated).
        by_stage: (stage, customers) for every stage present.
        by_tier: (tier, customers, revenue share, profit share) per pyramid tier.
        by_verdict: (verdict, customers).
        leaky_bucket: per period of the log.
        lost_revenue: yearly revenue the lost customers used to bring (``None``
            without amounts).
        churn_cost: the lost customers' churn-cost analysis
            (`custrel.retention.churn_cost`: revenue and profit lost a year, people
            told, replacement cost), or ``None`` without costs or with a margin outside
            [0, 1].
        worth_a_call: the at-risk customers (the lifecycle rule's set) with the most
            value at risk: ``predicted_clv × (1 − p_alive)`` with a model, else profit
            (revenue without costs).
        model: the fitted model, or the note saying why there is none.
        stage_by_alive: customers per lifecycle stage and P(alive) band, for every
            stage present (empty without a model): where the rules and the model agree.
        returns: the returns netted into revenue (``returns="net"``), else ``None``.
    """

    customers: int
    revenue: float | None
    profit: float | None
    currency: str
    by_stage: tuple[tuple[Labelled, int], ...]
    by_tier: tuple[tuple[Labelled, int, float, float | None], ...]
    by_verdict: tuple[tuple[Labelled, int], ...]
    leaky_bucket: tuple[BucketRow, ...]
    lost_revenue: float | None
    worth_a_call: tuple[CustomerResult, ...]
    churn_cost: ChurnCost | None = None
    model: ModelSummary | None = None
    stage_by_alive: tuple[StageByAlive, ...] = ()
    returns: ReturnsNetted | None = None

    def to_pandas(self) -> Mapping[str, pd.DataFrame]:
        """Each section as a pandas DataFrame (needs the ``pandas`` extra).

        Sections: ``by_stage``, ``by_tier``, ``by_verdict``, ``leaky_bucket`` and
        ``worth_a_call`` (and ``returns``, one row, when returns are netted); labels
        are categoricals of the enums' stable values, days are ``datetime64``.
        """
        import pandas as pd  # noqa: F401 - fail early with a clear ImportError

        from custrel.report._frames import overview_tables

        return {
            name: table.to_pandas(date_as_object=False)
            for name, table in overview_tables(self).items()
        }

    def to_polars(self) -> Mapping[str, pl.DataFrame]:
        """Each section as a polars DataFrame (needs the ``polars`` extra); see `to_pandas`."""
        import polars as pl

        from custrel.report._frames import overview_tables

        frames = {}
        for name, table in overview_tables(self).items():
            frame = pl.from_arrow(table)
            assert isinstance(frame, pl.DataFrame)
            frames[name] = frame
        return frames

    def _repr_html_(self) -> str:
        from custrel._html import overview_html

        return overview_html(self)


@attrs.frozen(eq=False)
class Report:
    """The result of `analyze`.

    Attributes:
        as_of: the day judged.
        policy: the report policy used.
        counts: rows read / accepted / rejected.
        customers: every customer's row.
        overview: the whole-base summary (``None`` for `summarize`).
        rejects_table: the rejected rows (pyarrow Table: row, column, value, rule).
        gross_margin: the gross margin assumed for profit (``analyze(gross_margin=...)``),
            or ``None``: profit comes from the log's cost columns, or is unknown.
    """

    as_of: dt.date
    policy: ReportPolicy
    counts: InputCounts
    customers: CustomerTable
    overview: Overview | None
    rejects_table: object
    gross_margin: float | None = None

    def rejects(self) -> tuple[Rejected, ...]:
        """Every rejected row with its reason, in row order."""
        return tuple(
            Rejected(r["row"], r["column"], r["value"], r["rule"])
            for r in self.rejects_table.to_pylist()  # type: ignore[attr-defined]
        )

    def __repr__(self) -> str:
        """One line: the day judged, the rows and the customers."""
        c = self.counts
        return (
            f"Report(as_of={self.as_of.isoformat()}, customers={len(self.customers):,}, "
            f"rows_read={c.rows_read:,}, rows_rejected={c.rows_rejected:,})"
        )

    def _repr_html_(self) -> str:
        from custrel._html import report_html

        return report_html(self)

    def summary(self, lang: str = "both", width: int = 80) -> str:
        """The manager's summary as text: the ``custrel report`` table, without colour.

        Args:
            lang: ``"en"``, ``"zh"`` or ``"both"`` (every label and sentence).
            width: the longest line, in terminal cells (a Chinese character is two).

        Raises:
            InvalidValue: ``lang`` is not one of those.
        """
        from custrel.report._document import check_lang, document
        from custrel.report._render import render_plain

        return render_plain(document(self, check_lang(lang)), width)

    def write_rejects(self, path: str | Path) -> None:
        """Write the rejected rows (row, column, value, rule) as CSV to ``path``, atomically.

        A value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
        written with a leading ``'`` so a spreadsheet shows it rather than running it
        (``rejects_table`` keeps it as read).
        """
        from custrel.report._csvsafe import write_csv

        write_csv(self.rejects_table, path)


def _check_on_error(on_error: OnError | str) -> OnError:
    try:
        return on_error if isinstance(on_error, OnError) else OnError(on_error)  # type: ignore[call-arg]
    except ValueError:
        raise InvalidValue("on_error", on_error, "raise or skip") from None


def _check_as_of(as_of: object) -> dt.date | None:
    """``as_of`` as a date (a datetime counts on its own day as written), in the read range."""
    from custrel.report._rules import FIRST_DATE, LAST_DATE

    if as_of is None:
        return None
    if not isinstance(as_of, dt.date):
        raise InvalidValue("as_of", as_of, "a datetime.date (or None: the log's last day)")
    day = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InvalidValue("as_of", day, f"a date from {FIRST_DATE} to {LAST_DATE}")
    return day


#: The customer columns that need amounts: unknown (typed nulls) in a log without them.
_REVENUE_NUMBERS: Final = (
    "revenue",
    "monetary_value",
    "profit",
    "revenue_percentile",
    "score",
    "lifetime_value",
    "predicted_clv",
)
_REVENUE_LABELS: Final = ("tier", "verdict", "standing", "treatment")
_REVENUE_TEXTS: Final = ("reasons", "risks")


def _without_amounts(report: Report) -> Report:
    """The report of a log read without amounts: every revenue-based fact unknown.

    The engine runs on amounts of zero (so the purchase summary, stages, at-risk flags
    and leaky bucket are the log's own); what rests on an amount — revenue, monetary
    value, profit, tier, verdict, treatment, churn cost, predicted value — is dropped
    here, to typed nulls in the tables and ``None`` in the overview.
    """
    table = report.customers
    customers = CustomerTable(
        table.ids,
        {k: v for k, v in table.numbers.items() if k not in _REVENUE_NUMBERS},
        {k: v for k, v in table.labels.items() if k not in _REVENUE_LABELS},
        {k: v for k, v in table.texts.items() if k not in _REVENUE_TEXTS},
    )
    overview = report.overview
    if overview is not None:
        overview = attrs.evolve(
            overview,
            revenue=None,
            profit=None,
            by_tier=(),
            by_verdict=(),
            lost_revenue=None,
            churn_cost=None,
            worth_a_call=tuple(customers.get(c.customer_id) for c in overview.worth_a_call),
        )
    return attrs.evolve(report, customers=customers, overview=overview)


def _check_amounts(
    columns: ColumnMap, price_column: str | None, gross_margin: float | None
) -> None:
    """Refuse options that need amounts, for a log read without them."""
    if columns.amount != NO_AMOUNT:
        return
    if price_column is not None:
        raise InvalidValue(
            "price_column", price_column, "none for a log without amounts (amount_col none)"
        )
    if gross_margin is not None:
        raise InvalidValue(
            "gross_margin", gross_margin, "none for a log without amounts (amount_col none)"
        )


def _check_returns(returns: object) -> None:
    """Refuse a returns mode other than those of `custrel.report._rules.RETURNS_MODES`."""
    from custrel.report._rules import RETURNS_MODES

    if returns not in RETURNS_MODES:
        raise InvalidValue("returns", returns, " or ".join(RETURNS_MODES))


def _delimited(
    source: Source,
    columns: ColumnMap,
    delimiter: str,
    encoding: str,
    header: tuple[str, ...] | None,
) -> Source:
    """A CSV file of another delimiter, encoding or no header line, read as text columns.

    The default (comma, UTF-8, a header line) leaves ``source`` to the engine's fast reader.
    """
    import codecs

    from custrel.errors import InputDataError
    from custrel.report._sources import check_dialect, read_delimited

    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        utf8 = False
    if delimiter == "," and utf8 and header is None:
        return source
    separator = check_dialect(delimiter, encoding, header)
    if not isinstance(source, (str, Path)) or Path(source).suffix.lower() in {".parquet", ".pq"}:
        raise InvalidValue(
            "delimiter", delimiter, "the default: delimiter, encoding and header apply to CSV files"
        )
    path = Path(source)
    if not path.is_file():
        raise InputDataError("the input must be an existing file", value=str(path))
    return read_delimited(
        path, columns.names(), delimiter=separator, encoding=encoding, header=header
    )


def _assume_margin(
    source: Source, columns: ColumnMap, rate: float, date_format: str | None
) -> tuple[Source, ColumnMap]:
    """The source with a cost column assumed from a gross margin of ``rate``."""
    import math

    from custrel.report._priced import with_margin

    if not (math.isfinite(rate) and 0.0 <= rate <= 1.0):
        raise InvalidValue("gross_margin", rate, "a rate from 0 to 1, e.g. 0.3")
    return with_margin(source, columns, rate, date_format)


@attrs.frozen(eq=False)
class CheckedLog:
    """A transaction log's accepted rows, checked by the report's rules (`read_log`).

    One entry per accepted row, in file order. What the models and the validation
    read; the report itself goes on to summarise them.

    Attributes:
        ids: the distinct customer ids (a pyarrow string array), indexed by ``customer``.
        customer: per row, the index of its customer's id in ``ids`` (int32).
        day: per row, the purchase day as days since 1970-01-01 (int64).
        amount: per row, the amount (float64, at most four decimals as read).
        rows_read: data rows read, rejected ones included.
        rejects_table: the rejected rows (row, column, value, rule), sorted by row;
            empty unless ``on_error="skip"``.
    """

    ids: object
    customer: NDArray[np.int32]
    day: NDArray[np.int64]
    amount: NDArray[np.float64]
    rows_read: int
    rejects_table: object

    def __len__(self) -> int:
        """Accepted rows."""
        return len(self.day)

    def dates(self) -> NDArray[np.datetime64]:
        """Each row's purchase day as a numpy ``datetime64[D]``."""
        return self.day.astype("datetime64[D]")

    def rejects(self) -> tuple[Rejected, ...]:
        """Every rejected row with its reason, in row order."""
        return tuple(
            Rejected(r["row"], r["column"], r["value"], r["rule"])
            for r in self.rejects_table.to_pylist()  # type: ignore[attr-defined]
        )


def read_log(
    source: Source,
    *,
    columns: ColumnMap | None = None,
    date_format: str | None = None,
    as_of: dt.date | None = None,
    on_error: OnError | str = OnError.RAISE,
) -> CheckedLog:
    """Read a transaction log and check every row as `analyze` does, without summarising.

    The public way for other tools (the models' calibration and holdout, a user's own
    analysis) to read a log exactly as the report reads it.

    Args:
        source: what `analyze` reads (a CSV, gzip CSV or Parquet path, a pandas or
            polars DataFrame, a pyarrow Table, or `Transaction` records).
        columns: which input column holds what (default: the canonical names).
        date_format: a ``strptime`` format for the date column (default: ISO dates).
        as_of: when given, a purchase after it breaks a rule, as in `analyze`
            (default: no such rule).
        on_error: ``"raise"`` (the first broken rule stops the read) or ``"skip"``
            (rejected rows go to ``rejects_table``).

    Returns:
        The accepted rows (customer, day, amount) and the rejects.

    Raises:
        MissingColumns: required columns are absent.
        InputDataError: the input has no rows, or (raise) the first broken rule.
        InvalidValue: ``as_of`` or ``on_error`` is not valid.

    Example:
        >>> from custrel.sample import sample_path
        >>> log = read_log(sample_path())
        >>> len(log) > 0 and log.rows_read >= len(log)
        True
    """
    import numpy as np

    from custrel.report._ingest import read_source, validate
    from custrel.report._units import from_units

    mode = _check_on_error(on_error)
    day_judged = _check_as_of(as_of)
    names = columns or ColumnMap()
    lenient = mode is OnError.SKIP
    table, malformed = read_source(source, names.names(), date_format, lenient=lenient)
    data = validate(
        table,
        names,
        date_format=date_format,
        as_of=day_judged,
        strict=not lenient,
        malformed=malformed,
    )
    day = np.concatenate(data.rows.day).astype(np.int64) if data.rows.day else np.zeros(0, np.int64)
    units = np.concatenate(data.rows.amount) if data.rows.amount else np.zeros(0, np.int64)
    return CheckedLog(
        ids=data.ids,
        customer=np.asarray(data.code, dtype=np.int32),
        day=day,
        amount=from_units(units),
        rows_read=data.rows_read,
        rejects_table=data.rejects,
    )


def summarize(
    source: Source,
    *,
    as_of: dt.date | None = None,
    period: Period = Period.DAY,
    columns: ColumnMap | None = None,
    date_format: str | None = None,
    on_error: OnError | str = OnError.RAISE,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header: tuple[str, ...] | None = None,
    price_column: str | None = None,
    after_as_of: str = "error",
    returns: str = "reject",
) -> Report:
    """Read and check ``source`` and compute only the BTYD purchase summary per customer.

    Args:
        source: see `Source`.
        as_of: the day judged (default: the last purchase day in the log); rows
            dated after it break a rule.
        period: the BTYD period.
        columns: the column mapping.
        date_format: a ``strptime`` format for the date column (default: ISO).
        on_error: ``raise`` (strict) or ``skip`` (lenient, rejects kept).
        delimiter: a CSV file's field separator: one character, ``tab``, or
            ``whitespace`` for runs of spaces and tabs (no quoting), as CDNOW's file.
        encoding: a CSV file's text encoding (e.g. ``latin-1``, ``gbk``).
        header: the column names of a CSV file that has no header line.
        price_column: a unit-price column: amount = quantity × price, exactly (the
            quantity column is ``columns.quantity``); without it, an amount column
            named like a unit price warns with `custrel.errors.UnitPriceWarning`.
        after_as_of: ``error`` (default): a row dated after ``as_of`` breaks a rule;
            ``ignore``: such rows are left out and counted in ``counts.rows_ignored``
            (a back-test on a log that runs on).
        returns: what a line of negative amount (a negative quantity with
            ``price_column``) is: ``reject`` (default): a broken rule naming
            ``--returns``; ``net``: a return or cancellation, subtracted from its
            customer's revenue (and the money columns it carries) in its period,
            never a purchase occasion, counted in ``overview.returns``.

    Raises:
        InputDataError: bad input (names the row, column, value and rule).
    """
    from custrel.report._engine import run

    columns = columns or ColumnMap()
    _check_amounts(columns, price_column, None)
    source = _delimited(source, columns, delimiter, encoding, header)
    if price_column is None:
        from custrel.report._priced import warn_unit_price

        warn_unit_price(columns)
    else:
        from custrel.report._priced import priced

        source, columns = priced(source, columns, price_column, date_format)
    if after_as_of not in {"error", "ignore"}:
        raise InvalidValue("after_as_of", after_as_of, "error or ignore")
    _check_returns(returns)
    report = run(
        source,
        as_of=_check_as_of(as_of),
        policy=ReportPolicy(period=period),
        columns=columns,
        date_format=date_format,
        on_error=_check_on_error(on_error),
        full=False,
        currency="XXX",
        after_as_of=after_as_of,
        returns=returns,
    )
    return _without_amounts(report) if columns.amount == NO_AMOUNT else report


def analyze(
    source: Source,
    *,
    as_of: dt.date | None = None,
    policy: ReportPolicy | None = None,
    columns: ColumnMap | None = None,
    date_format: str | None = None,
    on_error: OnError | str = OnError.RAISE,
    currency: str = "XXX",
    progress: object = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header: tuple[str, ...] | None = None,
    price_column: str | None = None,
    after_as_of: str = "error",
    returns: str = "reject",
    gross_margin: float | None = None,
) -> Report:
    """Run the full report: summary, stage, tier, verdict, treatment, and the overview.

    Args:
        source: see `Source`.
        as_of: the day judged (default: the last purchase day in the log).
        policy: the report policy (period, lifecycle rules, ...).
        columns: the column mapping.
        date_format: a ``strptime`` format for the date column (default: ISO).
        on_error: ``raise`` (strict) or ``skip`` (lenient, rejects kept).
        delimiter: a CSV file's field separator: one character, ``tab``, or
            ``whitespace`` for runs of spaces and tabs (no quoting), as CDNOW's file.
        encoding: a CSV file's text encoding (e.g. ``latin-1``, ``gbk``).
        header: the column names of a CSV file that has no header line.
        price_column: a unit-price column: amount = quantity × price, exactly (the
            quantity column is ``columns.quantity``); without it, an amount column
            named like a unit price warns with `custrel.errors.UnitPriceWarning`.
        after_as_of: ``error`` (default): a row dated after ``as_of`` breaks a rule;
            ``ignore``: such rows are left out and counted in ``counts.rows_ignored``
            (a back-test on a log that runs on).
        returns: what a line of negative amount (a negative quantity with
            ``price_column``) is: ``reject`` (default): a broken rule naming
            ``--returns``; ``net``: a return or cancellation, subtracted from its
            customer's revenue (and the money columns it carries) in its period,
            never a purchase occasion, counted in ``overview.returns``.
        gross_margin: for a log without cost columns, an assumed gross margin
            (0 to 1): cost = amount × (1 − rate), so profit = revenue × rate; the
            report states it as an assumption (`Report.gross_margin`).
        currency: ISO 4217 code of the amounts; ``XXX`` means "not stated".
        progress: a callable ``(step: str, done: int, total: int) -> None`` told
            about each step, or ``True`` for a bar where someone watches: tqdm's or
            rich's in a Jupyter notebook, rich's on a terminal, none in a pipe.

    Raises:
        InputDataError: bad input (names the row, column, value and rule).
    """
    from custrel.report._engine import run

    if len(currency) != 3 or not currency.isalpha():
        raise InvalidValue("currency", currency, "a three-letter ISO 4217 code such as EUR")
    if progress is True:
        from custrel._progress import display

        with display() as shown:
            return analyze(
                source,
                as_of=as_of,
                policy=policy,
                columns=columns,
                date_format=date_format,
                on_error=on_error,
                currency=currency,
                progress=shown,
                delimiter=delimiter,
                encoding=encoding,
                header=header,
                price_column=price_column,
                after_as_of=after_as_of,
                returns=returns,
                gross_margin=gross_margin,
            )
    columns = columns or ColumnMap()
    _check_amounts(columns, price_column, gross_margin)
    source = _delimited(source, columns, delimiter, encoding, header)
    if price_column is None:
        from custrel.report._priced import warn_unit_price

        warn_unit_price(columns)
    else:
        from custrel.report._priced import priced

        source, columns = priced(source, columns, price_column, date_format)
    if after_as_of not in {"error", "ignore"}:
        raise InvalidValue("after_as_of", after_as_of, "error or ignore")
    _check_returns(returns)
    if gross_margin is not None:
        source, columns = _assume_margin(source, columns, gross_margin, date_format)
    report = run(
        source,
        as_of=_check_as_of(as_of),
        policy=policy or ReportPolicy(),
        columns=columns,
        date_format=date_format,
        on_error=_check_on_error(on_error),
        full=True,
        currency=currency.upper(),
        after_as_of=after_as_of,
        returns=returns,
        progress=progress,  # type: ignore[arg-type]
    )
    if columns.amount == NO_AMOUNT:
        return _without_amounts(report)
    return report if gross_margin is None else attrs.evolve(report, gross_margin=gross_margin)


@contextlib.contextmanager
def allocator_settings() -> Iterator[None]:
    """Within the block, the engine's allocator settings; as they were, after it.

    numpy gives no huge-page advice for its large arrays and arrow allocates with
    the system allocator — process-wide settings that make large reports faster
    on Linux (figures in ``benchmarks/README.md``). `analyze` never changes
    them by itself; the ``custrel report`` command uses this block for its run.
    Nested and concurrent blocks share one count: the last to leave restores.
    """
    from custrel.report._speed import allocator_settings as settings

    with settings():
        yield
