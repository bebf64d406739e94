"""The acquisition catalogues: prospecting methods, routes, contacts, meeting rules, incentives.

Data, apart from the planning code in `custrel.acquisition`: the CRM chapter §1 (寻找客户)
names thirteen prospecting methods; *Dating customers* (企业如何与客户进行“约会”) names four routes
to new customers, nine contact types, nine rules for the first meeting and the
incentives that bring a customer back. Each is a typed, bilingual catalogue keyed by
its enum, in the text's order, each entry with its pros and cons; every pro or con
says whether the text states it (`Provenance.SEED`) or it is a practitioner's
note added where the text is silent (`Provenance.PRACTICE`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, Generic, TypeVar

import attrs

from custrel._labels import Bilingual, Labelled

__all__ = [
    "CONTACT_TYPES",
    "FIRST_MEETING_RULES",
    "PROSPECTING_METHODS",
    "REPEAT_VISIT_INCENTIVES",
    "ROUTES",
    "AcquisitionRoute",
    "CatalogueEntry",
    "ContactType",
    "MeetingRule",
    "Point",
    "ProspectingMethod",
    "Provenance",
    "RepeatVisitIncentive",
]


# --- the catalogues' keys ---------------------------------------------------------------


class ProspectingMethod(Labelled):
    """The thirteen ways to find customers (the CRM chapter §1, 寻找客户)."""

    DOOR_TO_DOOR = ("door_to_door", "door-to-door visits", "逐户访问")
    MEETINGS = ("meetings", "meetings and fairs", "会议寻找法")
    CLUBS = ("clubs", "clubs", "俱乐部")
    RELATIVES_AND_FRIENDS = ("relatives_and_friends", "relatives and friends", "在亲朋故旧中寻找")
    RECORDS = ("records", "directories and records", "资料查询")
    CONSULTING = ("consulting", "paid information services", "咨询寻找法")
    BIRD_DOG = ("bird_dog", "bird dogs (helpers who pass on leads)", "“猎犬”法（委托助手法）")
    REFERRAL = ("referral", "referrals by existing customers", "介绍法")
    CENTRE_OF_INFLUENCE = ("centre_of_influence", "centres of influence", "“中心开花”法")
    TELEPHONE = ("telephone", "telephone", "电话寻找法")
    LETTERS = ("letters", "letters and mail", "信函寻找法")
    INTERNET = ("internet", "the internet", "网络寻找法")
    COMPETITORS_CUSTOMERS = (
        "competitors_customers",
        "winning a competitor's customers",
        "抢夺对手的客户",
    )

    @property
    def entry(self) -> CatalogueEntry[ProspectingMethod]:
        """The catalogue entry: what the method is, its pros and cons."""
        return PROSPECTING_METHODS[self]


class AcquisitionRoute(Labelled):
    """The four routes from potential to actual customers (*Dating customers*, 潜在客户“变现”)."""

    OLD_BRING_NEW = ("old_bring_new", "old customers bring new ones", "以旧带新")
    SPEED_CONVERSION = (
        "speed_conversion",
        "speed conversion (education, trial, incentives)",
        "加速潜在客户的转化",
    )
    TAKE_COMPETITORS_CUSTOMERS = (
        "take_competitors_customers",
        "take competitors' customers",
        "挖竞争对手的“墙角”",
    )
    OPEN_NEW_MARKETS = ("open_new_markets", "open new markets", "开辟新的市场领域")

    @property
    def entry(self) -> CatalogueEntry[AcquisitionRoute]:
        """The catalogue entry: what the route is, its pros and cons."""
        return ROUTES[self]


class ContactType(Labelled):
    """The nine ways to create a contact — a "date" — with a customer (*Dating customers*, 接触)."""

    ADVERTISING = ("advertising", "advertising", "广告接触")
    PUBLIC_RELATIONS = ("public_relations", "public relations", "公关接触")
    PERSONAL = ("personal", "personal contact", "人员接触")
    MEETING = ("meeting", "meetings", "会议接触")
    DELEGATED = ("delegated", "delegated (outsourced)", "委托接触")
    MEDIA = ("media", "media (letters, e-mail, fax)", "介质接触")
    ALLIANCE = ("alliance", "alliance", "联盟接触")
    RANDOM = ("random", "random (intercepts, call-backs)", "随机接触")
    ENVIRONMENT = ("environment", "environment (store, packaging)", "环境接触")

    @property
    def entry(self) -> CatalogueEntry[ContactType]:
        """The catalogue entry: what the contact type is, its pros and cons."""
        return CONTACT_TYPES[self]


class MeetingRule(Labelled):
    """The nine rules of the first meeting (*Dating customers*, 初次“约会”的“游戏规则”)."""

    ON_TIME = ("on_time", "be on time", "守时")
    KEEP_PROMISES = ("keep_promises", "keep promises", "守诺")
    HONEST = ("honest", "be honest", "诚实")
    SINCERE = ("sincere", "be sincere", "诚恳")
    PROACTIVE = ("proactive", "be proactive", "主动")
    WARM = ("warm", "be warm", "热情")
    THOROUGH = ("thorough", "be thorough", "周到")
    TO_STANDARD = ("to_standard", "serve to standard", "标准")
    SURPRISE = ("surprise", "give a surprise", "惊喜")

    @property
    def entry(self) -> CatalogueEntry[MeetingRule]:
        """The catalogue entry: what keeping the rule means."""
        return FIRST_MEETING_RULES[self]


class RepeatVisitIncentive(Labelled):
    """Incentives that bring a first-time customer back (*Dating customers*, 回头客)."""

    COUPON = ("coupon", "coupons", "代金券")
    DISCOUNT_CARD = ("discount_card", "discount cards", "打折卡")
    MEMBERSHIP_POINTS = ("membership_points", "membership and points", "会员制与消费积分")

    @property
    def entry(self) -> CatalogueEntry[RepeatVisitIncentive]:
        """The catalogue entry: what the incentive is, its pros and cons."""
        return REPEAT_VISIT_INCENTIVES[self]


class Provenance(Labelled):
    """Where a pro or con comes from: the source text, or practice where the text is silent."""

    SEED = ("seed", "stated in the source text", "原文所述")
    PRACTICE = ("practice", "practitioner's note (the text is silent)", "实践补充（原文未述）")


# --- catalogue values ---------------------------------------------------------------------


@attrs.frozen
class Point:
    """One pro or con, in both languages, with where it comes from."""

    text: Bilingual
    source: Provenance = Provenance.SEED

    def __str__(self) -> str:
        """The English text."""
        return self.text.en


K = TypeVar("K", bound=Labelled)


@attrs.frozen
class CatalogueEntry(Generic[K]):
    """A catalogue entry: the key (with its labels), what it means, its pros and cons.

    Attributes:
        key: the enum member this entry describes.
        description: what it is, after the text.
        pros: its advantages.
        cons: its drawbacks and prerequisites.
    """

    key: K
    description: Bilingual
    pros: tuple[Point, ...] = ()
    cons: tuple[Point, ...] = ()

    @property
    def name(self) -> str:
        """The key's labels, as ``"English (中文)"``."""
        return self.key.bilingual


