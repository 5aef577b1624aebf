"""Transactions written straight to JSON text, for pages of many rows.

A page of 100 rows through the wire shape costs a ``TransactionOut`` per row,
cattrs' generic unstructuring into dicts, and the exact writer walking every
value. Here each row is one formatted string with a writer chosen per field
type, so the common path costs a few microseconds a row. The output is the
``TransactionOut`` shape byte for byte (a property test holds the two to it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from finance_core.queries import Page
from finance_core.transactions import Transaction

_string: Callable[[str], str] = json.encoder.encode_basestring


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    return str(value)


def _optional_string(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _timestamp(value: datetime) -> str:
    # wire.timestamp, inlined: stored times are UTC already, so most skip astimezone.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return '"' + value.isoformat().replace("+00:00", "Z") + '"'


def transaction_json(t: Transaction, locks: Mapping[int, date] | None = None) -> str:
    """One transaction as the JSON text of ``TransactionOut.of(t, locks)``."""
    splits = ",".join(
        f'{{"category":{_string(s.category)},"amount":{_number(s.amount)}}}' for s in t.splits
    )
    rules = ",".join(f"{_string(field)}:{rule}" for field, rule in dict(t.rule_fields).items())
    lock = locks.get(t.account_id) if locks else None
    reconciled = "true" if lock is not None and t.date <= lock else "false"
    return (
        f'{{"id":{t.id},"account_id":{t.account_id},"amount":{_number(t.amount)},'
        f'"date":"{t.date.isoformat()}","category":{_string(t.category)},'
        f'"description":{_optional_string(t.description)},'
        f'"merchant":{_optional_string(t.merchant)},'
        f'"location":{_optional_string(t.location)},'
        f'"tags":[{",".join(map(_string, t.tags))}],'
        f'"der_category":{_optional_string(t.der_category)},'
        f'"der_merchant":{_optional_string(t.der_merchant)},'
        f'"external_id":{_optional_string(t.external_id)},'
        f'"splits":[{splits}],'
        f'"transfer_id":{"null" if t.transfer_id is None else t.transfer_id},'
        f'"created_at":{_timestamp(t.created_at)},"updated_at":{_timestamp(t.updated_at)},'
        f'"rule_fields":{{{rules}}},"reconciled":{reconciled}}}'
    )


def transactions_json(rows: Sequence[Transaction], locks: Mapping[int, date] | None = None) -> str:
    return "[" + ",".join(transaction_json(t, locks) for t in rows) + "]"


def transaction_page_json(page: Page[Transaction], locks: Mapping[int, date] | None = None) -> str:
    """A page as the JSON text of ``TransactionListOut``; rows as ``transaction_json``."""
    total = "null" if page.total is None else str(page.total)
    cursor = _optional_string(page.next_cursor)
    return (
        f'{{"transactions":{transactions_json(page.items, locks)},'
        f'"total":{total},"next_cursor":{cursor}}}'
    )
