"""The Falcon adapter: a REST API over the ledger, authenticated by MCP_Auth tokens.

Build an app from dependencies you choose::

    from finance_http import build_dependencies, create_app, load_settings

    app = create_app(build_dependencies(load_settings({"SECRET_KEY": "..." * 11})))
"""

from __future__ import annotations

from finance_http.app import Dependencies, build_dependencies, create_app
from finance_http.settings import Settings, load_settings

__all__ = ["Dependencies", "Settings", "build_dependencies", "create_app", "load_settings"]
