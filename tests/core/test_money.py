"""Money is exact: Decimal amounts checked against their currency's minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.errors import ValidationError
from finance_core.money import check_amount, check_currency, from_minor, minor_units, to_minor
from finance_core.testing.strategies import extreme_amounts

D = Decimal


class TestMinorUnits:
    @pytest.mark.parametrize(
        ("code", "digits"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("BHD", 3), ("KWD", 3), ("CLF", 4)]
    )
    def test_known_exponents(self, code: str, digits: int) -> None:
        """Each currency has its ISO 4217 number of decimals."""
        assert minor_units(code) == digits

    def test_unknown_currency_is_rejected_with_advice(self) -> None:
        """A code that is not ISO 4217 says what a valid one looks like."""
        with pytest.raises(ValidationError, match="ISO 4217"):
            check_currency("usd")


class TestCheckAmount:
    def test_trailing_zeros_within_precision_are_fine(self) -> None:
        """1.100 USD is exactly 1.10 and is accepted."""
        assert check_amount("1.100", "USD") == D("1.10")

    def test_extra_precision_is_an_error_not_rounding(self) -> None:
        """1.005 USD would need rounding, so it is refused."""
        with pytest.raises(ValidationError, match="more decimals"):
            check_amount("1.005", "USD")

    @pytest.mark.parametrize("value", [0.1, float("nan"), "NaN", "Infinity", "abc", None, True])
    def test_non_decimal_input_is_refused(self, value: object) -> None:
        """Floats, NaN, infinities, text and booleans are not amounts."""
        with pytest.raises(ValidationError):
            check_amount(value, "USD")

    def test_ten_to_the_thirteen_is_supported(self) -> None:
        """The promised magnitude fits with full precision."""
        assert check_amount("10000000000000.99", "USD") == D("10000000000000.99")

    def test_ten_to_the_fourteen_is_too_large(self) -> None:
        """Past the limit the error says so."""
        with pytest.raises(ValidationError, match="too large"):
            check_amount(D(10) ** 14, "USD")


class TestMinorUnitConversion:
    @given(
        st.sampled_from(["USD", "JPY", "BHD", "CLF"]).flatmap(
            lambda c: st.tuples(st.just(c), extreme_amounts(c))
        )
    )
    def test_round_trip_is_exact(self, pair: tuple[str, Decimal]) -> None:
        """Every accepted amount survives a trip through integer minor units."""
        currency, amount = pair
        units = to_minor(amount, currency)
        assert isinstance(units, int)
        assert from_minor(units, currency) == amount
        assert abs(units) < 2**63
