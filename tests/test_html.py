"""What custrel's values show in a notebook: small, escaped, bilingual HTML; overview frames."""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD
from custrel.complaints import (
    Channel,
    Complaint,
    ComplaintAction,
    ComplaintCause,
    ComplaintDetails,
    Severity,
)
from custrel.lifecycle import Lifecycle, Purchased, ShowedInterest
from custrel.pyramid import Tier, build_pyramid
from custrel.report import Transaction, analyze
from custrel.sample import SAMPLE_AS_OF, sample_path
from strategies_complaints import RECORDER, T0, command_for

HOSTILE = "<script>alert('x')</script>"
KB = 1024


@pytest.fixture(scope="module")
def report():
    return analyze(sample_path(), as_of=SAMPLE_AS_OF, currency="CNY")


class _Text(HTMLParser):
    """The HTML's text and whether its tags are only the harmless ones custrel writes."""

    ALLOWED = frozenset(
        {
            "div",
            "style",
            "h4",
            "h5",
            "p",
            "small",
            "br",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "span",
            "code",
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, _attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def assert_bilingual(html: str) -> None:
    text = "".join(parsed(html).text)
    assert re.search(r"[A-Za-z]{3}", text)
    assert re.search(r"[\u4e00-\u9fff]", text)


def test_the_report_in_a_notebook_is_a_few_kilobytes_in_both_languages(report):
    html = report._repr_html_()

    assert len(html) < 20 * KB
    assert_bilingual(html)
    assert "CNY 300,289.07" in html
    assert "流失成本" in html
    assert parsed(html).tags <= _Text.ALLOWED


def test_the_plain_reprs_of_the_report_and_its_table_are_one_short_line(report):
    assert len(repr(report)) < 120
    assert "3,000" in repr(report)
    assert repr(report.customers) == "CustomerTable(3,000 customers)"


def test_the_customer_table_shows_its_counts_and_first_rows_only(report):
    html = report.customers._repr_html_()

    assert len(html) < 16 * KB
    assert "3,000 customers" in html
    assert "共 3,000 位客户" in html
    assert html.count("<tr>") == 1 + 5  # the header and five rows
    assert "C00001" in html
    assert "C02000" not in html
    assert_bilingual(html)


def test_the_overview_shows_its_sections_bilingually(report):
    html = report.overview._repr_html_()

    assert len(html) < 20 * KB
    assert "Customer pyramid" in html
    assert "客户金字塔" in html
    assert_bilingual(html)


IDS = st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20)


# The reader refuses blank ids and null markers; every other id is a customer's.
NULL_MARKERS = {"none", "null", "na", "n/a", "<na>", "#n/a", "nan"}


@settings(max_examples=120)  # each example runs a report: enough kinds of text, in seconds
@given(
    IDS.filter(lambda s: s.strip() == s and s and s.lower() not in NULL_MARKERS) | st.just(HOSTILE)
)
def test_an_id_is_escaped_wherever_it_is_shown(customer_id):
    day = dt.date(2024, 1, 1)
    log = [Transaction(customer_id, day + timedelta(days=d), 5.0, cost=1.0) for d in (0, 30, 90)]
    result = analyze(log, as_of=dt.date(2024, 12, 31))
    t = datetime(2026, 1, 5, tzinfo=timezone.utc)
    lifecycle = Lifecycle.begin(customer_id, ShowedInterest(t)).apply(Purchased(t))

    for html in (result._repr_html_(), result.customers._repr_html_(), lifecycle._repr_html_()):
        assert "<script" not in html
        assert parsed(html).tags <= _Text.ALLOWED
    for html in (result.customers._repr_html_(), lifecycle._repr_html_()):
        assert customer_id in "".join(parsed(html).text)


def test_a_hostile_id_reads_back_as_written():
    t = datetime(2026, 1, 5, tzinfo=timezone.utc)
    html = Lifecycle.begin(HOSTILE, ShowedInterest(t))._repr_html_()

    assert "&lt;script&gt;" in html
    assert HOSTILE in "".join(parsed(html).text)


def test_a_lifecycle_shows_its_stage_and_latest_history():
    t = datetime(2026, 1, 5, tzinfo=timezone.utc)
    lifecycle = Lifecycle.begin("c1", ShowedInterest(t))
    for k in range(1, 40):
        lifecycle = lifecycle.apply(Purchased(t + timedelta(days=k)))

    html = lifecycle._repr_html_()

    assert len(html) < 12 * KB
    assert "20 earlier events not shown" in html
    assert "purchased" in html
    assert "购买" in html
    assert lifecycle.stage.zh in html


def test_a_complaint_shows_its_timeline_and_no_personal_data():
    complaint = Complaint.register(
        id=HOSTILE,
        customer="Zhang Wei",
        channel=Channel.PHONE,
        cause=ComplaintCause.QUALITY,
        severity=Severity.MEDIUM,
        tier=Tier.ORDINARY,
        recorder=RECORDER,
        at=T0,
        reported=ComplaintDetails(product="laptop", symptoms="does not boot"),
        request_note="call me after six",
        address="88 Nanjing Road",
        phone="13800138000",
    )
    complaint, _ = complaint.apply(
        command_for(complaint, ComplaintAction.CONTACT, T0 + timedelta(hours=1))
    )

    html = complaint._repr_html_()

    assert len(html) < 8 * KB
    for private in ("Zhang Wei", "call me", "Nanjing", "13800138000", "Li Na", "S-101"):
        assert private not in html
    assert "&lt;script&gt;" in html
    assert ComplaintAction.CONTACT.en in html
    assert ComplaintAction.CONTACT.zh in html
    assert html.count("<tr>") == 3 + len(complaint.history)  # two headers and the facts


def test_a_pyramid_shows_customers_and_value_per_tier():
    pyramid = build_pyramid({f"c{i}": float(i) for i in range(100)}, currency="CNY")

    html = pyramid._repr_html_()

    assert len(html) < 6 * KB
    for tier in Tier:
        assert tier.en in html
        assert tier.zh in html
    assert "CNY 99.00" in html  # the top 1%: the one customer worth 99
    assert "CNY 1,691.00" in html  # the next 19%: 80 + 81 + … + 98


@pytest.mark.parametrize(
    "model_class", [BetaGeo, ModifiedBetaGeo, ParetoNBD, GammaGamma, BetaGeoBetaBinom]
)
def test_every_kind_of_model_shows_each_parameter_bilingually(model_class):
    model = model_class.from_params(**dict.fromkeys(model_class.PARAMS, 1.5))

    html = model._repr_html_()

    assert len(html) < 6 * KB
    for name in model_class.PARAMS:
        assert f"<td>{name}</td>" in html
    assert model.kind.zh in html
    assert_bilingual(html)


def test_a_fitted_model_shows_its_estimates_and_their_meaning():
    model = BetaGeo.from_params(r=0.24, alpha=4.41, a=0.79, b=2.43)

    html = model._repr_html_()

    assert len(html) < 6 * KB
    assert "0.24" in html
    assert "4.41" in html
    assert "BG/NBD" in html
    assert_bilingual(html)


def test_the_overview_sections_are_pandas_frames_with_dates_and_categoricals(report):
    frames = report.overview.to_pandas()

    assert set(frames) == {"by_stage", "by_tier", "by_verdict", "leaky_bucket", "worth_a_call"}
    assert all(isinstance(f, pd.DataFrame) for f in frames.values())
    assert isinstance(frames["by_stage"]["stage"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_datetime64_any_dtype(frames["leaky_bucket"]["period_start"])
    assert pd.api.types.is_datetime64_any_dtype(frames["worth_a_call"]["last_purchase"])
    assert frames["by_stage"]["customers"].sum() == report.overview.customers
    assert list(frames["by_tier"]["tier"]) == [t.value for t, *_ in report.overview.by_tier]


def test_the_overview_sections_are_polars_frames_with_dates_and_categoricals(report):
    frames = report.overview.to_polars()

    bucket = frames["leaky_bucket"]
    assert bucket.schema["period_start"] == pl.Date
    assert frames["worth_a_call"].schema["last_purchase"] == pl.Date
    assert frames["by_verdict"].schema["verdict"] in (pl.Categorical, pl.Enum) or isinstance(
        frames["by_verdict"].schema["verdict"], pl.Categorical
    )
    assert bucket.height == len(report.overview.leaky_bucket)
    assert bucket["new"].sum() == sum(b.new for b in report.overview.leaky_bucket)
