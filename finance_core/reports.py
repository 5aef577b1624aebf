"""Reports: where the money went, cash flow, net worth and balance history.

Backends aggregate in storage (``TransactionRepository.daily_totals``: one row
per day, group and currency, never one per transaction); this module rolls the
days up into periods. Figures are never mixed across currencies, and transfer
legs are left out of spending and cash flow (moving money between one's own
accounts is neither income nor expense) but count towards balances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Literal

import attrs

from finance_core.aggregates import DailyTotal
from finance_core.errors import NotFoundError, ValidationError
from finance_core.queries import TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal

Period = Literal["day", "week", "month", "year", "none"]
GroupBy = Literal["category", "der_category", "merchant", "tag", "account"]
PERIODS: Final = ("day", "week", "month", "year", "none")
GROUPS: Final = ("category", "der_category", "merchant", "tag")


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
    """The last day of the period that holds ``day``."""
    if period == "day":
        return day
    if period == "week":
        return day + timedelta(days=6 - day.weekday())
    if period == "month":
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


def _check(period: str, allowed: Iterable[str], field: str = "period") -> None:
    allowed = tuple(allowed)
    if period not in allowed:
        raise ValidationError.of(field, f"{period!r} is not one of: {', '.join(allowed)}")


def _check_range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError.of("start_date", "start_date is after end_date")


def _daily(
    ledger: Ledger,
    principal: Principal,
    flt: TransactionFilter,
    group_by: str | None,
    *,
    include_transfers: bool,
    period: str = "day",
) -> list[DailyTotal]:
    # Months and years are summed by storage; weeks cross month ends, so they
    # (and "none", which needs no dates at all) roll up from coarse enough buckets.
    bucket = {"month": "month", "year": "year", "none": "year"}.get(period, "day")
    with ledger.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
        if flt.account_id is not None and uow.accounts.get(flt.account_id) is None:
            raise NotFoundError("account", flt.account_id)
        return uow.transactions.daily_totals(
            flt, group_by, include_transfers=include_transfers, bucket=bucket
        )


def spending(
    ledger: Ledger,
    principal: Principal,
    *,
    group_by: str = "category",
    period: str = "month",
    start_date: date | None = None,
    end_date: date | None = None,
    account_id: int | None = None,
) -> list[ReportRow]:
    """Money out (as a positive total) and its count per period, group and currency.

    Split transactions count by their split lines' own categories.
    """
    _check(group_by, GROUPS, "group_by")
    _check(period, ("week", "month", "year", "none"))
    _check_range(start_date, end_date)
    flt = TransactionFilter(account_id=account_id, start_date=start_date, end_date=end_date)
    totals: dict[tuple[str | None, str | None, str], tuple[Decimal, int]] = defaultdict(
        lambda: (Decimal(0), 0)
    )
    for day in _daily(ledger, principal, flt, group_by, include_transfers=False, period=period):
        if day.count_out == 0:
            continue
        key = (period_label(day.day, period), day.group, day.currency)
        total, count = totals[key]
        totals[key] = (total - day.expenses, count + day.count_out)
    return [
        ReportRow(period=p, group=g, currency=c, total=t, count=n)
        for (p, g, c), (t, n) in sorted(totals.items(), key=_row_order)
    ]


def cashflow(
    ledger: Ledger,
    principal: Principal,
    *,
    period: str = "month",
    start_date: date | None = None,
    end_date: date | None = None,
    account_id: int | None = None,
) -> list[ReportRow]:
    """Income, expenses (both positive) and net per period and currency."""
    _check(period, ("week", "month", "year", "none"))
    _check_range(start_date, end_date)
    flt = TransactionFilter(account_id=account_id, start_date=start_date, end_date=end_date)
    sums: dict[tuple[str | None, str], tuple[Decimal, Decimal]] = defaultdict(
        lambda: (Decimal(0), Decimal(0))
    )
    for day in _daily(ledger, principal, flt, None, include_transfers=False, period=period):
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


def _balances_by_period(
    ledger: Ledger,
    principal: Principal,
    account_ids: list[int],
    period: str,
    start_date: date | None,
    end_date: date | None,
) -> dict[int, list[tuple[date, Decimal]]]:
    """For each account, its balance at the end of every period in the range."""
    with ledger.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
        accounts = {a.id: a for a in uow.accounts.list() if a.id in set(account_ids)}
        daily = uow.transactions.daily_totals(
            TransactionFilter(), "account", include_transfers=True
        )
    per_account: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in daily:
        if row.group is not None and int(row.group) in accounts:
            per_account[int(row.group)].append((row.day, row.income + row.expenses))
    days = [d for rows in per_account.values() for d, _ in rows]
    today = ledger.clock().date()
    start = start_date or (min(days) if days else today)
    end = end_date or max([today, *days])
    _check_range(start, end)
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for ident, account in accounts.items():
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


def net_worth(
    ledger: Ledger,
    principal: Principal,
    *,
    period: str = "month",
    start_date: date | None = None,
    end_date: date | None = None,
    account_id: int | None = None,
) -> list[ReportRow]:
    """The sum of account balances at the end of each period, per currency."""
    _check(period, ("day", "week", "month", "year"))
    accounts = ledger.list_accounts(principal)
    if account_id is not None:
        accounts = [a for a in accounts if a.id == account_id]
        if not accounts:
            raise NotFoundError("account", account_id)
    currency = {a.id: a.currency for a in accounts}
    series = _balances_by_period(ledger, principal, list(currency), period, start_date, end_date)
    totals: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    for ident, points in series.items():
        for boundary, value in points:
            totals[(period_label(boundary, period), currency[ident])] += value
    return [
        ReportRow(period=p, currency=c, balance=b)
        for (p, c), b in sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
    ]


def balance_history(
    ledger: Ledger,
    principal: Principal,
    account_id: int,
    *,
    period: str = "day",
    start_date: date | None = None,
    end_date: date | None = None,
) -> list[ReportRow]:
    """One account's balance at the end of each period."""
    _check(period, ("day", "week", "month"))
    account = ledger.get_account(principal, account_id)
    series = _balances_by_period(ledger, principal, [account.id], period, start_date, end_date)
    return [
        ReportRow(period=period_label(boundary, period), currency=account.currency, balance=value)
        for boundary, value in series.get(account.id, [])
    ]
