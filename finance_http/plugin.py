"""Registers the HTTP adapter: its hook namespace and its command-line commands.

Kept free of heavy imports: the manager loads this module for every command.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from finance_core.plugins.hookspecs import hookimpl


@hookimpl
def finance_hookspecs() -> Sequence[ModuleType]:
    from finance_http import hookspecs

    return [hookspecs]


@hookimpl
def finance_cli_commands() -> Sequence[Any]:
    from finance_http.commands import commands

    return list(commands())
