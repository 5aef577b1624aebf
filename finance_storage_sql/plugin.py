"""Registers the sql backend (SQLite and PostgreSQL) and the ``migrate`` command.

Importing this module stays cheap: SQLAlchemy and Alembic load only when a
database is opened or migrated.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from finance_core.bootstrap import database_url
from finance_core.cli import CliCommand
from finance_core.errors import FinanceError
from finance_core.plugins.hookspecs import hookimpl
from finance_core.plugins.records import StorageBackend
from finance_core.ports import Storage

log = logging.getLogger(__name__)

#: The PostgreSQL database the test suites use unless TEST_DATABASE_URL says otherwise.
DEFAULT_TEST_DATABASE_URL: Final = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def open_storage(url: str) -> Storage:
    from finance_storage_sql.storage import SqlStorage

    return SqlStorage(url)


def contract_urls(tmp: Path) -> list[str]:
    """A SQLite file, SQLite in memory, and the test PostgreSQL database.

    The PostgreSQL database is brought to the current schema first, as a
    deployment would with ``finance-planner migrate``; opening it refuses an
    out-of-date schema.
    """
    from finance_storage_sql.migrations.run import migrate_url

    postgres = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    try:
        migrate_url(postgres)
    except FinanceError as exc:
        # Listing URLs must not break test collection for every backend; the
        # PostgreSQL tests then fail on opening it, with this same reason.
        log.warning("could not migrate the contract test database: %s", exc)
    return [f"sqlite:///{tmp}/contract.db", "sqlite://", postgres]


def _migrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="the database to upgrade (default: $DATABASE_URL, else the SQLite default)",
    )


def _migrate(args: argparse.Namespace) -> int:
    from finance_storage_sql.migrations.run import describe, migrate_url

    url = args.database_url or database_url(os.environ)
    print(describe(url, migrate_url(url)))
    return 0


@hookimpl
def finance_storage_backends() -> Sequence[StorageBackend]:
    return [
        StorageBackend(
            "sql",
            ("sqlite", "postgresql"),
            open_storage,
            "SQLite (embedded, the default) or PostgreSQL, through SQLAlchemy",
            contract_urls=contract_urls,
        )
    ]


@hookimpl
def finance_cli_commands() -> Sequence[CliCommand]:
    return [
        CliCommand(
            "migrate",
            "upgrade a SQLite or PostgreSQL database to the current schema",
            _migrate_arguments,
            _migrate,
        )
    ]
