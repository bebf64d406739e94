"""Calibration and holdout: fit up to a date, and see how the model tracks what came after.

The check analysts make before trusting a customer-base model (Fader, Hardie & Lee
2005): split the transaction log at a calibration date, fit on the calibration
period, and compare with the holdout — the cohort's cumulative repeat purchases
period by period, and the holdout purchases of customers grouped by how often they
bought in the calibration period. Repeat purchases are counted as distinct
customer-days, as in the literature; the cohort is the customers whose first
purchase falls in the calibration period, before its last day.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

import attrs

from custrel.days import EPOCH as _EPOCH
from custrel.errors import InputDataError, InvalidValue

if TYPE_CHECKING:
    import pandas as pd

    from custrel.clv._fit import ModelKind
    from custrel.clv._transaction import TransactionModel
    from custrel.report import ColumnMap

__all__ = ["FREQUENCY_GROUPS", "FrequencyRow", "TrackingRow", "Validation", "calibration_holdout"]

#: Calibration frequencies shown one by one; higher ones share the last group ("7+").
FREQUENCY_GROUPS: Final = 7


@attrs.frozen
class TrackingRow:
    """Cumulative repeat purchases of the cohort by the end of a period.

    Attributes:
        period: 1 for the first period after the cohort's earliest first purchase.
        end: the period's last day.
        actual: repeat purchases (customer-days) by then.
        predicted: what the model expects by then.
    """

    period: int
    end: dt.date
    actual: int
    predicted: float


@attrs.frozen
class FrequencyRow:
    """Holdout purchases per customer, for customers with one calibration frequency.

    Attributes:
        frequency: the calibration frequency (``"7+"`` for the last group).
        customers: how many customers.
        actual: mean holdout purchases per customer.
        predicted: the model's conditional expectation, averaged over the group.
    """

    frequency: str
    customers: int
    actual: float
    predicted: float


@attrs.frozen
class Validation:
    """How a model fitted on the calibration period tracks the holdout.

    Attributes:
        model: the model fitted on the calibration period.
        calibration_end: the last day of the calibration period.
        holdout_end: the last day of the holdout.
        period_days: days per period (the model's time unit).
        customers: customers in the cohort.
        tracking: cumulative repeat purchases, period by period.
        by_frequency: holdout purchases by calibration frequency.
    """

    model: TransactionModel
    calibration_end: dt.date
    holdout_end: dt.date
    period_days: int
    customers: int
    tracking: tuple[TrackingRow, ...]
    by_frequency: tuple[FrequencyRow, ...]

    @property
    def error(self) -> float:
        """Relative error of the cumulative repeat purchases at the holdout's end.

        Negative when the model under-forecasts.
        """
        last = self.tracking[-1]
        return (last.predicted - last.actual) / last.actual if last.actual else float("nan")

    def summary(self, lang: str = "en") -> str:
        """The error in one line a manager can read (``lang``: ``"en"`` or ``"zh"``)."""
        last = self.tracking[-1]
        name = self.model.KIND.zh if lang == "zh" else self.model.KIND.en
        if lang == "zh":
            direction = "低估" if self.error < 0 else "高估"
            return (
                f"{name}：到第 {last.period} 期末，预测累计重复购买 {last.predicted:,.0f} 次，"
                f"实际 {last.actual:,} 次，{direction} {abs(self.error):.1%}。"
            )
        direction = "under-forecasts" if self.error < 0 else "over-forecasts"
        return (
            f"{name}: by the end of period {last.period} it predicts {last.predicted:,.0f} "
            f"cumulative repeat purchases against {last.actual:,} actual; it {direction} by "
            f"{abs(self.error):.1%}."
        )

    def to_pandas(self) -> dict[str, pd.DataFrame]:
        """The two tables as pandas DataFrames, under ``"tracking"`` and ``"by_frequency"``."""
        import pandas as pd

        return {
            "tracking": pd.DataFrame([attrs.asdict(r) for r in self.tracking]),
            "by_frequency": pd.DataFrame([attrs.asdict(r) for r in self.by_frequency]),
        }


def _day(value: dt.date | str, name: str) -> int:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidValue(name, value, "an ISO date YYYY-MM-DD") from None
    if isinstance(value, dt.datetime):
        value = value.date()
    return (value - _EPOCH).days


def calibration_holdout(  # noqa: PLR0915 - one pass from the log to both tables
    source: object,
    *,
    calibration_end: dt.date | str,
    holdout_end: dt.date | str | None = None,
    model: ModelKind | str = "bg/nbd",
    period_days: int = 7,
    columns: ColumnMap | None = None,
    date_format: str | None = None,
) -> Validation:
    """Split a transaction log at ``calibration_end``, fit, and compare with the holdout.

    Args:
        source: a transaction log, read as `custrel.report.analyze` reads it (CSV,
            gzip CSV or Parquet path, pandas or polars DataFrame, pyarrow Table, or
            `custrel.report.Transaction` records).
        calibration_end: the calibration period's last day.
        holdout_end: the holdout's last day (default: the log's last purchase day).
        model: which transaction model (``"bg/nbd"``, ``"mbg/nbd"``, ``"pareto/nbd"``).
        period_days: days per period, the model's time unit (7: weeks).
        columns: the column mapping.
        date_format: a ``strptime`` format for the date column (default: ISO).

    Raises:
        InputDataError: bad input rows (named by row, column, value and rule).
        InvalidValue: dates in the wrong order, or a bad model name.
        UnidentifiableData: the calibration period cannot identify the model.
    """
    import numpy as np

    from custrel.clv._score import transaction_model_class
    from custrel.report import read_log

    cls = transaction_model_class(model)
    if int(period_days) != period_days or period_days < 1:
        raise InvalidValue("period_days", period_days, "a whole number of days >= 1")
    cal_end = _day(calibration_end, "calibration_end")
    hold_end = None if holdout_end is None else _day(holdout_end, "holdout_end")
    if hold_end is not None and hold_end <= cal_end:
        raise InvalidValue("holdout_end", holdout_end, f"a day after {calibration_end}")
    # Purchases after the holdout are not errors here, only outside the comparison.
    log = read_log(source, columns=columns, date_format=date_format)
    day = log.day
    if not len(day):
        raise InputDataError("the log must have at least one purchase")
    if hold_end is None:
        hold_end = int(day.max())
    if hold_end <= cal_end:
        raise InvalidValue(
            "holdout_end", _EPOCH + dt.timedelta(days=hold_end), f"a day after {calibration_end}"
        )
    # Distinct customer-days, sorted by customer then day.
    low = int(day.min())
    span = int(day.max()) - low + 1
    keys = np.unique(log.customer.astype(np.int64) * span + (day - low))
    customer, day = keys // span, keys % span + low
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    first = day[starts]
    size = np.diff(np.r_[starts, len(day)])
    first_per_row = np.repeat(first, size)
    # The cohort: customers whose first purchase came before the calibration end (a
    # first purchase on that very day leaves no time to observe, T = 0).
    cohort = first < cal_end
    if not cohort.any():
        raise InvalidValue(
            "calibration_end", calibration_end, "a day after the first purchase in the log"
        )
    in_cal = day <= cal_end
    repeat = day > first_per_row
    cal_repeat = np.add.reduceat((in_cal & repeat).astype(np.int64), starts)
    last_cal = np.maximum.reduceat(np.where(in_cal, day, np.iinfo(np.int64).min), starts)
    hold = np.add.reduceat(((day > cal_end) & (day <= hold_end)).astype(np.int64), starts)
    x = cal_repeat[cohort].astype(np.float64)
    t_x = (last_cal[cohort] - first[cohort]) / period_days
    age = (cal_end - first[cohort]) / period_days
    fitted = cls.fit(x, t_x, age)

    # Cumulative tracking from the cohort's earliest first purchase.
    start = int(first[cohort].min())
    periods = (hold_end - start + 1) // period_days
    ends = start + period_days * np.arange(1, periods + 1) - 1
    firsts, counts = np.unique(first[cohort], return_counts=True)
    ages = np.clip((ends[None, :] - firsts[:, None]) / period_days, 0.0, None)
    expected = fitted.expected_purchases_new_customer(ages.ravel()).reshape(ages.shape)
    predicted = counts @ expected
    cohort_rows = np.repeat(cohort, size) & repeat & (day <= hold_end)
    actual = np.searchsorted(np.sort(day[cohort_rows]), ends, side="right")
    tracking = tuple(
        TrackingRow(int(k + 1), _EPOCH + dt.timedelta(days=int(e)), int(a), float(p))
        for k, (e, a, p) in enumerate(zip(ends, actual, predicted, strict=True))
    )

    # Holdout purchases by calibration frequency.
    horizon = (hold_end - cal_end) / period_days
    conditional = fitted.expected_purchases(horizon, x, t_x, age)
    group = np.minimum(x, FREQUENCY_GROUPS).astype(np.int64)
    actual_hold = hold[cohort]
    rows = []
    for g in range(FREQUENCY_GROUPS + 1):
        members = group == g
        n = int(members.sum())
        label = f"{g}+" if g == FREQUENCY_GROUPS else str(g)
        if n:
            rows.append(
                FrequencyRow(
                    label, n, float(actual_hold[members].mean()), float(conditional[members].mean())
                )
            )
    return Validation(
        model=fitted,
        calibration_end=_EPOCH + dt.timedelta(days=cal_end),
        holdout_end=_EPOCH + dt.timedelta(days=hold_end),
        period_days=period_days,
        customers=int(cohort.sum()),
        tracking=tracking,
        by_frequency=tuple(rows),
    )
