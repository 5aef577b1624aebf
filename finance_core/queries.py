"""Transaction queries: filters, ordering and the two kinds of pagination.

Order is always date descending, then id descending. Offset pagination gives a
total; keyset cursors encode the last (date, id) seen so that a page deep in the
history costs the same as the first.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Generic, TypeVar

import attrs

from finance_core.errors import FieldError, ValidationError
from finance_core.ids import MAX_ID, is_id
from finance_core.money import number_size_problem
from finance_core.text import text_problem
from finance_core.transactions import Transaction

MAX_LIMIT: Final = 1000
DEFAULT_LIMIT: Final = 100
#: Deeper pages are read with cursors, which cost the same at any depth.
MAX_OFFSET: Final = 1_000_000_000
#: Longest text a filter compares (the longest stored field it searches is 1000).
MAX_FILTER_TEXT: Final = 255
MAX_CURSOR_LENGTH: Final = 255
_TEXT_FILTERS: Final = ("category", "merchant", "der_category", "der_merchant", "text")

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

    def __attrs_post_init__(self) -> None:
        errors = filter_errors(self)
        if errors:
            raise ValidationError(errors)

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


def _text_error(field: str, value: object) -> FieldError | None:
    if not isinstance(value, str):
        return FieldError(field, f"{field} must be a string")
    if len(value) > MAX_FILTER_TEXT:
        return FieldError(field, f"{field} is {len(value)} characters; at most {MAX_FILTER_TEXT}")
    problem = text_problem(value)
    return None if problem is None else FieldError(field, f"{field} {problem}")


def filter_errors(flt: TransactionFilter) -> list[FieldError]:
    """Every bad value of a filter, so that every backend gets only what it can compare."""
    errors: list[FieldError] = []
    if flt.account_id is not None and not is_id(flt.account_id):
        errors.append(FieldError("account_id", f"account_id must be an id from 1 to {MAX_ID}"))
    for name in ("start_date", "end_date"):
        value = getattr(flt, name)
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            errors.append(FieldError(name, f"{name} must be a date"))
    for name in _TEXT_FILTERS:
        value = getattr(flt, name)
        error = None if value is None else _text_error(name, value)
        if error is not None:
            errors.append(error)
    if isinstance(flt.tags, str) or not all(isinstance(t, str) for t in flt.tags):
        errors.append(FieldError("tags", "tags must be a sequence of strings"))
    else:
        for tag in flt.tags:
            error = _text_error("tags", tag)
            if error is not None:
                errors.append(error)
                break
    for name in ("min_amount", "max_amount"):
        value = getattr(flt, name)
        if value is None:
            continue
        if not isinstance(value, Decimal) or not value.is_finite():
            errors.append(FieldError(name, f"{name} must be a finite Decimal"))
        elif (problem := number_size_problem(value)) is not None:
            errors.append(FieldError(name, f"{name} {problem}"))
    return errors


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
            if len(token) > MAX_CURSOR_LENGTH:
                raise ValueError(token)
            padded = token + "=" * (-len(token) % 4)
            day, ident = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
            if not (ident.isascii() and ident.isdigit() and is_id(int(ident))):
                raise ValueError(ident)
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
        errors = []
        if not _int_within(self.limit, 1, MAX_LIMIT):
            errors.append(FieldError("limit", f"limit must be between 1 and {MAX_LIMIT}"))
        if not _int_within(self.offset, 0, MAX_OFFSET):
            errors.append(
                FieldError(
                    "offset",
                    f"offset must be from 0 to {MAX_OFFSET:,}; page deeper with the cursor",
                )
            )
        elif self.cursor is not None and self.offset:
            errors.append(FieldError("offset", "use either offset or cursor, not both"))
        if errors:
            raise ValidationError(errors)


def _int_within(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


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
