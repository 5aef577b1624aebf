"""The ledger's shared machinery: results, balance bookkeeping, version checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from finance_core.accounts import Account
from finance_core.errors import (
    NotFoundError,
    StaleVersionError,
)
from finance_core.events import Event, EventKind, EventLog
from finance_core.ids import check_id
from finance_core.money import check_currency
from finance_core.ports import Storage, UnitOfWork
from finance_core.reconciliation import refuse_locked
from finance_core.rules import BUILTIN_RULES, BalanceChange, BalanceRule, enforce
from finance_core.scope import Scope, Scopes
from finance_core.transactions import (
    Transaction,
    Transfer,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: Marks an update argument that was not given (``None`` means "clear it").
UNSET: Final[Any] = _Unset()

Clock = Callable[[], datetime]
CommitListener = Callable[[str, Sequence[Event]], None]


@attrs.frozen
class BatchResult:
    transactions: list[Transaction]
    account_balance: Decimal
    total_amount: Decimal
    count: int


@attrs.frozen
class BalanceDrift:
    """An account whose stored balance disagreed with its transactions."""

    account_id: int
    stored: Decimal
    computed: Decimal


@attrs.frozen
class TransferResult:
    transfer: Transfer
    from_transaction: Transaction
    to_transaction: Transaction

    @property
    def version(self) -> int:
        """A transfer changes only through its legs, so their versions make its version."""
        return transfer_version(self.from_transaction, self.to_transaction)


def transfer_version(out_leg: Transaction, in_leg: Transaction) -> int:
    return out_leg.version + in_leg.version - 1


class BalanceWrite:
    """Balance bookkeeping for one unit of work: deltas per account, then rules."""

    def __init__(self, ledger: LedgerBase, uow: UnitOfWork) -> None:
        self.ledger = ledger
        self.uow = uow
        self.locked: dict[int, Account] = {}
        self.added: dict[int, list[Transaction]] = defaultdict(list)
        self.removed: dict[int, list[Transaction]] = defaultdict(list)
        self.events: list[Event] = []

    def lock(self, *account_ids: int) -> dict[int, Account]:
        """Lock accounts in ascending id order; unknown ids are ``NotFoundError``."""
        for ident in sorted(set(account_ids) - set(self.locked)):
            account = self.uow.accounts.get(ident, for_update=True)
            if account is None:
                raise NotFoundError("account", ident)
            self.locked[ident] = account
        return self.locked

    def add(self, txn: Transaction) -> None:
        self.added[txn.account_id].append(txn)

    def add_all(self, txns: Iterable[Transaction]) -> None:
        for txn in txns:
            self.added[txn.account_id].append(txn)

    def remove(self, txn: Transaction) -> None:
        self.removed[txn.account_id].append(txn)

    def event(self, kind: EventKind, ident: int) -> None:
        self.events.append(Event(kind, self.uow.tenant_id, ident))

    def settle(self, now: datetime) -> None:
        """Apply balance deltas to every touched account, enforcing the rules.

        Every write that adds or removes a transaction passes here, so the
        reconciliation lock is checked here once for all of them.
        """
        refuse_locked(self.uow, *self.removed.values(), *self.added.values())
        for ident in sorted(set(self.added) | set(self.removed)):
            account = self.locked[ident]
            added, removed = self.added[ident], self.removed[ident]
            delta = sum((t.amount for t in added), Decimal(0)) - sum(
                (t.amount for t in removed), Decimal(0)
            )
            new_balance = account.balance + delta
            enforce(
                self.ledger.rules,
                BalanceChange(account, new_balance, tuple(added), tuple(removed), now.date()),
            )
            updated = attrs.evolve(
                account, balance=new_balance, updated_at=now, version=account.version + 1
            )
            self.uow.accounts.update(updated)
            self.locked[ident] = updated

    def check_part(self, now: datetime, account_id: int, txns: Sequence[Transaction]) -> None:
        """Rules and the reconciliation lock on one part of a write too big to hold.

        A streamed import adds its rows a chunk at a time and cannot show the
        rules every row at once. Each chunk's new rows are shown with the
        balance the account had before the write (a running balance in file
        order, which depends on where chunks end, is never judged); the final
        balance is judged once, by ``settle_total``.
        """
        account = self.locked[account_id]
        refuse_locked(self.uow, txns)
        enforce(self.ledger.rules, BalanceChange(account, account.balance, txns, (), now.date()))

    def settle_total(self, now: datetime, account_id: int, delta: Decimal) -> None:
        """Move a locked account's balance by ``delta`` once, judging the final balance."""
        account = self.locked[account_id]
        new_balance = account.balance + delta
        enforce(self.ledger.rules, BalanceChange(account, new_balance, (), (), now.date()))
        updated = attrs.evolve(
            account, balance=new_balance, updated_at=now, version=account.version + 1
        )
        self.uow.accounts.update(updated)
        self.locked[account_id] = updated

    def finish(self) -> None:
        self.uow.commit()
        if self.events:
            self.ledger.notify(self.uow.tenant_id, self.events)


def check_version(kind: str, ident: int, expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise StaleVersionError(kind, ident, expected, actual)


def positive_id(value: object, field: str) -> int:
    return check_id(value, field)


class LedgerBase:
    """What every group of use cases shares: storage, clock, rules and listeners."""

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Clock,
        rules: Sequence[BalanceRule] = BUILTIN_RULES,
        default_currency: str = "USD",
        on_commit: CommitListener | None = None,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.rules = tuple(rules)
        self.default_currency = check_currency(default_currency, "default_currency")
        self._on_commit = on_commit
        self.scopes = Scopes(storage, self._deliver)

    def scope(self, tenant_id: str, *, readonly: bool) -> AbstractContextManager[Scope]:
        """One unit of work that every service call inside the block shares.

        Adapters open one per request so that the caller's membership and the
        use case's reads and writes see one snapshot; the owner commits with
        ``scope.uow.commit()`` (nothing is stored otherwise) and after-commit
        events go out once the block ends.
        """
        return self.scopes.open(tenant_id, readonly=readonly)

    def drop_abandoned_scope(self) -> bool:
        """Forget a scope this thread still names although its block never ended.

        Adapters call it before opening a request's scope; True when one was dropped.
        """
        return self.scopes.forget()

    def _unit(
        self, tenant_id: str, *, readonly: bool = False
    ) -> AbstractContextManager[UnitOfWork]:
        """The unit of work of a use case: the open scope's, or a new one.

        Services open units of work only through this, never from storage
        directly, so that use cases compose and a request stays one unit.
        """
        return self.scopes.unit(tenant_id, readonly=readonly)

    def notify(self, tenant_id: str, events: Sequence[Event]) -> None:
        """Send events after a commit (held by an open scope until it commits)."""
        if not self.scopes.queue(tenant_id, events):
            self._deliver(tenant_id, events)

    def _deliver(self, tenant_id: str, events: Sequence[Event]) -> None:
        if self._on_commit is not None:
            # Read-only already (a tuple or a frozen log); bulk writes stay lazy.
            self._on_commit(
                tenant_id, events if isinstance(events, tuple | EventLog) else tuple(events)
            )

    def _now(self) -> datetime:
        return self.clock()
