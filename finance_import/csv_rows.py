"""Turning one CSV record into a ``ParsedRow`` once the columns are known."""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal
from typing import Final, Literal

import attrs

from finance_core.importing import ParsedRow
from finance_core.money import ISO_4217_CODES
from finance_import.amounts import AmountError, as_debit, parse_amount
from finance_import.csv_columns import Columns
from finance_import.dates import DateError, DateReader
from finance_import.markers import direction
from finance_import.text import squash

#: Status values of rows that are not booked yet.
PENDING: Final = frozenset({"pending", "vorgemerkt", "ausstehend", "en attente"})
#: Status values of rows that never moved money; they are always left out.
NOT_BOOKED: Final = frozenset({"declined", "reverted", "failed", "cancelled", "canceled"})


class RowError(ValueError):
    """A record that cannot be read; the message names the column and the problem."""


def explicitly_signed(text: str) -> bool:
    """Whether an amount carries its own sign (which then beats a sign column)."""
    text = text.strip()
    return text.startswith(("+", "-", "(")) or text.endswith("-")


@attrs.frozen
class RowReader:
    """Reads records of one file: its columns, date order and decimal separator."""

    columns: Columns
    dates: DateReader
    decimal: str
    #: The currency a header states (``Betrag (EUR)``) when no column holds one.
    currency: str | None = None
    #: -1 or 1 when the caller says every unsigned amount is money out or in.
    unsigned: Literal[-1, 1] | None = None

    def cell(self, cells: list[str], field: str) -> str:
        at = self.columns.index.get(field)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    def read(self, number: int, cells: list[str]) -> ParsedRow | None:
        """The row, or None when its status says it never happened; ``RowError`` if unreadable."""
        status = self.cell(cells, "status").casefold()
        if status in NOT_BOOKED:
            return None
        description = squash(self.cell(cells, "description"))
        merchant = squash(self.cell(cells, "merchant"))
        return ParsedRow(
            row=number,
            date=self._date(cells),
            amount=self._amount(cells),
            description=description or merchant,
            merchant=merchant,
            category=squash(self.cell(cells, "category")),
            file_id=squash(self.cell(cells, "id")),
            currency=self._currency(cells),
            pending=status in PENDING,
        )

    def _date(self, cells: list[str]) -> date_type:
        field = "date"
        text = self.cell(cells, field)
        if not text and "fallback_date" in self.columns.index:
            field = "fallback_date"
            text = self.cell(cells, field)
        try:
            return self.dates(text)
        except DateError as exc:
            raise RowError(f"{self.columns.label(field)}: {exc}") from None

    def _number(self, field: str, text: str) -> Decimal:
        try:
            return parse_amount(text, self.decimal)
        except AmountError as exc:
            raise RowError(f"{self.columns.label(field)}: {exc}") from None

    def _amount(self, cells: list[str]) -> Decimal:
        if "amount" in self.columns.index:
            text = self.cell(cells, "amount")
            value = self._number("amount", text)
            if "sign" in self.columns.index and not explicitly_signed(text):
                value = self._signed(cells, value)
            elif self.unsigned is not None and not explicitly_signed(text):
                value = abs(value) if self.unsigned > 0 else as_debit(value)
        else:
            debit, credit = self.cell(cells, "debit"), self.cell(cells, "credit")
            if not debit and not credit:
                fields = [f for f in ("debit", "credit") if f in self.columns.index]
                names = " and ".join(self.columns.label(f) for f in fields)
                raise RowError(f"{names}: no amount in this row")
            value = self._number("credit", credit) if credit else Decimal(0)
            if debit:
                # Debit is money out whether the bank writes it 12.00 or -12.00.
                value -= abs(self._number("debit", debit))
        fee = self.cell(cells, "fee")
        if fee:
            value -= abs(self._number("fee", fee))
        return value

    def _signed(self, cells: list[str], value: Decimal) -> Decimal:
        word = self.cell(cells, "sign")
        way = direction(word)
        if way is None:
            raise RowError(
                f"{self.columns.label('sign')} holds {word.casefold()!r}, so it is unclear "
                f"whether {value} is money in or out; it should hold a debit/credit marker "
                "such as DEBIT/CREDIT, D/C, Soll/Haben or Af/Bij"
            )
        return abs(value) if way > 0 else as_debit(value)

    def balance(self, cells: list[str]) -> Decimal | None:
        """The running balance after this row; None when the cell is blank."""
        text = self.cell(cells, "balance")
        if not text:
            return None
        try:
            return parse_amount(text, self.decimal)
        except AmountError as exc:
            raise RowError(f"{self.columns.label('balance')}: {exc}") from None

    def _currency(self, cells: list[str]) -> str | None:
        code = self.cell(cells, "currency").upper() or self.currency
        if code is not None and code not in ISO_4217_CODES:
            raise RowError(
                f"{self.columns.label('currency')}: {code!r} is not an ISO 4217 currency code"
            )
        return code
