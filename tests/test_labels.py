"""Every public enum is bilingual, and the glossary shows them all."""

from __future__ import annotations

import enum
import re
import types
from collections.abc import Iterable, Mapping

import attrs
import pytest

from custrel._labels import Bilingual, Labelled, labelled_enums
from custrel.diagrams import glossary_markdown
from custrel.errors import InvalidValue
from custrel.lifecycle import Stage

CJK = re.compile(r"[\u4e00-\u9fff]")
ENUMS = labelled_enums()


def test_the_lost_stage_has_the_seeds_chinese_term():
    assert Stage.LOST.zh == "流失客户"
    assert Stage.LOST.en == "lost customer"
    assert Stage.LOST.bilingual == "lost customer (流失客户)"


def test_labelled_enums_are_found_across_the_package():
    names = {e.__name__ for e in ENUMS}

    assert {"Stage", "EventKind", "Origin", "ChurnCause", "Period"} <= names


@pytest.mark.parametrize("enum_type", ENUMS, ids=lambda e: f"{e.__module__}.{e.__name__}")
def test_every_member_has_an_english_and_a_chinese_label(enum_type: type[Labelled]):
    for member in enum_type:
        assert member.en.strip(), member
        assert not CJK.search(member.en), member
        assert CJK.search(member.zh), member
    assert len({m.value for m in enum_type}) == len(enum_type)


def test_every_enum_in_the_package_is_labelled():
    import enum
    import importlib
    import pkgutil

    import custrel

    unlabelled = []
    for info in pkgutil.iter_modules(custrel.__path__):
        if info.name.startswith("_") or info.name in {"cli", "__main__"}:
            continue
        module = importlib.import_module(f"custrel.{info.name}")
        unlabelled.extend(
            f"{module.__name__}.{obj.__name__}"
            for obj in vars(module).values()
            if isinstance(obj, type)
            and issubclass(obj, enum.Enum)
            and obj.__module__ == module.__name__
            and not issubclass(obj, Labelled)
        )

    assert unlabelled == []


def test_the_glossary_lists_every_member_in_both_languages():
    text = glossary_markdown()

    for enum_type in ENUMS:
        for member in enum_type:
            assert f"| `{member.name}` | {member.en} | {member.zh} |" in text


def test_from_value_names_the_allowed_values_when_it_fails():
    assert Stage.from_value("lost") is Stage.LOST
    with pytest.raises(InvalidValue, match="'non_customer'"):
        Stage.from_value("gone")


# --- one punctuation style ------------------------------------------------------------------

#: Modules whose Chinese labels follow the house punctuation: every module that defines a
#: labelled enum (`test_every_module_with_labels_is_checked_for_punctuation` keeps it so).
HOUSE_PUNCTUATION_MODULES = frozenset(
    {
        "custrel.acquisition",
        "custrel.acquisition_catalogue",
        "custrel.causes",
        "custrel.complaint_sla",
        "custrel.complaints",
        "custrel.countermeasures",
        "custrel.lifecycle",
        "custrel.myths",
        "custrel.periods",
        "custrel.profile",
        "custrel.pyramid",
        "custrel.report",
        "custrel.retention",
        "custrel.retention_audit",
        "custrel.satisfaction",
        "custrel.scoring",
        "custrel.winback",
    }
)
_HAN = r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”]"
_ASCII_AFTER_HAN = re.compile(rf"(?<={_HAN})[,:;()!?]|[,:;(]\s*(?={_HAN})")


def punctuation_problems(text: str) -> list[str]:
    """What breaks the house style in a Chinese text: ASCII punctuation next to hanzi, and a
    second full-width colon (labels are composed into "级别：…" lines, so one is enough)."""
    problems = [f"ASCII {m.group()!r} at {m.start()}" for m in _ASCII_AFTER_HAN.finditer(text)]
    if text.count("：") > 1:
        problems.append("more than one full-width colon")
    return problems


def test_the_punctuation_check_catches_what_it_is_meant_to():
    assert punctuation_problems("风险:管理风险:串货") != []
    assert punctuation_problems("市场监控不力(渠道冲突、串货)") != []
    assert punctuation_problems("风险：管理风险：串货") == ["more than one full-width colon"]
    assert punctuation_problems("市场监控不力（渠道冲突、串货）") == []
    assert punctuation_problems("VIP客户服务通道") == []


