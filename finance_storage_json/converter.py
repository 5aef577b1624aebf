"""The JSON store's one cattrs converter: domain records to plain JSON values and back.

Every hook is explicit and strict. Money is a decimal string (never a float),
dates and datetimes are ISO 8601 strings, enums are their values and tuples are
lists. Structuring refuses what it was not written as (a number where a string
belongs, a float where an integer belongs, an unknown field), so a damaged file
is reported instead of being read as something else.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import cattrs

from finance_core.accounts import AccountType
from finance_core.budgets import BudgetAmount
from finance_core.schedules import AmountTolerance, ScheduleTerms
from finance_core.tenancy import Role
from finance_core.transactions import Split

E = TypeVar("E", bound=enum.Enum)


def _wrong(obj: object, what: str) -> TypeError:
    return TypeError(f"expected {what}, found {type(obj).__name__} {obj!r}")


# Exact type checks (``type(obj) is str``) are the fast path of loading a large
# snapshot, and they refuse bool where an int belongs, as JSON true is never an id.
def _structure_str(obj: object, _: object) -> str:
    if type(obj) is str:
        return obj
    raise _wrong(obj, "a string")


def _structure_optional_str(obj: object, _: object) -> str | None:
    if obj is None or type(obj) is str:
        return obj
    raise _wrong(obj, "a string or null")


def _structure_int(obj: object, _: object) -> int:
    if type(obj) is int:
        return obj
    raise _wrong(obj, "an integer")


def _structure_optional_int(obj: object, _: object) -> int | None:
    if obj is None or type(obj) is int:
        return obj
    raise _wrong(obj, "an integer or null")


def _structure_bool(obj: object, _: object) -> bool:
    if type(obj) is bool:
        return obj
    raise _wrong(obj, "true or false")


def _structure_decimal(obj: object, _: object) -> Decimal:
    if type(obj) is not str:
        raise _wrong(obj, "a decimal string such as '12.50'")
    try:
        value = Decimal(obj)
    except InvalidOperation:
        raise ValueError(f"{obj!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{obj!r} is not a finite amount")
    return value


#: The shortest text with a fractional-second UTC offset.
_SHORTEST_FRACTIONAL = len("2026-01-31T12:00:00+00:00:00.000001")
_FRACTIONAL_OFFSET = re.compile(r"([+-])(\d\d):(\d\d):(\d\d)\.(\d{6})$")


def _structure_optional_decimal(obj: object, _: object) -> Decimal | None:
    return None if obj is None else _structure_decimal(obj, Decimal)


def _structure_date(obj: object, _: object) -> date:
    if type(obj) is not str:
        raise _wrong(obj, "a date such as '2026-01-31'")
    return date.fromisoformat(obj)


def _structure_datetime(obj: object, _: object) -> datetime:
    if type(obj) is not str:
        raise _wrong(obj, "a datetime such as '2026-01-31T12:00:00+00:00'")
    # Python 3.11's fromisoformat can drop the fraction of a UTC offset such as
    # +00:00:00.000001, so such offsets are read here; the length test keeps
    # the common case free of the regular expression.
    if len(obj) >= _SHORTEST_FRACTIONAL:
        fractional = _FRACTIONAL_OFFSET.search(obj)
        if fractional is not None:
            sign, hours, minutes, seconds, micros = fractional.groups()
            offset = timedelta(
                hours=int(hours),
                minutes=int(minutes),
                seconds=int(seconds),
                microseconds=int(micros),
            )
            local = datetime.fromisoformat(obj[: fractional.start()])
            return local.replace(tzinfo=timezone(-offset if sign == "-" else offset))
    return datetime.fromisoformat(obj)


def _enum_hooks(
    cls: type[E],
) -> tuple[Callable[[E], str], Callable[[object, type], E]]:
    def unstructure(member: E) -> str:
        return str(member.value)

    # A dict lookup: calling the enum class is several times slower per record.
    members = {str(member.value): member for member in cls}

    def structure(obj: object, _: object) -> E:
        member = members.get(obj) if type(obj) is str else None
        if member is None:
            raise _wrong(obj, f"one of {', '.join(members)}")
        return member

    return unstructure, structure


def _equals(hint: object) -> Callable[[Any], bool]:
    return lambda candidate: bool(candidate == hint)


def make_converter() -> cattrs.Converter:
    """Build the converter for the store's files (see the module docstring)."""
    # Fields at their default (no description, no tags, version 1) are left out:
    # files stay readable and load twice as fast. A changed default in the
    # domain therefore needs a new format version.
    converter = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    # Optional fields get direct hooks: cattrs' generic union handling costs a
    # call per field, which dominates loading 100,000 transactions.
    for optional, hook in (
        (str | None, _structure_optional_str),
        (int | None, _structure_optional_int),
        (Decimal | None, _structure_optional_decimal),
    ):
        converter.register_structure_hook_func(_equals(optional), hook)

    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    # Hooks dispatch on the most specific class, so datetimes never take the date hook.
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

    def structure_tags(obj: object, _: object) -> tuple[str, ...]:
        if type(obj) is not list:
            raise _wrong(obj, "a list of strings")
        if obj and not all(type(item) is str for item in obj):
            raise TypeError(f"expected a list of strings, found {obj!r}")
        return tuple(obj)

    def unstructure_splits(splits: tuple[Split, ...]) -> list[dict[str, Any]]:
        return [converter.unstructure(split, Split) for split in splits]

    def structure_splits(obj: object, _: object) -> tuple[Split, ...]:
        if type(obj) is not list:
            raise _wrong(obj, "a list of splits")
        return tuple([converter.structure(item, Split) for item in obj]) if obj else ()

    def unstructure_rule_fields(pairs: tuple[tuple[str, int], ...]) -> dict[str, int]:
        return dict(pairs)

    def structure_rule_fields(obj: object, _: object) -> tuple[tuple[str, int], ...]:
        if type(obj) is not dict or not all(
            type(k) is str and type(v) is int for k, v in obj.items()
        ):
            raise _wrong(obj, "an object of field names to rule ids")
        return tuple(sorted(obj.items()))

    def structure_actions(obj: object, _: object) -> tuple[Any, ...]:
        if type(obj) is not list:
            raise _wrong(obj, "a list of rule actions")
        return tuple(obj)

    # Parametrised generics are not classes, so these hooks match by equality.
    for generic, unstructure_fn, structure_fn in (
        (tuple[str, ...], unstructure_tags, structure_tags),
        (tuple[Split, ...], unstructure_splits, structure_splits),
        (tuple[tuple[str, int], ...], unstructure_rule_fields, structure_rule_fields),
        (tuple[Any, ...], list, structure_actions),
    ):
        converter.register_unstructure_hook_func(_equals(generic), unstructure_fn)
        converter.register_structure_hook_func(_equals(generic), structure_fn)
    _planning_hooks(converter)
    return converter


