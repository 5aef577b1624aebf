"""Use cases of reports: spending, cash flow, net worth, balance history.

Each report reads storage in one read-only unit of work and rolls storage's
daily totals up with the pure functions of ``finance_core.reports``. ``REPORTS``
names every report for adapters that dispatch by name (HTTP, CLI).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

from finance_core.aggregates import DailyTotal
from finance_core.errors import NotFoundError, ValidationError
from finance_core.ledger_base import LedgerBase, positive_id
from finance_core.queries import TransactionFilter
from finance_core.reports import (
    FLOW_PERIODS,
    GROUPS,
    HISTORY_PERIODS,
    NET_WORTH_PERIODS,
    ReportRow,
    balance_series,
    check_choice,
    check_span,
    period_label,
    roll_cashflow,
    roll_net_worth,
    roll_spending,
    storage_bucket,
)
from finance_core.tenancy import Principal

#: Report name -> the periods it accepts; the order adapters list them in.
REPORTS: Final[dict[str, tuple[str, ...]]] = {
    "spending": FLOW_PERIODS,
    "cashflow": FLOW_PERIODS,
    "net-worth": NET_WORTH_PERIODS,
    "balance-history": HISTORY_PERIODS,
}


def _check_account(account_id: int | None) -> None:
    if account_id is not None:
        positive_id(account_id, "account_id")


class ReportServices(LedgerBase):
    """Reports over the stored transactions, computed from per-day sums in storage."""

    def report_spending(
        self,
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
        check_choice(group_by, GROUPS, "group_by")
        daily = self._flow_totals(principal, group_by, period, start_date, end_date, account_id)
        return roll_spending(daily, period)

    def report_cashflow(
        self,
        principal: Principal,
        *,
        period: str = "month",
        start_date: date | None = None,
        end_date: date | None = None,
        account_id: int | None = None,
    ) -> list[ReportRow]:
        """Income, expenses (both positive) and net per period and currency."""
        daily = self._flow_totals(principal, None, period, start_date, end_date, account_id)
        return roll_cashflow(daily, period)

    def _flow_totals(
        self,
        principal: Principal,
        group_by: str | None,
        period: str,
        start_date: date | None,
        end_date: date | None,
        account_id: int | None,
    ) -> list[DailyTotal]:
        """Storage's sums for spending and cash flow, transfers left out, bucketed by period."""
        check_choice(period, FLOW_PERIODS)
        check_span(start_date, end_date, period)
        _check_account(account_id)
        flt = TransactionFilter(account_id=account_id, start_date=start_date, end_date=end_date)
        with self._unit(principal.tenant_id, readonly=True) as uow:
            if account_id is not None and uow.accounts.get(account_id) is None:
                raise NotFoundError("account", account_id)
            return uow.transactions.daily_totals(
                flt, group_by, include_transfers=False, bucket=storage_bucket(period)
            )

    def report_net_worth(
        self,
        principal: Principal,
        *,
        period: str = "month",
        start_date: date | None = None,
        end_date: date | None = None,
        account_id: int | None = None,
    ) -> list[ReportRow]:
        """The sum of account balances at the end of each period, per currency."""
        check_choice(period, NET_WORTH_PERIODS)
        check_span(start_date, end_date, period)
        _check_account(account_id)
        with self._unit(principal.tenant_id, readonly=True) as uow:
            accounts = uow.accounts.list()
            if account_id is not None:
                accounts = [a for a in accounts if a.id == account_id]
                if not accounts:
                    raise NotFoundError("account", account_id)
            daily = uow.transactions.daily_totals(
                TransactionFilter(), "account", include_transfers=True
            )
        series = balance_series(accounts, daily, period, start_date, end_date, self._now().date())
        return roll_net_worth(series, {a.id: a.currency for a in accounts}, period)

    def report_balance_history(
        self,
        principal: Principal,
        account_id: int,
        *,
        period: str = "day",
        start_date: date | None = None,
        end_date: date | None = None,
    ) -> list[ReportRow]:
        """One account's balance at the end of each period."""
        check_choice(period, HISTORY_PERIODS)
        check_span(start_date, end_date, period)
        positive_id(account_id, "account_id")
        with self._unit(principal.tenant_id, readonly=True) as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFoundError("account", account_id)
            daily = uow.transactions.daily_totals(
                TransactionFilter(account_id=account_id), "account", include_transfers=True
            )
        series = balance_series([account], daily, period, start_date, end_date, self._now().date())
        return [
            ReportRow(
                period=period_label(boundary, period), currency=account.currency, balance=value
            )
            for boundary, value in series.get(account.id, [])
        ]

    def run_report(self, principal: Principal, name: str, **params: Any) -> list[ReportRow]:
        """Dispatch by report name (see ``REPORTS``); parameters as the named report takes.

        A parameter given as None takes the report's default.
        """
        params = {key: value for key, value in params.items() if value is not None}
        runners: dict[str, Callable[..., list[ReportRow]]] = {
            "spending": self.report_spending,
            "cashflow": self.report_cashflow,
            "net-worth": self.report_net_worth,
            "balance-history": self.report_balance_history,
        }
        runner = runners.get(name)
        if runner is None:
            raise ValidationError.of(
                "report", f"{name!r} is not a report; use one of {', '.join(REPORTS)}"
            )
        if name == "balance-history":
            account_id = params.pop("account_id", None)
            if account_id is None:
                raise ValidationError.of("account_id", "balance-history needs an account")
            params.pop("group_by", None)
            return runner(principal, account_id, **params)
        if name != "spending":
            params.pop("group_by", None)
        return runner(principal, **params)