@pytest.mark.parametrize(
    "enum_type",
    [e for e in ENUMS if e.__module__ in HOUSE_PUNCTUATION_MODULES],
    ids=lambda e: f"{e.__module__}.{e.__name__}",
)
def test_chinese_labels_use_full_width_punctuation(enum_type: type[Labelled]):
    problems = {m.name: punctuation_problems(m.zh) for m in enum_type}

    assert {name: p for name, p in problems.items() if p} == {}


def test_every_module_with_labels_is_checked_for_punctuation():
    assert {e.__module__ for e in ENUMS} == HOUSE_PUNCTUATION_MODULES


def test_the_model_kinds_use_full_width_punctuation():
    from custrel.clv import ModelKind

    problems = {m.name: punctuation_problems(m.zh) for m in ModelKind}

    assert {name: p for name, p in problems.items() if p} == {}


def _bilingual_texts(value: object, depth: int = 0) -> list[Bilingual]:
    """Every `Bilingual` text reachable from ``value`` through containers and attrs values."""
    if depth > 6 or isinstance(value, (str, bytes, type, enum.Enum)):
        return []
    if isinstance(value, Bilingual):
        return [value]
    if isinstance(value, Mapping):
        items: Iterable[object] = [*value.keys(), *value.values()]
    elif isinstance(value, (tuple, list, frozenset, set)):
        items = value
    elif attrs.has(type(value)):
        items = [getattr(value, a.name) for a in attrs.fields(type(value))]
    else:
        return []
    return [text for item in items for text in _bilingual_texts(item, depth + 1)]


def _package_modules() -> list[str]:
    import pkgutil

    import custrel

    skip = {"custrel.cli", "custrel.__main__", "custrel.spark", "custrel.dask", "custrel.plot"}
    return sorted(
        info.name
        for info in pkgutil.walk_packages(custrel.__path__, "custrel.")
        if info.name not in skip
    )


@pytest.mark.parametrize("module_name", _package_modules())
def test_every_chinese_text_of_a_module_uses_full_width_punctuation(module_name: str):
    import importlib

    module = importlib.import_module(module_name)
    texts = [
        text
        for name, value in vars(module).items()
        if not name.startswith("__") and not isinstance(value, types.ModuleType)
        for text in _bilingual_texts(value)
    ]
    problems = {
        text.zh: [p for p in punctuation_problems(text.zh) if p.startswith("ASCII")]
        for text in texts
    }

    assert {zh: p for zh, p in problems.items() if p} == {}


def test_the_text_scan_reaches_catalogue_entries_and_module_constants():
    from custrel import acquisition_catalogue, lifecycle

    assert len(_bilingual_texts(acquisition_catalogue.PROSPECTING_METHODS)) > 13
    assert _bilingual_texts(lifecycle.STAGE_GUIDANCE) != []
    assert punctuation_problems("关系网有限,很快用尽") != []


def test_the_customer_table_descriptions_use_full_width_punctuation():
    from custrel.report.schema import CUSTOMER_COLUMNS

    problems = {c.name: punctuation_problems(c.zh) for c in CUSTOMER_COLUMNS}

    assert {name: p for name, p in problems.items() if p} == {}


def test_composed_recommendation_and_reason_texts_use_full_width_punctuation():
    from custrel.pyramid import Tier, recommend
    from custrel.scoring import CustomerMetrics, assess

    m = CustomerMetrics(
        "CNY",
        revenue=1000,
        cost_of_goods=900,
        cost_to_serve=300,
        discounts=200,
        bad_debt=0,
        channel_conflict=True,
        revenue_percentile=0.1,
    )
    a = assess(m)
    texts = [*recommend(Tier.KEY, a).reasons("zh"), *recommend(Tier.SMALL, a).reasons("zh")]

    for text in (*texts, *a.reasons("zh")):
        assert [p for p in punctuation_problems(text) if p.startswith("ASCII")] == [], text