def _planning_hooks(converter: cattrs.Converter) -> None:
    """Schedules and budgets: their nested revisions and amount changes are lists."""

    def structure_optional_date(obj: object, _: object) -> date | None:
        return None if obj is None else _structure_date(obj, date)

    converter.register_structure_hook_func(_equals(date | None), structure_optional_date)

    def structure_tolerance(obj: object, _: object) -> AmountTolerance | None:
        return None if obj is None else converter.structure(obj, AmountTolerance)

    converter.register_structure_hook_func(_equals(AmountTolerance | None), structure_tolerance)

    def structure_ints(obj: object, _: object) -> tuple[int, ...]:
        if type(obj) is not list or not all(type(item) is int for item in obj):
            raise _wrong(obj, "a list of integers")
        return tuple(obj)

    def list_of(cls: type) -> tuple[Callable[[Any], list[Any]], Callable[[object, object], Any]]:
        def unstructure(items: tuple[Any, ...]) -> list[Any]:
            return [converter.unstructure(item, cls) for item in items]

        def structure(obj: object, _: object) -> tuple[Any, ...]:
            if type(obj) is not list:
                raise _wrong(obj, f"a list of {cls.__name__}")
            return tuple(converter.structure(item, cls) for item in obj)

        return unstructure, structure

    converter.register_unstructure_hook_func(_equals(tuple[int, ...]), list)
    converter.register_structure_hook_func(_equals(tuple[int, ...]), structure_ints)
    for generic, cls in (
        (tuple[ScheduleTerms, ...], ScheduleTerms),
        (tuple[BudgetAmount, ...], BudgetAmount),
    ):
        unstructure_fn, structure_fn = list_of(cls)
        converter.register_unstructure_hook_func(_equals(generic), unstructure_fn)
        converter.register_structure_hook_func(_equals(generic), structure_fn)
