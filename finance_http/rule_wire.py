"""Wire shapes of categorization rules, their runs and suggestions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs

from finance_core.categorize.model import ApplyResult, FieldChange, Rule, Suggestion
from finance_core.errors import FieldError, ValidationError, gather
from finance_core.queries import TransactionFilter
from finance_core.services import UNSET
from finance_http.reading import as_id
from finance_http.schemas import MONEY_IN

#: The list filters a run accepts in its ``filters`` object.
FILTER_FIELDS: Final = (
    "account_id",
    "start_date",
    "end_date",
    "category",
    "merchant",
    "tags",
    "der_category",
    "der_merchant",
    "min_amount",
    "max_amount",
    "q",
)


@attrs.frozen
class RuleOut:
    id: int
    name: str
    enabled: bool
    stage: str
    position: int
    stop: bool
    conditions: Any
    actions: list[Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Rule) -> RuleOut:
        return cls(
            r.id, r.name, r.enabled, r.stage, r.position, r.stop, r.conditions,
            list(r.actions), r.created_at, r.updated_at,
        )  # fmt: skip


@attrs.frozen
class RuleListOut:
    rules: list[RuleOut]
    total: int


def _value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@attrs.frozen
class ChangeOut:
    transaction_id: int
    rule_id: int | None
    field: str
    before: Any
    after: Any

    @classmethod
    def of(cls, c: FieldChange) -> ChangeOut:
        # An unsaved (previewed) rule has no id.
        rule_id = c.rule_id or None
        return cls(c.transaction_id, rule_id, c.field, _value(c.before), _value(c.after))


@attrs.frozen
class ApplyOut:
    changed: int
    transactions: int
    dry_run: bool
    changes: list[ChangeOut]

    @classmethod
    def of(cls, r: ApplyResult) -> ApplyOut:
        return cls(r.changed, r.transactions, r.dry_run, [ChangeOut.of(c) for c in r.changes])


@attrs.frozen
class PreviewOut:
    matched: int
    changed: int
    transactions: int
    changes: list[ChangeOut]

    @classmethod
    def of(cls, r: ApplyResult) -> PreviewOut:
        return cls(r.matched, r.changed, r.transactions, [ChangeOut.of(c) for c in r.changes])


@attrs.frozen
class SuggestionOut:
    rule: dict[str, Any]
    matches: int
    changes: int

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionOut:
        return cls(s.rule, s.matches, s.changes)


@attrs.frozen
class SuggestionListOut:
    suggestions: list[SuggestionOut]


_RULE_READ_ONLY: Final = frozenset({"id", "created_at", "updated_at"})


@attrs.frozen
class RuleCreateIn:
    READ_ONLY: ClassVar[frozenset[str]] = _RULE_READ_ONLY
    IDS: ClassVar[frozenset[str]] = frozenset()
    name: Any
    conditions: Any
    actions: Any
    enabled: Any = UNSET
    stage: Any = UNSET
    position: Any = UNSET
    stop: Any = UNSET

    def body(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self, recurse=False).items() if v is not UNSET}


@attrs.frozen
class RulePatchIn:
    READ_ONLY: ClassVar[frozenset[str]] = _RULE_READ_ONLY
    IDS: ClassVar[frozenset[str]] = frozenset()
    name: Any = UNSET
    conditions: Any = UNSET
    actions: Any = UNSET
    enabled: Any = UNSET
    stage: Any = UNSET
    position: Any = UNSET
    stop: Any = UNSET

    def body(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self, recurse=False).items() if v is not UNSET}


@attrs.frozen
class ApplyIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset()
    IDS: ClassVar[frozenset[str]] = frozenset()
    dry_run: Any
    rule_ids: Any = None
    filters: Any = None
    override: Any = False


@attrs.frozen
class PreviewIn:
    READ_ONLY: ClassVar[frozenset[str]] = _RULE_READ_ONLY
    IDS: ClassVar[frozenset[str]] = frozenset()
    conditions: Any
    actions: Any
    name: Any = UNSET
    stage: Any = UNSET
    stop: Any = UNSET
    filters: Any = None
    override: Any = False

    def body(self) -> dict[str, Any]:
        values = attrs.asdict(self, recurse=False)
        del values["filters"], values["override"]
        return {k: v for k, v in values.items() if v is not UNSET}


def check_flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError.of(field, f"{field} must be true or false")
    return value


def check_rule_ids(value: object) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= 1000:
        raise ValidationError.of("rule_ids", "rule_ids is a list of 1 to 1000 rule ids")
    ids = [as_id(item) for item in value]
    if None in ids:
        raise ValidationError.of("rule_ids", "each rule id is a positive integer")
    return [i for i in ids if i is not None]


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or len(value) > 255:
        raise ValidationError.of(field, f"{field} is a string of at most 255 characters")
    return value


def _day(field: str, value: object) -> date:
    try:
        if isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValidationError.of(field, f"{field} must be a date in YYYY-MM-DD form")


_DECIMAL_TEXT: Final = re.compile(MONEY_IN["pattern"])


def _amount(field: str, value: object) -> Decimal:
    if isinstance(value, str) and _DECIMAL_TEXT.match(value):
        return Decimal(value.strip())
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        amount = Decimal(value)
        if amount.is_finite():
            return amount
    raise ValidationError.of(field, f"{field} must be a decimal number such as -12.50")


def _tags(field: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) and len(value) <= 255:
        return tuple(t for t in (part.strip() for part in value.split(",")) if t)
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return tuple(value)
    raise ValidationError.of(field, f"{field} is a list of tags or a comma-separated string")


def _account(field: str, value: object) -> int:
    ident = as_id(value)
    if ident is None:
        raise ValidationError.of(field, f"{field} must be a positive integer id")
    return ident


def read_filters(raw: object) -> TransactionFilter | None:
    """The ``filters`` object of a run: the transaction list's filters, by the same names."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValidationError.of("filters", "filters must be a JSON object")
    errors = [
        FieldError(f"filters.{name}", f"unknown filter; allowed: {', '.join(FILTER_FIELDS)}")
        for name in sorted(set(map(str, raw)) - set(FILTER_FIELDS))
    ]
    parsers = {
        "account_id": _account,
        "start_date": _day,
        "end_date": _day,
        "tags": _tags,
        "min_amount": _amount,
        "max_amount": _amount,
    }
    checks = {
        name: (lambda n=name: parsers.get(n, _text)(f"filters.{n}", raw[n]))
        for name in FILTER_FIELDS
        if raw.get(name) is not None
    }
    values, failed = gather(checks)
    errors += failed
    if errors:
        raise ValidationError(errors)
    if "q" in values:
        values["text"] = values.pop("q")
    return TransactionFilter(**values)
