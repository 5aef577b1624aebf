"""Writers killed with SIGKILL at random moments lose no acknowledged write.

Each round forks a fresh writer process (through a fork server, so hundreds of
rounds fit in about a minute), lets it post, batch and transfer for a random
moment, kills it with SIGKILL, and then opens the store anew. The number of
kills is 200; set FINANCE_JSON_CRASH_KILLS for a longer run, for example::

    FINANCE_JSON_CRASH_KILLS=5000 .venv/bin/pytest tests/storage_json/test_json_crash.py

FINANCE_JSON_CRASH_SEED replays the random timings of a failed run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from json_child import BIG_BATCH
from json_support import open_ledger, spawn, url_for

from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal

KILLS = int(os.environ.get("FINANCE_JSON_CRASH_KILLS", "200"))
SEED = int(os.environ.get("FINANCE_JSON_CRASH_SEED", str(random.randrange(1 << 32))))
TENANTS = ("crash-a", "crash-b", "crash-c", "crash-d")
#: Longest time a writer runs after loading before it is killed, in seconds.
LONGEST_RUN = 0.08
#: The share of kills aimed at a writer that is still opening the store.
KILLS_WHILE_LOADING = 0.15

pytestmark = pytest.mark.slow


@attrs.frozen
class Stored:
    account_id: int
    amount: Decimal


@pytest.fixture
def url(tmp_path: Path) -> str:
    return url_for(tmp_path / "store")


@pytest.fixture
def fork_server(url: str) -> Iterator[subprocess.Popen[str]]:
    # Small journals, so that kills also land in compactions.
    server = spawn("fork-server", url, "--compact-min-bytes=16384")
    yield server
    assert server.stdin is not None
    server.stdin.close()
    server.wait(timeout=30)


def stored_transactions(ledger: Ledger, who: Principal) -> dict[int, Stored]:
    out: dict[int, Stored] = {}
    page = ledger.list_transactions(who, TransactionFilter(), PageRequest(limit=1000))
    while True:
        out.update({t.id: Stored(t.account_id, t.amount) for t in page.items})
        if page.next_cursor is None:
            return out
        cursor = Cursor.decode(page.next_cursor)
        page = ledger.list_transactions(
            who, TransactionFilter(), PageRequest(limit=1000, cursor=cursor)
        )


def run_and_kill(
    server: subprocess.Popen[str], tenant: str, seed: int, rng: random.Random
) -> dict[int, Stored]:
    """One round: fork a writer, kill it at a random moment; returns what it acknowledged.

    Most kills land while it writes (after it says ``loaded``), some while it
    is still opening the store.
    """
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(f"go {tenant} {seed}\n")
    server.stdin.flush()
    kind, pid = server.stdout.readline().split()
    assert kind == "pid"
    if rng.random() < KILLS_WHILE_LOADING:
        time.sleep(rng.uniform(0, 0.02))
    else:
        assert server.stdout.readline().strip() == "loaded", f"writer failed (seed {SEED})"
        time.sleep(rng.uniform(0, LONGEST_RUN))
    os.kill(int(pid), signal.SIGKILL)
    acknowledged: dict[int, Stored] = {}
    for line in server.stdout:
        words = line.split()
        if words[0] == "loaded":
            continue
        if words[0] == "ok":
            acknowledged[int(words[1])] = Stored(int(words[2]), Decimal(words[3]))
        elif words[0] == "reaped":
            assert words[2] == str(signal.SIGKILL.value), f"writer died by itself (seed {SEED})"
            return acknowledged
    raise AssertionError(f"the fork server stopped (seed {SEED})")


class TestKilledWriters:
    def test_every_acknowledged_write_survives_kill_9(
        self, url: str, fork_server: subprocess.Popen[str]
    ) -> None:
        """After every SIGKILL the store loads, holds each acknowledged write, and adds up."""
        rng = random.Random(SEED)
        setup = open_ledger(url)
        owners = {}
        initial: dict[tuple[str, int], Decimal] = {}
        for tenant in TENANTS:
            owners[tenant] = who = setup.create_tenant(tenant, tenant, owner=f"{tenant}-owner")
            for name in ("Checking", "Savings", "Card"):
                account = setup.open_account(who, name, initial_balance=Decimal("1000.00"))
                initial[tenant, account.id] = account.initial_balance
        known: dict[str, dict[int, Stored]] = {tenant: {} for tenant in TENANTS}
        for round_number in range(KILLS):
            tenant = TENANTS[round_number % len(TENANTS)]
            acknowledged = run_and_kill(fork_server, tenant, rng.randrange(1 << 32), rng)
            ledger = open_ledger(url)
            stored = stored_transactions(ledger, owners[tenant])
            context = f"round {round_number}, seed {SEED}"
            for ident, expected in acknowledged.items():
                assert stored.get(ident) == expected, f"acknowledged write lost ({context})"
            for ident, expected in known[tenant].items():
                assert stored.get(ident) == expected, f"an earlier write was lost ({context})"
            # Only the write the kill interrupted may be there unacknowledged:
            # at most one operation, newer than the rest.
            extra = set(stored) - set(acknowledged) - set(known[tenant])
            assert len(extra) <= BIG_BATCH, f"unexplained transactions {sorted(extra)} ({context})"
            assert all(i > max(acknowledged, default=0) for i in extra), context
            for account in ledger.list_accounts(owners[tenant]):
                amounts = [s.amount for s in stored.values() if s.account_id == account.id]
                expected_balance = initial[tenant, account.id] + sum(amounts, Decimal(0))
                assert account.balance == expected_balance, f"{account} ({context})"
            known[tenant] = stored
        total = sum(len(stored) for stored in known.values())
        assert total > KILLS, f"the writers barely wrote ({total} transactions, seed {SEED})"
