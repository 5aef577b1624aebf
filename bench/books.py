"""Opening a ledger for a benchmark: one tenant, one account, a fixed clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Final

from finance_core import open_ledger
from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role

#: Every benchmark write carries this time, so repeated runs store identical rows.
FIXED_NOW: Final = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
OWNER: Final = "bench-owner"


def fixed_clock() -> datetime:
    return FIXED_NOW


def unique_tenant(prefix: str) -> str:
    """A tenant id no earlier run used, for databases that outlive a run (PostgreSQL)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def open_books(
    url: str, tenant_id: str = "bench", *, initial_balance: str = "0.00"
) -> tuple[Ledger, Principal, int]:
    """A ledger on ``url`` with a new tenant and one checking account in it."""
    ledger = open_ledger(url, clock=fixed_clock)
    principal = ledger.create_tenant(tenant_id, "Benchmark household", owner=OWNER)
    account = ledger.open_account(
        principal, "Checking", "checking", initial_balance=initial_balance
    )
    return ledger, principal, account.id


def reopen(url: str, tenant_id: str) -> tuple[Ledger, Principal]:
    """A fresh ledger (new connections, cold caches) on books that already exist."""
    ledger = open_ledger(url, clock=fixed_clock)
    return ledger, Principal(OWNER, tenant_id, Role.OWNER)
