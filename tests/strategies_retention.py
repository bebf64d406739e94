"""Hypothesis strategies for retention, satisfaction, win-back cases and money."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from custrel.countermeasures import ChurnCause, Countermeasure
from custrel.lifecycle import Defected, Lifecycle, Purchased, Stage
from custrel.money import Money
from custrel.satisfaction import SatisfactionLevel, SurveyResponse
from custrel.winback import WinBackAction, WinBackCase
from strategies import legal_histories

currencies = st.sampled_from(["USD", "CNY", "EUR", "JPY"])
amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)
positive_amounts = st.decimals(min_value=Decimal("0.01"), max_value=10**7, places=2)
rates = st.decimals(min_value=0, max_value=1, places=4)
retentions = st.decimals(min_value=0, max_value=Decimal("0.99"), places=3)
discount_rates = st.decimals(min_value=0, max_value=Decimal("0.5"), places=3)


def money(currency: str = "USD") -> st.SearchStrategy[Money]:
    """Money in ``currency``."""
    return amounts.map(lambda a: Money(a, currency))


@st.composite
def same_currency_pairs(draw: st.DrawFn) -> tuple[Money, Money]:
    """Two amounts in one currency."""
    currency = draw(currencies)
    return Money(draw(amounts), currency), Money(draw(amounts), currency)


@st.composite
def customer_lifecycles(draw: st.DrawFn, max_customers: int = 8) -> list[Lifecycle]:
    """Several customers' lifecycles, each walked through the lifecycle table."""
    count = draw(st.integers(0, max_customers))
    return [Lifecycle(f"c{i}", draw(legal_histories(max_events=15))) for i in range(count)]


windows = st.tuples(st.dates(date(2019, 6, 1), date(2027, 1, 1)), st.integers(0, 900)).map(
    lambda t: (t[0], t[0] + timedelta(days=t[1]))
)

survey_responses = st.builds(
    SurveyResponse,
    level=st.sampled_from(list(SatisfactionLevel)),
    will_repurchase=st.none() | st.booleans(),
    recommend=st.none() | st.integers(0, 10),
)


@st.composite
def win_back_cases(draw: st.DrawFn) -> WinBackCase:
    """A win-back case walked through its table by the commands, at non-decreasing times."""
    defected = datetime(2025, 6, 1, tzinfo=timezone.utc)
    lost = Lifecycle(
        "c1",
        [
            Purchased(defected - timedelta(days=30)),
            Defected(defected, cause=draw(st.sampled_from(list(ChurnCause)))),
        ],
    )
    case = WinBackCase.open(lost)
    for _ in range(draw(st.integers(0, 6))):
        allowed = case.allowed_actions()
        if not allowed:
            break
        action = draw(st.sampled_from(allowed))
        when = case.last_at + timedelta(hours=draw(st.integers(0, 500)))
        if action is WinBackAction.LEARN_REASON:
            reason = draw(st.none() | st.text(max_size=12))
            case = case.learn_reason(when, draw(st.sampled_from(list(ChurnCause))), reason)
        elif action is WinBackAction.TAKE_COUNTERMEASURE:
            case = case.take_countermeasure(when, draw(st.sampled_from(list(Countermeasure))))
        elif action is WinBackAction.WIN_BACK:
            case = case.win_back(when, to=draw(st.sampled_from([Stage.REPEAT, Stage.LOYAL])))[0]
        else:
            case = case.give_up(when)[0]
    return case
