"""Planning use cases that read everything: the forecast and schedule suggestions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from finance_core.budget_services import BudgetServices, spending_by_day, spending_key
from finance_core.budgets import amount_for, budget_status, periods
from finance_core.errors import NotFoundError, ValidationError
from finance_core.forecast import AccountForecast, project, spread
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.schedule_services import ScheduleServices
from finance_core.schedules import occurrences
from finance_core.suggestions import Suggestion, suggest
from finance_core.tenancy import Principal
from finance_core.transactions import Transaction

MAX_FORECAST_DAYS: Final = 3660
#: How much history suggestions look at.
SUGGESTION_HISTORY_DAYS: Final = 400


class PlanningServices(ScheduleServices, BudgetServices):
    """Schedules, budgets, and what is computed from both."""

    def forecast(
        self,
        principal: Principal,
        days: int = 90,
        *,
        account_id: int | None = None,
        include_budgets: bool = False,
    ) -> list[AccountForecast]:
        """Each account's projected end-of-day balance for ``days`` days from today.

        From today's balance (transactions dated up to today), plus stored
        transactions dated later, plus the schedules' open occurrences (a due
        one counts today; a missed one not at all), plus, with
        ``include_budgets``, the unspent amount of each budget that names an
        account, spread evenly over the remaining days of its periods.
        """
        if (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not 1 <= days <= MAX_FORECAST_DAYS
        ):
            raise ValidationError.of(
                "days", f"days must be a whole number from 1 to {MAX_FORECAST_DAYS}"
            )
        today = self._now().date()
        last = today + timedelta(days=days - 1)
        moves: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        with self._unit(principal.tenant_id, readonly=True) as uow:
            accounts = uow.accounts.list()
            if account_id is not None:
                accounts = [a for a in accounts if a.id == account_id]
                if not accounts:
                    raise NotFoundError("account", account_id)
            wanted = {a.id for a in accounts}
            start = {a.id: a.initial_balance + uow.transactions.sum_amounts(a.id, through=today)
                     for a in accounts}  # fmt: skip
            later = TransactionFilter(start_date=today + timedelta(days=1), end_date=last)
            for row in uow.transactions.daily_totals(later, "account", include_transfers=True):
                if row.group is not None and int(row.group) in wanted:
                    moves[int(row.group)][row.day] += row.income + row.expenses
            changes = uow.schedules.changes()
            links = uow.schedules.links()
            for schedule in uow.schedules.list():
                window = today - timedelta(days=400)
                for occ in occurrences(schedule, window, last, today, changes, links):
                    if occ.status not in ("due", "upcoming"):
                        continue
                    day = max(occ.date, today)
                    if occ.to_account_id is None:
                        moves[occ.account_id][day] += occ.amount
                    else:
                        moves[occ.account_id][day] -= occ.amount
                        moves[occ.to_account_id][day] += occ.amount
            if include_budgets:
                budgets = [b for b in uow.budgets.list() if b.account_id in wanted]
                spent = spending_by_day(uow, budgets, last)
                for budget in budgets:
                    assert budget.account_id is not None
                    daily = spent.get(spending_key(budget), {})
                    current = budget_status(budget, daily, today, today)
                    for first, end in periods(budget, last):
                        if end < today:
                            continue
                        if first <= today:
                            unspent = (
                                max(current[0].available, Decimal(0)) if current else Decimal(0)
                            )
                        else:
                            unspent = amount_for(budget, end)
                        span = [first + timedelta(days=i) for i in range((end - first).days + 1)]
                        shares = spread(unspent, [d for d in span if d >= today], budget.currency)
                        for day, share in shares.items():
                            if day <= last:
                                moves[budget.account_id][day] -= share
        out = []
        for account in accounts:
            series, below = project(
                start[account.id], today, days, moves.get(account.id, {}), account.min_balance
            )
            out.append(
                AccountForecast(
                    account.id, account.name, account.currency, account.min_balance, below, series
                )
            )
        return out

    def schedule_suggestions(self, principal: Principal) -> list[Suggestion]:
        """Schedules that the last 400 days of history suggest, not yet covered by one."""
        today = self._now().date()
        flt = TransactionFilter(start_date=today - timedelta(days=SUGGESTION_HISTORY_DAYS))
        history: list[Transaction] = []
        with self._unit(principal.tenant_id, readonly=True) as uow:
            cursor: Cursor | None = None
            while True:
                page = uow.transactions.query(
                    flt, PageRequest(limit=1000, cursor=cursor, with_total=False)
                )
                history.extend(page.items)
                if page.next_cursor is None:
                    break
                cursor = Cursor.decode(page.next_cursor)
            schedules = uow.schedules.list()
        return suggest(history, schedules)
