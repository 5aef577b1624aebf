"""Small typed records that plugins hand to the manager."""

from __future__ import annotations

from collections.abc import Callable

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
