"""Wire shapes of schedules, budgets and the forecast (the one wire converter serves them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from finance_core.budget_services import BudgetReport
from finance_core.budgets import Budget
from finance_core.forecast import AccountForecast
from finance_core.ledger_base import UNSET
from finance_core.schedules import AmountTolerance, Occurrence, Schedule, ScheduleTerms
from finance_core.suggestions import Suggestion


def _tolerance(t: AmountTolerance | None) -> dict[str, Decimal] | None:
    if t is None:
        return None
    return {"percent": t.percent} if t.percent is not None else {"amount": t.amount or Decimal(0)}


@attrs.frozen
class TermsOut:
    """A schedule's template, recurrence and tolerances (one revision)."""

    effective_from: date | None
    account_id: int
    amount: Decimal
    category: str | None
    merchant: str | None
    description: str | None
    tags: list[str]
    to_account_id: int | None
    start_date: date
    freq: str
    interval: int
    by_weekday: list[int]
    by_month_day: list[int]
    count: int | None
    until: date | None
    weekend: str
    amount_tolerance: dict[str, Decimal] | None
    date_tolerance_days: int
    auto_post: bool

    @classmethod
    def of(cls, t: ScheduleTerms) -> TermsOut:
        r = t.recurrence
        return cls(
            t.effective_from, t.account_id, t.amount, t.category, t.merchant, t.description,
            list(t.tags), t.to_account_id, r.start_date, r.freq, r.interval, list(r.by_weekday),
            list(r.by_month_day), r.count, r.until, r.weekend, _tolerance(t.amount_tolerance),
            t.date_tolerance_days, t.auto_post,
        )  # fmt: skip


@attrs.frozen
class ScheduleOut(TermsOut):
    """The latest revision at the top level, every revision under ``revisions``."""

    id: int = 0
    name: str = ""
    revisions: list[TermsOut] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def of_schedule(cls, s: Schedule) -> ScheduleOut:
        latest = attrs.asdict(TermsOut.of(s.current), recurse=False)
        return cls(
            **latest,
            id=s.id,
            name=s.name,
            revisions=[TermsOut.of(t) for t in s.terms],
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


@attrs.frozen
class ScheduleListOut:
    schedules: list[ScheduleOut]
    total: int


@attrs.frozen
class OccurrenceOut:
    scheduled_date: date
    date: date
    status: str
    transaction_id: int | None
    amount: Decimal
    account_id: int
    to_account_id: int | None

    @classmethod
    def of(cls, o: Occurrence) -> OccurrenceOut:
        return cls(
            o.scheduled, o.date, o.status, o.transaction_id, o.amount, o.account_id,
            o.to_account_id,
        )  # fmt: skip


@attrs.frozen
class OccurrenceListOut:
    schedule_id: int
    occurrences: list[OccurrenceOut]


@attrs.frozen
class PostedOccurrenceOut(OccurrenceOut):
    schedule_id: int = 0


@attrs.frozen
class PostDueOut:
    posted: list[PostedOccurrenceOut]
    count: int


@attrs.frozen
class SuggestionOut:
    name: str
    account_id: int
    amount: Decimal
    category: str
    merchant: str | None
    freq: str
    interval: int
    start_date: date
    by_month_day: int | None
    occurrences: int
    last_date: date

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionOut:
        return cls(**attrs.asdict(s, recurse=False))


@attrs.frozen
class SuggestionListOut:
    suggestions: list[SuggestionOut]


@attrs.frozen
class BudgetAmountOut:
    effective_from: date
    amount: Decimal


@attrs.frozen
class BudgetOut:
    id: int
    name: str
    category: str | None
    tag: str | None
    amount: Decimal
    currency: str
    period: str
    start_day: int
    start: date
    mode: str
    account_id: int | None
    amounts: list[BudgetAmountOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, b: Budget) -> BudgetOut:
        return cls(
            b.id, b.name, b.category, b.tag, b.amount, b.currency, b.period, b.start_day,
            b.start, b.mode, b.account_id,
            [BudgetAmountOut(a.effective_from, a.amount) for a in b.amounts],
            b.created_at, b.updated_at,
        )  # fmt: skip


@attrs.frozen
class BudgetListOut:
    budgets: list[BudgetOut]
    total: int


@attrs.frozen
class PeriodOut:
    start: date
    end: date
    budgeted: Decimal
    spent: Decimal
    rollover: Decimal
    available: Decimal
    over: bool


@attrs.frozen
class BudgetStatusOut:
    budget_id: int
    name: str
    currency: str
    periods: list[PeriodOut]

    @classmethod
    def of(cls, r: BudgetReport) -> BudgetStatusOut:
        return cls(
            r.budget.id,
            r.budget.name,
            r.budget.currency,
            [
                PeriodOut(p.start, p.end, p.budgeted, p.spent, p.rollover, p.available, p.over)
                for p in r.periods
            ],
        )


@attrs.frozen
class BudgetStatusListOut:
    budgets: list[BudgetStatusOut]


@attrs.frozen
class ForecastDayOut:
    date: date
    balance: Decimal


@attrs.frozen
class AccountForecastOut:
    account_id: int
    currency: str
    min_balance: Decimal | None
    first_below_min: date | None
    days: list[ForecastDayOut]

    @classmethod
    def of(cls, f: AccountForecast) -> AccountForecastOut:
        return cls(
            f.account_id,
            f.currency,
            f.min_balance,
            f.first_below_min,
            [ForecastDayOut(d.date, d.balance) for d in f.days],
        )


@attrs.frozen
class ForecastOut:
    accounts: list[AccountForecastOut]


# -- input shapes ------------------------------------------------------------------
_READ_ONLY = frozenset({"id", "created_at", "updated_at", "revisions", "amounts"})


@attrs.frozen
class ScheduleIn:
    """A schedule's fields (create: name, account_id, amount, start_date, freq required)."""

    READ_ONLY: ClassVar[frozenset[str]] = _READ_ONLY
    IDS: ClassVar[frozenset[str]] = frozenset({"account_id", "to_account_id"})
    name: Any = UNSET
    account_id: Any = UNSET
    amount: Any = UNSET
    category: Any = UNSET
    merchant: Any = UNSET
    description: Any = UNSET
    tags: Any = UNSET
    to_account_id: Any = UNSET
    start_date: Any = UNSET
    freq: Any = UNSET
    interval: Any = UNSET
    by_weekday: Any = UNSET
    by_month_day: Any = UNSET
    count: Any = UNSET
    until: Any = UNSET
    weekend: Any = UNSET
    amount_tolerance: Any = UNSET
    date_tolerance_days: Any = UNSET
    auto_post: Any = UNSET
    effective_from: Any = UNSET

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self, recurse=False).items() if v is not UNSET}


@attrs.frozen
class MoveIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset()
    IDS: ClassVar[frozenset[str]] = frozenset()
    date: Any


@attrs.frozen
class BudgetIn:
    READ_ONLY: ClassVar[frozenset[str]] = _READ_ONLY
    IDS: ClassVar[frozenset[str]] = frozenset({"account_id"})
    name: Any = UNSET
    category: Any = UNSET
    tag: Any = UNSET
    amount: Any = UNSET
    currency: Any = UNSET
    period: Any = UNSET
    start_day: Any = UNSET
    start: Any = UNSET
    mode: Any = UNSET
    account_id: Any = UNSET
    effective_from: Any = UNSET

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self, recurse=False).items() if v is not UNSET}
