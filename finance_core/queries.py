"""Transaction queries: filters, ordering and the two kinds of pagination.

Order is always date descending, then id descending. Offset pagination gives a
total; keyset cursors encode the last (date, id) seen so that a page deep in the
history costs the same as the first.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Final, Generic, TypeVar

import attrs

from finance_core.errors import ValidationError
from finance_core.transactions import Transaction

MAX_LIMIT: Final = 1000
DEFAULT_LIMIT: Final = 100

T = TypeVar("T")


@attrs.frozen
class TransactionFilter:
    """Every filter is optional; all given ones must match (AND)."""

    account_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    category: str | None = None
    merchant: str | None = None
    tags: tuple[str, ...] = ()
    der_category: str | None = None
    der_merchant: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    text: str | None = None

    def matches(self, txn: Transaction) -> bool:
        """The reference semantics every backend must reproduce."""
        if self.account_id is not None and txn.account_id != self.account_id:
            return False
        if self.start_date is not None and txn.date < self.start_date:
            return False
        if self.end_date is not None and txn.date > self.end_date:
            return False
        if self.category is not None and txn.category != self.category:
            return False
        if self.merchant is not None and not _contains(txn.merchant, self.merchant):
            return False
        if self.tags and not set(self.tags).intersection(txn.tags):
            return False
        if self.der_category is not None and txn.der_category != self.der_category:
            return False
        if self.der_merchant is not None and not _contains(txn.der_merchant, self.der_merchant):
            return False
        if self.min_amount is not None and txn.amount < self.min_amount:
            return False
        if self.max_amount is not None and txn.amount > self.max_amount:
            return False
        return not (
            self.text is not None
            and not (_contains(txn.description, self.text) or _contains(txn.merchant, self.text))
        )


def _contains(haystack: str | None, needle: str) -> bool:
    return haystack is not None and needle.casefold() in haystack.casefold()


@attrs.frozen
class Cursor:
    """The position after the last row of a page: its (date, id)."""

    date: date
    id: int

    def encode(self) -> str:
        raw = f"{self.date.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            day, ident = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
            return cls(date.fromisoformat(day), int(ident))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValidationError.of(
                "cursor", "cursor is not one this service issued; start again without it"
            ) from None

    def is_after(self, txn: Transaction) -> bool:
        """True when ``txn`` comes after this cursor in (date desc, id desc) order."""
        return (txn.date, txn.id) < (self.date, self.id)


@attrs.frozen
class PageRequest:
    """Offset pagination when ``cursor`` is None, keyset pagination otherwise."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    cursor: Cursor | None = None
    with_total: bool = True

    def __attrs_post_init__(self) -> None:
        if (
            isinstance(self.limit, bool)
            or not isinstance(self.limit, int)
            or not (1 <= self.limit <= MAX_LIMIT)
        ):
            raise ValidationError.of("limit", f"limit must be between 1 and {MAX_LIMIT}")
        if isinstance(self.offset, bool) or not isinstance(self.offset, int) or self.offset < 0:
            raise ValidationError.of("offset", "offset must be 0 or more")
        if self.cursor is not None and self.offset:
            raise ValidationError.of("offset", "use either offset or cursor, not both")


@attrs.frozen
class Page(Generic[T]):
    """One page of results; ``next_cursor`` is None on the last page."""

    items: Sequence[T]
    total: int | None
    next_cursor: str | None


def sort_key(txn: Transaction) -> tuple[date, int]:
    """Ascending key; sort with ``reverse=True`` for the canonical order."""
    return (txn.date, txn.id)


def paginate(rows: Sequence[Transaction], page: PageRequest) -> Page[Transaction]:
    """Apply a page request to rows already filtered and in canonical order."""
    total = len(rows) if page.with_total else None
    if page.cursor is not None:
        cursor = page.cursor
        start = next((i for i, t in enumerate(rows) if cursor.is_after(t)), len(rows))
    else:
        start = page.offset
    items = list(rows[start : start + page.limit])
    more = start + page.limit < len(rows)
    next_cursor = Cursor(items[-1].date, items[-1].id).encode() if items and more else None
    return Page(items, total, next_cursor)
