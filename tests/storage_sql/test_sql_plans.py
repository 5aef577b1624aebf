"""The key queries use their indexes: no full scans, no sorting for the first or next page.

Each test runs a repository method and asks the database for the plan of
exactly the statements it sent (same SQL, same parameters). The data is a
busy tenant among quieter ones, with statistics gathered (ANALYZE), so the
planners choose as they would in production. PostgreSQL gets a scratch
database so the statistics are these rows' alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sql_support import scratch_databases

from finance_core.accounts import Account, AccountType
from finance_core.ports import IdempotencyRecord
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.transactions import Transaction
from finance_storage_sql.migrations.run import migrate_url
from finance_storage_sql.storage import SqlStorage
from finance_storage_sql.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BUSY = "busy"
TAGS = ("a", "b", "c", "d", "e", "f", "g", "h")


def _load(storage: SqlStorage, tenant: str, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    zero = Decimal(0)
    with storage.unit_of_work(tenant) as uow:
        kind = AccountType.CHECKING
        for ident in range(1, 21):
            uow.accounts.add(
                Account(ident, tenant, "A", kind, "USD", zero, zero, None, None, NOW, NOW)
            )
        uow.transactions.add_many(
            [
                Transaction(
                    id=ident,
                    tenant_id=tenant,
                    account_id=rng.randint(1, 20),
                    amount=Decimal(rng.randint(-9999, 9999)).scaleb(-2),
                    date=date(2020, 1, 1) + timedelta(days=rng.randint(0, 1500)),
                    category=rng.choice(("food", "rent", "fun", "travel", "pay")),
                    created_at=NOW,
                    updated_at=NOW,
                    tags=(*rng.sample(TAGS, rng.randint(0, 2)), *(("rare",) * (ident % 500 == 0))),
                    external_id=f"x{ident}",
                )
                for ident in range(1, rows + 1)
            ]
        )
        for day in range(200):
            uow.idempotency.add(IdempotencyRecord(f"k{day}", "h", NOW - timedelta(days=day)))
        uow.commit()


def _fill(storage: SqlStorage) -> None:
    _load(storage, BUSY, 6_000, seed=1)
    for index in range(4):
        _load(storage, f"quiet-{index}", 800, seed=index + 2)
    with storage.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def busy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStorage]:
    with scratch_databases() as scratch:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('plans')}/plans.db"
        else:
            url = scratch()
            migrate_url(url)
        storage = SqlStorage(url)
        _fill(storage)
        yield storage
        storage.close()


@contextmanager
def _explained(storage: SqlStorage) -> Iterator[list[str]]:
    """The plan of every query sent meanwhile, one text per statement."""
    from sqlalchemy import event

    plans: list[str] = []
    sqlite = storage.database.dialect == "sqlite"

    def explain(
        _conn: Any, cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        if many or not statement.lstrip().upper().startswith(("SELECT", "DELETE")):
            return
        cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters)
        plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))

    event.listen(storage.engine, "before_cursor_execute", explain)
    try:
        yield plans
    finally:
        event.remove(storage.engine, "before_cursor_execute", explain)


def _plan(storage: SqlStorage, call: Callable[[SqlUnitOfWork], object]) -> str:
    """The plan of the first statement ``call`` sends."""
    with storage.unit_of_work(BUSY) as uow, _explained(storage) as plans:
        call(uow)
    return plans[0]


def _uses(plan: str, index: str) -> bool:
    return f"INDEX {index}" in plan or f"using {index}" in plan or f"on {index}" in plan


def _sorts(plan: str) -> bool:
    return "TEMP B-TREE FOR ORDER BY" in plan or "Sort Key" in plan


def _full_scan(plan: str, table: str) -> bool:
    # SQLite: "SCAN transactions" (without an index); PostgreSQL: "Seq Scan on transactions".
    return f"SCAN {table}\n" in f"{plan}\n" or f"Seq Scan on {table}" in plan


PAGE = PageRequest(limit=50, with_total=False)
CURSOR = Cursor(date(2021, 6, 1), 3_000)


class TestListing:
    def test_first_page_of_an_account(self, busy: SqlStorage) -> None:
        """Newest rows of one account straight from (tenant, account, date, id), unsorted."""
        plan = _plan(busy, lambda u: u.transactions.query(TransactionFilter(account_id=3), PAGE))
        assert _uses(plan, "ix_transactions_account_date") and not _sorts(plan), plan

    def test_next_page_of_an_account(self, busy: SqlStorage) -> None:
        """A keyset page is one index range from the cursor on, at any depth."""
        page = PageRequest(limit=50, cursor=CURSOR, with_total=False)
        plan = _plan(busy, lambda u: u.transactions.query(TransactionFilter(account_id=3), page))
        assert _uses(plan, "ix_transactions_account_date") and not _sorts(plan), plan

    def test_first_page_of_the_tenant(self, busy: SqlStorage) -> None:
        """All accounts together: (tenant, date, id), unsorted."""
        plan = _plan(busy, lambda u: u.transactions.query(TransactionFilter(), PAGE))
        assert _uses(plan, "ix_transactions_date") and not _sorts(plan), plan

    def test_next_page_of_the_tenant(self, busy: SqlStorage) -> None:
        """A tenant-wide keyset page is one index range too."""
        page = PageRequest(limit=50, cursor=CURSOR, with_total=False)
        plan = _plan(busy, lambda u: u.transactions.query(TransactionFilter(), page))
        assert _uses(plan, "ix_transactions_date") and not _sorts(plan), plan

    def test_total_of_an_account(self, busy: SqlStorage) -> None:
        """Counting one account's rows reads only its part of an index."""
        flt = TransactionFilter(account_id=3)
        with busy.unit_of_work(BUSY) as uow, _explained(busy) as plans:
            uow.transactions.query(flt, PageRequest(limit=10))
        count = plans[-1]
        assert _uses(count, "ix_transactions_account_date"), count
        assert not _full_scan(count, "transactions"), count

    def test_rare_tag_goes_through_the_tag_index(self, busy: SqlStorage) -> None:
        """Exact tags are looked up in (tenant, tag), not by reading every row."""
        flt = TransactionFilter(tags=("rare",))
        plan = _plan(busy, lambda u: u.transactions.query(flt, PAGE))
        assert _uses(plan, "ix_transaction_tags_tag"), plan
        assert not _full_scan(plan, "transactions"), plan


