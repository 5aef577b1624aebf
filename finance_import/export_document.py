"""The JSON export document: a tenant's whole books, readable and re-importable.

One cattrs converter, built by ``make_converter``, owns this format: amounts
as decimal strings (never floats), dates and timestamps in ISO 8601, enums by
value. Unknown keys are errors, so a hand-edited file fails loudly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from finance_core.accounts import Account, AccountType
from finance_core.budgets import Budget
from finance_core.categorize.model import Rule
from finance_core.errors import ValidationError
from finance_core.planning_portability import PlanningData
from finance_core.portability import TenantData
from finance_core.schedules import OccurrenceChange, Schedule, ScheduleLink
from finance_core.statements import Reconciliation, Statement
from finance_core.transactions import Transaction, Transfer

FORMAT: Final = "finance-planner-export"
VERSION: Final = 1
#: Planning data, each optional: a document from before schedules has none.
PLANNING_PARTS: Final[tuple[tuple[str, type], ...]] = (
    ("schedules", Schedule),
    ("schedule_links", ScheduleLink),
    ("schedule_changes", OccurrenceChange),
    ("budgets", Budget),
)
# Fields that belong to the storing tenant rather than to the books.
_LOCAL_FIELDS: Final = ("tenant_id",)


def _decimal(value: Any, _: type) -> Decimal:
    # Documents are read with parse_float=Decimal, so a number here is exact;
    # a Python float can only come from a caller, and is refused.
    if isinstance(value, (float, bool)):
        raise ValueError(f"{value!r} must be a decimal, not a float")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def make_converter() -> cattrs.Converter:
    """The converter for export documents."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    converter.register_unstructure_hook(AccountType, lambda v: v.value)
    _rule_field_hooks(converter)
    for cls in (Account, Transaction, Transfer, Rule, Statement, Reconciliation, Schedule, Budget):
        _drop_local_fields(converter, cls)
    return converter


def _rule_field_hooks(converter: cattrs.Converter) -> None:
    """``rule_fields`` reads as an object of field names to rule ids."""
    pairs = tuple[tuple[str, int], ...]

    def structure(value: Any, _: Any) -> tuple[tuple[str, int], ...]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and type(v) is int for k, v in value.items()
        ):
            raise ValueError("rule_fields must be an object of field names to rule ids")
        return tuple(sorted(value.items()))

    def is_pairs(hint: Any) -> bool:
        return bool(hint == pairs)

    converter.register_unstructure_hook_func(is_pairs, dict)
    converter.register_structure_hook_func(is_pairs, structure)


def _drop_local_fields(converter: cattrs.Converter, cls: type) -> None:
    plain: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(cls, converter)

    def unstructure(obj: Any) -> dict[str, Any]:
        data = plain(obj)
        for name in _LOCAL_FIELDS:
            data.pop(name, None)
        return data

    structure_plain: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=True
    )

    def structure(data: Any, _: type) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, got {type(data).__name__}")
        return structure_plain({**data, "tenant_id": ""}, cls)

    converter.register_unstructure_hook(cls, unstructure)
    converter.register_structure_hook(cls, structure)


_CONVERTER = make_converter()


def to_json(data: TenantData, *, tenant_name: str | None = None) -> bytes:
    """The export document, pretty-printed, as UTF-8 bytes."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "tenant": tenant_name,
        "accounts": _CONVERTER.unstructure(list(data.accounts)),
        "transactions": _CONVERTER.unstructure(list(data.transactions)),
        "transfers": _CONVERTER.unstructure(list(data.transfers)),
        "rules": _CONVERTER.unstructure(list(data.rules)),
        **{
            key: [_CONVERTER.unstructure(item, cls) for item in getattr(data.planning, key)]
            for key, cls in PLANNING_PARTS
        },
        "statements": _CONVERTER.unstructure(list(data.statements)),
        "reconciliations": _CONVERTER.unstructure(list(data.reconciliations)),
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()


def _read_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def from_json(raw: bytes, *, loads: Callable[[str], Any] = _read_json) -> TenantData:
    """Read an export document; every problem is a ValidationError saying where.

    Adapters reading untrusted bytes pass a ``loads`` with limits on nesting
    and number size (the HTTP adapter's exact JSON reader).
    """
    try:
        document = loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValidationError.of("file", f"not a JSON export document: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError.of("file", f"not a {FORMAT} document (no 'format': '{FORMAT}')")
    if document.get("version") != VERSION:
        raise ValidationError.of(
            "file",
            f"export version {document.get('version')!r} is not supported; "
            f"this build reads version {VERSION}",
        )
    parts: dict[str, tuple[Any, ...]] = {}
    # Documents written before rules or statements existed have no such lists: they hold none.
    for key, cls in (
        ("accounts", Account),
        ("transactions", Transaction),
        ("transfers", Transfer),
        ("rules", Rule),
        *PLANNING_PARTS,
        ("statements", Statement),
        ("reconciliations", Reconciliation),
    ):
        items = document.get(key, [])
        if not isinstance(items, list):
            raise ValidationError.of(key, "must be a list")
        out: list[Any] = []
        for index, item in enumerate(items):
            try:
                out.append(_CONVERTER.structure(item, cls))
            except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
                detail = (
                    "; ".join(cattrs.transform_error(exc))
                    if isinstance(exc, cattrs.BaseValidationError)
                    else str(exc)
                )
                raise ValidationError.of(f"{key}[{index}]", detail) from None
        parts[key] = tuple(out)
    planning = PlanningData(**{key: parts[key] for key, _ in PLANNING_PARTS})
    return TenantData(
        parts["accounts"],
        parts["transactions"],
        parts["transfers"],
        rules=parts["rules"],
        statements=parts["statements"],
        reconciliations=parts["reconciliations"],
        planning=planning,
    )


__all__ = ["FORMAT", "VERSION", "from_json", "make_converter", "to_json"]
