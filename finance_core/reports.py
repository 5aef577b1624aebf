"""Report arithmetic: periods, and rolling storage's daily totals up into rows.

Backends aggregate in storage (``TransactionRepository.daily_totals``: one row
per day, group and currency, never one per transaction); the functions here
roll those up into periods and are pure. The use cases that read storage are
``finance_core.report_services``. Figures are never mixed across currencies,
and transfer legs are left out of spending and cash flow (moving money between
one's own accounts is neither income nor expense) but count towards balances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

import attrs

from finance_core.accounts import Account
from finance_core.aggregates import DailyTotal
from finance_core.errors import ValidationError

#: What spending can be grouped by.
GROUPS: Final = ("category", "der_category", "merchant", "tag")
#: Every period name any report knows.
PERIOD_NAMES: Final = ("day", "week", "month", "year", "none")
#: The periods each report accepts.
FLOW_PERIODS: Final = ("week", "month", "year", "none")
NET_WORTH_PERIODS: Final = ("day", "week", "month", "year")
HISTORY_PERIODS: Final = ("day", "week", "month")
#: Most periods one report may span: about 11 years by day, 76 by week, 333 by
#: month. A report costs time and memory per period, so a wider range is refused
#: (a 4xx naming the limit) instead of running away.
MAX_REPORT_PERIODS: Final = 4000


@attrs.frozen
class ReportRow:
    """One row of a report; only the figures that fit the report are set."""

    period: str | None
    currency: str
    group: str | None = None
    total: Decimal | None = None
    count: int | None = None
    income: Decimal | None = None
    expenses: Decimal | None = None
    net: Decimal | None = None
    balance: Decimal | None = None


def period_label(day: date, period: str) -> str | None:
    """``2024-01`` for a month, ``2024-W03`` for an ISO week, ``2024`` for a year."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "year":
        return f"{day.year:04d}"
    return None


def period_end(day: date, period: str) -> date:
    """The last day of the period that holds ``day`` (never past 9999-12-31)."""
    if period == "day":
        return day
    if period == "week":
        return day + timedelta(days=min(6 - day.weekday(), (date.max - day).days))
    if period == "month":
        if (day.year, day.month) == (date.max.year, 12):
            return date.max
        first_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return first_next - timedelta(days=1)
    if period == "year":
        return date(day.year, 12, 31)
    raise ValidationError.of("period", f"{period!r} has no end; use day, week, month or year")


def period_ends(start: date, end: date, period: str) -> Iterator[date]:
    """The end of every period from the one holding ``start`` to ``end`` (the last is ``end``)."""
    current = period_end(start, period)
    while current < end:
        yield current
        current = period_end(current + timedelta(days=1), period)
    yield end


def check_choice(value: str, allowed: Iterable[str], field: str = "period") -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValidationError.of(field, f"{value!r} is not one of: {', '.join(allowed)}")


def check_range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError.of("start_date", "start_date is after end_date")


def count_periods(start: date, end: date, period: str) -> int:
    """How many periods of ``period`` the days ``start`` to ``end`` touch."""
    if period == "day":
        return (end - start).days + 1
    if period == "week":
        return (end - start).days // 7 + (1 if end.weekday() >= start.weekday() else 2)
    if period == "month":
        return (end.year - start.year) * 12 + end.month - start.month + 1
    if period == "year":
        return end.year - start.year + 1
    return 1


def check_span(start: date | None, end: date | None, period: str) -> None:
    """Refuse a range of more than ``MAX_REPORT_PERIODS`` periods, before any work."""
    check_range(start, end)
    if start is None or end is None:
        return
    count = count_periods(start, end, period)
    if count > MAX_REPORT_PERIODS:
        raise ValidationError.of(
            "end_date",
            f"{start} to {end} is {count:,} periods of {period}; a report spans at most "
            f"{MAX_REPORT_PERIODS:,}: narrow the dates or choose a longer period",
        )


def storage_bucket(period: str) -> str:
    """How finely storage should sum for a report by ``period``.

    Months and years are summed by storage; weeks cross month ends, so they
    (and "none", which needs no dates at all) roll up from coarse enough buckets.
    """
    return {"month": "month", "year": "year", "none": "year"}.get(period, "day")


def roll_spending(daily: Iterable[DailyTotal], period: str) -> list[ReportRow]:
    """Money out (as a positive total) and its count per period, group and currency."""
    totals: dict[tuple[str | None, str | None, str], tuple[Decimal, int]] = defaultdict(
        lambda: (Decimal(0), 0)
    )
    for day in daily:
        if day.count_out == 0:
            continue
        key = (period_label(day.day, period), day.group, day.currency)
        total, count = totals[key]
        totals[key] = (total - day.expenses, count + day.count_out)
    return [
        ReportRow(period=p, group=g, currency=c, total=t, count=n)
        for (p, g, c), (t, n) in sorted(totals.items(), key=_row_order)
    ]


def roll_cashflow(daily: Iterable[DailyTotal], period: str) -> list[ReportRow]:
    """Income, expenses (both positive) and net per period and currency."""
    sums: dict[tuple[str | None, str], tuple[Decimal, Decimal]] = defaultdict(
        lambda: (Decimal(0), Decimal(0))
    )
    for day in daily:
        key = (period_label(day.day, period), day.currency)
        income, expenses = sums[key]
        sums[key] = (income + day.income, expenses - day.expenses)
    return [
        ReportRow(period=p, currency=c, income=i, expenses=e, net=i - e)
        for (p, c), (i, e) in sorted(sums.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
    ]


def _row_order(item: tuple[tuple[str | None, str | None, str], object]) -> tuple[str, str, str]:
    (p, g, c), _ = item
    return (p or "", c, g or "")


def balance_series(
    accounts: Iterable[Account],
    daily_by_account: Iterable[DailyTotal],
    period: str,
    start_date: date | None,
    end_date: date | None,
    today: date,
) -> dict[int, list[tuple[date, Decimal]]]:
    """For each account, its balance at the end of every period in the range.

    ``daily_by_account`` are daily totals grouped by ``account`` with transfers
    included. The range defaults to the first movement (or today) up to the
    later of today and the last movement.
    """
    wanted = {a.id: a for a in accounts}
    per_account: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in daily_by_account:
        if row.group is not None and int(row.group) in wanted:
            per_account[int(row.group)].append((row.day, row.income + row.expenses))
    days = [d for rows in per_account.values() for d, _ in rows]
    start = start_date or (min(days) if days else today)
    end = end_date or max([today, *days])
    check_span(start, end, period)
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for ident, account in wanted.items():
        movements = sorted(per_account.get(ident, []))
        running = account.initial_balance
        index = 0
        series = []
        for boundary in period_ends(start, end, period):
            while index < len(movements) and movements[index][0] <= boundary:
                running += movements[index][1]
                index += 1
            series.append((boundary, running))
        out[ident] = series
    return out


def roll_net_worth(
    series: dict[int, list[tuple[date, Decimal]]], currency: dict[int, str], period: str
) -> list[ReportRow]:
    """The sum of account balances at the end of each period, per currency."""
    totals: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    for ident, points in series.items():
        for boundary, value in points:
            totals[(period_label(boundary, period), currency[ident])] += value
    return [
        ReportRow(period=p, currency=c, balance=b)
        for (p, c), b in sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
    ]
