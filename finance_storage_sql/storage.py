"""``SqlStorage``: the ``Storage`` port on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from finance_core.errors import StorageError
from finance_storage_sql.engine import (
    SQLITE_BEGIN_IMMEDIATE,
    SQLITE_BEGIN_OPTION,
    create_database_engine,
)
from finance_storage_sql.faults import connect_error, storage_error
from finance_storage_sql.fetch import FetchPlans
from finance_storage_sql.migrations import ensure_schema
from finance_storage_sql.unit_of_work import SqlUnitOfWork
from finance_storage_sql.urls import DatabaseUrl, parse_database_url


class SqlStorage:
    """Opened on a URL: SQLite is brought to the current schema on the spot;
    PostgreSQL must already be there (``finance-planner migrate``).
    """

    def __init__(self, url: str, *, environ: Mapping[str, str] | None = None) -> None:
        self.url = url
        self.database: DatabaseUrl = parse_database_url(url)
        self.engine: Engine = create_database_engine(
            self.database, os.environ if environ is None else environ
        )
        self.fetch_plans = FetchPlans(self.engine.dialect)
        # sqlite:// is one connection shared by everyone, so its units of work
        # take turns; every other database gives each its own connection.
        self._turns: threading.Lock | None = threading.Lock() if self.database.in_memory else None
        self._turn_holder: int | None = None
        try:
            with self._first_connection() as connection:
                ensure_schema(connection, self.database)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise storage_error(exc, f"opening {self.database.display()}") from exc
        except BaseException:
            self.engine.dispose()
            raise

    def _first_connection(self) -> Connection:
        try:
            return self.engine.connect()
        except SQLAlchemyError as exc:
            raise connect_error(exc, self.database) from exc

    def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self, tenant_id, readonly=readonly)

    # -- connections for units of work -------------------------------------------
    def connect(self, *, readonly: bool) -> Connection:
        """A connection set up to begin the right kind of transaction."""
        self._take_turn()
        try:
            connection = self.engine.connect()
        except SQLAlchemyError as exc:
            self._end_turn()
            raise connect_error(exc, self.database) from exc
        except BaseException:
            self._end_turn()
            raise
        if self.database.dialect == "sqlite":
            if not readonly:
                connection.execution_options(**{SQLITE_BEGIN_OPTION: SQLITE_BEGIN_IMMEDIATE})
        elif readonly:
            # One snapshot for every read of the unit of work (a page and its
            # total agree); read-only transactions never fail to serialize.
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        return connection

    def disconnect(self, connection: Connection) -> None:
        try:
            connection.close()
        finally:
            self._end_turn()

    def _take_turn(self) -> None:
        if self._turns is None:
            return
        if self._turn_holder == threading.get_ident():
            raise StorageError(
                "sqlite:// (in memory) runs one unit of work at a time and this thread "
                "already has one open; finish it before starting another"
            )
        self._turns.acquire()
        self._turn_holder = threading.get_ident()

    def _end_turn(self) -> None:
        if self._turns is not None:
            self._turn_holder = None
            self._turns.release()

    # -- the rest of the port ----------------------------------------------------
    def check(self) -> None:
        # Through a unit of work, so a pooled connection the server dropped is
        # replaced exactly as it would be for a use case.
        with self.unit_of_work("", readonly=True) as uow:
            uow.execute(text("SELECT 1")).scalar_one()

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SqlStorage({self.database.display()!r})"
