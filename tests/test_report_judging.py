"""The report's judging seam: provisional verdicts, ordered reasons, lost customers' actions."""

from __future__ import annotations

import numpy as np

from custrel.lifecycle import Stage
from custrel.pyramid import Treatment
from custrel.report import analyze
from custrel.sample import SAMPLE_AS_OF, sample_path
from custrel.scoring import Standing, Verdict


def _sample_labels():
    report = analyze(sample_path(), as_of=SAMPLE_AS_OF)
    return report, report.customers.labels


def test_the_sample_report_says_which_verdicts_are_provisional():
    # One log is one window: "不能根据某一时点的表现就轻易否定".
    _, labels = _sample_labels()
    verdict_members, verdicts = labels["verdict"]
    standing_members, standing = labels["standing"]

    assert standing_members == tuple(Standing)
    provisional = standing == tuple(Standing).index(Standing.PROVISIONAL)
    assert provisional.any()
    # Only a BAD verdict can be settled by one window (hard evidence).
    settled_verdicts = {verdict_members[int(v)] for v in verdicts[~provisional]}
    assert settled_verdicts <= {Verdict.BAD}


def test_the_sample_reports_reasons_list_marks_for_before_marks_against():
    report, _ = _sample_labels()

    for customer in report.customers:
        sides = [r.split(":")[0] for r in customer.reasons]
        assert sides == sorted(sides, key=lambda side: side != "counts for")
        assert all(side in {"counts for", "counts against"} for side in sides)


def test_lost_customers_in_the_report_are_won_back_or_let_go_not_served_by_tier():
    _, labels = _sample_labels()
    stage_members, stages = labels["stage"]
    treatment_members, treatments = labels["treatment"]

    lost = stages == stage_members.index(Stage.LOST)
    shown = {treatment_members[int(t)] for t in np.unique(treatments[lost])}

    assert lost.any()
    assert shown <= {Treatment.WIN_BACK, Treatment.LET_GO}
    others = {treatment_members[int(t)] for t in np.unique(treatments[~lost])}
    assert not others & {Treatment.WIN_BACK, Treatment.LET_GO}


def test_the_largest_customer_by_revenue_is_not_told_it_buys_little():
    from custrel.scoring import Mark

    report, _ = _sample_labels()

    biggest = max(report.customers, key=lambda c: c.revenue)

    assert not any(Mark.COSTS_EXCEED_REVENUE.en in r for r in biggest.reasons)
