"""Statements and reconciliations in a tenant's export, and back in a restore."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from finance_core.accounts import Account
from finance_core.errors import ValidationError
from finance_core.money import check_amount
from finance_core.ports import UnitOfWork
from finance_core.statements import Reconciliation, Statement
from finance_core.transactions import Transaction


def export_statements(
    uow: UnitOfWork,
) -> tuple[tuple[Statement, ...], tuple[Reconciliation, ...]]:
    return tuple(uow.statements.list()), tuple(uow.reconciliations.list())


def check_statements(
    accounts: Sequence[Account],
    transactions: Sequence[Transaction],
    statements: Sequence[Statement],
    reconciliations: Sequence[Reconciliation],
) -> None:
    """Each names an account of the document; each reconciliation agrees with the books."""
    by_id = {a.id: a for a in accounts}
    for statement in statements:
        account = by_id.get(statement.account_id)
        if account is None:
            raise ValidationError.of(
                "statements",
                f"statement {statement.id} names account {statement.account_id}, not in the file",
            )
        for field in ("opening_balance", "closing_balance"):
            value = getattr(statement, field)
            if value is not None:
                try:
                    check_amount(value, account.currency, field)
                except ValidationError as exc:
                    raise ValidationError.of(
                        "statements", f"statement {statement.id}: {exc}"
                    ) from None
    for rec in reconciliations:
        account = by_id.get(rec.account_id)
        if account is None:
            raise ValidationError.of(
                "reconciliations",
                f"reconciliation {rec.id} names account {rec.account_id}, not in the file",
            )
        book = account.initial_balance + sum(
            (
                t.amount
                for t in transactions
                if t.account_id == rec.account_id and t.date <= rec.date
            ),
            Decimal(0),
        )
        if book != rec.balance:
            raise ValidationError.of(
                "reconciliations",
                f"reconciliation {rec.id} says account {rec.account_id} held {rec.balance} at "
                f"the end of {rec.date.isoformat()}, but its transactions add up to {book}",
            )


def restore_statements(
    uow: UnitOfWork,
    tenant_id: str,
    accounts: Mapping[int, int],
    statements: Sequence[Statement],
    reconciliations: Sequence[Reconciliation],
    creator: int | None,
) -> tuple[tuple[Statement, ...], tuple[Reconciliation, ...]]:
    """Store them with fresh ids, pointing at the restored accounts."""
    statement_ids = uow.allocate_ids("statement", len(statements))
    restored = tuple(
        attrs.evolve(s, id=ident, tenant_id=tenant_id, account_id=accounts[s.account_id])
        for ident, s in zip(statement_ids, statements, strict=True)
    )
    reconciliation_ids = uow.allocate_ids("reconciliation", len(reconciliations))
    locks = tuple(
        attrs.evolve(
            r, id=ident, tenant_id=tenant_id, account_id=accounts[r.account_id], created_by=creator
        )
        for ident, r in zip(reconciliation_ids, reconciliations, strict=True)
    )
    for statement in restored:
        uow.statements.add(statement)
    for rec in locks:
        uow.reconciliations.add(rec)
    return restored, locks
