"""Dates and the day/month order of a whole file."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.errors import ValidationError
from finance_import.dates import DateError, DateReader, readings, strptime_format


class TestReadings:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2025-08-05", {"YMD": date(2025, 8, 5)}),
            ("2012/3/22", {"YMD": date(2012, 3, 22)}),
            ("31.12.2013", {"DMY": date(2013, 12, 31)}),
            ("3/18/2016", {"MDY": date(2016, 3, 18)}),
            ("23/10/2013", {"DMY": date(2013, 10, 23)}),
            ("3/4/2016", {"DMY": date(2016, 4, 3), "MDY": date(2016, 3, 4)}),
            ("2022-01-02 12:16:54", {"YMD": date(2022, 1, 2)}),
            ("20240323", {"YMD": date(2024, 3, 23)}),
            ("05.01.14", {"DMY": date(2014, 1, 5)}),
        ],
    )
    def test_orders_a_text_can_be_read_in(self, text: str, expected: dict[str, date]) -> None:
        """Each order that yields a real calendar date is offered."""
        assert readings(text) == expected

    def test_dots_are_never_month_first(self) -> None:
        """'03.04.2024' is 3 April only."""
        assert set(readings("03.04.2024")) == {"DMY"}

    def test_impossible_dates_offer_nothing(self) -> None:
        """'31/31/2020' and words read in no order."""
        assert readings("31/31/2020") == {}
        assert readings("yesterday") == {}


class TestFileOrder:
    def test_one_day_above_twelve_decides_the_file(self) -> None:
        """'23/10/2013' makes every other row day-first too."""
        reader = DateReader.for_values(["11/10/2013", "23/10/2013"], None)
        assert reader("11/10/2013") == date(2013, 10, 11)

    def test_month_first_files_are_detected(self) -> None:
        """'3/18/2016' makes '3/4/2016' the 4th of March."""
        reader = DateReader.for_values(["3/18/2016", "3/4/2016"], None)
        assert reader("3/4/2016") == date(2016, 3, 4)

    def test_undecided_files_ask_for_date_format(self) -> None:
        """All days at most 12: the error asks for date_format with both choices."""
        with pytest.raises(ValidationError, match=r"date_format: .*'%d/%m/%Y'.*'%m/%d/%Y'"):
            DateReader.for_values(["01/02/2020", "03/04/2020"], None)

    def test_a_date_outside_the_file_order_is_refused(self) -> None:
        """In a day-first file, '2/30/2020' is not read month-first."""
        reader = DateReader.for_values(["23/10/2013"], None)
        with pytest.raises(DateError, match=r"'2/30/2020' is not a date .*DD.MM.YYYY"):
            reader("2/30/2020")

    def test_empty_date_is_refused(self) -> None:
        """A blank date cell says so."""
        with pytest.raises(DateError, match="empty"):
            DateReader.for_values(["2020-01-01"], None)("  ")

    @given(st.dates(min_value=date(1970, 1, 1), max_value=date(2068, 12, 31)))
    def test_iso_dates_round_trip(self, day: date) -> None:
        """ISO dates are never ambiguous and read back exactly."""
        assert DateReader.for_values([day.isoformat()], None)(day.isoformat()) == day


class TestDateFormatOption:
    def test_strptime_patterns_pass_through(self) -> None:
        """'%d/%m/%Y' is used as it is."""
        assert strptime_format("%d/%m/%Y") == "%d/%m/%Y"

    def test_letter_patterns_are_translated(self) -> None:
        """'DD.MM.YYYY' and 'M/D/YY' become strptime patterns."""
        assert strptime_format("DD.MM.YYYY") == "%d.%m.%Y"
        assert strptime_format("M/D/YY") == "%m/%d/%y"

    def test_nonsense_formats_are_refused(self) -> None:
        """A format without any date part is explained."""
        with pytest.raises(ValidationError, match="date_format: 'abc' is not a date format"):
            strptime_format("abc")

    def test_the_option_settles_an_undecided_file(self) -> None:
        """With date_format, '01/02/2020' is 1 February."""
        reader = DateReader.for_values(["01/02/2020"], "%d/%m/%Y")
        assert reader("01/02/2020") == date(2020, 2, 1)

    def test_timestamps_match_a_date_only_format(self) -> None:
        """A time after the date does not stop the caller's format."""
        assert DateReader(pattern="%Y-%m-%d")("2022-01-02 12:16:54") == date(2022, 1, 2)

    def test_values_that_miss_the_format_are_refused(self) -> None:
        """The error names the value and the format."""
        with pytest.raises(DateError, match=r"'2020-01-02' does not match date_format '%d.%m.%Y'"):
            DateReader(pattern="%d.%m.%Y")("2020-01-02")
