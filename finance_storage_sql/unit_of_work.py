"""The unit of work: one connection, one database transaction, one tenant.

The transaction begins lazily at the first statement (``BEGIN IMMEDIATE`` for a
writing unit of work on SQLite; a read-only REPEATABLE READ snapshot for a
reading one on PostgreSQL). Any database fault, a duplicate key included,
rolls the whole transaction back and marks the unit of work failed, so nothing
half-done can be committed later: the caller starts a new unit of work.

Connections come from the pool unchecked. When the first statement of a
transaction finds its connection dead (the server restarted or ended it while
it sat in the pool), that statement runs once more on a fresh connection:
nothing was sent on the dead one, so nothing can happen twice. A connection
lost after the first statement fails the unit of work as any fault does.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Self

from sqlalchemy import Executable, Select, select
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import SQLAlchemyError

from finance_core.errors import (
    DuplicateError,
    FinanceError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from finance_storage_sql import schema
from finance_storage_sql.faults import (
    first_line,
    is_lost_connection,
    is_unique_violation,
    storage_error,
    unique_columns,
)
from finance_storage_sql.ids import allocate
from finance_storage_sql.planning import SqlBudgetRepository, SqlScheduleRepository
from finance_storage_sql.repositories import (
    SqlAccountRepository,
    SqlIdempotencyRepository,
    SqlMemberRepository,
    SqlTenantRepository,
    SqlTransferRepository,
    SqlUserDirectory,
)
from finance_storage_sql.rules import SqlRuleRepository
from finance_storage_sql.statements import SqlReconciliationRepository, SqlStatementRepository
from finance_storage_sql.transactions import SqlTransactionRepository

if TYPE_CHECKING:
    from finance_storage_sql.storage import SqlStorage

log = logging.getLogger(__name__)

#: Builds the error for a duplicate key from the violated key's columns.
OnDuplicate = Callable[[frozenset[str]], DuplicateError]


class SqlUnitOfWork:
    """A ``finance_core.ports.UnitOfWork`` over one SQLAlchemy connection."""

    def __init__(self, storage: SqlStorage, tenant_id: str, *, readonly: bool = False) -> None:
        self.tenant_id = tenant_id
        self.readonly = readonly
        self._storage = storage
        self._connection: Connection | None = None
        self._failure: StorageError | DuplicateError | None = None
        #: True once the current transaction has sent a statement.
        self._sent = False
        #: Account currencies seen in this unit of work; every amount needs one.
        self._currencies: dict[int, str] = {}
        self.tenant = SqlTenantRepository(self)
        self.users = SqlUserDirectory(self)
        self.members = SqlMemberRepository(self)
        self.accounts = SqlAccountRepository(self)
        self.transactions = SqlTransactionRepository(self)
        self.transfers = SqlTransferRepository(self)
        self.idempotency = SqlIdempotencyRepository(self)
        self.rules: SqlRuleRepository = SqlRuleRepository(self)
        self.schedules = SqlScheduleRepository(self)
        self.budgets = SqlBudgetRepository(self)
        self.statements = SqlStatementRepository(self)
        self.reconciliations = SqlReconciliationRepository(self)

    # -- lifetime --------------------------------------------------------------
    def __enter__(self) -> Self:
        if self._connection is not None:
            raise StorageError("this unit of work is already open; use a new one")
        self._connection = self._storage.connect(readonly=self.readonly)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._sent = False
        if connection is None:
            self._failure = None
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        except SQLAlchemyError as error:
            # The connection is gone; the server discards the transaction itself.
            log.warning("rollback at the end of a unit of work failed: %s", first_line(error))
        finally:
            self._failure = None
            self._currencies.clear()
            self._storage.disconnect(connection)

    def commit(self) -> None:
        if self.readonly:
            raise StorageError(
                "a read-only unit of work cannot commit; open it with readonly=False to write"
            )
        connection = self._open()
        if self._failure is not None:
            raise StorageError(
                f"cannot commit: this unit of work already failed and was rolled back "
                f"({self._failure}); start a new unit of work"
            )
        if not connection.in_transaction():
            return
        try:
            connection.commit()
        except SQLAlchemyError as exc:
            raise self._fail(exc, "committing", committing=True) from exc
        finally:
            self._sent = False

    def rollback(self) -> None:
        connection = self._open()
        self._failure = None
        self._sent = False
        self._currencies.clear()
        if connection.in_transaction():
            try:
                connection.rollback()
            except SQLAlchemyError as exc:
                raise storage_error(exc, "rolling back") from exc

    # -- what the repositories use -------------------------------------------
    def _open(self) -> Connection:
        if self._connection is None:
            if self._failure is not None:
                # A lost connection could not be replaced.
                raise StorageError(f"this unit of work already failed ({self._failure})")
            raise StorageError("unit of work used outside its 'with' block")
        return self._connection

    def _active(self) -> Connection:
        connection = self._open()
        if self._failure is not None:
            raise StorageError(
                f"this unit of work already failed and was rolled back ({self._failure}); "
                "call rollback() or start a new unit of work"
            )
        if not connection.in_transaction():
            try:
                connection.begin()
            except SQLAlchemyError as exc:
                raise self._fail(exc, "starting a transaction") from exc
        return connection

    def require_writable(self) -> None:
        if self.readonly:
            raise StorageError(
                "write attempted in a read-only unit of work; open it with readonly=False"
            )

    def require_own(self, tenant_id: str, what: str) -> None:
        """Refuse to store another tenant's row through this unit of work."""
        if tenant_id != self.tenant_id:
            raise ValidationError.of(
                "tenant_id",
                f"{what} belongs to tenant {tenant_id!r}, but this unit of work is for "
                f"{self.tenant_id!r}; open a unit of work for that tenant",
            )

    def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        *,
        on_duplicate: OnDuplicate | None = None,
    ) -> CursorResult[Any]:
        """Run one statement (``executemany`` for a list of parameter sets).

        A unique violation becomes the ``DuplicateError`` that ``on_duplicate``
        builds from the violated key's columns (after the rollback, so it may
        query to name the clashing row); any other fault a ``StorageError``.
        """
        connection = self._active()
        first, self._sent = not self._sent, True
        try:
            return connection.execute(statement, parameters)
        except SQLAlchemyError as exc:
            if first and is_lost_connection(exc):
                return self._execute_again(statement, parameters, on_duplicate, exc)
            self._statement_failed(exc, on_duplicate)

    def fetch(self, statement: Select[Any], parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows of a read that every request makes, run on the driver's cursor.

        The same rows, values and faults as ``execute`` (a lost connection at a
        transaction's first statement is retried the same way), for a fraction
        of the CPU; see ``finance_storage_sql.fetch``. ``statement`` must be
        built once (a module constant): its compiled plan is kept for good.
        """
        plan = self._storage.fetch_plans.plan(statement)
        sql, driver_parameters = plan.bind(parameters)
        connection = self._active()
        first, self._sent = not self._sent, True
        try:
            raw = _run_on_cursor(connection, sql, driver_parameters)
        except SQLAlchemyError as exc:
            if first and is_lost_connection(exc):
                log.info("replacing a database connection that was lost: %s", first_line(exc))
                self._reconnect()
                return self.fetch(statement, parameters)
            self._statement_failed(exc, None)
        return plan.rows(raw)

    def execute_many_raw(
        self,
        sql: str,
        rows: Sequence[tuple[Any, ...]],
        *,
        on_duplicate: OnDuplicate | None = None,
    ) -> None:
        """``executemany`` of driver-ready rows, past SQLAlchemy's per-row processing.

        For bulk inserts whose values are already in the driver's types; errors
        are mapped exactly as in ``execute``. A bulk insert is never a unit of
        work's first statement (the account is read and locked first), so a
        lost connection is not retried here.
        """
        connection = self._active()
        self._sent = True
        try:
            connection.exec_driver_sql(sql, list(rows))
        except SQLAlchemyError as exc:
            self._statement_failed(exc, on_duplicate)

    def _statement_failed(self, exc: SQLAlchemyError, on_duplicate: OnDuplicate | None) -> NoReturn:
        self._roll_back_quietly()
        error: StorageError | DuplicateError
        if is_unique_violation(exc):
            error = self._duplicate(exc, on_duplicate)
        else:
            error = storage_error(exc, "running a statement")
        self._failure = error
        self._currencies.clear()
        raise error from exc

    def _execute_again(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None,
        on_duplicate: OnDuplicate | None,
        lost: SQLAlchemyError,
    ) -> CursorResult[Any]:
        """Run a transaction's first statement again on a fresh connection.

        The pool has already marked every connection older than this one as
        stale, so the new one is freshly made; if the database cannot be
        reached, the unit of work fails as it would have with the first error.
        """
        log.info("replacing a database connection that was lost: %s", first_line(lost))
        self._reconnect()
        return self.execute(statement, parameters, on_duplicate=on_duplicate)

    def _reconnect(self) -> None:
        """A fresh connection in place of a lost one, marked as having sent a
        statement, so a fresh connection that fails too is not retried again."""
        dead, self._connection = self._connection, None
        if dead is not None:
            self._storage.disconnect(dead)
        try:
            self._connection = self._storage.connect(readonly=self.readonly)
        except StorageError as error:
            self._failure = error
            self._currencies.clear()
            raise
        self._sent = True

    def _duplicate(self, exc: SQLAlchemyError, on_duplicate: OnDuplicate | None) -> DuplicateError:
        generic = DuplicateError(
            f"a row with the same key already exists ({first_line(exc)}); "
            "nothing of this unit of work was stored"
        )
        if on_duplicate is None:
            return generic
        try:
            return on_duplicate(unique_columns(exc))
        except FinanceError:
            return generic
        finally:
            self._roll_back_quietly()

    def _fail(self, exc: SQLAlchemyError, action: str, *, committing: bool = False) -> StorageError:
        """Roll everything back, remember the failure, and say what happened."""
        self._roll_back_quietly()
        error = storage_error(exc, action, committing=committing)
        self._failure = error
        self._currencies.clear()
        return error

    def _roll_back_quietly(self) -> None:
        connection = self._connection
        if connection is not None and connection.in_transaction():
            try:
                connection.rollback()
            except SQLAlchemyError as cleanup:
                log.warning("rollback after a failure failed too: %s", first_line(cleanup))

    @property
    def dialect(self) -> str:
        return self._storage.database.dialect

    def remember_currency(self, account_id: int, currency: str | None) -> None:
        if currency is None:
            self._currencies.pop(account_id, None)
        else:
            self._currencies[account_id] = currency

    def currencies(self, account_ids: Collection[int]) -> dict[int, str]:
        """The currency of each account; ``NotFoundError`` for an account this tenant lacks."""
        missing = sorted(set(account_ids) - set(self._currencies))
        if missing:
            accounts = schema.accounts
            rows = self.execute(
                select(accounts.c.id, accounts.c.currency).where(
                    accounts.c.tenant_id == self.tenant_id, accounts.c.id.in_(missing)
                )
            )
            for ident, currency in rows:
                self._currencies[ident] = currency
        for ident in account_ids:
            if ident not in self._currencies:
                raise NotFoundError("account", ident)
        return {ident: self._currencies[ident] for ident in account_ids}

    # -- ids -------------------------------------------------------------------
    def allocate_ids(self, kind: str, count: int = 1) -> range:
        self.require_writable()
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError.of("count", "count must be a whole number, 0 or more")
        return allocate(self, kind, count)


class _CursorContext:
    """What cursor-event listeners get as the execution context of a fetched
    statement: a place to keep their own attributes (a tracing span), nothing more."""


def _run_on_cursor(connection: Connection, sql: str, parameters: Any) -> Sequence[Any]:
    """Run one statement on the connection's driver cursor and fetch its rows.

    Listeners of SQLAlchemy's cursor events (query plans in the tests, tracing
    in production) see the statement as they see any other; a listener that
    rewrites statements (``retval=True``) is not applied here. A fault goes
    through SQLAlchemy's own handling, so it is wrapped, reported to
    ``handle_error`` listeners and, for a lost connection, invalidates the
    pool's older connections exactly as in ``Connection.execute``.
    """
    events = connection.dispatch
    cursor = None
    context = _CursorContext()
    try:
        cursor = connection.connection.cursor()
        if events.before_cursor_execute:
            events.before_cursor_execute(connection, cursor, sql, parameters, context, False)
        cursor.execute(sql, parameters)
        rows: Sequence[Any] = cursor.fetchall()
        if events.after_cursor_execute:
            events.after_cursor_execute(connection, cursor, sql, parameters, context, False)
        return rows
    except BaseException as error:
        # Private, but it is the one place that does all of the above; the
        # SQLAlchemy version is pinned below 2.1 and a test holds it to it.
        connection._handle_dbapi_exception(error, sql, parameters, cursor, None)
    finally:
        if cursor is not None:
            # A cursor of a connection that died may fail to close; it is gone either way.
            with contextlib.suppress(connection.dialect.loaded_dbapi.Error):
                cursor.close()
