"""Fixtures the contract suite needs; a backend's test module provides ``contract_storage``."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import attrs
import pytest

from finance_core.accounts import Account
from finance_core.ports import Storage
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Member, Principal, Role
from finance_core.testing.clock import FakeClock
from finance_core.transactions import Transaction


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(contract_storage: Storage, clock: FakeClock) -> Ledger:
    return Ledger(contract_storage, clock=clock)


def fresh_id(prefix: str = "t") -> str:
    """A tenant or user id no other test uses, so tests can share one store."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def owner(ledger: Ledger) -> Principal:
    tenant = fresh_id()
    return ledger.create_tenant(tenant, "The Household", owner=f"{tenant}-owner")


@pytest.fixture
def other_owner(ledger: Ledger) -> Principal:
    """The owner of a second, unrelated tenant."""
    tenant = fresh_id()
    return ledger.create_tenant(tenant, "The Neighbours", owner=f"{tenant}-owner")


def join(ledger: Ledger, owner: Principal, role: Role) -> Principal:
    """Add a new user to ``owner``'s tenant with ``role`` and act as them."""
    user = fresh_id("u")
    ledger.add_member(owner, user, role)
    return Principal(user, owner.tenant_id, role)


@pytest.fixture
def checking(ledger: Ledger, owner: Principal) -> Account:
    return ledger.open_account(owner, "Checking", "checking", initial_balance=Decimal("1000.00"))


@pytest.fixture
def savings(ledger: Ledger, owner: Principal) -> Account:
    return ledger.open_account(owner, "Savings", "savings", initial_balance=Decimal("0.00"))


def all_transactions(ledger: Ledger, principal: Principal) -> list[Transaction]:
    """Every transaction of the tenant, walking cursor pages."""
    out: list[Transaction] = []
    page = ledger.list_transactions(principal, TransactionFilter(), PageRequest(limit=1000))
    out.extend(page.items)
    while page.next_cursor is not None:
        page = ledger.list_transactions(
            principal,
            TransactionFilter(),
            PageRequest(limit=1000, cursor=Cursor.decode(page.next_cursor)),
        )
        out.extend(page.items)
    return out


@attrs.frozen
class Snapshot:
    accounts: tuple[Account, ...]
    transactions: tuple[Transaction, ...]
    members: tuple[Member, ...]


def snapshot(ledger: Ledger, principal: Principal) -> Snapshot:
    """Everything the tenant stores, to prove a failed operation changed nothing."""
    return Snapshot(
        tuple(ledger.list_accounts(principal)),
        tuple(all_transactions(ledger, principal)),
        tuple(ledger.list_members(principal)),
    )


def post(
    ledger: Ledger, who: Principal, account: Account | int, amount: str, **extra: Any
) -> Transaction:
    """Post with sensible defaults for the fields a test does not care about."""
    account_id = account if isinstance(account, int) else account.id
    fields: dict[str, Any] = {"date": "2026-01-10", "category": "misc", **extra}
    return ledger.post_transaction(who, account_id, amount=Decimal(amount), **fields)


def balance(ledger: Ledger, who: Principal, account: Account) -> Decimal:
    return ledger.get_account(who, account.id).balance


def assert_invariant(ledger: Ledger, who: Principal) -> None:
    """balance == initial balance + sum of the account's amounts, for every account."""
    txns = all_transactions(ledger, who)
    for account in ledger.list_accounts(who):
        total = sum((t.amount for t in txns if t.account_id == account.id), Decimal(0))
        assert account.balance == account.initial_balance + total, account


__all__ = [
    "Snapshot",
    "all_transactions",
    "assert_invariant",
    "balance",
    "checking",
    "clock",
    "fresh_id",
    "join",
    "ledger",
    "other_owner",
    "owner",
    "post",
    "savings",
    "snapshot",
]
