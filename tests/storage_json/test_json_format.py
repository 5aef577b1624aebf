"""The file format: exact money, strict reading, readable layout, and lossless round trips."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from json_support import open_ledger, seeded_store, tenant_file, url_for

from finance_core.accounts import Account, AccountType
from finance_core.errors import ValidationError
from finance_core.memory import Change, TenantState
from finance_core.ports import IdempotencyRecord
from finance_core.statements import Reconciliation, Statement
from finance_core.tenancy import Member, Role, Tenant, User
from finance_core.transactions import Split, Transaction, Transfer
from finance_storage_json.codec import decode_commit, encode_commit
from finance_storage_json.converter import make_converter
from finance_storage_json.snapshot import decode_snapshot, encode_snapshot
from finance_storage_json.storage import JsonStorage

CONVERTER = make_converter()
NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
TENANT = "home"

# -- strategies ---------------------------------------------------------------
texts = st.text(max_size=12)
money = st.decimals(allow_nan=False, allow_infinity=False)
# Datetimes keep their instant and UTC offset; a zone's name is not stored (the
# service's clock gives UTC), so the strategy draws fixed offsets.
offsets = st.timedeltas(timedelta(hours=-23, minutes=-59), timedelta(hours=23, minutes=59))
moments = st.datetimes(timezones=st.none() | st.just(UTC) | offsets.map(timezone))
ids = st.integers(1, 2**63 - 1)


def accounts(ident: int) -> st.SearchStrategy[Account]:
    return st.builds(
        Account,
        id=st.just(ident),
        tenant_id=st.just(TENANT),
        name=texts,
        account_type=st.sampled_from(AccountType),
        currency=st.sampled_from(["USD", "JPY", "KWD"]),
        initial_balance=money,
        balance=money,
        min_balance=st.none() | money,
        created_by=st.none() | ids,
        created_at=moments,
        updated_at=moments,
        version=st.integers(1, 10**6),
    )


def transactions(ident: int, account_id: int) -> st.SearchStrategy[Transaction]:
    return st.builds(
        Transaction,
        id=st.just(ident),
        tenant_id=st.just(TENANT),
        account_id=st.just(account_id),
        amount=money,
        date=st.dates(),
        category=texts,
        created_at=moments,
        updated_at=moments,
        description=st.none() | texts,
        merchant=st.none() | texts,
        location=st.none() | texts,
        tags=st.lists(texts, unique=True, max_size=3).map(tuple),
        der_category=st.none() | texts,
        der_merchant=st.none() | texts,
        # Unique per account, as the domain guarantees.
        external_id=st.none() | st.just(f"ext-{ident}"),
        splits=st.lists(st.builds(Split, texts, money), max_size=2).map(tuple),
        transfer_id=st.none() | ids,
        version=st.integers(1, 10**6),
    )


@st.composite
def tenant_states(draw: st.DrawFn) -> TenantState:
    """Any tenant state: every table, awkward text, any exact decimal."""
    state = TenantState()
    if draw(st.booleans()):
        state.put("tenant", None, Tenant(TENANT, draw(texts), draw(moments), draw(moments)))
    for kind in draw(st.lists(texts, unique=True, max_size=3)):
        state.put("counters", kind, draw(st.integers(0, 10**9)))
    account_ids = draw(st.lists(ids, unique=True, max_size=3))
    for ident in account_ids:
        state.put("accounts", ident, draw(accounts(ident)))
    if account_ids:
        for ident in draw(st.lists(ids, unique=True, max_size=6)):
            owner = draw(st.sampled_from(account_ids))
            state.put("transactions", ident, draw(transactions(ident, owner)))
    for user_id in draw(st.lists(ids, unique=True, max_size=2)):
        member = Member(
            draw(ids), TENANT, user_id, draw(texts), draw(st.sampled_from(Role)), draw(moments)
        )
        state.put("members", user_id, member)
    for ident in draw(st.lists(ids, unique=True, max_size=2)):
        transfer = Transfer(
            ident, TENANT, *draw(st.tuples(ids, ids, ids, ids)), draw(money), draw(money),
            draw(st.dates()), draw(st.none() | texts), draw(moments),
        )  # fmt: skip
        state.put("transfers", ident, transfer)
    for key in draw(st.lists(texts, unique=True, max_size=2)):
        record = IdempotencyRecord(
            key, draw(texts), draw(moments), draw(st.none() | st.integers(100, 599)),
            draw(st.none() | texts),
        )  # fmt: skip
        state.put("idempotency", key, record)
    if account_ids:
        for ident in draw(st.lists(ids, unique=True, max_size=2)):
            statement = Statement(
                ident, TENANT, draw(st.sampled_from(account_ids)), "f" * 64,
                draw(st.none() | st.dates()), draw(st.none() | st.dates()),
                draw(st.none() | money), draw(st.none() | money), draw(moments),
            )  # fmt: skip
            state.put("statements", ident, statement)
        for ident in draw(st.lists(ids, unique=True, max_size=2)):
            reconciliation = Reconciliation(
                ident, TENANT, draw(st.sampled_from(account_ids)), draw(st.dates()),
                draw(money), draw(moments), draw(st.none() | ids),
            )  # fmt: skip
            state.put("reconciliations", ident, reconciliation)
    return state


def as_changes(state: TenantState) -> list[Change]:
    """The puts that build ``state`` from nothing."""
    changes: list[Change] = []
    if state.tenant is not None:
        changes.append(("tenant", None, state.tenant))
    tables = (
        "counters", "members", "accounts", "transactions", "transfers", "idempotency",
        "statements", "reconciliations",
    )  # fmt: skip
    for table in tables:
        rows: dict[Any, Any] = getattr(state, table)
        changes.extend((table, key, value) for key, value in rows.items())
    return changes


def snapshot_bytes(state: TenantState) -> bytes:
    return b"".join(encode_snapshot(CONVERTER, state, TENANT, 1))


# -- tests ------------------------------------------------------------------------
class TestMoney:
    def test_amounts_are_written_as_decimal_strings(self) -> None:
        """Money goes to disk as the exact decimal text, never as a JSON number."""
        account = Account(
            1, TENANT, "Checking", AccountType.CHECKING, "USD",
            Decimal("0.10"), Decimal("12345678901234.56"), None, None, NOW, NOW,
        )  # fmt: skip
        written = CONVERTER.unstructure(account)
        assert written["balance"] == "12345678901234.56"
        assert written["initial_balance"] == "0.10"

    def test_a_json_number_where_money_belongs_is_refused(self) -> None:
        """Reading never accepts a float amount, which could not be exact."""
        raw = {"category": "food", "amount": 12.5}
        with pytest.raises(cattrs.BaseValidationError):
            CONVERTER.structure(raw, Split)

    def test_trailing_zeros_survive(self) -> None:
        """'1.10' stays '1.10': the amount's exponent is part of the value kept."""
        split = CONVERTER.structure({"category": "x", "amount": "1.10"}, Split)
        assert str(split.amount) == "1.10"


