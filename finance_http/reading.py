"""Reading requests: bodies into input shapes, query strings, ids and If-Match."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Protocol, TypeVar

import attrs
import cattrs

from finance_core.errors import FieldError, ValidationError
from finance_core.ids import MAX_ID as MAX_ID  # re-exported for route modules
from finance_http.context import FinanceRequest
from finance_http.problems import HttpProblem


class InputShape(Protocol):
    READ_ONLY: ClassVar[frozenset[str]]
    IDS: ClassVar[frozenset[str]]
    __attrs_attrs__: ClassVar[Any]


S = TypeVar("S", bound=InputShape)


def as_id(value: object) -> int | None:
    """The id ``value`` spells, or None; 7.0 is an integer in JSON, so it counts."""
    # Compared as a Decimal first: int() of 1e999999999 would build a billion-digit number.
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and 1 <= value <= MAX_ID
        and value == value.to_integral_value()
    ):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


def check_id(value: object, field: str) -> FieldError | None:
    if as_id(value) is None:
        return FieldError(field, f"{field} must be a positive integer id")
    return None


def shape_errors(body: object, shape: type[InputShape], prefix: str = "") -> list[FieldError]:
    """Every structural problem: not an object, unknown, read-only, missing, bad ids."""
    if not isinstance(body, Mapping):
        return [FieldError(prefix.rstrip(".") or "body", "must be a JSON object")]
    fields = attrs.fields(shape)
    known = {f.name for f in fields}
    errors = []
    for name in sorted(set(body) - known):
        if name in shape.READ_ONLY:
            errors.append(FieldError(prefix + name, f"{name} is read-only and cannot be sent"))
        else:
            allowed = ", ".join(sorted(known))
            errors.append(FieldError(prefix + name, f"unknown field; allowed: {allowed}"))
    for f in fields:
        if f.default is attrs.NOTHING and body.get(f.name) is None:
            errors.append(FieldError(prefix + f.name, f"{f.name} is required"))
    for name in sorted(shape.IDS & set(body)):
        if body[name] is not None:
            error = check_id(body[name], prefix + name)
            if error is not None:
                errors.append(error)
    if errors:
        errors += value_errors(body, shape, prefix, {e.field for e in errors})
    return errors


def value_errors(
    body: Mapping[str, Any], shape: type[InputShape], prefix: str, reported: set[str]
) -> list[FieldError]:
    """The core's checks of the fields that need no stored state (``shape.CHECKS``).

    They run only when the shape itself is already refused, so that one answer
    lists every bad field; otherwise the use case checks the values itself.
    """
    checks: Mapping[str, Callable[[Any], object]] = getattr(shape, "CHECKS", {})
    found: list[FieldError] = []
    for name, check in checks.items():
        if body.get(name) is None or prefix + name in reported:
            continue
        try:
            check(body[name])
        except ValidationError as exc:
            found.extend(FieldError(prefix + e.field, e.message) for e in exc.errors)
    return found


def read_body(req: FinanceRequest, shape: type[S], converter: cattrs.Converter) -> S:
    """The JSON body as ``shape``; ``ValidationError`` lists every bad field at once."""
    if not req.context.body_given:
        raise HttpProblem(
            400,
            "Missing body",
            "this request needs a JSON object body with 'Content-Type: application/json'",
            slug="missing-body",
        )
    body = req.context.body
    errors = shape_errors(body, shape)
    if errors:
        raise ValidationError(errors)
    values = dict(body)
    for name in shape.IDS & set(values):
        if values[name] is not None:
            values[name] = as_id(values[name])
    result: S = converter.structure(values, shape)
    return result


def query_value(req: FinanceRequest, name: str, parse: Callable[[str], Any], message: str) -> Any:
    """One optional query parameter, parsed; a bad value is a ``ValidationError``."""
    raw = req.get_param(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except (ValueError, ArithmeticError):
        raise ValidationError.of(name, message) from None


def parse_int(raw: str) -> int:
    if not raw.strip().lstrip("-").isdigit():
        raise ValueError(raw)
    return int(raw)


def parse_id(raw: str) -> int:
    value = parse_int(raw)
    if not 1 <= value <= MAX_ID:
        raise ValueError(raw)
    return value


def parse_bool(raw: str) -> bool:
    """true/false, 1/0, yes/no, on/off (any case)."""
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def if_match(req: FinanceRequest, current: Callable[[], int]) -> int | None:
    """The version an ``If-Match`` header demands, for the service's ``expected_version``.

    Tags are strong and quote the version (``"3"``). ``*`` only asks that the
    resource exists. With several tags the current version is read once and
    passed on, so the service still checks it atomically. A tag this service
    never issues (weak, unquoted, garbage) can never match: 412.
    """
    header = req.get_header("If-Match")
    if header is None:
        return None
    req.context.if_match_given = True
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" in tags:
        current()
        return None
    versions = set()
    for tag in tags:
        if tag.startswith('"') and tag.endswith('"') and tag[1:-1].isdigit():
            versions.add(int(tag[1:-1]))
    if len(versions) == 1:
        return versions.pop()
    actual = current()
    if actual in versions:
        return actual
    raise HttpProblem(
        412,
        "Precondition failed",
        f"If-Match {header!r} does not match the current version; re-read the resource "
        "and send its ETag",
        slug="precondition-failed",
    )


def etag(version: int) -> str:
    return f'"{version}"'
