"""Small typed records that plugins hand to the manager."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from finance_core.ports import Storage


@attrs.frozen
class StorageBackend:
    """A storage backend: its name, the URL schemes it serves, and how to open one.

    ``factory`` receives the full URL and should import heavy dependencies
    itself, so that merely listing backends stays cheap.
    """

    name: str
    schemes: tuple[str, ...]
    factory: Callable[[str], Storage]
    description: str = ""
    #: Given an empty temporary directory, the URLs the contract suite should run
    #: against (for example a file database and an in-memory one). Each URL is
    #: opened once per test session; tests isolate themselves by tenant id.
    contract_urls: Callable[[Path], Sequence[str]] | None = None
