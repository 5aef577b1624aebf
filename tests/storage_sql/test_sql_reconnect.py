"""Pooled PostgreSQL connections are not pinged: a dead one is replaced at the first statement."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sql_support import PG_URL, ScratchDatabase, admin_url, fresh_tenant
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from finance_core.accounts import Account, AccountType
from finance_core.errors import StorageError
from finance_core.testing.clock import FakeClock
from finance_core.transactions import Transaction
from finance_storage_sql.migrations.run import migrate_url
from finance_storage_sql.storage import SqlStorage

NOW = FakeClock()()
REPLACED = "replacing a database connection that was lost"


def _account(tenant: str, ident: int = 1) -> Account:
    zero = Decimal(0)
    return Account(
        ident, tenant, "A", AccountType.CHECKING, "USD", zero, zero, None, None, NOW, NOW
    )


def _txn(tenant: str, ident: int) -> Transaction:
    return Transaction(
        id=ident,
        tenant_id=tenant,
        account_id=1,
        amount=Decimal("1.00"),
        date=date(2024, 1, 1),
        category="c",
        created_at=NOW,
        updated_at=NOW,
    )


def _admin(sql: str, **params: object) -> None:
    admin = create_engine(admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(sql), params)
    finally:
        admin.dispose()


def _terminate(application_name: str) -> None:
    _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name",
        name=application_name,
    )


def _backend_pid(storage: SqlStorage) -> int:
    with storage.unit_of_work(fresh_tenant(), readonly=True) as uow:
        pid: int = uow.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid


@pytest.fixture
def named_pg(pg_url: str) -> Iterator[tuple[SqlStorage, str]]:
    """A PostgreSQL storage with a one-connection pool and a unique application name."""
    name = f"finance-test-{uuid.uuid4().hex[:12]}"
    storage = SqlStorage(f"{pg_url}?application_name={name}", environ={"DB_POOL_SIZE": "1"})
    yield storage, name
    storage.close()


class TestDeadPooledConnection:
    def test_read_after_the_server_ended_the_pooled_connection_succeeds(
        self, named_pg: tuple[SqlStorage, str]
    ) -> None:
        """A unit of work whose pooled connection was killed while idle still reads."""
        storage, name = named_pg
        before = _backend_pid(storage)
        _terminate(name)
        assert _backend_pid(storage) != before

    def test_dead_connection_is_handed_out_unchecked_and_replaced(
        self, named_pg: tuple[SqlStorage, str], caplog: pytest.LogCaptureFixture
    ) -> None:
        """No ping at checkout: the first statement meets the dead connection and runs again."""
        storage, name = named_pg
        storage.check()
        _terminate(name)
        with caplog.at_level(logging.INFO, logger="finance_storage_sql.unit_of_work"):
            storage.check()
        assert [r.message for r in caplog.records if REPLACED in r.message]

    def test_hot_read_as_first_statement_is_replaced_too(
        self, named_pg: tuple[SqlStorage, str], caplog: pytest.LogCaptureFixture
    ) -> None:
        """A read run on the driver's cursor (the caller, an account) meets a dead
        connection the same way: the connection is replaced and the read answers."""
        storage, name = named_pg
        tenant = fresh_tenant()
        with storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.commit()
        _terminate(name)
        with (
            caplog.at_level(logging.INFO, logger="finance_storage_sql.unit_of_work"),
            storage.unit_of_work(tenant, readonly=True) as uow,
        ):
            found = uow.accounts.get(1)
        assert found is not None and found.id == 1
        assert [r.message for r in caplog.records if REPLACED in r.message]

    def test_every_dead_pooled_connection_is_replaced_for_a_hot_read(self, pg_url: str) -> None:
        """A server restart kills every pooled connection: the first lost one marks the
        others stale, so the retried hot read gets a freshly made connection."""
        name = f"finance-test-{uuid.uuid4().hex[:12]}"
        storage = SqlStorage(f"{pg_url}?application_name={name}", environ={"DB_POOL_SIZE": "3"})
        try:
            tenant = fresh_tenant()
            with storage.unit_of_work(tenant) as uow:
                uow.accounts.add(_account(tenant))
                uow.commit()
            held = [storage.unit_of_work(tenant, readonly=True) for _ in range(3)]
            for uow in held:
                uow.__enter__()
                uow.execute(text("SELECT 1"))
            for uow in held:
                uow.__exit__(None, None, None)
            _terminate(name)
            with storage.unit_of_work(tenant, readonly=True) as uow:
                found = uow.accounts.get(1)
            assert found is not None and found.id == 1
        finally:
            storage.close()

    def test_first_statement_a_write_is_stored_exactly_once(
        self, named_pg: tuple[SqlStorage, str]
    ) -> None:
        """A write that is the unit's first statement runs again on the new connection, once."""
        storage, name = named_pg
        tenant = fresh_tenant()
        storage.check()
        _terminate(name)
        with storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.commit()
        with storage.unit_of_work(tenant, readonly=True) as uow:
            assert [a.id for a in uow.accounts.list()] == [1]

    def test_connection_lost_after_the_first_statement_is_not_retried(
        self, named_pg: tuple[SqlStorage, str], caplog: pytest.LogCaptureFixture
    ) -> None:
        """Once a statement went out, a lost connection fails the unit of work: nothing stored."""
        storage, name = named_pg
        tenant = fresh_tenant()
        logs = caplog.at_level(logging.INFO, logger="finance_storage_sql.unit_of_work")
        with logs, storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            _terminate(name)
            with pytest.raises(StorageError, match="connection was lost"):
                uow.transactions.add_many([_txn(tenant, 1)])
        assert not [r for r in caplog.records if REPLACED in r.message]
        with storage.unit_of_work(tenant, readonly=True) as uow:
            assert uow.accounts.list() == []

    def test_next_transaction_of_the_same_unit_may_be_retried(
        self, named_pg: tuple[SqlStorage, str]
    ) -> None:
        """After a commit the next transaction's first statement is again safe to retry."""
        storage, name = named_pg
        tenant = fresh_tenant()
        with storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1))
            uow.commit()
            _terminate(name)
            uow.accounts.add(_account(tenant, 2))
            uow.commit()
        with storage.unit_of_work(tenant, readonly=True) as uow:
            assert [a.id for a in uow.accounts.list()] == [1, 2]


