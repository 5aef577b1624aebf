"""post-due from several OS processes at once posts every occurrence exactly once.

Each worker is its own interpreter running the command-line program on one
database: a SQLite file (writers serialise on its write lock) and the shared
PostgreSQL test database (writers serialise on the accounts' row locks, and
the (schedule, date) primary key refuses any second posting).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sql_support import fresh_tenant

from finance_core.queries import TransactionFilter
from finance_core.services import Ledger
from finance_core.testing.clock import FakeClock
from finance_storage_sql.storage import SqlStorage

WORKER = Path(__file__).with_name("post_due_worker.py")

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('race')}/shared.db"
        SqlStorage(url).close()  # created and migrated before any race
        return url
    url: str = request.getfixturevalue("pg_url")
    return url


def _race(url: str, tenant: str, user: str, processes: int) -> list[str]:
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, tenant, user],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        last = out.strip().splitlines()[-1]
        # A run that met another one mid-way may fail with a conflict, never otherwise.
        assert last == "exit 0" or "409" in err or "settled by another" in err, (out, err)
        results.append(last)
    return results


@settings(max_examples=4)
@given(processes=st.integers(2, 4), days=st.integers(0, 12), weekly=st.booleans())
def test_concurrent_post_due_posts_each_occurrence_once(
    shared_url: str, processes: int, days: int, weekly: bool
) -> None:
    """However many processes race, each due occurrence has exactly one transaction."""
    today = datetime.now(UTC)
    storage = SqlStorage(shared_url)
    try:
        ledger = Ledger(storage, clock=FakeClock(today - timedelta(days=days)))
        tenant = fresh_tenant()
        who = ledger.create_tenant(tenant, "Racers", owner=f"{tenant}-owner")
        account = ledger.open_account(who, "Checking", initial_balance=Decimal(10_000))
        start = (today - timedelta(days=days)).date().isoformat()
        ledger.create_schedule(
            who, name="Rent", account_id=account.id, amount="-10", category="rent",
            start_date=start, freq="weekly" if weekly else "daily", auto_post=True,
        )  # fmt: skip
        results = _race(shared_url, tenant, f"{tenant}-owner", processes)
        expected = days // 7 + 1 if weekly else days + 1
        page = ledger.list_transactions(who, TransactionFilter(account_id=account.id))
        dates = sorted(t.date for t in page.items)
        assert len(dates) == len(set(dates)) == expected
        assert ledger.get_account(who, account.id).balance == Decimal(10_000 - 10 * expected)
        assert "exit 0" in results
    finally:
        storage.close()
