"""Customer profiles: the seed's groups, and personal data that never leaks by accident."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from datetime import date, datetime, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from custrel import serialization
from custrel.errors import CustrelError, InvalidValue, NotAuthorized, PurposeNotPermitted
from custrel.money import Money
from custrel.profile import (
    DEFAULT_ACCESS_POLICY,
    AccessPolicy,
    Career,
    CreditStatus,
    Datum,
    EnterpriseBasic,
    EnterpriseGroup,
    EnterpriseProfile,
    Family,
    IndividualBasic,
    IndividualGroup,
    IndividualProfile,
    MaritalStatus,
    Purpose,
    Role,
    RoleGrant,
    Sensitivity,
    Trading,
    export_json,
    import_json,
    schema,
)
from strategies_profile import MARK, full_profiles, hidden_needles, profiles

CJK = re.compile(r"[\u4e00-\u9fff]")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "profiles.md"

ID_NUMBER = "110101199003071234"


def sample_individual() -> IndividualProfile:
    return IndividualProfile(
        "c1",
        basic=IndividualBasic(
            name=Datum("王芳", {Purpose.SERVICE, Purpose.RELATIONSHIP_CARE}),
            id_number=Datum(ID_NUMBER, {Purpose.IDENTITY_VERIFICATION}),
            birth_date=Datum(date(1990, 3, 7), {Purpose.RELATIONSHIP_CARE}),
        ),
        career=Career(current_income=Datum(Money.of("240000", "CNY"), {Purpose.VALUE_ANALYSIS})),
        family=Family(marital_status=Datum(MaritalStatus.MARRIED, {Purpose.RELATIONSHIP_CARE})),
    )


def assert_no_needle(text: str, needles: list[str]) -> None:
    leaked = [n for n in needles if n in text]
    assert not leaked, f"leaked {leaked} in {text!r}"


# --- the seed's groups ---------------------------------------------------------------------


def test_an_individual_profile_has_the_seeds_seven_groups_in_order():
    groups = list(dict.fromkeys(s.group for s in schema(IndividualProfile)))

    # seed 001 §2: 基本信息, 教育情况, 事业情况, 家庭情况, 生活情况, 个性情况, 人际情况
    assert [g.zh for g in groups] == [
        "基本信息",
        "教育情况",
        "事业情况",
        "家庭情况",
        "生活情况",
        "个性情况",
        "人际情况",
    ]
    assert groups == list(IndividualGroup)


def test_an_enterprise_profile_has_the_seeds_five_groups_in_order():
    groups = list(dict.fromkeys(s.group for s in schema(EnterpriseProfile)))

    # seed 001 §2: 基本信息, 客户特征, 业务状况, 交易状况, 负责人信息
    assert [g.zh for g in groups] == ["基本信息", "客户特征", "业务状况", "交易状况", "负责人信息"]
    assert groups == list(EnterpriseGroup)


@pytest.mark.parametrize("profile_type", [IndividualProfile, EnterpriseProfile])
def test_every_field_has_a_bilingual_label_and_a_unique_path(profile_type):
    specs = schema(profile_type)

    assert len({s.path for s in specs}) == len(specs)
    for spec in specs:
        assert spec.path == f"{spec.group.value}.{spec.name}"
        assert spec.label.en, spec
        assert not CJK.search(spec.label.en), spec
        assert CJK.search(spec.label.zh), spec


def test_identity_health_beliefs_income_and_third_parties_are_sensitive():
    by_path = {s.path: s.sensitivity for s in schema(IndividualProfile)}
    expected_sensitive = [
        "basic.id_number",
        "lifestyle.medical_history",
        "lifestyle.health",
        "personality.religion",
        "personality.political_activity",
        "career.current_income",
        "family.spouse",
        "family.children",
        "relationships.closest_friend",
    ]

    assert {p: by_path[p] for p in expected_sensitive} == dict.fromkeys(
        expected_sensitive, Sensitivity.SENSITIVE
    )
    assert Sensitivity.PUBLIC not in by_path.values()  # nothing about a person is public


def test_enterprise_registration_is_public_and_credit_is_internal_trading_data():
    by_path = {s.path: s for s in schema(EnterpriseProfile)}

    assert by_path["basic.name"].sensitivity is Sensitivity.PUBLIC
    assert by_path["trading.credit_status"].group is EnterpriseGroup.TRADING
    assert by_path["trading.credit_status"].kind is CreditStatus
    assert by_path["trading.credit_status"].sensitivity is Sensitivity.INTERNAL
    assert by_path["principals.family"].sensitivity is Sensitivity.SENSITIVE


def test_the_docs_field_table_lists_every_field_with_its_sensitivity():
    text = DOCS.read_text(encoding="utf-8")

    for profile_type in (IndividualProfile, EnterpriseProfile):
        for spec in schema(profile_type):
            row = f"| `{spec.path}` | {spec.label.zh} | {spec.sensitivity.value} |"
            assert row in text, f"{profile_type.__name__}: {row}"


# --- sensitivity ---------------------------------------------------------------------------


def test_sensitivity_levels_are_ordered_from_public_to_sensitive():
    order = [Sensitivity.PUBLIC, Sensitivity.INTERNAL, Sensitivity.PERSONAL, Sensitivity.SENSITIVE]

    assert [s.level for s in order] == [0, 1, 2, 3]
    assert Sensitivity.PERSONAL.covers(Sensitivity.INTERNAL)
    assert not Sensitivity.PERSONAL.covers(Sensitivity.SENSITIVE)


@given(st.sampled_from(list(Sensitivity)) | st.none())
def test_a_placed_datum_is_at_least_as_sensitive_as_its_field(given_level):
    datum = Datum("x", {Purpose.SERVICE}, sensitivity=given_level)

    placed = IndividualBasic(name=datum).name

    assert placed is not None
    expected = (
        given_level
        if given_level is not None and given_level.covers(Sensitivity.PERSONAL)
        else Sensitivity.PERSONAL
    )
    assert placed.sensitivity is expected


def test_a_datum_not_yet_placed_is_shown_like_sensitive_data():
    datum = Datum(ID_NUMBER, {Purpose.SERVICE})

    assert ID_NUMBER not in repr(datum)
    assert ID_NUMBER not in str(datum)
    assert "unclassified" in repr(datum)


# --- no leaks ------------------------------------------------------------------------------


@given(profiles)
def test_repr_and_str_never_show_a_withheld_value(profile):
    needles = hidden_needles(profile)
    note(f"needles: {needles}")

    outputs = [repr(profile), str(profile), f"{profile}", f"{profile!r}"]
    for group_name in {p.split(".")[0] for p in profile.paths()}:
        group = getattr(profile, group_name)
        outputs += [repr(group), str(group)]
    for path in profile.paths():
        datum = profile.datum(path)
        outputs += [repr(datum), str(datum)]

    for text in outputs:
        assert_no_needle(text, needles)
        if MARK in text:  # only public values may appear, and they never carry the mark
            pytest.fail(f"a marked value leaked: {text!r}")


@given(profiles)
def test_the_redacted_export_never_holds_a_withheld_value(profile):
    needles = hidden_needles(profile)

    exported = profile.redacted()
    text = profile.redacted_json()

    assert_no_needle(text, needles)
    assert MARK not in text
    assert json.loads(text) == exported
    for path in profile.paths():
        group, name = path.split(".")
        entry = exported["groups"][group][name]
        datum = profile.datum(path)
        assert datum is not None
        assert entry["sensitivity"] == datum.sensitivity.value
        assert entry["purposes"] == sorted(
            (p.value for p in datum.purposes), key=[q.value for q in Purpose].index
        )
        if datum.withheld:
            assert entry == {**entry, "withheld": True}
            assert "value" not in entry
        else:
            assert "withheld" not in entry
            assert "value" in entry


def test_the_redacted_export_shows_public_values_as_they_are():
    profile = EnterpriseProfile(
        "e1",
        basic=EnterpriseBasic(
            name=Datum("华东五金", {Purpose.SERVICE}),
            founded=Datum(date(2003, 5, 1), {Purpose.CREDIT_ASSESSMENT}),
        ),
    )

    groups = profile.redacted()["groups"]

    assert groups == {
        "basic": {
            "name": {"sensitivity": "public", "purposes": ["service"], "value": "华东五金"},
            "founded": {
                "sensitivity": "public",
                "purposes": ["credit_assessment"],
                "value": "2003-05-01",
            },
        }
    }


def reveal_quietly(profile, path, purpose, role, needles):
    try:
        profile.reveal(path, purpose, role=role)
    except (PurposeNotPermitted, NotAuthorized) as error:
        assert_no_needle(str(error), needles)


@given(full_profiles, st.sampled_from(list(Purpose)), st.sampled_from([None, *Role]))
def test_logs_never_show_a_withheld_value_whatever_is_revealed_or_refused(profile, purpose, role):
    needles = hidden_needles(profile)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("custrel.profile")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        logging.getLogger("test").warning("profile %s / %r", profile, profile)
        logger.warning("profile %s", profile)
        for path in profile.paths():
            reveal_quietly(profile, path, purpose, role, needles)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)

    assert len(records) >= len(profile.paths())  # every reveal is audited
    for record in records:
        assert_no_needle(record.getMessage(), needles)


def test_an_audit_line_records_who_read_what_for_which_purpose(caplog):
    profile = sample_individual()

    with caplog.at_level(logging.INFO, logger="custrel.profile"):
        profile.reveal("basic.name", Purpose.SERVICE, role=Role.SALES)
        with pytest.raises(PurposeNotPermitted):
            profile.reveal("basic.name", Purpose.MARKETING)

    granted, refused = caplog.records
    assert granted.levelno == logging.INFO
    assert (
        granted.getMessage()
        == "revealed basic.name of customer c1 for purpose service (role sales)"
    )
    assert refused.levelno == logging.WARNING
    assert "refused basic.name" in refused.getMessage()
    assert "王芳" not in caplog.text


def test_logging_a_profile_through_caplog_shows_no_personal_data(caplog):
    profile = sample_individual()

    with caplog.at_level(logging.DEBUG):
        logging.getLogger("app").info("loaded %s", profile)
        logging.getLogger("app").info("loaded %r", profile)

    for secret in ("王芳", ID_NUMBER, "1990-03-07", "240000", "married"):
        assert secret not in caplog.text
    assert "customer_id='c1'" in caplog.text


# --- purpose and role -----------------------------------------------------------------------


def test_a_field_collected_for_one_purpose_is_refused_for_another():
    profile = sample_individual()

    with pytest.raises(PurposeNotPermitted) as refused:
        profile.reveal("basic.id_number", Purpose.MARKETING)

    assert refused.value.field == "basic.id_number"
    assert refused.value.purpose is Purpose.MARKETING
    assert refused.value.allowed == (Purpose.IDENTITY_VERIFICATION,)
    assert ID_NUMBER not in str(refused.value)


def test_the_stated_purpose_unlocks_the_value():
    profile = sample_individual()

    value = profile.reveal("basic.id_number", Purpose.IDENTITY_VERIFICATION, role=Role.SERVICE)

    assert value == ID_NUMBER


@given(profiles, st.sampled_from(list(Purpose)))
def test_reveal_succeeds_exactly_for_the_purposes_a_field_was_collected_for(profile, purpose):
    for path in profile.paths():
        datum = profile.datum(path)
        assert datum is not None
        if purpose in datum.purposes:
            assert profile.reveal(path, purpose) is not None
        else:
            with pytest.raises(PurposeNotPermitted):
                profile.reveal(path, purpose)


# The default matching of roles to purposes and clearances, restated from docs/profiles.md.
P = Purpose
EXPECTED_GRANTS = {
    Role.SALES: (
        {P.SERVICE, P.MARKETING, P.PERSONALISATION, P.RELATIONSHIP_CARE},
        Sensitivity.PERSONAL,
    ),
    Role.SERVICE: (
        {P.SERVICE, P.PERSONALISATION, P.COMPLAINT_HANDLING, P.IDENTITY_VERIFICATION},
        Sensitivity.SENSITIVE,
    ),
    Role.MARKETING: ({P.MARKETING, P.PERSONALISATION}, Sensitivity.PERSONAL),
    Role.ANALYST: ({P.VALUE_ANALYSIS}, Sensitivity.SENSITIVE),
    Role.CREDIT: ({P.CREDIT_ASSESSMENT, P.IDENTITY_VERIFICATION}, Sensitivity.SENSITIVE),
    Role.KEY_ACCOUNT: (
        {P.SERVICE, P.PERSONALISATION, P.RELATIONSHIP_CARE, P.COMPLAINT_HANDLING},
        Sensitivity.PERSONAL,
    ),
    Role.MANAGEMENT: (
        {P.VALUE_ANALYSIS, P.CREDIT_ASSESSMENT, P.COMPLAINT_HANDLING},
        Sensitivity.PERSONAL,
    ),
    Role.DATA_CUSTODIAN: (set(), Sensitivity.SENSITIVE),
}
LEVELS = [Sensitivity.PUBLIC, Sensitivity.INTERNAL, Sensitivity.PERSONAL, Sensitivity.SENSITIVE]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("level", LEVELS)
def test_the_default_policy_allows_each_role_exactly_its_purposes_up_to_its_clearance(
    role, purpose, level
):
    purposes, clearance = EXPECTED_GRANTS[role]
    expected = purpose in purposes and LEVELS.index(level) <= LEVELS.index(clearance)

    allowed = DEFAULT_ACCESS_POLICY.allows(role, purpose, level)

    assert allowed is expected
    if expected:
        DEFAULT_ACCESS_POLICY.check(role, purpose, level, "f")
    else:
        with pytest.raises(NotAuthorized):
            DEFAULT_ACCESS_POLICY.check(role, purpose, level, "f")


def test_a_role_cleared_below_the_fields_sensitivity_is_refused_even_for_its_purpose():
    profile = sample_individual()

    with pytest.raises(NotAuthorized, match="clearance for sensitive"):
        profile.reveal("career.current_income", Purpose.VALUE_ANALYSIS, role=Role.MANAGEMENT)
    assert profile.reveal(
        "career.current_income", Purpose.VALUE_ANALYSIS, role=Role.ANALYST
    ) == Money.of("240000", "CNY")


def test_a_role_without_a_grant_may_read_nothing():
    policy = AccessPolicy(grants=())

    with pytest.raises(NotAuthorized):
        sample_individual().reveal("basic.name", Purpose.SERVICE, role=Role.SALES, policy=policy)


def test_an_empty_field_gives_none_but_the_role_is_still_checked():
    profile = sample_individual()

    assert profile.reveal("basic.email", Purpose.MARKETING, role=Role.MARKETING) is None
    with pytest.raises(NotAuthorized):
        profile.reveal("basic.id_number", Purpose.IDENTITY_VERIFICATION, role=Role.MARKETING)


@given(profiles, st.sampled_from(list(Purpose)), st.sampled_from([None, *Role]))
def test_paths_for_lists_exactly_the_fields_reveal_would_give(profile, purpose, role):
    listed = set(profile.paths_for(purpose, role=role))

    revealable = set()
    for path in profile.paths():
        try:
            profile.reveal(path, purpose, role=role)
        except (PurposeNotPermitted, NotAuthorized):
            continue
        revealable.add(path)

    assert listed == revealable


# --- JSON -----------------------------------------------------------------------------------


@given(profiles)
def test_a_custodian_round_trips_a_profile_through_json_without_loss(profile):
    text = export_json(profile, role=Role.DATA_CUSTODIAN)

    back = import_json(text, type(profile))

    assert back == profile
    assert export_json(back, role=Role.DATA_CUSTODIAN) == text


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.DATA_CUSTODIAN])
def test_only_a_custodian_may_export_a_whole_profile(role):
    with pytest.raises(NotAuthorized, match="custodian"):
        export_json(sample_individual(), role=role)


def test_a_firm_may_name_its_own_custodians():
    policy = AccessPolicy(custodians={Role.MANAGEMENT})

    text = export_json(sample_individual(), role=Role.MANAGEMENT, policy=policy)

    assert import_json(text, IndividualProfile) == sample_individual()


def test_the_generic_serializer_refuses_profiles_rather_than_leak_them():
    profile = sample_individual()

    with pytest.raises(NotAuthorized, match="export_json"):
        serialization.to_json(profile)
    with pytest.raises(NotAuthorized, match="import_json"):
        serialization.from_json('{"customer_id": "c1"}', IndividualProfile)


@given(full_profiles, st.data())
def test_a_corrupted_export_is_refused_without_echoing_personal_data(profile, data):
    document = json.loads(export_json(profile, role=Role.DATA_CUSTODIAN))
    needles = hidden_needles(profile)
    group = data.draw(st.sampled_from(sorted(k for k in document if k != "customer_id")))
    field = data.draw(st.sampled_from(sorted(document[group])))
    corruption = data.draw(
        st.sampled_from(["wrong type", "unknown purpose", "extra key", "no purposes"])
    )
    entry = document[group][field]
    if corruption == "wrong type":
        entry["value"] = [entry["value"], entry["value"]]
    elif corruption == "unknown purpose":
        entry["purposes"] = [*entry["purposes"], f"{MARK}gossip{MARK}"]
    elif corruption == "extra key":
        entry["copy"] = entry["value"]
    else:
        entry["purposes"] = []

    with pytest.raises(InvalidValue) as refused:
        import_json(json.dumps(document, ensure_ascii=False), type(profile))

    note(str(refused.value))
    assert_no_needle(str(refused.value), needles)
    assert f"$.{group}.{field}" in str(refused.value) or f"$.{group}" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "valid JSON"),
        ("[1, 2]", "not an object"),
        ('{"customer_id": 5}', "customer_id"),
        ('{"basic": {}}', "required field missing"),
        ('{"customer_id": "c1", "hobbies": {}}', "unexpected keys"),
        ('{"customer_id": "c1", "basic": {"name": "王芳"}}', "an object with value"),
        (
            '{"customer_id": "c1", "basic": {"height_cm": {"value": true, "purposes": []}}}',
            "got bool",
        ),
        (
            '{"customer_id": "c1", "basic": {"birth_date": {"value": "7 March", "purposes": []}}}',
            "ISO date",
        ),
    ],
)
def test_import_json_names_the_problem_and_never_the_data(text, problem):
    with pytest.raises(InvalidValue, match=problem) as refused:
        import_json(text, IndividualProfile)

    assert "王芳" not in str(refused.value)
    assert "7 March" not in str(refused.value)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: IndividualBasic(name="王芳"), "got str"),  # type: ignore[arg-type]
        (lambda: IndividualBasic(height_cm=Datum("王芳", {Purpose.SERVICE})), "holding str"),
        (lambda: IndividualBasic(height_cm=Datum(True, {Purpose.SERVICE})), "holding bool"),
        (lambda: IndividualBasic(height_cm=Datum(0, {Purpose.SERVICE})), "whole number > 0"),
        (
            lambda: IndividualBasic(
                birth_date=Datum(datetime(1990, 3, 7, tzinfo=timezone.utc), {Purpose.SERVICE})
            ),
            "not a datetime",
        ),
        (lambda: Trading(credit_status=Datum("good", {Purpose.SERVICE})), "CreditStatus"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_without_showing_it(build, problem):
    with pytest.raises(InvalidValue, match=problem) as refused:
        build()

    assert "王芳" not in str(refused.value)
    assert "1990" not in str(refused.value)


@pytest.mark.parametrize(
    "purposes",
    [set(), "service", [Purpose.SERVICE, "marketing"], None, Purpose.SERVICE],
)
def test_a_datum_needs_a_set_of_known_purposes(purposes):
    with pytest.raises(InvalidValue, match="purpose"):
        Datum("x", purposes)


def test_a_datum_needs_a_value():
    with pytest.raises(InvalidValue, match="leave the field as None"):
        Datum(None, {Purpose.SERVICE})


@pytest.mark.parametrize("customer_id", ["", "   ", 7, None])
def test_a_profile_needs_a_customer_id(customer_id):
    with pytest.raises(InvalidValue, match="customer id"):
        IndividualProfile(customer_id)


@pytest.mark.parametrize("path", ["name", "basic.nickname", "hobbies.golf", "", 3])
def test_an_unknown_path_is_refused_with_the_expected_form(path):
    with pytest.raises(InvalidValue, match=r"'group\.field'"):
        sample_individual().reveal(path, Purpose.SERVICE)


@pytest.mark.parametrize("path", ["basic.name", "basic.email"])
def test_a_purpose_must_be_a_purpose_even_for_an_empty_field(path):
    with pytest.raises(InvalidValue, match="Purpose"):
        sample_individual().reveal(path, "service")  # type: ignore[arg-type]


def test_a_policy_grants_each_role_at_most_once():
    grant = RoleGrant(Role.SALES, {Purpose.SERVICE}, Sensitivity.PERSONAL)

    with pytest.raises(InvalidValue, match="one grant per role"):
        AccessPolicy(grants=(grant, grant))


# --- changing a profile ---------------------------------------------------------------------


def test_with_datum_returns_a_new_profile_and_leaves_the_old_one_alone():
    profile = sample_individual()
    email = Datum("wf@example.com", {Purpose.MARKETING})

    changed = profile.with_datum("basic.email", email)
    erased = changed.with_datum("basic.id_number", None)

    assert profile.datum("basic.email") is None
    assert changed.reveal("basic.email", Purpose.MARKETING) == "wf@example.com"
    assert "basic.id_number" in changed.paths()
    assert "basic.id_number" not in erased.paths()


def test_with_datum_checks_the_kind_like_the_constructor():
    with pytest.raises(InvalidValue, match="holding str"):
        sample_individual().with_datum("basic.height_cm", Datum("tall", {Purpose.SERVICE}))


@given(profiles)
def test_profiles_are_frozen_values(profile):
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        profile.customer_id = "other"  # type: ignore[misc]


# --- no leaks through errors ----------------------------------------------------------------

_GROUP_FIELDS = [
    (profile_type, group_type.group.value)
    for profile_type in (IndividualProfile, EnterpriseProfile)
    for group_type in profile_type._GROUPS
]


@pytest.mark.parametrize(
    ("profile_type", "group"), _GROUP_FIELDS, ids=[f"{t.__name__}.{g}" for t, g in _GROUP_FIELDS]
)
def test_a_dict_passed_for_a_group_is_refused_without_showing_its_values(profile_type, group):
    secret = {"name": f"{MARK}王芳{MARK}", "id_number": ID_NUMBER}

    with pytest.raises(InvalidValue) as caught:
        profile_type("c1", **{group: secret})

    error = caught.value
    assert error.field == group
    assert_no_needle(f"{error} {error!r} {error.value!r} {error.args!r}", [MARK, ID_NUMBER, "王芳"])


@pytest.mark.parametrize("purposes", [ID_NUMBER, [ID_NUMBER], 13800138000])
def test_a_value_passed_where_the_purposes_belong_is_refused_without_echoing_it(purposes):
    with pytest.raises(InvalidValue) as caught:
        Datum({Purpose.SERVICE}, purposes)

    error = caught.value
    assert error.field == "purposes"
    assert_no_needle(f"{error} {error.value!r}", [ID_NUMBER, "13800138000"])


@pytest.mark.parametrize(
    "tamper",
    [
        lambda entry: entry.update(purposes=[ID_NUMBER]),
        lambda entry: entry.update(purposes=ID_NUMBER),
        lambda entry: entry.update(sensitivity=ID_NUMBER),
    ],
    ids=["a purpose", "the purposes list", "the sensitivity"],
)
def test_personal_data_planted_in_an_import_is_refused_without_echoing_it(tamper):
    document = json.loads(export_json(sample_individual(), role=Role.DATA_CUSTODIAN))
    tamper(document["basic"]["name"])

    with pytest.raises(InvalidValue) as caught:
        import_json(json.dumps(document), IndividualProfile)

    assert_no_needle(str(caught.value), [ID_NUMBER])


# --- arbitrary input to the custodian's import -------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(
    _json_values
    | st.fixed_dictionaries({"customer_id": st.just("c1")}, optional={"basic": _json_values}),
    st.sampled_from([IndividualProfile, EnterpriseProfile]),
)
def test_arbitrary_json_imports_as_a_profile_or_a_custrel_error(value, profile_type):
    try:
        profile = import_json(json.dumps(value), profile_type)
    except CustrelError:
        return

    assert import_json(export_json(profile, role=Role.DATA_CUSTODIAN), profile_type) == profile


@given(st.binary(max_size=64))
def test_arbitrary_bytes_import_as_a_profile_or_a_custrel_error(data):
    with contextlib.suppress(CustrelError):
        import_json(data, IndividualProfile)


@pytest.mark.parametrize(
    "text",
    [
        ('{"customer_id": "c1", "basic": {"name": "' + ID_NUMBER).encode() + b'\xff"}}',
        '{"customer_id": "c1", "note": "' + ID_NUMBER + '", "n": ' + "9" * 5_000 + "}",
        '{"customer_id": "' + ID_NUMBER + '"' + "[" * 100_000,
    ],
    ids=["invalid UTF-8", "5,000 digits", "deep nesting"],
)
def test_hostile_import_text_is_refused_without_echoing_it(text):
    with pytest.raises(InvalidValue) as caught:
        import_json(text, IndividualProfile)

    assert_no_needle(str(caught.value), [ID_NUMBER])


def test_a_value_passed_where_the_purpose_or_role_belongs_is_refused_without_echoing_it():
    profile = sample_individual()

    with pytest.raises(InvalidValue) as by_purpose:
        profile.reveal("basic.name", ID_NUMBER)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue) as by_role:
        profile.reveal("basic.name", Purpose.SERVICE, role=ID_NUMBER)  # type: ignore[arg-type]

    assert_no_needle(f"{by_purpose.value} {by_role.value}", [ID_NUMBER])
