"""Transaction rows for SQLite's ``executemany``, made without SQLAlchemy per row.

A bulk import spends much of its time in SQLAlchemy turning each row's dict
into driver parameters (bind processors for two timestamps and a date). For
SQLite the driver values are simple: the date's ISO text, timestamps as naive
UTC text in SQLAlchemy's own storage format (so reads see no difference), and
integers; here they are made directly, the timestamps once per chunk. Tag
rows (which rules add to many imported rows) go the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

from finance_core.money import MAX_MAGNITUDE, minor_units
from finance_core.transactions import Transaction
from finance_storage_sql import mapping
from finance_storage_sql.schema import transaction_tags, transactions

K = TypeVar("K")
V = TypeVar("V")

#: Below this many rows the usual statement is as fast; one code path stays the common one.
MIN_ROWS: Final = 50
#: The columns in the order ``sqlite_rows`` writes them; the schema must agree.
COLUMNS: Final = (
    "tenant_id",
    "id",
    "account_id",
    "currency",
    "amount_minor",
    "date",
    "category",
    "description",
    "merchant",
    "location",
    "der_category",
    "der_merchant",
    "external_id",
    "transfer_id",
    "created_at",
    "updated_at",
    "version",
    "description_folded",
    "merchant_folded",
    "der_merchant_folded",
    "rule_fields",
    "person_fields",
)
if {column.name for column in transactions.columns} != set(COLUMNS):
    raise RuntimeError("finance_storage_sql.bulk.COLUMNS no longer matches the transactions table")
INSERT_SQL: Final = (
    f"INSERT INTO transactions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
)
#: The columns in the order ``sqlite_tag_rows`` writes them.
TAG_COLUMNS: Final = ("tenant_id", "transaction_id", "position", "tag")
if tuple(column.name for column in transaction_tags.columns) != TAG_COLUMNS:
    raise RuntimeError("finance_storage_sql.bulk.TAG_COLUMNS no longer matches transaction_tags")
TAG_INSERT_SQL: Final = (
    f"INSERT INTO transaction_tags ({', '.join(TAG_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(TAG_COLUMNS))})"
)


def sqlite_timestamp(value: datetime) -> str:
    """What ``UtcDateTime`` stores in SQLite: naive UTC, SQLAlchemy's DATETIME text."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class _Memo(dict[K, V]):
    """``make(key)`` for each distinct key, made once and then looked up."""

    def __init__(self, make: Callable[[K], V]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: K) -> V:
        value = self[key] = self._make(key)
        return value


def _person_json(fields: tuple[str, ...] | None) -> str | None:
    return None if fields is None else json.dumps(list(fields))


def _rule_json(fields: tuple[tuple[str, int], ...]) -> str | None:
    return json.dumps(dict(fields)) if fields else None


def _minor(amount: Decimal, currency: str, exponent: int, limit: int) -> int:
    """``mapping.minor`` for the common case, an exact amount in range, at less cost.

    ``exponent`` is ``minor_units(currency)`` and ``limit`` is ``MAX_MAGNITUDE`` in
    those units (a whole amount compares as an integer, cheaper than as a
    Decimal), both worked out once per account by the caller.
    """
    units = amount.scaleb(exponent)
    try:
        whole = int(units)
    except (ValueError, OverflowError):  # not finite
        whole = None
    if whole is not None and whole == units and -limit < whole < limit:
        return whole
    return mapping.minor(amount, currency, "amount")  # raises the exact error


def sqlite_rows(txns: Sequence[Transaction], currency: Mapping[int, str]) -> list[tuple[Any, ...]]:
    """The ``transactions`` rows of ``txns`` as driver-ready tuples, in ``COLUMNS`` order.

    The values are ``mapping.transaction_to_row``'s; a test holds the stored
    text of both paths equal.
    """
    # The rows of a chunk share a few dates, one time stamp and a few lists of
    # chosen or rule-set fields: each is converted once.
    days = _Memo(date.isoformat)
    stamps = _Memo(sqlite_timestamp)
    person_json = _Memo(_person_json)
    rule_json = _Memo(_rule_json)
    exponents = {
        ident: (code, minor_units(code), int(MAX_MAGNITUDE.scaleb(minor_units(code))))
        for ident, code in currency.items()
    }
    rows = []
    for t in txns:
        code, exponent, limit = exponents[t.account_id]
        description, merchant, der_merchant = t.description, t.merchant, t.der_merchant
        rows.append(
            (
                t.tenant_id,
                t.id,
                t.account_id,
                code,
                _minor(t.amount, code, exponent, limit),
                days[t.date],
                t.category,
                description,
                merchant,
                t.location,
                t.der_category,
                der_merchant,
                t.external_id,
                t.transfer_id,
                stamps[t.created_at],
                stamps[t.updated_at],
                t.version,
                None if description is None else description.casefold(),
                None if merchant is None else merchant.casefold(),
                None if der_merchant is None else der_merchant.casefold(),
                rule_json[t.rule_fields],
                person_json[t.person_fields],
            )
        )
    return rows


def sqlite_tag_rows(txns: Sequence[Transaction]) -> list[tuple[Any, ...]]:
    """The ``transaction_tags`` rows of ``txns`` (``mapping.tag_rows``'s values) as tuples."""
    return [
        (t.tenant_id, t.id, position, tag)
        for t in txns
        if t.tags
        for position, tag in enumerate(t.tags)
    ]
