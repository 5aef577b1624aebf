"""Registers the in-memory backend (``memory://``) like any other plugin."""

from __future__ import annotations

from collections.abc import Sequence

from finance_core.plugins.hookspecs import hookimpl
from finance_core.plugins.records import StorageBackend
from finance_core.ports import Storage


def _open(url: str) -> Storage:
    from finance_core.memory import MemoryStorage

    return MemoryStorage(url)


@hookimpl
def finance_storage_backends() -> Sequence[StorageBackend]:
    return [
        StorageBackend(
            "memory",
            ("memory",),
            _open,
            "process memory; gone on exit",
            contract_urls=lambda tmp: ["memory://"],
        )
    ]
