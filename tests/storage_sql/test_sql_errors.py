"""Database faults in domain terms, and a unit of work that is always rolled back."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sql_support import PG_URL, ScratchDatabase, admin_url, fresh_tenant
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from finance_core.accounts import Account, AccountType
from finance_core.errors import DuplicateError, StorageError, ValidationError
from finance_core.ports import IdempotencyRecord
from finance_core.tenancy import Tenant
from finance_core.testing.clock import FakeClock
from finance_core.transactions import Transaction
from finance_storage_sql.migrations.run import migrate_url
from finance_storage_sql.storage import SqlStorage
from finance_storage_sql.unit_of_work import SqlUnitOfWork

NOW = FakeClock()()


def _account(tenant: str, ident: int = 1) -> Account:
    zero = Decimal(0)
    return Account(
        ident, tenant, "A", AccountType.CHECKING, "USD", zero, zero, None, None, NOW, NOW
    )


def _txn(tenant: str, ident: int, external_id: str | None = None) -> Transaction:
    return Transaction(
        id=ident,
        tenant_id=tenant,
        account_id=1,
        amount=Decimal("1.00"),
        date=date(2024, 1, 1),
        category="c",
        created_at=NOW,
        updated_at=NOW,
        external_id=external_id,
    )


def _stored_ids(storage: SqlStorage, tenant: str) -> list[int]:
    with storage.unit_of_work(tenant, readonly=True) as uow:
        return [a.id for a in uow.accounts.list()]


def _admin_execute(sql: str, **params: object) -> None:
    """Run one statement as a separate client of the PostgreSQL server."""
    admin = create_engine(admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(sql), params)
    finally:
        admin.dispose()


@pytest.fixture
def named_pg(pg_url: str) -> Iterator[tuple[SqlStorage, str]]:
    """A PostgreSQL storage whose connections carry a unique application name."""
    name = f"finance-test-{uuid.uuid4().hex[:12]}"
    storage = SqlStorage(f"{pg_url}?application_name={name}")
    yield storage, name
    storage.close()


def _kill_connections(application_name: str) -> None:
    _admin_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name",
        name=application_name,
    )


class TestDuplicates:
    def test_duplicate_external_id_is_a_duplicate_error_naming_it(
        self, any_storage: SqlStorage
    ) -> None:
        """The unique (tenant, account, external_id) key says which id clashed, and where."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.transactions.add_many([_txn(tenant, 1, "bank-7")])
            uow.commit()
        clash = r"account 1 .*'bank-7' \(transaction 1\)"
        with any_storage.unit_of_work(tenant) as uow, pytest.raises(DuplicateError, match=clash):
            uow.transactions.add_many([_txn(tenant, 2), _txn(tenant, 3, "bank-7")])

    def test_duplicate_leaves_storage_exactly_as_it_was(self, any_storage: SqlStorage) -> None:
        """Leaving the unit of work on the error stores nothing of it."""
        tenant = fresh_tenant()
        with pytest.raises(DuplicateError), any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.transactions.add_many([_txn(tenant, 1, "e"), _txn(tenant, 2, "e")])
            uow.commit()
        assert _stored_ids(any_storage, tenant) == []

    def test_duplicate_rolls_back_what_came_before_it(self, any_storage: SqlStorage) -> None:
        """Earlier writes of the unit of work are gone too; further statements are refused."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.transactions.add_many([_txn(tenant, 1, "e")])
            with pytest.raises(DuplicateError, match="nothing of this unit of work was stored"):
                uow.transactions.add_many([_txn(tenant, 2, "e")])
            with pytest.raises(StorageError, match="already failed"):
                uow.commit()
            uow.rollback()
            assert uow.accounts.list() == []

    def test_duplicate_inside_one_batch_is_named(self, any_storage: SqlStorage) -> None:
        """Two rows of one batch with one external_id: the message says so."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            with pytest.raises(DuplicateError, match="'x' appears twice for account 1"):
                uow.transactions.add_many([_txn(tenant, 1, "x"), _txn(tenant, 2, "x")])

    def test_reused_transaction_id_is_named(self, any_storage: SqlStorage) -> None:
        """A primary key clash names the id and how to get fresh ones."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.transactions.add_many([_txn(tenant, 4)])
            with pytest.raises(DuplicateError, match=r"transaction id 4 .*allocate_ids"):
                uow.transactions.add_many([_txn(tenant, 4)])

    def test_existing_tenant_is_a_duplicate(self, any_storage: SqlStorage) -> None:
        """Adding a tenant row twice is DuplicateError naming the tenant."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.tenant.add(Tenant(tenant, "A", NOW, NOW))
            with pytest.raises(DuplicateError, match=tenant):
                uow.tenant.add(Tenant(tenant, "B", NOW, NOW))

    def test_idempotency_key_is_reserved_once_per_tenant(self, any_storage: SqlStorage) -> None:
        """The same key in two tenants is two records."""
        first, second = fresh_tenant(), fresh_tenant()
        for tenant in (first, second):
            with any_storage.unit_of_work(tenant) as uow:
                uow.idempotency.add(IdempotencyRecord("k", "h", NOW))
                uow.commit()
        with any_storage.unit_of_work(second, readonly=True) as uow:
            assert uow.idempotency.get("k") == IdempotencyRecord("k", "h", NOW)


