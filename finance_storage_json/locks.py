"""Inter-process locks on lock files.

``flock`` locks belong to one open file description. POSIX record locks
(``fcntl.lockf``) would be simpler to name but are dropped as soon as the
process closes *any* descriptor of the file, which a reader opening the same
path elsewhere in the process would do by accident.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from finance_core.errors import StorageError


class FileLock:
    """An exclusive lock on ``path``, held from ``acquire`` until ``release``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Block until no other process holds the lock, then take it."""
        if self._fd is not None:
            raise StorageError(f"{self.path} is already locked by this unit of work")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(
                f"cannot open the lock file {self.path}: {exc.strerror}; "
                "check that the store's directory exists and is writable"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Let the next writer in; closing the descriptor drops the lock."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
