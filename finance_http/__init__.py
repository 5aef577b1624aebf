"""The Falcon adapter: a REST API over the ledger, authenticated by MCP_Auth tokens.

Build an app from dependencies you choose::

    from finance_http import build_dependencies, create_app, load_settings

    app = create_app(build_dependencies(load_settings({"SECRET_KEY": "..." * 11})))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finance_http.app import Dependencies, build_dependencies, create_app
    from finance_http.settings import Settings, load_settings

__all__ = ["Dependencies", "Settings", "build_dependencies", "create_app", "load_settings"]

# The plugin manager imports this package for every command, so Falcon, PyJWT
# and cattrs load only when one of these names is first used.
_LAZY = {
    "Dependencies": "finance_http.app",
    "build_dependencies": "finance_http.app",
    "create_app": "finance_http.app",
    "Settings": "finance_http.settings",
    "load_settings": "finance_http.settings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'finance_http' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
