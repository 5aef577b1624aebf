"""Recurrences: month ends, leap days, count against until, weekend shifts."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.errors import ValidationError
from finance_core.recurrence import (
    Recurrence,
    nominal_dates,
    occurrence_dates,
    parse_recurrence,
    shift_weekend,
)

starts = st.dates(date(1999, 1, 1), date(2040, 12, 31))


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


class TestMonthEnds:
    @given(start=starts, day=st.integers(1, 31), months=st.integers(1, 40))
    def test_a_month_day_falls_on_the_last_day_of_shorter_months(
        self, start: date, day: int, months: int
    ) -> None:
        """Day d of each month is min(d, month length), from start_date on."""
        rule = Recurrence(start, "monthly", by_month_day=(day,))
        got = nominal_dates(rule, date(start.year + 5, 1, 1))[:months]
        expected = []
        year, month = start.year, start.month
        while len(expected) < months:
            candidate = date(year, month, min(day, _last_day(year, month)))
            if candidate >= start:
                expected.append(candidate)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        assert got == expected

    @given(start=starts)
    def test_minus_one_is_always_the_last_day(self, start: date) -> None:
        """by_month_day -1 is the last day of every month."""
        got = nominal_dates(
            Recurrence(start, "monthly", by_month_day=(-1,)), start + timedelta(400)
        )
        assert all((d + timedelta(days=1)).day == 1 for d in got)
        assert len({(d.year, d.month) for d in got}) == len(got)

    def test_the_31st_of_january_is_followed_by_the_end_of_february(self) -> None:
        """A monthly schedule started on 31 January falls on 28 February, then 31 March."""
        rule = Recurrence(date(2026, 1, 31), "monthly")
        assert nominal_dates(rule, date(2026, 4, 30)) == [
            date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
        ]  # fmt: skip


class TestLeapDays:
    def test_a_yearly_29_february_falls_on_28_february_in_common_years(self) -> None:
        """Leap years keep 29 February; common years use the 28th."""
        rule = Recurrence(date(2024, 2, 29), "yearly")
        assert nominal_dates(rule, date(2028, 12, 31)) == [
            date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28),
            date(2028, 2, 29),
        ]  # fmt: skip

    @given(year=st.integers(2000, 2100))
    def test_monthly_on_the_29th_meets_february(self, year: int) -> None:
        """February gets the 29th in leap years and the 28th otherwise."""
        rule = Recurrence(date(year, 1, 29), "monthly")
        february = nominal_dates(rule, date(year, 3, 1))[1]
        assert february == date(year, 2, 29 if calendar.isleap(year) else 28)


class TestCountAndUntil:
    @given(
        start=starts,
        freq=st.sampled_from(["daily", "weekly", "monthly", "yearly"]),
        interval=st.integers(1, 4),
        count=st.integers(1, 30),
    )
    def test_count_equals_until_the_last_counted_date(
        self, start: date, freq: str, interval: int, count: int
    ) -> None:
        """``count`` n gives the same dates as ``until`` the n-th date."""
        far = date(2200, 1, 1)
        counted = nominal_dates(Recurrence(start, freq, interval, count=count), far)
        assert len(counted) == count
        until = nominal_dates(Recurrence(start, freq, interval, until=counted[-1]), far)
        assert until == counted

    def test_count_and_until_together_are_refused(self) -> None:
        """A recurrence has count or until, not both."""
        with pytest.raises(ValidationError, match="until"):
            parse_recurrence(
                {"start_date": "2026-01-01", "freq": "daily", "count": 3, "until": "2026-02-01"}
            )


class TestWeekends:
    @given(day=starts, rule=st.sampled_from(["before", "after"]))
    def test_a_shifted_date_is_a_weekday_within_two_days(self, day: date, rule: str) -> None:
        """Saturdays and Sundays move to the Friday before or the Monday after."""
        shifted = shift_weekend(day, rule)
        assert shifted.weekday() < 5
        if day.weekday() < 5:
            assert shifted == day
        elif rule == "before":
            assert shifted.weekday() == 4 and 0 < (day - shifted).days <= 2
        else:
            assert shifted.weekday() == 0 and 0 < (shifted - day).days <= 2

    @given(
        start=starts,
        day=st.sampled_from([-1, 1, 15, 28, 29, 30, 31]),
        rule=st.sampled_from(["keep", "before", "after"]),
        cut=st.integers(1, 120),
    )
    def test_windows_split_anywhere_list_each_occurrence_once(
        self, start: date, day: int, rule: str, cut: int
    ) -> None:
        """Two adjacent ranges list exactly the occurrences of their union, shifts included."""
        recurrence = Recurrence(start, "monthly", by_month_day=(day,), weekend=rule)
        first, middle, last = start, start + timedelta(days=cut), start + timedelta(days=180)
        whole = occurrence_dates(recurrence, first, last)
        left = occurrence_dates(recurrence, first, middle)
        right = occurrence_dates(recurrence, middle + timedelta(days=1), last)
        assert left + right == whole
        assert len({nominal for nominal, _ in whole}) == len(whole)

    def test_after_crosses_a_month_end(self) -> None:
        """Saturday 31 January 2026 paid 'after' falls on Monday 2 February."""
        rule = Recurrence(date(2026, 1, 31), "monthly", weekend="after")
        assert occurrence_dates(rule, date(2026, 2, 1), date(2026, 2, 3)) == [
            (date(2026, 1, 31), date(2026, 2, 2))
        ]

    def test_before_crosses_a_month_start(self) -> None:
        """Sunday 1 March 2026 paid 'before' falls on Friday 27 February."""
        rule = Recurrence(date(2026, 3, 1), "monthly", weekend="before")
        assert occurrence_dates(rule, date(2026, 2, 27), date(2026, 2, 28)) == [
            (date(2026, 3, 1), date(2026, 2, 27))
        ]


class TestParsing:
    def test_every_bad_field_is_named(self) -> None:
        """freq, interval, by_month_day and weekend are all reported at once."""
        with pytest.raises(ValidationError) as caught:
            parse_recurrence(
                {"start_date": "2026-01-01", "freq": "hourly", "interval": 0,
                 "by_month_day": [0], "weekend": "skip"}
            )  # fmt: skip
        assert {e.field for e in caught.value.errors} == {
            "freq", "interval", "by_month_day", "weekend",
        }  # fmt: skip

    def test_by_month_day_accepts_an_integer_or_a_list(self) -> None:
        """31 and [31] are the same rule."""
        one = parse_recurrence({"start_date": "2026-01-01", "freq": "monthly", "by_month_day": 31})
        many = parse_recurrence(
            {"start_date": "2026-01-01", "freq": "monthly", "by_month_day": [31]}
        )
        assert one == many
