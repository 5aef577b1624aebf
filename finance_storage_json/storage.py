"""``JsonStorage``: the in-memory backend, kept in step with JSON files on disk.

Each process holds a copy of the tenants it uses (``MemoryStorage``'s state)
and refreshes it from the files at the start of every unit of work, reading
only what other processes appended since. A write unit of work holds the
tenant's file lock from start to end, so its reads see every earlier commit and
no other process writes the tenant meanwhile; ``persist`` appends the unit of
work's change log as one fsynced journal line. Read-only units take no lock:
journals grow by whole lines, and snapshots appear by rename.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import attrs

from finance_core.errors import StorageError, StorageFullError
from finance_core.memory import (
    MemoryStorage,
    MemoryUnitOfWork,
    MemoryUserDirectory,
    TenantState,
)
from finance_core.tenancy import Member, Tenant, User
from finance_storage_json.converter import make_converter
from finance_storage_json.directory import DirectoryLog
from finance_storage_json.files import make_directories
from finance_storage_json.journal import TenantLog
from finance_storage_json.layout import tenant_directory
from finance_storage_json.url import directory_from_url

log = logging.getLogger(__name__)

#: Errors that mean the disk (or the process's file size limit or quota) is full.
_NO_SPACE: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
#: Journals smaller than this are never compacted (see ``TenantLog.compaction_due``).
DEFAULT_COMPACT_MIN_BYTES: Final = 1 << 20


@contextmanager
def _os_errors(action: str) -> Iterator[None]:
    """Report a failed system call as the domain's ``StorageError``, saying what failed."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno in _NO_SPACE:
            log.warning("the json store could not %s%s: %s", action, where, exc.strerror)
            raise StorageFullError(
                f"the json store could not {action}: {exc.strerror or exc}; its disk has no "
                "space left for the write, so nothing was committed: free space there and retry"
            ) from exc
        raise StorageError(
            f"the json store could not {action}{where}: {exc.strerror or exc}; "
            "check the disk (space, permissions) and retry; nothing was committed"
        ) from exc


@attrs.define
class _Frame:
    """What one open unit of work took, so its end releases exactly that."""

    tenant_id: str
    owns_tenant_lock: bool = False
    owns_directory_lock: bool = False


