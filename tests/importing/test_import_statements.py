"""Imports record statements and compare the stated closing balance with the books;
files of several accounts go where the caller maps them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from finance_core import open_ledger
from finance_core.accounts import Account
from finance_core.errors import ValidationError
from finance_core.import_statements import file_hash
from finance_core.importing import ImportOptions, ImportResult
from finance_core.reconciliation import ReconciledError
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_import.camt053 import parse_camt053
from finance_import.csv_format import parse_csv
from finance_import.ofx import parse_ofx
from finance_import.qif import parse_qif

D = Decimal


def camt(*statements: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>1</MsgId></GrpHdr>{''.join(statements)}</BkToCstmrStmt></Document>"
    ).encode()


def balance(code: str, amount: str, day: str) -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>{amount}</Amt>"
        f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def entry(amount: str, sign: str, day: str, ref: str) -> str:
    return (
        f"<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd><Sts>BOOK</Sts>"
        f"<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef></Ntry>"
    )


def stmt(iban: str, closing: str, *entries: str) -> str:
    return (
        f"<Stmt><Id>{iban}</Id><Acct><Id><IBAN>{iban}</IBAN></Id></Acct>"
        f"{balance('OPBD', '100.00', '2026-02-28')}{balance('CLBD', closing, '2026-03-31')}"
        f"{''.join(entries)}</Stmt>"
    )


#: Opening 100.00, -30.00 and +5.50, closing 75.50: it matches.
MATCHING = camt(
    stmt(
        "DE01",
        "75.50",
        entry("30.00", "DBIT", "2026-03-02", "A1"),
        entry("5.50", "CRDT", "2026-03-20", "A2"),
    )
)


@pytest.fixture
def ledger() -> Ledger:
    return open_ledger("memory://")


@pytest.fixture
def owner(ledger: Ledger) -> Principal:
    return ledger.create_tenant("t", "T", owner="u")


@pytest.fixture
def account(ledger: Ledger, owner: Principal) -> Account:
    return ledger.open_account(owner, "Giro", currency="EUR", initial_balance=D("100.00"))


def run(ledger: Ledger, owner: Principal, account: Account, data: bytes, **kw: Any) -> ImportResult:
    parsed = parse_camt053(data, ImportOptions())
    return ledger.import_file(owner, account.id, parsed, file_hash=file_hash(data), **kw)


class TestReconciliationResult:
    def test_matching_camt_statement_reconciles_with_no_manual_step(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """CLBD equals the books after the import: the difference is 0."""
        result = run(ledger, owner, account, MATCHING)
        check = result.reconciliation
        assert check is not None
        assert (check.statement_balance, check.book_balance, check.difference) == (
            D("75.50"),
            D("75.50"),
            D(0),
        )

    def test_an_import_locks_nothing(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """Even a matching statement leaves every imported row open to change."""
        result = run(ledger, owner, account, MATCHING)
        first = result.rows[0].transaction_id
        assert first is not None
        ledger.delete_transaction(owner, first)
        assert ledger.list_reconciliations(owner, account.id) == []

    def test_missing_rows_show_as_a_difference(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """A closing balance the books do not reach: the difference says by how much."""
        data = camt(stmt("DE01", "80.00", entry("30.00", "DBIT", "2026-03-02", "A1")))
        check = run(ledger, owner, account, data).reconciliation
        assert check is not None
        assert (check.book_balance, check.difference) == (D("70.00"), D("10.00"))
        (view,) = ledger.list_statements(owner, account.id)
        assert view.difference == D("10.00")

    def test_dry_run_compares_the_books_as_they_would_be(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """A dry run reports the same comparison and records nothing."""
        result = run(ledger, owner, account, MATCHING, dry_run=True)
        assert result.reconciliation is not None
        assert result.reconciliation.difference == D(0)
        assert ledger.list_statements(owner, account.id) == []

    def test_file_without_closing_balance_has_no_reconciliation(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """A CSV without balances: no comparison, but a statement with its period."""
        data = b"Date;Amount\n02.03.2026;-1,00\n05.03.2026;-2,00\n"
        parsed = parse_csv(data, ImportOptions())
        result = ledger.import_file(owner, account.id, parsed, file_hash=file_hash(data))
        assert result.reconciliation is None
        (view,) = result.statements
        assert (view.statement.period_start, view.statement.period_end) == (
            date(2026, 3, 2),
            date(2026, 3, 5),
        )
        assert (view.statement.closing_balance, view.difference) == (None, None)


class TestRecordedStatements:
    def test_statement_records_hash_period_and_balances(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """The file's SHA-256, its period and OPBD/CLBD are recorded."""
        (view,) = run(ledger, owner, account, MATCHING).statements
        statement = view.statement
        assert statement.file_hash == file_hash(MATCHING)
        assert len(statement.file_hash) == 64
        assert (statement.opening_balance, statement.closing_balance) == (D("100.00"), D("75.50"))
        assert statement.period_end == date(2026, 3, 31)
        assert ledger.list_statements(owner, account.id) == [view]

    def test_importing_the_same_file_again_records_nothing_new(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """The second import finds every row and the statement already there."""
        run(ledger, owner, account, MATCHING)
        again = run(ledger, owner, account, MATCHING)
        assert again.created == 0
        assert len(ledger.list_statements(owner, account.id)) == 1

    def test_qif_statement_covers_its_rows_days(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """A format that states nothing still records the days its rows cover."""
        data = b"!Type:Bank\nD3/1/2026\nT-1.00\nPShop\n^\nD3/19/2026\nT-2.00\nPShop\n^\n"
        parsed = parse_qif(data, ImportOptions())
        (view,) = ledger.import_file(
            owner, account.id, parsed, file_hash=file_hash(data)
        ).statements
        assert (view.statement.period_start, view.statement.period_end) == (
            date(2026, 3, 1),
            date(2026, 3, 19),
        )

    def test_rows_on_a_reconciled_day_are_refused(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """An import adding rows on or before a reconciliation is refused, naming it."""
        rec = ledger.reconcile(owner, account.id, "2026-03-05", "100.00")
        with pytest.raises(ReconciledError, match=f"reconciliation {rec.id}"):
            run(ledger, owner, account, MATCHING)
        assert ledger.list_statements(owner, account.id) == []


class TestSeveralAccounts:
    TWO = camt(
        stmt("DE01", "70.00", entry("30.00", "DBIT", "2026-03-02", "A1")),
        stmt("DE02", "105.50", entry("5.50", "CRDT", "2026-03-03", "B1")),
    )

    def test_each_statement_goes_to_its_mapped_account(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """With DE02 mapped, its rows and statement go there, DE01's to the given account."""
        other = ledger.open_account(owner, "Savings", currency="EUR", initial_balance=D(100))
        result = run(ledger, owner, account, self.TWO, accounts={"DE02": other.id})
        assert [(r.row, r.account_id) for r in result.rows] == [(1, account.id), (2, other.id)]
        assert ledger.get_account(owner, account.id).balance == D("70.00")
        assert ledger.get_account(owner, other.id).balance == D("105.50")
        assert [v.difference for v in result.statements] == [D(0), D(0)]

    def test_two_unmapped_accounts_are_refused(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """Rows of two accounts are never mixed: refused, naming both and the option."""
        with pytest.raises(ValidationError) as caught:
            run(ledger, owner, account, self.TWO)
        (error,) = caught.value.errors
        assert error.field == "accounts"
        assert "'DE01', 'DE02'" in error.message
        assert ledger.get_account(owner, account.id).balance == D("100.00")

    def test_ofx_statements_go_to_their_accounts(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """Two OFX statements, one mapped: each account gets its own rows."""
        other = ledger.open_account(owner, "Card", currency="EUR")

        def statement(acct: str, amount: str, fitid: str) -> str:
            return (
                f"<STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>{acct}</BANKACCTFROM><BANKTRANLIST>"
                f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260302<TRNAMT>{amount}<FITID>{fitid}"
                "</STMTTRN></BANKTRANLIST></STMTRS>"
            )

        data = (
            "OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>"
            + statement("111", "-1.00", "F1")
            + statement("222", "-2.00", "F2")
            + "</STMTTRNRS></BANKMSGSRSV1></OFX>"
        ).encode()
        parsed = parse_ofx(data, ImportOptions())
        ledger.import_file(owner, account.id, parsed, accounts={"222": other.id})
        assert ledger.get_account(owner, other.id).balance == D("-2.00")
        assert ledger.get_account(owner, account.id).balance == D("99.00")

    def test_an_idle_statement_of_another_account_is_left_out(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """Beside a statement with rows, another account's empty one needs no mapping."""
        idle = "<Stmt><Id>2</Id><Acct><Id><IBAN>DE09</IBAN></Id></Acct></Stmt>"
        data = camt(stmt("DE01", "70.00", entry("30.00", "DBIT", "2026-03-02", "A1")), idle)
        result = run(ledger, owner, account, data)
        assert [v.statement.account_id for v in result.statements] == [account.id]
        assert ledger.get_account(owner, account.id).balance == D("70.00")

    def test_the_latest_of_several_statements_is_compared(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """Two daily statements of one account: the later closing balance is the one compared."""
        first = stmt("DE01", "70.00", entry("30.00", "DBIT", "2026-03-02", "A1"))
        second = stmt("DE01", "65.00", entry("5.00", "DBIT", "2026-03-03", "A2")).replace(
            "2026-03-31", "2026-04-30"
        )
        check = run(ledger, owner, account, camt(first, second)).reconciliation
        assert check is not None
        assert (check.statement_balance, check.difference) == (D("65.00"), D(0))

    def test_mapping_to_something_not_an_account_id_is_refused(
        self, ledger: Ledger, owner: Principal, account: Account
    ) -> None:
        """accounts maps file ids to integer account ids."""
        with pytest.raises(ValidationError, match="accounts maps the file's account ids"):
            run(ledger, owner, account, self.TWO, accounts={"DE02": "savings"})

    @pytest.mark.parametrize("target", [0, 2**63])
    def test_mapping_to_an_id_out_of_range_is_refused(
        self, ledger: Ledger, owner: Principal, account: Account, target: int
    ) -> None:
        """An account id outside 1..2**63-1 is refused before any storage reads it."""
        with pytest.raises(ValidationError, match="accounts maps the file's account ids"):
            run(ledger, owner, account, self.TWO, accounts={"DE02": target})