class TestStrictReading:
    def test_true_is_not_an_integer(self) -> None:
        """A JSON boolean where an id belongs is refused, not read as 1."""
        raw = {"id": True, "auth_user_id": "alice"}
        with pytest.raises(cattrs.BaseValidationError):
            CONVERTER.structure(raw, User)

    def test_unknown_fields_are_refused(self) -> None:
        """A field this program does not know means a newer or damaged file."""
        raw = {"category": "x", "amount": "1.00", "colour": "red"}
        with pytest.raises(cattrs.BaseValidationError):
            CONVERTER.structure(raw, Split)

    def test_a_string_is_not_a_list_of_tags(self) -> None:
        """Tags must be a JSON list; a string is not split into letters."""
        raw = CONVERTER.unstructure(
            Transaction(1, TENANT, 1, Decimal(1), NOW.date(), "x", NOW, NOW, tags=("a",))
        )
        raw["tags"] = "ab"
        with pytest.raises(cattrs.BaseValidationError):
            CONVERTER.structure(raw, Transaction)


class TestRoundTrips:
    @given(tenant_states())
    def test_a_snapshot_reads_back_equal(self, state: TenantState) -> None:
        """Any tenant state, written as a snapshot and read back, is equal (indexes too)."""
        path = Path("snapshot.00000001.json")
        assert decode_snapshot(CONVERTER, snapshot_bytes(state), path, TENANT, 1) == state

    @given(tenant_states())
    def test_a_journal_line_reads_back_equal(self, state: TenantState) -> None:
        """Any change list, written as one journal line and read back, is equal."""
        changes = as_changes(state)
        line = encode_commit(CONVERTER, changes)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert decode_commit(CONVERTER, line[:-1], Path("journal"), 1) == changes

    @given(tenant_states(), st.booleans())
    def test_a_committed_state_reloads_equal(self, state: TenantState, compact: bool) -> None:
        """A state committed and then loaded by a fresh store is equal (journal or snapshot)."""
        with tempfile.TemporaryDirectory() as tmp:
            url = url_for(Path(tmp))
            writer = JsonStorage(url, compact_min_bytes=1 if compact else 1 << 20)
            with writer.unit_of_work(TENANT) as uow:
                # The change log itself, so any state can be written, consistent or not.
                for table, key, value in as_changes(state):
                    uow._put(table, key, value)
                uow.commit()
            reader = JsonStorage(url)
            with reader.unit_of_work(TENANT, readonly=True) as uow:
                assert uow.state == state

    @pytest.mark.parametrize(
        "offset", [timedelta(microseconds=1), -timedelta(hours=23, minutes=59, microseconds=9)]
    )
    def test_a_utc_offset_with_a_fraction_of_a_second_survives(self, offset: timedelta) -> None:
        """An offset such as +00:00:00.000001 (which fromisoformat can drop) reads back exactly."""
        moment = datetime(2000, 1, 1, tzinfo=timezone(offset))
        loaded = CONVERTER.structure(CONVERTER.unstructure(moment), datetime)
        assert (loaded, loaded.utcoffset()) == (moment, offset)

    def test_a_lone_surrogate_never_reaches_the_files(self, tmp_path: Path) -> None:
        """Text with no UTF-8 form is refused by the core, as everywhere: nothing is written."""
        ledger = open_ledger(url_for(tmp_path))
        with pytest.raises(ValidationError, match="surrogate"):
            ledger.create_tenant(TENANT, "odd \ud800 name", owner="alice")
        assert not list(tmp_path.rglob("snapshot.*.json"))


