"""Budget periods and rollover, against a plain computation."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from finance_core.budgets import Budget, BudgetAmount, budget_status, period_start, periods

NOW = datetime(2026, 1, 1, tzinfo=UTC)
D = Decimal


def _budget(period: str, start_day: int, start: date, mode: str, amount: int = 100) -> Budget:
    return Budget(
        id=1, tenant_id="t", name="B", currency="USD", period=period, start_day=start_day,
        start=start, mode=mode, amounts=(BudgetAmount(start, D(amount)),), created_at=NOW,
        updated_at=NOW, category="food",
    )  # fmt: skip


budgets = st.builds(
    lambda period, day, start, mode: _budget(
        period, min(day, 7) if period == "weekly" else day, start, mode
    ),
    st.sampled_from(["monthly", "weekly", "yearly"]),
    st.integers(1, 31),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.sampled_from(["limit", "envelope"]),
)


class TestPeriods:
    @given(budget=budgets, days=st.integers(0, 800))
    def test_periods_tile_the_calendar(self, budget: Budget, days: int) -> None:
        """Periods follow one another without gaps, and the first holds the start."""
        spans = periods(budget, budget.start + timedelta(days=days))
        assert spans[0][0] <= budget.start <= spans[0][1]
        for (_, end), (following, _) in itertools.pairwise(spans):
            assert following == end + timedelta(days=1)
        for first, last in spans:
            assert period_start(budget, first) == first == period_start(budget, last)

    def test_monthly_on_the_31st_begins_on_short_months_last_day(self) -> None:
        """A start day of 31 begins February's period on the 28th."""
        budget = _budget("monthly", 31, date(2026, 1, 31), "limit")
        assert periods(budget, date(2026, 3, 31))[:2] == [
            (date(2026, 1, 31), date(2026, 2, 27)),
            (date(2026, 2, 28), date(2026, 3, 30)),
        ]

    def test_weekly_starts_on_the_given_weekday(self) -> None:
        """start_day 7 begins each week on a Sunday."""
        budget = _budget("weekly", 7, date(2026, 1, 7), "limit")
        assert periods(budget, date(2026, 1, 7)) == [(date(2026, 1, 4), date(2026, 1, 10))]


class TestRollover:
    @given(
        budget=budgets,
        spending=st.lists(st.tuples(st.integers(0, 700), st.integers(-200, 400)), max_size=30),
    )
    def test_status_matches_a_plain_computation(
        self, budget: Budget, spending: list[tuple[int, int]]
    ) -> None:
        """available = budgeted + rollover - spent; envelopes carry available on, limits 0."""
        spent_on: dict[date, Decimal] = {}
        for offset, value in spending:
            day = budget.start + timedelta(days=offset)
            spent_on[day] = spent_on.get(day, D(0)) + D(value)
        end = budget.start + timedelta(days=700)
        got = budget_status(budget, spent_on, date.min, end)
        carried = D(0)
        for status in got:
            used = sum((v for d, v in spent_on.items() if status.start <= d <= status.end), D(0))
            assert (status.budgeted, status.spent, status.rollover) == (D(100), used, carried)
            assert status.available == D(100) + carried - used
            assert status.over is (status.available < 0)
            carried = status.available if budget.mode == "envelope" else D(0)

    def test_overspending_rolls_over_as_a_negative_amount(self) -> None:
        """An envelope overspent by 30 starts the next period with -30."""
        budget = _budget("monthly", 1, date(2026, 1, 1), "envelope")
        got = budget_status(budget, {date(2026, 1, 5): D(130)}, date(2026, 1, 1), date(2026, 2, 1))
        assert [(s.rollover, s.available, s.over) for s in got] == [
            (D(0), D(-30), True),
            (D(-30), D(70), False),
        ]

    def test_an_amount_change_applies_from_its_period_on(self) -> None:
        """Earlier periods keep their amount."""
        budget = _budget("monthly", 1, date(2026, 1, 1), "limit")
        changes = (BudgetAmount(date(2026, 1, 1), D(100)), BudgetAmount(date(2026, 3, 1), D(150)))
        changed = attrs.evolve(budget, amounts=changes)
        got = budget_status(changed, {}, date(2026, 1, 1), date(2026, 4, 1))
        assert [s.budgeted for s in got] == [D(100), D(100), D(150), D(150)]
