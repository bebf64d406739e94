"""The ten myths about customers, their corrections, and the rules custrel enforces."""

from __future__ import annotations

import importlib
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import InvalidValue, NaiveDatetime
from custrel.myths import (
    MYTHS,
    SPECIFIC_NEEDS_SHARE,
    CallPolicy,
    Myth,
    UnwelcomeCall,
    check_planned_call,
    split_needs,
)

HK = timezone(timedelta(hours=8))


def test_the_ten_myths_are_in_the_texts_order():
    assert [(m.number, m.zh) for m in Myth] == [
        (1, "我们的客户想要最低的价格"),
        (2, "我们知道客户想要（或不想要）什么"),
        (3, "客户无法设想出不存在的东西"),
        (4, "客户不希望电话打到家里"),
        (5, "客户不希望在拨打客服电话的时候收到推销"),
        (6, "客户不想要提供自己的个人信息"),
        (7, "客户讨厌电话转接"),
        (8, "道歉永远不够（所以我们别这么做）"),
        (9, "我们的客户和其需求是特别的"),
        (10, "我们知道客户需要（不需要）什么"),
    ]
    assert list(MYTHS) == list(Myth)
    assert all(MYTHS[m].myth is m and m.entry is MYTHS[m] for m in Myth)


def test_every_myth_has_a_bilingual_correction():
    for entry in MYTHS.values():
        assert entry.correction.en.strip()
        assert entry.correction.zh.strip()


def test_every_enforced_correction_names_code_that_exists():
    for entry in MYTHS.values():
        if entry.enforced_by is None:
            continue
        parts = entry.enforced_by.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj: object = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for name in parts[cut:]:
                obj = getattr(obj, name)
            break
        else:  # pragma: no cover - a defect in the catalogue
            pytest.fail(entry.enforced_by)
        assert obj is not None


def test_the_enforceable_myths_include_the_home_call_and_specific_needs_rules():
    enforced = {m for m in Myth if MYTHS[m].enforceable}

    assert {
        Myth.NO_CALLS_AT_HOME,
        Myth.NO_SALES_ON_SERVICE_CALLS,
        Myth.NO_PERSONAL_DATA,
    } <= enforced
    assert {Myth.SPECIAL_NEEDS, Myth.APOLOGY_NOT_ENOUGH} <= enforced
    assert Myth.LOWEST_PRICE not in enforced


# --- myth 4 -----------------------------------------------------------------------------


def test_a_targeted_call_at_home_is_welcome_outside_dinner_time():
    check_planned_call(datetime(2026, 3, 2, 10, 0, tzinfo=HK), targeted=True)
    check_planned_call(datetime(2026, 3, 2, 20, 0, tzinfo=HK), targeted=True)


def test_no_targeted_call_at_dinner_time():
    # "晚餐时间除外——毋庸置疑".
    with pytest.raises(UnwelcomeCall) as info:
        check_planned_call(datetime(2026, 3, 2, 18, 30, tzinfo=HK), targeted=True)

    assert info.value.rule == "dinner_time"


def test_an_untargeted_campaign_call_at_home_is_unwelcome_at_any_hour():
    # "别再打电话介绍你的游艇保险特惠了，我根本没有游艇！"
    with pytest.raises(UnwelcomeCall) as info:
        check_planned_call(datetime(2026, 3, 2, 10, 0, tzinfo=HK), targeted=False)

    assert info.value.rule == "untargeted"


def test_dinner_time_is_the_customers_local_time():
    # 10:30 UTC is 18:30 in Hong Kong.
    utc = datetime(2026, 3, 2, 10, 30, tzinfo=timezone.utc)

    check_planned_call(utc, targeted=True)
    with pytest.raises(UnwelcomeCall):
        check_planned_call(utc.astimezone(HK), targeted=True)


def test_a_naive_call_time_is_refused():
    with pytest.raises(NaiveDatetime):
        check_planned_call(datetime(2026, 3, 2, 10, 0), targeted=True)


def test_a_dinner_time_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidValue):
        CallPolicy(dinner_start=time(20, 0), dinner_end=time(18, 0))


@given(st.integers(0, 23), st.integers(0, 59))
def test_a_targeted_call_is_refused_exactly_when_it_falls_in_dinner_time(hour, minute):
    policy = CallPolicy()
    at = datetime(2026, 3, 2, hour, minute, tzinfo=HK)
    in_dinner = time(18, 0) <= time(hour, minute) < time(20, 0)

    if in_dinner:
        with pytest.raises(UnwelcomeCall):
            check_planned_call(at, targeted=True, policy=policy)
    else:
        check_planned_call(at, targeted=True, policy=policy)


# --- myth 9 -----------------------------------------------------------------------------


def test_about_30_percent_of_needs_are_specific():
    # "大约30%左右的现实需求往往会和某个特定行业或客户的具体情况有关".
    assert Decimal("0.3") == SPECIFIC_NEEDS_SHARE
    assert split_needs(10) == (3, 7)
    assert split_needs(0) == (0, 0)
    with pytest.raises(InvalidValue):
        split_needs(-1)


@given(st.integers(0, 10_000))
def test_split_needs_adds_up(needs):
    specific, common = split_needs(needs)

    assert specific + common == needs
    assert abs(specific - needs * 0.3) <= 0.5
