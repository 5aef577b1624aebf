"""One tenant's files: snapshots, journals, the lock, and keeping a copy in step with them.

A tenant's directory holds::

    lock                       taken by writers (flock), never written
    snapshot.00000003.json     the whole state as of generation 3
    journal.00000003.jsonl     one line per unit of work committed since

Generation 0 has no snapshot (it starts empty). A commit is one appended line,
fsynced before the write returns; readers trust only newline-terminated lines,
so a reader never needs the lock and never sees half a commit.

Compaction writes ``snapshot.<g+1>`` (temporary file, fsync, rename, directory
fsync) from the writer's up-to-date state; its appearance is the switch, so a
crash on either side of it leaves one consistent pair. The journal of the
previous generation is kept until the next compaction, so a reader that had
read part of it can finish it instead of reloading the snapshot.

A journal is never rewritten in place. Bytes after its last newline are a commit
that a crash cut short (it was never acknowledged); a writer that finds them
compacts to a fresh generation instead of appending after them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

import attrs
import cattrs

from finance_core.errors import StorageError
from finance_core.memory import Change, TenantState
from finance_storage_json.codec import decode_commit, encode_commit
from finance_storage_json.files import (
    append_durably,
    read_lines,
    replace_durably,
    temporary_path,
)
from finance_storage_json.locks import FileLock
from finance_storage_json.snapshot import decode_snapshot, encode_snapshot

_SNAPSHOT: Final = re.compile(r"snapshot\.(\d+)\.json")
_JOURNAL: Final = re.compile(r"journal\.(\d+)\.jsonl")
#: How often a reader retries when compaction replaced files under it.
_RETRIES: Final = 20


def snapshot_name(generation: int) -> str:
    return f"snapshot.{generation:08d}.json"


def journal_name(generation: int) -> str:
    return f"journal.{generation:08d}.jsonl"


@attrs.define
class Position:
    """How far an in-memory copy has read: a generation and a byte offset in its journal."""

    generation: int
    offset: int
    lines: int
    snapshot_bytes: int
    #: Bytes after the journal's last newline at the last read (a torn commit).
    tail: int = 0


class _FilesMoved(Exception):
    """Compaction renamed or removed a file between listing and opening it."""


class TenantLog:
    """The files of one tenant, and how far this process's copy of it has read."""

    def __init__(
        self, path: Path, tenant_id: str, converter: cattrs.Converter, *, compact_min_bytes: int
    ) -> None:
        self.path = path
        self.tenant_id = tenant_id
        self.lock = FileLock(path / "lock")
        self.position: Position | None = None
        self._converter = converter
        self._compact_min_bytes = compact_min_bytes

    def journal_path(self, generation: int) -> Path:
        return self.path / journal_name(generation)

    def snapshot_path(self, generation: int) -> Path:
        return self.path / snapshot_name(generation)

    # -- reading -----------------------------------------------------------------
    def refresh(self, state: TenantState | None) -> TenantState:
        """Bring ``state`` (this log's copy, or None) up to date; returns the copy to use.

        Without the lock this sees every commit that finished before it started;
        with the lock, every commit there is.
        """
        for _ in range(_RETRIES):
            try:
                return self._refresh(state if self.position is not None else None)
            except _FilesMoved:
                state = None
            except BaseException:
                self.position = None
                raise
        raise StorageError(
            f"{self.path}: files kept changing while being read; another process is "
            "compacting in a loop, so try again, and check that nothing else writes there"
        )

    def _latest_generation(self) -> int:
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return 0
        snapshots = [int(m[1]) for n in names if (m := _SNAPSHOT.fullmatch(n))]
        journals = [int(m[1]) for n in names if (m := _JOURNAL.fullmatch(n))]
        latest = max(snapshots, default=0)
        newest = max(journals, default=0)
        if newest > latest:
            raise StorageError(
                f"{self.journal_path(newest)} exists but {self.snapshot_path(newest)} "
                "does not; the snapshot was removed by hand: restore it from a backup "
                "(nothing was changed)"
            )
        return latest

    def _refresh(self, state: TenantState | None) -> TenantState:
        latest = self._latest_generation()
        position = self.position
        pending: list[list[Change]] = []
        if (
            state is None
            or position is None
            or not position.generation <= latest <= position.generation + 1
        ):
            state, position = self._load_snapshot(latest)
        elif latest == position.generation + 1:
            # Finish the previous journal rather than reload the whole snapshot.
            commits, _ = self._read_journal(position)
            pending.extend(commits)
            position = Position(latest, 0, 0, self._size(self.snapshot_path(latest)))
        commits, position = self._read_journal(position)
        pending.extend(commits)
        for commit in pending:
            for table, key, value in commit:
                state.put(table, key, value)
        self.position = position
        return state

    def _size(self, path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            raise _FilesMoved from None

    def _load_snapshot(self, generation: int) -> tuple[TenantState, Position]:
        if generation == 0:
            return TenantState(), Position(0, 0, 0, 0)
        path = self.snapshot_path(generation)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _FilesMoved from None
        state = decode_snapshot(self._converter, data, path, self.tenant_id, generation)
        return state, Position(generation, 0, 0, len(data))

    def _read_journal(self, position: Position) -> tuple[list[list[Change]], Position]:
        """Parse the journal's whole lines past ``position``; nothing is applied yet."""
        path = self.journal_path(position.generation)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            # Either nothing was committed since the snapshot, or two compactions
            # ran since the listing and removed it; only the listing can tell.
            if position.offset or self._latest_generation() != position.generation:
                raise _FilesMoved from None
            return [], position
        if size < position.offset:
            # Shorter than what was read: restored from a backup. Start over.
            raise _FilesMoved
        read = read_lines(path, position.offset)
        commits = []
        for index, line in enumerate(read.lines, start=position.lines + 1):
            if line.strip():
                commits.append(decode_commit(self._converter, line, path, index))
        moved = Position(
            position.generation,
            read.end,
            position.lines + len(read.lines),
            position.snapshot_bytes,
            read.tail,
        )
        return commits, moved

    # -- writing (the caller holds the lock) ----------------------------------------
    def append(self, changes: list[Change]) -> None:
        """Make one unit of work durable as one journal line."""
        position = self._writable_position()
        line = encode_commit(self._converter, changes)
        try:
            append_durably(
                self.journal_path(position.generation), line, expected_size=position.offset
            )
        except BaseException:
            # The file was cut back, but to be safe the next unit of work reloads it.
            self.position = None
            raise
        position.offset += len(line)
        position.lines += 1

    def _writable_position(self) -> Position:
        position = self.position
        if position is None or not self.lock.held:
            raise StorageError(f"{self.path}: a commit needs the tenant's lock and a loaded state")
        if position.tail:
            raise StorageError(f"{self.journal_path(position.generation)} ends in a torn commit")
        return position

    @property
    def compaction_due(self) -> bool:
        """A torn tail must go before the next append; otherwise compact when the
        journal reaches half the snapshot, which keeps each write's share of the
        rewriting constant however large the tenant grows."""
        position = self.position
        if position is None:
            return False
        threshold = max(self._compact_min_bytes, position.snapshot_bytes // 2, 1)
        return bool(position.tail) or position.offset >= threshold

    def compact(self, state: TenantState) -> None:
        """Write ``state`` (which must reflect every commit) as the next generation's snapshot."""
        position = self.position
        if position is None or not self.lock.held:
            raise StorageError(
                f"{self.path}: compaction needs the tenant's lock and a loaded state"
            )
        generation = position.generation + 1
        path = self.snapshot_path(generation)
        size = replace_durably(
            path, encode_snapshot(self._converter, state, self.tenant_id, generation)
        )
        self.position = Position(generation, 0, 0, size)
        self._remove_old(generation)

    def _remove_old(self, generation: int) -> None:
        """Drop what no reader needs: older snapshots, journals older than the previous one."""
        for name in os.listdir(self.path):
            snapshot = _SNAPSHOT.fullmatch(name)
            journal = _JOURNAL.fullmatch(name)
            stale = (
                (snapshot is not None and int(snapshot[1]) < generation)
                or (journal is not None and int(journal[1]) < generation - 1)
                or (name.startswith(".") and name.endswith(".tmp"))
            )
            if stale:
                (self.path / name).unlink(missing_ok=True)
        temporary_path(self.snapshot_path(generation)).unlink(missing_ok=True)
