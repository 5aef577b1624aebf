"""Durable file primitives: appends, atomic replacement, and reading whole lines.

A write is durable only once the file is fsynced, and a file that was created or
renamed is durable only once its directory is fsynced too; every helper here
does both before it returns.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import attrs


def fsync_directory(path: Path) -> None:
    """Make the names in ``path`` (creations, renames, removals) survive a crash."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_directories(path: Path) -> None:
    """``mkdir -p`` whose new entries are durable: each parent is fsynced after the child."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            # Another process made it first; its creator fsyncs the parent.
            continue
        fsync_directory(directory.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def append_durably(path: Path, data: bytes, *, expected_size: int) -> None:
    """Append ``data`` to ``path`` and fsync it; on failure cut the file back.

    ``expected_size`` is what the caller believes the file holds; anything else
    means another writer ignored the lock, and appending would interleave with it.
    """
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size != expected_size:
            raise OSError(
                f"{path} holds {size} bytes where {expected_size} were expected; "
                "another program wrote to it without taking the lock"
            )
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            # Readers only trust newline-terminated lines; cutting back also keeps
            # the next append from landing after a fragment.
            os.ftruncate(fd, size)
            os.fsync(fd)
            raise
    finally:
        os.close(fd)
    if created:
        fsync_directory(path.parent)


def replace_durably(path: Path, chunks: Iterable[bytes]) -> int:
    """Write ``path`` as a whole through a temporary file and a rename; returns its size.

    Readers see the old file or the new one, never a mix, and a crash leaves at
    worst a stray temporary file, which the next writer removes.
    """
    temporary = temporary_path(path)
    size = 0
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for chunk in chunks:
            _write_all(fd, chunk)
            size += len(chunk)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(temporary, path)
    fsync_directory(path.parent)
    return size


def temporary_path(path: Path) -> Path:
    """Where ``replace_durably`` stages ``path``: hidden, and never matching a data file name."""
    return path.with_name(f".{path.name}.tmp")


@attrs.frozen
class Lines:
    """Whole lines read from an offset: the lines, where the last one ends, and any tail.

    ``tail`` is how many bytes follow the last newline: a write still in flight,
    or one a crash cut short. Either way it was never acknowledged.
    """

    lines: list[bytes]
    end: int
    tail: int


def read_lines(path: Path, offset: int) -> Lines:
    """Newline-terminated lines of ``path`` from byte ``offset``; a missing file has none."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return Lines([], offset, 0)
    cut = data.rfind(b"\n") + 1
    # Split on "\n" only: JSON escapes every other control character, so this
    # matches how the lines were written.
    lines = data[: cut - 1].split(b"\n") if cut else []
    return Lines(lines, offset + cut, len(data) - cut)
