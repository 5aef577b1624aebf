"""The ports: what the domain needs from storage, as ``typing.Protocol`` classes.

A backend provides a ``Storage``; each ``UnitOfWork`` it hands out is bound to
exactly one tenant, and every repository on it sees only that tenant's rows.
A unit of work commits or rolls back as a whole: when the ``with`` block exits
without ``commit()`` (or with an exception) nothing of it is stored.

Concurrency contract: ``accounts.get(id, for_update=True)`` must block other
writers of that account until this unit of work ends (a row lock, a database
write lock or a process lock), so read-modify-write of a balance never loses an
update. Reads inside a write unit of work that happen after such a lock must see
every commit that preceded the lock.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

import attrs

from finance_core.accounts import Account
from finance_core.aggregates import DailyTotal
from finance_core.budgets import Budget
from finance_core.categorize.model import Rule
from finance_core.queries import Page, PageRequest, TransactionFilter
from finance_core.schedules import OccurrenceChange, Schedule, ScheduleLink
from finance_core.statements import Reconciliation, Statement
from finance_core.tenancy import Member, Tenant, User
from finance_core.transactions import Transaction, Transfer


@attrs.frozen
class IdempotencyRecord:
    """A remembered request: ``response_body`` is None while it is still in flight."""

    key: str
    request_hash: str
    created_at: datetime
    response_status: int | None = None
    response_body: str | None = None


class TenantRepository(Protocol):
    """The unit of work's own tenant row."""

    def get(self) -> Tenant | None: ...
    def add(self, tenant: Tenant) -> None:
        """Store a new tenant; ``DuplicateError`` if it exists."""

    def update(self, tenant: Tenant) -> None: ...


class UserDirectory(Protocol):
    """Users are global (one person may belong to several tenants)."""

    def get_or_create(self, auth_user_id: str) -> User: ...
    def find(self, auth_user_id: str) -> User | None: ...
    def get(self, user_id: int) -> User | None: ...
    def memberships(self, user_id: int) -> list[tuple[Tenant, Member]]:
        """Every tenant this user belongs to, with the membership; the only cross-tenant read."""


class MemberRepository(Protocol):
    def add(self, member: Member) -> None:
        """``DuplicateError`` when the user is already a member."""

    def get_by_user(self, user_id: int) -> Member | None: ...
    def find_caller(self, auth_user_id: str) -> tuple[User, Member] | None:
        """The user with this auth id and their membership of this existing tenant.

        One read for what every request needs; ``None`` when the tenant, the
        user or the membership is missing.
        """

    def list(self) -> list[Member]: ...
    def update(self, member: Member) -> None: ...
    def delete(self, user_id: int) -> None: ...


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...
    def get(self, account_id: int, *, for_update: bool = False) -> Account | None: ...
    def list(self) -> list[Account]:
        """All accounts, ordered by id."""

    def update(self, account: Account) -> None: ...
    def delete(self, account_id: int) -> None:
        """Delete the account row; its transactions must already be gone."""


class TransactionRepository(Protocol):
    def add_many(self, transactions: Sequence[Transaction]) -> None:
        """Insert in bulk (one statement or batch, not one round trip per row)."""

    def get(self, transaction_id: int) -> Transaction | None: ...
    def update(self, transaction: Transaction) -> None: ...
    def delete_many(self, transaction_ids: Collection[int]) -> None: ...
    def delete_for_account(self, account_id: int) -> None: ...
    def query(self, flt: TransactionFilter, page: PageRequest) -> Page[Transaction]:
        """Filtered rows in (date desc, id desc) order; see ``TransactionFilter.matches``."""

    def sum_amounts(self, account_id: int, *, through: date | None = None) -> Decimal:
        """Sum of the account's amounts, only up to and including ``through`` when given."""

    def find_external_ids(self, account_id: int, external_ids: Collection[str]) -> dict[str, int]:
        """Which of ``external_ids`` the account already has, mapped to transaction ids."""

    def daily_totals(
        self,
        flt: TransactionFilter,
        group_by: str | None,
        *,
        include_transfers: bool,
        bucket: str = "day",
    ) -> list[DailyTotal]:
        """Per (day, group value, currency) sums, computed in storage.

        Semantics are those of ``finance_core.aggregates.fold_daily`` over the
        rows ``flt`` matches; results are ordered by day, currency, group.
        ``bucket`` "month" or "year" sums whole months or years instead of days
        (each named by its first day), so reports by month read far fewer rows.
        """


class TransferRepository(Protocol):
    def add(self, transfer: Transfer) -> None: ...
    def get(self, transfer_id: int) -> Transfer | None: ...
    def update(self, transfer: Transfer) -> None: ...
    def delete(self, transfer_id: int) -> None: ...
    def list_for_account(self, account_id: int) -> list[Transfer]: ...


