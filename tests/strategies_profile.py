"""Hypothesis strategies for customer profiles: every field, with values easy to search for.

Values that must stay hidden are wrapped in ``§…§`` so that a leak is a plain substring
search; values of public fields never contain ``§``. Integers are large and money
amounts have many digits, so neither turns up by chance in a repr.
"""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from custrel.money import Money
from custrel.profile import (
    Datum,
    EnterpriseProfile,
    FieldSpec,
    IndividualProfile,
    Purpose,
    Sensitivity,
)

MARK = "§"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "张王李赵刘陈杨黄周吴" + "-_@."

customer_ids = st.text(string.ascii_letters, min_size=1, max_size=8)
purposes = st.frozensets(st.sampled_from(list(Purpose)), min_size=1)
secret_texts = st.text(_SECRET_ALPHABET, min_size=3, max_size=16).map(lambda s: f"{MARK}{s}{MARK}")
public_texts = st.text(string.ascii_letters + " ", min_size=1, max_size=16)
secret_ints = st.integers(10**6, 10**9)
dates = st.dates(date(1920, 1, 1), date(2030, 12, 31))
money = st.builds(
    Money.of,
    st.decimals(
        min_value=Decimal("100000.01"),
        max_value=Decimal("999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    ),
    st.sampled_from(["CNY", "USD", "EUR"]),
)


def _values(spec: FieldSpec, hidden: bool) -> st.SearchStrategy[Any]:
    kind = spec.kind
    if kind is str:
        return secret_texts if hidden else public_texts
    if kind is int:
        return secret_ints
    if kind is bool:
        return st.booleans()
    if kind is date:
        return dates
    if kind is Money:
        return money
    return st.sampled_from(list(kind))  # the labelled enums


@st.composite
def datum_for(draw: st.DrawFn, spec: FieldSpec) -> Datum[Any]:
    """A datum for ``spec``: sometimes guarded more closely than its field, never less."""
    given = draw(st.none() | st.sampled_from(list(Sensitivity)))
    hidden = spec.sensitivity is not Sensitivity.PUBLIC or (
        given is not None and given is not Sensitivity.PUBLIC
    )
    return Datum(draw(_values(spec, hidden)), draw(purposes), sensitivity=given)


def _group(profile_type: type[Any], group_name: str, fill: float) -> st.SearchStrategy[Any]:
    specs = [s for s in profile_type.schema() if s.group.value == group_name]
    group_type = type(getattr(profile_type("x"), group_name))
    kwargs = {
        s.name: st.one_of(st.none(), datum_for(s)) if fill < 1 else datum_for(s) for s in specs
    }
    return st.builds(group_type, **kwargs)


def _profiles(profile_type: type[Any], fill: float) -> st.SearchStrategy[Any]:
    names = list(dict.fromkeys(s.group.value for s in profile_type.schema()))
    return st.builds(
        profile_type, customer_ids, **{n: _group(profile_type, n, fill) for n in names}
    )


individual_profiles = _profiles(IndividualProfile, 0.5)
enterprise_profiles = _profiles(EnterpriseProfile, 0.5)
#: Either kind, fields empty or filled at random.
profiles = st.one_of(individual_profiles, enterprise_profiles)
#: Either kind with every field filled.
full_profiles = st.one_of(_profiles(IndividualProfile, 1.0), _profiles(EnterpriseProfile, 1.0))


def hidden_needles(profile: IndividualProfile | EnterpriseProfile) -> list[str]:
    """Text forms of every withheld value that would betray it if found in an output."""
    needles: list[str] = []
    for path in profile.paths():
        datum = profile.datum(path)
        assert datum is not None
        if not datum.withheld:
            continue
        value = datum.reveal(next(iter(datum.purposes)))
        if isinstance(value, str):
            needles.append(value)
        elif isinstance(value, bool):
            continue  # True/False can only be checked structurally
        elif isinstance(value, int):
            needles.append(str(value))
        elif isinstance(value, date):
            needles += [value.isoformat(), repr(value)]
        elif isinstance(value, Money):
            needles += [str(value.amount), f"{value.amount:,}"]
    return needles
