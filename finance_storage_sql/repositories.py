"""Repositories for everything but transactions; every statement filters by the tenant."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from finance_core.accounts import Account
from finance_core.errors import DuplicateError
from finance_core.ports import IdempotencyRecord
from finance_core.tenancy import Member, Tenant, User
from finance_core.transactions import Transfer
from finance_storage_sql import mapping
from finance_storage_sql.schema import (
    accounts,
    idempotency_records,
    members,
    tenants,
    transfers,
    users,
)

if TYPE_CHECKING:
    from finance_storage_sql.unit_of_work import SqlUnitOfWork


class _Repository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _tenant_id(self) -> str:
        return self._uow.tenant_id


# Statements every request runs are built once: building a statement costs
# more CPU than running it, and a built one hits the compiled cache at once.
_GET_TENANT = select(tenants).where(tenants.c.id == bindparam("key_tenant_id"))
_FIND_USER = select(users).where(users.c.auth_user_id == bindparam("key_auth_user_id"))
_GET_USER = select(users).where(users.c.id == bindparam("key_user_id"))


class SqlTenantRepository(_Repository):
    def get(self) -> Tenant | None:
        row = self._uow.execute(_GET_TENANT, {"key_tenant_id": self._tenant_id}).first()
        return None if row is None else mapping.tenant_from_row(row._mapping)

    def add(self, tenant: Tenant) -> None:
        self._uow.require_writable()
        self._uow.require_own(tenant.id, "the tenant")
        self._uow.execute(
            insert(tenants).values(mapping.tenant_to_row(tenant)),
            on_duplicate=lambda _: DuplicateError(f"tenant {tenant.id!r} already exists"),
        )

    def update(self, tenant: Tenant) -> None:
        self._uow.require_writable()
        self._uow.require_own(tenant.id, "the tenant")
        row = mapping.tenant_to_row(tenant)
        del row["id"]
        self._uow.execute(update(tenants).where(tenants.c.id == self._tenant_id).values(row))


class SqlUserDirectory(_Repository):
    """The global user table: the one place not scoped by tenant."""

    def get_or_create(self, auth_user_id: str) -> User:
        existing = self.find(auth_user_id)
        if existing is not None:
            return existing
        self._uow.require_writable()
        insert_: Any = postgresql.insert if self._uow.dialect == "postgresql" else sqlite.insert
        # A concurrent first contact of the same person may insert the row
        # between our read and our insert; then theirs is the one we return.
        self._uow.execute(
            insert_(users)
            .values(auth_user_id=auth_user_id)
            .on_conflict_do_nothing(index_elements=[users.c.auth_user_id])
        )
        created = self.find(auth_user_id)
        assert created is not None, "the user row was just inserted"
        return created

    def find(self, auth_user_id: str) -> User | None:
        row = self._uow.execute(_FIND_USER, {"key_auth_user_id": auth_user_id}).first()
        return None if row is None else mapping.user_from_row(row._mapping)

    def get(self, user_id: int) -> User | None:
        row = self._uow.execute(_GET_USER, {"key_user_id": user_id}).first()
        return None if row is None else mapping.user_from_row(row._mapping)

    def memberships(self, user_id: int) -> list[tuple[Tenant, Member]]:
        statement = (
            select(
                tenants.c.id.label("t_id"),
                tenants.c.name.label("t_name"),
                tenants.c.created_at.label("t_created_at"),
                tenants.c.updated_at.label("t_updated_at"),
                members,
                users.c.auth_user_id,
            )
            .select_from(members)
            .join(tenants, tenants.c.id == members.c.tenant_id)
            .join(users, users.c.id == members.c.user_id)
            .where(members.c.user_id == user_id)
            .order_by(tenants.c.id)
        )
        out = []
        for row in self._uow.execute(statement).mappings():
            tenant = Tenant(row["t_id"], row["t_name"], row["t_created_at"], row["t_updated_at"])
            out.append((tenant, mapping.member_from_row(row)))
        return out


def _members_select() -> Select[Any]:
    return select(members, users.c.auth_user_id).join(users, users.c.id == members.c.user_id)


_GET_MEMBER = _members_select().where(
    members.c.tenant_id == bindparam("key_tenant_id"),
    members.c.user_id == bindparam("key_user_id"),
)
# The caller of a request: user and membership in one round trip. The join
# with tenants keeps "the tenant exists" part of the answer.
_FIND_CALLER = (
    select(members, users.c.auth_user_id)
    .select_from(members)
    .join(users, users.c.id == members.c.user_id)
    .join(tenants, tenants.c.id == members.c.tenant_id)
    .where(
        members.c.tenant_id == bindparam("key_tenant_id"),
        users.c.auth_user_id == bindparam("key_auth_user_id"),
    )
)


class SqlMemberRepository(_Repository):
    def add(self, member: Member) -> None:
        self._uow.require_writable()
        self._uow.require_own(member.tenant_id, f"member {member.id}")

        def duplicate(columns: frozenset[str]) -> DuplicateError:
            if "user_id" in columns:
                return DuplicateError(f"user {member.auth_user_id!r} is already a member")
            return DuplicateError(f"member id {member.id} is already taken in this tenant")

        self._uow.execute(
            insert(members).values(mapping.member_to_row(member)), on_duplicate=duplicate
        )

    def get_by_user(self, user_id: int) -> Member | None:
        key = {"key_tenant_id": self._tenant_id, "key_user_id": user_id}
        row = self._uow.execute(_GET_MEMBER, key).first()
        return None if row is None else mapping.member_from_row(row._mapping)

    def find_caller(self, auth_user_id: str) -> tuple[User, Member] | None:
        key = {"key_tenant_id": self._tenant_id, "key_auth_user_id": auth_user_id}
        rows = self._uow.fetch(_FIND_CALLER, key)
        if not rows:
            return None
        member = mapping.member_from_row(rows[0])
        return User(member.user_id, member.auth_user_id), member

    def list(self) -> list[Member]:
        statement = (
            _members_select().where(members.c.tenant_id == self._tenant_id).order_by(members.c.id)
        )
        return [mapping.member_from_row(row._mapping) for row in self._uow.execute(statement)]

    def update(self, member: Member) -> None:
        self._uow.require_writable()
        self._uow.require_own(member.tenant_id, f"member {member.id}")
        row = mapping.member_to_row(member)
        self._uow.execute(
            update(members)
            .where(members.c.tenant_id == self._tenant_id, members.c.user_id == member.user_id)
            .values(id=row["id"], role=row["role"], created_at=row["created_at"])
        )

    def delete(self, user_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(members).where(
                members.c.tenant_id == self._tenant_id, members.c.user_id == user_id
            )
        )


# The hot path of every balance change (read and lock, then write the account)
# uses statements built once: building them per call costs more CPU than the
# round trip, and that time is spent while the account is locked.
_ACCOUNT_KEY = (
    accounts.c.tenant_id == bindparam("key_tenant_id"),
    accounts.c.id == bindparam("key_id"),
)
_GET_ACCOUNT = select(accounts).where(*_ACCOUNT_KEY)
_LOCK_ACCOUNT = _GET_ACCOUNT.with_for_update()
#: Columns other tables' foreign keys refer to. An account's currency never
#: changes, and assigning a referenced column, even to its own value, makes
#: SQLite look for referring rows: a scan of every transaction without an index
#: on (tenant_id, account_id, currency), on every balance change.
_ACCOUNT_KEY_COLUMNS = ("tenant_id", "id", "currency")
_UPDATE_ACCOUNT = (
    update(accounts)
    .where(*_ACCOUNT_KEY)
    .values(
        {c.name: bindparam(c.name) for c in accounts.columns if c.name not in _ACCOUNT_KEY_COLUMNS}
    )
)


class SqlAccountRepository(_Repository):
    def add(self, account: Account) -> None:
        self._uow.require_writable()
        self._uow.require_own(account.tenant_id, f"account {account.id}")
        self._uow.execute(
            insert(accounts).values(mapping.account_to_row(account)),
            on_duplicate=lambda _: DuplicateError(f"account {account.id} already exists"),
        )
        self._uow.remember_currency(account.id, account.currency)

    def get(self, account_id: int, *, for_update: bool = False) -> Account | None:
        # PostgreSQL: FOR UPDATE is a row lock other writers of this account
        # wait for. SQLite renders nothing for it; its writers already hold the
        # database write lock from BEGIN IMMEDIATE.
        locking = for_update and not self._uow.readonly
        statement = _LOCK_ACCOUNT if locking else _GET_ACCOUNT
        key = {"key_tenant_id": self._tenant_id, "key_id": account_id}
        rows = self._uow.fetch(statement, key)
        if not rows:
            return None
        account = mapping.account_from_row(rows[0])
        self._uow.remember_currency(account.id, account.currency)
        return account

    def list(self) -> list[Account]:
        statement = (
            select(accounts).where(accounts.c.tenant_id == self._tenant_id).order_by(accounts.c.id)
        )
        out = [mapping.account_from_row(row._mapping) for row in self._uow.execute(statement)]
        for account in out:
            self._uow.remember_currency(account.id, account.currency)
        return out

    def update(self, account: Account) -> None:
        self._uow.require_writable()
        self._uow.require_own(account.tenant_id, f"account {account.id}")
        row = mapping.account_to_row(account)
        for name in _ACCOUNT_KEY_COLUMNS:
            del row[name]
        self._uow.execute(
            _UPDATE_ACCOUNT, {**row, "key_tenant_id": self._tenant_id, "key_id": account.id}
        )
        self._uow.remember_currency(account.id, account.currency)

    def delete(self, account_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(accounts).where(
                accounts.c.tenant_id == self._tenant_id, accounts.c.id == account_id
            )
        )
        self._uow.remember_currency(account_id, None)


class SqlTransferRepository(_Repository):
    def _row(self, transfer: Transfer) -> dict[str, Any]:
        self._uow.require_own(transfer.tenant_id, f"transfer {transfer.id}")
        currency = self._uow.currencies([transfer.from_account_id, transfer.to_account_id])
        return mapping.transfer_to_row(
            transfer, currency[transfer.from_account_id], currency[transfer.to_account_id]
        )

    def add(self, transfer: Transfer) -> None:
        self._uow.require_writable()
        self._uow.execute(
            insert(transfers).values(self._row(transfer)),
            on_duplicate=lambda _: DuplicateError(f"transfer {transfer.id} already exists"),
        )

    def get(self, transfer_id: int) -> Transfer | None:
        statement = select(transfers).where(
            transfers.c.tenant_id == self._tenant_id, transfers.c.id == transfer_id
        )
        row = self._uow.execute(statement).first()
        return None if row is None else mapping.transfer_from_row(row._mapping)

    def update(self, transfer: Transfer) -> None:
        self._uow.require_writable()
        row = self._row(transfer)
        del row["tenant_id"], row["id"]
        self._uow.execute(
            update(transfers)
            .where(transfers.c.tenant_id == self._tenant_id, transfers.c.id == transfer.id)
            .values(row)
        )

    def delete(self, transfer_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(transfers).where(
                transfers.c.tenant_id == self._tenant_id, transfers.c.id == transfer_id
            )
        )

    def list_for_account(self, account_id: int) -> list[Transfer]:
        statement = (
            select(transfers)
            .where(
                transfers.c.tenant_id == self._tenant_id,
                or_(
                    transfers.c.from_account_id == account_id,
                    transfers.c.to_account_id == account_id,
                ),
            )
            .order_by(transfers.c.id)
        )
        return [mapping.transfer_from_row(row._mapping) for row in self._uow.execute(statement)]


class SqlIdempotencyRepository(_Repository):
    def add(self, record: IdempotencyRecord) -> None:
        self._uow.require_writable()
        self._uow.execute(
            insert(idempotency_records).values(mapping.idempotency_to_row(self._tenant_id, record)),
            on_duplicate=lambda _: DuplicateError(
                f"idempotency key {record.key!r} is already in use"
            ),
        )

    def get(self, key: str) -> IdempotencyRecord | None:
        statement = select(idempotency_records).where(
            idempotency_records.c.tenant_id == self._tenant_id, idempotency_records.c.key == key
        )
        row = self._uow.execute(statement).first()
        return None if row is None else mapping.idempotency_from_row(row._mapping)

    def update(self, record: IdempotencyRecord) -> None:
        self._uow.require_writable()
        row = mapping.idempotency_to_row(self._tenant_id, record)
        del row["tenant_id"], row["key"]
        self._uow.execute(
            update(idempotency_records)
            .where(
                idempotency_records.c.tenant_id == self._tenant_id,
                idempotency_records.c.key == record.key,
            )
            .values(row)
        )

    def delete(self, key: str) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(idempotency_records).where(
                idempotency_records.c.tenant_id == self._tenant_id,
                idempotency_records.c.key == key,
            )
        )

    def purge_before(self, cutoff: datetime) -> int:
        self._uow.require_writable()
        result = self._uow.execute(
            delete(idempotency_records).where(
                idempotency_records.c.tenant_id == self._tenant_id,
                idempotency_records.c.created_at < cutoff,
            )
        )
        return result.rowcount
