"""Exact money: same-currency arithmetic, clear errors otherwise."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel._validators import exact_finite, exact_non_negative, exact_or_unchanged
from custrel.errors import CurrencyMismatch, InvalidValue
from custrel.money import Money, decimal_from_float, to_decimal
from strategies_retention import amounts, currencies, same_currency_pairs


def test_amounts_in_one_currency_add_and_subtract_exactly():
    a = Money.of("0.10", "USD")
    b = Money.of("0.20", "USD")

    total = a + b

    assert total == Money.of("0.30", "USD")  # 0.1 + 0.2 is 0.3 in decimal, unlike float
    assert total - b == a


def test_adding_two_currencies_raises_and_names_both():
    with pytest.raises(CurrencyMismatch) as caught:
        Money.of(1, "USD") + Money.of(1, "CNY")

    assert caught.value.left == "USD"
    assert caught.value.right == "CNY"
    assert "USD" in str(caught.value)
    assert "CNY" in str(caught.value)


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
        lambda a, b: a.ratio(b),
    ],
)
def test_every_two_operand_operation_refuses_mixed_currencies(operation):
    with pytest.raises(CurrencyMismatch):
        operation(Money.of(1, "EUR"), Money.of(1, "JPY"))


def test_a_float_amount_is_refused_because_it_is_not_exact():
    with pytest.raises(InvalidValue) as caught:
        Money(0.1, "USD")  # type: ignore[arg-type]

    assert caught.value.field == "amount"


@pytest.mark.parametrize("code", ["usd", "US", "USDX", "", "U$D", 840])
def test_a_currency_that_is_not_three_capital_letters_is_refused(code):
    with pytest.raises(InvalidValue) as caught:
        Money.of(1, code)

    assert caught.value.field == "currency"


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "abc", True])
def test_a_non_finite_or_non_numeric_amount_is_refused(amount):
    with pytest.raises(InvalidValue):
        Money.of(amount, "USD")


def test_multiplying_by_a_float_is_refused():
    with pytest.raises(InvalidValue):
        Money.of(1, "USD") * 0.5  # type: ignore[operator]


def test_multiplying_by_a_fraction_is_exact_where_decimal_can_be():
    assert Money.of(3, "USD") * Fraction(1, 4) == Money.of("0.75", "USD")


def test_division_by_zero_is_refused():
    with pytest.raises(InvalidValue):
        Money.of(1, "USD") / 0


def test_the_seed_worked_example_multiplies_exactly():
    revenue = Money.of(40_000, "USD") * 3_200

    profit = revenue * Decimal("0.10")

    assert revenue == Money.of(128_000_000, "USD")  # seed 001 §3: 3200 × 40000
    assert profit == Money.of(12_800_000, "USD")  # seed 001 §3: 128000000 × 10%


def test_str_shows_the_currency_and_grouped_digits():
    assert str(Money.of("12800000.00", "USD")) == "USD 12,800,000.00"


def test_rounded_uses_bankers_rounding():
    assert Money.of("0.125", "USD").rounded() == Money.of("0.12", "USD")
    assert Money.of("0.135", "USD").rounded() == Money.of("0.14", "USD")


def test_total_of_nothing_is_zero_in_the_stated_currency():
    assert Money.total([], "CNY") == Money.zero("CNY")


def test_total_catches_a_stray_currency():
    with pytest.raises(CurrencyMismatch):
        Money.total([Money.of(1, "CNY"), Money.of(1, "USD")], "CNY")


@given(same_currency_pairs())
def test_adding_then_subtracting_gives_back_the_original(pair):
    a, b = pair

    assert (a + b) - b == a


@given(same_currency_pairs())
def test_addition_commutes(pair):
    a, b = pair

    assert a + b == b + a


@given(amounts, st.integers(-1000, 1000), currencies)
def test_multiplying_by_an_integer_is_repeated_addition(amount, n, currency):
    m = Money(amount, currency)

    repeated = Money.total([m] * abs(n), currency)

    assert m * n == (repeated if n >= 0 else -repeated)


@given(same_currency_pairs())
def test_ordering_agrees_with_the_amounts(pair):
    a, b = pair

    assert (a < b) == (a.amount < b.amount)
    assert (a >= b) == (a.amount >= b.amount)


@given(amounts, currencies)
def test_equal_amounts_hash_equally_whatever_their_trailing_zeros(amount, currency):
    assert hash(Money(amount, currency)) == hash(
        Money(amount.quantize(Decimal("0.0001")), currency)
    )


# --- the one policy for turning numbers into money -------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.05"), Decimal("0.05")),
        (40_000, Decimal(40_000)),
        ("40000.00", Decimal("40000.00")),
        (Fraction(1, 4), Decimal("0.25")),
    ],
    ids=repr,
)
def test_to_decimal_takes_exact_numbers(value, expected):
    assert to_decimal("amount", value) == expected


@pytest.mark.parametrize("value", [0.1, 0.30000000000000004, 1e300, 0.0])
def test_to_decimal_refuses_every_float_and_says_how_to_write_it(value):
    with pytest.raises(InvalidValue) as caught:
        to_decimal("margin", value)

    assert caught.value.field == "margin"
    assert f"Decimal({str(value)!r})" in str(caught.value)


@pytest.mark.parametrize("value", [True, None, "abc", "NaN", "-Infinity", [1], Decimal("sNaN")])
def test_to_decimal_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(InvalidValue):
        to_decimal("amount", value)


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_decimal_written_as_text_reads_back_exactly(value):
    assert to_decimal("amount", str(value)) == value


def test_money_takes_an_exact_fraction_and_refuses_a_float_alike():
    assert Money.of(Fraction(1, 8), "USD") == Money.of("0.125", "USD")
    with pytest.raises(InvalidValue):
        Money.of(0.125, "USD")  # type: ignore[arg-type]


def test_a_float64_result_crosses_into_decimal_only_by_name():
    assert decimal_from_float("revenue", 0.1 + 0.2) == Decimal("0.30000000000000004")
    assert decimal_from_float("revenue", 1234.5) == Decimal("1234.5")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1, Decimal(1), "1.5"])
def test_decimal_from_float_refuses_non_finite_and_non_float_values(value):
    with pytest.raises(InvalidValue):
        decimal_from_float("revenue", value)  # type: ignore[arg-type]


@attrs.frozen
class _Invoice:
    total: Decimal = attrs.field(converter=exact_or_unchanged, validator=exact_non_negative)


def test_the_shared_converter_stores_exact_numbers_and_refuses_a_float_by_field_name():
    assert _Invoice("12.50").total == Decimal("12.50")
    assert _Invoice(Fraction(1, 2)).total == Decimal("0.5")
    with pytest.raises(InvalidValue) as caught:
        _Invoice(12.5)  # type: ignore[arg-type]

    assert caught.value.field == "total"


@pytest.mark.parametrize("value", [True, "abc", "NaN", "-1", None])
def test_the_shared_converter_leaves_the_refusal_to_the_validator_by_field_name(value):
    with pytest.raises(InvalidValue) as caught:
        _Invoice(value)

    assert caught.value.field == "total"


@attrs.frozen
class _Forecast:
    value: Decimal | None = attrs.field(
        default=None,
        converter=exact_or_unchanged,
        validator=attrs.validators.optional(exact_finite),
    )


def test_a_signed_money_field_takes_any_exact_number_or_none_and_refuses_a_float():
    assert _Forecast("-12.50").value == Decimal("-12.50")
    assert _Forecast().value is None
    with pytest.raises(InvalidValue) as caught:
        _Forecast(-12.5)  # type: ignore[arg-type]

    assert caught.value.field == "value"
    assert "floats are not exact" in str(caught.value)
