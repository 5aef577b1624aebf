"""Helpers shared by the sql backend's tests (imported by name, like a conftest)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

from finance_core.ports import Storage
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.clock import FakeClock
from finance_storage_sql.plugin import DEFAULT_TEST_DATABASE_URL

PG_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)

#: Makes an empty PostgreSQL database and returns its URL.
ScratchDatabase = Callable[[], str]


def fresh_tenant() -> str:
    """A tenant id no other test uses, so tests can share one database."""
    return f"sqlt-{uuid.uuid4().hex[:16]}"


def owner_ledger(storage: Storage) -> tuple[Ledger, Principal]:
    """A ledger on ``storage`` and the owner of a fresh tenant in it."""
    ledger = Ledger(storage, clock=FakeClock())
    tenant = fresh_tenant()
    return ledger, ledger.create_tenant(tenant, "Household", owner=f"{tenant}-owner")
