"""The storage contract: behaviour every backend must show, written as pytest tests.

Use it from a test module that defines a ``contract_storage`` fixture returning
the backend's ``Storage``::

    from finance_core.testing.contract import *  # noqa: F403

    @pytest.fixture
    def contract_storage():
        return MyStorage("my://test")

Tests isolate themselves by creating fresh tenants, so one store may serve
the whole session.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest

from finance_core.accounts import Account
from finance_core.errors import (
    BalanceRuleViolation,
    ConflictError,
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    ValidationError,
)
from finance_core.portability import TenantData
from finance_core.ports import IdempotencyRecord
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.rules import BUILTIN_RULES, NoFutureDatedRule
from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role
from finance_core.testing import contract_rules
from finance_core.testing.clock import FakeClock
from finance_core.testing.contract_import_stream import (
    TestEvents,
    TestRepeatedKeys,
    TestStreamedStatements,
    TestStreamingImport,
    test_streamed_rows_meet_the_tenants_rules_as_import_files_do,
    test_streaming_import_matches_import_file,
)
from finance_core.testing.contract_inputs import (
    TestEveryBadFieldIsListed,
    TestIntegersHaveRanges,
    TestTextIsRefusedAlike,
    test_input_clean_text_round_trips_and_dirty_text_is_refused,
)
from finance_core.testing.contract_pages import TestPagesWithoutTotal
from finance_core.testing.contract_planning import (
    TestBudgetStorage,
    TestPlanningUseCases,
    TestScheduleStorage,
    test_budget_spent_matches_a_plain_sum,
)
from finance_core.testing.contract_reports import (
    TestReports,
    test_report_balance_history_matches_balance_as_of,
    test_report_cashflow_matches_a_plain_sum,
    test_report_month_and_year_buckets_equal_summed_days,
    test_report_spending_by_category_and_month_matches_a_plain_sum,
)
from finance_core.testing.contract_rules import *  # noqa: F403
from finance_core.testing.contract_scope import TestRestoreIsAWrite, TestScopes
from finance_core.testing.contract_statements import (
    TestLocks,
    TestReconcile,
    TestStatementPortability,
    TestStatements,
)
from finance_core.testing.fixtures import (
    all_transactions,
    assert_invariant,
    balance,
    checking,
    clock,
    fresh_id,
    join,
    ledger,
    other_owner,
    owner,
    post,
    savings,
    snapshot,
)
from finance_core.testing.stateful import test_backend_agrees_with_memory_oracle

D = Decimal


class TestOpeningAccounts:
    def test_initial_balance_becomes_the_balance(self, ledger: Ledger, owner: Principal) -> None:
        """A new account's balance is its initial balance."""
        account = ledger.open_account(owner, "Card", "credit_card", initial_balance=D("-250.10"))
        assert ledger.get_account(owner, account.id).balance == D("-250.10")

    def test_currency_defaults_to_usd(self, ledger: Ledger, owner: Principal) -> None:
        """Without a currency the ledger's default (USD) is used."""
        assert ledger.open_account(owner, "Cash", "other").currency == "USD"

    def test_every_field_round_trips(self, ledger: Ledger, owner: Principal) -> None:
        """What was opened is exactly what is read back."""
        opened = ledger.open_account(
            owner,
            "  Yen wallet ",
            "savings",
            currency="JPY",
            initial_balance=5000,
            min_balance=-100,
        )
        read = ledger.get_account(owner, opened.id)
        assert read == opened
        assert (read.name, read.currency, read.min_balance) == ("Yen wallet", "JPY", D(-100))

    def test_accounts_list_in_id_order(self, ledger: Ledger, owner: Principal) -> None:
        """Listing returns every account, oldest first."""
        ids = [ledger.open_account(owner, f"A{i}", "checking").id for i in range(3)]
        assert [a.id for a in ledger.list_accounts(owner)] == ids

    def test_bad_fields_are_all_reported(self, ledger: Ledger, owner: Principal) -> None:
        """Every bad field is named in one error, and nothing is stored."""
        with pytest.raises(ValidationError) as info:
            ledger.open_account(owner, "  ", "piggy_bank", currency="usd")
        assert {e.field for e in info.value.errors} == {"name", "account_type", "currency"}
        assert ledger.list_accounts(owner) == []

    def test_more_decimals_than_the_currency_allows_is_rejected(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """JPY has no minor unit, so 1.5 yen is an error, never rounded."""
        with pytest.raises(ValidationError, match="decimals"):
            ledger.open_account(owner, "Yen", "checking", currency="JPY", initial_balance="1.5")

    def test_float_amounts_are_refused(self, ledger: Ledger, owner: Principal) -> None:
        """Floats are not exact, so the core will not take them."""
        with pytest.raises(ValidationError, match="float"):
            ledger.open_account(owner, "F", "checking", initial_balance=0.1)  # type: ignore[arg-type]

    def test_initial_balance_below_the_floor_is_a_rule_violation(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """An account cannot start below its own minimum balance."""
        with pytest.raises(BalanceRuleViolation):
            ledger.open_account(owner, "X", "checking", initial_balance=-1, min_balance=0)
        assert ledger.list_accounts(owner) == []

    def test_unknown_account_is_not_found(self, ledger: Ledger, owner: Principal) -> None:
        """Reading an id that does not exist raises NotFoundError."""
        with pytest.raises(NotFoundError):
            ledger.get_account(owner, 999_999)


class TestChangingAccounts:
    def test_rename_bumps_the_version(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Every write raises the version by one."""
        renamed = ledger.update_account(owner, checking.id, name="Main")
        assert (renamed.name, renamed.version) == ("Main", checking.version + 1)
        assert ledger.get_account(owner, checking.id) == renamed

    def test_stale_version_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A write that names an old version fails and changes nothing."""
        ledger.update_account(owner, checking.id, name="Main")
        with pytest.raises(StaleVersionError):
            ledger.update_account(
                owner, checking.id, name="Other", expected_version=checking.version
            )
        assert ledger.get_account(owner, checking.id).name == "Main"

    def test_floor_above_the_balance_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A minimum balance above the current balance would break the rule at once."""
        with pytest.raises(BalanceRuleViolation):
            ledger.update_account(owner, checking.id, min_balance=D("1000.01"))

    def test_floor_can_be_cleared(self, ledger: Ledger, owner: Principal) -> None:
        """min_balance=None removes the floor."""
        account = ledger.open_account(owner, "A", "checking", min_balance=0)
        assert ledger.update_account(owner, account.id, min_balance=None).min_balance is None

    def test_delete_removes_account_and_its_transactions(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Deleting an account deletes what was posted to it."""
        txn = post(ledger, owner, checking, "-5")
        ledger.delete_account(owner, checking.id)
        with pytest.raises(NotFoundError):
            ledger.get_transaction(owner, txn.id)
        assert ledger.list_accounts(owner) == []


class TestPostingTransactions:
    def test_posting_moves_the_balance(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """The balance changes by the amount, exactly."""
        post(ledger, owner, checking, "-12.34")
        post(ledger, owner, checking, "0.01")
        assert balance(ledger, owner, checking) == D("987.67")

    def test_zero_amount_is_allowed(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Banks report zero-amount lines; they are kept."""
        assert post(ledger, owner, checking, "0").amount == 0

    def test_every_field_round_trips(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """All optional fields, tag order and splits come back as written."""
        txn = post(
            ledger,
            owner,
            checking,
            "-30.00",
            description="Weekly shop",
            merchant="ACME",
            location="Main St",
            tags=["zeta", "alpha", "mid"],
            der_category="food",
            der_merchant="acme",
            external_id="bank-1",
            splits=[
                {"category": "food", "amount": "-20.00"},
                {"category": "home", "amount": "-10"},
            ],
        )
        read = ledger.get_transaction(owner, txn.id)
        assert read == txn
        assert read.tags == ("zeta", "alpha", "mid")
        assert [s.amount for s in read.splits] == [D("-20.00"), D("-10.00")]

    def test_missing_required_fields_are_all_named(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """amount, date and category are required; one error names all three."""
        with pytest.raises(ValidationError) as info:
            ledger.post_transaction(owner, checking.id)
        assert {e.field for e in info.value.errors} == {"amount", "date", "category"}

    def test_too_precise_amount_is_rejected_and_nothing_stored(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """0.001 USD is not a valid amount; the balance is untouched."""
        before = snapshot(ledger, owner)
        with pytest.raises(ValidationError):
            post(ledger, owner, checking, "0.001")
        assert snapshot(ledger, owner) == before

    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"tags": ["a"] * 2}, "tags"),
            ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
            ({"tags": ["x" * 51]}, "tags"),
            ({"description": "d" * 1001}, "description"),
            ({"merchant": "m" * 256}, "merchant"),
            ({"category": "c" * 101}, "category"),
            ({"external_id": "e" * 256}, "external_id"),
            ({"splits": [{"category": "a", "amount": "-1"}]}, "splits"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_bad_fields_are_rejected(
        self,
        ledger: Ledger,
        owner: Principal,
        checking: Account,
        extra: dict[str, object],
        field: str,
    ) -> None:
        """Limits on tags, text lengths and splits are enforced, naming the field."""
        with pytest.raises(ValidationError) as info:
            post(ledger, owner, checking, "-5", **extra)
        assert field in {e.field for e in info.value.errors}

    def test_external_id_is_unique_per_account(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """One account cannot hold an external_id twice; another account can."""
        post(ledger, owner, checking, "-1", external_id="x1")
        with pytest.raises(DuplicateError):
            post(ledger, owner, checking, "-1", external_id="x1")
        post(ledger, owner, savings, "1", external_id="x1")
        assert balance(ledger, owner, checking) == D("999.00")


class TestBatches:
    def test_batch_posts_all_and_reports_totals(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A batch returns its transactions, their total and the new balance."""
        items = [{"amount": D(-i), "date": date(2026, 1, i), "category": "c"} for i in range(1, 6)]
        result = ledger.post_batch(owner, checking.id, items)
        assert (result.count, result.total_amount, result.account_balance) == (
            5,
            D(-15),
            D("985.00"),
        )

    def test_one_bad_item_rejects_the_whole_batch(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """All or nothing: the error names the bad item and nothing is stored."""
        before = snapshot(ledger, owner)
        items = [
            {"amount": "-1", "date": "2026-01-01", "category": "c"},
            {"amount": "-1", "date": "not a date", "category": "c"},
        ]
        with pytest.raises(ValidationError, match=r"transactions\[1\]\.date"):
            ledger.post_batch(owner, checking.id, items)
        assert snapshot(ledger, owner) == before

    def test_batch_that_breaks_the_floor_stores_nothing(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """The rule sees the batch's whole effect."""
        account = ledger.open_account(owner, "A", "checking", initial_balance=10, min_balance=0)
        before = snapshot(ledger, owner)
        items = [{"amount": "-6", "date": "2026-01-01", "category": "c"}] * 2
        with pytest.raises(BalanceRuleViolation):
            ledger.post_batch(owner, account.id, items)
        assert snapshot(ledger, owner) == before

    def test_duplicate_external_ids_inside_one_batch_are_refused(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Two items with one external_id cannot both be stored."""
        items = [{"amount": "-1", "date": "2026-01-01", "category": "c", "external_id": "e"}] * 2
        with pytest.raises(DuplicateError):
            ledger.post_batch(owner, checking.id, items)


class TestChangingTransactions:
    def test_new_amount_moves_the_balance_by_the_difference(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Changing -10 to -25 takes 15 more from the balance."""
        txn = post(ledger, owner, checking, "-10")
        updated = ledger.update_transaction(owner, txn.id, {"amount": "-25"})
        assert balance(ledger, owner, checking) == D("975.00")
        assert updated.version == txn.version + 1

    def test_none_clears_an_optional_field(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Setting merchant to None removes it."""
        txn = post(ledger, owner, checking, "-1", merchant="ACME")
        assert ledger.update_transaction(owner, txn.id, {"merchant": None}).merchant is None

    def test_category_cannot_be_cleared(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """category is required, so None is an error."""
        txn = post(ledger, owner, checking, "-1")
        with pytest.raises(ValidationError):
            ledger.update_transaction(owner, txn.id, {"category": None})

    def test_stale_version_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """An update naming an old version fails and changes nothing."""
        txn = post(ledger, owner, checking, "-1")
        ledger.update_transaction(owner, txn.id, {"category": "food"})
        with pytest.raises(StaleVersionError):
            ledger.update_transaction(owner, txn.id, {"amount": "-2"}, expected_version=txn.version)
        assert balance(ledger, owner, checking) == D("999.00")

    def test_move_to_another_account(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Moving takes the amount off one balance and puts it on the other."""
        txn = post(ledger, owner, checking, "-40")
        moved = ledger.update_transaction(owner, txn.id, {"account_id": savings.id})
        assert moved.account_id == savings.id
        assert balance(ledger, owner, checking) == D("1000.00")
        assert balance(ledger, owner, savings) == D("-40.00")

    def test_move_across_currencies_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A USD amount cannot land in a EUR account."""
        euros = ledger.open_account(owner, "Euro", "checking", currency="EUR")
        txn = post(ledger, owner, checking, "-1")
        with pytest.raises(ValidationError, match="EUR"):
            ledger.update_transaction(owner, txn.id, {"account_id": euros.id})

    def test_delete_gives_the_amount_back(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Deleting a transaction reverses its effect on the balance."""
        txn = post(ledger, owner, checking, "-99.99")
        ledger.delete_transaction(owner, txn.id)
        assert balance(ledger, owner, checking) == D("1000.00")
        with pytest.raises(NotFoundError):
            ledger.get_transaction(owner, txn.id)


class TestTransfers:
    def test_transfer_creates_two_linked_legs(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Money leaves one account and arrives in the other."""
        result = ledger.create_transfer(owner, checking.id, savings.id, "250.00", "2026-01-05")
        assert (result.from_transaction.amount, result.to_transaction.amount) == (D(-250), D(250))
        assert result.from_transaction.transfer_id == result.transfer.id
        assert balance(ledger, owner, checking) == D(750)
        assert balance(ledger, owner, savings) == D(250)
        assert ledger.get_transfer(owner, result.transfer.id) == result

    def test_cross_currency_needs_the_received_amount(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """USD to EUR without to_amount is an error naming to_amount."""
        euros = ledger.open_account(owner, "Euro", "checking", currency="EUR")
        with pytest.raises(ValidationError, match="to_amount"):
            ledger.create_transfer(owner, checking.id, euros.id, "100", "2026-01-05")
        result = ledger.create_transfer(
            owner, checking.id, euros.id, "100", "2026-01-05", to_amount="91.37"
        )
        assert balance(ledger, owner, euros) == D("91.37")
        assert result.transfer.to_amount == D("91.37")

    def test_deleting_the_transfer_deletes_both_legs(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Both balances return to where they were."""
        result = ledger.create_transfer(owner, checking.id, savings.id, "10", "2026-01-05")
        ledger.delete_transfer(owner, result.transfer.id)
        assert (balance(ledger, owner, checking), balance(ledger, owner, savings)) == (
            D(1000),
            D(0),
        )
        assert all_transactions(ledger, owner) == []

    def test_deleting_a_transfer_checks_its_version(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """A stale transfer version refuses the delete; the current one deletes."""
        result = ledger.create_transfer(owner, checking.id, savings.id, "10", "2026-01-05")
        ledger.update_transaction(owner, result.to_transaction.id, {"category": "moved"})
        with pytest.raises(StaleVersionError):
            ledger.delete_transfer(owner, result.transfer.id, expected_version=result.version)
        current = ledger.get_transfer(owner, result.transfer.id)
        assert current.version > result.version
        ledger.delete_transfer(owner, result.transfer.id, expected_version=current.version)
        assert all_transactions(ledger, owner) == []

    def test_deleting_one_leg_deletes_the_transfer(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Legs are deleted together."""
        result = ledger.create_transfer(owner, checking.id, savings.id, "10", "2026-01-05")
        ledger.delete_transaction(owner, result.to_transaction.id)
        with pytest.raises(NotFoundError):
            ledger.get_transfer(owner, result.transfer.id)
        assert all_transactions(ledger, owner) == []

    def test_changing_a_leg_changes_both(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """A new amount and date on one leg are mirrored on the other."""
        result = ledger.create_transfer(owner, checking.id, savings.id, "10", "2026-01-05")
        ledger.update_transaction(
            owner, result.from_transaction.id, {"amount": "-30", "date": "2026-01-06"}
        )
        partner = ledger.get_transaction(owner, result.to_transaction.id)
        assert (partner.amount, partner.date) == (D(30), date(2026, 1, 6))
        assert ledger.get_transfer(owner, result.transfer.id).transfer.amount == D(30)
        assert balance(ledger, owner, savings) == D(30)

    def test_a_leg_cannot_move_to_another_account(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Moving a leg would unlink the transfer, so it is refused."""
        third = ledger.open_account(owner, "Third", "checking")
        result = ledger.create_transfer(owner, checking.id, savings.id, "10", "2026-01-05")
        with pytest.raises(ValidationError):
            ledger.update_transaction(owner, result.to_transaction.id, {"account_id": third.id})

    def test_transfer_beyond_the_floor_stores_nothing(
        self, ledger: Ledger, owner: Principal, savings: Account
    ) -> None:
        """The source's min_balance applies to transfers."""
        source = ledger.open_account(owner, "S", "checking", initial_balance=5, min_balance=0)
        before = snapshot(ledger, owner)
        with pytest.raises(BalanceRuleViolation):
            ledger.create_transfer(owner, source.id, savings.id, "5.01", "2026-01-05")
        assert snapshot(ledger, owner) == before

    def test_deleting_an_account_removes_its_transfers_from_the_other_side(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """The partner account loses the leg and its balance follows."""
        ledger.create_transfer(owner, checking.id, savings.id, "100", "2026-01-05")
        ledger.delete_account(owner, checking.id)
        assert balance(ledger, owner, savings) == D(0)
        assert all_transactions(ledger, owner) == []

    def test_same_account_is_refused(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A transfer needs two different accounts."""
        with pytest.raises(ValidationError):
            ledger.create_transfer(owner, checking.id, checking.id, "1", "2026-01-05")

    def test_amount_must_be_positive(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Direction comes from the accounts, so the amount is positive."""
        with pytest.raises(ValidationError):
            ledger.create_transfer(owner, checking.id, savings.id, "-1", "2026-01-05")


class TestBalanceRules:
    @pytest.fixture
    def floored(self, ledger: Ledger, owner: Principal) -> Account:
        return ledger.open_account(owner, "Floored", "checking", initial_balance=100, min_balance=0)

    def test_withdrawal_to_exactly_the_floor_is_allowed(
        self, ledger: Ledger, owner: Principal, floored: Account
    ) -> None:
        """The floor itself is a valid balance."""
        post(ledger, owner, floored, "-100")
        assert balance(ledger, owner, floored) == 0

    def test_violation_names_rule_account_and_balance(
        self, ledger: Ledger, owner: Principal, floored: Account
    ) -> None:
        """The error says which rule, which account and the balance it would have made."""
        with pytest.raises(BalanceRuleViolation) as info:
            post(ledger, owner, floored, "-100.01")
        assert (info.value.rule, info.value.account_id, info.value.balance) == (
            "min_balance",
            floored.id,
            D("-0.01"),
        )

    def test_update_that_breaks_the_floor_changes_nothing(
        self, ledger: Ledger, owner: Principal, floored: Account
    ) -> None:
        """Updates are checked like posts."""
        txn = post(ledger, owner, floored, "-50")
        before = snapshot(ledger, owner)
        with pytest.raises(BalanceRuleViolation):
            ledger.update_transaction(owner, txn.id, {"amount": "-150"})
        assert snapshot(ledger, owner) == before

    def test_deleting_a_deposit_that_funds_spending_is_refused(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """Removing money is a balance change too."""
        account = ledger.open_account(owner, "A", "checking", min_balance=0)
        deposit = post(ledger, owner, account, "50")
        post(ledger, owner, account, "-40")
        with pytest.raises(BalanceRuleViolation):
            ledger.delete_transaction(owner, deposit.id)

    def test_moving_a_deposit_out_is_checked(
        self, ledger: Ledger, owner: Principal, floored: Account, savings: Account
    ) -> None:
        """A move is checked on the account it leaves."""
        post(ledger, owner, floored, "-100")
        deposit = post(ledger, owner, savings, "10")
        spend = post(ledger, owner, savings, "-5")
        with pytest.raises(BalanceRuleViolation):
            ledger.update_transaction(owner, spend.id, {"account_id": floored.id})
        assert deposit.id

    def test_plugin_rule_is_enforced(
        self, contract_storage: object, clock: FakeClock, owner: Principal
    ) -> None:
        """A rule added by a plugin (no future dates) rejects a write."""
        strict = Ledger(contract_storage, clock=clock, rules=(*BUILTIN_RULES, NoFutureDatedRule()))  # type: ignore[arg-type]
        account = strict.open_account(owner, "A", "checking")
        with pytest.raises(BalanceRuleViolation, match="no_future_dates"):
            post(strict, owner, account, "-1", date="2026-01-16")
        post(strict, owner, account, "-1", date="2026-01-15")


class TestBalances:
    def test_balance_as_of_counts_that_whole_day(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """The as-of balance includes transactions dated on the day, not after."""
        post(ledger, owner, checking, "-1", date="2026-01-01")
        post(ledger, owner, checking, "-2", date="2026-01-02")
        post(ledger, owner, checking, "-4", date="2026-01-03")
        assert ledger.balance_as_of(owner, checking.id, date(2026, 1, 2)) == D(997)
        assert ledger.balance_as_of(owner, checking.id, date(2025, 12, 31)) == D(1000)

    def test_recompute_reports_no_drift_on_healthy_books(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Balances kept by every write need no correction."""
        post(ledger, owner, checking, "-3")
        ledger.create_transfer(owner, checking.id, savings.id, "7", "2026-01-03")
        assert ledger.recompute_balances(owner) == []
        assert_invariant(ledger, owner)

    def test_extreme_amounts_are_exact(self, ledger: Ledger, owner: Principal) -> None:
        """Values near the 10^14 limit keep every digit."""
        account = ledger.open_account(owner, "Big", "investment", currency="BHD")
        post(ledger, owner, account, "99999999999.999")
        post(ledger, owner, account, "-0.001")
        assert balance(ledger, owner, account) == D("99999999999.998")


class TestQueries:
    @pytest.fixture
    def rows(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> dict[str, int]:
        spec = {
            "shop": (
                checking,
                "-20",
                "2026-01-03",
                "groceries",
                "ACME Market",
                ["food"],
                "weekly shop",
            ),
            "fish": (checking, "-35", "2026-01-04", "groceries", "Harbour", ["seafood"], None),
            "rent": (checking, "-700", "2026-01-01", "rent", None, ["home"], "January rent"),
            "pay": (
                savings,
                "2500",
                "2026-01-02",
                "salary",
                "Employer Inc",
                ["work", "food"],
                None,
            ),
        }
        out = {}
        for key, (acct, amount, day, cat, merchant, tags, desc) in spec.items():
            out[key] = post(
                ledger, owner, acct, amount, date=day, category=cat, merchant=merchant,
                tags=tags, description=desc, der_category=cat.upper(), der_merchant=merchant,
            ).id  # fmt: skip
        return out

    def ids(self, ledger: Ledger, who: Principal, **kw: object) -> list[int]:
        return [t.id for t in ledger.list_transactions(who, TransactionFilter(**kw)).items]  # type: ignore[arg-type]

    def test_order_is_date_then_id_descending(
        self, ledger: Ledger, owner: Principal, rows: dict[str, int]
    ) -> None:
        """Newest first; same-day rows by id, newest first."""
        assert self.ids(ledger, owner) == [rows["fish"], rows["shop"], rows["pay"], rows["rent"]]

    def test_filter_by_account(
        self, ledger: Ledger, owner: Principal, rows: dict[str, int], savings: Account
    ) -> None:
        """account_id keeps one account's rows."""
        assert self.ids(ledger, owner, account_id=savings.id) == [rows["pay"]]

    def test_date_range_is_inclusive(
        self, ledger: Ledger, owner: Principal, rows: dict[str, int]
    ) -> None:
        """Both ends of the range are included."""
        got = self.ids(ledger, owner, start_date=date(2026, 1, 2), end_date=date(2026, 1, 3))
        assert got == [rows["shop"], rows["pay"]]

    def test_category_is_exact(
        self, ledger: Ledger, owner: Principal, rows: dict[str, int]
    ) -> None:
        """category matches whole values only."""
        assert self.ids(ledger, owner, category="rent") == [rows["rent"]]
        assert self.ids(ledger, owner, category="ren") == []

    def test_merchant_is_a_case_insensitive_substring(
        self, ledger: Ledger, owner: Principal, rows: dict[str, int]
    ) -> None:
        """'acme' finds 'ACME Market'."""
        assert self.ids(ledger, owner, merchant="acme") == [rows["shop"]]

    def test_tags_match_exactly_any_of(
        self, ledger: Ledger, owner: Principal, rows: dict[str, int]
    ) -> None:
        """'food' matches food, never seafood; several tags mean any of them."""
        assert self.ids(ledger, owner, tags=("food",)) == [rows["shop"], rows["pay"]]
        assert self.ids(ledger, owner, tags=("seafood", "home")) == [rows["fish"], rows["rent"]]

    def test_derived_fields(self, ledger: Ledger, owner: Principal, rows: dict[str, int]) -> None:
        """der_category is exact, der_merchant a substring."""
        assert self.ids(ledger, owner, der_category="SALARY") == [rows["pay"]]
        assert self.ids(ledger, owner, der_merchant="harb") == [rows["fish"]]

    def test_amount_range(self, ledger: Ledger, owner: Principal, rows: dict[str, int]) -> None:
        """min_amount and max_amount are inclusive."""
        got = self.ids(ledger, owner, min_amount=D(-35), max_amount=D(-20))
        assert got == [rows["fish"], rows["shop"]]

    def test_free_text_searches_description_and_merchant(
        self, ledger: Ledger, owner: Principal, rows: dict[str, int]
    ) -> None:
        """text matches either field, case-insensitively."""
        assert self.ids(ledger, owner, text="JANUARY") == [rows["rent"]]
        assert self.ids(ledger, owner, text="employer") == [rows["pay"]]

    def test_filters_combine(self, ledger: Ledger, owner: Principal, rows: dict[str, int]) -> None:
        """All given filters must match."""
        assert self.ids(ledger, owner, category="groceries", tags=("food",)) == [rows["shop"]]

    def test_unknown_account_is_not_found(self, ledger: Ledger, owner: Principal) -> None:
        """Filtering by an account the tenant does not have is NotFoundError."""
        with pytest.raises(NotFoundError):
            ledger.list_transactions(owner, TransactionFilter(account_id=424242))


class TestPagination:
    @pytest.fixture
    def seven(self, ledger: Ledger, owner: Principal, checking: Account) -> list[int]:
        days = [
            "2026-01-01",
            "2026-01-03",
            "2026-01-03",
            "2026-01-02",
            "2026-01-05",
            "2026-01-03",
            "2026-01-04",
        ]
        for day in days:
            post(ledger, owner, checking, "-1", date=day)
        return [t.id for t in all_transactions(ledger, owner)]

    def test_offset_pages_carry_the_total(
        self, ledger: Ledger, owner: Principal, seven: list[int]
    ) -> None:
        """Offset pagination slices the ordered rows and counts them all."""
        page = ledger.list_transactions(owner, page=PageRequest(limit=3, offset=3))
        assert [t.id for t in page.items] == seven[3:6]
        assert page.total == 7

    def test_cursor_walks_every_row_once(
        self, ledger: Ledger, owner: Principal, seven: list[int]
    ) -> None:
        """Following next_cursor yields the same rows as one big page."""
        seen: list[int] = []
        cursor = None
        while True:
            page = ledger.list_transactions(owner, page=PageRequest(limit=2, cursor=cursor))
            seen += [t.id for t in page.items]
            if page.next_cursor is None:
                break
            cursor = Cursor.decode(page.next_cursor)
        assert seen == seven

    def test_last_page_has_no_cursor(
        self, ledger: Ledger, owner: Principal, seven: list[int]
    ) -> None:
        """A page that reaches the end says so."""
        assert ledger.list_transactions(owner, page=PageRequest(limit=7)).next_cursor is None

    def test_garbage_cursor_is_a_validation_error(self) -> None:
        """A cursor this service did not issue is refused with advice."""
        with pytest.raises(ValidationError, match="cursor"):
            Cursor.decode("not-a-cursor!")

    @pytest.mark.parametrize("limit", [0, 1001])
    def test_limit_bounds(self, limit: int) -> None:
        """Page sizes run from 1 to 1000."""
        with pytest.raises(ValidationError, match="limit"):
            PageRequest(limit=limit)


class TestTenantIsolation:
    @pytest.fixture
    def theirs(self, ledger: Ledger, other_owner: Principal) -> dict[str, int]:
        # Ids are only unique per tenant, so push theirs past anything a test makes
        # here: a guessed id must fail because of the tenant, not because it is unused.
        filler = ledger.open_account(other_owner, "Filler", "checking")
        ledger.open_account(other_owner, "Filler 2", "checking")
        for _ in range(3):
            ledger.create_transfer(other_owner, filler.id, filler.id + 1, "1", "2026-01-01")
        a = ledger.open_account(other_owner, "Theirs", "checking", initial_balance=50)
        b = ledger.open_account(other_owner, "Theirs 2", "savings")
        txn = post(ledger, other_owner, a, "-5")
        transfer = ledger.create_transfer(other_owner, a.id, b.id, "1", "2026-01-02")
        return {"account": a.id, "transaction": txn.id, "transfer": transfer.transfer.id}

    def test_reads_of_another_tenants_ids_are_not_found(
        self, ledger: Ledger, owner: Principal, theirs: dict[str, int]
    ) -> None:
        """Another tenant's ids look exactly like ids that do not exist."""
        for call in (
            lambda: ledger.get_account(owner, theirs["account"]),
            lambda: ledger.get_transaction(owner, theirs["transaction"]),
            lambda: ledger.get_transfer(owner, theirs["transfer"]),
            lambda: ledger.balance_as_of(owner, theirs["account"], date(2026, 1, 1)),
            lambda: ledger.list_transactions(
                owner, TransactionFilter(account_id=theirs["account"])
            ),
        ):
            with pytest.raises(NotFoundError):
                call()

    def test_writes_to_another_tenants_ids_change_nothing(
        self, ledger: Ledger, owner: Principal, other_owner: Principal, theirs: dict[str, int]
    ) -> None:
        """Updates, deletes, posts and transfers against their ids all fail."""
        mine = ledger.open_account(owner, "Mine", "checking")
        before = snapshot(ledger, other_owner)
        for call in (
            lambda: ledger.update_account(owner, theirs["account"], name="pwned"),
            lambda: ledger.delete_account(owner, theirs["account"]),
            lambda: post(ledger, owner, theirs["account"], "1"),
            lambda: ledger.update_transaction(owner, theirs["transaction"], {"amount": "1"}),
            lambda: ledger.delete_transaction(owner, theirs["transaction"]),
            lambda: ledger.delete_transfer(owner, theirs["transfer"]),
            lambda: ledger.create_transfer(owner, mine.id, theirs["account"], "1", "2026-01-01"),
        ):
            with pytest.raises(NotFoundError):
                call()
        assert snapshot(ledger, other_owner) == before

    def test_moving_into_another_tenants_account_is_not_found(
        self, ledger: Ledger, owner: Principal, checking: Account, theirs: dict[str, int]
    ) -> None:
        """A transaction cannot be moved across tenants."""
        txn = post(ledger, owner, checking, "-1")
        with pytest.raises(NotFoundError):
            ledger.update_transaction(owner, txn.id, {"account_id": theirs["account"]})

    def test_listings_and_counts_see_only_own_rows(
        self, ledger: Ledger, owner: Principal, theirs: dict[str, int]
    ) -> None:
        """A new tenant sees no accounts, no transactions and a total of zero."""
        assert ledger.list_accounts(owner) == []
        assert ledger.list_transactions(owner).total == 0


class TestRoles:
    def test_viewer_reads_but_cannot_write(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Viewers are read-only, and a refused write stores nothing."""
        viewer = join(ledger, owner, Role.VIEWER)
        assert ledger.get_account(viewer, checking.id) == checking
        before = snapshot(ledger, owner)
        with pytest.raises(PermissionDeniedError):
            post(ledger, viewer, checking, "-1")
        with pytest.raises(PermissionDeniedError):
            ledger.open_account(viewer, "V", "checking")
        assert snapshot(ledger, owner) == before

    def test_member_writes_but_cannot_manage_members(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Members keep the books; only admins and owners manage people."""
        member = join(ledger, owner, Role.MEMBER)
        post(ledger, member, checking, "-1")
        with pytest.raises(PermissionDeniedError):
            ledger.add_member(member, fresh_id("u"))

    def test_admin_adds_members_but_not_owners(self, ledger: Ledger, owner: Principal) -> None:
        """Only an owner may invite another owner."""
        admin = join(ledger, owner, Role.ADMIN)
        ledger.add_member(admin, fresh_id("u"), Role.VIEWER)
        with pytest.raises(PermissionDeniedError):
            ledger.add_member(admin, fresh_id("u"), Role.OWNER)
        ledger.add_member(owner, fresh_id("u"), Role.OWNER)

    def test_adding_a_member_twice_is_a_conflict(self, ledger: Ledger, owner: Principal) -> None:
        """A user is a member of a tenant at most once."""
        user = fresh_id("u")
        ledger.add_member(owner, user)
        with pytest.raises(DuplicateError):
            ledger.add_member(owner, user)

    def test_only_an_owner_changes_roles(self, ledger: Ledger, owner: Principal) -> None:
        """Admins cannot change roles; owners can."""
        admin = join(ledger, owner, Role.ADMIN)
        member = join(ledger, owner, Role.MEMBER)
        target = next(m for m in ledger.list_members(owner) if m.auth_user_id == member.user_id)
        with pytest.raises(PermissionDeniedError):
            ledger.change_role(admin, target.user_id, Role.VIEWER)
        assert ledger.change_role(owner, target.user_id, Role.VIEWER).role is Role.VIEWER

    def test_nobody_changes_their_own_role(self, ledger: Ledger, owner: Principal) -> None:
        """Not even an owner."""
        me = next(m for m in ledger.list_members(owner) if m.auth_user_id == owner.user_id)
        with pytest.raises(PermissionDeniedError):
            ledger.change_role(owner, me.user_id, Role.ADMIN)

    def test_an_owner_cannot_be_removed(self, ledger: Ledger, owner: Principal) -> None:
        """Admins cannot remove the owner."""
        admin = join(ledger, owner, Role.ADMIN)
        me = next(m for m in ledger.list_members(owner) if m.auth_user_id == owner.user_id)
        with pytest.raises(PermissionDeniedError):
            ledger.remove_member(admin, me.user_id)

    def test_admin_removes_a_member(self, ledger: Ledger, owner: Principal) -> None:
        """Removal takes the membership away."""
        admin = join(ledger, owner, Role.ADMIN)
        member = join(ledger, owner, Role.MEMBER)
        target = next(m for m in ledger.list_members(owner) if m.auth_user_id == member.user_id)
        ledger.remove_member(admin, target.user_id)
        assert member.user_id not in {m.auth_user_id for m in ledger.list_members(owner)}

    def test_only_an_owner_renames_the_tenant(self, ledger: Ledger, owner: Principal) -> None:
        """Admins cannot rename."""
        admin = join(ledger, owner, Role.ADMIN)
        with pytest.raises(PermissionDeniedError):
            ledger.rename_tenant(admin, "New")
        assert ledger.rename_tenant(owner, "New").name == "New"


class TestProvisioning:
    def test_first_caller_creates_the_tenant_as_owner(self, ledger: Ledger) -> None:
        """An unknown tenant is created on first contact."""
        tenant, user = fresh_id(), fresh_id("u")
        principal, _ = ledger.provision(tenant, user, None)
        assert principal.role is Role.OWNER
        assert ledger.get_tenant(principal).id == tenant

    def test_role_claim_joins_an_existing_tenant(self, ledger: Ledger, owner: Principal) -> None:
        """A caller with a role claim becomes a member with that role."""
        principal, _ = ledger.provision(owner.tenant_id, fresh_id("u"), Role.MEMBER)
        assert principal.role is Role.MEMBER

    def test_no_claim_and_no_membership_is_refused(self, ledger: Ledger, owner: Principal) -> None:
        """Without a role claim a stranger cannot join."""
        with pytest.raises(PermissionDeniedError):
            ledger.provision(owner.tenant_id, fresh_id("u"), None)

    def test_stored_role_wins_over_the_claim(self, ledger: Ledger, owner: Principal) -> None:
        """After an owner demotes someone, their token's claim no longer counts."""
        user = fresh_id("u")
        _, created = ledger.provision(owner.tenant_id, user, Role.ADMIN)
        ledger.change_role(owner, created.id, Role.VIEWER)
        principal, _ = ledger.provision(owner.tenant_id, user, Role.ADMIN)
        assert principal.role is Role.VIEWER

    def test_tenants_of_lists_every_membership(
        self, ledger: Ledger, owner: Principal, other_owner: Principal
    ) -> None:
        """One user can belong to several tenants."""
        ledger.add_member(other_owner, owner.user_id, Role.VIEWER)
        tenants = {t.id: m.role for t, m in ledger.tenants_of(owner)}
        assert tenants == {owner.tenant_id: Role.OWNER, other_owner.tenant_id: Role.VIEWER}


class TestIdempotencyRecords:
    def test_a_key_is_reserved_once(self, contract_storage: object, clock: FakeClock) -> None:
        """The second reservation of a key is a DuplicateError."""
        tenant = fresh_id()
        record = IdempotencyRecord("key-1", "hash", clock())
        with contract_storage.unit_of_work(tenant) as uow:  # type: ignore[attr-defined]
            uow.idempotency.add(record)
            uow.commit()
        with pytest.raises(DuplicateError), contract_storage.unit_of_work(tenant) as uow:  # type: ignore[attr-defined]
            uow.idempotency.add(record)
        with contract_storage.unit_of_work(tenant) as uow:  # type: ignore[attr-defined]
            assert uow.idempotency.get("key-1") == record

    def test_completed_records_and_purging(
        self, contract_storage: object, clock: FakeClock
    ) -> None:
        """A stored response comes back; purge forgets keys older than the cutoff."""
        tenant = fresh_id()
        done = IdempotencyRecord("k", "h", clock(), 201, '{"id": 1}')
        with contract_storage.unit_of_work(tenant) as uow:  # type: ignore[attr-defined]
            uow.idempotency.add(IdempotencyRecord("k", "h", clock()))
            uow.idempotency.update(done)
            uow.commit()
        with contract_storage.unit_of_work(tenant) as uow:  # type: ignore[attr-defined]
            assert uow.idempotency.get("k") == done
            clock.advance(days=2)
            assert uow.idempotency.purge_before(clock()) == 1
            uow.commit()
        with contract_storage.unit_of_work(tenant) as uow:  # type: ignore[attr-defined]
            assert uow.idempotency.get("k") is None


class TestPortability:
    def test_dump_and_restore_reproduce_the_books(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """A restored tenant has the same accounts, balances, transactions and transfers."""
        post(ledger, owner, checking, "-12.30", tags=["b", "a"], merchant="M", external_id="e1")
        post(ledger, owner, checking, "-20", splits=[{"category": "x", "amount": "-20"}])
        ledger.create_transfer(owner, checking.id, savings.id, "100", "2026-01-08", description="d")
        original = ledger.export_data(owner)
        tenant = fresh_id()
        target = ledger.create_tenant(tenant, "Copy", owner=owner.user_id)
        ledger.restore(target, original)
        copy = ledger.export_data(target)

        def strip(data: TenantData) -> TenantData:
            return TenantData(
                tuple(attrs.evolve(a, tenant_id="", created_by=None) for a in data.accounts),
                tuple(attrs.evolve(t, tenant_id="") for t in data.transactions),
                tuple(attrs.evolve(t, tenant_id="") for t in data.transfers),
            )

        assert strip(copy) == strip(original)
        assert ledger.recompute_balances(target) == []

    def test_restore_needs_an_empty_tenant(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Restoring over existing accounts is refused and changes nothing."""
        data = ledger.export_data(owner)
        before = snapshot(ledger, owner)
        with pytest.raises(ConflictError):
            ledger.restore(owner, data)
        assert snapshot(ledger, owner) == before

    def test_inconsistent_documents_are_refused(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A balance that does not add up is named, and nothing is written."""
        data = ledger.export_data(owner)
        broken = TenantData(
            (attrs.evolve(data.accounts[0], balance=D(1)),), data.transactions, data.transfers
        )
        target = ledger.create_tenant(fresh_id(), "Copy", owner=fresh_id("u"))
        with pytest.raises(ValidationError, match="balance"):
            ledger.restore(target, broken)
        assert ledger.list_accounts(target) == []


class TestUnitOfWork:
    def test_leaving_without_commit_stores_nothing(self, ledger: Ledger, owner: Principal) -> None:
        """Rollback is the default."""
        storage = ledger.storage
        with storage.unit_of_work(owner.tenant_id) as uow:
            uow.allocate_ids("account")
            tenant = uow.tenant.get()
            assert tenant is not None
            uow.tenant.update(
                tenant.__class__(tenant.id, "Changed", tenant.created_at, tenant.updated_at)
            )
        assert ledger.get_tenant(owner).name == "The Household"

    def test_ids_are_positive_and_unique(self, ledger: Ledger, owner: Principal) -> None:
        """Allocated ids never repeat within a tenant."""
        with ledger.storage.unit_of_work(owner.tenant_id) as uow:
            first = uow.allocate_ids("transaction", 3)
            second = uow.allocate_ids("transaction", 2)
            uow.commit()
        ids = [*first, *second]
        assert len(set(ids)) == 5
        assert min(ids) >= 1


__all__ = [
    "TestBalanceRules",
    "TestBalances",
    "TestBatches",
    "TestBudgetStorage",
    "TestChangingAccounts",
    "TestChangingTransactions",
    "TestEvents",
    "TestEveryBadFieldIsListed",
    "TestIdempotencyRecords",
    "TestIntegersHaveRanges",
    "TestLocks",
    "TestOpeningAccounts",
    "TestPagesWithoutTotal",
    "TestPagination",
    "TestPlanningUseCases",
    "TestPortability",
    "TestPostingTransactions",
    "TestProvisioning",
    "TestQueries",
    "TestReconcile",
    "TestRepeatedKeys",
    "TestReports",
    "TestRestoreIsAWrite",
    "TestRoles",
    "TestScheduleStorage",
    "TestScopes",
    "TestStatementPortability",
    "TestStatements",
    "TestStreamedStatements",
    "TestStreamingImport",
    "TestTenantIsolation",
    "TestTextIsRefusedAlike",
    "TestTransfers",
    "TestUnitOfWork",
    "checking",
    "clock",
    "ledger",
    "other_owner",
    "owner",
    "savings",
    "test_backend_agrees_with_memory_oracle",
    "test_budget_spent_matches_a_plain_sum",
    "test_input_clean_text_round_trips_and_dirty_text_is_refused",
    "test_report_balance_history_matches_balance_as_of",
    "test_report_cashflow_matches_a_plain_sum",
    "test_report_month_and_year_buckets_equal_summed_days",
    "test_report_spending_by_category_and_month_matches_a_plain_sum",
    "test_streamed_rows_meet_the_tenants_rules_as_import_files_do",
    "test_streaming_import_matches_import_file",
]
__all__ += contract_rules.__all__
