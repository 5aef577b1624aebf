"""Transactions, their category splits, and transfers between accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import partial as partial_call
from typing import Any, Final

import attrs

from finance_core.errors import FieldError, ValidationError, gather
from finance_core.money import check_amount
from finance_core.text import check_chars

MAX_TAGS: Final = 20
TRANSFER_CATEGORY: Final = "transfer"

#: Optional text fields and their maximum lengths.
#: Only ``description`` may hold tab and line breaks; no text holds other controls.
TEXT_LIMITS: Final[dict[str, int]] = {
    "description": 1000,
    "merchant": 255,
    "location": 255,
    "der_category": 100,
    "der_merchant": 255,
    "external_id": 255,
}


@attrs.frozen
class Split:
    """One category line of a split transaction."""

    category: str
    amount: Decimal


@attrs.frozen
class Transaction:
    """Money into (positive) or out of (negative) one account on one date."""

    id: int
    tenant_id: str
    account_id: int
    amount: Decimal
    date: date
    category: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    merchant: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    der_category: str | None = None
    der_merchant: str | None = None
    external_id: str | None = None
    splits: tuple[Split, ...] = ()
    transfer_id: int | None = None
    version: int = 1
    #: Which categorization rule last set each field, as (field, rule id) pairs.
    rule_fields: tuple[tuple[str, int], ...] = ()
    #: Fields a person gave (when posting or editing); rules leave them alone. None for
    #: rows stored before this was recorded: every field with a value counts as given.
    person_fields: tuple[str, ...] | None = None


@attrs.frozen
class Transfer:
    """Money moved between two accounts of one tenant: two linked legs."""

    id: int
    tenant_id: str
    from_account_id: int
    to_account_id: int
    from_transaction_id: int
    to_transaction_id: int
    amount: Decimal
    to_amount: Decimal
    date: date
    description: str | None
    created_at: datetime


#: Fields a caller may set on a transaction (account_id handled separately).
TRANSACTION_FIELDS: Final = frozenset(
    {"amount", "date", "category", "tags", "splits", *TEXT_LIMITS}
)


MULTILINE_FIELDS: Final = frozenset({"description"})


def check_category(value: object, field: str = "category") -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 100:
        raise ValidationError.of(field, "category is required: 1 to 100 characters")
    return check_chars(value.strip(), field)


def check_text(field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError.of(field, f"{field} must be a string or null")
    limit = TEXT_LIMITS[field]
    if len(value) > limit:
        raise ValidationError.of(field, f"{field} is {len(value)} characters; the limit is {limit}")
    return check_chars(value, field, multiline=field in MULTILINE_FIELDS)


def check_tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError.of("tags", "tags must be a list of strings")
    tags = list(value)
    if len(tags) > MAX_TAGS:
        raise ValidationError.of("tags", f"{len(tags)} tags given; at most {MAX_TAGS} are allowed")
    seen: set[str] = set()
    for tag in tags:
        if not isinstance(tag, str) or not 1 <= len(tag) <= 50:
            raise ValidationError.of("tags", f"each tag must be 1 to 50 characters: {tag!r}")
        check_chars(tag, "tags")
        if tag in seen:
            raise ValidationError.of("tags", f"tag {tag!r} appears twice; tags are distinct")
        seen.add(tag)
    return tuple(tags)


def check_date(value: object, field: str = "date") -> date:
    if isinstance(value, datetime):
        raise ValidationError.of(field, "expected a date, not a datetime")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError.of(field, f"{value!r} is not a date in YYYY-MM-DD form")


def check_splits(value: object, currency: str) -> tuple[Split, ...]:
    """Validate split lines; ``check_split_total`` checks them against the amount."""
    if value is None:
        return ()
    if not isinstance(value, Iterable) or isinstance(value, (str, Mapping)):
        raise ValidationError.of("splits", "splits must be a list of {category, amount}")
    splits: list[Split] = []
    for index, raw in enumerate(value):
        category: object
        split_amount: object
        if isinstance(raw, Split):
            category, split_amount = raw.category, raw.amount
        elif isinstance(raw, Mapping):
            unknown = set(raw) - {"category", "amount"}
            if unknown:
                raise ValidationError.of(
                    f"splits[{index}]", f"unknown fields: {', '.join(sorted(unknown))}"
                )
            category, split_amount = raw.get("category"), raw.get("amount")
        else:
            raise ValidationError.of(f"splits[{index}]", "each split is {category, amount}")
        splits.append(
            Split(
                check_category(category, f"splits[{index}].category"),
                check_amount(split_amount, currency, f"splits[{index}].amount"),
            )
        )
    return tuple(splits)


def clean_fields(
    fields: Mapping[str, Any], currency: str, *, partial: bool = False
) -> dict[str, Any]:
    """Validate caller-supplied transaction fields, reporting every bad field at once.

    With ``partial`` only the given fields are checked (an update); otherwise
    ``amount``, ``date`` and ``category`` are required.
    """
    errors = [
        FieldError(name, "unknown field") for name in sorted(set(fields) - TRANSACTION_FIELDS)
    ]
    if not partial:
        errors += [
            FieldError(name, f"{name} is required")
            for name in ("amount", "date", "category")
            if fields.get(name) is None
        ]
    for name in ("amount", "date"):
        if partial and name in fields and fields[name] is None:
            errors.append(FieldError(name, f"{name} cannot be null"))
    checks: dict[str, Callable[[], Any]] = {}
    if fields.get("amount") is not None:
        checks["amount"] = partial_call(check_amount, fields["amount"], currency)
    if fields.get("date") is not None:
        checks["date"] = partial_call(check_date, fields["date"])
    if "category" in fields and (fields["category"] is not None or partial):
        checks["category"] = partial_call(check_category, fields["category"])
    for name in TEXT_LIMITS:
        if name in fields:
            checks[name] = partial_call(check_text, name, fields[name])
    if "tags" in fields:
        checks["tags"] = partial_call(check_tags, fields["tags"])
    if "splits" in fields:
        # The sum check needs the final amount, so the caller runs it after merging.
        checks["splits"] = partial_call(check_splits, fields["splits"], currency)
    out, failed = gather(checks)
    errors += failed
    if errors:
        raise ValidationError(errors)
    return out


def check_split_total(splits: tuple[Split, ...], amount: Decimal) -> None:
    if splits:
        total = sum((s.amount for s in splits), Decimal(0))
        if total != amount:
            raise ValidationError.of(
                "splits", f"split amounts add up to {total}, but the amount is {amount}"
            )
