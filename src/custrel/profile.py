"""Customer profiles, with personal data protected by design.

The CRM chapter §2 (掌握客户信息) lists what a firm should know: about an individual, seven
groups (basic, education, career, family, lifestyle, personality, relationships);
about an enterprise, five (basic, characteristics, business, trading — including
credit — and principals). *Who stole your customers?*, myth 6, sets the terms:
customers share personal data only if the firm keeps it "for staff use only, controlled
and matched to their functional roles" and uses it "only for the original purpose it
was given for"; the 2014 breach at Target (over 40 million customers) shows the cost of failing.

So every value here is a `Datum`: the value, the purposes it was collected
for, and a `Sensitivity` (at least the field's own). ``repr``, ``str`` and
therefore logging never show a value above `Sensitivity.PUBLIC`;
`IndividualProfile.redacted` is the explicit redacted export; the only way to
a value is `Datum.reveal` (or the profile's `reveal`,
which also writes an audit log line without the value), where the caller states its
purpose — and optionally its `Role` — and a field collected for another
purpose raises `PurposeNotPermitted`. `export_json` and
`import_json` round-trip a whole profile without loss, for a custodian role
only; errors never echo a value.

This guards against accidents (a profile in a log line, a traceback, a debug
print), not against code that sets out to read private attributes.
"""

# ruff: noqa: RUF009 - profile fields are declared through `_f` and `_group_of`, thin
# wrappers over attrs.field that attach the field's sensitivity and labels.

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, ClassVar, Final, Generic, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn

from custrel._labels import Bilingual, Labelled
from custrel._validators import customer_id, instance_of
from custrel.errors import CustrelError, InvalidValue, NotAuthorized, PurposeNotPermitted
from custrel.money import Money
from custrel.serialization import converter as _shared_converter
from custrel.serialization import parse_json

__all__ = [
    "DEFAULT_ACCESS_POLICY",
    "AccessPolicy",
    "Career",
    "CreditStatus",
    "Datum",
    "Education",
    "EnterpriseBasic",
    "EnterpriseBusiness",
    "EnterpriseCharacteristics",
    "EnterpriseGroup",
    "EnterpriseProfile",
    "Family",
    "FieldSpec",
    "IndividualBasic",
    "IndividualGroup",
    "IndividualProfile",
    "Lifestyle",
    "MaritalStatus",
    "Personality",
    "Principals",
    "Profile",
    "Purpose",
    "Relationships",
    "Role",
    "RoleGrant",
    "Sensitivity",
    "Trading",
    "export_json",
    "import_json",
    "schema",
]

_log = logging.getLogger(__name__)


# --- vocabularies ------------------------------------------------------------------------


class Sensitivity(Labelled):
    """How closely a field must be guarded, from public to sensitive personal data.

    The levels are ordered: a role cleared for a level may read every level below it.
    """

    PUBLIC = ("public", "public", "公开信息")
    INTERNAL = ("internal", "internal business information", "内部信息")
    PERSONAL = ("personal", "personal information", "个人信息")
    SENSITIVE = ("sensitive", "sensitive personal information", "敏感个人信息")

    @property
    def level(self) -> int:
        """0 for public up to 3 for sensitive."""
        return _LEVEL[self]

    def covers(self, other: Sensitivity) -> bool:
        """Whether a clearance at this level allows reading ``other``."""
        return _LEVEL[other] <= _LEVEL[self]


_LEVEL: Final[Mapping[Sensitivity, int]] = MappingProxyType(
    {s: i for i, s in enumerate(Sensitivity)}
)


class Purpose(Labelled):
    """What a piece of customer data was given for, and may be used for.

    *Who stole your customers?*, myth 6: data is used only for the purpose it was given for.
    """

    SERVICE = ("service", "providing the service", "提供服务")
    PERSONALISATION = ("personalisation", "personalised service", "个性化服务")
    MARKETING = ("marketing", "marketing", "营销推广")
    RELATIONSHIP_CARE = ("relationship_care", "relationship care (greetings)", "情感关怀")
    VALUE_ANALYSIS = ("value_analysis", "customer value analysis", "客户价值分析")
    CREDIT_ASSESSMENT = ("credit_assessment", "credit assessment", "信用评估")
    COMPLAINT_HANDLING = ("complaint_handling", "complaint handling", "投诉处理")
    IDENTITY_VERIFICATION = ("identity_verification", "identity verification", "身份核验")


class Role(Labelled):
    """A staff role; data is used only by staff whose role needs it.

    *Who stole your customers?*, myth 6: for staff use only, matched to functional roles.
    """

    SALES = ("sales", "sales staff", "销售人员")
    SERVICE = ("service", "service staff", "服务人员")
    MARKETING = ("marketing", "marketing staff", "市场人员")
    ANALYST = ("analyst", "customer analyst", "客户分析人员")
    CREDIT = ("credit", "credit controller", "信用管理人员")
    KEY_ACCOUNT = ("key_account", "key-account unit", "关键客户服务机构")
    MANAGEMENT = ("management", "management", "管理层")
    DATA_CUSTODIAN = ("data_custodian", "data custodian", "数据保管员")


class IndividualGroup(Labelled):
    """The seven groups of information about an individual customer (the CRM chapter §2)."""

    BASIC = ("basic", "basic information", "基本信息")
    EDUCATION = ("education", "education", "教育情况")
    CAREER = ("career", "career", "事业情况")
    FAMILY = ("family", "family", "家庭情况")
    LIFESTYLE = ("lifestyle", "lifestyle", "生活情况")
    PERSONALITY = ("personality", "personality", "个性情况")
    RELATIONSHIPS = ("relationships", "relationships", "人际情况")


class EnterpriseGroup(Labelled):
    """The five groups of information about an enterprise customer (the CRM chapter §2)."""

    BASIC = ("basic", "basic information", "基本信息")
    CHARACTERISTICS = ("characteristics", "characteristics", "客户特征")
    BUSINESS = ("business", "business condition", "业务状况")
    TRADING = ("trading", "trading and credit", "交易状况")
    PRINCIPALS = ("principals", "principals", "负责人信息")


class MaritalStatus(Labelled):
    """Marital status (the CRM chapter §2, 家庭情况: 已婚或未婚)."""

    SINGLE = ("single", "single", "未婚")
    MARRIED = ("married", "married", "已婚")
    DIVORCED = ("divorced", "divorced", "离异")
    WIDOWED = ("widowed", "widowed", "丧偶")


class CreditStatus(Labelled):
    """An enterprise customer's credit standing (the CRM chapter §2, 交易状况: 信用状况)."""

    GOOD = ("good", "good", "信用良好")
    FAIR = ("fair", "fair", "信用一般")
    POOR = ("poor", "poor", "信用较差")
    DEFAULTED = ("defaulted", "has defaulted", "有违约记录")


