"""Checking what a caller sends for a schedule: every bad field named at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from finance_core.errors import FieldError, ValidationError, gather
from finance_core.money import check_amount, to_decimal
from finance_core.recurrence import Recurrence, parse_recurrence
from finance_core.schedules import AmountTolerance, ScheduleTerms
from finance_core.text import check_chars
from finance_core.transactions import check_category, check_tags, check_text

RECURRENCE_FIELDS: Final = frozenset(
    {"start_date", "freq", "interval", "by_weekday", "by_month_day", "count", "until", "weekend"}
)
TERM_FIELDS: Final = frozenset(
    {
        "account_id",
        "amount",
        "category",
        "merchant",
        "description",
        "tags",
        "to_account_id",
        "amount_tolerance",
        "date_tolerance_days",
        "auto_post",
        *RECURRENCE_FIELDS,
    }
)
SCHEDULE_FIELDS: Final = frozenset({"name", *TERM_FIELDS})
MAX_DATE_TOLERANCE: Final = 31


def check_name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 255:
        raise ValidationError.of("name", "name is required: 1 to 255 characters")
    return check_chars(value.strip(), "name")


def check_account_ref(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError.of(field, f"{field} must be a positive integer id")
    return value


def check_tolerance(value: object, currency: str) -> AmountTolerance | None:
    """``{"percent": 7.5}``, ``{"amount": 5.00}`` or None (exact)."""
    if value is None or isinstance(value, AmountTolerance):
        return value
    if not isinstance(value, Mapping) or len(value) != 1 or not {"percent", "amount"} & set(value):
        raise ValidationError.of(
            "amount_tolerance", 'use {"percent": 7.5}, {"amount": 5.00} or null for exact'
        )
    if "percent" in value:
        percent = to_decimal(value["percent"], "amount_tolerance.percent")
        if not Decimal(0) <= percent <= Decimal(100):
            raise ValidationError.of("amount_tolerance.percent", "percent must be from 0 to 100")
        return AmountTolerance(percent=percent)
    amount = check_amount(value["amount"], currency, "amount_tolerance.amount")
    if amount < 0:
        raise ValidationError.of("amount_tolerance.amount", "amount must not be negative")
    return AmountTolerance(amount=amount)


def check_date_tolerance(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 31:
        raise ValidationError.of(
            "date_tolerance_days", f"date_tolerance_days must be 0 to {MAX_DATE_TOLERANCE}"
        )
    return value


def check_flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError.of(field, f"{field} must be true or false")
    return value


def unknown_fields(fields: Mapping[str, Any], allowed: frozenset[str]) -> list[FieldError]:
    return [FieldError(name, "unknown field") for name in sorted(set(fields) - allowed)]


def recurrence_fields(rec: Recurrence) -> dict[str, Any]:
    return attrs.asdict(rec, recurse=False)


def terms_fields(terms: ScheduleTerms) -> dict[str, Any]:
    """The flat caller-side fields of a revision (the inverse of ``clean_terms``)."""
    values = attrs.asdict(terms, recurse=False)
    values.pop("effective_from")
    values.update(recurrence_fields(values.pop("recurrence")))
    return values


def clean_terms(fields: Mapping[str, Any], currency_of: Callable[[int], str]) -> ScheduleTerms:
    """A revision from flat fields; ``currency_of`` finds an account's currency or raises."""
    errors = unknown_fields(fields, TERM_FIELDS)
    errors += [
        FieldError(name, f"{name} is required")
        for name in ("account_id", "amount", "start_date", "freq")
        if fields.get(name) is None
    ]
    transfer = fields.get("to_account_id") is not None
    if not transfer and fields.get("category") is None:
        errors.append(FieldError("category", "category is required (unless to_account_id is set)"))
    currency = "USD"
    if fields.get("account_id") is not None:
        try:
            currency = currency_of(check_account_ref(fields["account_id"], "account_id"))
        except ValidationError as exc:
            errors.extend(exc.errors)
    checks: dict[str, Callable[[], Any]] = {
        "recurrence": lambda: parse_recurrence(
            {k: v for k, v in fields.items() if k in RECURRENCE_FIELDS}
        ),
        "amount_tolerance": lambda: check_tolerance(fields.get("amount_tolerance"), currency),
        "date_tolerance_days": lambda: check_date_tolerance(fields.get("date_tolerance_days", 2)),
        "auto_post": lambda: check_flag(fields.get("auto_post", False), "auto_post"),
        "merchant": lambda: check_text("merchant", fields.get("merchant")),
        "description": lambda: check_text("description", fields.get("description")),
        "tags": lambda: check_tags(fields.get("tags")),
    }
    if fields.get("amount") is not None:
        checks["amount"] = lambda: check_amount(fields["amount"], currency)
    if fields.get("category") is not None:
        checks["category"] = lambda: check_category(fields["category"])
    if transfer:
        checks["to_account_id"] = lambda: _check_target(fields, currency, currency_of)
    cleaned, failed = gather(checks)
    errors += failed
    if "amount" in cleaned:
        if cleaned["amount"] == 0:
            errors.append(FieldError("amount", "amount must not be zero"))
        elif transfer and cleaned["amount"] < 0:
            errors.append(FieldError("amount", "a transfer moves a positive amount"))
    if errors:
        raise ValidationError(errors)
    return ScheduleTerms(account_id=fields["account_id"], **cleaned)


def _check_target(
    fields: Mapping[str, Any], currency: str, currency_of: Callable[[int], str]
) -> int:
    target = check_account_ref(fields["to_account_id"], "to_account_id")
    if target == fields.get("account_id"):
        raise ValidationError.of("to_account_id", "a transfer needs two different accounts")
    if currency_of(target) != currency:
        raise ValidationError.of(
            "to_account_id", "a scheduled transfer needs two accounts of one currency"
        )
    return target
