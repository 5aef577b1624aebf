"""Bulk writes: one batched statement per table, inside the unit of work's transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from sql_support import fresh_tenant
from sqlalchemy import event

from finance_core.accounts import Account, AccountType
from finance_core.errors import ValidationError
from finance_core.testing.clock import FakeClock
from finance_core.transactions import Split, Transaction
from finance_storage_sql import bulk
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

    def test_rows_without_tags_or_splits_beside_rows_with_them(
        self, any_storage: SqlStorage
    ) -> None:
        """In a mixed batch every row reads back with exactly its own tags and splits."""
        tenant = fresh_tenant()
        batch = [
            txn if txn.id % 2 else attrs.evolve(txn, tags=(), splits=())
            for txn in _batch(tenant, 120)
        ]
        with any_storage.unit_of_work(tenant) as uow:
            zero, kind = Decimal(0), AccountType.CHECKING
            uow.accounts.add(Account(1, tenant, "A", kind, "USD", zero, zero, None, None, NOW, NOW))
            uow.transactions.add_many(batch)
            uow.commit()
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            assert [uow.transactions.get(t.id) for t in batch] == batch


class TestSqliteBulkRows:
    def _stored(
        self, storage: SqlStorage, tenant: str, count: int, table: str = "transactions"
    ) -> list[tuple[Any, ...]]:
        batch = [
            attrs.evolve(
                txn,
                description=f"Caf\u00e9 {txn.id}" if txn.id % 2 else None,
                merchant="Shop",
                external_id=f"ext-{txn.id}",
                rule_fields=(("category", 3), ("merchant", 4)) if txn.id % 3 else (),
                person_fields=(None, (), ("category", "merchant"))[txn.id % 3],
                created_at=datetime(
                    2024, 3, 1, 12, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2))
                ),
                date=date(1999, 12, 30) + timedelta(days=txn.id % 3),
            )
            for txn in _batch(tenant, count)
        ]
        with storage.unit_of_work(tenant) as uow:
            zero, kind = Decimal(0), AccountType.CHECKING
            uow.accounts.add(Account(1, tenant, "A", kind, "USD", zero, zero, None, None, NOW, NOW))
            uow.transactions.add_many(batch)
            uow.commit()
        with storage.engine.connect() as connection:
            result = connection.exec_driver_sql(
                f"SELECT * FROM {table} WHERE tenant_id = ? ORDER BY rowid", (tenant,)
            )
            return [row[1:] for row in result]

    def test_bulk_rows_are_stored_as_the_usual_statement_stores_them(
        self, sqlite_storage: SqlStorage
    ) -> None:
        """A batch above the bulk threshold stores the very text a small batch stores."""
        small = self._stored(sqlite_storage, fresh_tenant(), bulk.MIN_ROWS - 1)
        large = self._stored(sqlite_storage, fresh_tenant(), bulk.MIN_ROWS + 10)
        assert large[: len(small)] == small

    def test_bulk_tag_rows_are_stored_as_the_usual_statement_stores_them(
        self, sqlite_storage: SqlStorage
    ) -> None:
        """Tags of a batch above the bulk threshold are the very rows a small batch stores."""
        small = self._stored(sqlite_storage, fresh_tenant(), bulk.MIN_ROWS - 1, "transaction_tags")
        large = self._stored(sqlite_storage, fresh_tenant(), bulk.MIN_ROWS + 10, "transaction_tags")
        assert small
        assert large[: len(small)] == small

    def test_bulk_rows_read_back_in_full(self, sqlite_storage: SqlStorage) -> None:
        """Transactions written by the bulk path read back equal, times in UTC."""
        tenant = fresh_tenant()
        batch = _batch(tenant, bulk.MIN_ROWS + 1)
        with sqlite_storage.unit_of_work(tenant) as uow:
            zero, kind = Decimal(0), AccountType.CHECKING
            uow.accounts.add(Account(1, tenant, "A", kind, "USD", zero, zero, None, None, NOW, NOW))
            uow.transactions.add_many(batch)
            uow.commit()
        with sqlite_storage.unit_of_work(tenant, readonly=True) as uow:
            assert [uow.transactions.get(t.id) for t in batch] == batch

    def test_bulk_rows_refuse_an_amount_the_currency_cannot_hold(self) -> None:
        """An amount finer than the currency's minor unit is refused, never truncated."""
        txn = attrs.evolve(_batch("t", 1)[0], amount=Decimal("-2.505"))
        with pytest.raises(ValidationError, match="amount"):
            bulk.sqlite_rows([txn], {1: "USD"})
        (row,) = bulk.sqlite_rows([_batch("t", 1)[0]], {1: "USD"})
        assert row[bulk.COLUMNS.index("amount_minor")] == -250
