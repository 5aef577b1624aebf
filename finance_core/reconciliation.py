"""The reconciliation lock, and the errors reconciling raises.

A reconciliation on day D locks its account's transactions dated on or before
D. ``refuse_locked`` is the one check every write path calls with the
transactions it is about to remove or add; it reads the account's latest
reconciliation, so deleting that reconciliation lifts the lock at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from finance_core.errors import ConflictError, FieldError, ValidationError
from finance_core.ports import UnitOfWork
from finance_core.statements import Reconciliation
from finance_core.transactions import Transaction


class ReconciledError(ConflictError):
    """A write would change the books before a reconciliation's day."""

    def __init__(self, reconciliation: Reconciliation, message: str) -> None:
        self.reconciliation = reconciliation
        super().__init__(message)


class BalanceMismatch(ValidationError):
    """The books disagree with the stated balance; nothing was recorded."""

    def __init__(
        self,
        stated: Decimal,
        book: Decimal,
        on: date,
        transactions: Sequence[Transaction],
    ) -> None:
        self.statement_balance = stated
        self.book_balance = book
        self.difference = stated - book
        self.date = on
        self.transactions = tuple(transactions)
        super().__init__(
            [
                FieldError(
                    "balance",
                    f"the books show {book} at the end of {on.isoformat()}, the bank {stated} "
                    f"(difference {self.difference}); find the missing or wrong transactions "
                    f"among the {len(self.transactions)} unreconciled ones up to that day, "
                    "then reconcile again",
                )
            ]
        )


def latest(uow: UnitOfWork, account_id: int) -> Reconciliation | None:
    """The account's reconciliation with the latest day (None when it has none)."""
    found = uow.reconciliations.list_for_account(account_id)
    return found[-1] if found else None


def refuse_locked(uow: UnitOfWork, *transactions: Iterable[Transaction]) -> None:
    """``ReconciledError`` when any of ``transactions`` is dated on or before its account's
    latest reconciliation (pass the old versions of changed rows and the new ones)."""
    cache: dict[int, Reconciliation | None] = {}
    for group in transactions:
        for txn in group:
            if txn.account_id not in cache:
                cache[txn.account_id] = latest(uow, txn.account_id)
            lock = cache[txn.account_id]
            if lock is not None and txn.date <= lock.date:
                raise ReconciledError(
                    lock,
                    f"account {txn.account_id} is reconciled through {lock.date.isoformat()} "
                    f"(reconciliation {lock.id}), so a transaction dated "
                    f"{txn.date.isoformat()} cannot be added, changed or deleted; delete "
                    f"reconciliation {lock.id} first if the books must change",
                )


def refuse_reconciled_account(uow: UnitOfWork, account_id: int) -> None:
    """``ReconciledError`` when the account has a reconciliation (its books are locked)."""
    lock = latest(uow, account_id)
    if lock is not None:
        raise ReconciledError(
            lock,
            f"account {account_id} is reconciled through {lock.date.isoformat()} "
            f"(reconciliation {lock.id}); delete its reconciliations before the account",
        )
