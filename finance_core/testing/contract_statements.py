"""Contract tests for statements, reconciliations and the reconciliation lock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest

from finance_core.accounts import Account
from finance_core.errors import NotFoundError, PermissionDeniedError, ValidationError
from finance_core.reconciliation import BalanceMismatch, ReconciledError
from finance_core.services import Ledger
from finance_core.statements import ParsedStatement
from finance_core.tenancy import Principal, Role
from finance_core.testing.fixtures import join, post

D = Decimal
HASH = "a" * 64


def _stated(end: str = "2026-01-31", closing: str | None = "1010.00") -> ParsedStatement:
    return ParsedStatement(
        account="NL01",
        period_start=date(2026, 1, 1),
        period_end=date.fromisoformat(end),
        opening_balance=D("1000.00"),
        closing_balance=None if closing is None else D(closing),
    )


class TestStatements:
    def test_recorded_statement_is_listed_with_every_field(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """What the file stated comes back, with the books at the end of its last day."""
        post(ledger, owner, checking, "10.00", date="2026-01-15")
        post(ledger, owner, checking, "5.00", date="2026-02-02")
        recorded = ledger.record_statement(owner, checking.id, HASH, _stated())
        (listed,) = ledger.list_statements(owner, checking.id)
        assert listed == recorded
        statement = listed.statement
        assert (statement.account_id, statement.file_hash) == (checking.id, HASH)
        assert (statement.period_start, statement.period_end) == (
            date(2026, 1, 1),
            date(2026, 1, 31),
        )
        assert (statement.opening_balance, statement.closing_balance) == (D("1000.00"), D("1010"))
        assert (listed.book_balance, listed.difference) == (D("1010.00"), D(0))

    def test_difference_stays_until_the_books_are_fixed(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A missing transaction shows as a difference, which goes once it is booked."""
        ledger.record_statement(owner, checking.id, HASH, _stated())
        assert ledger.list_statements(owner, checking.id)[0].difference == D("10.00")
        post(ledger, owner, checking, "10.00", date="2026-01-20")
        assert ledger.list_statements(owner, checking.id)[0].difference == D(0)

    def test_unstated_balances_are_none(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """No closing balance: the difference is None, the book balance still shown."""
        view = ledger.record_statement(owner, checking.id, HASH, _stated(closing=None))
        assert (view.book_balance, view.difference) == (D("1000.00"), None)

    def test_statements_of_an_unknown_account_are_not_found(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """Listing for an account the tenant lacks is NotFoundError."""
        with pytest.raises(NotFoundError):
            ledger.list_statements(owner, 999_999)

    def test_deleting_the_account_deletes_its_statements(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """An account without reconciliations goes, statements and all; others keep theirs."""
        ledger.record_statement(owner, checking.id, HASH, _stated())
        kept = ledger.record_statement(owner, savings.id, HASH, _stated())
        ledger.delete_account(owner, checking.id)
        assert ledger.export_data(owner).statements == (kept.statement,)

    def test_another_tenant_sees_no_statements(
        self, ledger: Ledger, owner: Principal, other_owner: Principal, checking: Account
    ) -> None:
        """A tenant's statements stay in that tenant."""
        ledger.record_statement(owner, checking.id, HASH, _stated())
        with pytest.raises(NotFoundError):
            ledger.list_statements(other_owner, checking.id)


class TestReconcile:
    def test_agreeing_balance_is_recorded(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Books at the end of the day equal the balance: the reconciliation is stored."""
        post(ledger, owner, checking, "-25.00", date="2026-01-10")
        post(ledger, owner, checking, "-5.00", date="2026-01-11")
        rec = ledger.reconcile(owner, checking.id, "2026-01-10", "975.00")
        assert (rec.account_id, rec.date, rec.balance) == (
            checking.id,
            date(2026, 1, 10),
            D("975.00"),
        )
        assert rec.created_by is not None
        assert ledger.list_reconciliations(owner, checking.id) == [rec]

    def test_disagreeing_balance_reports_the_difference_and_records_nothing(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A wrong balance: difference and unreconciled rows up to the day; nothing stored."""
        first = post(ledger, owner, checking, "-25.00", date="2026-01-10")
        post(ledger, owner, checking, "-5.00", date="2026-01-12")
        with pytest.raises(BalanceMismatch) as caught:
            ledger.reconcile(owner, checking.id, "2026-01-11", "970.00")
        error = caught.value
        assert (error.statement_balance, error.book_balance, error.difference) == (
            D("970.00"),
            D("975.00"),
            D("-5.00"),
        )
        assert [t.id for t in error.transactions] == [first.id]
        assert ledger.list_reconciliations(owner, checking.id) == []

    def test_unreconciled_rows_start_after_the_last_reconciliation(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Rows already reconciled are not listed again."""
        post(ledger, owner, checking, "-25.00", date="2026-01-10")
        ledger.reconcile(owner, checking.id, "2026-01-10", "975.00")
        later = post(ledger, owner, checking, "-5.00", date="2026-01-12")
        with pytest.raises(BalanceMismatch) as caught:
            ledger.reconcile(owner, checking.id, "2026-01-31", "1.00")
        assert [t.id for t in caught.value.transactions] == [later.id]

    def test_bad_fields_are_all_named(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A bad date and a bad balance are both reported."""
        with pytest.raises(ValidationError) as caught:
            ledger.reconcile(owner, checking.id, "31.01.2026", "1.001")
        assert sorted(e.field for e in caught.value.errors) == ["balance", "date"]

    def test_viewers_cannot_reconcile(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Reconciling writes, so a viewer is refused."""
        viewer = join(ledger, owner, Role.VIEWER)
        with pytest.raises(PermissionDeniedError):
            ledger.reconcile(viewer, checking.id, "2026-01-10", "1000.00")

    def test_reconciliations_list_by_day(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """The later day is listed last whatever the order they were made in."""
        late = ledger.reconcile(owner, checking.id, "2026-02-01", "1000.00")
        early = ledger.reconcile(owner, checking.id, "2026-01-01", "1000.00")
        assert ledger.list_reconciliations(owner, checking.id) == [early, late]
        assert ledger.reconciled_through(owner) == {checking.id: date(2026, 2, 1)}


class TestLocks:
    @pytest.fixture
    def locked(self, ledger: Ledger, owner: Principal, checking: Account) -> int:
        post(ledger, owner, checking, "-25.00", date="2026-01-10")
        return ledger.reconcile(owner, checking.id, "2026-01-10", "975.00").id

    def test_adding_on_the_reconciled_day_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """A new row dated on the day is a ReconciledError naming the reconciliation."""
        with pytest.raises(ReconciledError, match=f"reconciliation {locked}") as caught:
            post(ledger, owner, checking, "-1.00", date="2026-01-10")
        assert caught.value.reconciliation.id == locked
        assert ledger.get_account(owner, checking.id).balance == D("975.00")

    def test_adding_after_the_day_is_allowed(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """The day after the reconciliation is open."""
        post(ledger, owner, checking, "-1.00", date="2026-01-11")
        assert ledger.get_account(owner, checking.id).balance == D("974.00")

    def test_changing_a_reconciled_transaction_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """Even a new category on a locked row is refused."""
        (txn,) = ledger.list_transactions(owner).items
        with pytest.raises(ReconciledError):
            ledger.update_transaction(owner, txn.id, {"category": "other"})
        assert ledger.get_transaction(owner, txn.id).category == txn.category

    def test_moving_a_transaction_into_the_locked_days_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """An open row cannot be redated on or before the reconciliation."""
        txn = post(ledger, owner, checking, "-1.00", date="2026-01-20")
        with pytest.raises(ReconciledError):
            ledger.update_transaction(owner, txn.id, {"date": "2026-01-05"})

    def test_deleting_a_reconciled_transaction_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """A locked row stays."""
        (txn,) = ledger.list_transactions(owner).items
        with pytest.raises(ReconciledError):
            ledger.delete_transaction(owner, txn.id)
        assert ledger.get_transaction(owner, txn.id) == txn

    def test_a_transfer_into_the_locked_days_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account, locked: int
    ) -> None:
        """A transfer leg on a reconciled day is refused like any other row."""
        with pytest.raises(ReconciledError):
            ledger.create_transfer(owner, savings.id, checking.id, "5", "2026-01-09")

    def test_deleting_the_reconciliation_lifts_the_lock(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """Once deleted, the day is open again."""
        ledger.delete_reconciliation(owner, checking.id, locked)
        post(ledger, owner, checking, "-1.00", date="2026-01-10")
        assert ledger.list_reconciliations(owner, checking.id) == []

    def test_members_cannot_delete_a_reconciliation(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """Only admins and owners lift a lock."""
        member = join(ledger, owner, Role.MEMBER)
        with pytest.raises(PermissionDeniedError):
            ledger.delete_reconciliation(member, checking.id, locked)
        admin = join(ledger, owner, Role.ADMIN)
        ledger.delete_reconciliation(admin, checking.id, locked)

    def test_deleting_an_unknown_reconciliation_is_not_found(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account, locked: int
    ) -> None:
        """The id must belong to the account in the path."""
        with pytest.raises(NotFoundError):
            ledger.delete_reconciliation(owner, savings.id, locked)

    def test_a_reconciled_account_cannot_be_deleted(
        self, ledger: Ledger, owner: Principal, checking: Account, locked: int
    ) -> None:
        """Deleting the account would delete locked rows: refused."""
        with pytest.raises(ReconciledError):
            ledger.delete_account(owner, checking.id)

    def test_other_accounts_stay_open(
        self, ledger: Ledger, owner: Principal, savings: Account, locked: int
    ) -> None:
        """A reconciliation locks only its own account."""
        post(ledger, owner, savings, "3.00", date="2026-01-01")


class TestStatementPortability:
    def test_export_and_restore_carry_statements_and_reconciliations(
        self, ledger: Ledger, owner: Principal, other_owner: Principal, checking: Account
    ) -> None:
        """A restored tenant has the same statements and reconciliations, locks included."""
        post(ledger, owner, checking, "-25.00", date="2026-01-10")
        ledger.record_statement(owner, checking.id, HASH, _stated(closing="975.00"))
        ledger.reconcile(owner, checking.id, "2026-01-10", "975.00")
        books = ledger.export_data(owner)
        assert (len(books.statements), len(books.reconciliations)) == (1, 1)
        restored = ledger.restore(other_owner, books)
        (account,) = ledger.list_accounts(other_owner)
        (view,) = ledger.list_statements(other_owner, account.id)
        assert view.statement.file_hash == HASH
        assert view.difference == D(0)
        (rec,) = ledger.list_reconciliations(other_owner, account.id)
        assert (rec.date, rec.balance) == (date(2026, 1, 10), D("975.00"))
        assert restored.reconciliations == (rec,)
        with pytest.raises(ReconciledError):
            post(ledger, other_owner, account, "-1.00", date="2026-01-09")

    def test_restore_refuses_a_reconciliation_the_books_disagree_with(
        self, ledger: Ledger, owner: Principal, other_owner: Principal, checking: Account
    ) -> None:
        """A document whose reconciled balance does not add up is refused whole."""
        ledger.reconcile(owner, checking.id, "2026-01-10", "1000.00")
        books = ledger.export_data(owner)
        wrong = attrs.evolve(books.reconciliations[0], balance=D("1.00"))
        with pytest.raises(ValidationError, match=r"reconciliation .* add up to 1000\.00"):
            ledger.restore(other_owner, attrs.evolve(books, reconciliations=(wrong,)))
        assert ledger.list_accounts(other_owner) == []
