"""Several OS processes on one store: writers lock per tenant, readers never see half a write."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from json_support import assert_balances_add_up, open_ledger, release, spawn, url_for

from finance_core.queries import PageRequest, TransactionFilter

pytestmark = pytest.mark.slow


@pytest.fixture
def url(tmp_path: Path) -> str:
    return url_for(tmp_path / "store")


class TestConcurrentWriters:
    def test_four_processes_posting_to_one_account_lose_nothing(self, url: str) -> None:
        """4 processes x 250 posts to one account: 1,000 transactions and an exact balance."""
        ledger = open_ledger(url)
        who = ledger.create_tenant("shared", "Shared", owner="shared-owner")
        account = ledger.open_account(who, "Joint", initial_balance="100.00")
        writers = [
            spawn(
                "post",
                url,
                "--tenant=shared",
                f"--account={account.id}",
                "--count=250",
                "--amount=0.01",
                # Small journals make the writers compact under each other too.
                "--compact-min-bytes=65536",
            )
            for _ in range(4)
        ]
        release(writers)
        fresh = open_ledger(url)
        page = fresh.list_transactions(
            who, TransactionFilter(account_id=account.id), PageRequest(limit=1000, with_total=True)
        )
        assert page.total == 1000
        assert len({t.id for t in page.items}) == 1000
        assert fresh.get_account(who, account.id).balance == Decimal("110.00")
        assert fresh.get_account(who, account.id).version == 1001

    def test_processes_creating_users_get_distinct_ids(self, url: str) -> None:
        """Users are global: 4 processes adding 25 users each hand out ids 1..100 once each."""
        tenants = [f"house-{n}" for n in range(4)]
        writers = [spawn("provision", url, f"--tenant={t}", "--count=25") for t in tenants]
        release(writers)
        storage = open_ledger(url).storage
        with storage.unit_of_work("house-0", readonly=True) as uow:
            users = [uow.users.find(f"{t}-user-{i}") for t in tenants for i in range(25)]
        assert sorted(u.id for u in users if u is not None) == list(range(1, 101))

    def test_a_membership_added_elsewhere_is_listed(self, url: str) -> None:
        """tenants_of sees a membership another process committed after this one loaded."""
        ledger = open_ledger(url)
        mine = ledger.create_tenant("mine", "Mine", owner="pat")
        assert [t.id for t, _ in ledger.tenants_of(mine)] == ["mine"]
        release([spawn("provision", url, "--tenant=elsewhere", "--user=pat")])
        assert [t.id for t, _ in ledger.tenants_of(mine)] == ["elsewhere", "mine"]


class TestReadersDuringWrites:
    def test_a_reader_only_ever_sees_whole_transfers(self, url: str) -> None:
        """While two processes transfer between two accounts, every read adds up."""
        ledger = open_ledger(url)
        who = ledger.create_tenant("pair", "Pair", owner="pair-owner")
        first = ledger.open_account(who, "First", initial_balance="500.00")
        second = ledger.open_account(who, "Second", initial_balance="500.00")
        writers = [
            spawn(
                "transfer",
                url,
                "--tenant=pair",
                f"--account={first.id}",
                f"--other={second.id}",
                "--count=300",
                f"--seed={seed}",
                "--compact-min-bytes=32768",
            )
            for seed in range(2)
        ]
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        reader = open_ledger(url)
        reads = 0
        while any(w.poll() is None for w in writers) or reads == 0:
            accounts = reader.list_accounts(who)
            assert sum(a.balance for a in accounts) == Decimal("1000.00")
            reads += 1
        for writer in writers:
            assert writer.wait(timeout=120) == 0
        assert_balances_add_up(reader, who)
        transfers = reader.list_transactions(who, page=PageRequest(limit=1, with_total=True))
        assert transfers.total == 2 * 2 * 300
