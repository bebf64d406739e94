"""Every public enum is bilingual, and the glossary shows them all."""

from __future__ import annotations

import re

import pytest

from custrel._labels import Labelled, labelled_enums
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

#: Modules whose Chinese labels follow the house punctuation. Extend this set module by
#: module until it holds every module of the package.
HOUSE_PUNCTUATION_MODULES = frozenset(
    {
        "custrel.acquisition",
        "custrel.acquisition_catalogue",
        "custrel.causes",
        "custrel.myths",
        "custrel.pyramid",
        "custrel.scoring",
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


def test_the_modules_checked_for_punctuation_exist():
    assert {e.__module__ for e in ENUMS} >= HOUSE_PUNCTUATION_MODULES


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
