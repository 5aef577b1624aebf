"""What a unit of work sees of others' commits: snapshots for readers, fresh rows after a lock."""

from __future__ import annotations

import threading
from decimal import Decimal

import attrs
from sql_support import fresh_tenant

from finance_core.accounts import Account, AccountType
from finance_core.testing.clock import FakeClock
from finance_storage_sql.storage import SqlStorage

NOW = FakeClock()()


def _account(tenant: str, ident: int) -> Account:
    zero, kind = Decimal(0), AccountType.CHECKING
    return Account(ident, tenant, "A", kind, "USD", zero, zero, None, None, NOW, NOW)


def _add(storage: SqlStorage, tenant: str, ident: int) -> None:
    with storage.unit_of_work(tenant) as uow:
        uow.accounts.add(_account(tenant, ident))
        uow.commit()


class TestReaders:
    def test_a_reader_sees_one_snapshot(self, any_storage: SqlStorage) -> None:
        """Rows committed after a reader's first read stay invisible to it (pages agree)."""
        tenant = fresh_tenant()
        _add(any_storage, tenant, 1)
        with any_storage.unit_of_work(tenant, readonly=True) as reader:
            before = reader.accounts.list()
            _add(any_storage, tenant, 2)
            assert reader.accounts.list() == before
        with any_storage.unit_of_work(tenant, readonly=True) as reader:
            assert [a.id for a in reader.accounts.list()] == [1, 2]


class TestWritersOnPostgresql:
    def test_locking_read_sees_the_latest_commit(self, pg_storage: SqlStorage) -> None:
        """A locking read returns the latest committed row, though an earlier read saw older."""
        tenant = fresh_tenant()
        _add(pg_storage, tenant, 1)
        holding = threading.Event()
        release = threading.Event()

        def other_writer() -> None:
            with pg_storage.unit_of_work(tenant) as uow:
                account = uow.accounts.get(1, for_update=True)
                assert account is not None
                holding.set()
                release.wait(timeout=30)
                uow.accounts.update(attrs.evolve(account, balance=Decimal("7.00"), version=2))
                uow.commit()

        thread = threading.Thread(target=other_writer)
        thread.start()
        try:
            assert holding.wait(timeout=30)
            with pg_storage.unit_of_work(tenant) as uow:
                stale = uow.accounts.get(1)
                release.set()
                locked = uow.accounts.get(1, for_update=True)
        finally:
            release.set()
            thread.join(timeout=30)
        assert stale is not None and stale.balance == 0
        assert locked is not None and (locked.balance, locked.version) == (Decimal("7.00"), 2)
