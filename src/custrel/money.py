"""Exact money: a ``Decimal`` amount with the ISO 4217 currency it is in, never assumed.

Amounts reported to people (the CRM chapter §3 churn-cost example, lifetime values)
must add up to the cent and say which currency they are in. A `Money` value
only adds to, subtracts from and compares with money in the same currency; mixing
currencies raises `custrel.errors.CurrencyMismatch` instead of guessing a rate.

**How numbers become money** (one policy for the whole package): every amount of money,
and every number that multiplies one (a churn rate, a margin, a retention rate, a share),
is turned into a ``Decimal`` by `to_decimal`, which takes exact numbers only — a
``Decimal``, an ``int``, a ``Fraction`` or a numeric string — and refuses a ``float``,
a ``bool``, NaN and infinities with an error naming the field. A float is refused
because it is not the number its writer meant (``0.1`` is
0.1000000000000000055511151231257827…) and because its shortest ``repr`` is only what
someone wrote for a literal, not for a computed value (``0.1 + 0.2`` prints as
``0.30000000000000004``). A float64 engine that hands its result to an exact rule says
so with `decimal_from_float`, at that one boundary.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, Final, Union

import attrs

from custrel.errors import CurrencyMismatch, InvalidValue

__all__ = ["Amount", "Exact", "Money", "Scalar", "decimal_from_float", "to_decimal"]

#: The exact numbers `to_decimal` takes: ``Decimal``, ``int``, ``Fraction``, numeric ``str``.
Exact = Union[Decimal, int, Fraction, str]  # noqa: UP007 - runtime alias, also valid on 3.10
#: What an amount may be given as: exact numbers only (a float is not exact money).
Amount = Exact
#: What money may be multiplied or divided by: exact numbers only.
Scalar = Union[Decimal, int, Fraction]  # noqa: UP007 - runtime alias

_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")


def to_decimal(field: str, value: object) -> Decimal:
    """The one way custrel turns a number into money or into a factor of money.

    Args:
        field: the field or parameter name, for the error.
        value: a ``Decimal``, an ``int``, a ``Fraction`` (divided out to the decimal
            context's precision) or a numeric string such as ``'40000.00'``.

    Returns:
        The value as a finite ``Decimal``.

    Raises:
        InvalidValue: a ``float`` (not exact; write ``Decimal('0.1')`` or ``'0.1'``), a
            ``bool``, a non-numeric string, NaN or an infinity, or any other type.

    Example:
        >>> to_decimal("margin", "0.10"), to_decimal("share", Fraction(1, 4))
        (Decimal('0.10'), Decimal('0.25'))
        >>> to_decimal("margin", 0.1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        custrel.errors.InvalidValue: margin=0.1 is not allowed (floats are not exact; ...
    """
    if isinstance(value, float):
        raise InvalidValue(
            field,
            value,
            "a Decimal, an int, a Fraction or a numeric string such as '0.1'",
            f"floats are not exact; write Decimal({str(value)!r}) or {str(value)!r}",
        )
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, Fraction, str)):
        raise InvalidValue(
            field, value, "a Decimal, an int, a Fraction or a numeric string such as '0.1'"
        )
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise InvalidValue(field, value, "a number, e.g. '40000.00' or '0.05'") from None
    if not number.is_finite():
        raise InvalidValue(field, value, "a finite number")
    return number


def decimal_from_float(field: str, value: float) -> Decimal:
    """A float computed by a float64 engine, handed on to an exact rule: its shortest repr.

    The named exception to `to_decimal`'s policy, for the one place where a
    columnar computation (float64 by design) passes a result to a rule that works
    in ``Decimal``; the caller rounds it to what it means (cents, basis points).

    Raises:
        InvalidValue: not a float, or NaN or an infinity.

    Example:
        >>> decimal_from_float("revenue", 0.1 + 0.2)
        Decimal('0.30000000000000004')
    """
    if not isinstance(value, float):
        raise InvalidValue(field, value, "a float (use to_decimal for exact numbers)")
    if not math.isfinite(value):
        raise InvalidValue(field, value, "a finite number")
    return Decimal(repr(value))


def _amount(value: object) -> Decimal:
    return to_decimal("amount", value)


def _check_currency(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidValue(
            "currency", value, "an ISO 4217 code of three capital letters, e.g. 'USD', 'CNY'"
        )


def _scalar(value: object) -> Decimal:
    if isinstance(value, str):  # multiplying by text is a mistake, not a number
        raise InvalidValue("factor", value, "a Decimal, an int or a Fraction")
    return to_decimal("factor", value)


@attrs.frozen(repr=False, order=False)
class Money:
    """An exact amount of money in one currency.

    Example:
        >>> price = Money.of("40000", "USD")
        >>> price * 3200
        Money('128000000', 'USD')
        >>> print(price * 3200 * Decimal("0.10"))
        USD 12,800,000.00
        >>> price + Money.of(1, "CNY")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        custrel.errors.CurrencyMismatch: cannot add USD and CNY amounts; ...

    Raises:
        InvalidValue: a float, non-numeric or infinite amount, or a currency that is
            not three capital letters.
        CurrencyMismatch: arithmetic or comparison between two currencies.
    """

    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field(validator=_check_currency)

    @classmethod
    def of(cls, amount: Amount, currency: str) -> Money:
        """Money from an exact amount (see `to_decimal`) and an ISO code."""
        return cls(to_decimal("amount", amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """No money, in ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def total(cls, amounts: Iterable[Money], currency: str) -> Money:
        """The sum of ``amounts``, all in ``currency`` (zero when empty).

        The currency is stated, not taken from the first amount, so an empty sum still
        has one and a stray amount in another currency is caught.
        """
        result = cls.zero(currency)
        for amount in amounts:
            result = result + amount
        return result

    def _same(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidValue("other", other, f"Money to {operation} with {self}")
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency, operation)
        return other

    def __add__(self, other: Money) -> Money:
        """Sum of two amounts in the same currency."""
        return Money(self.amount + self._same(other, "add").amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        """Difference of two amounts in the same currency."""
        return Money(self.amount - self._same(other, "subtract").amount, self.currency)

    def __neg__(self) -> Money:
        """The same amount with the opposite sign."""
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        """The amount without its sign."""
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Scalar) -> Money:
        """This amount times an exact number (a count, a rate, a ratio)."""
        return Money(self.amount * _scalar(factor), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: Scalar) -> Money:
        """This amount divided by a non-zero exact number."""
        value = _scalar(divisor)
        if value == 0:
            raise InvalidValue("divisor", divisor, "a non-zero number")
        return Money(self.amount / value, self.currency)

    def ratio(self, other: Money) -> Decimal:
        """How many times ``other`` fits in this amount (same currency, ``other`` non-zero)."""
        amount = self._same(other, "divide").amount
        if amount == 0:
            raise InvalidValue("other", other, "a non-zero amount")
        return self.amount / amount

    def _compare(self, other: object, operation: str) -> tuple[Decimal, Decimal]:
        return self.amount, self._same(other, operation).amount

    def __lt__(self, other: Money) -> bool:
        """Whether this amount is smaller (same currency only)."""
        a, b = self._compare(other, "compare")
        return a < b

    def __le__(self, other: Money) -> bool:
        """Whether this amount is smaller or equal (same currency only)."""
        a, b = self._compare(other, "compare")
        return a <= b

    def __gt__(self, other: Money) -> bool:
        """Whether this amount is larger (same currency only)."""
        a, b = self._compare(other, "compare")
        return a > b

    def __ge__(self, other: Money) -> bool:
        """Whether this amount is larger or equal (same currency only)."""
        a, b = self._compare(other, "compare")
        return a >= b

    def rounded(self, places: int = 2) -> Money:
        """The amount rounded half-to-even to ``places`` decimals (banker's rounding).

        The library never rounds on its own; call this when presenting an amount.
        """
        if type(places) is not int or places < 0:
            raise InvalidValue("places", places, "an integer >= 0")
        return Money(
            self.amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN), self.currency
        )

    def __repr__(self) -> str:
        """``Money('12.50', 'USD')``."""
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        """``USD 12,800,000.00``: the code, then the amount with thousands separators."""
        return f"{self.currency} {self.amount:,}"
