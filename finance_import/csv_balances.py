"""A CSV running-balance column: checked against the amounts, and the statement it states.

Each balance is the account's balance after its row. Files list rows oldest
first or newest first; the dates say which (a file of one day may be either,
so both are tried). Going down the file, a balance must equal the previous one
plus (oldest first) or minus (newest first) the amounts in between; the first
row where that fails is named, because a file whose balances do not add up
was read wrongly (a sign, a column) or is not the bank's whole record.
Pending rows without a balance are not booked yet and take no part.

``BalanceFollower`` takes the rows one at a time and keeps a few numbers, not
the rows: both file orders are followed at once and the dates decide at the
end, so a file read in chunks is checked exactly like one held whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import attrs

from finance_core.errors import FieldError, ValidationError
from finance_core.statements import ParsedStatement


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


class _Chain:
    """The balances in one file order: only the last balance and the amounts since."""

    def __init__(self, newest_first: bool) -> None:
        self.newest_first = newest_first
        self.previous: Decimal | None = None
        self.between = Decimal(0)
        self.broken: _Break | None = None

    def add(self, row: BalanceRow) -> None:
        if self.broken is not None:
            return
        if row.balance is None:
            self.between += row.amount
            return
        previous = self.previous
        if previous is not None:
            between = self.between
            expected = previous - between if self.newest_first else previous + between + row.amount
            if expected != row.balance:
                self.broken = _Break(row, expected)
                return
        self.previous = row.balance
        # Newest first, a row's own amount lies between its balance and the next one's.
        self.between = row.amount if self.newest_first else Decimal(0)


class BalanceFollower:
    """The booked rows of a file, followed in file order one at a time."""

    def __init__(self) -> None:
        self._chains = (_Chain(newest_first=False), _Chain(newest_first=True))
        self.rows = 0
        self._total = Decimal(0)
        #: The first balance in the file and the amounts up to and including its row.
        self._first: Decimal | None = None
        self._through_first = Decimal(0)
        #: The last balance in the file and the amounts before its row.
        self._last: Decimal | None = None
        self._before_last = Decimal(0)
        self._first_day: date | None = None
        self._last_day: date | None = None
        #: The period: of the booked rows, or of every row when none is booked.
        self._booked_days: tuple[date, date] | None = None
        self._all_days: tuple[date, date] | None = None

    def add(self, row: BalanceRow) -> None:
        self.rows += 1
        self._all_days = _widen(self._all_days, row.date)
        if not row.pending:
            self._booked_days = _widen(self._booked_days, row.date)
        if row.pending and row.balance is None:
            return
        if self._first_day is None:
            self._first_day = row.date
        self._last_day = row.date
        if row.balance is None and self._first is None:
            # Before the first balance the chains have nothing to check (a file
            # without a balance column never gets past here).
            self._total += row.amount
            return
        for chain in self._chains:
            chain.add(row)
        if row.balance is not None:
            if self._first is None:
                self._first = row.balance
                self._through_first = self._total + row.amount
            self._last = row.balance
            self._before_last = self._total
        self._total += row.amount

    def _orders(self) -> list[_Chain]:
        """The orders to try: the one the dates show, or both when they show none."""
        first, last = self._first_day, self._last_day
        if first == last:
            return list(self._chains)
        assert first is not None and last is not None
        return [self._chains[first > last]]

    def chains_as_credits(self) -> bool:
        """Whether the amounts (unsigned ones read as money in) chain with the balances."""
        return self._first is not None and any(c.broken is None for c in self._orders())

    def stated(self, column: str) -> StatedBalances | None:
        """The opening and closing balances, once every balance follows from the amounts.

        ``ValidationError`` names the first row (and its line) whose balance breaks
        the chain; None when no row states a balance.
        """
        if self._first is None or self._last is None:
            return None
        breaks = []
        for chain in self._orders():
            if chain.broken is None:
                if chain.newest_first:
                    opening = self._last - (self._total - self._before_last)
                else:
                    opening = self._first - self._through_first
                return StatedBalances(opening, opening + self._total)
            breaks.append(chain.broken)
        broken = breaks[0]
        raise ValidationError(
            [
                FieldError(
                    "file",
                    f"the balances in {column} do not add up with the amounts: row "
                    f"{broken.row.row} (line {broken.row.line}) states {broken.row.balance} "
                    f"where the rows before it lead to {broken.expected}. Check the amount "
                    "column and its signs, or set check_balances=false to import without the "
                    "balances",
                    row=broken.row.row,
                    line=broken.row.line,
                )
            ]
        )

    def statement(self, stated: StatedBalances | None) -> ParsedStatement | None:
        """The statement of the rows followed (None when there were none)."""
        days = self._booked_days or self._all_days
        if days is None:
            return None
        return ParsedStatement(
            period_start=days[0],
            period_end=days[1],
            opening_balance=stated.opening if stated else None,
            closing_balance=stated.closing if stated else None,
        )


def _widen(days: tuple[date, date] | None, day: date) -> tuple[date, date]:
    if days is None:
        return (day, day)
    return (min(days[0], day), max(days[1], day))


def followed(rows: Iterable[BalanceRow]) -> BalanceFollower:
    """A follower that has seen ``rows``."""
    follower = BalanceFollower()
    for row in rows:
        follower.add(row)
    return follower


def check_chain(rows: Iterable[BalanceRow], column: str) -> StatedBalances | None:
    """``BalanceFollower.stated`` of ``rows``."""
    return followed(rows).stated(column)


def chains_as_credits(rows: Iterable[BalanceRow]) -> bool:
    """Whether unsigned amounts, read as money in, chain with the balances."""
    return followed(rows).chains_as_credits()
