"""The soak test: mixed traffic over 8 connections against the real server, bounded in time.

``SOAK_SECONDS`` sets the length (60 by default, the CI profile; 300 for the
manual five-minute run) and ``SOAK_DATABASE_URL`` the storage (a fresh SQLite
file by default; a PostgreSQL database is first brought to the current schema).
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fault_support import Caller, rss_mib, running_server, worker_pids

from finance_storage_sql.migrations.run import migrate_url

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
CONNECTIONS = 8
ACCOUNTS_PER_TENANT = 3
REPORTS = (
    "/api/reports/spending?period=month&group_by=category"
    "&start_date=2026-01-01&end_date=2026-12-31",
    "/api/reports/cashflow?period=month&start_date=2026-01-01&end_date=2026-12-31",
    "/api/reports/net-worth?period=month&start_date=2026-01-01&end_date=2026-12-31",
)


class Client:
    """One connection's share of the soak: its own random stream and what it was told."""

    def __init__(self, index: int, caller: Caller, accounts: list[int]) -> None:
        self.index = index
        self.caller = caller
        self.accounts = accounts
        self.random = random.Random(index)
        self.statuses: Counter[int] = Counter()
        #: Transactions this client posted and that still exist, with their acknowledged amount.
        self.owned: dict[int, Decimal] = {}
        self.deleted: set[int] = set()
        self.imported: list[str] = []
        self._n = 0

    def _amount(self) -> Decimal:
        return Decimal(self.random.randint(-5000, 5000)) / 100

    def _call(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        answer = self.caller.call(method, path, body, **kw)
        self.statuses[answer.status] += 1
        if answer.status == 429 and "retry-after" not in answer.headers:
            self.statuses[-429] += 1  # a refusal that does not say when to retry
        return answer

    def step(self) -> None:
        self._n += 1
        roll = self.random.random()
        account = self.random.choice(self.accounts)
        if roll < 0.30:
            self._read(account)
        elif roll < 0.55:
            self._post(account)
        elif roll < 0.65:
            self._transfer(account)
        elif roll < 0.75:
            self._change()
        elif roll < 0.85:
            self._import(account)
        else:
            self._report(account)

    def _read(self, account: int) -> None:
        choice = self.random.randrange(3)
        if choice == 0:
            self._call("GET", f"/api/accounts/{account}")
        elif choice == 1:
            self._call("GET", f"/api/transactions?account_id={account}&limit=50")
        elif self.owned:
            self._call("GET", f"/api/transactions/{self.random.choice(list(self.owned))}")

    def _post(self, account: int) -> None:
        amount = self._amount()
        body = {
            "account_id": account,
            "amount": str(amount),
            "date": f"2026-{self.random.randint(1, 12):02d}-{self.random.randint(1, 28):02d}",
            "category": self.random.choice(["food", "rent", "travel", "pay"]),
            "description": f"soak {self.index}-{self._n}",
        }
        answer = self._call("POST", "/api/transactions", body)
        if answer.status == 201:
            self.owned[answer.body["id"]] = amount

    def _transfer(self, account: int) -> None:
        other = self.random.choice([a for a in self.accounts if a != account])
        body = {
            "from_account_id": account,
            "to_account_id": other,
            "amount": str(abs(self._amount()) + 1),
            "date": "2026-06-15",
        }
        self._call("POST", "/api/transfers", body)

    def _change(self) -> None:
        if not self.owned:
            return
        ident = self.random.choice(list(self.owned))
        if self.random.random() < 0.5:
            amount = self._amount()
            if (
                self._call("PATCH", f"/api/transactions/{ident}", {"amount": str(amount)}).status
                == 200
            ):
                self.owned[ident] = amount
        elif self._call("DELETE", f"/api/transactions/{ident}").status == 204:
            del self.owned[ident]
            self.deleted.add(ident)

    def _import(self, account: int) -> None:
        descriptions = [f"import {self.index}-{self._n}-{row}" for row in range(5)]
        # Every amount carries its sign: five positive amounts alone would not say
        # which way the money went, and the importer rightly refuses to guess.
        lines = ["Date,Amount,Description"] + [
            f"2026-03-{row + 1:02d},{self._amount():+},{text}"
            for row, text in enumerate(descriptions)
        ]
        answer = self._call(
            "POST",
            f"/api/imports?account_id={account}&format=csv",
            raw=("\n".join(lines) + "\n").encode(),
            content_type="text/csv",
        )
        if answer.status == 201:
            self.imported.extend(descriptions)

    def _report(self, account: int) -> None:
        if self.random.random() < 0.25:
            self._call(
                "GET",
                f"/api/accounts/{account}/balance-history?period=month"
                "&start_date=2026-01-01&end_date=2026-12-31",
            )
        else:
            self._call("GET", self.random.choice(REPORTS))


def _run(client: Client, deadline: float, failures: list[BaseException]) -> None:
    try:
        while time.monotonic() < deadline:
            client.step()
    except BaseException as exc:  # reported by the test, never swallowed
        failures.append(exc)


def test_soak_mixed_traffic_over_eight_connections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Zero 5xx, acknowledged writes all stored, balances equal initial plus transactions.

    The only refusal allowed is the per-tenant cap on expensive requests (429 with
    Retry-After); everything else the clients send is valid.
    """
    url = os.environ.get("SOAK_DATABASE_URL", f"sqlite:///{tmp_path}/soak.db")
    if url.startswith("postgresql"):
        migrate_url(url)
    run = uuid.uuid4().hex[:8]
    with running_server(tmp_path, url) as server:
        tenants: list[tuple[Caller, list[int]]] = []
        for t in range(2):
            caller = Caller(server.port, f"soak-{run}-{t}", f"soak-{run}-{t}")
            accounts = [
                caller.ok("POST", "/api/accounts", {"name": f"A{a}", "initial_balance": "1000"})[
                    "id"
                ]
                for a in range(ACCOUNTS_PER_TENANT)
            ]
            tenants.append((caller, accounts))
        workers = worker_pids(server)
        before = {pid: rss_mib(pid) for pid in workers}
        clients = [Client(i, *tenants[i % 2]) for i in range(CONNECTIONS)]
        failures: list[BaseException] = []
        deadline = time.monotonic() + SECONDS
        threads = [threading.Thread(target=_run, args=(c, deadline, failures)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 300)
        after = {pid: rss_mib(pid) for pid in worker_pids(server)}
        statuses: Counter[int] = sum((c.statuses for c in clients), Counter())
        with capsys.disabled():
            _print_figures(url, statuses, before, after)
        assert not failures, failures
        assert not any(thread.is_alive() for thread in threads)
        assert sorted(after) == workers, "a worker was replaced during the soak"
        # Imports and reports are expensive: a tenant running more of them at once
        # than its cap allows is told 429 with Retry-After, and nothing changes.
        assert set(statuses) <= {200, 201, 204, 429}, statuses
        for t, (caller, accounts) in enumerate(tenants):
            _check_tenant(caller, accounts, [c for c in clients if c.index % 2 == t])


def _print_figures(
    url: str, statuses: Counter[int], before: dict[int, float], after: dict[int, float]
) -> None:
    counts = dict(sorted(statuses.items()))
    print(f"\nsoak: {SECONDS:.0f}s over {CONNECTIONS} connections on {url.split(':')[0]}")
    print(f"soak: {sum(statuses.values())} requests, statuses {counts}")
    for pid, start in before.items():
        end = after.get(pid, float("nan"))
        print(f"soak: worker {pid} RSS {start:.1f} MiB at start, {end:.1f} MiB at end")


def _check_tenant(caller: Caller, accounts: list[int], owners: list[Client]) -> None:
    """Every balance is its initial balance plus its transactions; every acknowledged
    write is stored as acknowledged, every acknowledged delete is gone."""
    stored: dict[int, dict[str, Any]] = {}
    for account in accounts:
        balance, expected = caller.balance_matches_transactions(account)
        assert balance == expected, (account, balance, expected)
        stored.update({row["id"]: row for row in caller.transactions(account)})
    descriptions = {row.get("description") for row in stored.values()}
    for client in owners:
        for ident, amount in client.owned.items():
            assert Decimal(str(stored[ident]["amount"])) == amount
        assert not client.deleted & set(stored)
        assert set(client.imported) <= descriptions
