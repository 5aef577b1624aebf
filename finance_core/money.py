"""Exact money: ``Decimal`` amounts checked against their currency's minor unit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

from finance_core.errors import ValidationError

# ISO 4217 active codes and their minor units. Codes not listed use 2.
_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMALS = "CLF UYW"
_MINOR_UNIT_EXCEPTIONS: Final[dict[str, int]] = {
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
    **dict.fromkeys(_FOUR_DECIMALS.split(), 4),
}


ISO_4217_CODES: Final[frozenset[str]] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV
    BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
    DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
    HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR
    MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG
    XOF XPF YER ZAR ZMW ZWG
    """.split()
)

#: Largest magnitude (exclusive) of any single amount or balance, in major units.
#: 10**14 keeps every value inside a signed 64-bit count of minor units even for
#: four-decimal currencies, while allowing the 10**13 the product promises.
MAX_MAGNITUDE: Final[Decimal] = Decimal(10) ** 14


#: The largest numbers any input may spell: digits and the power of ten. Every
#: float64 fits, so a client's JSON number is never refused for its size alone,
#: while a number like 1e999999999 is refused before any arithmetic.
MAX_NUMBER_DIGITS: Final = 100
MAX_NUMBER_EXPONENT: Final = 400
NUMBER_TOO_LARGE: Final = (
    f"is too large a number: at most {MAX_NUMBER_DIGITS} digits "
    f"and powers of ten from -{MAX_NUMBER_EXPONENT} to {MAX_NUMBER_EXPONENT}"
)


def number_size_problem(value: Decimal) -> str | None:
    """Why a finite ``value`` is too large to compute with, or None."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if (
        len(digits) > MAX_NUMBER_DIGITS
        or value.adjusted() > MAX_NUMBER_EXPONENT
        or exponent < -MAX_NUMBER_EXPONENT - MAX_NUMBER_DIGITS
    ):
        return NUMBER_TOO_LARGE
    return None


def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (2 for USD, 0 for JPY)."""
    return _MINOR_UNIT_EXCEPTIONS.get(currency, 2)


def check_currency(code: object, field: str = "currency") -> str:
    """Return ``code`` if it is a known ISO 4217 code, else raise ``ValidationError``."""
    if not isinstance(code, str) or code not in ISO_4217_CODES:
        raise ValidationError.of(
            field, f"{code!r} is not an ISO 4217 currency code (use three capitals, e.g. 'USD')"
        )
    return code


def to_decimal(value: object, field: str) -> Decimal:
    """Turn ``value`` into a finite Decimal; floats are refused (they are not exact)."""
    if isinstance(value, (bool, float)):
        raise ValidationError.of(
            field, "amounts must be Decimal, int or a decimal string, never float"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError.of(field, f"{value!r} is not a decimal number") from None
    else:
        raise ValidationError.of(field, f"expected a decimal amount, got {type(value).__name__}")
    if not result.is_finite():
        raise ValidationError.of(field, "amount must be a finite number")
    problem = number_size_problem(result)
    if problem is not None:
        raise ValidationError.of(field, f"{field} {problem}")
    return result


def check_decimal(value: object, field: str = "amount") -> Decimal:
    """A finite amount below 10^14 in size, before its currency is known."""
    amount = to_decimal(value, field)
    if abs(amount) >= MAX_MAGNITUDE:
        raise ValidationError.of(field, f"{amount} is too large (limit: below 10^14)")
    return amount


def check_amount(value: object, currency: str, field: str = "amount") -> Decimal:
    """Validate an amount for ``currency`` and return it at the currency's exponent.

    More precision than the currency allows is an error, never rounded away.
    """
    amount = to_decimal(value, field)
    digits = minor_units(currency)
    quantum = Decimal(1).scaleb(-digits)
    try:
        exact = amount.quantize(quantum)
    except InvalidOperation:
        raise ValidationError.of(field, f"{amount} is out of range") from None
    if exact != amount:
        raise ValidationError.of(
            field,
            f"{amount} has more decimals than {currency} allows ({digits}); "
            "round it before sending",
        )
    if abs(exact) >= MAX_MAGNITUDE:
        raise ValidationError.of(field, f"{amount} is too large (limit: below 10^14)")
    return exact


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal('12.34')`` USD -> ``1234``; the amount must already be valid."""
    return int(amount.scaleb(minor_units(currency)))


def from_minor(units: int, currency: str) -> Decimal:
    """``1234`` USD -> ``Decimal('12.34')``."""
    return Decimal(units).scaleb(-minor_units(currency))
