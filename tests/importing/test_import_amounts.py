"""Reading amounts exactly, in the ways banks write them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.errors import ValidationError
from finance_import.amounts import (
    AmountError,
    decimal_separator,
    detect_decimal,
    parse_amount,
)

amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2)


def written(amount: Decimal, decimal: str, grouped: bool) -> str:
    """``amount`` as a bank would print it with ``decimal`` and optional grouping."""
    text = f"{abs(amount):,.2f}" if grouped else f"{abs(amount):.2f}"
    if decimal == ",":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return ("-" if amount < 0 else "") + text


class TestParseAmount:
    @pytest.mark.parametrize(
        ("text", "decimal", "expected"),
        [
            ("1.500,00", ",", "1500.00"),
            ("-1.001,00", ",", "-1001.00"),
            ("+12,10", ",", "12.10"),
            ("-10,7", ",", "-10.7"),
            ("7498.1", ".", "7498.1"),
            ("1,234,567.89", ".", "1234567.89"),
            ("130", ".", "130"),
            ("9,90-", ",", "-9.90"),
            ("(12.00)", ".", "-12.00"),
            ("1 234,56", ",", "1234.56"),
            ("1\u00a0234,56", ",", "1234.56"),
            ("1'234.50", ".", "1234.50"),
            ("$12.00", ".", "12.00"),
            ("12,00 €", ",", "12.00"),
            (".50", ".", "0.50"),
        ],
    )
    def test_written_forms(self, text: str, decimal: str, expected: str) -> None:
        """Signs in front or behind, parentheses, grouping and symbols read exactly."""
        result = parse_amount(text, decimal)
        assert result == Decimal(expected)
        assert str(result) == expected

    def test_negative_zero_is_zero(self) -> None:
        """'-0,00' is plain zero, not minus zero."""
        assert str(parse_amount("-0,00", ",")) == "0.00"

    def test_comma_decimal_under_a_point_setting_is_refused(self) -> None:
        """'12,34' is never read as 1234 when the point is the decimal separator."""
        with pytest.raises(AmountError, match=r"set decimal_separator=','"):
            parse_amount("12,34", ".")

    def test_two_signs_are_refused(self) -> None:
        """'-12.00-' is not an amount."""
        with pytest.raises(AmountError, match="more than one sign"):
            parse_amount("-12.00-", ".")

    def test_empty_text_is_refused(self) -> None:
        """An empty amount cell says so."""
        with pytest.raises(AmountError, match="empty"):
            parse_amount("  ", ".")

    def test_words_are_refused(self) -> None:
        """Text in an amount cell names itself in the error."""
        with pytest.raises(AmountError, match="'n/a' is not an amount"):
            parse_amount("n/a", ".")

    @given(amounts, st.sampled_from([".", ","]), st.booleans())
    def test_round_trip(self, amount: Decimal, decimal: str, grouped: bool) -> None:
        """Any two-decimal amount written in any dialect reads back exactly."""
        assert parse_amount(written(amount, decimal, grouped), decimal) == amount


class TestDetectDecimal:
    def test_both_marks_decide_by_the_last(self) -> None:
        """'1.500,00' votes for the comma."""
        assert detect_decimal(["1.500,00", "0,00"]) == ","

    def test_short_fractions_decide(self) -> None:
        """'-10,7' and '-10' are enough for a decimal comma."""
        assert detect_decimal(["-10,7", "-10", "0"]) == ","

    def test_three_digit_groups_do_not_vote(self) -> None:
        """'1,500' alone leaves the default."""
        assert detect_decimal(["1,500"], default=",") == ","
        assert detect_decimal(["1,500"]) == "."

    def test_repeated_mark_is_grouping(self) -> None:
        """'1.234.567' groups with dots, so the decimal is a comma."""
        assert detect_decimal(["1.234.567"]) == ","

    def test_majority_wins(self) -> None:
        """A stray value does not overturn the column."""
        assert detect_decimal(["1.50", "2.25", "3,5"]) == "."

    @given(st.lists(amounts, min_size=1), st.sampled_from([".", ","]), st.booleans())
    def test_two_decimal_columns_are_detected(
        self, column: list[Decimal], decimal: str, grouped: bool
    ) -> None:
        """A column of two-decimal amounts always reveals its separator."""
        assert detect_decimal(written(a, decimal, grouped) for a in column) == decimal


class TestDecimalOption:
    def test_point_and_comma_are_accepted(self) -> None:
        """The option passes through when it is '.' or ','."""
        assert (decimal_separator("."), decimal_separator(","), decimal_separator(None)) == (
            ".",
            ",",
            None,
        )

    def test_other_separators_are_refused(self) -> None:
        """Anything else is an error naming the choices."""
        with pytest.raises(ValidationError, match=r"use '\.' or ','"):
            decimal_separator(";")
