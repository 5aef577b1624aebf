"""The plugin system: hook specifications, typed records and the manager."""

from __future__ import annotations

from finance_core.plugins.hookspecs import PROJECT_NAME, hookimpl, hookspec
from finance_core.plugins.manager import ENTRY_POINT_GROUP, FinancePlugins, make_plugin_manager
from finance_core.plugins.records import StorageBackend

__all__ = [
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "FinancePlugins",
    "StorageBackend",
    "hookimpl",
    "hookspec",
    "make_plugin_manager",
]
