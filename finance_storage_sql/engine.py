"""Engines configured for each database: SQLite pragmas and locking, PostgreSQL pooling."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from finance_storage_sql.urls import DatabaseUrl, PoolSettings

#: How long a SQLite writer waits for another one to finish (seconds), unless
#: the URL says otherwise with ``?timeout=``. Writers hold the lock for one unit
#: of work only, so this is only reached when something is badly stuck.
SQLITE_BUSY_TIMEOUT: Final = 30.0
#: Execution option naming how a SQLite transaction begins.
SQLITE_BEGIN_OPTION: Final = "finance_sqlite_begin"
SQLITE_BEGIN_IMMEDIATE: Final = "IMMEDIATE"
#: Seconds to wait for a PostgreSQL server before reporting it unreachable.
POSTGRES_CONNECT_TIMEOUT: Final = 10


def create_database_engine(db: DatabaseUrl, environ: Mapping[str, str]) -> Engine:
    if db.dialect == "sqlite":
        return _sqlite_engine(db)
    return _postgres_engine(db, PoolSettings.from_environ(environ))


def _sqlite_engine(db: DatabaseUrl) -> Engine:
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if "timeout" not in db.url.query:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT
    if db.in_memory:
        # One connection shared by every unit of work: a second connection to
        # sqlite:// would open a second, empty database.
        engine = create_engine(db.url, poolclass=StaticPool, connect_args=connect_args)
    else:
        engine = create_engine(db.url, connect_args=connect_args)
    wal = not db.in_memory

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (it would BEGIN
        # on its own, lazily, and always DEFERRED); the "begin" listener below
        # emits the right BEGIN instead. This is also what makes SAVEPOINT work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                # Readers never block the writer and the writer never blocks readers.
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # SQLite ignores SELECT ... FOR UPDATE, so a writing unit of work takes
        # the database write lock up front; a deferred transaction that reads
        # and then writes could otherwise fail with SQLITE_BUSY half way.
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION)
        statement = "BEGIN IMMEDIATE" if mode == SQLITE_BEGIN_IMMEDIATE else "BEGIN"
        # Straight to the driver: a full SQLAlchemy execution would cost more
        # than the BEGIN itself, on every unit of work. A fault is reported as
        # SQLAlchemy would report it.
        try:
            connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            raise DBAPIError.instance(
                statement, (), exc, sqlite3.Error, dialect=connection.dialect
            ) from exc

    return engine


def _postgres_engine(db: DatabaseUrl, pool: PoolSettings) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in db.url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT
    if "application_name" not in db.url.query:
        connect_args["application_name"] = "finance-planner"
    return create_engine(
        db.url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        # No ping at checkout: that would cost a round trip per unit of work.
        # A connection the server dropped while idle fails at the unit of
        # work's first statement, which then runs again on a fresh connection
        # (see ``SqlUnitOfWork.execute``).
        pool_pre_ping=False,
        connect_args=connect_args,
    )
