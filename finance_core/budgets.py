"""Budgets: an amount per period for a category or a tag, and their status, as pure functions.

Periods are computed, never stored: ``monthly`` periods begin on ``start_day``
of each month (on the last day of a month too short for it), ``weekly`` ones
on weekday ``start_day`` (1 Monday to 7 Sunday), ``yearly`` ones on the
anniversary of ``start`` (28 February in common years for a 29 February
start). The first period is the one that holds ``start``.

In ``limit`` mode each period stands alone; in ``envelope`` mode what is left
of a period (or what was overspent, as a negative amount) rolls over into the
next one. A change of amount applies from the period that holds its
``effective_from`` on.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from finance_core.recurrence import clamp_day

PERIODS: Final = ("monthly", "weekly", "yearly")
MODES: Final = ("limit", "envelope")


@attrs.frozen
class BudgetAmount:
    """The amount per period from the period holding ``effective_from`` on."""

    effective_from: date
    amount: Decimal


@attrs.frozen
class Budget:
    id: int
    tenant_id: str
    name: str
    currency: str
    period: str
    start_day: int
    start: date
    mode: str
    amounts: tuple[BudgetAmount, ...]
    created_at: datetime
    updated_at: datetime
    category: str | None = None
    tag: str | None = None
    account_id: int | None = None
    version: int = 1

    @property
    def amount(self) -> Decimal:
        """The latest amount (what a client sees)."""
        return self.amounts[-1].amount


@attrs.frozen
class PeriodStatus:
    start: date
    end: date
    budgeted: Decimal
    spent: Decimal
    rollover: Decimal
    available: Decimal

    @property
    def over(self) -> bool:
        return self.available < 0


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def period_start(budget: Budget, day: date) -> date:
    """The first day of the budget period that holds ``day``."""
    if budget.period == "weekly":
        return day - timedelta(days=(day.weekday() - (budget.start_day - 1)) % 7)
    if budget.period == "monthly":
        start = clamp_day(day.year, day.month, budget.start_day)
        if start <= day:
            return start
        year, month = _add_months(day.year, day.month, -1)
        return clamp_day(year, month, budget.start_day)
    start = clamp_day(day.year, budget.start.month, budget.start.day)
    return start if start <= day else clamp_day(day.year - 1, budget.start.month, budget.start.day)


def next_period_start(budget: Budget, start: date) -> date:
    """The first day of the period after the one beginning on ``start``."""
    if budget.period == "weekly":
        return start + timedelta(days=7)
    if budget.period == "monthly":
        # The period of a short month begins early (on its last day), so step
        # from the month's own start day rather than from ``start``.
        year, month = _add_months(start.year, start.month, 1)
        return clamp_day(year, month, budget.start_day)
    return clamp_day(start.year + 1, budget.start.month, budget.start.day)


def periods(budget: Budget, through: date) -> list[tuple[date, date]]:
    """(first day, last day) of every period from the first one to the one holding ``through``."""
    out = []
    start = period_start(budget, budget.start)
    while start <= through:
        following = next_period_start(budget, start)
        out.append((start, following - timedelta(days=1)))
        start = following
    return out


def amount_for(budget: Budget, end: date) -> Decimal:
    """The amount of the period ending on ``end``: the last change made from it or before."""
    amount = budget.amounts[0].amount
    for change in budget.amounts:
        if change.effective_from <= end:
            amount = change.amount
    return amount


def budget_status(
    budget: Budget, spent_on: Mapping[date, Decimal], start: date, end: date
) -> list[PeriodStatus]:
    """Each period overlapping ``[start, end]``; ``spent_on`` is money out per day (positive).

    Rollover runs from the budget's first period, so an envelope's balance is
    the same whichever range is asked for.
    """
    spans = periods(budget, end)
    starts = [s for s, _ in spans]
    spent = [Decimal(0)] * len(spans)
    for day, value in spent_on.items():
        index = bisect.bisect_right(starts, day) - 1
        if 0 <= index < len(spans) and day <= spans[index][1]:
            spent[index] += value
    out = []
    rollover = Decimal(0)
    for (first, last), used in zip(spans, spent, strict=True):
        budgeted = amount_for(budget, last)
        available = budgeted + rollover - used
        if last >= start:
            out.append(PeriodStatus(first, last, budgeted, used, rollover, available))
        rollover = available if budget.mode == "envelope" else Decimal(0)
    return out
