"""The retention-policy audit against the eight mistakes that lose customers."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import attrs
import pytest

from custrel import causes, countermeasures, retention, retention_audit, satisfaction, winback
from custrel._labels import Labelled
from custrel.errors import (
    InvalidValue,
)
from custrel.lifecycle import (
    EventKind,
)
from custrel.retention_audit import (
    MISTAKE_ADVICE,
    AuditPolicy,
    Mistake,
    RetentionSettings,
    Verdict,
    audit_policy,
)

UTC = timezone.utc
KINDS = tuple(EventKind)
USD = "USD"


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


# --- policy audit --------------------------------------------------------------------------

GOOD = RetentionSettings(
    staff_turnover_rate=Decimal("0.05"),
    new_customer_offer=Decimal("0.10"),
    loyalty_reward=Decimal("0.10"),
    rotates_account_managers=False,
    price_effort_share=Decimal("0.3"),
    needs_assessed_before_upselling=True,
    key_customer_list=True,
    commission_new=Decimal("0.03"),
    commission_existing=Decimal("0.03"),
    staff_discretion_on_complaints=True,
)


def test_sound_settings_pass_with_one_finding_per_mistake_in_seed_order():
    audit = audit_policy(GOOD)

    assert [f.mistake for f in audit.findings] == list(Mistake)
    assert all(f.verdict is Verdict.OK for f in audit.findings)
    assert audit.passed


def test_unknown_settings_are_not_assessed_rather_than_passed_silently():
    audit = audit_policy(RetentionSettings())

    assert all(f.verdict is Verdict.NOT_ASSESSED for f in audit.findings)


@pytest.mark.parametrize(
    ("change", "mistake"),
    [
        ({"staff_turnover_rate": Decimal("0.35")}, Mistake.HIGH_STAFF_TURNOVER),
        ({"new_customer_offer": Decimal("0.20")}, Mistake.NEW_CUSTOMERS_FAVOURED),
        (
            {"rotates_account_managers": True, "account_manager_rotation_months": 6},
            Mistake.TOO_MANY_NEW_FACES,
        ),
        ({"price_effort_share": Decimal("0.8")}, Mistake.PRICE_FOCUS),
        ({"needs_assessed_before_upselling": False}, Mistake.PUSHY_SELLING),
        ({"key_customer_list": False}, Mistake.CORE_TAKEN_FOR_GRANTED),
        ({"commission_new": Decimal("0.08")}, Mistake.WRONG_INCENTIVES),
        ({"staff_discretion_on_complaints": False}, Mistake.HARD_TO_SOLVE_PROBLEMS),
    ],
)
def test_each_of_the_eight_mistakes_is_found_with_a_bilingual_reason(change, mistake):
    audit = audit_policy(attrs.evolve(GOOD, **change))

    assert [f.mistake for f in audit.mistakes] == [mistake]
    finding = audit.mistakes[0]
    assert finding.reason.en
    assert finding.reason.zh
    assert finding.advice.zh


def test_rotating_account_managers_rarely_is_not_a_finding():
    audit = audit_policy(
        attrs.evolve(GOOD, rotates_account_managers=True, account_manager_rotation_months=36)
    )

    assert audit.passed


def test_audit_thresholds_are_parameters():
    settings = attrs.evolve(GOOD, staff_turnover_rate=Decimal("0.10"))

    audit = audit_policy(settings, AuditPolicy(max_staff_turnover=Decimal("0.08")))

    assert [f.mistake for f in audit.mistakes] == [Mistake.HIGH_STAFF_TURNOVER]


@pytest.mark.parametrize(
    "change",
    [
        {"staff_turnover_rate": Decimal("1.5")},
        {"commission_new": Decimal("-0.1")},
        {"key_customer_list": "yes"},
        {"account_manager_rotation_months": 0},
    ],
)
def test_bad_settings_raise(change):
    with pytest.raises(InvalidValue):
        attrs.evolve(GOOD, **change)


# --- Chinese labels ----------------------------------------------------------------------------

_HALF_WIDTH = re.compile(r"[,;:()!?]")


def _chinese_texts() -> list[str]:
    modules = (causes, countermeasures, retention, satisfaction, winback, retention_audit)
    texts = [
        member.zh
        for module in modules
        for enum_type in vars(module).values()
        if isinstance(enum_type, type)
        and issubclass(enum_type, Labelled)
        and enum_type.__module__ == module.__name__
        for member in enum_type
    ]
    texts += [advice.zh for advice in MISTAKE_ADVICE.values()]
    for settings in (GOOD, RetentionSettings()):
        texts += [finding.reason.zh for finding in audit_policy(settings).findings]
    return texts


@pytest.mark.parametrize("text", _chinese_texts())
def test_chinese_labels_use_full_width_punctuation_and_name_no_source(text):
    assert not _HALF_WIDTH.search(text), text
    assert "种子" not in text
    assert "seed" not in text.lower()


def test_the_eight_mistakes_read_as_idiomatic_chinese():
    assert [m.zh for m in Mistake] == [
        "容忍员工高流失率",
        "厚待新客户、冷落老客户",
        "频繁更换对接人员",
        "过分看重价格",
        "不了解需求就一味推销",
        "把核心客户视为理所当然",
        "激励机制重开发、轻维系",
        "让客户的问题难以解决",
    ]