class TestOlderFiles:
    def test_a_version_1_snapshot_reads_with_no_statements(self) -> None:
        """A snapshot of format version 1 has no statement or reconciliation lists: none."""
        state = TenantState()
        state.put("tenant", None, Tenant(TENANT, "Home", NOW, NOW))
        document = json.loads(snapshot_bytes(state))
        for later in ("statements", "reconciliations", "schedules", "schedule_links"):
            del document[later]
        for later in ("schedule_changes", "budgets"):
            del document[later]
        document["version"] = 1
        path = Path("snapshot.00000001.json")
        read = decode_snapshot(CONVERTER, json.dumps(document).encode(), path, TENANT, 1)
        assert (read.statements, read.reconciliations, read.tenant) == ({}, {}, state.tenant)


class TestReadableFiles:
    def test_each_snapshot_record_has_its_own_line(self, tmp_path: Path) -> None:
        """A snapshot diffs record by record: one account or transaction per line."""
        seeded_store(tmp_path)
        lines = tenant_file(tmp_path, "snapshot").read_text().splitlines()
        records = [json.loads(line.rstrip(",")) for line in lines if line.startswith('{"id"')]
        assert [r.get("amount") for r in records if "amount" in r] == ["-10.00"]
        assert any(r.get("name") == "Checking" for r in records)

    def test_every_file_names_its_format_version(self, tmp_path: Path) -> None:
        """Snapshots, journal lines and user lines each carry a version field."""
        seeded_store(tmp_path)
        snapshot = json.loads(tenant_file(tmp_path, "snapshot").read_bytes())
        assert (snapshot["format"], snapshot["version"]) == ("finance-planner/tenant", 2)
        journal = tenant_file(tmp_path, "journal").read_text().splitlines()
        users = (tmp_path / "directory.jsonl").read_text().splitlines()
        assert {json.loads(line)["v"] for line in journal + users} == {2}

    def test_fields_at_their_default_are_left_out(self) -> None:
        """A transaction without description, tags or splits is written without those keys."""
        txn = Transaction(7, TENANT, 1, Decimal("-4.20"), NOW.date(), "food", NOW, NOW)
        assert set(CONVERTER.unstructure(txn)) == {
            "id", "tenant_id", "account_id", "amount", "date", "category",
            "created_at", "updated_at",
        }  # fmt: skip
