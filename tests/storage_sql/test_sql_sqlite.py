"""SQLite done right: pragmas on every connection, and writers that lock up front."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sql_support import fresh_tenant
from sqlalchemy import event

from finance_core.errors import StorageError
from finance_core.tenancy import Tenant
from finance_core.testing.clock import FakeClock
from finance_storage_sql.storage import SqlStorage


def _pragma(storage: SqlStorage, name: str) -> Any:
    with storage.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def _add_tenant(storage: SqlStorage, tenant: str) -> None:
    with storage.unit_of_work(tenant) as uow:
        now = FakeClock()()
        uow.tenant.add(Tenant(tenant, "Home", now, now))
        uow.commit()


@pytest.fixture
def impatient(sqlite_url: str, sqlite_storage: SqlStorage) -> Iterator[SqlStorage]:
    """A second storage on the same file that waits only briefly for the write lock."""
    storage = SqlStorage(f"{sqlite_url}?timeout=0.2")
    yield storage
    storage.close()


def _statements(storage: SqlStorage) -> list[str]:
    """Every SQL statement SQLite itself runs from now on, in order.

    Traced by the driver, not by SQLAlchemy's events: some statements (BEGIN,
    the hot reads) go to the driver directly.
    """
    seen: list[str] = []

    def trace(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    event.listen(storage.engine, "checkout", trace)
    return seen


class TestPragmas:
    def test_file_databases_use_write_ahead_logging(self, sqlite_storage: SqlStorage) -> None:
        """journal_mode is WAL, so readers and the writer do not block each other."""
        assert _pragma(sqlite_storage, "journal_mode") == "wal"

    def test_foreign_keys_are_enforced(self, sqlite_storage: SqlStorage) -> None:
        """SQLite leaves foreign keys off unless asked; every connection asks."""
        assert _pragma(sqlite_storage, "foreign_keys") == 1

    def test_in_memory_databases_enforce_foreign_keys_too(self) -> None:
        """sqlite:// connections get the same pragma."""
        storage = SqlStorage("sqlite://")
        try:
            assert _pragma(storage, "foreign_keys") == 1
        finally:
            storage.close()

    def test_busy_timeout_defaults_to_thirty_seconds(self, sqlite_storage: SqlStorage) -> None:
        """A writer waits for another writer instead of failing at once."""
        assert _pragma(sqlite_storage, "busy_timeout") == 30_000

    def test_timeout_in_the_url_sets_the_busy_timeout(self, sqlite_url: str) -> None:
        """?timeout=SECONDS overrides the default wait."""
        storage = SqlStorage(f"{sqlite_url}?timeout=2.5")
        try:
            assert _pragma(storage, "busy_timeout") == 2_500
        finally:
            storage.close()


class TestHowTransactionsBegin:
    def test_writing_unit_of_work_begins_immediate(self, sqlite_storage: SqlStorage) -> None:
        """The first statement of a writer is BEGIN IMMEDIATE: the write lock up front."""
        seen = _statements(sqlite_storage)
        with sqlite_storage.unit_of_work(fresh_tenant()) as uow:
            uow.accounts.list()
        assert seen[0] == "BEGIN IMMEDIATE"

    def test_read_only_unit_of_work_begins_deferred(self, sqlite_storage: SqlStorage) -> None:
        """A reader begins with plain BEGIN and takes no write lock."""
        seen = _statements(sqlite_storage)
        with sqlite_storage.unit_of_work(fresh_tenant(), readonly=True) as uow:
            uow.accounts.list()
        assert seen[0] == "BEGIN"

    def test_driver_never_begins_on_its_own(self, sqlite_storage: SqlStorage) -> None:
        """One BEGIN per unit of work, from us: the sqlite3 module's own handling is off."""
        seen = _statements(sqlite_storage)
        with sqlite_storage.unit_of_work(fresh_tenant()) as uow:
            uow.accounts.list()
            uow.allocate_ids("account")
            uow.commit()
        assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]


class TestWriteLock:
    def test_a_writer_that_has_only_read_still_excludes_other_writers(
        self, sqlite_storage: SqlStorage, impatient: SqlStorage
    ) -> None:
        """Once a writer has run a statement, a second writer waits and then gives up."""
        with sqlite_storage.unit_of_work(fresh_tenant()) as uow:
            uow.accounts.list()
            with (
                pytest.raises(StorageError, match="locked"),
                impatient.unit_of_work(fresh_tenant()) as other,
            ):
                other.accounts.list()

    def test_readers_proceed_while_a_writer_holds_the_lock(
        self, sqlite_storage: SqlStorage, impatient: SqlStorage
    ) -> None:
        """WAL: a reader neither waits for the writer nor sees its uncommitted rows."""
        tenant = fresh_tenant()
        with sqlite_storage.unit_of_work(tenant) as uow:
            now = FakeClock()()
            uow.tenant.add(Tenant(tenant, "Home", now, now))
            with impatient.unit_of_work(tenant, readonly=True) as reader:
                assert reader.tenant.get() is None

    def test_commit_releases_the_lock(
        self, sqlite_storage: SqlStorage, impatient: SqlStorage
    ) -> None:
        """After the first writer commits, the next one writes and sees its rows."""
        tenant = fresh_tenant()
        with sqlite_storage.unit_of_work(tenant) as uow:
            now = FakeClock()()
            uow.tenant.add(Tenant(tenant, "Home", now, now))
            uow.commit()
            with impatient.unit_of_work(tenant) as other:
                assert other.tenant.get() is not None

    def test_leaving_without_commit_releases_the_lock(
        self, sqlite_storage: SqlStorage, impatient: SqlStorage
    ) -> None:
        """A writer that rolls back frees the database for the next writer."""
        with sqlite_storage.unit_of_work(fresh_tenant()) as uow:
            uow.accounts.list()
        tenant = fresh_tenant()
        _add_tenant(impatient, tenant)
        with sqlite_storage.unit_of_work(tenant, readonly=True) as reader:
            assert reader.tenant.get() is not None
