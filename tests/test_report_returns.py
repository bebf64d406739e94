"""Returns and cancellations: rejected by default (naming --returns), or netted into revenue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.cli import EXIT_OK, main
from custrel.errors import InputDataError, InvalidValue
from custrel.periods import Period
from custrel.report import ColumnMap, ReportPolicy, Transaction, analyze, summarize
from custrel.scoring import Verdict
from strategies_report import AS_OF, customer_ids, days

#: Lines shaped like the UCI "Online Retail" export: a C invoice (a cancellation, negative
#: quantity), a discount line (negative quantity of a positive price), an adjustment of
#: negative price without a customer, and ordinary lines.
RETAIL = """\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/8/2010 8:28,1.85,17850,United Kingdom
C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom
536380,22961,JAM MAKING SET PRINTED,24,12/1/2010 9:41,1.45,14527,United Kingdom
C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,12/9/2010 9:49,4.65,15311,United Kingdom
536384,82484,WOOD BLACK BOARD ANT WHITE FINISH,6,12/2/2010 9:53,6.45,15311,United Kingdom
A563185,B,Adjust bad debt,1,8/12/2011 14:50,-11062.06,,United Kingdom
C536391,22556,PLASTERS IN TIN CIRCUS PARADE,-12,12/1/2010 10:24,1.65,17548,United Kingdom
"""
RETAIL_MAP = ColumnMap(customer_id="CustomerID", date="InvoiceDate", quantity="Quantity")
RETAIL_ARGS = {
    "columns": RETAIL_MAP,
    "date_format": "%m/%d/%Y %H:%M",
    "price_column": "UnitPrice",
    "as_of": dt.date(2011, 12, 9),
}
AS_OF_DAY = dt.date(2024, 1, 31)


def _log(*rows: tuple[str, str, float]) -> list[Transaction]:
    return [Transaction(c, dt.date.fromisoformat(d), a) for c, d, a in rows]


def test_a_negative_amount_is_rejected_by_default_naming_the_returns_option():
    log = _log(("a", "2024-01-05", 10.0), ("a", "2024-01-09", -4.0))

    with pytest.raises(InputDataError) as caught:
        analyze(log, as_of=AS_OF_DAY)

    assert caught.value.row == 2
    assert "--returns net" in str(caught.value)


def test_a_negative_quantity_times_a_price_is_rejected_naming_the_returns_option(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL, encoding="utf-8")

    report = analyze(path, on_error="skip", **RETAIL_ARGS)

    rules = {r.row: r.rule for r in report.rejects()}
    assert set(rules) == {4, 6, 8, 9}  # three negative lines and the line without a customer
    assert all("--returns net" in rules[row] for row in (4, 6, 9))


def test_the_online_retail_shape_nets_cancellations_and_discounts_to_the_cent(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL, encoding="utf-8")

    report = analyze(path, on_error="skip", returns="net", **RETAIL_ARGS)

    customers = report.customers
    assert customers.get("17850").revenue == 46.74  # 6 × 2.55 + 6 × 3.39 + 6 × 1.85
    assert customers.get("14527").revenue == 7.3  # 24 × 1.45 − 27.50 discount
    assert customers.get("15311").revenue == 34.05  # 6 × 6.45 − 4.65 cancelled
    assert customers.get("15311").last_purchase == dt.date(2010, 12, 2)  # not the return
    assert customers.get("15311").purchases == 1
    assert len(customers) == 3  # 17548 only cancelled: no purchase, no row
    netted = report.overview.returns
    assert (netted.lines, netted.amount) == (3, -27.5 - 4.65 - 19.8)
    assert (netted.unmatched_lines, netted.unmatched_amount) == (1, -19.8)
    assert report.counts.rows_read == report.counts.rows_accepted + report.counts.rows_rejected
    assert report.counts.rows_rejected == 1  # the adjustment without a customer


def test_the_cli_nets_returns_and_says_so_in_the_summary(tmp_path, capsys):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL, encoding="utf-8")

    code = main(
        [
            "report",
            "--input",
            str(path),
            "--customer-col",
            "CustomerID",
            "--date-col",
            "InvoiceDate",
            "--date-format",
            "%m/%d/%Y %H:%M",
            "--quantity-col",
            "Quantity",
            "--price-col",
            "UnitPrice",
            "--returns",
            "net",
            "--as-of",
            "2011-12-09",
            "--on-error",
            "skip",
            "--rejects",
            str(tmp_path / "rejects.csv"),
            "--lang",
            "both",
        ]
    )

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "returns netted (--returns net): 3 lines" in out
    assert "退货冲减" in out


def test_the_notebook_views_say_what_was_netted():
    log = _log(("a", "2024-01-05", 10.0), ("a", "2024-01-09", -4.0), ("z", "2024-01-09", -1.0))

    report = analyze(log, as_of=AS_OF_DAY, returns="net")

    assert "returns netted (--returns net): 2 lines" in report._repr_html_()
    assert "no purchase in the log" in report.overview._repr_html_()
    assert "退货冲减" in report.summary(lang="zh")


def test_the_overview_frames_have_a_returns_section_when_netting():
    log = _log(("a", "2024-01-05", 10.0), ("a", "2024-01-09", -4.0), ("z", "2024-01-09", -1.0))

    netted = analyze(log, as_of=AS_OF_DAY, returns="net").overview.to_pandas()["returns"]
    plain = analyze(log[:1], as_of=AS_OF_DAY).overview.to_pandas()

    assert netted.to_dict("records") == [
        {
            "lines": 2,
            "amount": -5.0,
            "unmatched_lines": 1,
            "unmatched_amount": -1.0,
            "customers_below_zero": 0,
        }
    ]
    assert "returns" not in plain


def test_a_log_of_returns_alone_asks_for_as_of_saying_returns_are_no_purchases():
    with pytest.raises(InputDataError, match="returns are no purchases"):
        analyze(_log(("a", "2024-01-05", -1.0)), returns="net")


def test_an_unknown_returns_mode_is_refused():
    with pytest.raises(InvalidValue, match="reject or net"):
        analyze(_log(("a", "2024-01-05", 1.0)), returns="keep")


def test_a_customer_giving_back_more_than_it_bought_is_kept_below_zero_without_a_verdict():
    log = [
        Transaction("a", dt.date(2024, 1, 5), 10.0, cost=6.0),
        Transaction("a", dt.date(2024, 1, 20), -30.0, cost=-18.0),
        Transaction("b", dt.date(2024, 1, 6), 50.0, cost=20.0),
    ]

    report = analyze(log, as_of=AS_OF_DAY, returns="net")

    a = report.customers.get("a")
    assert (a.revenue, a.profit) == (-20.0, -8.0)
    assert a.tier is not None
    assert a.tier.value == "small"
    assert a.verdict is None
    assert a.treatment is None
    assert report.customers.get("b").verdict in set(Verdict)
    assert report.overview.returns.customers_below_zero == 1


def test_a_negative_cost_on_a_purchase_line_stays_a_broken_rule_when_netting():
    log = [Transaction("a", dt.date(2024, 1, 5), 10.0, cost=-1.0)]

    with pytest.raises(InputDataError, match="not a return"):
        analyze(log, as_of=AS_OF_DAY, returns="net")


def test_a_zero_amount_line_is_a_purchase_occasion_in_both_modes():
    log = _log(("a", "2024-01-05", 10.0), ("a", "2024-01-09", 0.0))

    for mode in ("reject", "net"):
        row = analyze(log, as_of=AS_OF_DAY, returns=mode).customers.get("a")
        assert (row.purchase_days, row.last_purchase) == (2, dt.date(2024, 1, 9))


def test_rejecting_returns_reports_no_netting():
    report = analyze(_log(("a", "2024-01-05", 10.0)), as_of=AS_OF_DAY)

    assert report.overview.returns is None


# --- properties -------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=100_000)
refunds = st.integers(min_value=1, max_value=100_000)
purchases = st.lists(st.tuples(customer_ids, days, cents), min_size=1, max_size=40)
return_lines = st.lists(st.tuples(customer_ids, days, refunds), max_size=20)
periods = st.sampled_from([Period.DAY, Period.WEEK, Period.MONTH])


@given(purchases, return_lines, periods)
def test_netting_equals_the_purchases_with_the_returns_folded_into_revenue(
    bought, returned, period
):
    sales = [Transaction(c, d, a / 100) for c, d, a in bought]
    returns = [Transaction(c, d, -a / 100) for c, d, a in returned]
    policy = ReportPolicy(period=period)

    netted = analyze(sales + returns, as_of=AS_OF, policy=policy, returns="net")
    plain = analyze(sales, as_of=AS_OF, policy=policy)

    buyers = {c for c, _, _ in bought}
    folded: dict[str, int] = defaultdict(int)
    repeat_folded: dict[str, int] = defaultdict(int)
    first = {row.customer_id: row.first_purchase for row in plain.customers}
    for c, d, a in returned:
        if c in buyers:
            folded[c] -= a
            if period.index(d) > period.index(first[c]):
                repeat_folded[c] -= a
    assert len(netted.customers) == len(plain.customers) == len(buyers)
    for before, after in zip(plain.customers, netted.customers, strict=True):
        assert before.customer_id == after.customer_id
        occasions = ("first_purchase", "last_purchase", "purchases", "purchase_days")
        for name in (*occasions, "frequency", "recency", "T", "stage", "at_risk"):
            assert getattr(after, name) == getattr(before, name), name
        cid = before.customer_id
        assert round(after.revenue * 100) == round(before.revenue * 100) + folded[cid]
        if before.frequency:
            repeat = round(before.monetary_value * before.frequency * 100) + repeat_folded[cid]
            assert after.monetary_value == pytest.approx(repeat / 100 / before.frequency)
    unmatched = [a for c, _, a in returned if c not in buyers]
    assert netted.overview.returns.lines == len(returned)
    assert round(netted.overview.returns.amount * 100) == -sum(a for _, _, a in returned)
    assert netted.overview.returns.unmatched_lines == len(unmatched)
    assert netted.counts.rows_accepted == len(bought) + len(returned)


@given(purchases, return_lines)
def test_rejecting_returns_rejects_exactly_the_negative_lines(bought, returned):
    log = [Transaction(c, d, a / 100) for c, d, a in bought]
    log += [Transaction(c, d, -a / 100) for c, d, a in returned]

    report = summarize(log, as_of=AS_OF, on_error="skip")

    counts = report.counts
    assert counts.rows_read == counts.rows_accepted + counts.rows_rejected == len(log)
    assert counts.rows_rejected == len(returned)
    assert {r.row for r in report.rejects()} == set(range(len(bought) + 1, len(log) + 1))


@given(purchases, return_lines)
def test_summarize_nets_returns_as_analyze_does(bought, returned):
    log = [Transaction(c, d, a / 100) for c, d, a in bought]
    log += [Transaction(c, d, -a / 100) for c, d, a in returned]

    summary = summarize(log, as_of=AS_OF, returns="net")
    full = analyze(log, as_of=AS_OF, returns="net")

    assert [r.revenue for r in summary.customers] == [r.revenue for r in full.customers]
    assert summary.counts == full.counts


retail_lines = st.lists(
    st.tuples(
        st.sampled_from(["17850", "14527", "15311", "13047"]),
        days,
        st.integers(min_value=-12, max_value=24),  # a C invoice's quantity is negative
        st.integers(min_value=-5_000, max_value=5_000),  # cents; a discount line's may be < 0
    ),
    min_size=1,
    max_size=40,
)


@given(retail_lines)
def test_online_retail_lines_net_to_quantity_times_price_per_customer(lines):
    import pyarrow as pa

    table = pa.table(
        {
            "CustomerID": [c for c, _, _, _ in lines],
            "InvoiceDate": [d.strftime("%m/%d/%Y 8:26") for _, d, _, _ in lines],
            "Quantity": [str(q) for _, _, q, _ in lines],
            "UnitPrice": [f"{p / 100:.2f}" for _, _, _, p in lines],
        }
    )
    args = {**RETAIL_ARGS, "as_of": AS_OF}

    netted = analyze(table, returns="net", on_error="skip", **args)
    rejected = analyze(table, on_error="skip", **args)

    # Netting: a line of negative amount is a return; a negative quantity on a line of
    # amount zero or more (a negative quantity of a negative price) is still refused.
    refused = [q < 0 and q * p >= 0 for _, _, q, p in lines]
    kept = [line for line, no in zip(lines, refused, strict=True) if not no]
    buyers = {c for c, _, q, p in kept if q * p >= 0}
    expected = defaultdict(int)
    for c, _, q, p in kept:
        expected[c] += q * p
    assert {r.customer_id for r in netted.customers} == buyers
    for row in netted.customers:
        assert round(row.revenue * 100) == expected[row.customer_id]
    assert netted.overview.returns.lines == sum(1 for _, _, q, p in kept if q * p < 0)
    assert netted.counts.rows_rejected == sum(refused)
    counts = rejected.counts
    assert counts.rows_read == counts.rows_accepted + counts.rows_rejected == len(lines)
    assert counts.rows_rejected == sum(1 for _, _, q, p in lines if q < 0 or q * p < 0)
