"""Importing parsed bank rows: de-duplication you can explain, dry runs, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from finance_core import Principal, ValidationError, open_ledger
from finance_core.accounts import Account
from finance_core.importing import (
    Importer,
    ImportOptions,
    ParsedFile,
    ParsedRow,
    RejectedRow,
    fingerprint,
)
from finance_core.plugins import hookimpl, make_plugin_manager
from finance_core.services import Ledger

D = Decimal


def coffee(row: int, **kw: object) -> ParsedRow:
    fields: dict[str, object] = {
        "date": date(2026, 2, 1),
        "amount": D("-3.50"),
        "description": "Coffee",
    }
    fields.update(kw)
    return ParsedRow(row, **fields)  # type: ignore[arg-type]


@pytest.fixture
def ledger() -> Ledger:
    return open_ledger("memory://")


@pytest.fixture
def owner(ledger: Ledger) -> Principal:
    return ledger.create_tenant("home", "Home", owner="ann")


@pytest.fixture
def account(ledger: Ledger, owner: Principal) -> Account:
    return ledger.open_account(owner, "Checking", "checking", initial_balance=D(100))


class TestFingerprints:
    def test_identical_rows_differ_by_occurrence(self) -> None:
        """Two real identical coffees on one day get two ids."""
        assert fingerprint(coffee(1), 1) != fingerprint(coffee(2), 2)

    def test_fingerprint_ignores_case_and_spacing(self) -> None:
        """Banks reformat whitespace and case between exports; the id stays."""
        assert fingerprint(coffee(1, description="  COFFEE "), 1) == fingerprint(coffee(9), 1)


class TestImporting:
    def test_rows_are_created_and_the_balance_moves(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """Every row becomes a transaction with an external id."""
        parsed = ParsedFile("test", (coffee(1), coffee(2), coffee(3, amount=D(20), file_id="F3")))
        result = ledger.import_file(owner, account.id, parsed)
        assert (result.created, result.duplicates, result.rejected) == (3, 0, 0)
        assert ledger.get_account(owner, account.id).balance == D("113.00")
        assert ledger.get_transaction(owner, result.rows[2].transaction_id or 0).external_id == "F3"

    def test_reimport_creates_nothing_and_names_the_original(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """A second import of the same file reports duplicates of the first one's rows."""
        parsed = ParsedFile("test", (coffee(1), coffee(2), coffee(3, file_id="F3")))
        first = ledger.import_file(owner, account.id, parsed)
        again = ledger.import_file(owner, account.id, parsed)
        assert again.created == 0 and again.duplicates == 3
        assert [r.duplicate_of for r in again.rows] == [r.transaction_id for r in first.rows]
        assert "file id" in (again.rows[2].reason or "")
        assert ledger.get_account(owner, account.id).balance == D("89.50")

    def test_dry_run_reports_and_writes_nothing(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """A dry run gives the statuses a real run would, and stores nothing."""
        parsed = ParsedFile("test", (coffee(1), coffee(2)))
        dry = ledger.import_file(owner, account.id, parsed, dry_run=True)
        assert [r.status for r in dry.rows] == ["created", "created"] and not dry.committed
        assert ledger.list_transactions(owner).total == 0
        real = ledger.import_file(owner, account.id, parsed)
        assert [r.status for r in real.rows] == [r.status for r in dry.rows]

    def test_one_bad_row_rejects_the_whole_file(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """All or nothing per file: nothing is stored and the bad row is named."""
        parsed = ParsedFile("test", (coffee(1), coffee(2, amount=D("1.234"))))
        result = ledger.import_file(owner, account.id, parsed)
        assert not result.committed
        assert [(r.row, r.status) for r in result.rows] == [(1, "created"), (2, "rejected")]
        assert "decimals" in (result.rows[1].reason or "")
        assert ledger.list_transactions(owner).total == 0

    def test_skipping_bad_rows_imports_the_rest(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """With skip_bad_rows the good rows land and the skipped ones are listed."""
        parsed = ParsedFile(
            "test", (coffee(1),), rejected=(RejectedRow(2, "date '31.02.2026' does not exist"),)
        )
        result = ledger.import_file(owner, account.id, parsed, skip_bad_rows=True)
        assert result.committed and (result.created, result.rejected) == (1, 1)
        assert result.rows[1].reason == "date '31.02.2026' does not exist"

    def test_a_file_id_repeated_in_the_file_is_a_duplicate(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """The second row with one file id is not created twice."""
        parsed = ParsedFile("test", (coffee(1, file_id="X"), coffee(2, file_id="X")))
        result = ledger.import_file(owner, account.id, parsed)
        assert [r.status for r in result.rows] == ["created", "duplicate"]

    def test_file_in_another_currency_is_refused(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """A EUR statement cannot go into a USD account."""
        with pytest.raises(ValidationError, match="EUR"):
            ledger.import_file(owner, account.id, ParsedFile("t", (coffee(1),), currency="EUR"))

    def test_rows_without_category_are_uncategorized(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """Category is required, so imports fill in a default."""
        result = ledger.import_file(owner, account.id, ParsedFile("t", (coffee(1),)))
        txn = ledger.get_transaction(owner, result.rows[0].transaction_id or 0)
        assert txn.category == "uncategorized"


def _parse_pipe(data: bytes, options: ImportOptions) -> ParsedFile:
    rows = []
    for n, line in enumerate(data.decode().splitlines()[1:], 1):
        day, amount, text = line.split("|")
        rows.append(ParsedRow(n, date.fromisoformat(day), D(amount), text))
    return ParsedFile("pipe", tuple(rows))


class _PipeFormat:
    @hookimpl
    def finance_importers(self) -> Sequence[Importer]:
        return [
            Importer("pipe", (".pipe",), _parse_pipe, sniff=lambda data: data.startswith(b"#pipe"))
        ]


class _Anything:
    @hookimpl
    def finance_importers(self) -> Sequence[Importer]:
        return [Importer("anything", (), _parse_pipe, sniff=lambda data: True, sniff_order=10_000)]


class TestImporterPlugins:
    def test_specific_sniffers_run_before_generic_ones(self) -> None:
        """A format that accepts anything only wins when nothing specific does."""
        plugins = make_plugin_manager([_Anything(), _PipeFormat()])
        assert plugins.importer_for(b"#pipe\n").name == "pipe"
        assert plugins.importer_for(b"\x00\x01 binary").name == "anything"

    def test_a_plugin_adds_a_format(self) -> None:
        """Importers are found by name and by sniffing the bytes."""
        plugins = make_plugin_manager([_PipeFormat()])
        data = b"#pipe\n2026-01-01|-5.00|Bus\n"
        assert plugins.importer_for(data, "PIPE").name == "pipe"
        parsed = plugins.importer_for(data).parse(data, ImportOptions())
        assert parsed.rows[0].amount == D("-5.00")

    def test_unknown_format_lists_the_known_ones(self) -> None:
        """Naming a format nobody provides says which exist."""
        plugins = make_plugin_manager([_PipeFormat()])
        with pytest.raises(ValidationError, match="pipe"):
            plugins.importer_for(b"", "xlsx")
