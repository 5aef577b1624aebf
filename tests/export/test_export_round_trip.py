"""JSON export re-imports into an empty tenant to an identical state, on every backend."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import attrs
import pytest

from finance_core.errors import ValidationError
from finance_core.portability import TenantData
from finance_core.ports import Storage
from finance_core.services import Ledger
from finance_core.statements import ParsedStatement
from finance_core.testing.clock import FakeClock
from finance_core.testing.fixtures import fresh_id
from finance_import.export_csv import COLUMNS, to_csv
from finance_import.export_document import from_json, to_json

D = Decimal


def _books(ledger: Ledger) -> TenantData:
    tenant = fresh_id()
    who = ledger.create_tenant(tenant, "Export me", owner=f"{tenant}-o")
    usd = ledger.open_account(
        who, "Main", "checking", initial_balance=D("1500.00"), min_balance=D(-100)
    )
    eur = ledger.open_account(who, "Euro", "savings", currency="EUR")
    ledger.post_transaction(
        who, usd.id, amount=D("-2857.37") + D(1400), date="2026-01-02", category="rent",
        description="Rent, January", merchant="Landlord", location="Town", tags=["home", "fixed"],
        der_category="housing", der_merchant="landlord", external_id="bank-77",
        splits=[
            {"category": "rent", "amount": "-1400.00"},
            {"category": "fees", "amount": "-57.37"},
        ],
    )  # fmt: skip
    ledger.post_transaction(who, usd.id, amount=D("0"), date="2026-01-03", category="info")
    ledger.create_transfer(who, usd.id, eur.id, "10", "2026-01-04", to_amount="9.13")
    stated = ParsedStatement("DE01", date(2026, 1, 1), date(2026, 1, 31), D(0), D("9.13"))
    ledger.record_statement(who, eur.id, "b" * 64, stated)
    ledger.reconcile(who, eur.id, "2026-01-04", "9.13")
    return ledger.export_data(who)


def _strip(data: TenantData) -> TenantData:
    return TenantData(
        tuple(attrs.evolve(a, tenant_id="", created_by=None) for a in data.accounts),
        tuple(attrs.evolve(t, tenant_id="") for t in data.transactions),
        tuple(attrs.evolve(t, tenant_id="") for t in data.transfers),
        tuple(attrs.evolve(s, tenant_id="") for s in data.statements),
        tuple(attrs.evolve(r, tenant_id="", created_by=None) for r in data.reconciliations),
    )


class TestJsonRoundTrip:
    def test_export_then_import_reproduces_every_field(self, contract_storage: Storage) -> None:
        """Accounts, balances, every transaction field, transfer links, statements and
        reconciliations survive the file."""
        ledger = Ledger(contract_storage, clock=FakeClock())
        original = _books(ledger)
        target = ledger.create_tenant(fresh_id(), "Copy", owner=fresh_id("u"))
        ledger.restore(target, from_json(to_json(original)))
        assert _strip(ledger.export_data(target)) == _strip(original)

    def test_amounts_are_decimal_strings_in_the_file(self) -> None:
        """The document never writes money as a JSON float."""
        ledger = Ledger(_memory(), clock=FakeClock())
        document = json.loads(to_json(_books(ledger)))
        amounts = [t["amount"] for t in document["transactions"]]
        assert all(isinstance(a, str) for a in amounts)
        assert "-1457.37" in amounts


class TestBadDocuments:
    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b"{not json", "not a JSON export"),
            (b'{"format": "other"}', "finance-planner-export"),
            (b'{"format": "finance-planner-export", "version": 99}', "version 99"),
        ],
    )
    def test_unreadable_documents_say_why(self, raw: bytes, message: str) -> None:
        """Garbage, a foreign format and a future version are named as such."""
        with pytest.raises(ValidationError, match=message):
            from_json(raw)

    def test_unknown_fields_are_errors(self) -> None:
        """A hand-edited file with a misspelt key fails, naming the record."""
        ledger = Ledger(_memory(), clock=FakeClock())
        document = json.loads(to_json(_books(ledger)))
        document["transactions"][0]["amout"] = "1"
        with pytest.raises(ValidationError, match=r"transactions\[0\]"):
            from_json(json.dumps(document).encode())

    def test_numbers_in_a_hand_written_file_are_read_exactly(self) -> None:
        """A JSON number where a decimal string belongs is parsed as that exact decimal."""
        ledger = Ledger(_memory(), clock=FakeClock())
        document = json.loads(to_json(_books(ledger)))
        raw = json.dumps(document).replace('"amount": "-1457.37"', '"amount": -1457.37')
        amounts = [t.amount for t in from_json(raw.encode()).transactions]
        assert D("-1457.37") in amounts


class TestCsvExport:
    def test_one_row_per_transaction_with_account_and_currency(self) -> None:
        """Spreadsheet-ready: BOM, header, the account's name and currency on each row."""
        ledger = Ledger(_memory(), clock=FakeClock())
        books = _books(ledger)
        raw = to_csv(books)
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert list(rows[0]) == list(COLUMNS)
        assert len(rows) == len(books.transactions)
        rent = next(r for r in rows if r["category"] == "rent")
        assert (rent["account"], rent["currency"], rent["amount"]) == ("Main", "USD", "-1457.37")
        assert rent["tags"] == "home|fixed"
        assert rent["splits"] == "rent=-1400.00|fees=-57.37"
        euro = next(r for r in rows if r["currency"] == "EUR")
        assert euro["amount"] == "9.13" and euro["transfer_id"]


def _memory() -> Storage:
    from finance_core.memory import MemoryStorage

    return MemoryStorage()
