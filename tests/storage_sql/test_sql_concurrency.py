"""Concurrent writers in real OS processes: nothing lost, no balance rule broken.

Every worker is a separate interpreter with its own engine (``sql_worker.py``);
they open the database, wait at a common start line and then race. SQLite runs
on a file (writers serialise on its write lock); PostgreSQL on the shared test
database (writers serialise on the account's row lock).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sql_support import owner_ledger

from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.transactions import Transaction
from finance_storage_sql.storage import SqlStorage

WORKER = Path(__file__).with_name("sql_worker.py")
PROCESSES = 8

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database several processes open at once."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/shared.db"
        SqlStorage(url).close()  # created and migrated before the race starts
        return url
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def books(shared_url: str) -> Iterator[tuple[Ledger, Principal]]:
    storage = SqlStorage(shared_url)
    yield owner_ledger(storage)
    storage.close()


def _run(
    jobs: list[dict[str, Any]], phases: tuple[tuple[str, str], ...] = (("ready", "go"),)
) -> list[dict[str, Any]]:
    """One process per job; at each phase wait for every worker's line, then answer all.

    The first phase releases them together after each has opened its storage.
    """
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(job)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for job in jobs
    ]
    try:
        for expected, reply in phases:
            for proc in procs:
                assert proc.stdout is not None
                line = proc.stdout.readline().strip()
                assert line == expected, (line, proc.stderr.read() if proc.stderr else "")
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(reply + "\n")
                proc.stdin.flush()
        outputs = [proc.communicate(timeout=600) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def _all(ledger: Ledger, who: Principal, account_id: int) -> list[Transaction]:
    flt = TransactionFilter(account_id=account_id)
    page = ledger.list_transactions(who, flt, PageRequest(limit=1000, with_total=False))
    rows = list(page.items)
    while page.next_cursor is not None:
        cursor = Cursor.decode(page.next_cursor)
        page = ledger.list_transactions(who, flt, PageRequest(limit=1000, cursor=cursor))
        rows += page.items
    return rows


def _job(url: str, who: Principal, mode: str, **extra: Any) -> dict[str, Any]:
    return {"mode": mode, "url": url, "tenant": who.tenant_id, "owner": who.user_id, **extra}


class TestConcurrentDeposits:
    def test_every_deposit_of_eight_processes_counts(
        self, shared_url: str, books: tuple[Ledger, Principal]
    ) -> None:
        """8 processes x 250 deposits to one account: the balance is the exact sum."""
        ledger, who = books
        account = ledger.open_account(who, "Shared", initial_balance=Decimal("10.00"))
        reports = _run(
            [
                _job(shared_url, who, "post", account=account.id, count=250, worker=worker)
                for worker in range(PROCESSES)
            ]
        )
        assert [r["errors"] for r in reports] == [[]] * PROCESSES
        posted = [Decimal(a) for r in reports for a in r["posted"]]
        assert len(posted) == PROCESSES * 250
        stored = _all(ledger, who, account.id)
        assert sorted(t.amount for t in stored) == sorted(posted)
        assert ledger.get_account(who, account.id).balance == Decimal("10.00") + sum(posted)
        assert ledger.recompute_balances(who) == []


class TestConcurrentWithdrawals:
    def test_racing_withdrawals_never_cross_the_floor(
        self, shared_url: str, books: tuple[Ledger, Principal]
    ) -> None:
        """8 processes overdraw one account: refusals are rule violations, the floor holds."""
        ledger, who = books
        initial = Decimal("100.00")
        account = ledger.open_account(who, "Thin", initial_balance=initial, min_balance=0)
        rng = random.Random(7)
        plans = [
            [str(Decimal(rng.randint(100, 999)).scaleb(-2)) for _ in range(30)]
            for _ in range(PROCESSES)
        ]
        reports = _run(
            [_job(shared_url, who, "withdraw", account=account.id, amounts=p) for p in plans]
        )
        assert [r["errors"] for r in reports] == [[]] * PROCESSES
        posted = {ident: Decimal(amount) for r in reports for ident, amount in r["posted"]}
        rejected = [Decimal(a) for r in reports for a in r["rejected"]]
        assert len(posted) + len(rejected) == PROCESSES * 30
        assert rejected, "the withdrawals were meant to exceed the balance"
        stored = _all(ledger, who, account.id)
        assert {t.id: t.amount for t in stored} == posted
        final = ledger.get_account(who, account.id).balance
        assert final == initial + sum(posted.values())
        # Ids are allocated under the account's lock, so id order is commit
        # order: the balance after every single commit stayed at or above 0.
        running = initial
        for ident in sorted(posted):
            running += posted[ident]
            assert running >= 0, (ident, running)


class TestTwoServices:
    def test_two_processes_behave_as_one_service(self, pg_url: str, pg_storage: SqlStorage) -> None:
        """Two processes with their own engines interleave writes and see each other's."""
        ledger, who = owner_ledger(pg_storage)
        first = ledger.open_account(who, "First", initial_balance=Decimal("500.00"))
        second = ledger.open_account(who, "Second", initial_balance=Decimal("500.00"))
        rounds = 40
        pair = [first.id, second.id]
        jobs = [
            _job(pg_url, who, "interleave", name="east", accounts=pair, rounds=rounds),
            _job(pg_url, who, "interleave", name="west", accounts=pair[::-1], rounds=rounds),
        ]
        reports = _run(jobs, (("ready", "go"), ("done", "check")))
        assert [r["errors"] for r in reports] == [[], []]
        # Each saw both processes' writes on both accounts, and the same balances.
        assert reports[0]["seen"] == reports[1]["seen"]
        assert reports[0]["seen"][str(second.id)] == sorted(f"east-{i}" for i in range(rounds))
        assert reports[0]["seen"][str(first.id)] == sorted(f"west-{i}" for i in range(rounds))
        expected = str(Decimal("500.00") + Decimal("0.10") * rounds)
        balances = {str(first.id): expected, str(second.id): expected}
        assert reports[0]["balances"] == reports[1]["balances"] == balances
        assert ledger.recompute_balances(who) == []