class TestDatabaseAway:
    def test_unreachable_database_fails_the_unit_and_later_units_recover(
        self, scratch_pg: ScratchDatabase
    ) -> None:
        """While connections are refused the retry fails with StorageError; after, it works."""
        url = scratch_pg()
        migrate_url(url)
        storage = SqlStorage(url)
        database = make_url(url).database
        try:
            storage.check()
            _admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            _admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db",
                db=database,
            )
            tenant = fresh_tenant()
            with storage.unit_of_work(tenant) as uow:
                with pytest.raises(StorageError, match=f"cannot connect to .*{database}"):
                    uow.accounts.add(_account(tenant))
                with pytest.raises(StorageError, match="already failed"):
                    uow.commit()
            _admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            with storage.unit_of_work(tenant) as uow:
                uow.accounts.add(_account(tenant))
                uow.commit()
            with storage.unit_of_work(tenant, readonly=True) as uow:
                assert [a.id for a in uow.accounts.list()] == [1]
        finally:
            storage.close()

    def test_opening_an_unreachable_database_names_it_without_the_password(self) -> None:
        """Opening storage on a port nobody listens on says what and how, password masked."""
        url = make_url(PG_URL).set(port=1, password="hunter2")
        with pytest.raises(StorageError) as raised:
            SqlStorage(url.render_as_string(hide_password=False))
        message = str(raised.value)
        assert "hunter2" not in message
        assert "***" in message
        assert "check that the database server is running" in message
