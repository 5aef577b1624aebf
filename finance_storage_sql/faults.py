"""Database faults in domain terms: duplicate keys and everything else (``StorageError``)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from finance_core.errors import StorageError, StorageFullError
from finance_storage_sql.schema import metadata
from finance_storage_sql.urls import DatabaseUrl

_PG_UNIQUE_VIOLATION: Final = "23505"
_PG_RETRYABLE: Final = {
    "40001": "a concurrent transaction conflicted with this one (serialization failure)",
    "40P01": "the database broke a deadlock by aborting this transaction",
}
_PG_FOREIGN_KEY_VIOLATION: Final = "23503"
#: PostgreSQL's disk_full and SQLite's SQLITE_FULL: no space left for the write.
_PG_DISK_FULL: Final = "53100"
_SQLITE_FULL: Final = "SQLITE_FULL"
_SQLITE_UNIQUE: Final = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_SQLITE_UNIQUE_PREFIX: Final = "UNIQUE constraint failed: "

#: Columns of every named primary key and unique constraint, for PostgreSQL,
#: which reports the constraint's name rather than its columns.
_UNIQUE_COLUMNS: Final[dict[str, frozenset[str]]] = {
    str(constraint.name): frozenset(column.name for column in constraint.columns)
    for table in metadata.tables.values()
    for constraint in table.constraints
    if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint))
}


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique or primary key violation, on either database."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == _PG_UNIQUE_VIOLATION:
        return True
    return getattr(orig, "sqlite_errorname", None) in _SQLITE_UNIQUE


def is_lost_connection(exc: BaseException) -> bool:
    """True when the database connection itself failed (the server went away)."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def unique_columns(exc: BaseException) -> frozenset[str]:
    """The columns of the unique key ``exc`` violated (empty when unknown)."""
    if not isinstance(exc, DBAPIError):
        return frozenset()
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return _UNIQUE_COLUMNS.get(name, frozenset())
    message = str(orig)
    if message.startswith(_SQLITE_UNIQUE_PREFIX):
        qualified = message.removeprefix(_SQLITE_UNIQUE_PREFIX).split(", ")
        return frozenset(item.rpartition(".")[2] for item in qualified)
    return frozenset()


def _is_foreign_key_violation(orig: BaseException) -> bool:
    return (
        getattr(orig, "sqlstate", None) == _PG_FOREIGN_KEY_VIOLATION
        or getattr(orig, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_FOREIGNKEY"
    )


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect_error(exc: SQLAlchemyError, database: DatabaseUrl) -> StorageError:
    """Connecting failed: name the database (password masked) and what to check."""
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    if database.dialect == "sqlite":
        advice = "check that the file's directory exists and that this process may write there"
    else:
        advice = (
            "check that the database server is running and reachable from here, and that "
            "DATABASE_URL names the right host, port, database, user and password"
        )
    return StorageError(f"cannot connect to {database.display()}: {first_line(orig)}; {advice}")


def storage_error(exc: SQLAlchemyError, action: str, *, committing: bool = False) -> StorageError:
    """A ``StorageError`` that says what failed and what to do about it.

    Losing the connection during COMMIT is the one case where the outcome is
    unknown (the server may have committed just before the line dropped).
    """
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == _PG_DISK_FULL or getattr(orig, "sqlite_errorname", None) == _SQLITE_FULL:
        return StorageFullError(
            f"storage failed while {action}: the database has no space left on its disk; "
            "nothing of this unit of work was stored, free space there and retry"
        )
    if sqlstate in _PG_RETRYABLE:
        cause = _PG_RETRYABLE[sqlstate]
        advice = "retry the operation"
    elif isinstance(exc, DBAPIError) and exc.connection_invalidated:
        cause = f"the database connection was lost ({first_line(orig)})"
        advice = "check that the database is up and reachable, then retry"
    elif _is_foreign_key_violation(orig):
        cause = (
            "a row would refer to a row that does not exist, or a row that others still "
            f"refer to would be removed ({first_line(orig)})"
        )
        advice = "write the referenced rows first and delete the referring rows first"
    elif "database is locked" in str(orig):
        cause = "the SQLite database stayed locked by another writer past the busy timeout"
        advice = "retry, or raise the timeout with ?timeout=SECONDS in the database URL"
    else:
        cause = f"the database reported: {first_line(orig)}"
        advice = "check the database and retry; report it if it persists"
    lost = isinstance(exc, DBAPIError) and exc.connection_invalidated
    if committing and lost:
        outcome = "so whether this unit of work was stored is unknown; look before retrying"
        return StorageError(
            f"storage failed while {action}: {cause}, {outcome}", outcome_unknown=True
        )
    return StorageError(
        f"storage failed while {action}: {cause}; nothing of this unit of work was stored, {advice}"
    )
