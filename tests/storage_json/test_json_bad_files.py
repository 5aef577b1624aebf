"""Damaged or foreign files: a clear StorageError naming the file, and the file left as it was."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from json_support import open_ledger, seeded_store, store_bytes, tenant_file, url_for

from finance_core.errors import StorageError
from finance_core.tenancy import Principal, Role

OWNER = Principal("alice", "home", Role.OWNER)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    seeded_store(root)
    return root


def refusals(root: Path) -> list[str]:
    """Read and write through fresh stores; both must fail and change no byte on disk."""
    before = store_bytes(root)
    messages = []
    with pytest.raises(StorageError) as read:
        open_ledger(url_for(root)).list_accounts(OWNER)
    messages.append(str(read.value))
    with pytest.raises(StorageError) as write:
        open_ledger(url_for(root)).post_transaction(
            OWNER, 1, amount=Decimal("1.00"), date="2026-02-01", category="x"
        )
    messages.append(str(write.value))
    assert store_bytes(root) == before
    return messages


def rewrite_line(path: Path, number: int, text: str) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = text.encode()
    path.write_bytes(b"\n".join(lines))


class TestDamagedSnapshot:
    def test_a_truncated_snapshot_is_named_and_kept(self, root: Path) -> None:
        """A snapshot cut in half is reported with its path and a JSON line number."""
        snapshot = tenant_file(root, "snapshot")
        snapshot.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])
        for message in refusals(root):
            assert f"{snapshot}, line " in message
            assert "not valid JSON" in message
            assert "restore it from a backup" in message

    def test_garbage_bytes_are_named_and_kept(self, root: Path) -> None:
        """Bytes that are not UTF-8 text are reported with the snapshot's path."""
        snapshot = tenant_file(root, "snapshot")
        snapshot.write_bytes(b"\x00\xff\xfe garbage \x81")
        for message in refusals(root):
            assert str(snapshot) in message
            assert "not UTF-8" in message

    def test_an_unknown_version_asks_for_an_upgrade(self, root: Path) -> None:
        """A snapshot from a newer program is refused, not misread and not overwritten."""
        snapshot = tenant_file(root, "snapshot")
        data = json.loads(snapshot.read_bytes())
        data["version"] = 99
        snapshot.write_text(json.dumps(data))
        for message in refusals(root):
            assert str(snapshot) in message
            assert "format version 99" in message
            assert "upgrade finance-planner" in message

    def test_a_float_amount_is_not_a_valid_record(self, root: Path) -> None:
        """Money written as a JSON number is refused, naming the record and field."""
        snapshot = tenant_file(root, "snapshot")
        data = json.loads(snapshot.read_bytes())
        data["transactions"][0]["amount"] = -10.0
        snapshot.write_text(json.dumps(data))
        for message in refusals(root):
            assert str(snapshot) in message
            assert "$.transactions[0].amount" in message

    def test_a_snapshot_of_another_tenant_is_refused(self, root: Path) -> None:
        """A snapshot copied into the wrong tenant's directory is reported, not adopted."""
        snapshot = tenant_file(root, "snapshot")
        data = json.loads(snapshot.read_bytes())
        data["tenant_id"] = "someone-else"
        snapshot.write_text(json.dumps(data))
        for message in refusals(root):
            assert "holds tenant 'someone-else'" in message

    def test_a_missing_snapshot_is_reported(self, root: Path) -> None:
        """A journal whose snapshot was deleted is refused rather than read from empty."""
        snapshot = tenant_file(root, "snapshot")
        snapshot.unlink()
        for message in refusals(root):
            assert f"{snapshot} does not" in message


class TestDamagedJournal:
    def test_a_line_that_is_not_json_is_named_with_its_number(self, root: Path) -> None:
        """Garbage in a whole journal line gives the file and line number."""
        journal = tenant_file(root, "journal")
        rewrite_line(journal, 1, "this is not json")
        for message in refusals(root):
            assert f"{journal}, line 1: not valid JSON" in message

    def test_valid_json_that_is_not_a_record_is_named(self, root: Path) -> None:
        """A well-formed line with a string id is refused with the field's path."""
        journal = tenant_file(root, "journal")
        bad = {"v": 1, "changes": [{"table": "counters", "key": "account", "value": "seven"}]}
        rewrite_line(journal, 2, json.dumps(bad))
        for message in refusals(root):
            assert f"{journal}, line 2: not a valid record" in message
            assert "$.changes[0].value" in message

    def test_an_unknown_table_is_named(self, root: Path) -> None:
        """A change to a table this program does not know is refused, listing the known ones."""
        journal = tenant_file(root, "journal")
        bad = {"v": 1, "changes": [{"table": "forecasts", "key": 1, "value": None}]}
        rewrite_line(journal, 1, json.dumps(bad))
        for message in refusals(root):
            assert f"{journal}, line 1" in message
            assert "'forecasts', not one of" in message

    def test_a_line_of_a_newer_version_asks_for_an_upgrade(self, root: Path) -> None:
        """A commit written by a newer program is refused with its line number."""
        journal = tenant_file(root, "journal")
        rewrite_line(journal, 2, json.dumps({"v": 3, "changes": []}))
        for message in refusals(root):
            assert f"{journal}, line 2: written in format version 3" in message


class TestDamagedUserDirectory:
    def test_an_unknown_version_is_refused(self, root: Path) -> None:
        """The user directory of a newer program stops every unit of work, naming the file."""
        directory = root / "directory.jsonl"
        rewrite_line(directory, 1, json.dumps({"v": 5, "users": [], "memberships": []}))
        for message in refusals(root):
            assert f"{directory}, line 1: written in format version 5" in message

    def test_a_user_id_given_twice_is_refused(self, root: Path) -> None:
        """Two auth ids for one user id means hand edits; it is reported, not guessed at."""
        directory = root / "directory.jsonl"
        clash = {"v": 1, "users": [{"id": 1, "auth_user_id": "mallory"}], "memberships": []}
        with directory.open("a") as handle:
            handle.write(json.dumps(clash) + "\n")
        for message in refusals(root):
            assert f"{directory}: user 1 ('mallory') clashes" in message
