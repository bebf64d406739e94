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
