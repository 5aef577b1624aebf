"""A CSV running-balance column: checked against the amounts, and the statement it states.

Each balance is the account's balance after its row. Files list rows oldest
first or newest first; the dates say which (a file of one day may be either,
so both are tried). Going down the file, a balance must equal the previous one
plus (oldest first) or minus (newest first) the amounts in between; the first
row where that fails is named, because a file whose balances do not add up
was read wrongly (a sign, a column) or is not the bank's whole record.
Pending rows without a balance are not booked yet and take no part.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from finance_core.errors import FieldError, ValidationError


@attrs.frozen
class BalanceRow:
    """One read row as the balance check sees it; ``line`` is the file's line number."""

    row: int
    line: int
    date: date
    amount: Decimal
    balance: Decimal | None
    pending: bool = False


@attrs.frozen
class StatedBalances:
    opening: Decimal
    closing: Decimal


@attrs.frozen
class _Break:
    row: BalanceRow
    expected: Decimal


def _first_break(rows: Sequence[BalanceRow], newest_first: bool) -> _Break | None:
    previous: Decimal | None = None
    between = Decimal(0)
    for row in rows:
        if row.balance is None:
            between += row.amount
            continue
        if previous is not None:
            expected = previous - between if newest_first else previous + between + row.amount
            if expected != row.balance:
                return _Break(row, expected)
        previous = row.balance
        # Newest first, a row's own amount lies between its balance and the next one's.
        between = row.amount if newest_first else Decimal(0)
    return None


def _newest_first(rows: Sequence[BalanceRow]) -> list[bool]:
    """The orders to try: the one the dates show, or both when they show none."""
    first, last = rows[0].date, rows[-1].date
    if first == last:
        return [False, True]
    return [first > last]


def check_chain(rows: Sequence[BalanceRow], column: str) -> StatedBalances | None:
    """The opening and closing balances, once every balance follows from the amounts.

    ``ValidationError`` names the first row (and its line) whose balance breaks
    the chain; None when no row states a balance.
    """
    booked = [r for r in rows if not (r.pending and r.balance is None)]
    stated = [r for r in booked if r.balance is not None]
    if not stated:
        return None
    breaks = []
    for newest_first in _newest_first(booked):
        found = _first_break(booked, newest_first)
        if found is None:
            return _stated(booked, newest_first)
        breaks.append(found)
    broken = breaks[0]
    raise ValidationError(
        [
            FieldError(
                "file",
                f"the balances in {column} do not add up with the amounts: row "
                f"{broken.row.row} (line {broken.row.line}) states {broken.row.balance} where "
                f"the rows before it lead to {broken.expected}. Check the amount column and "
                "its signs, or set check_balances=false to import without the balances",
                row=broken.row.row,
                line=broken.row.line,
            )
        ]
    )


def _stated(rows: Sequence[BalanceRow], newest_first: bool) -> StatedBalances:
    oldest_first = list(reversed(rows)) if newest_first else list(rows)
    total = sum((r.amount for r in oldest_first), Decimal(0))
    first = next(i for i, r in enumerate(oldest_first) if r.balance is not None)
    first_balance = oldest_first[first].balance
    assert first_balance is not None
    before = sum((r.amount for r in oldest_first[: first + 1]), Decimal(0))
    opening = first_balance - before
    return StatedBalances(opening, opening + total)


def chains_as_credits(rows: Sequence[BalanceRow]) -> bool:
    """Whether unsigned amounts, read as money in, chain with the balances."""
    booked = [r for r in rows if not (r.pending and r.balance is None)]
    if not any(r.balance is not None for r in booked):
        return False
    return any(_first_break(booked, order) is None for order in _newest_first(booked))
