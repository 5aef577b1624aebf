"""Wiring for programs: open a ledger on a storage URL with the installed plugins.

This is the edge of the core, so it is where the real clock is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from finance_core.plugins.manager import FinancePlugins, make_plugin_manager
from finance_core.services import Clock, Ledger

#: Where the service keeps its data when ``DATABASE_URL`` is not set: a SQLite
#: file in the working directory.
DEFAULT_DATABASE_URL = "sqlite:///finance.db"


def database_url(environ: Mapping[str, str]) -> str:
    """The configured storage URL, or the embedded SQLite default."""
    return environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def utc_now() -> datetime:
    return datetime.now(UTC)


def open_ledger(
    url: str = "memory://",
    *,
    plugins: FinancePlugins | None = None,
    clock: Clock = utc_now,
    default_currency: str = "USD",
) -> Ledger:
    """A ``Ledger`` on the backend that serves ``url``, with plugin rules and listeners.

    Plugin condition ops and action kinds join the categorization rules' vocabulary.
    """
    plugins = plugins or make_plugin_manager()
    ledger = Ledger(
        plugins.open_storage(url),
        clock=clock,
        rules=plugins.balance_rules(),
        default_currency=default_currency,
        on_commit=plugins.notify,
    )
    ledger.use_rule_extensions(plugins.rule_condition_ops(), plugins.rule_actions())
    return ledger
