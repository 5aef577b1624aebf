"""The in-memory backend: a complete implementation of the ports.

It is the test fake, the reference oracle the contract suite compares other
backends with, and a usable ``memory://`` backend. Writes apply in place and
record an undo log, so rollback is exact and cheap; one lock serialises units
of work, which makes every unit of work serialisable. The change log it keeps
per unit of work lets file-based backends persist exactly what was committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import attrs

from finance_core.accounts import Account
from finance_core.aggregates import DailyTotal, fold_daily
from finance_core.budgets import Budget
from finance_core.categorize.model import Rule
from finance_core.errors import DuplicateError, StorageError
from finance_core.memory_planning import (
    MemoryBudgetRepository,
    MemoryRuleRepository,
    MemoryScheduleRepository,
)
from finance_core.memory_statements import (
    MemoryReconciliationRepository,
    MemoryStatementRepository,
)
from finance_core.ports import IdempotencyRecord
from finance_core.queries import Page, PageRequest, TransactionFilter, paginate, sort_key
from finance_core.schedules import OccurrenceChange, Schedule, ScheduleLink
from finance_core.statements import Reconciliation, Statement
from finance_core.tenancy import Member, Tenant, User
from finance_core.transactions import Transaction, Transfer

#: A change as (table, key, new value or None for a delete).
Change = tuple[str, Any, Any]


@attrs.define
class TenantState:
    """Everything one tenant has, as plain dictionaries keyed by id."""

    tenant: Tenant | None = None
    members: dict[int, Member] = attrs.field(factory=dict)
    accounts: dict[int, Account] = attrs.field(factory=dict)
    transactions: dict[int, Transaction] = attrs.field(factory=dict)
    by_account: dict[int, dict[int, Transaction]] = attrs.field(factory=dict)
    transfers: dict[int, Transfer] = attrs.field(factory=dict)
    counters: dict[str, int] = attrs.field(factory=dict)
    idempotency: dict[str, IdempotencyRecord] = attrs.field(factory=dict)
    external_ids: dict[tuple[int, str], int] = attrs.field(factory=dict)
    rules: dict[int, Rule] = attrs.field(factory=dict)
    schedules: dict[int, Schedule] = attrs.field(factory=dict)
    schedule_links: dict[str, ScheduleLink] = attrs.field(factory=dict)
    #: Which occurrence each linked transaction settles (transaction id -> link key).
    linked_transactions: dict[int, str] = attrs.field(factory=dict)
    schedule_changes: dict[str, OccurrenceChange] = attrs.field(factory=dict)
    budgets: dict[int, Budget] = attrs.field(factory=dict)
    statements: dict[int, Statement] = attrs.field(factory=dict)
    reconciliations: dict[int, Reconciliation] = attrs.field(factory=dict)

    def put(self, table: str, key: Any, value: Any) -> None:
        """Apply one change; the single place that keeps the indexes consistent."""
        if table == "tenant":
            self.tenant = value
        elif table == "transactions":
            old = self.transactions.pop(key, None)
            if old is not None:
                self.by_account[old.account_id].pop(key, None)
                if old.external_id is not None:
                    self.external_ids.pop((old.account_id, old.external_id), None)
            if value is not None:
                self.transactions[key] = value
                self.by_account.setdefault(value.account_id, {})[key] = value
                if value.external_id is not None:
                    self.external_ids[(value.account_id, value.external_id)] = key
        elif table == "schedule_links":
            old_link = self.schedule_links.pop(key, None)
            if old_link is not None:
                self.linked_transactions.pop(old_link.transaction_id, None)
            if value is not None:
                self.schedule_links[key] = value
                self.linked_transactions[value.transaction_id] = key
        else:
            mapping: dict[Any, Any] = getattr(self, table)
            if value is None:
                mapping.pop(key, None)
            else:
                mapping[key] = value

    def get(self, table: str, key: Any) -> Any:
        if table == "tenant":
            return self.tenant
        mapping: dict[Any, Any] = getattr(self, table)
        return mapping.get(key)


@attrs.define
class Directory:
    """The global part: tenants by id and users."""

    tenants: dict[str, TenantState] = attrs.field(factory=dict)
    users: dict[int, User] = attrs.field(factory=dict)
    users_by_auth: dict[str, int] = attrs.field(factory=dict)

    def state(self, tenant_id: str) -> TenantState:
        state = self.tenants.get(tenant_id)
        if state is None:
            state = self.tenants[tenant_id] = TenantState()
        return state

    def put_user(self, user: User | None, user_id: int, auth_user_id: str) -> None:
        if user is None:
            self.users.pop(user_id, None)
            self.users_by_auth.pop(auth_user_id, None)
        else:
            self.users[user.id] = user
            self.users_by_auth[user.auth_user_id] = user.id


class MemoryUnitOfWork:
    """A unit of work over a ``Directory``; see the module docstring."""

    def __init__(
        self,
        store: MemoryStorage,
        tenant_id: str,
        *,
        readonly: bool = False,
    ) -> None:
        self.tenant_id = tenant_id
        self._store = store
        self._readonly = readonly
        self._undo: list[Callable[[], None]] = []
        self.changes: list[Change] = []
        self.user_changes: list[User] = []
        self._state: TenantState | None = None
        self.tenant = _TenantRepo(self)
        self.users: MemoryUserDirectory = MemoryUserDirectory(self)
        self.members = _MemberRepo(self)
        self.accounts = _AccountRepo(self)
        self.transactions = _TransactionRepo(self)
        self.transfers = _TransferRepo(self)
        self.idempotency = _IdempotencyRepo(self)
        self.rules = MemoryRuleRepository(self)
        self.schedules = MemoryScheduleRepository(self)
        self.budgets = MemoryBudgetRepository(self)
        self.statements = MemoryStatementRepository(self)
        self.reconciliations = MemoryReconciliationRepository(self)

    @property
    def state(self) -> TenantState:
        if self._state is None:
            raise StorageError("unit of work used outside its 'with' block")
        return self._state

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        try:
            self._store.before_unit_of_work(self.tenant_id, readonly=self._readonly)
            self._state = self._store.directory.state(self.tenant_id)
        except BaseException:
            self._store.lock.release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._state = None
            try:
                self._store.after_unit_of_work(self.tenant_id, readonly=self._readonly)
            finally:
                self._store.lock.release()

    # -- change tracking -------------------------------------------------
    def _put(self, table: str, key: Any, value: Any) -> None:
        if self._readonly:
            raise StorageError("write attempted in a read-only unit of work")
        state = self.state
        old = state.get(table, key)
        self._undo.append(lambda: state.put(table, key, old))
        state.put(table, key, value)
        self.changes.append((table, key, value))

    def allocate_ids(self, kind: str, count: int = 1) -> range:
        start = self.state.counters.get(kind, 0) + 1
        self._put("counters", kind, start + count - 1)
        return range(start, start + count)

    def commit(self) -> None:
        if self._readonly:
            raise StorageError("a read-only unit of work cannot commit")
        if self.changes or self.user_changes:
            try:
                self._store.persist(self)
            except BaseException:
                self.rollback()
                raise
        self._undo.clear()
        self.changes = []
        self.user_changes = []

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()
        self.changes = []
        self.user_changes = []


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _state(self) -> TenantState:
        return self._uow.state


class _TenantRepo(_Repo):
    def get(self) -> Tenant | None:
        return self._state.tenant

    def add(self, tenant: Tenant) -> None:
        if self._state.tenant is not None:
            raise DuplicateError(f"tenant {tenant.id!r} already exists")
        self._uow._put("tenant", None, tenant)

    def update(self, tenant: Tenant) -> None:
        self._uow._put("tenant", None, tenant)


class MemoryUserDirectory(_Repo):
    """The global user directory; backends that share users across processes subclass it."""

    def get_or_create(self, auth_user_id: str) -> User:
        directory = self._uow._store.directory
        existing = directory.users_by_auth.get(auth_user_id)
        if existing is not None:
            return directory.users[existing]
        if self._uow._readonly:
            raise StorageError("write attempted in a read-only unit of work")
        user = User(id=max(directory.users, default=0) + 1, auth_user_id=auth_user_id)
        directory.put_user(user, user.id, auth_user_id)
        self._uow._undo.append(lambda: directory.put_user(None, user.id, auth_user_id))
        self._uow.user_changes.append(user)
        return user

    def find(self, auth_user_id: str) -> User | None:
        directory = self._uow._store.directory
        ident = directory.users_by_auth.get(auth_user_id)
        return None if ident is None else directory.users[ident]

    def get(self, user_id: int) -> User | None:
        return self._uow._store.directory.users.get(user_id)

    def memberships(self, user_id: int) -> list[tuple[Tenant, Member]]:
        out = []
        for state in self._uow._store.directory.tenants.values():
            member = state.members.get(user_id)
            if member is not None and state.tenant is not None:
                out.append((state.tenant, member))
        return sorted(out, key=lambda pair: pair[0].id)


class _MemberRepo(_Repo):
    def add(self, member: Member) -> None:
        if member.user_id in self._state.members:
            raise DuplicateError(f"user {member.auth_user_id!r} is already a member")
        self._uow._put("members", member.user_id, member)

    def get_by_user(self, user_id: int) -> Member | None:
        return self._state.members.get(user_id)

    def find_caller(self, auth_user_id: str) -> tuple[User, Member] | None:
        # Through the unit of work's directory, so a backend's own user lookup applies.
        user = self._uow.users.find(auth_user_id)
        if user is None or self._state.tenant is None:
            return None
        member = self._state.members.get(user.id)
        return None if member is None else (user, member)

    def list(self) -> list[Member]:
        return sorted(self._state.members.values(), key=lambda m: m.id)

    def update(self, member: Member) -> None:
        self._uow._put("members", member.user_id, member)

    def delete(self, user_id: int) -> None:
        self._uow._put("members", user_id, None)


class _AccountRepo(_Repo):
    def add(self, account: Account) -> None:
        self._uow._put("accounts", account.id, account)

    def get(self, account_id: int, *, for_update: bool = False) -> Account | None:
        return self._state.accounts.get(account_id)

    def list(self) -> list[Account]:
        return [self._state.accounts[k] for k in sorted(self._state.accounts)]

    def update(self, account: Account) -> None:
        self._uow._put("accounts", account.id, account)

    def delete(self, account_id: int) -> None:
        self._uow._put("accounts", account_id, None)


class _TransactionRepo(_Repo):
    def add_many(self, transactions: Sequence[Transaction]) -> None:
        for txn in transactions:
            self._check_external_id(txn)
            self._uow._put("transactions", txn.id, txn)

    def _check_external_id(self, txn: Transaction) -> None:
        if txn.external_id is None:
            return
        other = self._state.external_ids.get((txn.account_id, txn.external_id))
        if other is not None and other != txn.id:
            raise DuplicateError(
                f"account {txn.account_id} already has a transaction with "
                f"external_id {txn.external_id!r} (transaction {other})"
            )

    def get(self, transaction_id: int) -> Transaction | None:
        return self._state.transactions.get(transaction_id)

    def update(self, transaction: Transaction) -> None:
        self._check_external_id(transaction)
        self._uow._put("transactions", transaction.id, transaction)

    def delete_many(self, transaction_ids: Collection[int]) -> None:
        for ident in transaction_ids:
            self._uow._put("transactions", ident, None)

    def delete_for_account(self, account_id: int) -> None:
        self.delete_many(list(self._state.by_account.get(account_id, {})))

    def query(self, flt: TransactionFilter, page: PageRequest) -> Page[Transaction]:
        if flt.account_id is not None:
            pool: Collection[Transaction] = self._state.by_account.get(flt.account_id, {}).values()
        else:
            pool = self._state.transactions.values()
        rows = sorted((t for t in pool if flt.matches(t)), key=sort_key, reverse=True)
        return paginate(rows, page)

    def sum_amounts(self, account_id: int, *, through: date | None = None) -> Decimal:
        rows = self._state.by_account.get(account_id, {}).values()
        return sum((t.amount for t in rows if through is None or t.date <= through), Decimal(0))

    def find_external_ids(self, account_id: int, external_ids: Collection[str]) -> dict[str, int]:
        index = self._state.external_ids
        return {ext: index[(account_id, ext)] for ext in external_ids if (account_id, ext) in index}

    def daily_totals(
        self,
        flt: TransactionFilter,
        group_by: str | None,
        *,
        include_transfers: bool,
        bucket: str = "day",
    ) -> list[DailyTotal]:
        currencies = {a.id: a.currency for a in self._state.accounts.values()}
        if flt.account_id is not None:
            pool: Collection[Transaction] = self._state.by_account.get(flt.account_id, {}).values()
        else:
            pool = self._state.transactions.values()
        rows = (t for t in pool if flt.matches(t))
        return fold_daily(
            rows, currencies, group_by, include_transfers=include_transfers, bucket=bucket
        )


class _TransferRepo(_Repo):
    def add(self, transfer: Transfer) -> None:
        self._uow._put("transfers", transfer.id, transfer)

    def get(self, transfer_id: int) -> Transfer | None:
        return self._state.transfers.get(transfer_id)

    def update(self, transfer: Transfer) -> None:
        self._uow._put("transfers", transfer.id, transfer)

    def delete(self, transfer_id: int) -> None:
        self._uow._put("transfers", transfer_id, None)

    def list_for_account(self, account_id: int) -> list[Transfer]:
        return sorted(
            (
                t
                for t in self._state.transfers.values()
                if account_id in (t.from_account_id, t.to_account_id)
            ),
            key=lambda t: t.id,
        )


class _IdempotencyRepo(_Repo):
    def add(self, record: IdempotencyRecord) -> None:
        if record.key in self._state.idempotency:
            raise DuplicateError(f"idempotency key {record.key!r} is already in use")
        self._uow._put("idempotency", record.key, record)

    def get(self, key: str) -> IdempotencyRecord | None:
        return self._state.idempotency.get(key)

    def update(self, record: IdempotencyRecord) -> None:
        self._uow._put("idempotency", record.key, record)

    def delete(self, key: str) -> None:
        self._uow._put("idempotency", key, None)

    def purge_before(self, cutoff: datetime) -> int:
        old = [k for k, r in self._state.idempotency.items() if r.created_at < cutoff]
        for key in old:
            self._uow._put("idempotency", key, None)
        return len(old)


class MemoryStorage:
    """``memory://``: everything in this process, gone when it exits.

    Subclasses persist by overriding ``persist`` (called inside commit, while
    the lock is held, with the unit of work's change log) and
    ``before_unit_of_work`` (to load or refresh a tenant).
    """

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self.directory = Directory()
        self.lock = threading.RLock()

    def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self, tenant_id, readonly=readonly)

    def before_unit_of_work(self, tenant_id: str, *, readonly: bool) -> None:
        """Hook for subclasses (take a file lock, load or refresh the tenant)."""

    def after_unit_of_work(self, tenant_id: str, *, readonly: bool) -> None:
        """Hook for subclasses (release what ``before_unit_of_work`` took)."""

    def persist(self, uow: MemoryUnitOfWork) -> None:
        """Hook for subclasses; memory has nothing to write."""

    def check(self) -> None:
        """Memory is always reachable."""

    def close(self) -> None:
        """Nothing to release."""
