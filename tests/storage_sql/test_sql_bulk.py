"""Bulk writes: one batched statement per table, inside the unit of work's transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sql_support import fresh_tenant
from sqlalchemy import event

from finance_core.accounts import Account, AccountType
from finance_core.testing.clock import FakeClock
from finance_core.transactions import Split, Transaction
from finance_storage_sql.storage import SqlStorage

NOW = FakeClock()()


def _batch(tenant: str, count: int) -> list[Transaction]:
    return [
        Transaction(
            id=ident,
            tenant_id=tenant,
            account_id=1,
            amount=Decimal("-2.50"),
            date=date(2024, 2, 1),
            category="c",
            created_at=NOW,
            updated_at=NOW,
            tags=("a", "b"),
            splits=(Split("x", Decimal("-2.00")), Split("y", Decimal("-0.50"))),
        )
        for ident in range(1, count + 1)
    ]


class TestAddMany:
    def test_rows_tags_and_splits_go_in_three_batches_without_commits(
        self, any_storage: SqlStorage
    ) -> None:
        """200 transactions: three executemany statements, and nothing committed by them."""
        tenant = fresh_tenant()
        sent: list[tuple[str, bool]] = []

        def record(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, many: bool) -> None:
            sent.append((statement.split("(")[0].strip(), many))

        with any_storage.unit_of_work(tenant) as uow:
            zero, kind = Decimal(0), AccountType.CHECKING
            uow.accounts.add(Account(1, tenant, "A", kind, "USD", zero, zero, None, None, NOW, NOW))
            event.listen(any_storage.engine, "before_cursor_execute", record)
            try:
                uow.transactions.add_many(_batch(tenant, 200))
            finally:
                event.remove(any_storage.engine, "before_cursor_execute", record)
            uow.commit()
        assert sent == [
            ("INSERT INTO transactions", True),
            ("INSERT INTO transaction_tags", True),
            ("INSERT INTO transaction_splits", True),
        ]

    def test_the_batch_reads_back_in_full(self, any_storage: SqlStorage) -> None:
        """Every row of the batch, with its tags and splits in order, is stored."""
        tenant = fresh_tenant()
        batch = _batch(tenant, 200)
        with any_storage.unit_of_work(tenant) as uow:
            zero, kind = Decimal(0), AccountType.CHECKING
            uow.accounts.add(Account(1, tenant, "A", kind, "USD", zero, zero, None, None, NOW, NOW))
            uow.transactions.add_many(batch)
            uow.commit()
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            assert [uow.transactions.get(t.id) for t in batch] == batch