class TestSumsAndLookups:
    def test_balance_as_of_a_date(self, busy: SqlStorage) -> None:
        """Summing an account up to a date reads that index range only."""
        plan = _plan(busy, lambda u: u.transactions.sum_amounts(3, through=date(2022, 1, 1)))
        assert _uses(plan, "ix_transactions_account_date"), plan
        assert not _full_scan(plan, "transactions"), plan

    def test_external_id_lookup(self, busy: SqlStorage) -> None:
        """Duplicate detection probes the unique (tenant, account, external_id) key."""
        plan = _plan(busy, lambda u: u.transactions.find_external_ids(3, ["x5", "x7"]))
        assert not _full_scan(plan, "transactions"), plan
        assert "external_id" in plan, plan

    def test_purging_idempotency_keys(self, busy: SqlStorage) -> None:
        """Old keys are found through (tenant, created_at)."""
        plan = _plan(busy, lambda u: u.idempotency.purge_before(NOW - timedelta(days=100)))
        assert _uses(plan, "ix_idempotency_records_created_at"), plan


class TestAggregation:
    def test_one_month_by_category(self, busy: SqlStorage) -> None:
        """A month's totals read the month's range of (tenant, date, id)."""
        flt = TransactionFilter(start_date=date(2022, 1, 1), end_date=date(2022, 1, 31))
        plan = _plan(
            busy, lambda u: u.transactions.daily_totals(flt, "category", include_transfers=False)
        )
        assert _uses(plan, "ix_transactions_date"), plan
        assert not _full_scan(plan, "transactions"), plan

    def test_one_category_over_a_year(self, busy: SqlStorage) -> None:
        """One category's totals read (tenant, category, date)."""
        flt = TransactionFilter(
            category="food", start_date=date(2022, 1, 1), end_date=date(2022, 12, 31)
        )
        plan = _plan(
            busy, lambda u: u.transactions.daily_totals(flt, None, include_transfers=False)
        )
        assert _uses(plan, "ix_transactions_category_date"), plan
