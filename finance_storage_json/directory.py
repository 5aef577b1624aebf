"""The global part of the store: users, and which tenants each user may belong to.

``directory.jsonl`` holds one line per unit of work that created users or added
memberships (wrapped here)::

    {"v": 1, "users": [{"id": 3, "auth_user_id": "alice"}],
     "memberships": [{"user_id": 3, "tenant_id": "home"}]}

Users are global, so their ids come from this file under its own lock
(``directory.lock``), taken after the tenant's lock and held to the end of the
unit of work. Memberships here are only hints for the one cross-tenant read,
``memberships(user_id)``: they are written before the tenant's commit, so none
is ever missing, and the tenant's own files decide whether it is real.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cattrs

from finance_core.errors import StorageError
from finance_core.memory import Directory
from finance_core.tenancy import User
from finance_storage_json.codec import (
    FORMAT_VERSION,
    check_version,
    corrupt,
    dumps,
    loads,
    structure,
)
from finance_storage_json.files import append_durably, read_lines, replace_durably
from finance_storage_json.locks import FileLock


class DirectoryLog:
    """``directory.jsonl`` and how far this process has read it."""

    def __init__(self, root: Path, converter: cattrs.Converter) -> None:
        self.path = root / "directory.jsonl"
        self.lock = FileLock(root / "directory.lock")
        #: user id -> tenant ids where that user was added as a member at some point.
        self.hints: dict[int, set[str]] = {}
        self._converter = converter
        self._identity: tuple[int, int] | None = None
        self._offset = 0
        self._lines = 0
        self._tail = 0

    def invalidate(self) -> None:
        """Forget what was read, so the next refresh reads the file from the start."""
        self._identity = None

    def refresh(self, directory: Directory) -> None:
        """Read what other processes appended (no lock needed: only whole lines count).

        While this process holds the lock nobody else appends, and the users this
        unit of work created exist only in memory, so there is nothing to read.
        """
        if not self.lock.held:
            self._read(directory)

    def lock_and_refresh(self, directory: Directory) -> None:
        """Take the lock (held until ``release``) and read up to the file's end."""
        self.lock.acquire()
        self._read(directory)

    def release(self) -> None:
        self.lock.release()

    def _read(self, directory: Directory) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            if self._identity is not None or directory.users:
                self._reset(directory, None)
            return
        identity = (stat.st_dev, stat.st_ino)
        if identity != self._identity or stat.st_size < self._offset:
            self._reset(directory, identity)
        elif stat.st_size == self._offset + self._tail:
            return
        read = read_lines(self.path, self._offset)
        decoded = [
            self._decode(line, number)
            for number, line in enumerate(read.lines, start=self._lines + 1)
            if line.strip()
        ]
        for users, memberships in decoded:
            for user in users:
                self._check_user(directory, user)
                directory.put_user(user, user.id, user.auth_user_id)
            for user_id, tenant_id in memberships:
                self.hints.setdefault(user_id, set()).add(tenant_id)
        self._offset = read.end
        self._lines += len(read.lines)
        self._tail = read.tail

    def _reset(self, directory: Directory, identity: tuple[int, int] | None) -> None:
        directory.users.clear()
        directory.users_by_auth.clear()
        self.hints.clear()
        self._identity = identity
        self._offset = self._lines = self._tail = 0

    def _check_user(self, directory: Directory, user: User) -> None:
        known = directory.users.get(user.id)
        other = directory.users_by_auth.get(user.auth_user_id)
        if (known is not None and known != user) or (other is not None and other != user.id):
            raise StorageError(
                f"{self.path}: user {user.id} ({user.auth_user_id!r}) clashes with an earlier "
                "line; the file was edited by hand: restore it from a backup (it was left as it is)"
            )

    def _decode(self, line: bytes, number: int) -> tuple[list[User], list[tuple[int, str]]]:
        obj = check_version(loads(line, self.path, number), "v", self.path, number)
        if set(obj) != {"v", "users", "memberships"}:
            raise corrupt(
                self.path, number, "not a valid record: a line has exactly v, users and memberships"
            )
        users = structure(self._converter, obj["users"], list[User], self.path, number, "$.users")
        pairs = structure(
            self._converter,
            obj["memberships"],
            list[dict[str, Any]],
            self.path,
            number,
            "$.memberships",
        )
        memberships = []
        for index, pair in enumerate(pairs):
            if set(pair) != {"user_id", "tenant_id"}:
                raise corrupt(
                    self.path,
                    number,
                    f"not a valid record: $.memberships[{index}] needs user_id and tenant_id",
                )
            user_id = structure(self._converter, pair["user_id"], int, self.path, number, "user_id")
            tenant_id = structure(
                self._converter, pair["tenant_id"], str, self.path, number, "tenant_id"
            )
            memberships.append((user_id, tenant_id))
        return users, memberships

    def append(self, users: list[User], memberships: list[tuple[int, str]]) -> None:
        """Make new users and membership hints durable; the caller holds ``self.lock``."""
        if not self.lock.held:
            raise StorageError(f"{self.path}: writing the user directory needs its lock")
        if self._tail:
            self._drop_torn_tail()
        record = {
            "v": FORMAT_VERSION,
            "users": [self._converter.unstructure(u, User) for u in users],
            "memberships": [{"user_id": u, "tenant_id": t} for u, t in memberships],
        }
        line = (dumps(record) + "\n").encode("utf-8")
        try:
            append_durably(self.path, line, expected_size=self._offset)
        except BaseException:
            self.invalidate()
            raise
        if self._identity is None:
            stat = os.stat(self.path)
            self._identity = (stat.st_dev, stat.st_ino)
        self._offset += len(line)
        self._lines += 1
        for user_id, tenant_id in memberships:
            self.hints.setdefault(user_id, set()).add(tenant_id)

    def _drop_torn_tail(self) -> None:
        """Rewrite the file without the cut-short line a crash left (never acknowledged).

        Rewriting through a rename, not truncating, keeps readers that are reading
        the old file from ever seeing a line glued to a fragment.
        """
        with self.path.open("rb") as handle:
            whole = handle.read(self._offset)
        replace_durably(self.path, [whole])
        stat = os.stat(self.path)
        self._identity = (stat.st_dev, stat.st_ino)
        self._tail = 0
