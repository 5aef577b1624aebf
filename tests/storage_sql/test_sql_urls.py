"""Which URLs the sql backend takes, what they open, and how it registers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sql_support import PG_URL, fresh_tenant

from finance_core.errors import ConfigurationError, StorageError
from finance_core.plugins import make_plugin_manager
from finance_core.tenancy import Tenant
from finance_core.testing.clock import FakeClock
from finance_storage_sql.storage import SqlStorage
from finance_storage_sql.urls import PoolSettings, parse_database_url


def _tenant_row(storage: SqlStorage) -> str:
    """Store a fresh tenant row and return its id."""
    tenant = fresh_tenant()
    with storage.unit_of_work(tenant) as uow:
        now = FakeClock()()
        uow.tenant.add(Tenant(tenant, "Home", now, now))
        uow.commit()
    return tenant


def _has_tenant(storage: SqlStorage, tenant: str) -> bool:
    with storage.unit_of_work(tenant, readonly=True) as uow:
        return uow.tenant.get() is not None


class TestParsingUrls:
    @pytest.mark.parametrize(
        ("raw", "database"),
        [
            ("sqlite:///relative.db", "relative.db"),
            ("sqlite:////absolute/finance.db", "/absolute/finance.db"),
            ("sqlite+pysqlite:///x.db", "x.db"),
        ],
    )
    def test_sqlite_file_urls_name_their_file(self, raw: str, database: str) -> None:
        """Three slashes: a path relative to the working directory; four: an absolute one."""
        parsed = parse_database_url(raw)
        assert (parsed.dialect, parsed.url.database, parsed.in_memory) == (
            "sqlite",
            database,
            False,
        )

    def test_sqlite_without_a_path_is_in_memory(self) -> None:
        """sqlite:// is a private in-memory database."""
        assert parse_database_url("sqlite://").in_memory

    @pytest.mark.parametrize(
        "raw", ["postgresql://u@db:5432/finance", "postgresql+psycopg://u@db:5432/finance"]
    )
    def test_postgresql_goes_through_psycopg_3(self, raw: str) -> None:
        """A plain postgresql:// URL is mapped to the psycopg (version 3) driver."""
        parsed = parse_database_url(raw)
        assert (parsed.dialect, parsed.url.drivername) == ("postgresql", "postgresql+psycopg")
        assert parsed.url.database == "finance"

    @pytest.mark.parametrize(
        "raw", ["postgresql+psycopg2://u@db/x", "mysql://u@db/x", "sqlite+aiosqlite:///x.db"]
    )
    def test_other_drivers_are_refused_with_the_supported_forms(self, raw: str) -> None:
        """Another driver or database is a configuration error naming what works."""
        with pytest.raises(ConfigurationError, match=r"sqlite:///path\.db.*postgresql://"):
            parse_database_url(raw)

    def test_garbage_is_refused(self) -> None:
        """Something that is not a URL at all says how one looks."""
        with pytest.raises(ConfigurationError, match="not a database URL"):
            parse_database_url("finance.db")

    def test_password_is_hidden_in_messages(self) -> None:
        """The displayed form of a URL never shows its password."""
        shown = parse_database_url("postgresql://me:s3cret@db/finance").display()
        assert "s3cret" not in shown and "me:***@db" in shown


class TestPoolSettings:
    def test_defaults_without_environment(self) -> None:
        """No DB_POOL_SIZE or DB_MAX_OVERFLOW: 5 and 10."""
        assert PoolSettings.from_environ({}) == PoolSettings(5, 10)

    def test_environment_sets_both(self) -> None:
        """Both variables are read as whole numbers."""
        environ = {"DB_POOL_SIZE": "12", "DB_MAX_OVERFLOW": "0"}
        assert PoolSettings.from_environ(environ) == PoolSettings(12, 0)

    @pytest.mark.parametrize(
        "environ", [{"DB_POOL_SIZE": "0"}, {"DB_POOL_SIZE": "many"}, {"DB_MAX_OVERFLOW": "-1"}]
    )
    def test_bad_values_are_configuration_errors(self, environ: dict[str, str]) -> None:
        """A pool size below 1, a negative overflow or a non-number names the variable."""
        (name,) = environ
        with pytest.raises(ConfigurationError, match=name):
            PoolSettings.from_environ(environ)

    def test_postgres_engine_uses_the_pool_settings(self, pg_url: str) -> None:
        """The PostgreSQL engine's pool has the configured size."""
        storage = SqlStorage(pg_url, environ={"DB_POOL_SIZE": "3", "DB_MAX_OVERFLOW": "2"})
        try:
            pool = storage.engine.pool
            assert (pool.size(), pool._max_overflow) == (3, 2)  # type: ignore[attr-defined]
        finally:
            storage.close()


