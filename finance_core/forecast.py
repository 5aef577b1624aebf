"""The cash-flow forecast as pure functions: balances day by day, per account.

Each account is projected in its own currency; nothing here adds amounts of
two accounts. The first entry is today's end-of-day balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import attrs

from finance_core.money import from_minor, to_minor


@attrs.frozen
class ForecastDay:
    date: date
    balance: Decimal


@attrs.frozen
class AccountForecast:
    account_id: int
    name: str
    currency: str
    min_balance: Decimal | None
    first_below_min: date | None
    days: list[ForecastDay]


def project(
    start_balance: Decimal,
    today: date,
    days: int,
    movements: Mapping[date, Decimal],
    min_balance: Decimal | None,
) -> tuple[list[ForecastDay], date | None]:
    """End-of-day balances for ``days`` days from today, and the first one below the floor.

    ``movements`` holds the projected net change of each day; a movement
    dated before today counts today (an occurrence still due).
    """
    balance = start_balance + sum((v for d, v in movements.items() if d < today), Decimal(0))
    out = []
    below: date | None = None
    for offset in range(days):
        day = today + timedelta(days=offset)
        balance += movements.get(day, Decimal(0))
        out.append(ForecastDay(day, balance))
        if below is None and min_balance is not None and balance < min_balance:
            below = day
    return out, below


def spread(amount: Decimal, days: Iterable[date], currency: str) -> dict[date, Decimal]:
    """``amount`` split evenly over ``days`` in the currency's minor units, exactly.

    The remainder goes one minor unit at a time to the earliest days, so the
    parts always add up to the amount.
    """
    dates = sorted(days)
    if not dates:
        return {}
    whole, remainder = divmod(to_minor(amount, currency), len(dates))
    return {
        day: from_minor(whole + (1 if index < remainder else 0), currency)
        for index, day in enumerate(dates)
    }
