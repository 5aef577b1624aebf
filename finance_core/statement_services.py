"""Use cases of statements and reconciliations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Final

from finance_core.accounts import Account
from finance_core.errors import NotFoundError, PermissionDeniedError, ValidationError, gather
from finance_core.events import Event, EventKind
from finance_core.ledger_base import LedgerBase
from finance_core.money import check_amount
from finance_core.ports import UnitOfWork
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.reconciliation import BalanceMismatch, latest
from finance_core.statements import (
    ParsedStatement,
    Reconciliation,
    ReconciliationCheck,
    Statement,
    StatementView,
)
from finance_core.tenancy import Principal, Role
from finance_core.transactions import Transaction, check_date

#: Page size when collecting the unreconciled transactions of a refused reconciliation.
_PAGE: Final = 500


def book_balance(uow: UnitOfWork, account: Account, through: date) -> Decimal:
    """The account's balance at the end of ``through``."""
    return account.initial_balance + uow.transactions.sum_amounts(account.id, through=through)


def statement_view(uow: UnitOfWork, account: Account, statement: Statement) -> StatementView:
    """The statement with the account's book balance at the end of its last day."""
    if statement.period_end is None:
        return StatementView(statement, None, None)
    book = book_balance(uow, account, statement.period_end)
    closing = statement.closing_balance
    return StatementView(statement, book, None if closing is None else closing - book)


def against_books(
    uow: UnitOfWork, account: Account, stated: ParsedStatement, added: Decimal = Decimal(0)
) -> ReconciliationCheck | None:
    """The stated closing balance against the books at the statement's last day.

    ``added`` is what an import would add up to that day (a dry run's new
    rows); None when the statement states no closing balance or no last day.
    """
    end, closing = stated.period_end, stated.closing_balance
    if end is None or closing is None:
        return None
    return ReconciliationCheck(closing, book_balance(uow, account, end) + added)


