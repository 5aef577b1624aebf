"""Helpers shared by the JSON storage tests: opening stores and running child processes."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.clock import FakeClock
from finance_storage_json.storage import JsonStorage

CHILD = Path(__file__).with_name("json_child.py")


def url_for(directory: Path) -> str:
    """The json:// URL of an absolute directory (four slashes)."""
    return f"json:///{directory.absolute()}"


def open_ledger(url: str, *, compact_min_bytes: int = 1 << 20) -> Ledger:
    return Ledger(JsonStorage(url, compact_min_bytes=compact_min_bytes), clock=FakeClock())


def spawn(command: str, url: str, *options: str) -> subprocess.Popen[str]:
    """Start ``json_child.py COMMAND URL OPTIONS`` with pipes, and wait for its ``ready``."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), command, url, *options],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    first = child.stdout.readline().strip()
    assert first == "ready", f"child said {first!r} instead of ready"
    return child


def release(children: list[subprocess.Popen[str]]) -> None:
    """Let every waiting child start at once, then wait for each to say ``done``."""
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "done"
        assert child.wait(timeout=120) == 0


def assert_balances_add_up(ledger: Ledger, who: Principal) -> None:
    """Every account's balance is its initial balance plus its transactions' amounts."""
    for account in ledger.list_accounts(who):
        assert account.balance == ledger.balance_as_of(who, account.id, date.max), account


def store_bytes(root: Path) -> dict[str, bytes]:
    """Every file under the store's directory, by relative path, with its bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def seeded_store(root: Path, tenant: str = "home") -> tuple[Ledger, Principal]:
    """A store whose tenant has a snapshot and a journal with two commits after it.

    Returns a ledger on it (already loaded) and the tenant's owner.
    """
    url = url_for(root)
    # A one-byte threshold compacts after every write, so everything so far ends up in a snapshot.
    compacting = open_ledger(url, compact_min_bytes=1)
    who = compacting.create_tenant(tenant, "Home", owner="alice")
    account = compacting.open_account(who, "Checking", initial_balance="100.00")
    compacting.post_transaction(who, account.id, amount="-10.00", date="2026-01-05", category="a")
    ledger = open_ledger(url)
    for amount in ("-1.50", "-2.50"):
        ledger.post_transaction(who, account.id, amount=amount, date="2026-01-06", category="b")
    return ledger, who


def tenant_file(root: Path, prefix: str, tenant: str = "home") -> Path:
    """The tenant's newest file whose name starts with ``prefix`` (snapshot or journal)."""
    return max((root / "tenants" / tenant).glob(f"{prefix}.*"))