# --- access policy -------------------------------------------------------------------------


def _kind_of(value: object) -> str:
    # What an error shows instead of a value that may be personal data: its type only.
    return f"<withheld {type(value).__name__}>"


def _purposes(value: object) -> frozenset[Purpose]:
    # A value passed where the purposes belong (arguments swapped) is personal data: withheld.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidValue(
            "purposes",
            _kind_of(value),
            "a non-empty set of Purpose members, e.g. {Purpose.SERVICE}",
        )
    result = frozenset(value)
    for purpose in result:
        if not isinstance(purpose, Purpose):
            raise InvalidValue("purposes", _kind_of(purpose), "Purpose members")
    return result


@attrs.frozen
class RoleGrant:
    """What one role may do: the purposes it acts for and the sensitivity it is cleared for."""

    role: Role = attrs.field(validator=instance_of(Role))
    purposes: frozenset[Purpose] = attrs.field(converter=_purposes)
    clearance: Sensitivity = attrs.field(validator=instance_of(Sensitivity))


def _grants(value: Iterable[RoleGrant]) -> tuple[RoleGrant, ...]:
    return tuple(value)


def _roles(value: Iterable[Role]) -> frozenset[Role]:
    return frozenset(value)


# The texts say only "matched to functional roles"; this default matching is the
# library's decision (docs/profiles.md) and every firm can pass its own.
_DEFAULT_GRANTS: Final = (
    RoleGrant(
        Role.SALES,
        {Purpose.SERVICE, Purpose.MARKETING, Purpose.PERSONALISATION, Purpose.RELATIONSHIP_CARE},
        Sensitivity.PERSONAL,
    ),
    RoleGrant(
        Role.SERVICE,
        {
            Purpose.SERVICE,
            Purpose.PERSONALISATION,
            Purpose.COMPLAINT_HANDLING,
            Purpose.IDENTITY_VERIFICATION,
        },
        Sensitivity.SENSITIVE,
    ),
    RoleGrant(Role.MARKETING, {Purpose.MARKETING, Purpose.PERSONALISATION}, Sensitivity.PERSONAL),
    RoleGrant(Role.ANALYST, {Purpose.VALUE_ANALYSIS}, Sensitivity.SENSITIVE),
    RoleGrant(
        Role.CREDIT,
        {Purpose.CREDIT_ASSESSMENT, Purpose.IDENTITY_VERIFICATION},
        Sensitivity.SENSITIVE,
    ),
    RoleGrant(
        Role.KEY_ACCOUNT,
        {
            Purpose.SERVICE,
            Purpose.PERSONALISATION,
            Purpose.RELATIONSHIP_CARE,
            Purpose.COMPLAINT_HANDLING,
        },
        Sensitivity.PERSONAL,
    ),
    RoleGrant(
        Role.MANAGEMENT,
        {Purpose.VALUE_ANALYSIS, Purpose.CREDIT_ASSESSMENT, Purpose.COMPLAINT_HANDLING},
        Sensitivity.PERSONAL,
    ),
    RoleGrant(Role.DATA_CUSTODIAN, set(), Sensitivity.SENSITIVE),
)


@attrs.frozen
class AccessPolicy:
    """Which role may use data for which purpose, up to which sensitivity, and who keeps it.

    Attributes:
        grants: one `RoleGrant` per role; a role without one may read nothing.
        custodians: the roles that may export and import whole profiles (保管).

    Example:
        >>> DEFAULT_ACCESS_POLICY.allows(Role.SALES, Purpose.MARKETING, Sensitivity.PERSONAL)
        True
        >>> DEFAULT_ACCESS_POLICY.allows(Role.SALES, Purpose.MARKETING, Sensitivity.SENSITIVE)
        False
    """

    grants: tuple[RoleGrant, ...] = attrs.field(default=_DEFAULT_GRANTS, converter=_grants)
    custodians: frozenset[Role] = attrs.field(
        default=frozenset({Role.DATA_CUSTODIAN}), converter=_roles
    )

    @grants.validator
    def _check_grants(self, _attribute: attrs.Attribute[Any], value: tuple[object, ...]) -> None:
        seen: set[Role] = set()
        for grant in value:
            if not isinstance(grant, RoleGrant):
                raise InvalidValue("grants", grant, "RoleGrant values")
            if grant.role in seen:
                raise InvalidValue("grants", grant.role, "at most one grant per role")
            seen.add(grant.role)

    @custodians.validator
    def _check_custodians(self, _attribute: attrs.Attribute[Any], value: frozenset[object]) -> None:
        for role in value:
            if not isinstance(role, Role):
                raise InvalidValue("custodians", role, "Role members")

    def grant(self, role: Role) -> RoleGrant | None:
        """The grant of ``role``, or ``None`` if it has none."""
        for grant in self.grants:
            if grant.role is role:
                return grant
        return None

    def allows(self, role: Role, purpose: Purpose, sensitivity: Sensitivity) -> bool:
        """Whether ``role`` may read data of ``sensitivity`` for ``purpose``."""
        grant = self.grant(role)
        return (
            grant is not None and purpose in grant.purposes and grant.clearance.covers(sensitivity)
        )

    def check(self, role: Role, purpose: Purpose, sensitivity: Sensitivity, field: str) -> None:
        """Raise unless ``role`` may read ``field`` (of ``sensitivity``) for ``purpose``.

        Raises:
            NotAuthorized: the role does not act for the purpose, or is not cleared
                for the sensitivity; the message says which grant is needed.
        """
        if not isinstance(role, Role):
            raise InvalidValue("role", _kind_of(role), "a Role member or None")
        grant = self.grant(role)
        action = f"read {field} for {purpose.value}"
        if grant is None or purpose not in grant.purposes:
            acting = sorted(g.role.value for g in self.grants if purpose in g.purposes)
            raise NotAuthorized(
                role, action, f"a role that acts for {purpose.value}: {', '.join(acting) or 'none'}"
            )
        if not grant.clearance.covers(sensitivity):
            raise NotAuthorized(
                role,
                action,
                f"clearance for {sensitivity.value} data (this role is cleared for "
                f"{grant.clearance.value})",
            )

    def check_custodian(self, role: Role, action: str) -> None:
        """Raise `NotAuthorized` unless ``role`` is a custodian."""
        if role not in self.custodians:
            raise NotAuthorized(
                role,
                action,
                f"a custodian role: {', '.join(sorted(r.value for r in self.custodians))}",
            )


#: The library's default matching of roles to purposes and clearances (a decision; see docs).
DEFAULT_ACCESS_POLICY: Final = AccessPolicy()


