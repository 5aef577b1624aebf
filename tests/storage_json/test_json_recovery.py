"""Torn commits and compaction: what a crash can leave behind always loads to a committed state."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from json_support import open_ledger, seeded_store, store_bytes, tenant_file, url_for

from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role
from finance_storage_json import journal as journal_module

OWNER = Principal("alice", "home", Role.OWNER)
FRAGMENT = b'{"v": 1, "changes": [{"table": "accounts", "key": 1, "val'


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "store"


def balances(ledger: Ledger) -> list[Decimal]:
    return [a.balance for a in ledger.list_accounts(OWNER)]


def post(ledger: Ledger, amount: str) -> None:
    ledger.post_transaction(
        OWNER, 1, amount=Decimal(amount), date="2026-02-01", category="recovery"
    )


class TestTornCommits:
    def test_a_cut_short_last_line_is_not_read(self, root: Path) -> None:
        """A journal ending in half a line loads as if that commit never happened."""
        ledger, _ = seeded_store(root)
        expected = balances(ledger)
        with tenant_file(root, "journal").open("ab") as journal:
            journal.write(FRAGMENT)
        before = store_bytes(root)
        assert balances(open_ledger(url_for(root))) == expected
        assert store_bytes(root) == before

    def test_the_next_write_starts_a_new_generation(self, root: Path) -> None:
        """A writer never appends after a fragment: it snapshots, then writes a fresh journal."""
        seeded_store(root)
        torn = tenant_file(root, "journal")
        with torn.open("ab") as journal:
            journal.write(FRAGMENT)
        torn_bytes = torn.read_bytes()
        post(open_ledger(url_for(root)), "-3.00")
        assert torn.read_bytes() == torn_bytes
        assert tenant_file(root, "journal") != torn
        assert balances(open_ledger(url_for(root))) == [Decimal("83.00")]

    def test_a_cut_short_user_line_is_dropped_by_the_next_user(self, root: Path) -> None:
        """The user directory is rewritten without the fragment before the next user is added."""
        ledger, who = seeded_store(root)
        directory = root / "directory.jsonl"
        complete = directory.read_bytes()
        with directory.open("ab") as handle:
            handle.write(b'{"v": 1, "users": [{"id": 2, "auth')
        ledger.add_member(who, "bob", "viewer")
        lines = directory.read_bytes().split(b"\n")
        assert directory.read_bytes().startswith(complete)
        assert lines[-1] == b""
        assert b'"auth_user_id": "bob"' in lines[-2]
        assert [m.auth_user_id for m in open_ledger(url_for(root)).list_members(who)] == [
            "alice",
            "bob",
        ]


class TestCompaction:
    def test_a_write_appends_one_line_and_leaves_the_snapshot_alone(self, root: Path) -> None:
        """The cost of a write does not grow with the data: one journal line, nothing rewritten."""
        ledger, who = seeded_store(root)
        items = [{"amount": "-0.01", "date": "2026-01-07", "category": "bulk"}] * 500
        for _ in range(4):
            ledger.post_batch(who, 1, items)
        snapshot = tenant_file(root, "snapshot")
        snapshot_before = (snapshot.stat().st_ino, snapshot.read_bytes())
        journal = tenant_file(root, "journal")
        lines_before = journal.read_bytes().count(b"\n")
        post(ledger, "-1.00")
        assert (snapshot.stat().st_ino, snapshot.read_bytes()) == snapshot_before
        assert journal.read_bytes().count(b"\n") == lines_before + 1
        assert tenant_file(root, "journal") == journal

    def test_a_long_journal_is_folded_into_a_new_snapshot(self, root: Path) -> None:
        """Past the threshold the next write compacts: a new generation, older files gone."""
        seeded_store(root)
        ledger = open_ledger(url_for(root), compact_min_bytes=4096)
        first = tenant_file(root, "snapshot")
        while tenant_file(root, "snapshot") == first:
            post(ledger, "-0.10")
        names = sorted(p.name for p in (root / "tenants" / "home").iterdir())
        snapshots = [n for n in names if n.startswith("snapshot.")]
        journals = [n for n in names if n.startswith("journal.")]
        assert snapshots == [tenant_file(root, "snapshot").name]
        # The previous generation's journal stays for readers that are part way through it.
        assert len(journals) <= 2
        assert balances(open_ledger(url_for(root))) == balances(ledger)

    def test_a_reader_one_compaction_behind_catches_up(
        self, root: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A copy one compaction behind finishes the old journal instead of rereading a snapshot."""
        seeded_store(root)
        reader = open_ledger(url_for(root))
        balances(reader)
        writer = open_ledger(url_for(root), compact_min_bytes=2048)
        generation = tenant_file(root, "snapshot")
        while tenant_file(root, "snapshot") == generation:
            post(writer, "-0.25")
        post(writer, "-0.25")
        expected = balances(open_ledger(url_for(root)))

        def no_snapshot(*args: object) -> None:
            raise AssertionError("the reader re-read a whole snapshot")

        monkeypatch.setattr(journal_module, "decode_snapshot", no_snapshot)
        assert balances(reader) == expected

    def test_a_reader_many_compactions_behind_reloads(self, root: Path) -> None:
        """A copy that missed several generations reloads from the newest snapshot."""
        seeded_store(root)
        reader = open_ledger(url_for(root))
        balances(reader)
        writer = open_ledger(url_for(root), compact_min_bytes=1)
        for _ in range(5):
            post(writer, "-0.25")
        assert balances(reader) == balances(open_ledger(url_for(root)))


class TestInterruptedCompaction:
    def test_old_files_left_beside_a_new_snapshot_are_ignored(self, root: Path) -> None:
        """A crash after the rename but before the clean-up loads the new generation."""
        seeded_store(root)
        tenant = root / "tenants" / "home"
        saved = root.parent / "saved"
        shutil.copytree(tenant, saved)
        ledger = open_ledger(url_for(root), compact_min_bytes=1)
        post(ledger, "-5.00")
        for old in saved.iterdir():
            if old.name.startswith(("snapshot.", "journal.")) and not (tenant / old.name).exists():
                shutil.copy2(old, tenant / old.name)
        assert balances(open_ledger(url_for(root))) == balances(ledger)

    def test_a_half_written_temporary_snapshot_is_ignored_and_removed(self, root: Path) -> None:
        """A temporary snapshot a crash left is never read, and the next compaction removes it."""
        ledger, _ = seeded_store(root)
        snapshot = tenant_file(root, "snapshot")
        number = int(snapshot.name.split(".")[1]) + 1
        temporary = snapshot.with_name(f".snapshot.{number:08d}.json.tmp")
        temporary.write_bytes(b'{"format": "finance-planner/tenant", "vers')
        expected = balances(ledger)
        assert balances(open_ledger(url_for(root))) == expected
        post(open_ledger(url_for(root), compact_min_bytes=1), "-1.00")
        assert not temporary.exists()
