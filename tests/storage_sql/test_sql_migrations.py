"""Migrations: they build exactly the tables the code defines, and open/migrate use them right."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sql_support import ScratchDatabase
from sqlalchemy import create_engine, inspect, text

from finance_core.errors import ConfigurationError
from finance_storage_sql.migrations import alembic_config, head_revision
from finance_storage_sql.migrations.run import migrate_url
from finance_storage_sql.schema import metadata
from finance_storage_sql.storage import SqlStorage

TABLES = set(metadata.tables)


def _differences(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _set_revision(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def _pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``finance-planner`` as its own process."""
    return subprocess.run(
        [sys.executable, "-m", "finance_core.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


class TestMigrationsMatchTheTables:
    def test_autogenerate_finds_nothing_on_sqlite(self, sqlite_storage: SqlStorage) -> None:
        """A SQLite database built by the migrations is exactly the metadata."""
        assert _differences(sqlite_storage.url) == []

    def test_autogenerate_finds_nothing_on_postgresql(self, scratch_pg: ScratchDatabase) -> None:
        """A PostgreSQL database built by the migrations is exactly the metadata."""
        url = scratch_pg()
        migrate_url(url)
        assert _differences(_pg(url)) == []

    def test_downgrade_removes_every_table(self, sqlite_url: str) -> None:
        """The initial revision's downgrade undoes its upgrade completely."""
        SqlStorage(sqlite_url).close()
        engine = create_engine(sqlite_url)
        try:
            with engine.begin() as connection:
                command.downgrade(alembic_config(connection), "base")
        finally:
            engine.dispose()
        assert _tables(sqlite_url) == {"alembic_version"}


class TestOpeningSqlite:
    def test_new_file_is_migrated_to_head(self, sqlite_url: str) -> None:
        """Opening a SQLite URL creates every table and records the head revision."""
        SqlStorage(sqlite_url).close()
        assert _tables(sqlite_url) == TABLES | {"alembic_version"}
        engine = create_engine(sqlite_url)
        try:
            with engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == (
                    head_revision()
                )
        finally:
            engine.dispose()

    def test_unknown_revision_is_refused(self, sqlite_url: str) -> None:
        """A file migrated by a newer version is not touched; the message says upgrade."""
        SqlStorage(sqlite_url).close()
        _set_revision(sqlite_url, "9999_from_the_future")
        with pytest.raises(ConfigurationError, match="upgrade finance-planner"):
            SqlStorage(sqlite_url)

    def test_two_processes_opening_a_new_file_both_succeed(self, tmp_path: Path) -> None:
        """The first opener migrates under the write lock; the second finds it done."""
        url = f"sqlite:///{tmp_path}/race.db"
        script = (
            "import sys; from finance_storage_sql.storage import SqlStorage; "
            "sys.stdin.readline(); SqlStorage(sys.argv[1]).close(); print('opened')"
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, url],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=120) for proc in procs]
        assert [out.strip() for out, _ in results] == ["opened", "opened"], results
        assert _tables(url) == TABLES | {"alembic_version"}


class TestOpeningPostgresql:
    def test_empty_database_is_refused_naming_the_command(
        self, scratch_pg: ScratchDatabase
    ) -> None:
        """PostgreSQL is never migrated behind the operator's back."""
        url = scratch_pg()
        with pytest.raises(ConfigurationError, match="run: finance-planner migrate"):
            SqlStorage(url)
        assert _tables(_pg(url)) == set()

    def test_out_of_date_schema_is_refused(self, scratch_pg: ScratchDatabase) -> None:
        """A schema at another revision than head is refused, naming both revisions."""
        url = scratch_pg()
        migrate_url(url)
        _set_revision(_pg(url), "0000_older")
        with pytest.raises(ConfigurationError, match="0000_older"):
            SqlStorage(url)

    def test_migrated_database_opens(self, scratch_pg: ScratchDatabase) -> None:
        """After migrate, the database opens and answers."""
        url = scratch_pg()
        migrate_url(url)
        storage = SqlStorage(url)
        try:
            storage.check()
        finally:
            storage.close()


class TestMigrateCommand:
    def test_empty_postgresql_is_upgraded_and_says_so(self, scratch_pg: ScratchDatabase) -> None:
        """migrate reports the revisions it went from and to."""
        url = scratch_pg()
        result = _cli("migrate", "--database-url", url)
        assert result.returncode == 0, result.stderr
        assert f"from an empty database to revision {head_revision()}" in result.stdout
        assert _tables(_pg(url)) == TABLES | {"alembic_version"}

    def test_second_run_has_nothing_to_do(self, scratch_pg: ScratchDatabase) -> None:
        """Running migrate on a current database changes nothing and says so."""
        url = scratch_pg()
        migrate_url(url)
        result = _cli("migrate", "--database-url", url)
        assert result.returncode == 0, result.stderr
        assert "already at the current schema" in result.stdout

    def test_database_url_comes_from_the_environment(self, tmp_path: Path) -> None:
        """Without --database-url, DATABASE_URL names the database."""
        url = f"sqlite:///{tmp_path}/env.db"
        result = _cli("migrate", env={"DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
        assert "env.db" in result.stdout
        assert _tables(url) == TABLES | {"alembic_version"}

    def test_unreachable_database_fails_with_a_message(self) -> None:
        """An unreachable server: exit status 1 and what went wrong on stderr."""
        result = _cli("migrate", "--database-url", "postgresql://postgres@127.0.0.1:1/none")
        assert result.returncode == 1
        assert "storage failed while migrating" in result.stderr

    def test_concurrent_runs_both_succeed(self, scratch_pg: ScratchDatabase) -> None:
        """Two deployments migrating at once: one upgrades, the other waits and finds it done."""
        url = scratch_pg()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "finance_core.cli", "migrate", "--database-url", url],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [proc.communicate(timeout=120) for proc in procs]
        assert [proc.returncode for proc in procs] == [0, 0], outputs
        said = sorted("upgraded" in out for out, _ in outputs)
        assert said == [False, True], outputs
