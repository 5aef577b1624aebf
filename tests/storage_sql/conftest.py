"""Fixtures for the sql backend's own tests: databases, storages, tenants.

PostgreSQL tests share the database named by TEST_DATABASE_URL and isolate
themselves by tenant id; tests that need an empty database (migrations, query
plans) get a scratch database of their own, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sql_support import PG_URL, ScratchDatabase, scratch_databases

from finance_storage_sql.migrations.run import migrate_url
from finance_storage_sql.storage import SqlStorage


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The shared PostgreSQL test database, at the current schema."""
    migrate_url(PG_URL)
    return PG_URL


@pytest.fixture(scope="session")
def pg_storage(pg_url: str) -> Iterator[SqlStorage]:
    storage = SqlStorage(pg_url)
    yield storage
    storage.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/finance.db"


@pytest.fixture
def sqlite_storage(sqlite_url: str) -> Iterator[SqlStorage]:
    storage = SqlStorage(sqlite_url)
    yield storage
    storage.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def any_storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStorage]:
    """A SQLite file store, then the PostgreSQL one: for behaviour both must show."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('any')}/finance.db"
    else:
        url = request.getfixturevalue("pg_url")
    storage = SqlStorage(url)
    yield storage
    storage.close()


@pytest.fixture
def scratch_pg() -> Iterator[ScratchDatabase]:
    """Empty PostgreSQL databases for one test."""
    with scratch_databases() as make:
        yield make