class StatementServices(LedgerBase):
    """Statements recorded by imports, and reconciling an account with the bank."""

    @staticmethod
    def _account(uow: UnitOfWork, account_id: int, *, for_update: bool = False) -> Account:
        account = uow.accounts.get(account_id, for_update=for_update)
        if account is None:
            raise NotFoundError("account", account_id)
        return account

    def record_statement(
        self, principal: Principal, account_id: int, file_hash: str, stated: ParsedStatement
    ) -> StatementView:
        """Record what a file stated about an account, with the books at its last day."""
        principal.require_write()
        with self._unit(principal.tenant_id) as uow:
            account = self._account(uow, account_id)
            (ident,) = uow.allocate_ids("statement")
            statement = Statement(
                id=ident,
                tenant_id=principal.tenant_id,
                account_id=account_id,
                file_hash=file_hash,
                period_start=stated.period_start,
                period_end=stated.period_end,
                opening_balance=stated.opening_balance,
                closing_balance=stated.closing_balance,
                created_at=self._now(),
            )
            uow.statements.add(statement)
            view = statement_view(uow, account, statement)
            uow.commit()
        return view

    def _record_file(
        self,
        principal: Principal,
        uow: UnitOfWork,
        stated: Sequence[tuple[Account, ParsedStatement]],
        file_hash: str | None,
    ) -> tuple[StatementView, ...]:
        """Record each statement of an imported file once: importing it again records
        nothing new. Nothing without ``file_hash``."""
        if file_hash is None:
            return ()
        views = []
        for account, statement in stated:
            known = [
                s
                for s in uow.statements.list_for_account(account.id)
                if (s.file_hash, s.period_start, s.period_end)
                == (file_hash, statement.period_start, statement.period_end)
            ]
            if known:
                views.append(statement_view(uow, account, known[0]))
            else:
                views.append(self.record_statement(principal, account.id, file_hash, statement))
        return tuple(views)

    def list_statements(self, principal: Principal, account_id: int) -> list[StatementView]:
        """The account's statements, each with its book balance and difference as of now."""
        with self._unit(principal.tenant_id, readonly=True) as uow:
            account = self._account(uow, account_id)
            return [
                statement_view(uow, account, s) for s in uow.statements.list_for_account(account_id)
            ]

    def reconcile(
        self, principal: Principal, account_id: int, on: object, balance: object
    ) -> Reconciliation:
        """Record that the books agree with ``balance`` at the end of ``on``, locking them.

        ``BalanceMismatch`` (with the difference and the unreconciled transactions
        up to that day) when they disagree; then nothing is recorded or locked.
        """
        principal.require_write()
        with self._unit(principal.tenant_id) as uow:
            account = self._account(uow, account_id, for_update=True)
            cleaned, errors = gather(
                {
                    "date": partial(check_date, on),
                    "balance": partial(check_amount, balance, account.currency, "balance"),
                }
            )
            if errors:
                raise ValidationError(errors)
            day: date = cleaned["date"]
            book = book_balance(uow, account, day)
            if book != cleaned["balance"]:
                raise BalanceMismatch(
                    cleaned["balance"], book, day, self._unreconciled(uow, account_id, day)
                )
            creator = uow.users.get_or_create(principal.user_id)
            (ident,) = uow.allocate_ids("reconciliation")
            reconciliation = Reconciliation(
                id=ident,
                tenant_id=principal.tenant_id,
                account_id=account_id,
                date=day,
                balance=cleaned["balance"],
                created_at=self._now(),
                created_by=creator.id,
            )
            uow.reconciliations.add(reconciliation)
            uow.commit()
        self.notify(
            principal.tenant_id, [Event(EventKind.ACCOUNT_CHANGED, principal.tenant_id, account_id)]
        )
        return reconciliation

    @staticmethod
    def _unreconciled(uow: UnitOfWork, account_id: int, through: date) -> list[Transaction]:
        """Rows dated after the latest reconciliation, up to ``through``, oldest first."""
        lock = latest(uow, account_id)
        start = None if lock is None else date.fromordinal(lock.date.toordinal() + 1)
        flt = TransactionFilter(account_id=account_id, start_date=start, end_date=through)
        found: list[Transaction] = []
        page = uow.transactions.query(flt, PageRequest(limit=_PAGE, with_total=False))
        found.extend(page.items)
        while page.next_cursor is not None:
            after = Cursor.decode(page.next_cursor)
            page = uow.transactions.query(
                flt, PageRequest(limit=_PAGE, cursor=after, with_total=False)
            )
            found.extend(page.items)
        return sorted(found, key=lambda t: (t.date, t.id))

    def list_reconciliations(self, principal: Principal, account_id: int) -> list[Reconciliation]:
        """The account's reconciliations, oldest day first."""
        with self._unit(principal.tenant_id, readonly=True) as uow:
            self._account(uow, account_id)
            return uow.reconciliations.list_for_account(account_id)

    def reconciled_through(self, principal: Principal) -> dict[int, date]:
        """Each reconciled account's latest reconciled day."""
        with self._unit(principal.tenant_id, readonly=True) as uow:
            found: dict[int, date] = {}
            for rec in uow.reconciliations.list():
                found[rec.account_id] = max(rec.date, found.get(rec.account_id, rec.date))
            return found

    def delete_reconciliation(
        self, principal: Principal, account_id: int, reconciliation_id: int
    ) -> None:
        """Delete a reconciliation, lifting its lock; admins and owners only."""
        if principal.role not in (Role.OWNER, Role.ADMIN):
            raise PermissionDeniedError(
                f"role {principal.role.value!r} cannot delete a reconciliation; "
                "an admin or owner can"
            )
        with self._unit(principal.tenant_id) as uow:
            self._account(uow, account_id, for_update=True)
            found = uow.reconciliations.get(reconciliation_id)
            if found is None or found.account_id != account_id:
                raise NotFoundError("reconciliation", reconciliation_id)
            uow.reconciliations.delete(reconciliation_id)
            uow.commit()
        self.notify(
            principal.tenant_id, [Event(EventKind.ACCOUNT_CHANGED, principal.tenant_id, account_id)]
        )
