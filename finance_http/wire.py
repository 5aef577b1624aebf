"""Wire shapes: what the API reads and writes, separate from the domain classes.

One cattrs converter serves this boundary (``make_converter``). Output shapes
hold ``Decimal`` amounts; the JSON writer turns them into exact numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar, Final

import attrs
import cattrs

from finance_core.accounts import Account, AccountType, check_account_name
from finance_core.money import check_currency, check_decimal
from finance_core.services import UNSET, BatchResult, TransferResult
from finance_core.tenancy import Member, Tenant
from finance_core.transactions import (
    TEXT_LIMITS,
    Transaction,
    check_category,
    check_date,
    check_tags,
    check_text,
)


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def tenant_json_id(tenant_id: str) -> int | str:
    """MCP_Auth issues digit strings; clients expect them back as integers."""
    return int(tenant_id) if tenant_id.isascii() and tenant_id.isdigit() else tenant_id


def make_converter() -> cattrs.Converter:
    """The converter of the HTTP boundary."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(Decimal, lambda d: d)
    converter.register_unstructure_hook(date, lambda d: d.isoformat())
    converter.register_unstructure_hook(datetime, timestamp)
    return converter


# -- output shapes ---------------------------------------------------------------
@attrs.frozen
class AccountOut:
    id: int
    user_id: int | None
    name: str
    account_type: str
    currency: str
    balance: Decimal
    initial_balance: Decimal
    min_balance: Decimal | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(
            a.id,
            a.created_by,
            a.name,
            a.account_type.value,
            a.currency,
            a.balance,
            a.initial_balance,
            a.min_balance,
            a.created_at,
            a.updated_at,
        )


@attrs.frozen
class AccountAsOfOut(AccountOut):
    as_of: date | None = None
    balance_as_of: Decimal | None = None


@attrs.frozen
class AccountListOut:
    accounts: list[AccountOut]
    total: int


@attrs.frozen
class SplitOut:
    category: str
    amount: Decimal


#: Each reconciled account's latest reconciled day.
Locks = Mapping[int, date]


@attrs.frozen
class TransactionOut:
    id: int
    account_id: int
    amount: Decimal
    date: date
    category: str
    description: str | None
    merchant: str | None
    location: str | None
    tags: list[str]
    der_category: str | None
    der_merchant: str | None
    external_id: str | None
    splits: list[SplitOut]
    transfer_id: int | None
    created_at: datetime
    updated_at: datetime
    #: Which categorization rule set which field; empty when no rule touched it.
    rule_fields: dict[str, int]
    #: Dated on or before its account's latest reconciliation, so locked.
    reconciled: bool = False

    @classmethod
    def of(cls, t: Transaction, locks: Locks | None = None) -> TransactionOut:
        lock = (locks or {}).get(t.account_id)
        return cls(
            t.id, t.account_id, t.amount, t.date, t.category, t.description, t.merchant,
            t.location, list(t.tags), t.der_category, t.der_merchant, t.external_id,
            [SplitOut(s.category, s.amount) for s in t.splits], t.transfer_id,
            t.created_at, t.updated_at, dict(t.rule_fields), lock is not None and t.date <= lock,
        )  # fmt: skip


@attrs.frozen
class TransactionListOut:
    transactions: list[TransactionOut]
    total: int | None
    next_cursor: str | None


@attrs.frozen
class BatchOut:
    transactions: list[TransactionOut]
    account_balance: Decimal
    total_amount: Decimal
    count: int

    @classmethod
    def of(cls, r: BatchResult) -> BatchOut:
        return cls(
            [TransactionOut.of(t) for t in r.transactions],
            r.account_balance,
            r.total_amount,
            r.count,
        )


@attrs.frozen
class TransferOut:
    id: int
    from_account_id: int
    to_account_id: int
    amount: Decimal
    to_amount: Decimal
    date: date
    description: str | None
    created_at: datetime
    from_transaction: TransactionOut
    to_transaction: TransactionOut

    @classmethod
    def of(cls, r: TransferResult) -> TransferOut:
        t = r.transfer
        return cls(
            t.id,
            t.from_account_id,
            t.to_account_id,
            t.amount,
            t.to_amount,
            t.date,
            t.description,
            t.created_at,
            TransactionOut.of(r.from_transaction),
            TransactionOut.of(r.to_transaction),
        )


@attrs.frozen
class TenantOut:
    id: int | str
    name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: Tenant) -> TenantOut:
        return cls(tenant_json_id(t.id), t.name, t.created_at, t.updated_at)


@attrs.frozen
class MembershipOut:
    id: int | str
    name: str
    role: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: Tenant, m: Member) -> MembershipOut:
        return cls(tenant_json_id(t.id), t.name, m.role.value, t.created_at, t.updated_at)


@attrs.frozen
class MemberOut:
    id: int
    user_id: int
    auth_user_id: str
    role: str
    created_at: datetime

    @classmethod
    def of(cls, m: Member) -> MemberOut:
        return cls(m.id, m.user_id, m.auth_user_id, m.role.value, m.created_at)