class TestOpeningDatabases:
    def test_relative_sqlite_path_is_under_the_working_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """sqlite:///relative.db creates relative.db in the current directory."""
        monkeypatch.chdir(tmp_path)
        storage = SqlStorage("sqlite:///relative.db")
        storage.close()
        assert (tmp_path / "relative.db").is_file()

    def test_absolute_sqlite_path_keeps_data_across_opens(self, tmp_path: Path) -> None:
        """What one storage commits to a file, the next one opened on it reads."""
        url = f"sqlite:///{tmp_path.resolve()}/kept.db"
        assert url.startswith("sqlite:////")
        first = SqlStorage(url)
        tenant = _tenant_row(first)
        first.close()
        second = SqlStorage(url)
        try:
            assert _has_tenant(second, tenant)
        finally:
            second.close()

    def test_in_memory_units_of_work_share_one_database(self) -> None:
        """Every unit of work on sqlite:// sees the same data (one shared connection)."""
        storage = SqlStorage("sqlite://")
        try:
            assert _has_tenant(storage, _tenant_row(storage))
        finally:
            storage.close()

    def test_in_memory_databases_are_private_to_their_storage(self) -> None:
        """Two sqlite:// storages are two databases."""
        first, second = SqlStorage("sqlite://"), SqlStorage("sqlite://")
        try:
            assert not _has_tenant(second, _tenant_row(first))
        finally:
            first.close()
            second.close()

    def test_nested_in_memory_unit_of_work_is_refused(self) -> None:
        """The one in-memory connection serves one unit of work at a time; nesting says so."""
        storage = SqlStorage("sqlite://")
        try:
            with storage.unit_of_work("a"), pytest.raises(StorageError, match="one unit of work"):
                storage.unit_of_work("b").__enter__()
        finally:
            storage.close()

    def test_plain_postgresql_url_opens(self, pg_url: str) -> None:
        """postgresql:// (no driver named) opens through psycopg 3 and works."""
        plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
        storage = SqlStorage(plain)
        try:
            assert _has_tenant(storage, _tenant_row(storage))
        finally:
            storage.close()

    def test_unreachable_postgresql_is_a_storage_error(self) -> None:
        """Nothing listening on the port: opening fails with StorageError naming the URL."""
        with pytest.raises(StorageError, match=r"127\.0\.0\.1:1/"):
            SqlStorage("postgresql://postgres@127.0.0.1:1/test")


class TestRegistration:
    def test_backend_serves_sqlite_and_postgresql(self) -> None:
        """The installed plugin registers the sql backend for both schemes."""
        backend = make_plugin_manager().storage_backends["sql"]
        assert backend.schemes == ("sqlite", "postgresql")

    def test_contract_urls_are_file_memory_and_postgres(self, tmp_path: Path) -> None:
        """The contract suite runs on a SQLite file, SQLite in memory and PostgreSQL."""
        backend = make_plugin_manager().storage_backends["sql"]
        assert backend.contract_urls is not None
        assert list(backend.contract_urls(tmp_path)) == [
            f"sqlite:///{tmp_path}/contract.db",
            "sqlite://",
            PG_URL,
        ]

    def test_plugin_opens_storage_through_the_manager(self, tmp_path: Path) -> None:
        """open_storage on a sqlite URL gives a working SqlStorage."""
        storage = make_plugin_manager().open_storage(f"sqlite:///{tmp_path}/p.db")
        try:
            assert isinstance(storage, SqlStorage)
            storage.check()
        finally:
            storage.close()

    def test_importing_the_plugin_does_not_import_sqlalchemy(self) -> None:
        """Listing plugins stays cheap: SQLAlchemy loads only when a database opens."""
        probe = (
            "import sys, finance_storage_sql.plugin; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "[]"
