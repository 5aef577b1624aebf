"""The memory backend's statement and reconciliation repositories."""

from __future__ import annotations

from typing import TYPE_CHECKING

from finance_core.statements import Reconciliation, Statement

if TYPE_CHECKING:
    from finance_core.memory import MemoryUnitOfWork


class MemoryStatementRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def add(self, statement: Statement) -> None:
        self._uow._put("statements", statement.id, statement)

    def list_for_account(self, account_id: int) -> list[Statement]:
        return [s for s in self.list() if s.account_id == account_id]

    def list(self) -> list[Statement]:
        rows = self._uow.state.statements
        return [rows[k] for k in sorted(rows)]

    def delete_for_account(self, account_id: int) -> None:
        for statement in self.list_for_account(account_id):
            self._uow._put("statements", statement.id, None)


class MemoryReconciliationRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def add(self, reconciliation: Reconciliation) -> None:
        self._uow._put("reconciliations", reconciliation.id, reconciliation)

    def get(self, reconciliation_id: int) -> Reconciliation | None:
        found: Reconciliation | None = self._uow.state.reconciliations.get(reconciliation_id)
        return found

    def delete(self, reconciliation_id: int) -> None:
        self._uow._put("reconciliations", reconciliation_id, None)

    def list_for_account(self, account_id: int) -> list[Reconciliation]:
        found = [r for r in self.list() if r.account_id == account_id]
        return sorted(found, key=lambda r: (r.date, r.id))

    def list(self) -> list[Reconciliation]:
        rows = self._uow.state.reconciliations
        return [rows[k] for k in sorted(rows)]

    def delete_for_account(self, account_id: int) -> None:
        for reconciliation in self.list_for_account(account_id):
            self._uow._put("reconciliations", reconciliation.id, None)