@attrs.frozen
class MemberRemovedOut:
    message: str
    removed_user_id: int


# -- input shapes ------------------------------------------------------------------
# Fields are raw JSON values (the domain validates them); a field with no default
# is required, and UNSET marks "not sent" where the domain distinguishes it.
# CHECKS are the core's own checks of fields that need no stored state: when a
# body is refused for its shape, they add every bad value to the same answer.
Check = Callable[[Any], object]

_TXN_CHECKS: Final[Mapping[str, Check]] = {
    "amount": check_decimal,
    "date": check_date,
    "category": check_category,
    "tags": check_tags,
    **{name: partial(check_text, name) for name in TEXT_LIMITS},
}


@attrs.frozen
class AccountCreateIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"id", "user_id", "balance", "created_at", "updated_at"}
    )
    IDS: ClassVar[frozenset[str]] = frozenset()
    CHECKS: ClassVar[Mapping[str, Check]] = {
        "name": check_account_name,
        "account_type": AccountType.parse,
        "currency": check_currency,
        "initial_balance": partial(check_decimal, field="initial_balance"),
        "min_balance": partial(check_decimal, field="min_balance"),
    }
    name: Any
    account_type: Any = "checking"
    initial_balance: Any = Decimal(0)
    currency: Any = None
    min_balance: Any = None


@attrs.frozen
class AccountPatchIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"id", "user_id", "balance", "initial_balance", "currency", "created_at", "updated_at"}
    )
    IDS: ClassVar[frozenset[str]] = frozenset()
    name: Any = UNSET
    account_type: Any = UNSET
    min_balance: Any = UNSET


_TXN_READ_ONLY = frozenset({"id", "transfer_id", "created_at", "updated_at"})


@attrs.frozen
class TransactionCreateIn:
    READ_ONLY: ClassVar[frozenset[str]] = _TXN_READ_ONLY
    IDS: ClassVar[frozenset[str]] = frozenset({"account_id"})
    CHECKS: ClassVar[Mapping[str, Check]] = _TXN_CHECKS
    account_id: Any
    amount: Any
    date: Any
    category: Any
    description: Any = UNSET
    merchant: Any = UNSET
    location: Any = UNSET
    tags: Any = UNSET
    der_category: Any = UNSET
    der_merchant: Any = UNSET
    external_id: Any = UNSET
    splits: Any = UNSET

    def fields(self) -> dict[str, Any]:
        """The transaction fields that were sent, without ``account_id``."""
        values = attrs.asdict(self, recurse=False)
        del values["account_id"]
        return {k: v for k, v in values.items() if v is not UNSET}


@attrs.frozen
class BatchItemIn:
    """A batch item: a transaction without ``account_id`` (the batch names it once)."""

    READ_ONLY: ClassVar[frozenset[str]] = _TXN_READ_ONLY | {"account_id"}
    IDS: ClassVar[frozenset[str]] = frozenset()
    CHECKS: ClassVar[Mapping[str, Check]] = _TXN_CHECKS
    amount: Any
    date: Any
    category: Any
    description: Any = UNSET
    merchant: Any = UNSET
    location: Any = UNSET
    tags: Any = UNSET
    der_category: Any = UNSET
    der_merchant: Any = UNSET
    external_id: Any = UNSET
    splits: Any = UNSET


@attrs.frozen
class TransactionPatchIn:
    READ_ONLY: ClassVar[frozenset[str]] = _TXN_READ_ONLY
    IDS: ClassVar[frozenset[str]] = frozenset({"account_id"})
    account_id: Any = UNSET
    amount: Any = UNSET
    date: Any = UNSET
    category: Any = UNSET
    description: Any = UNSET
    merchant: Any = UNSET
    location: Any = UNSET
    tags: Any = UNSET
    der_category: Any = UNSET
    der_merchant: Any = UNSET
    external_id: Any = UNSET
    splits: Any = UNSET

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self, recurse=False).items() if v is not UNSET}


@attrs.frozen
class BatchIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset()
    IDS: ClassVar[frozenset[str]] = frozenset({"account_id"})
    account_id: Any
    transactions: Any


@attrs.frozen
class TransferCreateIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({"id", "created_at"})
    IDS: ClassVar[frozenset[str]] = frozenset({"from_account_id", "to_account_id"})
    CHECKS: ClassVar[Mapping[str, Check]] = {
        "amount": check_decimal,
        "to_amount": partial(check_decimal, field="to_amount"),
        "date": check_date,
        "description": partial(check_text, "description"),
    }
    from_account_id: Any
    to_account_id: Any
    amount: Any
    date: Any
    description: Any = None
    to_amount: Any = None


@attrs.frozen
class TenantPatchIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({"id", "created_at", "updated_at"})
    IDS: ClassVar[frozenset[str]] = frozenset()
    name: Any


@attrs.frozen
class MemberCreateIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({"id", "user_id", "created_at"})
    IDS: ClassVar[frozenset[str]] = frozenset()
    auth_user_id: Any
    role: Any = "member"


@attrs.frozen
class RoleChangeIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset()
    IDS: ClassVar[frozenset[str]] = frozenset()
    role: Any
