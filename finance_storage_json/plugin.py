"""Registers the JSON file backend (``json://``) through the plugin hooks."""

from __future__ import annotations

from collections.abc import Sequence

from finance_core.plugins import StorageBackend, hookimpl
from finance_core.ports import Storage


def _open(url: str) -> Storage:
    # cattrs and the file machinery load only when a json:// store is opened.
    from finance_storage_json.storage import JsonStorage

    return JsonStorage(url)


@hookimpl
def finance_storage_backends() -> Sequence[StorageBackend]:
    return [
        StorageBackend(
            "json",
            ("json",),
            _open,
            "human-readable JSON files in a directory (json:///relative or json:////absolute)",
            # tmp is absolute, so this URL has four slashes.
            contract_urls=lambda tmp: [f"json:///{tmp}/store"],
        )
    ]
