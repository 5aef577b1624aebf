"""Use cases. Every call takes the acting ``Principal``, which names the tenant.

The ``Ledger`` is the only place that changes balances: each write locks the
accounts it touches (in id order, so two writers never deadlock), computes the
new balances, runs every balance rule, and stores rows and balances in one unit
of work. A rule violation or any other error rolls the whole unit back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from finance_core.accounts import Account, AccountType, check_account_name
from finance_core.errors import (
    DuplicateError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    ValidationError,
)
from finance_core.events import Event, EventKind
from finance_core.money import check_amount, check_currency
from finance_core.ports import Storage, UnitOfWork
from finance_core.queries import Page, PageRequest, TransactionFilter
from finance_core.rules import BUILTIN_RULES, BalanceChange, BalanceRule, enforce
from finance_core.tenancy import (
    Member,
    Principal,
    Role,
    Tenant,
    User,
    check_tenant_id,
    check_tenant_name,
)
from finance_core.transactions import (
    TRANSFER_CATEGORY,
    Transaction,
    Transfer,
    check_date,
    check_split_total,
    check_text,
    clean_fields,
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


class _Write:
    """Balance bookkeeping for one unit of work: deltas per account, then rules."""

    def __init__(self, ledger: Ledger, uow: UnitOfWork) -> None:
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

    def remove(self, txn: Transaction) -> None:
        self.removed[txn.account_id].append(txn)

    def event(self, kind: EventKind, ident: int) -> None:
        self.events.append(Event(kind, self.uow.tenant_id, ident))

    def settle(self, now: datetime) -> None:
        """Apply balance deltas to every touched account, enforcing the rules."""
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

    def finish(self) -> None:
        self.uow.commit()
        if self.events:
            self.ledger.notify(self.uow.tenant_id, self.events)


def _check_version(kind: str, ident: int, expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise StaleVersionError(kind, ident, expected, actual)


def _positive_id(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError.of(field, f"{field} must be a positive integer")
    return value


class Ledger:
    """The service layer over one ``Storage``."""

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

    def notify(self, tenant_id: str, events: Sequence[Event]) -> None:
        if self._on_commit is not None:
            self._on_commit(tenant_id, tuple(events))

    def _now(self) -> datetime:
        return self.clock()

    # -- tenants and members ----------------------------------------------
    def create_tenant(self, tenant_id: str, name: str, owner: str) -> Principal:
        """Create a tenant with ``owner`` (an auth user id) as its owner."""
        tenant_id = check_tenant_id(tenant_id)
        name = check_tenant_name(name)
        now = self._now()
        with self.storage.unit_of_work(tenant_id) as uow:
            if uow.tenant.get() is not None:
                raise DuplicateError(f"tenant {tenant_id!r} already exists")
            uow.tenant.add(Tenant(tenant_id, name, now, now))
            user = uow.users.get_or_create(owner)
            (member_id,) = uow.allocate_ids("member")
            uow.members.add(Member(member_id, tenant_id, user.id, owner, Role.OWNER, now))
            uow.commit()
        return Principal(owner, tenant_id, Role.OWNER)

    def provision(
        self,
        tenant_id: str,
        auth_user_id: str,
        role_claim: Role | None,
        *,
        tenant_name: str | None = None,
    ) -> tuple[Principal, User]:
        """Resolve a caller on first contact, creating tenant and membership as needed.

        An unknown tenant is created with the caller as a member (owner unless
        ``role_claim`` says otherwise). A caller with a role claim who is not a
        member joins with that role. After that, the stored membership decides.
        """
        tenant_id = check_tenant_id(tenant_id)
        for attempt in range(3):
            try:
                return self._provision_once(tenant_id, auth_user_id, role_claim, tenant_name)
            except DuplicateError:
                # Another first contact won the race; the next attempt sees its rows.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _provision_once(
        self, tenant_id: str, auth_user_id: str, role_claim: Role | None, tenant_name: str | None
    ) -> tuple[Principal, User]:
        with self.storage.unit_of_work(tenant_id, readonly=True) as uow:
            tenant = uow.tenant.get()
            user = None
            member = None
            if tenant is not None:
                user = uow.users.find(auth_user_id)
                if user is not None:
                    member = uow.members.get_by_user(user.id)
            if member is not None and user is not None:
                return Principal(auth_user_id, tenant_id, member.role), user
        now = self._now()
        with self.storage.unit_of_work(tenant_id) as uow:
            tenant = uow.tenant.get()
            user = uow.users.get_or_create(auth_user_id)
            if tenant is None:
                uow.tenant.add(Tenant(tenant_id, tenant_name or tenant_id, now, now))
                role = role_claim or Role.OWNER
            else:
                member = uow.members.get_by_user(user.id)
                if member is not None:
                    uow.commit()
                    return Principal(auth_user_id, tenant_id, member.role), user
                if role_claim is None:
                    raise PermissionDeniedError(
                        f"user {auth_user_id!r} is not a member of tenant {tenant_id!r}; "
                        "ask one of its owners or admins to add you"
                    )
                role = role_claim
            (member_id,) = uow.allocate_ids("member")
            uow.members.add(Member(member_id, tenant_id, user.id, auth_user_id, role, now))
            uow.commit()
        return Principal(auth_user_id, tenant_id, role), user

    def get_tenant(self, principal: Principal) -> Tenant:
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            tenant = uow.tenant.get()
        if tenant is None:
            raise NotFoundError("tenant", principal.tenant_id)
        return tenant

    def rename_tenant(self, principal: Principal, name: str) -> Tenant:
        principal.require_owner("rename the tenant")
        name = check_tenant_name(name)
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            tenant = uow.tenant.get()
            if tenant is None:
                raise NotFoundError("tenant", principal.tenant_id)
            tenant = attrs.evolve(tenant, name=name, updated_at=self._now())
            uow.tenant.update(tenant)
            uow.commit()
        return tenant

    def tenants_of(self, principal: Principal) -> list[tuple[Tenant, Member]]:
        """Every tenant the calling user belongs to (any tenant id works for the lookup)."""
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            user = uow.users.find(principal.user_id)
            return [] if user is None else uow.users.memberships(user.id)

    def list_members(self, principal: Principal) -> list[Member]:
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            return uow.members.list()

    def add_member(
        self, principal: Principal, auth_user_id: str, role: Role | str = Role.MEMBER
    ) -> Member:
        principal.require_manage_members()
        role = Role.parse(role)
        if role is Role.OWNER:
            principal.require_owner("add another owner")
        if not isinstance(auth_user_id, str) or not 1 <= len(auth_user_id) <= 255:
            raise ValidationError.of("auth_user_id", "auth_user_id must be 1 to 255 characters")
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            user = uow.users.get_or_create(auth_user_id)
            if uow.members.get_by_user(user.id) is not None:
                raise DuplicateError(f"user {auth_user_id!r} is already a member")
            (member_id,) = uow.allocate_ids("member")
            member = Member(member_id, principal.tenant_id, user.id, auth_user_id, role, now)
            uow.members.add(member)
            uow.commit()
        return member

    def _target_member(self, principal: Principal, uow: UnitOfWork, user_id: int) -> Member:
        member = uow.members.get_by_user(user_id)
        if member is None:
            raise NotFoundError("member", user_id)
        if member.auth_user_id == principal.user_id:
            raise PermissionDeniedError("nobody can change their own role or remove themselves")
        if member.role is Role.OWNER:
            raise PermissionDeniedError("an owner cannot be demoted or removed")
        return member

    def change_role(self, principal: Principal, user_id: int, role: Role | str) -> Member:
        principal.require_owner("change roles")
        role = Role.parse(role)
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            member = attrs.evolve(self._target_member(principal, uow, user_id), role=role)
            uow.members.update(member)
            uow.commit()
        return member

    def remove_member(self, principal: Principal, user_id: int) -> Member:
        principal.require_manage_members()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            member = self._target_member(principal, uow, user_id)
            uow.members.delete(user_id)
            uow.commit()
        return member

    # -- accounts -----------------------------------------------------------
    def open_account(
        self,
        principal: Principal,
        name: str,
        account_type: AccountType | str = AccountType.CHECKING,
        *,
        currency: str | None = None,
        initial_balance: Decimal | int | str = Decimal(0),
        min_balance: Decimal | int | str | None = None,
    ) -> Account:
        """Open an account; the initial balance must already satisfy every rule."""
        principal.require_write()
        errors: list[FieldError] = []
        cleaned: dict[str, Any] = {}
        checks: list[tuple[str, Callable[[], Any]]] = [
            ("name", lambda: check_account_name(name)),
            ("account_type", lambda: AccountType.parse(account_type)),
            (
                "currency",
                lambda: check_currency(self.default_currency if currency is None else currency),
            ),
        ]
        for field, check in checks:
            try:
                cleaned[field] = check()
            except ValidationError as exc:
                errors.extend(exc.errors)
        if "currency" in cleaned:
            for field, value in (
                ("initial_balance", initial_balance),
                ("min_balance", min_balance),
            ):
                if value is None:
                    cleaned[field] = None
                    continue
                try:
                    cleaned[field] = check_amount(value, cleaned["currency"], field)
                except ValidationError as exc:
                    errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            creator = uow.users.get_or_create(principal.user_id)
            (ident,) = uow.allocate_ids("account")
            account = Account(
                id=ident,
                tenant_id=principal.tenant_id,
                name=cleaned["name"],
                account_type=cleaned["account_type"],
                currency=cleaned["currency"],
                initial_balance=cleaned["initial_balance"],
                balance=cleaned["initial_balance"],
                min_balance=cleaned["min_balance"],
                created_by=creator.id,
                created_at=now,
                updated_at=now,
            )
            enforce(self.rules, BalanceChange(account, account.balance, (), (), now.date()))
            uow.accounts.add(account)
            uow.commit()
        self.notify(
            principal.tenant_id, [Event(EventKind.ACCOUNT_OPENED, principal.tenant_id, ident)]
        )
        return account

    def get_account(self, principal: Principal, account_id: int) -> Account:
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            account = uow.accounts.get(account_id)
        if account is None:
            raise NotFoundError("account", account_id)
        return account

    def list_accounts(self, principal: Principal) -> list[Account]:
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            return uow.accounts.list()

    def balance_as_of(self, principal: Principal, account_id: int, day: date) -> Decimal:
        """The balance at the end of ``day``: initial balance plus amounts dated up to it."""
        day = check_date(day, "as_of")
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFoundError("account", account_id)
            return account.initial_balance + uow.transactions.sum_amounts(account_id, through=day)

    def update_account(
        self,
        principal: Principal,
        account_id: int,
        *,
        name: Any = UNSET,
        account_type: Any = UNSET,
        min_balance: Any = UNSET,
        expected_version: int | None = None,
    ) -> Account:
        """Change name, type or floor; a new floor must not be above the balance."""
        principal.require_write()
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            account = write.lock(account_id)[account_id]
            _check_version("account", account_id, expected_version, account.version)
            changes: dict[str, Any] = {}
            errors: list[FieldError] = []
            for field, value, check in (
                ("name", name, check_account_name),
                ("account_type", account_type, AccountType.parse),
                (
                    "min_balance",
                    min_balance,
                    lambda v: (
                        None if v is None else check_amount(v, account.currency, "min_balance")
                    ),
                ),
            ):
                if value is UNSET:
                    continue
                try:
                    changes[field] = check(value)
                except ValidationError as exc:
                    errors.extend(exc.errors)
            if errors:
                raise ValidationError(errors)
            updated = attrs.evolve(account, **changes, updated_at=now, version=account.version + 1)
            enforce(self.rules, BalanceChange(updated, updated.balance, (), (), now.date()))
            uow.accounts.update(updated)
            write.event(EventKind.ACCOUNT_CHANGED, account_id)
            write.finish()
        return updated

    def delete_account(
        self, principal: Principal, account_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete an account, its transactions, and both legs of its transfers."""
        principal.require_write()
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            account = write.lock(account_id)[account_id]
            _check_version("account", account_id, expected_version, account.version)
            transfers = uow.transfers.list_for_account(account_id)
            partners = {
                t.to_account_id if t.from_account_id == account_id else t.from_account_id
                for t in transfers
            } - {account_id}
            write.lock(*partners)
            partner_legs = []
            for transfer in transfers:
                for leg_id in (transfer.from_transaction_id, transfer.to_transaction_id):
                    leg = uow.transactions.get(leg_id)
                    if leg is not None and leg.account_id != account_id:
                        write.remove(leg)
                        partner_legs.append(leg.id)
            write.locked.pop(account_id)
            write.settle(now)
            # Rows that reference a transfer go before the transfer itself.
            uow.transactions.delete_for_account(account_id)
            uow.transactions.delete_many(partner_legs)
            for transfer in transfers:
                uow.transfers.delete(transfer.id)
                write.event(EventKind.TRANSFER_DELETED, transfer.id)
            uow.accounts.delete(account_id)
            write.event(EventKind.ACCOUNT_DELETED, account_id)
            write.finish()

    def recompute_balances(self, principal: Principal) -> list[BalanceDrift]:
        """Recompute every balance from its transactions; fix and report any drift."""
        principal.require_write()
        drifts = []
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            for account in uow.accounts.list():
                locked = write.lock(account.id)[account.id]
                computed = locked.initial_balance + uow.transactions.sum_amounts(account.id)
                if computed != locked.balance:
                    drifts.append(BalanceDrift(account.id, locked.balance, computed))
                    uow.accounts.update(
                        attrs.evolve(
                            locked, balance=computed, updated_at=now, version=locked.version + 1
                        )
                    )
            uow.commit()
        return drifts

    # -- transactions ---------------------------------------------------------
    def _build(
        self,
        principal: Principal,
        account: Account,
        ident: int,
        fields: Mapping[str, Any],
        now: datetime,
    ) -> Transaction:
        cleaned = clean_fields(fields, account.currency)
        check_split_total(cleaned.get("splits", ()), cleaned["amount"])
        return Transaction(
            id=ident,
            tenant_id=principal.tenant_id,
            account_id=account.id,
            created_at=now,
            updated_at=now,
            **cleaned,
        )

    def post_transaction(self, principal: Principal, account_id: int, **fields: Any) -> Transaction:
        """Post one transaction and move the account's balance by its amount."""
        return self.post_batch(principal, account_id, [fields]).transactions[0]

    def post_batch(
        self, principal: Principal, account_id: int, items: Sequence[Mapping[str, Any]]
    ) -> BatchResult:
        """Post many transactions to one account, all or nothing."""
        principal.require_write()
        if not items:
            raise ValidationError.of("transactions", "a batch needs at least one transaction")
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            account = write.lock(account_id)[account_id]
            ids = uow.allocate_ids("transaction", len(items))
            txns = []
            errors: list[FieldError] = []
            for index, (ident, item) in enumerate(zip(ids, items, strict=True)):
                try:
                    txns.append(self._build(principal, account, ident, item, now))
                except ValidationError as exc:
                    prefix = f"transactions[{index}]." if len(items) > 1 else ""
                    errors.extend(attrs.evolve(e, field=prefix + e.field) for e in exc.errors)
            if errors:
                raise ValidationError(errors)
            self._check_new_external_ids(uow, account_id, txns)
            for txn in txns:
                write.add(txn)
            write.settle(now)
            uow.transactions.add_many(txns)
            for txn in txns:
                write.event(EventKind.TRANSACTION_POSTED, txn.id)
            write.finish()
        balance = write.locked[account_id].balance
        total = sum((t.amount for t in txns), Decimal(0))
        return BatchResult(txns, balance, total, len(txns))

    @staticmethod
    def _check_new_external_ids(
        uow: UnitOfWork, account_id: int, txns: Iterable[Transaction]
    ) -> None:
        wanted: dict[str, int] = {}
        for txn in txns:
            if txn.external_id is None:
                continue
            if txn.external_id in wanted:
                raise DuplicateError(
                    f"external_id {txn.external_id!r} appears twice in one request"
                )
            wanted[txn.external_id] = txn.id
        if not wanted:
            return
        existing = uow.transactions.find_external_ids(account_id, list(wanted))
        clashes = {ext: other for ext, other in existing.items() if other != wanted[ext]}
        if clashes:
            ext, other = next(iter(clashes.items()))
            raise DuplicateError(
                f"account {account_id} already has external_id {ext!r} (transaction {other})"
            )

    def get_transaction(self, principal: Principal, transaction_id: int) -> Transaction:
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            txn = uow.transactions.get(transaction_id)
        if txn is None:
            raise NotFoundError("transaction", transaction_id)
        return txn

    def list_transactions(
        self,
        principal: Principal,
        flt: TransactionFilter | None = None,
        page: PageRequest | None = None,
    ) -> Page[Transaction]:
        """Filtered transactions, newest first; an unknown ``account_id`` is not found."""
        flt = flt or TransactionFilter()
        page = page or PageRequest()
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            if flt.account_id is not None and uow.accounts.get(flt.account_id) is None:
                raise NotFoundError("account", flt.account_id)
            return uow.transactions.query(flt, page)

    def _locked_transaction(self, write: _Write, transaction_id: int) -> Transaction:
        """Fetch a transaction with its account locked, re-reading after the lock."""
        uow = write.uow
        for _ in range(5):
            txn = uow.transactions.get(transaction_id)
            if txn is None:
                raise NotFoundError("transaction", transaction_id)
            write.lock(txn.account_id)
            fresh = uow.transactions.get(transaction_id)
            if fresh is None:
                raise NotFoundError("transaction", transaction_id)
            if fresh.account_id == txn.account_id:
                return fresh
        raise StaleVersionError("transaction", transaction_id, 0, 0)

    def update_transaction(
        self,
        principal: Principal,
        transaction_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Transaction:
        """Change any field, including ``account_id`` (a move within one currency).

        On a transfer leg, a new date or description applies to both legs and a
        new amount to both (mirrored) when the currencies match; a leg cannot
        move to another account.
        """
        principal.require_write()
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            old = self._locked_transaction(write, transaction_id)
            _check_version("transaction", transaction_id, expected_version, old.version)
            changes = dict(changes)
            target_id = old.account_id
            if "account_id" in changes:
                target_id = _positive_id(changes.pop("account_id"), "account_id")
            if target_id != old.account_id and old.transfer_id is not None:
                raise ValidationError.of(
                    "account_id",
                    "a transfer leg cannot move; delete the transfer and make a new one",
                )
            target = write.lock(target_id)[target_id]
            source = write.locked[old.account_id]
            if target.currency != source.currency:
                raise ValidationError.of(
                    "account_id",
                    f"cannot move a {source.currency} transaction into a {target.currency} account",
                )
            cleaned = clean_fields(changes, target.currency, partial=True)
            if cleaned.get("category", UNSET) is None:
                raise ValidationError.of("category", "category cannot be null")
            new = attrs.evolve(
                old, **cleaned, account_id=target_id, updated_at=now, version=old.version + 1
            )
            check_split_total(new.splits, new.amount)
            if new.external_id is not None and (
                new.external_id != old.external_id or target_id != old.account_id
            ):
                self._check_new_external_ids(uow, target_id, [new])
            write.remove(old)
            write.add(new)
            updates = [new]
            if old.transfer_id is not None:
                updates += self._mirror_to_partner(write, old, new, now)
            write.settle(now)
            for txn in updates:
                uow.transactions.update(txn)
                write.event(EventKind.TRANSACTION_CHANGED, txn.id)
            write.finish()
        return new

    def _mirror_to_partner(
        self, write: _Write, old: Transaction, new: Transaction, now: datetime
    ) -> list[Transaction]:
        uow = write.uow
        assert old.transfer_id is not None
        transfer = uow.transfers.get(old.transfer_id)
        if transfer is None:
            return []
        partner_id = (
            transfer.to_transaction_id
            if transfer.from_transaction_id == old.id
            else transfer.from_transaction_id
        )
        partner = uow.transactions.get(partner_id)
        if partner is None:
            return []
        write.lock(partner.account_id)
        same_currency = (
            write.locked[partner.account_id].currency == write.locked[old.account_id].currency
        )
        if new.amount != old.amount and not same_currency:
            raise ValidationError.of(
                "amount",
                "the legs of a cross-currency transfer have their own amounts; "
                "delete the transfer and make a new one",
            )
        mirrored = attrs.evolve(
            partner,
            amount=-new.amount if same_currency else partner.amount,
            date=new.date,
            description=new.description,
            updated_at=now,
            version=partner.version + 1,
        )
        write.remove(partner)
        write.add(mirrored)
        out_leg, in_leg = (
            (new, mirrored) if transfer.from_transaction_id == old.id else (mirrored, new)
        )
        if out_leg.amount >= 0 or in_leg.amount <= 0:
            raise ValidationError.of(
                "amount",
                "a transfer moves a positive amount: the outgoing leg stays negative "
                "and the incoming leg positive",
            )
        uow.transfers.update(
            attrs.evolve(
                transfer,
                amount=-out_leg.amount,
                to_amount=in_leg.amount,
                date=new.date,
                description=new.description,
            )
        )
        return [mirrored]

    def delete_transaction(
        self, principal: Principal, transaction_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a transaction; deleting a transfer leg deletes the whole transfer."""
        principal.require_write()
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            txn = self._locked_transaction(write, transaction_id)
            _check_version("transaction", transaction_id, expected_version, txn.version)
            if txn.transfer_id is not None:
                self._delete_transfer(write, txn.transfer_id)
            else:
                write.remove(txn)
                write.settle(now)
                uow.transactions.delete_many([txn.id])
                write.event(EventKind.TRANSACTION_DELETED, txn.id)
            write.finish()

    # -- transfers --------------------------------------------------------------
    def create_transfer(
        self,
        principal: Principal,
        from_account_id: int,
        to_account_id: int,
        amount: Decimal | int | str,
        day: date | str,
        *,
        description: str | None = None,
        to_amount: Decimal | int | str | None = None,
    ) -> TransferResult:
        """Move ``amount`` out of one account and ``to_amount`` (default: the same) into another."""
        principal.require_write()
        if from_account_id == to_account_id:
            raise ValidationError.of("to_account_id", "a transfer needs two different accounts")
        now = self._now()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            locked = write.lock(from_account_id, to_account_id)
            source, target = locked[from_account_id], locked[to_account_id]
            errors: list[FieldError] = []
            cleaned: dict[str, Any] = {}
            for field, check in (
                ("amount", lambda: check_amount(amount, source.currency, "amount")),
                ("date", lambda: check_date(day)),
                ("description", lambda: check_text("description", description)),
                (
                    "to_amount",
                    lambda: (
                        None
                        if to_amount is None
                        else check_amount(to_amount, target.currency, "to_amount")
                    ),
                ),
            ):
                try:
                    cleaned[field] = check()
                except ValidationError as exc:
                    errors.extend(exc.errors)
            if errors:
                raise ValidationError(errors)
            value: Decimal = cleaned["amount"]
            if value <= 0:
                raise ValidationError.of("amount", "a transfer amount must be positive")
            received: Decimal | None = cleaned["to_amount"]
            if source.currency != target.currency:
                if received is None:
                    raise ValidationError.of(
                        "to_amount",
                        f"{source.currency} to {target.currency} needs to_amount, "
                        "the amount the other account receives",
                    )
            elif received is None:
                received = value
            elif received != value:
                raise ValidationError.of(
                    "to_amount", "in one currency the received amount equals the amount"
                )
            if received <= 0:
                raise ValidationError.of("to_amount", "the received amount must be positive")
            (transfer_id,) = uow.allocate_ids("transfer")
            out_id, in_id = uow.allocate_ids("transaction", 2)
            out_leg = Transaction(
                id=out_id,
                tenant_id=principal.tenant_id,
                account_id=source.id,
                amount=-value,
                date=cleaned["date"],
                category=TRANSFER_CATEGORY,
                description=cleaned["description"],
                transfer_id=transfer_id,
                created_at=now,
                updated_at=now,
            )
            in_leg = attrs.evolve(out_leg, id=in_id, account_id=target.id, amount=received)
            transfer = Transfer(
                id=transfer_id,
                tenant_id=principal.tenant_id,
                from_account_id=source.id,
                to_account_id=target.id,
                from_transaction_id=out_id,
                to_transaction_id=in_id,
                amount=value,
                to_amount=received,
                date=cleaned["date"],
                description=cleaned["description"],
                created_at=now,
            )
            write.add(out_leg)
            write.add(in_leg)
            write.settle(now)
            uow.transfers.add(transfer)
            uow.transactions.add_many([out_leg, in_leg])
            write.event(EventKind.TRANSFER_MADE, transfer_id)
            write.finish()
        return TransferResult(transfer, out_leg, in_leg)

    def get_transfer(self, principal: Principal, transfer_id: int) -> TransferResult:
        with self.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
            transfer = uow.transfers.get(transfer_id)
            if transfer is None:
                raise NotFoundError("transfer", transfer_id)
            out_leg = uow.transactions.get(transfer.from_transaction_id)
            in_leg = uow.transactions.get(transfer.to_transaction_id)
        if out_leg is None or in_leg is None:
            raise NotFoundError("transfer", transfer_id)
        return TransferResult(transfer, out_leg, in_leg)

    def delete_transfer(
        self, principal: Principal, transfer_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete both legs; ``expected_version`` is ``TransferResult.version``."""
        principal.require_write()
        with self.storage.unit_of_work(principal.tenant_id) as uow:
            write = _Write(self, uow)
            self._delete_transfer(write, transfer_id, expected_version)
            write.finish()

    def _delete_transfer(
        self, write: _Write, transfer_id: int, expected_version: int | None = None
    ) -> None:
        uow = write.uow
        transfer = uow.transfers.get(transfer_id)
        if transfer is None:
            raise NotFoundError("transfer", transfer_id)
        write.lock(transfer.from_account_id, transfer.to_account_id)
        # Read the legs after the locks, so a concurrent change is seen.
        out_leg = uow.transactions.get(transfer.from_transaction_id)
        in_leg = uow.transactions.get(transfer.to_transaction_id)
        if expected_version is not None and out_leg is not None and in_leg is not None:
            _check_version(
                "transfer", transfer_id, expected_version, transfer_version(out_leg, in_leg)
            )
        legs = [leg for leg in (out_leg, in_leg) if leg is not None]
        for leg in legs:
            write.remove(leg)
        write.settle(self._now())
        uow.transactions.delete_many([leg.id for leg in legs])
        uow.transfers.delete(transfer_id)
        write.event(EventKind.TRANSFER_DELETED, transfer_id)
