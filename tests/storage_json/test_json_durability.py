"""What makes a returned write survive power loss: fsync of files and directories, in order."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from json_support import open_ledger, seeded_store, url_for

from finance_core.errors import PermissionDeniedError, StorageError
from finance_core.tenancy import Principal, Role
from finance_storage_json.journal import TenantLog

OWNER = Principal("alice", "home", Role.OWNER)
Events = list[tuple[str, str]]


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Events:
    """Every fsync (with the path it flushed) and rename, in the order they happen."""
    seen: Events = []
    real_fsync: Callable[[int], None] = os.fsync
    real_replace: Callable[..., None] = os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        seen.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))

    def replace(source: Any, target: Any, **kwargs: Any) -> None:
        real_replace(source, target, **kwargs)
        seen.append(("replace", str(target)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return seen


def post(url: str, amount: str = "-1.00", *, compact_min_bytes: int = 1 << 20) -> None:
    open_ledger(url, compact_min_bytes=compact_min_bytes).post_transaction(
        OWNER, 1, amount=Decimal(amount), date="2026-02-01", category="durable"
    )


class TestCommits:
    def test_the_journal_is_fsynced_before_the_write_returns(
        self, tmp_path: Path, events: Events
    ) -> None:
        """A post returns only after the journal holding its line was fsynced."""
        seeded_store(tmp_path)
        events.clear()
        post(url_for(tmp_path))
        journals = [path for kind, path in events if kind == "fsync" and ".jsonl" in path]
        assert len(journals) == 1
        assert b'"amount": "-1.00"' in Path(journals[0]).read_bytes()

    def test_a_new_journal_is_made_durable_with_its_directory(
        self, tmp_path: Path, events: Events
    ) -> None:
        """Creating a tenant creates files; their directory is fsynced after them."""
        open_ledger(url_for(tmp_path)).create_tenant("home", "Home", owner="alice")
        tenant_dir = str(tmp_path / "tenants" / "home")
        fsynced = [path for kind, path in events if kind == "fsync"]
        journal = next(i for i, p in enumerate(fsynced) if p.startswith(tenant_dir + "/journal"))
        assert tenant_dir in fsynced[journal + 1 :]
        assert str(tmp_path / "directory.jsonl") in fsynced


class TestCompaction:
    def test_the_snapshot_is_fsynced_then_renamed_then_its_directory_fsynced(
        self, tmp_path: Path, events: Events
    ) -> None:
        """The new snapshot is whole on disk before its name appears, and the name is durable."""
        seeded_store(tmp_path)
        events.clear()
        post(url_for(tmp_path), compact_min_bytes=1)
        tenant_dir = str(tmp_path / "tenants" / "home")
        renamed = next(i for i, e in enumerate(events) if e[0] == "replace")
        snapshot = events[renamed][1]
        assert snapshot.startswith(tenant_dir + "/snapshot.")
        temporary = [p for kind, p in events[:renamed] if kind == "fsync" and p.endswith(".tmp")]
        assert len(temporary) == 1
        assert ("fsync", tenant_dir) in events[renamed + 1 :]


class TestFailedCommits:
    def test_a_refused_write_leaves_the_user_directory_as_it_was(self, tmp_path: Path) -> None:
        """A stranger refused entry is not remembered as a user."""
        ledger, _ = seeded_store(tmp_path)
        before = (tmp_path / "directory.jsonl").read_bytes()
        with pytest.raises(PermissionDeniedError):
            ledger.provision("home", "stranger", None)
        assert (tmp_path / "directory.jsonl").read_bytes() == before
        storage = open_ledger(url_for(tmp_path)).storage
        with storage.unit_of_work("home", readonly=True) as uow:
            assert uow.users.find("stranger") is None

    def test_a_disk_error_is_a_storage_error_that_stores_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the journal cannot be written the call fails and the tenant is unchanged."""
        ledger, who = seeded_store(tmp_path)
        before = [a.balance for a in ledger.list_accounts(who)]

        def full_disk(self: TenantLog, changes: object) -> None:
            raise OSError(28, "No space left on device", str(self.path))

        monkeypatch.setattr(TenantLog, "append", full_disk)
        with pytest.raises(StorageError) as error:
            post(url_for(tmp_path))
        assert "No space left on device" in str(error.value)
        monkeypatch.undo()
        assert [a.balance for a in open_ledger(url_for(tmp_path)).list_accounts(who)] == before
        assert [a.balance for a in ledger.list_accounts(who)] == before

    def test_a_user_id_is_never_handed_out_twice_after_a_failed_commit(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A user whose tenant commit failed keeps its id; the next user gets a new one."""
        ledger, who = seeded_store(tmp_path)
        real_append = TenantLog.append
        calls = []

        def fail_once(self: TenantLog, changes: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise OSError(5, "Input/output error", str(self.path))
            real_append(self, changes)

        monkeypatch.setattr(TenantLog, "append", fail_once)
        with pytest.raises(StorageError):
            ledger.add_member(who, "bob", "viewer")
        carol = ledger.add_member(who, "carol", "viewer")
        bob = ledger.add_member(who, "bob", "viewer")
        assert len({carol.user_id, bob.user_id, 1}) == 3
        fresh = open_ledger(url_for(tmp_path))
        assert [m.user_id for m in fresh.list_members(who)] == [1, carol.user_id, bob.user_id]
