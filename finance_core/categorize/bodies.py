"""Rule bodies as callers send them: checked field by field, every problem at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, Final

from finance_core.categorize.engine import Vocabulary
from finance_core.categorize.model import MAX_NAME, STAGES
from finance_core.errors import FieldError, ValidationError, gather
from finance_core.text import check_chars, text_problem

#: What a rule body may hold; ``conditions`` and ``actions`` are required on create.
BODY_FIELDS: Final = frozenset(
    {"name", "enabled", "stage", "position", "stop", "conditions", "actions"}
)


def _text_in(value: object) -> str | None:
    """What is wrong with the first string anywhere in ``value``, or None."""
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, Mapping):
        items: Iterable[object] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return None
    for item in items:
        if (problem := _text_in(item)) is not None:
            return problem
    return None


def check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise ValidationError.of("name", f"name is required: 1 to {MAX_NAME} characters")
    return check_chars(value.strip(), "name")


def check_flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError.of(field, f"{field} must be true or false")
    return value


def check_stage(value: object) -> str:
    if value not in STAGES:
        raise ValidationError.of("stage", f"stage must be one of {', '.join(STAGES)}")
    assert isinstance(value, str)
    return value


def check_position(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError.of("position", "position must be a whole number from 1")
    return value


def clean_body(
    body: Mapping[str, Any], vocabulary: Vocabulary, *, partial_body: bool = False
) -> dict[str, Any]:
    """Checked and canonical fields of a rule body (only the given ones when partial).

    ``conditions`` and ``actions`` come back canonical; ``ValidationError``
    lists every unknown, missing or bad field, with paths into the conditions.
    """
    errors = [
        FieldError(str(name), f"unknown field; allowed: {', '.join(sorted(BODY_FIELDS))}")
        for name in sorted(set(map(str, body)) - BODY_FIELDS)
    ]
    required = () if partial_body else ("name", "conditions", "actions")
    errors += [FieldError(name, f"{name} is required") for name in required if name not in body]
    checks: dict[str, Callable[[], Any]] = {}
    if "name" in body:
        checks["name"] = partial(check_name, body["name"])
    for flag in ("enabled", "stop"):
        if flag in body:
            checks[flag] = partial(check_flag, flag, body[flag])
    if "stage" in body:
        checks["stage"] = partial(check_stage, body["stage"])
    if "position" in body:
        checks["position"] = partial(check_position, body["position"])
    out, failed = gather(checks)
    errors += failed
    for part in ("conditions", "actions"):
        if part in body and (problem := _text_in(body[part])) is not None:
            errors.append(FieldError(part, f"a value in {part} {problem}"))
    if "conditions" in body:
        out["conditions"], _, failed = vocabulary.conditions(body["conditions"])
        errors += failed
    if "actions" in body:
        actions, _, failed = vocabulary.actions(body["actions"])
        out["actions"] = tuple(actions)
        errors += failed
    if errors:
        raise ValidationError(errors)
    return out
