"""Schema migrations: Alembic, configured in code, shipped inside the package.

SQLite databases are upgraded when they are opened. PostgreSQL databases are
upgraded only by ``finance-planner migrate``, so that a deployment decides when
its shared schema changes; opening one that is behind is refused.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

import attrs
from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection

from finance_core.errors import ConfigurationError
from finance_storage_sql.engine import SQLITE_BEGIN_IMMEDIATE, SQLITE_BEGIN_OPTION
from finance_storage_sql.urls import DatabaseUrl

SCRIPT_LOCATION: Final = Path(__file__).resolve().parent
#: Serialises concurrent ``migrate`` runs on one PostgreSQL database.
_PG_MIGRATION_LOCK: Final = 0x66696E616E6365  # "finance" in ASCII


@attrs.frozen
class Upgrade:
    """What an upgrade did: the revision before (None: empty database) and after."""

    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration without any ini file."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "the package ships at least one revision"
    return head


def current_revision(connection: Connection) -> str | None:
    """The database's revision; None when it has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def _check_known(revision: str | None, db: DatabaseUrl) -> None:
    if revision is None:
        return
    try:
        known = _scripts().get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise ConfigurationError(
            f"{db.display()} has schema revision {revision!r}, which this version of "
            "finance-planner does not know; it was migrated by a newer version, so "
            "upgrade finance-planner"
        )


def upgrade(connection: Connection, db: DatabaseUrl) -> Upgrade:
    """Bring the database to the head revision in one transaction, under a lock.

    ``connection`` must not be inside a transaction.
    """
    if db.dialect == "sqlite":
        # The database write lock first: two processes opening a new file at
        # once must not both create the tables.
        connection.execution_options(**{SQLITE_BEGIN_OPTION: SQLITE_BEGIN_IMMEDIATE})
    with connection.begin():
        if db.dialect == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        before = current_revision(connection)
        _check_known(before, db)
        if before != head_revision():
            alembic_command.upgrade(alembic_config(connection), "head")
    return Upgrade(before, head_revision())


def ensure_schema(connection: Connection, db: DatabaseUrl) -> None:
    """Upgrade SQLite; refuse a PostgreSQL database that is not at the head revision."""
    with connection.begin():
        current = current_revision(connection)
    _check_known(current, db)
    if current == head_revision():
        return
    if db.dialect == "sqlite":
        upgrade(connection, db)
        return
    found = "has no schema yet" if current is None else f"is at schema revision {current!r}"
    raise ConfigurationError(
        f"{db.display()} {found}, but this version of finance-planner needs "
        f"{head_revision()!r}; run: finance-planner migrate --database-url URL "
        "(or with DATABASE_URL set)"
    )
