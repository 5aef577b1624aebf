"""Disk full: SQLite and JSON storage on a small filesystem, behind the real server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fault_support import Caller, fill_up, running_server, small_filesystem
from http_support import ServerProcess

from finance_core import Ledger, StorageFullError, open_ledger
from finance_core.testing.clock import FakeClock
from finance_storage_json.storage import JsonStorage

#: How many writes may still fit in what the filesystem had cached before it filled.
MAX_WRITES_UNTIL_FULL = 500


@pytest.fixture(params=["sqlite", "json"])
def full_disk_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ServerProcess, Path]]:
    """A server whose storage lives on an 8 MiB tmpfs; yields it and the mount point."""
    with small_filesystem(tmp_path / "small", "8m") as mount:
        url = (
            f"sqlite:///{mount}/finance.db"
            if request.param == "sqlite"
            else f"json:///{mount}/books"
        )
        with running_server(tmp_path, url) as server:
            yield server, mount


class TestDiskFull:
    def test_writes_answer_507_then_work_again_when_space_returns(
        self, full_disk_server: tuple[ServerProcess, Path]
    ) -> None:
        """507 with Retry-After while full, nothing acknowledged lost, writes resume after."""
        server, mount = full_disk_server
        caller = Caller(server.port, "disk-owner", "disk")
        account = caller.ok("POST", "/api/accounts", {"name": "Main", "initial_balance": "100"})
        acknowledged = [
            caller.ok("POST", "/api/transactions", _body(account["id"], n))["id"] for n in range(3)
        ]
        filler = fill_up(mount)
        refused = None
        for n in range(MAX_WRITES_UNTIL_FULL):
            answer = caller.call("POST", "/api/transactions", _body(account["id"], 100 + n))
            assert answer.status in (201, 507), answer
            if answer.status == 507:
                refused = answer
                break
            acknowledged.append(answer.body["id"])
        assert refused is not None, "the filesystem never filled up"
        assert refused.headers.get("retry-after"), refused
        assert refused.body["title"] == "Insufficient storage"
        assert "no space left" in refused.body["detail"]
        assert str(mount) not in refused.body["detail"]
        stored, expected = caller.balance_matches_transactions(account["id"])
        assert stored == expected
        filler.unlink()
        acknowledged.append(caller.ok("POST", "/api/transactions", _body(account["id"], 999))["id"])
        stored_ids = {t["id"] for t in caller.transactions(account["id"])}
        assert set(acknowledged) <= stored_ids
        stored, expected = caller.balance_matches_transactions(account["id"])
        assert stored == expected == Decimal("100") - Decimal("1.25") * len(stored_ids)
        assert server.process.poll() is None

    def test_reads_keep_working_while_the_disk_is_full(
        self, full_disk_server: tuple[ServerProcess, Path]
    ) -> None:
        """A full disk refuses writes only: reads answer 200 throughout."""
        server, mount = full_disk_server
        caller = Caller(server.port, "disk-reader", "disk-read")
        account = caller.ok("POST", "/api/accounts", {"name": "Main", "initial_balance": "5"})
        fill_up(mount)
        for _ in range(3):
            assert caller.call("GET", f"/api/accounts/{account['id']}").status == 200
            assert caller.call("GET", "/api/transactions").status == 200


def _body(account_id: int, n: int) -> dict[str, object]:
    return {
        "account_id": account_id,
        "amount": "-1.25",
        "date": "2026-03-01",
        "category": "fees",
        "description": f"write {n} " + "x" * 200,
    }


@pytest.fixture(params=["sqlite", "json"])
def small_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Ledger, Path]]:
    """A ledger whose storage lives on a 4 MiB tmpfs; yields it and the mount point."""
    with small_filesystem(tmp_path / "small", "4m") as mount:
        url = f"sqlite:///{mount}/lib.db" if request.param == "sqlite" else f"json:///{mount}/lib"
        ledger = open_ledger(url)
        try:
            yield ledger, mount
        finally:
            ledger.storage.close()


class TestDiskFullInTheLibrary:
    def test_full_disk_raises_storage_full_and_stores_nothing(
        self, small_ledger: tuple[Ledger, Path]
    ) -> None:
        """StorageFullError once the disk is full; the balance is exactly as acknowledged."""
        ledger, mount = small_ledger
        owner = ledger.create_tenant("full", "Full", owner="owner")
        account = ledger.open_account(owner, "Main", "checking", initial_balance=Decimal(100))
        fill_up(mount)
        posted = 0
        with pytest.raises(StorageFullError, match="no space left"):
            for _ in range(MAX_WRITES_UNTIL_FULL):
                ledger.post_transaction(owner, account.id, **_fields())
                posted += 1
        balance = ledger.get_account(owner, account.id).balance
        assert balance == Decimal(100) - Decimal("1.25") * posted

    def test_writes_work_again_once_space_is_freed(self, small_ledger: tuple[Ledger, Path]) -> None:
        """After the filler is removed the same ledger writes again, with no reopening."""
        ledger, mount = small_ledger
        owner = ledger.create_tenant("freed", "Freed", owner="owner")
        account = ledger.open_account(owner, "Main", "checking", initial_balance=Decimal(100))
        filler = fill_up(mount)
        with pytest.raises(StorageFullError):
            for _ in range(MAX_WRITES_UNTIL_FULL):
                ledger.post_transaction(owner, account.id, **_fields())
        filler.unlink()
        before = ledger.get_account(owner, account.id).balance
        ledger.post_transaction(owner, account.id, **_fields())
        assert ledger.get_account(owner, account.id).balance == before - Decimal("1.25")


def _fields() -> dict[str, object]:
    return {
        "amount": Decimal("-1.25"),
        "date": date(2026, 3, 1),
        "category": "fees",
        "description": "x" * 200,
    }


class TestJsonCompactionOnAFullDisk:
    def test_failed_compaction_logs_one_line_and_loses_no_commit(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Room for journal lines but not a snapshot: one line per failed compaction, no loss."""
        with small_filesystem(tmp_path / "small", "4m") as mount:
            url = f"json:///{mount}/lib"
            ledger = Ledger(JsonStorage(url, compact_min_bytes=1), clock=FakeClock())
            owner = ledger.create_tenant("compact", "Compact", owner="owner")
            account = ledger.open_account(owner, "Main", "checking", initial_balance=Decimal(100))
            for _ in range(60):
                ledger.post_transaction(owner, account.id, **_fields())
            filler = fill_up(mount)
            # Give back a little: room for journal lines, not for the next snapshot.
            with filler.open("r+b") as handle:
                handle.truncate(filler.stat().st_size - 32 * 1024)
            posted = 60
            with caplog.at_level(logging.WARNING, logger="finance_storage_json.storage"):
                while posted < 100 and not any("compacting" in r.message for r in caplog.records):
                    ledger.post_transaction(owner, account.id, **_fields())
                    posted += 1
            compactions = [r for r in caplog.records if "compacting" in r.message]
            assert compactions
            assert all(not r.exc_info and "No space left" in r.message for r in compactions)
            filler.unlink()
            ledger.storage.close()
            reopened = open_ledger(url)
            try:
                balance = reopened.get_account(owner, account.id).balance
            finally:
                reopened.storage.close()
            assert balance == Decimal(100) - Decimal("1.25") * posted
