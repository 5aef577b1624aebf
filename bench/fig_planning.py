"""Figures 9 and 10: a year's forecast, and budget status over a big account.

Figure 9 projects 20 accounts for 365 days with 100 schedules, on a SQLite
file. Its reference computes the same balances by hand: one ``sqlite3`` read
of the balances, ``dateutil.rrule`` for the dates, a running sum per account.

Figure 10 asks the status of 50 budgets over 12 months of the big account of
figures 2 to 4. Its reference is a hand-written ``GROUP BY`` date, category
through ``sqlite3`` fed to the same period arithmetic, so the ratio is what
reading through the storage port costs. Both sides are checked to agree.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dateutil import rrule

from bench import sqlite_ref
from bench.books import FIXED_NOW, open_books, reopen
from bench.data import CATEGORIES
from bench.harness import Figure, Sizes, median, paired, ratio
from finance_core.budget_services import BudgetReport
from finance_core.budgets import budget_status
from finance_core.forecast import AccountForecast
from finance_core.services import Ledger
from finance_core.tenancy import Principal

Log = Callable[[str], None]
TENANT = "bench"
ACCOUNTS = 20
SCHEDULES = 100
BUDGETS = 50
FORECAST_DAYS = 365
STATUS_FROM, STATUS_TO = date(2025, 1, 1), date(2025, 12, 31)


# -- figure 9 ------------------------------------------------------------------
def _schedule_fields(index: int, account_id: int) -> dict[str, object]:
    # Days 16 to 28: every month has them, so the hand-written rrule agrees.
    start = FIXED_NOW.date() + timedelta(days=1 + index % 13)
    weekly = index % 3 == 0
    return {
        "name": f"Schedule {index}",
        "account_id": account_id,
        "amount": Decimal(-(index % 17 + 1) * 10 if index % 5 else 1500),
        "category": "bills",
        "start_date": start,
        "freq": "weekly" if weekly else "monthly",
        "interval": 1 + index % 2,
    }


def forecast_books(path: Path) -> tuple[Ledger, Principal, list[dict[str, object]]]:
    sqlite_ref.remove_database(path)
    ledger, principal, first = open_books(f"sqlite:///{path}", initial_balance="5000.00")
    ids = [first]
    for n in range(ACCOUNTS - 1):
        account = ledger.open_account(principal, f"Account {n}", initial_balance="5000.00")
        ids.append(account.id)
    schedules = [_schedule_fields(i, ids[i % ACCOUNTS]) for i in range(SCHEDULES)]
    for fields in schedules:
        ledger.create_schedule(principal, **fields)
    return ledger, principal, schedules


def _by_hand(path: Path, schedules: list[dict[str, object]]) -> dict[int, list[Decimal]]:
    """The same projection written directly: balances, rrule dates, running sums."""
    today = FIXED_NOW.date()
    last = today + timedelta(days=FORECAST_DAYS - 1)
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT id, balance_minor FROM accounts WHERE tenant_id = ?", (TENANT,)
        ).fetchall()
    moves: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for fields in schedules:
        start = fields["start_date"]
        assert isinstance(start, date)
        dates = rrule.rrule(
            rrule.WEEKLY if fields["freq"] == "weekly" else rrule.MONTHLY,
            dtstart=datetime(start.year, start.month, start.day),
            interval=int(str(fields["interval"])),
            until=datetime(last.year, last.month, last.day),
        )
        amount = int(Decimal(str(fields["amount"])) * 100)
        for moment in dates:
            moves[int(str(fields["account_id"]))][moment.date()] += amount
    out = {}
    for ident, balance in rows:
        series = []
        running = balance
        for offset in range(FORECAST_DAYS):
            running += moves[ident].get(today + timedelta(days=offset), 0)
            series.append(Decimal(running).scaleb(-2))
        out[ident] = series
    return out


def run_forecast(sizes: Sizes, work: Path, log: Log) -> Figure:
    path = work / "forecast.db"
    ledger, principal, schedules = forecast_books(path)
    ledger.storage.close()
    ledger, principal = reopen(f"sqlite:///{path}", TENANT)
    try:

        def ours() -> list[AccountForecast]:
            return ledger.forecast(principal, FORECAST_DAYS)

        def theirs() -> dict[int, list[Decimal]]:
            return _by_hand(path, schedules)

        got = {f.account_id: [d.balance for d in f.days] for f in ours()}
        if got != theirs():
            raise RuntimeError("the forecast and the hand-written projection disagree")
        project, reference = paired(
            ours, theirs, samples=sizes.report_samples, target=sizes.sample_seconds
        )
    finally:
        ledger.storage.close()
    value, base = median(project), median(reference)
    log(f"  forecast {value:.3f} s, by hand {base:.3f} s")
    return Figure(
        key="9.forecast",
        title=f"9. Forecast, {FORECAST_DAYS} days, {ACCOUNTS} accounts, {SCHEDULES} schedules",
        value=value,
        unit="s",
        reference=base,
        reference_label="same projection by hand (sqlite3, rrule, running sums)",
        reference_unit="s",
        ratio=ratio(value, base),
        goal="<= 3x",
        direction="at_most",
        limit=3.0,
        note="Ledger.forecast on SQLite",
        samples=tuple(project),
        reference_samples=tuple(reference),
    )


# -- figure 10 -----------------------------------------------------------------
def _budget_fields(index: int) -> dict[str, object]:
    period = ("monthly", "weekly", "yearly", "monthly")[index % 4]
    return {
        "name": f"Budget {index}",
        "category": CATEGORIES[index % len(CATEGORIES)],
        "amount": Decimal(400 + 25 * index),
        "currency": "USD",
        "period": period,
        "start_day": 1 + index % 7 if period == "weekly" else 1 + index % 28,
        "start": STATUS_FROM,
        "mode": "envelope" if index % 2 else "limit",
    }


_DAILY_SQL = """
SELECT date, category, -SUM(amount_minor) FROM transactions
WHERE tenant_id = ? AND transfer_id IS NULL AND date BETWEEN ? AND ?
GROUP BY date, category
"""


def _status_by_hand(path: Path, budgets: list[BudgetReport]) -> dict[int, list[Decimal]]:
    first = min(p.start for b in budgets for p in b.periods)
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            _DAILY_SQL, (TENANT, first.isoformat(), STATUS_TO.isoformat())
        ).fetchall()
    spent: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for day, category, minor in rows:
        spent[category][date.fromisoformat(day)] = Decimal(minor).scaleb(-2)
    return {
        b.budget.id: [
            p.available
            for p in budget_status(
                b.budget, spent.get(b.budget.category or "", {}), STATUS_FROM, STATUS_TO
            )
        ]
        for b in budgets
    }


def run_budgets(path: Path, sizes: Sizes, log: Log) -> Figure:
    ledger, principal = reopen(f"sqlite:///{path}", TENANT)
    try:
        for old in ledger.list_budgets(principal):
            ledger.delete_budget(principal, old.id)
        for index in range(BUDGETS):
            ledger.create_budget(principal, **_budget_fields(index))

        def ours() -> list[BudgetReport]:
            return ledger.budget_statuses(principal, STATUS_FROM, STATUS_TO)

        reports = ours()
        mine = {r.budget.id: [p.available for p in r.periods] for r in reports}
        if mine != _status_by_hand(path, reports):
            raise RuntimeError("budget status and the hand-written query disagree")
        project, reference = paired(
            ours,
            lambda: _status_by_hand(path, reports),
            samples=sizes.report_samples,
            target=sizes.sample_seconds,
        )
    finally:
        ledger.storage.close()
    value, base = median(project), median(reference)
    log(f"  budget status {value:.3f} s, hand-written GROUP BY {base:.3f} s")
    return Figure(
        key="10.budgets",
        title=f"10. Budget status, {BUDGETS} budgets, 12 months, {sizes.big_account:,} rows",
        value=value,
        unit="s",
        reference=base,
        reference_label="hand-written SQL GROUP BY date, category",
        reference_unit="s",
        ratio=ratio(value, base),
        goal="<= 1.5x",
        direction="at_most",
        limit=1.5,
        note="Ledger.budget_statuses",
        samples=tuple(project),
        reference_samples=tuple(reference),
    )
