"""Contract: use cases share one unit of work per scope, and restore is a write like any other.

Runs against every backend (imported by ``finance_core.testing.contract``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs
import pytest

from finance_core.accounts import Account
from finance_core.errors import BalanceRuleViolation, ValidationError
from finance_core.events import Event, EventKind
from finance_core.portability import TenantData
from finance_core.ports import Storage, UnitOfWork
from finance_core.scope import ScopeFailedError
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.clock import FakeClock
from finance_core.testing.fixtures import fresh_id

D = Decimal


class Heard:
    """An after-commit listener that remembers what it was told."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, tenant_id: str, events: Sequence[Event]) -> None:
        self.events.extend(events)

    def kinds(self) -> list[EventKind]:
        return [e.kind for e in self.events]


def _listening(storage: Storage) -> tuple[Ledger, Heard]:
    heard = Heard()
    return Ledger(storage, clock=FakeClock(), on_commit=heard), heard


class CountingStorage:
    """A storage that records every unit of work asked of it, and is otherwise the real one."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.opened: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> UnitOfWork:
        self.opened.append(tenant_id)
        return self.inner.unit_of_work(tenant_id, readonly=readonly)


def _counting(storage: Storage) -> tuple[Ledger, CountingStorage]:
    counting = CountingStorage(storage)
    return Ledger(counting, clock=FakeClock()), counting  # type: ignore[arg-type]


class TestScopes:
    def test_services_in_a_scope_share_its_unit_of_work(self, contract_storage: Storage) -> None:
        """Every service called inside a scope uses the scope's one unit of work."""
        ledger, counting = _counting(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        account = ledger.open_account(owner, "Main", initial_balance=D(10))
        opened = counting.opened
        opened.clear()
        with ledger.scope(owner.tenant_id, readonly=False) as scope:
            ledger.post_transaction(
                owner, account.id, amount=D(-3), date=date(2026, 1, 2), category="c"
            )
            assert ledger.get_account(owner, account.id).balance == D(7)
            scope.uow.commit()
        assert opened == [owner.tenant_id]
        assert ledger.get_account(owner, account.id).balance == D(7)

    def test_a_scope_left_without_commit_stores_nothing(self, contract_storage: Storage) -> None:
        """Inner services' commits are deferred: without the owner's commit nothing is kept."""
        ledger, heard = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        account = ledger.open_account(owner, "Main", initial_balance=D(10))
        heard.events.clear()
        with ledger.scope(owner.tenant_id, readonly=False):
            ledger.post_transaction(
                owner, account.id, amount=D(-3), date=date(2026, 1, 2), category="c"
            )
        assert ledger.get_account(owner, account.id).balance == D(10)
        assert heard.events == []

    def test_events_are_sent_once_after_the_scope_commits(self, contract_storage: Storage) -> None:
        """After-commit plugins hear of a scope's writes only when its commit has happened."""
        ledger, heard = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        account = ledger.open_account(owner, "Main", initial_balance=D(10))
        heard.events.clear()
        with ledger.scope(owner.tenant_id, readonly=False) as scope:
            ledger.post_transaction(
                owner, account.id, amount=D(-3), date=date(2026, 1, 2), category="c"
            )
            assert heard.events == []
            scope.uow.commit()
            assert heard.events == []
        assert heard.kinds() == [EventKind.TRANSACTION_POSTED]

    def test_a_failed_step_makes_the_scope_uncommittable(self, contract_storage: Storage) -> None:
        """When a use case inside a scope fails, the scope refuses to commit its other writes."""
        ledger, _ = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        account = ledger.open_account(owner, "Main", initial_balance=D(10), min_balance=D(0))
        with ledger.scope(owner.tenant_id, readonly=False) as scope:
            ledger.post_transaction(
                owner, account.id, amount=D(-3), date=date(2026, 1, 2), category="c"
            )
            with pytest.raises(BalanceRuleViolation):
                ledger.post_transaction(
                    owner, account.id, amount=D(-30), date=date(2026, 1, 3), category="c"
                )
            with pytest.raises(ScopeFailedError, match="failed"):
                scope.uow.commit()
        assert ledger.get_account(owner, account.id).balance == D(10)

    def test_a_read_only_scope_refuses_writes(self, contract_storage: Storage) -> None:
        """A write inside a read-only scope is a programming error, and nothing is written."""
        ledger, _ = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        account = ledger.open_account(owner, "Main", initial_balance=D(10))
        with (
            ledger.scope(owner.tenant_id, readonly=True),
            pytest.raises(RuntimeError, match="read-only scope"),
        ):
            ledger.post_transaction(
                owner, account.id, amount=D(-3), date=date(2026, 1, 2), category="c"
            )
        assert ledger.get_account(owner, account.id).balance == D(10)

    def test_an_import_is_one_unit_of_work(self, contract_storage: Storage) -> None:
        """Importing a file checks duplicates and posts rows in a single unit of work."""
        from finance_core.importing import ParsedFile, ParsedRow

        ledger, counting = _counting(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        account = ledger.open_account(owner, "Main")
        parsed = ParsedFile(
            "csv", (ParsedRow(1, date(2026, 1, 2), D("-4.50"), description="Coffee"),)
        )
        opened = counting.opened
        opened.clear()
        result = ledger.import_file(owner, account.id, parsed)
        assert result.created == 1
        assert opened == [owner.tenant_id]


def _books(ledger: Ledger, owner: Principal) -> tuple[TenantData, Account]:
    checking = ledger.open_account(owner, "Checking", initial_balance=D(100), min_balance=D(0))
    savings = ledger.open_account(owner, "Savings")
    ledger.post_transaction(owner, checking.id, amount=D(-20), date=date(2026, 1, 2), category="c")
    ledger.create_transfer(owner, checking.id, savings.id, D(30), date(2026, 1, 3))
    return ledger.export_data(owner), checking


class TestRestoreIsAWrite:
    def test_restore_tells_after_commit_plugins_what_it_created(
        self, contract_storage: Storage
    ) -> None:
        """Plugins hear of every restored account, transaction and transfer, after the commit."""
        ledger, heard = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        data, _ = _books(ledger, owner)
        target = ledger.create_tenant(fresh_id(), "Copy", owner=fresh_id("u"))
        heard.events.clear()
        ledger.restore(target, data)
        kinds = heard.kinds()
        assert kinds.count(EventKind.ACCOUNT_OPENED) == 2
        assert kinds.count(EventKind.TRANSACTION_POSTED) == 3
        assert kinds.count(EventKind.TRANSFER_MADE) == 1
        assert {e.tenant_id for e in heard.events} == {target.tenant_id}

    def test_restore_checks_the_balance_rules(self, contract_storage: Storage) -> None:
        """A document whose balance breaks its account's floor is refused, nothing written."""
        ledger, heard = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        data, checking = _books(ledger, owner)
        below = TenantData(
            tuple(
                attrs.evolve(a, min_balance=D(60)) if a.id == checking.id else a
                for a in data.accounts
            ),
            data.transactions,
            data.transfers,
        )
        target = ledger.create_tenant(fresh_id(), "Copy", owner=fresh_id("u"))
        heard.events.clear()
        with pytest.raises(BalanceRuleViolation):
            ledger.restore(target, below)
        assert ledger.list_accounts(target) == []
        assert heard.events == []

    def test_restore_refuses_amounts_finer_than_the_currency(
        self, contract_storage: Storage
    ) -> None:
        """An initial balance with more decimals than its currency has is refused."""
        ledger, _ = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        data, checking = _books(ledger, owner)
        finer = TenantData(
            tuple(
                attrs.evolve(a, initial_balance=D("100.001"), balance=D("50.001"))
                if a.id == checking.id
                else a
                for a in data.accounts
            ),
            data.transactions,
            data.transfers,
        )
        target = ledger.create_tenant(fresh_id(), "Copy", owner=fresh_id("u"))
        with pytest.raises(ValidationError, match="accounts"):
            ledger.restore(target, finer)
        assert ledger.list_accounts(target) == []

    def test_a_dry_run_restore_checks_and_writes_nothing(self, contract_storage: Storage) -> None:
        """A dry-run restore makes the same checks and leaves the tenant empty."""
        ledger, heard = _listening(contract_storage)
        owner = ledger.create_tenant(fresh_id(), "Home", owner=fresh_id("u"))
        data, _ = _books(ledger, owner)
        target = ledger.create_tenant(fresh_id(), "Copy", owner=fresh_id("u"))
        heard.events.clear()
        ledger.restore(target, data, dry_run=True)
        assert ledger.list_accounts(target) == []
        assert heard.events == []