class RuleRepository(Protocol):
    """Categorization rules; the service keeps names unique and positions gap-free."""

    def list(self) -> list[Rule]:
        """Every rule, in run order (stage, position, id)."""

    def get(self, rule_id: int) -> Rule | None: ...
    def add(self, rule: Rule) -> None:
        """Store a new rule; ``DuplicateError`` when its name is taken."""

    def update_many(self, rules: Sequence[Rule]) -> None:
        """Store changed rules (a move shifts several); ``DuplicateError`` on a taken name."""

    def delete(self, rule_id: int) -> None: ...
    def revision(self) -> int:
        """A number that changes whenever the rule set changes (the ``rule_set`` id
        counter, which the rule services advance on every change), so compiled rule
        sets can be cached across units of work and processes."""


class StatementRepository(Protocol):
    """What imported files stated about each account."""

    def add(self, statement: Statement) -> None: ...
    def list_for_account(self, account_id: int) -> list[Statement]:
        """The account's statements, ordered by id."""

    def list(self) -> list[Statement]:
        """Every statement of the tenant, ordered by id."""

    def delete_for_account(self, account_id: int) -> None: ...


class ReconciliationRepository(Protocol):
    """Days on which the books agreed with the bank; each locks what is dated up to it."""

    def add(self, reconciliation: Reconciliation) -> None: ...
    def get(self, reconciliation_id: int) -> Reconciliation | None: ...
    def delete(self, reconciliation_id: int) -> None: ...
    def list_for_account(self, account_id: int) -> list[Reconciliation]:
        """The account's reconciliations, ordered by date, then id."""

    def list(self) -> list[Reconciliation]:
        """Every reconciliation of the tenant, ordered by id."""

    def delete_for_account(self, account_id: int) -> None: ...


class IdempotencyRepository(Protocol):
    def add(self, record: IdempotencyRecord) -> None:
        """Reserve a key; ``DuplicateError`` when it is already taken."""

    def get(self, key: str) -> IdempotencyRecord | None: ...
    def update(self, record: IdempotencyRecord) -> None: ...
    def delete(self, key: str) -> None: ...
    def purge_before(self, cutoff: datetime) -> int:
        """Forget keys created before ``cutoff``; returns how many."""


class ScheduleRepository(Protocol):
    """Schedules, and what happened to their occurrences (links and changes)."""

    def add(self, schedule: Schedule) -> None: ...
    def get(self, schedule_id: int) -> Schedule | None: ...
    def list(self) -> list[Schedule]:
        """All schedules, ordered by id."""

    def update(self, schedule: Schedule) -> None: ...
    def delete(self, schedule_id: int) -> None:
        """Delete the schedule with its links and occurrence changes."""

    def add_link(self, link: ScheduleLink) -> None:
        """Record the transaction of one occurrence.

        ``DuplicateError`` when the (schedule, nominal date) already has one,
        or the transaction already settles another occurrence: enforced by
        storage itself, so concurrent writers can never post one twice.
        """

    def links(self, schedule_id: int | None = None) -> builtins.list[ScheduleLink]:
        """Links of one schedule (or all), by schedule and date."""

    def set_change(self, change: OccurrenceChange) -> None:
        """Skip or move one occurrence, replacing an earlier change of it."""

    def remove_change(self, schedule_id: int, scheduled: date) -> None: ...
    def changes(self, schedule_id: int | None = None) -> builtins.list[OccurrenceChange]:
        """Changes of one schedule (or all), by schedule and date."""


class BudgetRepository(Protocol):
    def add(self, budget: Budget) -> None: ...
    def get(self, budget_id: int) -> Budget | None: ...
    def list(self) -> list[Budget]:
        """All budgets, ordered by id."""

    def update(self, budget: Budget) -> None: ...
    def delete(self, budget_id: int) -> None: ...


class UnitOfWork(Protocol):
    """One tenant's atomic unit of work."""

    # Read-only properties, so implementations may narrow the repository types.
    @property
    def tenant_id(self) -> str: ...
    @property
    def tenant(self) -> TenantRepository: ...
    @property
    def users(self) -> UserDirectory: ...
    @property
    def members(self) -> MemberRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def transactions(self) -> TransactionRepository: ...
    @property
    def transfers(self) -> TransferRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def rules(self) -> RuleRepository: ...
    @property
    def schedules(self) -> ScheduleRepository: ...
    @property
    def budgets(self) -> BudgetRepository: ...
    @property
    def statements(self) -> StatementRepository: ...
    @property
    def reconciliations(self) -> ReconciliationRepository: ...

    def allocate_ids(self, kind: str, count: int = 1) -> range:
        """Reserve ``count`` fresh positive ids of ``kind`` (unique per tenant and kind)."""

    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Storage(Protocol):
    """A storage backend opened on one URL."""

    @property
    def url(self) -> str: ...

    def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> UnitOfWork:
        """A unit of work for ``tenant_id``; ``readonly`` ones must not be committed."""

    def check(self) -> None:
        """Raise ``StorageError`` when storage is unreachable (health checks)."""

    def close(self) -> None: ...