class TestOtherFaults:
    def test_deleting_an_account_that_still_has_rows_is_refused(
        self, any_storage: SqlStorage
    ) -> None:
        """The foreign key keeps transactions from losing their account; the message says why."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.transactions.add_many([_txn(tenant, 1)])
            uow.commit()
        with (
            pytest.raises(StorageError, match="delete the referring rows first"),
            any_storage.unit_of_work(tenant) as uow,
        ):
            uow.accounts.delete(1)
        assert _stored_ids(any_storage, tenant) == [1]

    def test_a_failed_unit_of_work_refuses_further_statements(
        self, any_storage: SqlStorage
    ) -> None:
        """After a fault everything was rolled back, so going on is refused until rollback()."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            uow.transactions.add_many([_txn(tenant, 1)])
            with pytest.raises(StorageError):
                uow.accounts.delete(1)
            with pytest.raises(StorageError, match="already failed"):
                uow.accounts.list()
            uow.rollback()
            assert uow.accounts.list() == []

    def test_writes_in_a_read_only_unit_of_work_are_refused(self, any_storage: SqlStorage) -> None:
        """A reader cannot write or commit; the message says how to open a writer."""
        with any_storage.unit_of_work(fresh_tenant(), readonly=True) as uow:
            with pytest.raises(StorageError, match="readonly=False"):
                uow.allocate_ids("account")
            with pytest.raises(StorageError, match="readonly=False"):
                uow.commit()

    def test_rows_of_another_tenant_are_refused(self, any_storage: SqlStorage) -> None:
        """A unit of work stores only its own tenant's rows."""
        with (
            any_storage.unit_of_work(fresh_tenant()) as uow,
            pytest.raises(ValidationError, match="open a unit of work for that tenant"),
        ):
            uow.accounts.add(_account("someone-else"))

    def test_unit_of_work_outside_its_block_is_refused(self, any_storage: SqlStorage) -> None:
        """Using repositories before entering the with block is an error, not a query."""
        uow: SqlUnitOfWork = any_storage.unit_of_work(fresh_tenant())
        with pytest.raises(StorageError, match="outside its 'with' block"):
            uow.accounts.list()


class TestLostConnections:
    def test_killed_connection_is_a_storage_error_and_nothing_is_committed(
        self, named_pg: tuple[SqlStorage, str]
    ) -> None:
        """The server drops the connection mid-way: StorageError, and no row survives."""
        storage, name = named_pg
        tenant = fresh_tenant()
        with storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            _kill_connections(name)
            with pytest.raises(StorageError, match="connection was lost"):
                uow.transactions.add_many([_txn(tenant, 1)])
            with pytest.raises(StorageError, match="cannot commit"):
                uow.commit()
        assert _stored_ids(storage, tenant) == []

    def test_commit_on_a_killed_connection_is_a_storage_error(
        self, named_pg: tuple[SqlStorage, str]
    ) -> None:
        """Losing the connection at commit is a StorageError; here nothing was stored."""
        storage, name = named_pg
        tenant = fresh_tenant()
        with storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant))
            _kill_connections(name)
            with pytest.raises(StorageError, match="while committing: the database connection"):
                uow.commit()
        assert _stored_ids(storage, tenant) == []

    def test_storage_recovers_after_a_lost_connection(
        self, named_pg: tuple[SqlStorage, str]
    ) -> None:
        """Idle pooled connections the server dropped are replaced, not handed out."""
        storage, name = named_pg
        storage.check()
        _kill_connections(name)
        storage.check()

    def test_check_fails_while_the_database_refuses_connections(
        self, scratch_pg: ScratchDatabase
    ) -> None:
        """check() raises StorageError when the database cannot be reached, and recovers."""
        url = scratch_pg()
        migrate_url(url)
        storage = SqlStorage(url)
        database = make_url(url).database
        try:
            storage.check()
            _admin_execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            _admin_execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db",
                db=database,
            )
            with pytest.raises(StorageError, match=str(database)):
                storage.check()
            _admin_execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            storage.check()
        finally:
            storage.close()


class TestDeadlocks:
    def test_deadlock_victim_gets_a_storage_error_saying_retry(self, pg_url: str) -> None:
        """Two writers locking two accounts in opposite order: one wins, one is told to retry."""
        tenant = fresh_tenant()
        first, second = SqlStorage(pg_url), SqlStorage(pg_url)
        try:
            with first.unit_of_work(tenant) as uow:
                uow.accounts.add(_account(tenant, 1))
                uow.accounts.add(_account(tenant, 2))
                uow.commit()
            both_locked = threading.Barrier(2, timeout=30)
            outcomes: dict[str, str] = {}

            def lock_pair(storage: SqlStorage, name: str, order: tuple[int, int]) -> None:
                try:
                    with storage.unit_of_work(tenant) as uow:
                        uow.accounts.get(order[0], for_update=True)
                        both_locked.wait()
                        uow.accounts.get(order[1], for_update=True)
                        uow.commit()
                    outcomes[name] = "committed"
                except StorageError as exc:
                    outcomes[name] = str(exc)

            threads = [
                threading.Thread(target=lock_pair, args=(first, "a", (1, 2))),
                threading.Thread(target=lock_pair, args=(second, "b", (2, 1))),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            results = sorted(outcomes.values())
            assert len(results) == 2 and results[0] == "committed"
            assert "deadlock" in results[1] and "retry" in results[1]
        finally:
            first.close()
            second.close()
