"""A log of dates without amounts: stages and the purchase summary, revenue facts unknown."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given

from custrel.cli import EXIT_OK, main
from custrel.errors import InvalidValue
from custrel.report import NO_AMOUNT, ColumnMap, analyze, summarize
from strategies_report import AS_OF, logs

DATES = "customer_id,date\na,2024-01-01\na,2024-02-01\nb,2024-01-05\nc,2023-01-05\n"
WITHOUT_AMOUNTS = ColumnMap(amount=None)


def test_a_log_of_dates_gets_stages_and_no_revenue(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(DATES, encoding="utf-8")

    report = analyze(path, columns=WITHOUT_AMOUNTS, as_of=dt.date(2024, 6, 30))

    a = report.customers.get("a")
    assert (a.frequency, a.recency, a.purchase_days) == (1, 31, 2)
    assert a.stage is not None
    assert (a.revenue, a.monetary_value, a.profit, a.tier, a.verdict) == (None,) * 5
    ov = report.overview
    assert (ov.revenue, ov.profit, ov.lost_revenue, ov.churn_cost) == (None,) * 4
    assert (ov.by_tier, ov.by_verdict) == ((), ())
    assert sum(n for _, n in ov.by_stage) == 3


def test_the_customer_table_has_typed_nulls_for_revenue_facts(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(DATES, encoding="utf-8")

    table = analyze(path, columns=WITHOUT_AMOUNTS, as_of=dt.date(2024, 6, 30)).customers.to_arrow()

    for name in ("revenue", "monetary_value", "profit", "tier", "verdict", "treatment"):
        assert table[name].null_count == table.num_rows, name
    assert table.schema.field("revenue").type == pa.float64()
    assert table["stage"].null_count == 0


def test_the_summary_says_what_is_missing_and_why(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(DATES, encoding="utf-8")
    report = analyze(path, columns=WITHOUT_AMOUNTS, as_of=dt.date(2024, 6, 30))

    text = report.summary(lang="both", width=200)

    assert "revenue unknown" in text
    assert "收入未知" in text
    assert "tiers unknown" in text
    assert "--amount-col none" in text
    assert "no cost column" not in text
    assert "revenue unknown" in report._repr_html_()


def test_the_cli_reads_a_log_without_amounts(tmp_path, capsys):
    path = tmp_path / "dates.csv"
    path.write_text(DATES, encoding="utf-8")

    code = main(["report", "--input", str(path), "--amount-col", "none", "--as-of", "2024-06-30"])

    assert code == EXIT_OK
    assert "revenue unknown" in capsys.readouterr().out


def test_an_amount_column_in_the_log_is_not_read_without_amounts():
    table = pa.table({"customer_id": ["a"], "date": ["2024-01-05"], "amount": ["not a number"]})

    report = summarize(table, columns=WITHOUT_AMOUNTS, as_of=dt.date(2024, 1, 31))

    assert report.counts.rows_accepted == 1
    assert report.customers.get("a").revenue is None


@pytest.mark.parametrize("option", [{"price_column": "UnitPrice"}, {"gross_margin": 0.3}])
def test_options_that_need_amounts_are_refused_without_them(option):
    table = pa.table({"customer_id": ["a"], "date": ["2024-01-05"]})

    with pytest.raises(InvalidValue, match="without amounts"):
        analyze(table, columns=WITHOUT_AMOUNTS, **option)


def test_no_amount_is_the_stored_name_of_a_missing_amount_column():
    assert WITHOUT_AMOUNTS.amount == NO_AMOUNT


@given(logs)
def test_dates_alone_give_the_same_stages_and_summary_as_with_amounts(log):
    with_amounts = analyze(log, as_of=AS_OF)
    dates_only = analyze(log, as_of=AS_OF, columns=WITHOUT_AMOUNTS)

    assert dates_only.counts == with_amounts.counts
    for known, dated in zip(with_amounts.customers, dates_only.customers, strict=True):
        for name in (
            "customer_id",
            "first_purchase",
            "last_purchase",
            "purchases",
            "purchase_days",
            "frequency",
            "recency",
            "T",
            "stage",
            "peak",
            "at_risk",
        ):
            assert getattr(dated, name) == getattr(known, name), name
        assert dated.revenue is None
    assert dates_only.overview.by_stage == with_amounts.overview.by_stage
    assert dates_only.overview.leaky_bucket == with_amounts.overview.leaky_bucket
