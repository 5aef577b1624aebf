"""Bank statements and reconciliations.

A ``Statement`` records what an imported file said about one account: which
file (its SHA-256), which days, and the opening and closing balances where the
file states them. Its book balance and difference are not stored: they are
computed when it is read, so a difference stays visible until the books are
fixed, and then disappears by itself.

A ``Reconciliation`` records that the books agreed with the bank on a day; the
account's transactions dated on or before that day are locked until it is
deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs


@attrs.frozen
class ParsedStatement:
    """What a file states about one statement; anything it does not state is None."""

    #: The file's own account id (IBAN, OFX ACCTID); None when the file names none.
    account: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None


@attrs.frozen
class Statement:
    id: int
    tenant_id: str
    account_id: int
    #: SHA-256 of the imported file, hex.
    file_hash: str
    period_start: date | None
    period_end: date | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    created_at: datetime


@attrs.frozen
class StatementView:
    """A statement with the account's book balance at the end of its last day."""

    statement: Statement
    book_balance: Decimal | None
    difference: Decimal | None


@attrs.frozen
class ReconciliationCheck:
    """A stated balance against the books: ``difference`` is stated minus book."""

    statement_balance: Decimal
    book_balance: Decimal

    @property
    def difference(self) -> Decimal:
        return self.statement_balance - self.book_balance


@attrs.frozen
class Reconciliation:
    id: int
    tenant_id: str
    account_id: int
    date: date
    balance: Decimal
    created_at: datetime
    created_by: int | None
