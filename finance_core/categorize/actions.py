"""Rule actions: the built-in ones, and the record a plugin uses to add a kind.

An action proposes new values for fields; the engine decides whether each may
be written (a value a person chose is kept) and records what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs

from finance_core.categorize.model import SETTABLE_FIELDS
from finance_core.errors import ConfigurationError, ValidationError
from finance_core.transactions import (
    MAX_TAGS,
    Transaction,
    check_category,
    check_tags,
    check_text,
)

#: Proposed field values for one transaction: field name -> new value.
Proposal = Callable[[Transaction], Mapping[str, Any]]
#: Builds ``(canonical action, proposal)`` from the action object (its kind key
#: included); raises ``ValueError`` with a message that says how to fix it.
ActionBuilder = Callable[[Mapping[str, Any]], tuple[dict[str, Any], Proposal]]


@attrs.frozen
class ActionKind:
    """An action kind, named by the key that marks it (``{"set": ...}`` is ``set``)."""

    name: str
    build: ActionBuilder
    description: str = ""
    #: JSON Schema of the whole action object, for the API document.
    schema: Mapping[str, Any] = attrs.field(factory=dict)


def _only(action: Mapping[str, Any], keys: set[str]) -> None:
    extra = set(action) - keys
    if extra:
        raise ValueError(f"unknown keys {', '.join(sorted(extra))}; allowed: {sorted(keys)}")


def _tag(value: Any) -> str:
    try:
        return check_tags([value])[0]
    except ValidationError:
        raise ValueError("the tag must be a string of 1 to 50 characters") from None


def _set(action: Mapping[str, Any]) -> tuple[dict[str, Any], Proposal]:
    _only(action, {"set", "value"})
    field = action["set"]
    if field not in SETTABLE_FIELDS:
        raise ValueError(f"set can change {', '.join(SETTABLE_FIELDS)}; not {field!r}")
    if "value" not in action:
        raise ValueError("set needs a value")
    try:
        if field == "category":
            value: str | None = check_category(action["value"])
        else:
            value = check_text(field, action["value"])
    except ValidationError as exc:
        raise ValueError(exc.errors[0].message) from None
    proposal = {field: value}
    return {"set": field, "value": value}, lambda txn: proposal


def _add_tag(action: Mapping[str, Any]) -> tuple[dict[str, Any], Proposal]:
    _only(action, {"add_tag"})
    tag = _tag(action["add_tag"])

    def propose(txn: Transaction) -> Mapping[str, Any]:
        # A transaction already holding the most tags keeps its tags as they are.
        if tag in txn.tags or len(txn.tags) >= MAX_TAGS:
            return {}
        return {"tags": (*txn.tags, tag)}

    return {"add_tag": tag}, propose


def _remove_tag(action: Mapping[str, Any]) -> tuple[dict[str, Any], Proposal]:
    _only(action, {"remove_tag"})
    tag = _tag(action["remove_tag"])

    def propose(txn: Transaction) -> Mapping[str, Any]:
        if tag not in txn.tags:
            return {}
        return {"tags": tuple(t for t in txn.tags if t != tag)}

    return {"remove_tag": tag}, propose


_TAG: Final = {"type": "string", "minLength": 1, "maxLength": 50}

BUILTIN_ACTIONS: Final[tuple[ActionKind, ...]] = (
    ActionKind(
        "set",
        _set,
        "Set a text field (category cannot be null).",
        {
            "type": "object",
            "properties": {
                "set": {"type": "string", "enum": list(SETTABLE_FIELDS)},
                "value": {"type": ["string", "null"], "maxLength": 1000},
            },
            "required": ["set", "value"],
            "additionalProperties": False,
        },
    ),
    ActionKind(
        "add_tag",
        _add_tag,
        "Add a tag unless the transaction has it.",
        {
            "type": "object",
            "properties": {"add_tag": _TAG},
            "required": ["add_tag"],
            "additionalProperties": False,
        },
    ),
    ActionKind(
        "remove_tag",
        _remove_tag,
        "Remove a tag if the transaction has it.",
        {
            "type": "object",
            "properties": {"remove_tag": _TAG},
            "required": ["remove_tag"],
            "additionalProperties": False,
        },
    ),
)


def action_table(extra: Iterable[ActionKind]) -> dict[str, ActionKind]:
    """Built-in kinds plus plugin ones; a plugin may not reuse a name."""
    table = {kind.name: kind for kind in BUILTIN_ACTIONS}
    for kind in extra:
        if kind.name in table:
            raise ConfigurationError(f"two plugins define the rule action {kind.name!r}")
        table[kind.name] = kind
    return table
