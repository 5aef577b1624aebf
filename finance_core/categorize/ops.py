"""Condition operators: the built-in ones, and the record a plugin uses to add one.

An operator turns a leaf's ``value`` into a test of one field's value. It is
built once, when a rule is saved or a rule set is compiled, never per
transaction. ``matches`` uses RE2, whose matching time grows linearly with the
text whatever the pattern, so no pattern can hang a worker.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs
import re2  # type: ignore[import-untyped]

from finance_core.categorize.model import MAX_CHOICES, MAX_PATTERN, TEXT_FIELDS
from finance_core.errors import ConfigurationError

#: A test of one field's value.
ValueTest = Callable[[Any], bool]
#: Builds ``(canonical value, test)`` from a leaf's field, value and case flag;
#: raises ``ValueError`` with a message that says how to fix the value.
OpBuilder = Callable[[str, Any, bool], tuple[Any, ValueTest]]


@attrs.frozen
class ConditionOp:
    """A condition operator: the fields it applies to and how its test is built."""

    name: str
    fields: frozenset[str]
    build: OpBuilder
    description: str = ""
    #: JSON Schema of the leaf's ``value``, for the API document.
    value_schema: Mapping[str, Any] = attrs.field(factory=dict)


NUMERIC: Final = frozenset({"amount", "date"})


def _fold(case_sensitive: bool) -> Callable[[str], str]:
    return (lambda s: s) if case_sensitive else str.casefold


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("value must be a non-empty string")
    if len(value) > MAX_PATTERN:
        raise ValueError(f"value is {len(value)} characters; the limit is {MAX_PATTERN}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("value holds a lone surrogate, which is not text; remove it") from None
    return value


def _choices(value: Any, parse: Callable[[Any], Any]) -> list[Any]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_CHOICES:
        raise ValueError(f"value must be a list of 1 to {MAX_CHOICES} values")
    return [parse(item) for item in value]


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValueError("value must be an exact amount: a JSON number or a decimal string")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("value must be a date in YYYY-MM-DD form")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("value must be a positive account id")
    return value


def _scalar(field: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """(parse, canonical form) of one value of an amount, date or id field."""
    if field == "amount":
        return _amount, str
    if field == "date":
        return _date, date.isoformat
    return _id, lambda v: v


# -- text ---------------------------------------------------------------------
def _text_op(compare: Callable[[str, str], bool]) -> OpBuilder:
    def build(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
        want = _text(value)
        fold = _fold(case_sensitive)
        folded = fold(want)

        def test(got: Any) -> bool:
            return got is not None and compare(fold(got), folded)

        return want, test

    return build


def _equals(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
    if field in TEXT_FIELDS:
        return _text_op(str.__eq__)(field, value, case_sensitive)
    parse, canonical = _scalar(field)
    want = parse(value)
    return canonical(want), lambda got: bool(got == want)


def _matches(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
    pattern = _text(value)
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        raise ValueError(f"not a valid regular expression (RE2 syntax): {exc}") from None
    search = compiled.search

    def test(got: Any) -> bool:
        if got is None:
            return False
        try:
            return search(got) is not None
        except UnicodeEncodeError:
            return search(search_text(got)) is not None

    return pattern, test


def search_text(text: str) -> str:
    """``text`` as RE2 can read it: a lone surrogate (possible in JSON input) has no
    UTF-8 form, so it reads as U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _one_of(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
    if field in TEXT_FIELDS or field == "tags":
        items = _choices(value, _text)
        fold = _fold(case_sensitive)
        wanted = frozenset(fold(item) for item in items)
        if field == "tags":
            return items, lambda tags: any(fold(t) in wanted for t in tags)
        return items, lambda got: got is not None and fold(got) in wanted
    parse, canonical = _scalar(field)
    parsed = _choices(value, parse)
    members = frozenset(parsed)
    return [canonical(v) for v in parsed], lambda got: got in members


def _order(compare: Callable[[Any, Any], bool]) -> OpBuilder:
    def build(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
        parse, canonical = _scalar(field)
        want = parse(value)
        return canonical(want), lambda got: compare(got, want)

    return build


def _between(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
    parse, canonical = _scalar(field)
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("value must be [low, high]")
    low, high = parse(value[0]), parse(value[1])
    if low > high:
        raise ValueError(f"low {value[0]!r} is above high {value[1]!r}")
    return [canonical(low), canonical(high)], lambda got: low <= got <= high


def _has_tag(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
    tag = _text(value)
    fold = _fold(case_sensitive)
    want = fold(tag)
    return tag, lambda tags: any(fold(t) == want for t in tags)


_TEXT = frozenset(TEXT_FIELDS)
_STRING: Final = {"type": "string", "minLength": 1, "maxLength": MAX_PATTERN}
_SCALAR: Final = {"type": ["string", "number", "integer"]}


def _list_of(schema: Mapping[str, Any], size: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": dict(schema)}
    out["minItems"], out["maxItems"] = (size, size) if size else (1, MAX_CHOICES)
    return out


def _ordering(name: str, sign: str, compare: Callable[[Any, Any], bool]) -> ConditionOp:
    return ConditionOp(
        name, NUMERIC, _order(compare), f"The amount or date is {sign} the value.", _SCALAR
    )


BUILTIN_OPS: Final[tuple[ConditionOp, ...]] = (
    ConditionOp(
        "equals",
        _TEXT | {"amount", "date", "account_id"},
        _equals,
        "The field equals the value (text compares case-insensitively by default).",
        _SCALAR,
    ),
    ConditionOp(
        "contains", _TEXT, _text_op(str.__contains__), "The text contains the value.", _STRING
    ),
    ConditionOp(
        "starts_with", _TEXT, _text_op(str.startswith), "The text starts with the value.", _STRING
    ),
    ConditionOp(
        "ends_with", _TEXT, _text_op(str.endswith), "The text ends with the value.", _STRING
    ),
    ConditionOp(
        "matches",
        _TEXT,
        _matches,
        "The RE2 regular expression finds a match anywhere in the text.",
        _STRING,
    ),
    ConditionOp(
        "one_of",
        _TEXT | {"tags", "amount", "date", "account_id"},
        _one_of,
        "The field is one of the listed values (tags: any tag is).",
        _list_of(_SCALAR),
    ),
    _ordering("gt", "greater than", lambda got, want: got > want),
    _ordering("gte", "at least", lambda got, want: got >= want),
    _ordering("lt", "less than", lambda got, want: got < want),
    _ordering("lte", "at most", lambda got, want: got <= want),
    ConditionOp(
        "between",
        NUMERIC,
        _between,
        "The amount or date lies in [low, high], both included.",
        _list_of(_SCALAR, 2),
    ),
    ConditionOp("has_tag", frozenset({"tags"}), _has_tag, "One tag equals the value.", _STRING),
)


def op_table(extra: Iterable[ConditionOp]) -> dict[str, ConditionOp]:
    """Built-in operators plus plugin ones; a plugin may not reuse a name."""
    table = {op.name: op for op in BUILTIN_OPS}
    for op in extra:
        if op.name in table:
            raise ConfigurationError(f"two plugins define the condition op {op.name!r}")
        table[op.name] = op
    return table


def ops_for(table: Mapping[str, ConditionOp], field: str) -> Collection[str]:
    return sorted(name for name, op in table.items() if field in op.fields)
