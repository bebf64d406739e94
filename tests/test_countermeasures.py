"""Countermeasures: every churn cause the firm can act on has the seeds' answer."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from custrel import causes
from custrel.countermeasures import (
    COUNTERMEASURES,
    ChurnCause,
    Countermeasure,
    countermeasures_for,
)
from custrel.errors import (
    InvalidValue,
)
from custrel.lifecycle import (
    EventKind,
)

UTC = timezone.utc
KINDS = tuple(EventKind)
USD = "USD"


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


# --- causes and countermeasures -----------------------------------------------------------


def test_the_cause_taxonomy_is_the_one_in_custrel_causes():
    assert ChurnCause is causes.ChurnCause


def test_every_cause_has_an_entry_in_the_countermeasure_table():
    assert set(COUNTERMEASURES) == set(ChurnCause)


@pytest.mark.parametrize("cause", [c for c in ChurnCause if c.controllable])
def test_every_controllable_cause_has_a_countermeasure(cause):
    assert countermeasures_for(cause)


@pytest.mark.parametrize("cause", [ChurnCause.MOVED, ChurnCause.CHANGED_TRADE, ChurnCause.BANKRUPT])
def test_causes_beyond_the_firm_have_no_countermeasure(cause):
    # seed 001 §3: 客户离开了当地,或者改行了、破产了 — 企业无能为力
    assert countermeasures_for(cause) == ()


def test_channel_conflict_is_met_by_an_enforcement_system():
    # seed 001 §3 (3): 建立强力督办系统 … 如串货问题
    assert countermeasures_for(ChurnCause.POOR_MARKET_CONTROL) == (
        Countermeasure.ENFORCEMENT_SYSTEM,
    )


def test_an_unknown_cause_calls_for_contacting_the_lost_customer():
    assert countermeasures_for(ChurnCause.UNKNOWN) == (Countermeasure.LOST_CUSTOMER_ANALYSIS,)


def test_every_countermeasure_answers_some_cause():
    used = {m for measures in COUNTERMEASURES.values() for m in measures}

    assert used == set(Countermeasure)


def test_countermeasures_for_a_non_cause_raises():
    with pytest.raises(InvalidValue):
        countermeasures_for("quality")  # type: ignore[arg-type]