# --- the datum ------------------------------------------------------------------------------

T = TypeVar("T")


def _not_none(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        raise InvalidValue("value", None, "a value (leave the field as None instead)")


def _non_empty_purposes(
    _instance: object, attribute: attrs.Attribute[Any], value: frozenset[Purpose]
) -> None:
    if not value:
        raise InvalidValue(
            attribute.name, set(), "at least one purpose: data is collected for a purpose"
        )


def _withheld(sensitivity: Sensitivity | None) -> str:
    return f"<withheld:{sensitivity.value if sensitivity else 'unclassified'}>"


@attrs.frozen(repr=False)
class Datum(Generic[T]):
    """One recorded value, the purposes it was collected for, and how sensitive it is.

    A datum's value is read only through `reveal`. Its sensitivity is the
    field's own once it is placed in a profile group, or higher if given higher here
    (a record may be guarded more closely than its field, never less); a datum not
    yet placed is unclassified and shown like sensitive data.

    Example:
        >>> d = Datum("13800000000", {Purpose.SERVICE}, sensitivity=Sensitivity.PERSONAL)
        >>> d
        Datum(<withheld:personal>, purposes=[service])
        >>> d.reveal(Purpose.SERVICE)
        '13800000000'
        >>> d.reveal(Purpose.MARKETING)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        custrel.errors.PurposeNotPermitted: field 'value' may not be used for MARKETING; ...
    """

    _value: T = attrs.field(validator=_not_none)
    purposes: frozenset[Purpose] = attrs.field(converter=_purposes, validator=_non_empty_purposes)
    sensitivity: Sensitivity | None = attrs.field(
        default=None,
        kw_only=True,
        validator=instance_of(Sensitivity, optional=True),
    )

    @property
    def withheld(self) -> bool:
        """Whether ``repr``, ``str`` and redacted exports hide the value (not public)."""
        return self.sensitivity is not Sensitivity.PUBLIC

    def permits(self, purpose: Purpose) -> bool:
        """Whether the value was collected for ``purpose``."""
        return purpose in self.purposes

    def reveal(
        self,
        purpose: Purpose,
        *,
        role: Role | None = None,
        policy: AccessPolicy | None = None,
        field: str = "value",
    ) -> T:
        """The value, for a caller that states its purpose (and optionally its role).

        Args:
            purpose: what the caller will use the value for.
            role: the caller's role; when given, ``policy`` must let the role act for
                ``purpose`` at this datum's sensitivity.
            policy: the access policy (default `DEFAULT_ACCESS_POLICY`).
            field: the field's name, for messages.

        Raises:
            PurposeNotPermitted: the value was not collected for ``purpose``.
            NotAuthorized: ``role`` may not read it for ``purpose``.
        """
        if not isinstance(purpose, Purpose):
            raise InvalidValue("purpose", _kind_of(purpose), "a Purpose member")
        if purpose not in self.purposes:
            raise PurposeNotPermitted(field, purpose, _sorted(self.purposes))
        if role is not None:
            (policy or DEFAULT_ACCESS_POLICY).check(
                role, purpose, self.sensitivity or Sensitivity.SENSITIVE, field
            )
        return self._value

    def _shown(self) -> str:
        return _withheld(self.sensitivity) if self.withheld else repr(self._value)

    def __repr__(self) -> str:
        """The value only if public; always the purposes."""
        purposes = ", ".join(p.value for p in _sorted(self.purposes))
        return f"Datum({self._shown()}, purposes=[{purposes}])"

    def __str__(self) -> str:
        """The value only if public, else a ``<withheld:...>`` marker."""
        return _withheld(self.sensitivity) if self.withheld else str(self._value)


def _sorted(purposes: Iterable[Purpose]) -> list[Purpose]:
    order = {p: i for i, p in enumerate(Purpose)}
    return sorted(purposes, key=order.__getitem__)


# --- the schema -----------------------------------------------------------------------------

_INFO: Final = "custrel.profile"


@attrs.frozen
class _FieldInfo:
    sensitivity: Sensitivity
    kind: type
    label: Bilingual


_KIND_TEXT: Final[Mapping[type, str]] = MappingProxyType(
    {
        str: "text (str)",
        int: "a whole number > 0 (int)",
        bool: "True or False",
        date: "a date (datetime.date, not a datetime)",
        Money: "custrel.money.Money",
        MaritalStatus: "a MaritalStatus member",
        CreditStatus: "a CreditStatus member",
    }
)


def _kind_ok(kind: type, value: object) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value > 0
    if kind is date:
        return type(value) is date
    return isinstance(value, kind)


def _check_datum(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    info: _FieldInfo = attribute.metadata[_INFO]
    path = f"{type(instance).group.value}.{attribute.name}"  # type: ignore[attr-defined]  # every group class has one
    allowed = f"None or a Datum holding {_KIND_TEXT[info.kind]}"
    # Never put the offending value in the message: it may be the personal data itself.
    if not isinstance(value, Datum):
        raise InvalidValue(
            path, _withheld(info.sensitivity), allowed, f"got {type(value).__name__}"
        )
    if not _kind_ok(info.kind, value._value):
        raise InvalidValue(
            path,
            _withheld(info.sensitivity),
            allowed,
            f"got a Datum holding {type(value._value).__name__}",
        )


def _f(sensitivity: Sensitivity, kind: type, en: str, zh: str) -> Any:  # noqa: ANN401 - stands in for the annotated Datum type, as attrs.field does
    return attrs.field(
        default=None,
        kw_only=True,
        validator=_check_datum,
        metadata={_INFO: _FieldInfo(sensitivity, kind, Bilingual(en, zh))},
    )


_PUB = Sensitivity.PUBLIC
_INT = Sensitivity.INTERNAL
_PER = Sensitivity.PERSONAL
_SEN = Sensitivity.SENSITIVE

GroupKey = Union[IndividualGroup, EnterpriseGroup]  # noqa: UP007 - runtime alias, valid on 3.10


@attrs.frozen(repr=False)
class _Group:
    """Shared behaviour of the profile groups: classification, redacted repr, iteration."""

    group: ClassVar[GroupKey]

    def __attrs_post_init__(self) -> None:
        # Stamp each datum with its field's sensitivity (or keep a higher one it carries).
        for attribute in attrs.fields(type(self)):
            datum = getattr(self, attribute.name)
            if datum is None:
                continue
            floor: Sensitivity = attribute.metadata[_INFO].sensitivity
            given = datum.sensitivity
            if given is None or not given.covers(floor):
                object.__setattr__(self, attribute.name, attrs.evolve(datum, sensitivity=floor))

    def items(self) -> Iterator[tuple[str, Datum[Any]]]:
        """The fields that hold data, as ``(name, datum)`` in schema order."""
        for attribute in attrs.fields(type(self)):
            datum = getattr(self, attribute.name)
            if datum is not None:
                yield attribute.name, datum

    def __repr__(self) -> str:
        """The fields that hold data; values only where public."""
        shown = ", ".join(f"{name}={datum._shown()}" for name, datum in self.items())
        return f"{type(self).__name__}({shown})"

    def __str__(self) -> str:
        """Same as ``repr``: never a withheld value."""
        return repr(self)


# Individuals (the CRM chapter §2, 个人客户的信息). Sensitivities are the library's decision:
# identity numbers, health, beliefs, income and data about third parties (spouse,
# children, relatives, friends) are SENSITIVE; other personal data is PERSONAL.


@attrs.frozen(repr=False)
class IndividualBasic(_Group):
    """Basic information (基本信息)."""

    group: ClassVar[GroupKey] = IndividualGroup.BASIC

    name: Datum[str] | None = _f(_PER, str, "name", "姓名")
    household_registration: Datum[str] | None = _f(_PER, str, "household registration", "户籍")
    native_place: Datum[str] | None = _f(_PER, str, "native place", "籍贯")
    blood_type: Datum[str] | None = _f(_SEN, str, "blood type", "血型")
    height_cm: Datum[int] | None = _f(_SEN, int, "height (cm)", "身高")
    weight_kg: Datum[int] | None = _f(_SEN, int, "weight (kg)", "体重")
    birth_date: Datum[date] | None = _f(_PER, date, "date of birth", "出生日期")
    character: Datum[str] | None = _f(_PER, str, "character traits", "性格特征")
    id_number: Datum[str] | None = _f(_SEN, str, "identity card number", "身份证号码")
    home_address: Datum[str] | None = _f(_PER, str, "home address", "家庭住址")
    phone: Datum[str] | None = _f(_PER, str, "telephone", "电话")
    fax: Datum[str] | None = _f(_PER, str, "fax", "传真")
    mobile: Datum[str] | None = _f(_PER, str, "mobile phone", "手机")
    email: Datum[str] | None = _f(_PER, str, "e-mail", "电子邮箱")
    employer: Datum[str] | None = _f(_PER, str, "employer", "所在单位的名称")
    job_title: Datum[str] | None = _f(_PER, str, "job title", "职务")
    work_address: Datum[str] | None = _f(_PER, str, "work address", "单位地址")
    work_phone: Datum[str] | None = _f(_PER, str, "work telephone", "单位电话")
    work_fax: Datum[str] | None = _f(_PER, str, "work fax", "单位传真")


@attrs.frozen(repr=False)
class Education(_Group):
    """Education (教育情况)."""

    group: ClassVar[GroupKey] = IndividualGroup.EDUCATION

    schools: Datum[str] | None = _f(
        _PER,
        str,
        "high school, university, graduate school and their dates",
        "高中、大学、研究生的起止时间",
    )
    highest_degree: Datum[str] | None = _f(_PER, str, "highest degree", "最高学历")
    major: Datum[str] | None = _f(_PER, str, "major", "所修专业")
    main_courses: Datum[str] | None = _f(_PER, str, "main courses", "主要课程")
    awards: Datum[str] | None = _f(_PER, str, "awards while studying", "在校期间所获奖励")
    societies: Datum[str] | None = _f(_PER, str, "student societies", "参加的社团")
    favourite_sport: Datum[str] | None = _f(_PER, str, "favourite sport", "最喜欢的运动项目")


@attrs.frozen(repr=False)
class Career(_Group):
    """Career (事业情况)."""

    group: ClassVar[GroupKey] = IndividualGroup.CAREER

    previous_employment: Datum[str] | None = _f(
        _PER, str, "previous employers, places and posts", "以往就业情况、单位名称、地点、职务"
    )
    previous_income: Datum[Money] | None = _f(_SEN, Money, "previous annual income", "以往年收入")
    current_position: Datum[str] | None = _f(_PER, str, "current position", "在目前单位的职务")
    current_income: Datum[Money] | None = _f(_SEN, Money, "current annual income", "目前年收入")
    attitude_to_employer: Datum[str] | None = _f(
        _SEN, str, "attitude to the current employer", "对目前单位的态度"
    )
    attitude_to_career: Datum[str] | None = _f(_PER, str, "attitude to career", "对事业的态度")
    long_term_goal: Datum[str] | None = _f(_PER, str, "long-term career goal", "长期事业目标")
    mid_term_goal: Datum[str] | None = _f(_PER, str, "mid-term career goal", "中期事业目标")
    proudest_achievement: Datum[str] | None = _f(
        _PER, str, "proudest personal achievement", "最得意的个人成就"
    )


@attrs.frozen(repr=False)
class Family(_Group):
    """Family (家庭情况)."""

    group: ClassVar[GroupKey] = IndividualGroup.FAMILY

    marital_status: Datum[MaritalStatus] | None = _f(
        _SEN, MaritalStatus, "marital status", "已婚或未婚"
    )
    wedding_anniversary: Datum[date] | None = _f(_PER, date, "wedding anniversary", "结婚纪念日")
    anniversary_customs: Datum[str] | None = _f(
        _PER, str, "how the anniversary is celebrated", "如何庆祝结婚纪念日"
    )
    spouse: Datum[str] | None = _f(
        _SEN,
        str,
        "spouse: name, birthday, blood type, education, interests",
        "配偶姓名、生日及血型、教育情况、兴趣专长及爱好",
    )
    has_children: Datum[bool] | None = _f(_PER, bool, "has children", "有无子女")
    children: Datum[str] | None = _f(
        _SEN, str, "children: names, ages, birthdays, schooling", "子女的姓名、年龄、生日、教育程度"
    )
    views_on_marriage: Datum[str] | None = _f(_SEN, str, "views on marriage", "对婚姻的看法")
    views_on_education: Datum[str] | None = _f(
        _PER, str, "views on children's education", "对子女教育的看法"
    )


@attrs.frozen(repr=False)
class Lifestyle(_Group):
    """Lifestyle (生活情况)."""

    group: ClassVar[GroupKey] = IndividualGroup.LIFESTYLE

    medical_history: Datum[str] | None = _f(_SEN, str, "medical history", "过去的医疗病史")
    health: Datum[str] | None = _f(_SEN, str, "current health", "目前的健康状况")
    drinking: Datum[str] | None = _f(
        _SEN, str, "drinking: kind, amount, views", "是否喝酒（种类、数量）、对喝酒的看法"
    )
    smoking: Datum[str] | None = _f(
        _SEN, str, "smoking: kind, amount, views", "是否吸烟（种类、数量）、对吸烟的看法"
    )
    dining: Datum[str] | None = _f(
        _PER, str, "favourite places to eat and dishes", "喜欢在何处用餐、喜欢吃什么菜"
    )
    attitude_to_life: Datum[str] | None = _f(
        _PER, str, "attitude to life, motto", "对生活的态度、座右铭"
    )
    leisure: Datum[str] | None = _f(_PER, str, "leisure and holiday habits", "休闲习惯、度假习惯")
    sports: Datum[str] | None = _f(_PER, str, "favourite sports", "喜欢哪种运动")
    topics: Datum[str] | None = _f(_PER, str, "favourite topics", "喜欢聊的话题")
    media: Datum[str] | None = _f(_PER, str, "favourite media", "最喜欢哪类媒体")
    life_goals: Datum[str] | None = _f(
        _PER, str, "mid- and long-term personal goals", "个人生活的中期目标、长期目标"
    )


@attrs.frozen(repr=False)
class Personality(_Group):
    """Personality (个性情况)."""

    group: ClassVar[GroupKey] = IndividualGroup.PERSONALITY

    clubs: Datum[str] | None = _f(
        _PER, str, "clubs and societies, past and present", "曾参加及目前所在的俱乐部或社团"
    )
    political_activity: Datum[str] | None = _f(
        _SEN, str, "interest in political activity", "是否热衷于政治活动"
    )
    religion: Datum[str] | None = _f(_SEN, str, "religious belief or attitude", "宗教信仰或态度")
    reading: Datum[str] | None = _f(_PER, str, "favourite kinds of books", "喜欢看哪些类型的书")
    taboos: Datum[str] | None = _f(_PER, str, "taboos", "忌讳哪些事")
    values: Datum[str] | None = _f(_PER, str, "what they value", "重视哪些事")
    openness: Datum[str] | None = _f(
        _PER, str, "stubborn, or open to others' views", "固执吗、重视别人的意见吗"
    )
    manner: Datum[str] | None = _f(_PER, str, "manner with people", "待人处事的风格")
    self_view: Datum[str] | None = _f(
        _PER, str, "own view of their personality", "自己认为自己的个性如何"
    )
    others_view: Datum[str] | None = _f(
        _PER,
        str,
        "family's, friends' and colleagues' view of their personality",
        "家人、朋友、同事认为他的个性如何",
    )


@attrs.frozen(repr=False)
class Relationships(_Group):
    """Relationships (人际情况)."""

    group: ClassVar[GroupKey] = IndividualGroup.RELATIONSHIPS

    relatives: Datum[str] | None = _f(
        _SEN, str, "relatives and how they get on", "亲戚情况、与亲戚相处的情况"
    )
    closest_relative: Datum[str] | None = _f(_SEN, str, "closest relative", "最要好的亲戚")
    friends: Datum[str] | None = _f(
        _SEN, str, "friends and how they get on", "朋友情况、与朋友相处的情况"
    )
    closest_friend: Datum[str] | None = _f(_SEN, str, "closest friend", "最要好的朋友")
    neighbours: Datum[str] | None = _f(
        _SEN, str, "neighbours and how they get on", "邻居情况、与邻居相处的情况"
    )
    closest_neighbour: Datum[str] | None = _f(_SEN, str, "closest neighbour", "最要好的邻居")
    views_on_relationships: Datum[str] | None = _f(
        _PER, str, "views on relationships", "对人际关系的看法"
    )


# Enterprises (the CRM chapter §2, 企业客户的信息). What the firm registers publicly is
# PUBLIC; the firm's own knowledge of the customer's business is INTERNAL; the
# principals are people, so their details are PERSONAL or SENSITIVE.


@attrs.frozen(repr=False)
class EnterpriseBasic(_Group):
    """Basic information (基本信息)."""

    group: ClassVar[GroupKey] = EnterpriseGroup.BASIC

    name: Datum[str] | None = _f(_PUB, str, "name", "企业的名称")
    address: Datum[str] | None = _f(_PUB, str, "address", "地址")
    phone: Datum[str] | None = _f(_PUB, str, "telephone", "电话")
    founded: Datum[date] | None = _f(_PUB, date, "founding date", "创立时间")
    organisation: Datum[str] | None = _f(_PUB, str, "form of organisation", "组织方式")
    industry: Datum[str] | None = _f(_PUB, str, "industry", "业种")
    assets: Datum[Money] | None = _f(_INT, Money, "assets", "资产")


@attrs.frozen(repr=False)
class EnterpriseCharacteristics(_Group):
    """Characteristics (客户特征)."""

    group: ClassVar[GroupKey] = EnterpriseGroup.CHARACTERISTICS

    size: Datum[str] | None = _f(_PUB, str, "size", "规模")
    service_area: Datum[str] | None = _f(_PUB, str, "service area", "服务区域")
    philosophy: Datum[str] | None = _f(_INT, str, "business philosophy", "经营观念")
    direction: Datum[str] | None = _f(_INT, str, "business direction", "经营方向")
    features: Datum[str] | None = _f(_INT, str, "business features", "经营特点")
    image: Datum[str] | None = _f(_PUB, str, "corporate image", "企业形象")
    reputation: Datum[str] | None = _f(_INT, str, "reputation", "声誉")


@attrs.frozen(repr=False)
class EnterpriseBusiness(_Group):
    """Business condition (业务状况)."""

    group: ClassVar[GroupKey] = EnterpriseGroup.BUSINESS

    sales_ability: Datum[str] | None = _f(_INT, str, "sales ability", "销售能力")
    sales_results: Datum[str] | None = _f(_INT, str, "sales results", "销售业绩")
    potential: Datum[str] | None = _f(_INT, str, "growth potential and strengths", "发展潜力与优势")
    problems: Datum[str] | None = _f(_INT, str, "current problems", "存在的问题")
    plans: Datum[str] | None = _f(_INT, str, "plans to address them", "未来的对策")


@attrs.frozen(repr=False)
class Trading(_Group):
    """Trading, including credit (交易状况)."""

    group: ClassVar[GroupKey] = EnterpriseGroup.TRADING

    terms: Datum[str] | None = _f(_INT, str, "terms of trade", "交易条件")
    credit_status: Datum[CreditStatus] | None = _f(_INT, CreditStatus, "credit status", "信用状况")
    credit_limit: Datum[Money] | None = _f(_INT, Money, "credit limit", "信用额度")
    credit_problems: Datum[str] | None = _f(
        _INT, str, "credit problems that have occurred", "出现过的信用问题"
    )
    relationship: Datum[str] | None = _f(_INT, str, "relationship with the firm", "与客户的关系")
    cooperation: Datum[str] | None = _f(_INT, str, "attitude to cooperation", "合作态度")


@attrs.frozen(repr=False)
class Principals(_Group):
    """Principals: owner, managers, legal representative (负责人信息)."""

    group: ClassVar[GroupKey] = EnterpriseGroup.PRINCIPALS

    owner: Datum[str] | None = _f(_PER, str, "owner", "所有者")
    managers: Datum[str] | None = _f(_PER, str, "managers", "经营管理者")
    legal_representative: Datum[str] | None = _f(
        _PUB, str, "legal representative (publicly registered)", "法人代表"
    )
    background: Datum[str] | None = _f(
        _PER, str, "principals' age, education, ability and qualities", "年龄、学历、能力、素质"
    )
    personality: Datum[str] | None = _f(
        _PER, str, "principals' personality, interests and hobbies", "个性、兴趣、爱好"
    )
    family: Datum[str] | None = _f(_SEN, str, "principals' family", "家庭")


# --- profiles -------------------------------------------------------------------------------


@attrs.frozen
class FieldSpec:
    """One field of a profile schema.

    Attributes:
        path: ``"group.field"``, as `IndividualProfile.reveal` takes it.
        group: the group it belongs to.
        name: the field's name within the group.
        kind: the Python type of its value.
        sensitivity: the field's sensitivity (a datum may only raise it).
        label: English and Chinese names.
    """

    path: str
    group: GroupKey
    name: str
    kind: type
    sensitivity: Sensitivity
    label: Bilingual


def _group_of(kind: type[_Group]) -> Any:  # noqa: ANN401 - stands in for the annotated group type
    return attrs.field(factory=kind, validator=instance_of(kind))


_P = TypeVar("_P", bound="_Profile")


@attrs.frozen(repr=False)
class _Profile:
    """What individual and enterprise profiles share: lookup, reveal, redaction."""

    _GROUPS: ClassVar[tuple[type[_Group], ...]]
    KIND: ClassVar[str]

    customer_id: str

    @classmethod
    def schema(cls) -> tuple[FieldSpec, ...]:
        """Every field of this kind of profile, in order."""
        return _SCHEMAS[cls]

    def _groups(self) -> Iterator[_Group]:
        for kind in self._GROUPS:
            yield getattr(self, kind.group.value)

    def _spec(self, path: str) -> FieldSpec:
        given: object = path  # callers outside mypy can pass anything
        spec = _SPECS[type(self)].get(path) if isinstance(given, str) else None
        if spec is None:
            raise InvalidValue(
                "path",
                path,
                f"a field of {type(self).__name__} as 'group.field', e.g. 'basic.name'",
            )
        return spec

    def datum(self, path: str) -> Datum[Any] | None:
        """The datum at ``path`` (``"group.field"``), or ``None``; its value stays hidden.

        Raises:
            InvalidValue: ``path`` is not a field of this profile.
        """
        spec = self._spec(path)
        found: Datum[Any] | None = getattr(getattr(self, spec.group.value), spec.name)
        return found

    def paths(self) -> tuple[str, ...]:
        """The paths of the fields that hold data, in schema order."""
        return tuple(
            f"{group.group.value}.{name}" for group in self._groups() for name, _ in group.items()
        )

    def paths_for(
        self, purpose: Purpose, *, role: Role | None = None, policy: AccessPolicy | None = None
    ) -> tuple[str, ...]:
        """The paths whose values `reveal` would give for ``purpose`` (and ``role``)."""
        policy = policy or DEFAULT_ACCESS_POLICY
        result = []
        for group in self._groups():
            for name, datum in group.items():
                if datum.permits(purpose) and (
                    role is None
                    or policy.allows(role, purpose, datum.sensitivity or Sensitivity.SENSITIVE)
                ):
                    result.append(f"{group.group.value}.{name}")
        return tuple(result)

    def reveal(
        self,
        path: str,
        purpose: Purpose,
        *,
        role: Role | None = None,
        policy: AccessPolicy | None = None,
    ) -> object:
        """The value at ``path`` for a caller that states its purpose (and optionally role).

        Each call is logged (logger ``custrel.profile``) with the path, purpose and
        role, never the value: granted at INFO, refused at WARNING. An empty field
        gives ``None`` once the role check passes.

        Raises:
            InvalidValue: ``path`` is not a field of this profile.
            PurposeNotPermitted: the value was not collected for ``purpose``.
            NotAuthorized: ``role`` may not read the field for ``purpose``.
        """
        spec = self._spec(path)
        if not isinstance(purpose, Purpose):
            raise InvalidValue("purpose", _kind_of(purpose), "a Purpose member")
        datum = self.datum(path)
        role_text = role.value if isinstance(role, Role) else None
        try:
            if datum is None:
                if role is not None:
                    (policy or DEFAULT_ACCESS_POLICY).check(role, purpose, spec.sensitivity, path)
                return None
            value = datum.reveal(purpose, role=role, policy=policy, field=path)
        except (PurposeNotPermitted, NotAuthorized) as error:
            _log.warning(
                "refused %s of customer %s for purpose %s (role %s): %s",
                path,
                self.customer_id,
                getattr(purpose, "value", purpose),
                role_text,
                type(error).__name__,
            )
            raise
        _log.info(
            "revealed %s of customer %s for purpose %s (role %s)",
            path,
            self.customer_id,
            purpose.value,
            role_text,
        )
        return value

    def with_datum(self: _P, path: str, datum: Datum[Any] | None) -> _P:
        """A copy with ``datum`` at ``path`` (``None`` erases the field).

        Raises:
            InvalidValue: unknown path, or a datum of the wrong kind.
        """
        spec = self._spec(path)
        group = getattr(self, spec.group.value)
        changed = attrs.evolve(group, **{spec.name: datum})
        return attrs.evolve(self, **{spec.group.value: changed})

    def redacted(self) -> dict[str, object]:
        """The explicit redacted export: structure, sensitivity, purposes; values only if public.

        Fields without data are left out. A withheld field has ``"withheld": true`` and
        no ``"value"``.
        """
        groups: dict[str, object] = {}
        for group in self._groups():
            fields: dict[str, object] = {}
            for name, datum in group.items():
                entry: dict[str, object] = {
                    "sensitivity": (datum.sensitivity or Sensitivity.SENSITIVE).value,
                    "purposes": [p.value for p in _sorted(datum.purposes)],
                }
                if datum.withheld:
                    entry["withheld"] = True
                else:
                    entry["value"] = _full_converter.unstructure(datum._value)
                fields[name] = entry
            if fields:
                groups[group.group.value] = fields
        return {"kind": self.KIND, "customer_id": self.customer_id, "groups": groups}

    def redacted_json(self, *, indent: int | None = None) -> str:
        """`redacted` as JSON text."""
        return json.dumps(self.redacted(), ensure_ascii=False, indent=indent)

    def __repr__(self) -> str:
        """The customer id and the groups that hold data; values only where public."""
        shown = "".join(f", {g.group.value}={g!r}" for g in self._groups() if any(g.items()))
        return f"{type(self).__name__}(customer_id={self.customer_id!r}{shown})"

    def __str__(self) -> str:
        """Same as ``repr``: never a withheld value."""
        return repr(self)


@attrs.frozen(repr=False)
class IndividualProfile(_Profile):
    """What the firm knows about an individual customer, in the text's seven groups.

    Example:
        >>> p = IndividualProfile(
        ...     "c1",
        ...     basic=IndividualBasic(
        ...         name=Datum("王芳", {Purpose.SERVICE, Purpose.RELATIONSHIP_CARE}),
        ...         id_number=Datum("110101199003071234", {Purpose.IDENTITY_VERIFICATION}),
        ...     ),
        ... )
        >>> print(p.basic)
        IndividualBasic(name=<withheld:personal>, id_number=<withheld:sensitive>)
        >>> p.reveal("basic.name", Purpose.RELATIONSHIP_CARE, role=Role.SALES)
        '王芳'
        >>> p.reveal("basic.id_number", Purpose.IDENTITY_VERIFICATION, role=Role.SALES)
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        custrel.errors.NotAuthorized: ... required: a role that acts for identity_verification: ...
    """

    _GROUPS: ClassVar[tuple[type[_Group], ...]] = (
        IndividualBasic,
        Education,
        Career,
        Family,
        Lifestyle,
        Personality,
        Relationships,
    )
    KIND: ClassVar[str] = "individual"

    customer_id: str = attrs.field(validator=customer_id)
    basic: IndividualBasic = _group_of(IndividualBasic)
    education: Education = _group_of(Education)
    career: Career = _group_of(Career)
    family: Family = _group_of(Family)
    lifestyle: Lifestyle = _group_of(Lifestyle)
    personality: Personality = _group_of(Personality)
    relationships: Relationships = _group_of(Relationships)


@attrs.frozen(repr=False)
class EnterpriseProfile(_Profile):
    """What the firm knows about an enterprise customer, in the text's five groups.

    Example:
        >>> from datetime import date
        >>> p = EnterpriseProfile(
        ...     "e1",
        ...     basic=EnterpriseBasic(
        ...         name=Datum("华东五金有限公司", {Purpose.SERVICE}),
        ...         founded=Datum(date(2003, 5, 1), {Purpose.CREDIT_ASSESSMENT}),
        ...     ),
        ...     trading=Trading(
        ...         credit_status=Datum(CreditStatus.GOOD, {Purpose.CREDIT_ASSESSMENT})
        ...     ),
        ... )
        >>> print(p.basic)
        EnterpriseBasic(name='华东五金有限公司', founded=datetime.date(2003, 5, 1))
        >>> print(p.trading)
        Trading(credit_status=<withheld:internal>)
    """

    _GROUPS: ClassVar[tuple[type[_Group], ...]] = (
        EnterpriseBasic,
        EnterpriseCharacteristics,
        EnterpriseBusiness,
        Trading,
        Principals,
    )
    KIND: ClassVar[str] = "enterprise"

    customer_id: str = attrs.field(validator=customer_id)
    basic: EnterpriseBasic = _group_of(EnterpriseBasic)
    characteristics: EnterpriseCharacteristics = _group_of(EnterpriseCharacteristics)
    business: EnterpriseBusiness = _group_of(EnterpriseBusiness)
    trading: Trading = _group_of(Trading)
    principals: Principals = _group_of(Principals)


#: Either kind of profile.
Profile = Union[IndividualProfile, EnterpriseProfile]  # noqa: UP007 - runtime alias

_PROFILE_TYPES: Final = (IndividualProfile, EnterpriseProfile)


def _build_schema(profile_type: type[_Profile]) -> tuple[FieldSpec, ...]:
    specs = []
    for group_type in profile_type._GROUPS:
        for attribute in attrs.fields(group_type):
            info: _FieldInfo = attribute.metadata[_INFO]
            specs.append(
                FieldSpec(
                    f"{group_type.group.value}.{attribute.name}",
                    group_type.group,
                    attribute.name,
                    info.kind,
                    info.sensitivity,
                    info.label,
                )
            )
    return tuple(specs)


_SCHEMAS: Final[Mapping[type[_Profile], tuple[FieldSpec, ...]]] = MappingProxyType(
    {t: _build_schema(t) for t in _PROFILE_TYPES}
)
_SPECS: Final[Mapping[type[_Profile], Mapping[str, FieldSpec]]] = MappingProxyType(
    {t: MappingProxyType({s.path: s for s in specs}) for t, specs in _SCHEMAS.items()}
)


def schema(
    profile_type: type[IndividualProfile] | type[EnterpriseProfile],
) -> tuple[FieldSpec, ...]:
    """Every field of ``profile_type``: path, group, kind, sensitivity and labels.

    Example:
        >>> trading = [s for s in schema(EnterpriseProfile) if s.group is EnterpriseGroup.TRADING]
        >>> trading[1].path, trading[1].kind.__name__, trading[1].sensitivity.value
        ('trading.credit_status', 'CreditStatus', 'internal')
    """
    if profile_type not in _SCHEMAS:
        raise InvalidValue("profile_type", profile_type, "IndividualProfile or EnterpriseProfile")
    return _SCHEMAS[profile_type]


# --- JSON -------------------------------------------------------------------------------------

# The full converter starts from the shared one (dates, Decimal, enums) and learns the
# datum; the shared converter is then told to refuse profiles, so that the generic
# custrel.serialization.to_json can never write personal data by accident.
_full_converter: cattrs.Converter = _shared_converter.copy()

_DATUM_KEYS: Final = frozenset({"value", "purposes", "sensitivity"})


def _is_datum(type_: object) -> bool:
    return type_ is Datum or get_origin(type_) is Datum


def _unstructure_datum(datum: Datum[Any]) -> dict[str, object]:
    return {
        "value": _full_converter.unstructure(datum._value),
        "purposes": [p.value for p in _sorted(datum.purposes)],
        "sensitivity": None if datum.sensitivity is None else datum.sensitivity.value,
    }


def _load_date(raw: object) -> tuple[object, str | None]:
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw), None
        except ValueError:
            pass
    return None, "not an ISO date (YYYY-MM-DD)"


def _load_money(raw: object) -> tuple[object, str | None]:
    if isinstance(raw, dict) and set(raw) == {"amount", "currency"}:
        try:
            return _full_converter.structure(raw, Money), None
        except (CustrelError, cattrs.BaseValidationError):
            pass
    return None, "not an amount with an ISO 4217 currency"


def _load_value(kind: type, raw: object) -> object:
    # Strict: no coercion (cattrs would turn 5 into "5"); errors never show the value.
    value: object = None
    problem: str | None = f"got {type(raw).__name__}"
    if kind in (str, bool, int):
        if type(raw) is kind:
            value, problem = raw, None
    elif kind is date:
        value, problem = _load_date(raw)
    elif kind is Money:
        value, problem = _load_money(raw)
    elif issubclass(kind, Labelled):
        problem = f"not one of {', '.join(m.value for m in kind)}"
        for member in kind:
            if member.value == raw:
                value, problem = member, None
    if problem is not None:
        raise InvalidValue("value", "<withheld>", _KIND_TEXT[kind], problem)
    return value


_L = TypeVar("_L", bound=Labelled)


def _member(kind: type[_L], field: str, raw: object) -> _L:
    # Labelled.from_value would quote the raw text, which in tampered JSON may be personal data.
    for member in kind:
        if member.value == raw:
            return member
    allowed = ", ".join(m.value for m in kind)
    raise InvalidValue(field, _kind_of(raw), f"one of {allowed}")


def _structure_datum_factory(type_: Any) -> Any:  # noqa: ANN401 - cattrs hook-factory protocol
    (kind,) = get_args(type_) or (object,)

    def structure(data: object, _: object) -> Datum[Any]:
        if not isinstance(data, dict) or not {"value", "purposes"} <= data.keys():
            raise InvalidValue(
                "datum", "<withheld>", "an object with value, purposes and sensitivity"
            )
        extra = set(data) - _DATUM_KEYS
        if extra:
            raise InvalidValue("datum", sorted(extra), "only the keys value, purposes, sensitivity")
        purposes_raw = data["purposes"]
        if not isinstance(purposes_raw, list):
            raise InvalidValue("purposes", _kind_of(purposes_raw), "a list of purposes")
        purposes = [_member(Purpose, "purposes", p) for p in purposes_raw]
        sensitivity_raw = data.get("sensitivity")
        sensitivity = (
            None
            if sensitivity_raw is None
            else _member(Sensitivity, "sensitivity", sensitivity_raw)
        )
        return Datum(_load_value(kind, data["value"]), purposes, sensitivity=sensitivity)

    return structure


def _structure_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise InvalidValue("text", type(value).__name__, "a JSON string")
    return value


_full_converter.register_structure_hook(str, _structure_str)
_full_converter.register_unstructure_hook_func(_is_datum, _unstructure_datum)
for _group_type in (*IndividualProfile._GROUPS, *EnterpriseProfile._GROUPS):
    # Empty fields are left out of the JSON; they read back as their default, None.
    _full_converter.register_unstructure_hook(
        _group_type,
        make_dict_unstructure_fn(_group_type, _full_converter, _cattrs_omit_if_default=True),
    )
_full_converter.register_structure_hook_factory(_is_datum, _structure_datum_factory)


def _refuse_unstructure(value: object) -> object:
    raise NotAuthorized(
        "custrel.serialization",
        f"export {type(value).__name__} values with the generic converter",
        "custrel.profile.export_json(profile, role=<a custodian role>), or profile.redacted()",
    )


def _refuse_structure(_data: object, type_: object) -> object:
    raise NotAuthorized(
        "custrel.serialization",
        f"read {getattr(type_, '__name__', type_)} values with the generic converter",
        "custrel.profile.import_json, whose errors never echo personal data",
    )


def _is_guarded(type_: object) -> bool:
    return type_ in _PROFILE_TYPES or _is_datum(type_)


_shared_converter.register_unstructure_hook_func(_is_guarded, _refuse_unstructure)
_shared_converter.register_structure_hook_func(_is_guarded, _refuse_structure)

P = TypeVar("P", IndividualProfile, EnterpriseProfile)


def export_json(
    profile: IndividualProfile | EnterpriseProfile,
    *,
    role: Role,
    policy: AccessPolicy | None = None,
    indent: int | None = None,
) -> str:
    """The whole profile as JSON, values included, for a custodian role (保管).

    `import_json` reads it back equal. The export is logged (without values).

    Raises:
        NotAuthorized: ``role`` is not one of ``policy.custodians``.
    """
    if not isinstance(profile, _PROFILE_TYPES):
        raise InvalidValue(
            "profile", type(profile).__name__, "an IndividualProfile or EnterpriseProfile"
        )
    (policy or DEFAULT_ACCESS_POLICY).check_custodian(role, f"export profile {profile.customer_id}")
    _log.info("exported profile of customer %s (role %s)", profile.customer_id, role.value)
    return json.dumps(_full_converter.unstructure(profile), ensure_ascii=False, indent=indent)


def import_json(text: str | bytes, profile_type: type[P]) -> P:
    """Read a profile back from `export_json` output.

    Raises:
        InvalidValue: malformed JSON, or JSON without the profile's shape; the message
            gives every problem with its path and never the offending personal data.
    """
    if profile_type not in _PROFILE_TYPES:
        raise InvalidValue("profile_type", profile_type, "IndividualProfile or EnterpriseProfile")
    try:
        data = parse_json(text)
    except InvalidValue as error:
        # The shared checks quote the start of a malformed text; here it is personal data.
        raise InvalidValue("json", "<withheld>", error.allowed, error.problem) from None
    if not isinstance(data, dict):
        raise InvalidValue(
            "json", "<withheld>", f"a JSON object for {profile_type.__name__}", "not an object"
        )
    try:
        result: P = _full_converter.structure(data, profile_type)
    except cattrs.BaseValidationError as error:
        problems = "; ".join(cattrs.transform_error(error, format_exception=_describe))
        raise InvalidValue(
            "json", "<withheld>", f"a JSON form of {profile_type.__name__}", problems
        ) from None
    except CustrelError as error:
        raise InvalidValue(
            "json", "<withheld>", f"a JSON form of {profile_type.__name__}", str(error)
        ) from None
    return result


def _describe(error: BaseException, _type: type | None) -> str:
    # custrel's own messages already withhold values; for anything else, name the kind
    # of problem only (cattrs' wording can quote the offending input).
    if isinstance(error, CustrelError):
        return str(error)
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return f"unexpected keys {sorted(error.extra_fields)}"
    if isinstance(error, KeyError):
        return "required field missing"
    return f"invalid value ({type(error).__name__})"
