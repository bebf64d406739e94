"""The terminal report: widths, languages, alignment, currency, colour, and files' money."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from custrel.cli import EXIT_OK, main
from custrel.periods import Period
from custrel.report import ReportPolicy, Transaction, analyze
from custrel.report._document import LANGS, Table, document, minor_unit, money_text
from custrel.report._render import print_report, render_plain, render_table, write_rows
from custrel.sample import SAMPLE_AS_OF, sample_path

CJK = re.compile(r"[\u4e00-\u9fff]")
# SGR parameters that set a colour: 30-37, 38;…, 90-97 (and their backgrounds).
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")


@pytest.fixture(scope="module")
def sample():
    return analyze(sample_path(), as_of=SAMPLE_AS_OF, currency="CNY")


@pytest.fixture(scope="module")
def unstated():
    return analyze(sample_path(), as_of=SAMPLE_AS_OF)


def flat(text: str) -> str:
    """The text with its wrapping undone (Latin words joined by spaces, hanzi by nothing)."""
    joined = re.sub(r"\s*\n\s*", " ", text)
    return re.sub(r"(?<=[\u3000-\uffef]) (?=[\u3000-\uffef])", "", joined)


def widest(text: str) -> int:
    return max(wcswidth(line) for line in text.splitlines())


def small_report(ids: list[str], currency: str = "CNY"):
    """Customers buying every ten days, silent for twenty: at risk, so all worth a call."""
    day = dt.date(2024, 1, 1)
    log = [
        Transaction(cid, day + dt.timedelta(days=10 * k), 1234567.891 + i, cost=10.0)
        for i, cid in enumerate(ids)
        for k in range(3)
    ]
    return analyze(log, as_of=dt.date(2024, 2, 10), currency=currency)


@settings(max_examples=25)
@given(
    width=st.integers(80, 200),
    lang=st.sampled_from(LANGS),
    plain=st.booleans(),
)
def test_no_line_of_the_sample_report_is_wider_than_the_terminal(sample, width, lang, plain):
    text = (
        render_plain(document(sample, lang), width) if plain else render_table(sample, lang, width)
    )

    assert widest(text) <= width


@settings(max_examples=15)
@given(
    ids=st.lists(
        st.text(
            st.sampled_from("客户编号张伟abcXYZ0123-_ 很长的名字[]/"), min_size=1, max_size=30
        ).filter(lambda s: s.strip() == s and s),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    width=st.integers(80, 120),
    lang=st.sampled_from(LANGS),
)
def test_chinese_and_long_ids_keep_their_double_width_inside_the_terminal(ids, width, lang):
    report = small_report(ids)

    assert len(report.overview.worth_a_call) == len(ids)
    for text in (render_table(report, lang, width), render_plain(document(report, lang), width)):
        assert widest(text) <= width


def test_a_chinese_character_counts_two_cells_in_the_plain_layout(sample):
    text = render_plain(document(sample, "zh"), 80)

    line = next(line for line in text.splitlines() if line.startswith("重复购买客户"))
    assert wcswidth(line) > len(line)  # the hanzi take two cells each
    assert widest(text) <= 80


def stage_rows(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if re.match(r"^(first-time|repeat|loyal|lost) ", line)
    ]


@pytest.mark.parametrize("plain", [True, False])
def test_text_columns_are_left_aligned_and_numbers_right_aligned(sample, plain):
    text = render_plain(document(sample, "en"), 100) if plain else render_table(sample, "en", 100)

    header = next(line for line in text.splitlines() if line.startswith("stage "))
    rows = stage_rows(text)[:4]
    assert len(rows) == 4
    # The count column's digits all end where its header ends.
    end = header.index("customers") + len("customers")
    for row in rows:
        number = re.search(r"\d[\d,]*(?=\s+\d+\.\d%)", row)
        assert number is not None
        assert number.end() == end, row


def test_amounts_carry_the_currency_code_first_everywhere(sample):
    text = render_table(sample, "both", 160)

    amounts = re.findall(r"(?:[A-Z]{3} )?\d{1,3}(?:,\d{3})+\.\d{2}\b", text)
    assert len(amounts) > 30
    assert all(a.startswith("CNY ") for a in amounts)
    assert "CNY 300,289.07" in text
    assert not re.search(r"CNY(?! \d)", text)  # never after the amount, never alone


def test_an_unstated_currency_is_said_in_words_and_never_as_xxx(unstated):
    en, zh = render_table(unstated, "en", 100), render_table(unstated, "zh", 100)

    assert "no currency stated" in en
    assert "不注明币种" in zh
    assert "XXX" not in en + zh
    assert "300,289.07" in en


def test_money_text_follows_the_currency_minor_unit():
    assert money_text(254742.37999999998, "CNY") == "CNY 254,742.38"
    assert money_text(1234.5, "JPY") == "JPY 1,234"
    assert money_text(1.2345, "KWD") == "KWD 1.234"
    assert money_text(1.5, "XXX") == "1.50"
    assert minor_unit("XXX", shown=False) == 4


def test_each_language_has_its_own_labels_and_sentences(sample):
    en, zh, both = (render_table(sample, lang, 120) for lang in LANGS)

    assert not CJK.search(en)
    assert "lost customer" in en
    assert "Churn cost" in en
    assert "流失客户" in zh
    assert "流失成本" in zh
    for word in ("lost customer", "Churn cost", "customers", "revenue", "At risk"):
        assert word not in zh
    assert "lost customer" in both
    assert "流失客户" in both


def test_the_standing_stands_beside_the_verdict_in_both_sections(sample):
    text = render_table(sample, "en", 120)

    verdicts = text[text.index("Good and bad customers") : text.index("Leaky bucket")]
    calls = text[text.index("Most worth a call") :]
    for section in (verdicts, calls):
        header = next(line for line in section.splitlines() if "verdict" in line)
        assert "standing" in header
        assert header.index("standing") > header.index("verdict")
        assert "provisional" in section


def test_the_at_risk_rule_is_explained_under_the_table_that_uses_it(sample):
    text = flat(render_table(sample, "both", 80))

    calls = text[text.index("Most worth a call") :]
    assert "1.5 times its own mean gap" in calls
    assert "1.5 倍" in calls


def test_the_churn_cost_sentence_wraps_at_80_columns(sample):
    text = render_table(sample, "en", 80)

    start = text.index("Churn cost")
    paragraph = text[start : text.index("\n\n", start)]
    assert len(paragraph.splitlines()) >= 2
    assert "people" in paragraph
    assert widest(paragraph) <= 80


def test_a_log_without_costs_says_the_verdict_is_unknown_and_why():
    day = dt.date(2024, 1, 1)
    log = [Transaction(c, day + dt.timedelta(days=d), 10.0) for c in "ab" for d in (0, 20, 40)]
    report = analyze(log, as_of=dt.date(2024, 12, 31))

    text = flat(render_table(report, "both", 80))

    assert "verdict unknown" in text
    assert "no cost column" in text
    assert "好坏客户判定未知" in text


def test_colour_only_on_a_terminal_and_never_with_no_color(sample, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    piped = io.StringIO()
    print_report(sample, "en", piped)

    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    terminal = io.StringIO()
    print_report(sample, "en", terminal)

    monkeypatch.setenv("NO_COLOR", "1")
    no_color = io.StringIO()
    print_report(sample, "en", no_color)

    assert "\x1b[" not in piped.getvalue()
    assert COLOUR.search(terminal.getvalue())
    assert not COLOUR.search(no_color.getvalue())
    assert "lost customer" in no_color.getvalue()


def test_without_rich_the_report_is_plain_text_and_still_readable():
    code = (
        "import sys; sys.modules['rich'] = None\n"
        "from custrel.cli import main\n"
        "sys.exit(main(['report', '--lang', 'en']))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )

    assert done.returncode == EXIT_OK, done.stderr
    assert "rows read 40,289" in done.stdout
    assert "Customers by lifecycle stage" in done.stdout
    assert "-----" in done.stdout  # the plain table's rule, not rich's box line
    assert widest(done.stdout) <= 80


def test_import_custrel_does_not_load_rich():
    code = "import sys, custrel, custrel.report, custrel.cli; print('rich' in sys.modules)"

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("lang", LANGS)
def test_the_lang_option_picks_the_language_of_every_label(capsys, lang):
    assert main(["report", "--lang", lang]) == EXIT_OK

    out = capsys.readouterr().out
    assert ("lost customer" in out) == (lang != "zh")
    assert ("流失客户" in out) == (lang != "en")


def test_an_unknown_lang_is_refused_by_the_command():
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--lang", "fr"])
    assert exit_.value.code == 2


def test_the_report_written_to_a_file_has_no_colour(tmp_path):
    path = tmp_path / "report.txt"

    assert main(["report", "--out", str(path), "--lang", "zh"]) == EXIT_OK

    text = path.read_text(encoding="utf-8")
    assert "\x1b[" not in text
    assert "客户金字塔" in text
    assert widest(text) <= 80


def noisy_report():
    # Sums of amounts held exactly as 1/10,000ths still come out of float division with
    # binary noise (a mean, a profit); 254742.38 is one the engine must keep exact.
    day = dt.date(2024, 1, 1)
    log = [
        Transaction("big", day, 254742.38, cost=0.1),
        Transaction("big", day + dt.timedelta(days=3), 0.1, cost=0.2),
        Transaction("big", day + dt.timedelta(days=9), 0.2, cost=0.1),
        Transaction("tiny", day + dt.timedelta(days=1), 0.1, cost=0.07),
        Transaction("tiny", day + dt.timedelta(days=30), 0.2, cost=0.01),
    ]
    return analyze(log, as_of=dt.date(2024, 3, 31), currency="CNY")


MONEY = ("monetary_value", "revenue", "profit", "lifetime_value", "cost")


def test_csv_and_json_round_money_to_the_minor_unit_and_parquet_keeps_it_whole(tmp_path):
    report = noisy_report()
    text, lines = io.BytesIO(), io.StringIO()
    write_rows(report, "csv", text)
    write_rows(report, "json", lines)
    write_rows(report, "parquet", str(tmp_path / "c.parquet"))

    rows = list(csv.DictReader(io.StringIO(text.getvalue().decode())))
    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    full = pq.read_table(tmp_path / "c.parquet").to_pylist()
    big = next(r for r in rows if r["customer_id"] == "big")
    assert big["revenue"] == "254742.68"
    for row, record in zip(rows, records, strict=True):
        for name in MONEY:
            if row[name]:
                assert re.fullmatch(r"-?\d+(\.\d{1,2})?", row[name]), (name, row[name])
                assert record[name] == round(record[name], 2)
    noisy = [r[n] for r in full for n in MONEY if r[n] is not None and r[n] != round(r[n], 2)]
    assert noisy  # parquet keeps the float sums as they are, noise and all


def test_the_summary_text_holds_the_key_figures(sample):
    text = sample.summary(lang="en")
    ov = sample.overview

    assert f"customers {ov.customers:,}" in text
    assert money_text(ov.revenue, "CNY") in text
    assert money_text(ov.profit, "CNY") in text
    assert money_text(ov.lost_revenue, "CNY") in text
    assert "rows read 40,289" in text
    assert sample.summary(lang="zh").count("流失成本") == 1
    assert widest(sample.summary(width=100)) <= 100


def test_each_customer_worth_a_call_shows_its_own_standing(sample):
    import pyarrow.compute as pc

    table = next(
        block
        for block in document(sample, "en").blocks
        if isinstance(block, Table) and block.title.startswith("Most worth a call")
    )
    members, codes = sample.customers.labels["standing"]

    column = table.headers.index("standing")
    assert len(table.rows) == len(sample.overview.worth_a_call)
    for row, customer in zip(table.rows, sample.overview.worth_a_call, strict=True):
        where = pc.index(sample.customers.ids, customer.customer_id).as_py()
        assert row[0] == customer.customer_id
        assert row[column] == members[int(codes[where])].en.split(":")[0]


def test_the_standing_lookup_finds_every_customer_settled_or_not(sample):
    from custrel.report._document import _standing_lookup

    lookup = _standing_lookup(sample.customers)
    members, codes = sample.customers.labels["standing"]

    assert lookup is not None
    seen = set()
    for i in range(0, len(sample.customers), 7):
        expected = members[int(codes[i])] if codes[i] >= 0 else None
        assert lookup(str(sample.customers.ids[i])) is expected
        seen.add(expected)
    assert len(seen) >= 2  # settled and provisional (and no verdict) all looked up
    assert lookup("nobody") is None


def test_an_id_that_looks_like_markup_is_printed_as_written():
    report = small_report(["[/bold]", "[red]x"])

    text = render_table(report, "en", 100)

    assert "[/bold]" in text
    assert "[red]x" in text


def test_the_command_csv_rounds_money_to_the_currency_minor_unit(tmp_path):
    path, out = tmp_path / "log.csv", tmp_path / "customers.csv"
    path.write_text(
        "customer_id,date,amount,cost\n"
        "big,2024-01-01,254742.38,0.1\nbig,2024-01-04,0.1,0.2\nbig,2024-01-10,0.2,0.1\n"
        "yen,2024-01-02,0.1,0.07\nyen,2024-01-31,0.2,0.01\n",
        encoding="utf-8",
    )

    code = main(
        ["report", "--input", str(path), "--currency", "JPY", "--format", "csv", "--out", str(out)]
    )

    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert code == EXIT_OK
    assert {r["customer_id"]: r["revenue"] for r in rows} == {"big": "254743", "yen": "0"}
    for row in rows:
        for name in MONEY:
            assert re.fullmatch(r"-?\d+(\.0)?|", row[name]), (name, row[name])


@pytest.mark.parametrize(
    ("period", "en", "zh"),
    [
        (Period.DAY, "counted in days", "以天计"),
        (Period.WEEK, "counted in ISO weeks", "以周计"),
        (Period.MONTH, "counted in months", "以个月计"),
        (Period.QUARTER, "counted in calendar quarters", "以个季度计"),
        (Period.YEAR, "counted in years", "以年计"),
    ],
)
def test_the_title_says_the_period_is_the_unit_frequency_recency_and_t_are_counted_in(
    period: Period, en: str, zh: str
):
    report = analyze(
        [Transaction("ann", dt.date(2024, 1, 1), 5.0)],
        as_of=dt.date(2024, 2, 1),
        policy=ReportPolicy(period=period),
    )

    english, chinese = document(report, "en").title, document(report, "zh").title

    assert english.endswith(f"frequency, recency and T {en}")
    assert chinese.endswith(f"购买频次、最近购买与客户年龄（T）{zh}")
    assert "period:" not in english
    assert "周期：" not in chinese


def reasons_table(report, lang):
    return next(
        block
        for block in document(report, lang).blocks
        if isinstance(block, Table) and block.headers[-1].startswith(("reasons", "理由"))
    )


def test_each_customer_worth_a_call_shows_its_reasons_in_their_stated_order():
    from custrel.scoring import Mark

    report = analyze(sample_path(), as_of=SAMPLE_AS_OF, policy=ReportPolicy(worth_a_call=400))

    table = reasons_table(report, "en")

    cells = dict(table.rows)
    listed = [c for c in report.overview.worth_a_call if c.reasons]
    assert list(cells) == [c.customer_id for c in listed]
    for customer in listed:
        shown = cells[customer.customer_id].split("; ")
        assert len(shown) == len(customer.reasons)
        # The stated order: the marks counting for the customer, then those against.
        sides = [part[0] for part in shown]
        assert sides == sorted(sides, key="+-".index)
        for part, reason in zip(shown, customer.reasons, strict=True):
            assert reason.startswith(
                ("counts for: " if part[0] == "+" else "counts against: ") + part[2:]
            )
    mixed = [c for c in listed if {p[0] for p in cells[c.customer_id].split("; ")} == {"+", "-"}]
    assert mixed  # the sample has at-risk customers with marks on both sides
    untrustworthy = f"- {Mark.NO_CREDIT.en.split(':')[0]}"
    assert untrustworthy == "- untrustworthy"
    assert any(untrustworthy in cells[c.customer_id] for c in mixed)
    assert cells[mixed[0].customer_id].index("+") < cells[mixed[0].customer_id].index("-")


def test_the_reasons_table_names_every_shown_mark_in_full_in_each_language(sample):
    en, zh, both = (reasons_table(sample, lang) for lang in LANGS)

    assert any("strong demand, buys much, especially high-margin items" in n for n in en.notes)
    assert any("购买欲望强烈、购买力大，高利润产品采购多" in n for n in zh.notes)
    assert not any(CJK.search(cell) for row in en.rows for cell in row)
    assert all(CJK.search(row[1]) for row in zh.rows)
    assert all("\n" in row[1] for row in both.rows)  # English above Chinese