class JsonStorage(MemoryStorage):
    """``json:///dir``: human-readable JSON files, safe for several processes at once."""

    def __init__(self, url: str, *, compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES) -> None:
        super().__init__(url)
        self.root = directory_from_url(url)
        self._converter = make_converter()
        self._compact_min_bytes = compact_min_bytes
        self._logs: dict[str, TenantLog] = {}
        self._users = DirectoryLog(self.root, self._converter)
        self._frames: list[_Frame] = []

    def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> JsonUnitOfWork:
        return JsonUnitOfWork(self, tenant_id, readonly=readonly)

    def tenant_log(self, tenant_id: str) -> TenantLog:
        found = self._logs.get(tenant_id)
        if found is None:
            path = tenant_directory(self.root, tenant_id)
            found = self._logs[tenant_id] = TenantLog(
                path, tenant_id, self._converter, compact_min_bytes=self._compact_min_bytes
            )
        return found

    # -- the hooks MemoryStorage calls ---------------------------------------------
    def before_unit_of_work(self, tenant_id: str, *, readonly: bool) -> None:
        tenant = self.tenant_log(tenant_id)
        frame = _Frame(tenant_id)
        try:
            with _os_errors(f"open tenant {tenant_id!r}"):
                # A nested unit of work on the same tenant shares the outer one's lock.
                if not readonly and not tenant.lock.held:
                    make_directories(tenant.path)
                    tenant.lock.acquire()
                    frame.owns_tenant_lock = True
                self._users.refresh(self.directory)
                state = self.refresh_tenant(tenant_id)
                if frame.owns_tenant_lock and tenant.position and tenant.position.tail:
                    # A crash cut a commit short; never append after the fragment.
                    tenant.compact(state)
        except BaseException:
            if frame.owns_tenant_lock:
                tenant.lock.release()
            raise
        self._frames.append(frame)

    def after_unit_of_work(self, tenant_id: str, *, readonly: bool) -> None:
        frame = self._frames.pop()
        tenant = self.tenant_log(tenant_id)
        try:
            if frame.owns_tenant_lock and tenant.compaction_due:
                self._compact(tenant)
        finally:
            if frame.owns_directory_lock:
                self._users.release()
            if frame.owns_tenant_lock:
                tenant.lock.release()

    def _compact(self, tenant: TenantLog) -> None:
        # The journal already holds every commit, so a failed compaction loses
        # nothing; it is retried after the next write.
        try:
            tenant.compact(self.directory.state(tenant.tenant_id))
        except OSError as exc:
            # A full disk fails every compaction until space returns: one line each.
            full = exc.errno in _NO_SPACE
            log.warning(
                "compacting %s failed (%s); its journal stays authoritative",
                tenant.path,
                exc.strerror or exc,
                exc_info=not full,
            )
        except StorageError:
            log.warning(
                "compacting %s failed; its journal stays authoritative", tenant.path, exc_info=True
            )

    def persist(self, uow: MemoryUnitOfWork) -> None:
        tenant = self.tenant_log(uow.tenant_id)
        with _os_errors(f"commit to tenant {uow.tenant_id!r}"):
            hints = self._new_membership_hints(uow)
            if uow.user_changes or hints:
                self.lock_user_directory()
                self._users.append(list(uow.user_changes), hints)
            try:
                if uow.changes:
                    tenant.append(uow.changes)
            except BaseException:
                # The new users are durable but this commit is not; re-read them
                # so their ids are never handed out twice.
                self._users.invalidate()
                raise

    def _new_membership_hints(self, uow: MemoryUnitOfWork) -> list[tuple[int, str]]:
        hints: list[tuple[int, str]] = []
        for table, key, value in uow.changes:
            if table == "members" and value is not None:
                pair = (key, uow.tenant_id)
                if uow.tenant_id not in self._users.hints.get(key, ()) and pair not in hints:
                    hints.append(pair)
        return hints

    # -- used by the unit of work ----------------------------------------------------
    def refresh_tenant(self, tenant_id: str) -> TenantState:
        """This process's copy of the tenant, with every commit that finished before now."""
        with _os_errors(f"read tenant {tenant_id!r}"):
            state = self.tenant_log(tenant_id).refresh(self.directory.tenants.get(tenant_id))
        self.directory.tenants[tenant_id] = state
        return state

    def refresh_user_directory(self) -> None:
        with _os_errors("read the user directory"):
            self._users.refresh(self.directory)

    def membership_hints(self, user_id: int) -> set[str]:
        return set(self._users.hints.get(user_id, ()))

    def lock_user_directory(self) -> None:
        """Hold the user directory's lock to the end of this unit of work, then re-read it."""
        if self._users.lock.held:
            return
        with _os_errors("lock the user directory"):
            make_directories(self.root)
            self._frames[-1].owns_directory_lock = True
            self._users.lock_and_refresh(self.directory)

    # -- Storage -----------------------------------------------------------------
    def check(self) -> None:
        """The directory exists (or can be made), is writable, and its user file reads."""
        with self.lock, _os_errors(f"use the directory {self.root}"):
            make_directories(self.root)
            if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
                raise StorageError(
                    f"the json store's directory {self.root} is not readable and writable "
                    "by this process; fix its permissions"
                )
            self._users.refresh(self.directory)

    def close(self) -> None:
        """No descriptor stays open between units of work; drop the cached copies."""
        with self.lock:
            self.directory.tenants.clear()
            self._logs.clear()
            self._users.invalidate()


class JsonUnitOfWork(MemoryUnitOfWork):
    """A memory unit of work whose users come from the shared user directory file."""

    def __init__(self, store: JsonStorage, tenant_id: str, *, readonly: bool = False) -> None:
        super().__init__(store, tenant_id, readonly=readonly)
        self.readonly = readonly
        self.json_store = store
        self.users = _JsonUsers(self)


class _JsonUsers(MemoryUserDirectory):
    """Users are global: new ids are taken under the directory's lock, after re-reading it."""

    def __init__(self, uow: JsonUnitOfWork) -> None:
        super().__init__(uow)
        self._json_uow = uow

    def find(self, auth_user_id: str) -> User | None:
        found = super().find(auth_user_id)
        if found is None:
            # Another process may have added the user since this unit of work began.
            self._json_uow.json_store.refresh_user_directory()
            found = super().find(auth_user_id)
        return found

    def get(self, user_id: int) -> User | None:
        found = super().get(user_id)
        if found is None:
            self._json_uow.json_store.refresh_user_directory()
            found = super().get(user_id)
        return found

    def get_or_create(self, auth_user_id: str) -> User:
        found = self.find(auth_user_id)
        if found is not None or self._json_uow.readonly:
            return super().get_or_create(auth_user_id)
        store = self._json_uow.json_store
        store.lock_user_directory()
        users = store.directory.users
        if users and max(users) != len(users):
            raise StorageError(
                f"{store.root / 'directory.jsonl'}: user ids are not 1..{len(users)}; "
                "the file was edited by hand: restore it from a backup"
            )
        return super().get_or_create(auth_user_id)

    def memberships(self, user_id: int) -> list[tuple[Tenant, Member]]:
        store = self._json_uow.json_store
        current = self._json_uow.tenant_id
        store.refresh_user_directory()
        out = []
        for tenant_id in sorted(store.membership_hints(user_id) | {current}):
            # The current tenant's copy includes this unit of work's own changes.
            state = self._uow.state if tenant_id == current else store.refresh_tenant(tenant_id)
            member = state.members.get(user_id)
            if member is not None and state.tenant is not None:
                out.append((state.tenant, member))
        return sorted(out, key=lambda pair: pair[0].id)
