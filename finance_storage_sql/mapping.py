"""Explicit row <-> domain mapping: the domain's frozen attrs classes never meet an ORM.

Amounts cross this boundary as integer minor units of the row's currency
(``to_minor``/``from_minor``), which is what keeps them exact in BIGINT columns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from finance_core.accounts import Account, AccountType
from finance_core.categorize.model import Rule
from finance_core.money import check_amount, from_minor, to_minor
from finance_core.ports import IdempotencyRecord
from finance_core.tenancy import Member, Role, Tenant, User
from finance_core.transactions import Split, Transaction, Transfer

#: A result row as a mapping (SQLAlchemy ``RowMapping``).
Row = Mapping[Any, Any]


def minor(amount: Decimal, currency: str, field: str) -> int:
    """Minor units of ``amount``; refuses (never truncates) what the currency cannot hold."""
    return to_minor(check_amount(amount, currency, field), currency)


def _fold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def tenant_from_row(row: Row) -> Tenant:
    return Tenant(row["id"], row["name"], row["created_at"], row["updated_at"])


def tenant_to_row(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "created_at": tenant.created_at,
        "updated_at": tenant.updated_at,
    }


def user_from_row(row: Row) -> User:
    return User(row["id"], row["auth_user_id"])


def member_from_row(row: Row) -> Member:
    return Member(
        id=row["id"],
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        auth_user_id=row["auth_user_id"],
        role=Role(row["role"]),
        created_at=row["created_at"],
    )


def member_to_row(member: Member) -> dict[str, Any]:
    return {
        "tenant_id": member.tenant_id,
        "user_id": member.user_id,
        "id": member.id,
        "role": member.role.value,
        "created_at": member.created_at,
    }


def account_from_row(row: Row) -> Account:
    currency: str = row["currency"]
    floor = row["min_balance_minor"]
    return Account(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        account_type=AccountType(row["account_type"]),
        currency=currency,
        initial_balance=from_minor(row["initial_balance_minor"], currency),
        balance=from_minor(row["balance_minor"], currency),
        min_balance=None if floor is None else from_minor(floor, currency),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def account_to_row(account: Account) -> dict[str, Any]:
    currency = account.currency
    floor = account.min_balance
    return {
        "tenant_id": account.tenant_id,
        "id": account.id,
        "name": account.name,
        "account_type": account.account_type.value,
        "currency": currency,
        "initial_balance_minor": minor(account.initial_balance, currency, "initial_balance"),
        "balance_minor": minor(account.balance, currency, "balance"),
        "min_balance_minor": None if floor is None else minor(floor, currency, "min_balance"),
        "created_by": account.created_by,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
        "version": account.version,
    }


def transaction_to_row(txn: Transaction, currency: str) -> dict[str, Any]:
    """The ``transactions`` row; tags and splits go to their own tables."""
    return {
        "tenant_id": txn.tenant_id,
        "id": txn.id,
        "account_id": txn.account_id,
        "currency": currency,
        "amount_minor": minor(txn.amount, currency, "amount"),
        "date": txn.date,
        "category": txn.category,
        "description": txn.description,
        "merchant": txn.merchant,
        "location": txn.location,
        "der_category": txn.der_category,
        "der_merchant": txn.der_merchant,
        "external_id": txn.external_id,
        "transfer_id": txn.transfer_id,
        "created_at": txn.created_at,
        "updated_at": txn.updated_at,
        "version": txn.version,
        "description_folded": _fold(txn.description),
        "merchant_folded": _fold(txn.merchant),
        "der_merchant_folded": _fold(txn.der_merchant),
        "rule_fields": json.dumps(dict(txn.rule_fields)) if txn.rule_fields else None,
        "person_fields": (
            None if txn.person_fields is None else json.dumps(list(txn.person_fields))
        ),
    }


def tag_rows(txn: Transaction) -> list[dict[str, Any]]:
    return [
        {"tenant_id": txn.tenant_id, "transaction_id": txn.id, "position": i, "tag": tag}
        for i, tag in enumerate(txn.tags)
    ]


def split_rows(txn: Transaction, currency: str) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": txn.tenant_id,
            "transaction_id": txn.id,
            "position": i,
            "category": split.category,
            "amount_minor": minor(split.amount, currency, f"splits[{i}].amount"),
        }
        for i, split in enumerate(txn.splits)
    ]


def transaction_from_row(
    row: Row, tags: Sequence[str], splits: Sequence[tuple[str, int]]
) -> Transaction:
    """Rebuild a transaction; ``tags`` and ``splits`` (category, minor units) in position order."""
    currency: str = row["currency"]
    return Transaction(
        id=row["id"],
        tenant_id=row["tenant_id"],
        account_id=row["account_id"],
        amount=from_minor(row["amount_minor"], currency),
        date=row["date"],
        category=row["category"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
        merchant=row["merchant"],
        location=row["location"],
        tags=tuple(tags),
        der_category=row["der_category"],
        der_merchant=row["der_merchant"],
        external_id=row["external_id"],
        splits=tuple(Split(category, from_minor(units, currency)) for category, units in splits),
        transfer_id=row["transfer_id"],
        version=row["version"],
        rule_fields=_rule_fields(row["rule_fields"]),
        person_fields=(
            None if row["person_fields"] is None else tuple(json.loads(row["person_fields"]))
        ),
    )


def _rule_fields(text: str | None) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(json.loads(text).items())) if text else ()


def rule_to_row(rule: Rule) -> dict[str, Any]:
    return {
        "tenant_id": rule.tenant_id,
        "id": rule.id,
        "name": rule.name,
        "enabled": rule.enabled,
        "stage": rule.stage,
        "position": rule.position,
        "stop": rule.stop,
        "conditions": json.dumps(rule.conditions, sort_keys=True),
        "actions": json.dumps(list(rule.actions), sort_keys=True),
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
        "version": rule.version,
    }


def rule_from_row(row: Row) -> Rule:
    return Rule(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        enabled=bool(row["enabled"]),
        stage=row["stage"],
        position=row["position"],
        stop=bool(row["stop"]),
        conditions=json.loads(row["conditions"]),
        actions=tuple(json.loads(row["actions"])),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def transfer_to_row(transfer: Transfer, currency: str, to_currency: str) -> dict[str, Any]:
    return {
        "tenant_id": transfer.tenant_id,
        "id": transfer.id,
        "from_account_id": transfer.from_account_id,
        "to_account_id": transfer.to_account_id,
        "from_transaction_id": transfer.from_transaction_id,
        "to_transaction_id": transfer.to_transaction_id,
        "currency": currency,
        "amount_minor": minor(transfer.amount, currency, "amount"),
        "to_currency": to_currency,
        "to_amount_minor": minor(transfer.to_amount, to_currency, "to_amount"),
        "date": transfer.date,
        "description": transfer.description,
        "created_at": transfer.created_at,
    }


def transfer_from_row(row: Row) -> Transfer:
    return Transfer(
        id=row["id"],
        tenant_id=row["tenant_id"],
        from_account_id=row["from_account_id"],
        to_account_id=row["to_account_id"],
        from_transaction_id=row["from_transaction_id"],
        to_transaction_id=row["to_transaction_id"],
        amount=from_minor(row["amount_minor"], row["currency"]),
        to_amount=from_minor(row["to_amount_minor"], row["to_currency"]),
        date=row["date"],
        description=row["description"],
        created_at=row["created_at"],
    )


def idempotency_to_row(tenant_id: str, record: IdempotencyRecord) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "key": record.key,
        "request_hash": record.request_hash,
        "created_at": record.created_at,
        "response_status": record.response_status,
        "response_body": record.response_body,
    }


def idempotency_from_row(row: Row) -> IdempotencyRecord:
    return IdempotencyRecord(
        key=row["key"],
        request_hash=row["request_hash"],
        created_at=row["created_at"],
        response_status=row["response_status"],
        response_body=row["response_body"],
    )