def _seed(en: str, zh: str) -> Point:
    return Point(Bilingual(en, zh), Provenance.SEED)


def _practice(en: str, zh: str) -> Point:
    return Point(Bilingual(en, zh), Provenance.PRACTICE)


def _catalogue(
    entries: Iterable[CatalogueEntry[K]], keys: type[K]
) -> Mapping[K, CatalogueEntry[K]]:
    by_key = {entry.key: entry for entry in entries}
    missing = [k for k in keys if k not in by_key]
    assert not missing, f"catalogue of {keys.__name__} lacks {missing}"  # a defect, at import
    return MappingProxyType({k: by_key[k] for k in keys})


_PM = ProspectingMethod

#: The thirteen prospecting methods with their pros and cons (the CRM chapter §1, 寻找客户).
PROSPECTING_METHODS: Final[Mapping[ProspectingMethod, CatalogueEntry[ProspectingMethod]]] = (
    _catalogue(
        [
            CatalogueEntry(
                _PM.DOOR_TO_DOOR,
                Bilingual(
                    "Visit every household or unit in the area where the target customers are, "
                    "then persuade them (the 'carpet' method).",
                    "又称地毯式寻找法：在目标客户群的活动区域内挨家挨户访问，然后进行说服。",
                ),
                pros=(
                    _seed(
                        "customers won grow in proportion to the people visited",
                        "成功开发客户的数量与走访的人数成正比",
                    ),
                ),
                cons=(
                    _seed(
                        "more customers need ever more visits: labour-intensive",
                        "要想获得更多的客户，就得访问更多数量的人",
                    ),
                    _practice("unannounced visits can be unwelcome", "不速之客容易引起反感"),
                ),
            ),
            CatalogueEntry(
                _PM.MEETINGS,
                Bilingual(
                    "Meet target customers at the order fairs, purchasing meetings, trade "
                    "fairs and exhibitions they attend.",
                    "到目标客户出席的订货会、采购会、交易会、展览会和博览会中捕捉机会建立联系。",
                ),
                pros=(
                    _seed(
                        "many target customers gathered in one place (e.g. a national book fair)",
                        "目标客户集中（如全国书市聚集各地书店、图书馆）",
                    ),
                ),
                cons=(
                    _seed(
                        "without tact it easily annoys the people approached",
                        "不注意技巧时容易引起对方的反感",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.CLUBS,
                Bilingual(
                    "Join the social circle and venues of the target customers "
                    "(the insurance seller who joined a golf club).",
                    "进入目标客户的社交圈子和活动场所（如保险推销员加入高尔夫球俱乐部）。",
                ),
                pros=(
                    _seed(
                        "inside their circle, development is easier and the odds better",
                        "进入社交圈子后开发工作容易进行，胜算也大",
                    ),
                ),
                cons=(
                    _seed(
                        "membership costs effort and money before any sale",
                        "需要用心，也要花不少钱",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.RELATIVES_AND_FRIENDS,
                Bilingual(
                    "List relatives, friends, classmates, fellow townsmen and colleagues, "
                    "then visit them one by one.",
                    "将接触过的亲戚、朋友（同学、同乡、同事）列出清单，一一拜访。",
                ),
                pros=(
                    _seed(
                        "everyone has a network to build on",
                        "每个人都有一个关系网，可以依靠关系网进行客户开发",
                    ),
                    _practice("trust already exists", "已有信任基础"),
                ),
                cons=(
                    _practice("the network is small and soon used up", "关系网有限，很快用尽"),
                    _practice(
                        "a bad deal strains personal relationships", "交易不顺会伤及私人关系"
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.RECORDS,
                Bilingual(
                    "Search records: telephone directories, membership rosters, licensing "
                    "bodies, tax rolls, and newspaper notices of new firms and projects.",
                    "查询电话号码簿、团体会员名册、证照核发机构、税收名册及报刊登载的新公司、"
                    "新商店、新工程信息。",
                ),
                pros=(
                    _seed(
                        "tax rolls find people of a given means, for high-end goods",
                        "税收名册有助于确定一定财力范围的人员，营销汽车、楼房等高档品",
                    ),
                    _seed(
                        "new firms, shops and projects need many products",
                        "新公司、新商店、新工程往往需要多种产品",
                    ),
                ),
                cons=(
                    _practice("records go out of date", "资料可能过时"),
                    _practice(
                        "personal records may only be used as the law and their source allow, "
                        "and only for the purpose they were given for",
                        "个人资料只能在法律和来源许可的范围内、按提供时的用途使用",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.CONSULTING,
                Bilingual(
                    "Buy prospect information from an information-service agency.",
                    "利用信息服务机构提供的有偿咨询服务来寻找目标客户。",
                ),
                pros=(_seed("convenient and quick; saves time", "方便快捷，节省时间"),),
                cons=(
                    _seed(
                        "the agency's reliability is hard to judge",
                        "咨询机构的可靠性很难判断",
                    ),
                    _seed("costly: agencies charge for it", "成本比较高，一般咨询机构都是有偿服务"),
                ),
            ),
            CatalogueEntry(
                _PM.BIRD_DOG,
                Bilingual(
                    "Engage helpers connected with the target customers, working in trades "
                    "that use or relate to the product, to find prospects.",
                    "委托与目标客户有联系、从事相关行业的人士协助寻找目标客户。",
                ),
                pros=(
                    _seed(
                        "helpers in related trades catch useful information and widen the network",
                        "有利于捕捉有效信息，扩大信息情报网",
                    ),
                    _seed(
                        "as an impartial third party they may persuade better",
                        "以第三者的公正形象出现，说服能力可能更强",
                    ),
                ),
                cons=(
                    _practice(
                        "helpers must be paid and managed; quality varies with them",
                        "助手需要报酬和管理，效果因人而异",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.REFERRAL,
                Bilingual(
                    "Existing customers, and business partners up and down the chain, "
                    "introduce people likely to buy (the 'endless chain').",
                    "通过老客户以及上下家商业伙伴的介绍寻找可能购买的客户，又称无限寻找法。",
                ),
                pros=(
                    _seed(
                        "people in one circle share needs; persuasion is more likely",
                        "同一社交圈内的人可能有共同需求，说服的可能性较大",
                    ),
                    _seed(
                        "partners in the same value chain help each other",
                        "处在同一利益链中的伙伴会互相照顾、互相捧场",
                    ),
                ),
                cons=(
                    _seed(
                        "works only once existing customers trust the firm",
                        "前提是取得现有客户的信任",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.CENTRE_OF_INFLUENCE,
                Bilingual(
                    "Win an influential person or organisation in the target group, and "
                    "through them the rest of the group.",
                    "在目标客户群中选择有影响的人物或组织，使其成为客户，借助其影响转化群内其他对象。",
                ),
                pros=(
                    _seed(
                        "their buying sets an example that followers copy",
                        "其购买与消费行为有示范作用，引发甚至左右崇拜者的购买行为",
                    ),
                ),
                cons=(
                    _practice(
                        "such figures are hard and costly to win",
                        "有影响的人物或组织难以争取，成本高",
                    ),
                    _practice(
                        "their fall from favour hurts the firm too",
                        "其声誉受损会连累企业",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.TELEPHONE,
                Bilingual(
                    "Telephone target customers; at five calls to new customers a day, a "
                    "year gives about 1,500 contacts with prospects.",
                    "以打电话的形式寻找客户；每天至少打5个电话给新客户，1年下来就是1500个接触机会。",
                ),
                pros=(
                    _seed(
                        "overcomes limits of time and space",
                        "最能突破时间与空间的限制",
                    ),
                    _seed(
                        "one of the most economical and effective contact tools",
                        "最经济、有效的接触工具之一",
                    ),
                ),
                cons=(
                    _seed("pays off only if kept up every day", "贵在坚持"),
                    _practice("cold calls are easily refused", "陌生电话容易被拒绝"),
                ),
            ),
            CatalogueEntry(
                _PM.LETTERS,
                Bilingual(
                    "Mail catalogues, leaflets and inserts with ordering details, "
                    "possibly with samples to try.",
                    "向目标客户邮寄产品目录、宣传单、插页，介绍订购和联系方式，可附带试用品。",
                ),
                pros=(
                    _seed(
                        "can carry samples for prospects to try",
                        "可以邮寄试用品，供潜在客户试用",
                    ),
                ),
                cons=(
                    _seed(
                        "accuracy and response rate are relatively poor (as for media contacts)",
                        "准确性、反馈率相对较差（与介质接触相同）",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.INTERNET,
                Bilingual(
                    "Find customers online: specialist and business sites, chat rooms, and "
                    "the firm's own web pages that invite prospects to get in touch.",
                    "借助互联网寻找客户：专业网站、商务网站、聊天室，以及自建网页吸引潜在客户主动联系。",
                ),
                pros=(
                    _seed(
                        "more people online every day: broad prospects",
                        "上网人数日渐增多，前景广阔",
                    ),
                    _seed(
                        "own web pages let prospects approach the firm themselves",
                        "自建网页可吸引和方便潜在客户主动联系",
                    ),
                ),
                cons=(
                    _practice(
                        "many contacts are unqualified; trust is low",
                        "线索良莠不齐，信任度低",
                    ),
                ),
            ),
            CatalogueEntry(
                _PM.COMPETITORS_CUSTOMERS,
                Bilingual(
                    "Take target customers from competitors with innovative products, free "
                    "training or better prices.",
                    "运用创新的产品、免费的培训和优惠的价格等竞争手段，从竞争对手手中抢夺目标客户。",
                ),
                pros=(
                    _seed(
                        "works best when the rival plainly fails the customer's needs",
                        "当对手的产品、服务明显不能满足目标客户的需求时，此法最适合",
                    ),
                ),
                cons=(
                    _practice(
                        "competitors retaliate; customers won on price may leave on price",
                        "对手会反击；靠价格争来的客户也会因价格离开",
                    ),
                ),
            ),
        ],
        ProspectingMethod,
    )
)

_R = AcquisitionRoute

#: The four routes to new customers (*Dating customers*).
ROUTES: Final[Mapping[AcquisitionRoute, CatalogueEntry[AcquisitionRoute]]] = _catalogue(
    [
        CatalogueEntry(
            _R.OLD_BRING_NEW,
            Bilingual(
                "Existing customers bring new ones, like matchmakers.",
                "通过现实客户带来新客户，老客户就如“媒婆”。",
            ),
            pros=(
                _seed(
                    "satisfied customers refer others (AMA: 100 satisfied customers bring 25; "
                    "see custrel.retention)",
                    "满意客户会带来新客户（AMA：100个满意客户会带来25个客户）",
                ),
            ),
            cons=(
                _seed(
                    "needs a body of loyal customers first",
                    "只有拥有一定数量忠诚客户群时才会出现",
                ),
            ),
        ),
        CatalogueEntry(
            _R.SPEED_CONVERSION,
            Bilingual(
                "Speed prospects to purchase with market education, service trials and "
                "transaction incentives.",
                "通过市场教育、服务体验、交易激励等措施加速潜在客户的转化。",
            ),
            pros=(
                _seed(
                    "turns existing interest into purchase",
                    "让潜在客户完成“身份”的转变",
                ),
            ),
            cons=(
                _practice(
                    "education and incentives cost money before any sale",
                    "教育和激励在成交前就要投入",
                ),
            ),
        ),
        CatalogueEntry(
            _R.TAKE_COMPETITORS_CUSTOMERS,
            Bilingual(
                "Win customers currently served by competitors.",
                "去“挖”竞争对手的“墙角”，抢竞争对手的客户。",
            ),
            pros=(
                _seed(
                    "these customers are a main prize of the service-marketing war",
                    "这部分客户是服务营销战的主要“战利品”之一",
                ),
            ),
            cons=(
                _practice(
                    "invites retaliation; switchers may switch again",
                    "容易招致反击；跳槽来的客户也可能再跳槽",
                ),
            ),
        ),
        CatalogueEntry(
            _R.OPEN_NEW_MARKETS,
            Bilingual(
                "Open new market fields, with new services or new market networks.",
                "开辟新的市场领域：创新服务产品，或开辟新的市场网络。",
            ),
            pros=(
                _seed(
                    "more people come into contact with the offer",
                    "让更多的人接触到企业的产品或服务",
                ),
            ),
            cons=(
                _practice(
                    "new markets need investment and carry more risk",
                    "开辟新市场需要投入，风险较大",
                ),
            ),
        ),
    ],
    AcquisitionRoute,
)

_C = ContactType

#: The nine contact types with their pros and cons (*Dating customers*, 创造与客户“约会”的机会).
CONTACT_TYPES: Final[Mapping[ContactType, CatalogueEntry[ContactType]]] = _catalogue(
    [
        CatalogueEntry(
            _C.ADVERTISING,
            Bilingual("Hard or soft advertising.", "通过硬性广告或软性广告与客户接触。"),
            pros=(
                _seed(
                    "serves image, brand, surveys and announcements, not only promotion",
                    "可服务于塑造形象、品牌、征集信息、活动告知，不只是促销",
                ),
            ),
            cons=(
                _seed(
                    "a hard, essentially one-way contact, not very personal",
                    "属于硬性接触，基本是单向沟通，人性化程度不够",
                ),
            ),
        ),
        CatalogueEntry(
            _C.PUBLIC_RELATIONS,
            Bilingual(
                "Public events, news and event publicity.",
                "通过大型公众活动、媒体新闻、事件传播与客户沟通。",
            ),
            pros=(
                _seed(
                    "does not put customers on guard; communicates unnoticed",
                    "不容易引起客户的防备和排斥，在不知不觉中完成沟通",
                ),
                _seed("often two-way", "很多情况下可以实现双向沟通"),
            ),
            cons=(
                _practice(
                    "hard to aim at particular customers or to measure",
                    "难以针对具体客户，效果难以衡量",
                ),
            ),
        ),
        CatalogueEntry(
            _C.PERSONAL,
            Bilingual(
                "Sales, service and promotion staff talk with customers.",
                "销售人员、服务人员、终端促销员等与客户互动沟通。",
            ),
            pros=(
                _seed(
                    "the most basic contact: two-way, with the most reliable information",
                    "最基本的接触方式，双向沟通，获得最可靠信息",
                ),
            ),
            cons=(
                _seed(
                    "its quality depends on the staff who make it",
                    "服务人员对“约会”的质量产生重要影响",
                ),
                _practice("costly in staff time", "占用大量人员时间"),
            ),
        ),
        CatalogueEntry(
            _C.MEETING,
            Bilingual(
                "Product shows and launches, investment fairs, customer forums.",
                "产品展销会、产品说明会、招商会、客户座谈会等。",
            ),
            pros=(
                _seed(
                    "low cost, concentrated, highly professional",
                    "成本低、集中性强、专业程度高",
                ),
            ),
            cons=(_practice("reaches only those who attend", "只能接触到与会者"),),
        ),
        CatalogueEntry(
            _C.DELEGATED,
            Bilingual(
                "Hand contact work to specialists: service outsourcing, research firms, "
                "PR agencies.",
                "委托专业服务公司、调查公司、公关公司负责与客户接触。",
            ),
            pros=(
                _seed(
                    "suits tedious work, work the firm is bad at, or work costly to do itself",
                    "适合烦琐、企业不擅长或执行成本高的接触工作",
                ),
                _seed(
                    "a third party may be more objective and professional",
                    "第三方负责接触可能更客观、更专业",
                ),
            ),
            cons=(
                _practice(
                    "less control; the firm hears customers second-hand",
                    "控制力弱，企业间接了解客户",
                ),
            ),
        ),
        CatalogueEntry(
            _C.MEDIA,
            Bilingual(
                "Letters, e-mail, fax, discs and similar media.",
                "信函、电子邮件、传真件、光盘等介质。",
            ),
            pros=(
                _seed(
                    "solves what other means cannot conveniently reach",
                    "解决其他沟通方式不便的问题",
                ),
            ),
            cons=(
                _seed(
                    "accuracy and response rate are relatively poor",
                    "准确性、反馈率相对较差",
                ),
            ),
        ),
        CatalogueEntry(
            _C.ALLIANCE,
            Bilingual(
                "A standing link: strategic cooperation, or customers engaged as voluntary "
                "supervisors and informants (Walmart and P&G).",
                "通过战略合作、聘用（如聘请客户作义务监督员、信息员）建立长期接触机制。",
            ),
            pros=(
                _seed(
                    "a lasting mechanism to act together for shared goals at any time",
                    "长期机制，随时可以为共同的利益目标而互动",
                ),
            ),
            cons=(
                _practice(
                    "slow to build; fits few, large partners",
                    "建立周期长，只适合少数大伙伴",
                ),
            ),
        ),
        CatalogueEntry(
            _C.RANDOM,
            Bilingual(
                "Intercept interviews in market research, random call-backs.",
                "市场调研中的拦截访问、客户随机回访。",
            ),
            pros=(
                _seed(
                    "useful without a customer database, or to learn more about people",
                    "企业没有现成数据库或想得到更多个人信息时，不失为好方法",
                ),
            ),
            cons=(
                _seed(
                    "heavy workload, hard to run, poor accuracy of information",
                    "工作量大、操作难度大、信息准确率差",
                ),
            ),
        ),
        CatalogueEntry(
            _C.ENVIRONMENT,
            Bilingual(
                "Packaging, service image, distinctive shop fronts and displays.",
                "通过服务产品包装、良好的服务形象、个性特色的店面及陈列吸引客户。",
            ),
            pros=(_seed("attracts customers by itself", "以环境吸引客户"),),
            cons=(
                _practice(
                    "investment up front; reaches only passers-by",
                    "需要前期投入，只能吸引到店的人",
                ),
            ),
        ),
    ],
    ContactType,
)

_M = MeetingRule

#: The nine first-meeting rules; breaking any one may spoil the meeting (*Dating customers*).
FIRST_MEETING_RULES: Final[Mapping[MeetingRule, CatalogueEntry[MeetingRule]]] = _catalogue(
    [
        CatalogueEntry(
            _M.ON_TIME,
            Bilingual(
                "Serve promptly and finish on time.", "及时到位地为客户提供服务并及时完成服务。"
            ),
        ),
        CatalogueEntry(
            _M.KEEP_PROMISES,
            Bilingual(
                "Keep service and appointment promises: the same before, during and after.",
                "遵守服务承诺及邀约承诺，不能事前一套，事中一套，事后又一套。",
            ),
        ),
        CatalogueEntry(
            _M.HONEST,
            Bilingual(
                "Treat customers fairly; no tricks, no price fraud.",
                "公平对待客户，不与客户玩“虚”的，不搞价格欺诈。",
            ),
        ),
        CatalogueEntry(
            _M.SINCERE,
            Bilingual(
                "Serve seriously and responsibly; sincerity earns trust.",
                "以认真、负责的态度为客户提供服务，诚恳容易让客户产生信任。",
            ),
        ),
        CatalogueEntry(
            _M.PROACTIVE,
            Bilingual(
                "Think ahead of the meeting; act rather than react.",
                "凡事想在“约会”的前面，在客户面前更为主动。",
            ),
        ),
        CatalogueEntry(
            _M.WARM,
            Bilingual(
                "Never cold, mechanical or expressionless.",
                "不能冷淡、机械、毫无表情地对待客户，给客户以春天般的温暖。",
            ),
        ),
        CatalogueEntry(
            _M.THOROUGH,
            Bilingual(
                "Complete, careful service, including what the customer did not think of.",
                "提供全面、细致、周到的服务，包括客户想到的或者没有想到的。",
            ),
        ),
        CatalogueEntry(
            _M.TO_STANDARD,
            Bilingual(
                "Serve strictly to standard, so the firm comes across as rigorous.",
                "严格按照标准提供服务，让客户感觉到企业严谨、正规。",
            ),
        ),
        CatalogueEntry(
            _M.SURPRISE,
            Bilingual(
                "An unexpected welcome gift or service beyond expectations.",
                "给客户奉上令其感到意外的“见面礼”，或超乎预期的超值服务。",
            ),
        ),
    ],
    MeetingRule,
)

_I = RepeatVisitIncentive

#: Incentives to come back after the first visit (*Dating customers*, 初次“约会”不是结束是开始).
REPEAT_VISIT_INCENTIVES: Final[
    Mapping[RepeatVisitIncentive, CatalogueEntry[RepeatVisitIncentive]]
] = _catalogue(
    [
        CatalogueEntry(
            _I.COUPON,
            Bilingual(
                "A voucher worth money off the next purchase.",
                "赠送代金券，下次再消费时可获得优惠。",
            ),
            pros=(
                _seed(
                    "gives a concrete reason for the next visit",
                    "让客户得知继续消费的利益点",
                ),
            ),
            cons=(
                _practice(
                    "costs margin and may attract only bargain hunters",
                    "侵蚀利润，可能只吸引到逐利者",
                ),
            ),
        ),
        CatalogueEntry(
            _I.DISCOUNT_CARD,
            Bilingual(
                "A card giving a discount on later purchases.",
                "赠送打折卡，下次再消费时可获得优惠。",
            ),
            pros=(
                _seed(
                    "gives a concrete reason for the next visit",
                    "让客户得知继续消费的利益点",
                ),
            ),
            cons=(
                _practice(
                    "a permanent discount becomes the expected price",
                    "长期折扣会变成客户心中的正常价格",
                ),
            ),
        ),
        CatalogueEntry(
            _I.MEMBERSHIP_POINTS,
            Bilingual(
                "Membership that collects points with every purchase.",
                "采取“会员制”，通过累积消费积分让客户不断地回头。",
            ),
            pros=(
                _seed(
                    "encloses the customer after the first contact and keeps them coming back",
                    "第一次接触后就把客户“圈”进来，让客户不断地回头",
                ),
            ),
            cons=(
                _practice(
                    "points are a liability to run and honour",
                    "积分需要运营和兑付，是一种负债",
                ),
            ),
        ),
    ],
    RepeatVisitIncentive,
)
