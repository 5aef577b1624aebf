"""The JSON store's one cattrs converter: domain records to plain JSON values and back.

Every hook is explicit and strict. Money is a decimal string (never a float),
dates and datetimes are ISO 8601 strings, enums are their values and tuples are
lists. Structuring refuses what it was not written as (a number where a string
belongs, a float where an integer belongs, an unknown field), so a damaged file
is reported instead of being read as something else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import cattrs

from finance_core.accounts import AccountType
from finance_core.tenancy import Role
from finance_core.transactions import Split

E = TypeVar("E", bound=enum.Enum)


def _expect(obj: object, kind: type, what: str) -> None:
    # bool is an int subclass; a JSON true is never a valid id or amount.
    if not isinstance(obj, kind) or (isinstance(obj, bool) and kind is not bool):
        raise TypeError(f"expected {what}, found {type(obj).__name__} {obj!r}")


def _structure_str(obj: object, _: type) -> str:
    _expect(obj, str, "a string")
    assert isinstance(obj, str)
    return obj


def _structure_int(obj: object, _: type) -> int:
    _expect(obj, int, "an integer")
    assert isinstance(obj, int)
    return obj


def _structure_bool(obj: object, _: type) -> bool:
    _expect(obj, bool, "true or false")
    assert isinstance(obj, bool)
    return obj


def _structure_decimal(obj: object, _: type) -> Decimal:
    _expect(obj, str, "a decimal string such as '12.50'")
    assert isinstance(obj, str)
    try:
        value = Decimal(obj)
    except InvalidOperation:
        raise ValueError(f"{obj!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{obj!r} is not a finite amount")
    return value


def _structure_date(obj: object, _: type) -> date:
    _expect(obj, str, "a date such as '2026-01-31'")
    assert isinstance(obj, str)
    return date.fromisoformat(obj)


def _structure_datetime(obj: object, _: type) -> datetime:
    _expect(obj, str, "a datetime such as '2026-01-31T12:00:00+00:00'")
    assert isinstance(obj, str)
    return datetime.fromisoformat(obj)


def _enum_hooks(
    cls: type[E],
) -> tuple[Callable[[E], str], Callable[[object, type], E]]:
    def unstructure(member: E) -> str:
        return str(member.value)

    def structure(obj: object, _: type) -> E:
        _expect(obj, str, f"one of {', '.join(str(m.value) for m in cls)}")
        return cls(obj)

    return unstructure, structure


def _equals(hint: object) -> Callable[[Any], bool]:
    return lambda candidate: bool(candidate == hint)


def make_converter() -> cattrs.Converter:
    """Build the converter for the store's files (see the module docstring)."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)

    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    # datetime before date: a datetime is also a date, and the newer hook wins.
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, _structure_datetime)

    for cls in (AccountType, Role):
        unstructure, structure = _enum_hooks(cls)
        converter.register_unstructure_hook(cls, unstructure)
        converter.register_structure_hook(cls, structure)

    def unstructure_tags(tags: tuple[str, ...]) -> list[str]:
        return list(tags)

    def structure_tags(obj: object, _: type) -> tuple[str, ...]:
        _expect(obj, list, "a list of strings")
        assert isinstance(obj, list)
        return tuple(_structure_str(item, str) for item in obj)

    def unstructure_splits(splits: tuple[Split, ...]) -> list[dict[str, Any]]:
        return [converter.unstructure(split, Split) for split in splits]

    def structure_splits(obj: object, _: type) -> tuple[Split, ...]:
        _expect(obj, list, "a list of splits")
        assert isinstance(obj, list)
        return tuple(converter.structure(item, Split) for item in obj)

    # Parametrised generics are not classes, so these hooks match by equality.
    for hint, unstructure_fn, structure_fn in (
        (tuple[str, ...], unstructure_tags, structure_tags),
        (tuple[Split, ...], unstructure_splits, structure_splits),
    ):
        converter.register_unstructure_hook_func(_equals(hint), unstructure_fn)
        converter.register_structure_hook_func(_equals(hint), structure_fn)
    return converter
