"""Statements and reconciliations in SQL: row mapping and repositories.

Balances are stored in minor units next to the account's currency, which a
foreign key ties to the account, like every other amount in the schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select

from finance_core.errors import DuplicateError
from finance_core.money import from_minor
from finance_core.statements import Reconciliation, Statement
from finance_storage_sql.mapping import Row, minor
from finance_storage_sql.schema import reconciliations, statements

if TYPE_CHECKING:
    from finance_storage_sql.unit_of_work import SqlUnitOfWork


def _minor(amount: Decimal | None, currency: str, field: str) -> int | None:
    return None if amount is None else minor(amount, currency, field)


def _amount(units: int | None, currency: str) -> Decimal | None:
    return None if units is None else from_minor(units, currency)


def statement_to_row(statement: Statement, currency: str) -> dict[str, Any]:
    return {
        "tenant_id": statement.tenant_id,
        "id": statement.id,
        "account_id": statement.account_id,
        "currency": currency,
        "file_hash": statement.file_hash,
        "period_start": statement.period_start,
        "period_end": statement.period_end,
        "opening_balance_minor": _minor(statement.opening_balance, currency, "opening_balance"),
        "closing_balance_minor": _minor(statement.closing_balance, currency, "closing_balance"),
        "created_at": statement.created_at,
    }


def statement_from_row(row: Row) -> Statement:
    currency = row["currency"]
    return Statement(
        id=row["id"],
        tenant_id=row["tenant_id"],
        account_id=row["account_id"],
        file_hash=row["file_hash"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        opening_balance=_amount(row["opening_balance_minor"], currency),
        closing_balance=_amount(row["closing_balance_minor"], currency),
        created_at=row["created_at"],
    )


def reconciliation_to_row(reconciliation: Reconciliation, currency: str) -> dict[str, Any]:
    return {
        "tenant_id": reconciliation.tenant_id,
        "id": reconciliation.id,
        "account_id": reconciliation.account_id,
        "currency": currency,
        "date": reconciliation.date,
        "balance_minor": minor(reconciliation.balance, currency, "balance"),
        "created_at": reconciliation.created_at,
        "created_by": reconciliation.created_by,
    }


def reconciliation_from_row(row: Row) -> Reconciliation:
    return Reconciliation(
        id=row["id"],
        tenant_id=row["tenant_id"],
        account_id=row["account_id"],
        date=row["date"],
        balance=from_minor(row["balance_minor"], row["currency"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


class SqlStatementRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, statement: Statement) -> None:
        self._uow.require_writable()
        self._uow.require_own(statement.tenant_id, f"statement {statement.id}")
        currency = self._uow.currencies([statement.account_id])[statement.account_id]
        self._uow.execute(
            insert(statements).values(statement_to_row(statement, currency)),
            on_duplicate=lambda _: DuplicateError(f"statement {statement.id} already exists"),
        )

    def _select(self, account_id: int | None) -> list[Statement]:
        query = select(statements).where(statements.c.tenant_id == self._uow.tenant_id)
        if account_id is not None:
            query = query.where(statements.c.account_id == account_id)
        rows = self._uow.execute(query.order_by(statements.c.id))
        return [statement_from_row(row._mapping) for row in rows]

    def list_for_account(self, account_id: int) -> list[Statement]:
        return self._select(account_id)

    def list(self) -> list[Statement]:
        return self._select(None)

    def delete_for_account(self, account_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(statements).where(
                statements.c.tenant_id == self._uow.tenant_id,
                statements.c.account_id == account_id,
            )
        )


_OF_TENANT = (
    select(reconciliations)
    .where(reconciliations.c.tenant_id == bindparam("key_tenant_id"))
    .order_by(reconciliations.c.id)
)
_OF_ACCOUNT = (
    select(reconciliations)
    .where(
        reconciliations.c.tenant_id == bindparam("key_tenant_id"),
        reconciliations.c.account_id == bindparam("key_account_id"),
    )
    .order_by(reconciliations.c.date, reconciliations.c.id)
)


class SqlReconciliationRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, reconciliation: Reconciliation) -> None:
        self._uow.require_writable()
        self._uow.require_own(reconciliation.tenant_id, f"reconciliation {reconciliation.id}")
        currency = self._uow.currencies([reconciliation.account_id])[reconciliation.account_id]
        self._uow.execute(
            insert(reconciliations).values(reconciliation_to_row(reconciliation, currency)),
            on_duplicate=lambda _: DuplicateError(
                f"reconciliation {reconciliation.id} already exists"
            ),
        )

    def get(self, reconciliation_id: int) -> Reconciliation | None:
        row = self._uow.execute(
            select(reconciliations).where(
                reconciliations.c.tenant_id == self._uow.tenant_id,
                reconciliations.c.id == reconciliation_id,
            )
        ).first()
        return None if row is None else reconciliation_from_row(row._mapping)

    def delete(self, reconciliation_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(reconciliations).where(
                reconciliations.c.tenant_id == self._uow.tenant_id,
                reconciliations.c.id == reconciliation_id,
            )
        )

    def list_for_account(self, account_id: int) -> list[Reconciliation]:
        # Every write to an account asks (the reconciliation lock).
        key = {"key_tenant_id": self._uow.tenant_id, "key_account_id": account_id}
        return [reconciliation_from_row(row) for row in self._uow.fetch(_OF_ACCOUNT, key)]

    def list(self) -> list[Reconciliation]:
        key = {"key_tenant_id": self._uow.tenant_id}
        return [reconciliation_from_row(row) for row in self._uow.fetch(_OF_TENANT, key)]

    def delete_for_account(self, account_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(reconciliations).where(
                reconciliations.c.tenant_id == self._uow.tenant_id,
                reconciliations.c.account_id == account_id,
            )
        )
