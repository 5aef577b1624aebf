"""One unit of work per use case, shared by every service call inside it.

A service opens its unit of work with ``LedgerBase._unit``. The outermost call
opens a real unit of work from storage and makes it the *scope* of the current
context (thread or task); every ``_unit`` call inside it, for the same tenant,
is handed the same unit of work. An inner ``commit()`` only records that the
inner use case finished; the scope's owner commits once, and after-commit
events are sent once, when the real commit has happened.

Adapters use the same mechanism through ``Ledger.scope``: an HTTP request opens
one scope, so resolving the caller and every read and write of the use case see
one snapshot and commit (or roll back) together.

An inner unit that ends with an exception marks the scope *failed*: whatever
the owner does next, nothing of the scope is committed. A scope opened
read-only refuses inner units that want to write (a programming error: the
adapter chose the wrong kind of scope).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Self

from finance_core.events import Event
from finance_core.ports import Storage, UnitOfWork


class ScopeFailedError(RuntimeError):
    """A scope whose earlier step failed was asked to commit: a programming error.

    An adapter that catches a use case's error and carries on must not commit
    what the failed use case left behind; nothing of the scope is stored.
    """


class Scope:
    """The open unit of work of one use case (or one request) and its pending events."""

    def __init__(self, uow: UnitOfWork, tenant_id: str, *, readonly: bool) -> None:
        self.storage_unit = uow
        self.tenant_id = tenant_id
        self.readonly = readonly
        self.events: list[Event] = []
        self.failed = False
        self.committed = False
        #: What the scope's owner uses: commit here is the real one.
        self.uow: UnitOfWork = _OwnerUnit(self)


class _OwnerUnit:
    """The scope's unit of work as its owner sees it: commit is real, unless a step failed."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __getattr__(self, name: str) -> Any:
        return getattr(self._scope.storage_unit, name)

    def commit(self) -> None:
        if self._scope.failed:
            raise ScopeFailedError(
                "cannot commit: a step of this unit of work failed, so none of it is stored"
            )
        self._scope.storage_unit.commit()
        self._scope.committed = True

    def rollback(self) -> None:
        self._scope.storage_unit.rollback()
        self._scope.events.clear()
        self._scope.failed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


class _NestedUnit:
    """The scope's unit of work as an inner service sees it: commit is deferred."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __getattr__(self, name: str) -> Any:
        return getattr(self._scope.storage_unit, name)

    def commit(self) -> None:
        if self._scope.failed:
            raise ScopeFailedError(
                "cannot commit: an earlier step of this unit of work failed; none of it is stored"
            )

    def rollback(self) -> None:
        self._scope.failed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._scope.failed = True


class Scopes:
    """The scope of the current context, per ledger (a ``ContextVar``)."""

    def __init__(self, storage: Storage, deliver: Callable[[str, Sequence[Event]], None]) -> None:
        self._storage = storage
        self._deliver = deliver
        self._current: ContextVar[Scope | None] = ContextVar("finance_scope", default=None)

    @property
    def current(self) -> Scope | None:
        return self._current.get()

    @contextmanager
    def unit(self, tenant_id: str, *, readonly: bool) -> Iterator[UnitOfWork]:
        """The current scope's unit of work, or a new scope when none is open."""
        scope = self._current.get()
        if scope is not None and scope.tenant_id == tenant_id:
            if scope.readonly and not readonly:
                raise RuntimeError(
                    "a write was attempted inside a read-only scope; open the scope for writing"
                )
            with _NestedUnit(scope) as nested:
                yield nested
            return
        with self.open(tenant_id, readonly=readonly) as opened:
            yield opened.uow

    @contextmanager
    def open(self, tenant_id: str, *, readonly: bool) -> Iterator[Scope]:
        """Open a real unit of work and make it the current scope until the block ends.

        The owner commits with ``scope.uow.commit()``; when the block ends after
        a commit, the events queued in the scope go to the listener, once.
        """
        with self._storage.unit_of_work(tenant_id, readonly=readonly) as uow:
            scope = Scope(uow, tenant_id, readonly=readonly)
            token = self._current.set(scope)
            try:
                yield scope
            finally:
                self._current.reset(token)
        if scope.committed and scope.events:
            self._deliver(tenant_id, tuple(scope.events))

    def forget(self) -> bool:
        """Drop a scope this context still names although its block never ended.

        Only a request cut short by an exception that bypassed every handler
        can leave one behind; True when there was one.
        """
        if self._current.get() is None:
            return False
        self._current.set(None)
        return True

    def queue(self, tenant_id: str, events: Sequence[Event]) -> bool:
        """Hold events until the scope commits; False when no scope of that tenant is open."""
        scope = self._current.get()
        if scope is None or scope.tenant_id != tenant_id:
            return False
        scope.events.extend(events)
        return True
