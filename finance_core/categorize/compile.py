"""Turning a rule's JSON conditions and actions into canonical form and Python tests.

Every problem is collected, each named by its path in the rule body (for
example ``conditions.all[1].op``), so one error lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any

import attrs

from finance_core.categorize.actions import ActionKind, Proposal
from finance_core.categorize.model import (
    CONDITION_FIELDS,
    MAX_ACTIONS,
    MAX_DEPTH,
    MAX_LEAVES,
)
from finance_core.categorize.ops import ConditionOp, ops_for
from finance_core.errors import FieldError, ValidationError

#: A compiled condition: does this transaction (in an account of this currency) match?
#: It reads the condition fields as attributes, of a ``Transaction`` or of the
#: engine's working copy of one.
Predicate = Callable[[Any, str], bool]


def _always(txn: Any, currency: str) -> bool:
    return True


def _all_of(tests: Sequence[Predicate]) -> Predicate:
    # Spelled out for the common sizes: a generator per call costs more than the tests.
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda txn, currency: first(txn, currency) and second(txn, currency)

    def every(txn: Any, currency: str) -> bool:
        for test in tests:  # noqa: SIM110 - a generator per call costs more
            if not test(txn, currency):
                return False
        return True

    return every


def _any_of(tests: Sequence[Predicate]) -> Predicate:
    if len(tests) == 1:
        return tests[0]

    def some(txn: Any, currency: str) -> bool:
        for test in tests:  # noqa: SIM110 - a generator per call costs more
            if test(txn, currency):
                return True
        return False

    return some


def _leaf_test(field: str, test: Callable[[Any], bool]) -> Predicate:
    if field == "currency":
        return lambda txn, currency: test(currency)
    get = attrgetter(field)
    return lambda txn, currency: test(get(txn))


@attrs.define
class _Tree:
    """Walks one condition tree, collecting errors and counting leaves."""

    ops: Mapping[str, ConditionOp]
    errors: list[FieldError] = attrs.field(factory=list)
    leaves: int = 0

    def node(self, raw: Any, path: str, depth: int) -> tuple[Any, Predicate]:
        if depth > MAX_DEPTH:
            self.errors.append(FieldError(path, f"conditions nest at most {MAX_DEPTH} levels deep"))
            return None, _always
        if not isinstance(raw, Mapping):
            self.errors.append(
                FieldError(
                    path,
                    'a condition is {"all": [...]}, {"any": [...]}, {"not": {...}} '
                    'or a leaf {"field", "op", "value"}',
                )
            )
            return None, _always
        groups = [key for key in ("all", "any", "not") if key in raw]
        if groups:
            if len(raw) != 1:
                self.errors.append(
                    FieldError(path, f"a {groups[0]!r} node has that one key and nothing else")
                )
                return None, _always
            key = groups[0]
            if key == "not":
                inner, test = self.node(raw["not"], f"{path}.not", depth + 1)
                return {"not": inner}, lambda txn, currency: not test(txn, currency)
            children = raw[key]
            if not isinstance(children, list):
                self.errors.append(FieldError(f"{path}.{key}", f"{key} takes a list of conditions"))
                return None, _always
            parts = [
                self.node(child, f"{path}.{key}[{index}]", depth + 1)
                for index, child in enumerate(children)
            ]
            tests = tuple(test for _, test in parts)
            canonical = {key: [c for c, _ in parts]}
            return canonical, (_all_of(tests) if key == "all" else _any_of(tests))
        return self.leaf(raw, path)

    def leaf(self, raw: Mapping[str, Any], path: str) -> tuple[Any, Predicate]:
        self.leaves += 1
        if self.leaves == MAX_LEAVES + 1:
            self.errors.append(FieldError(path, f"a rule has at most {MAX_LEAVES} conditions"))
        unknown = set(raw) - {"field", "op", "value", "case_sensitive"}
        if unknown:
            self.errors.append(
                FieldError(
                    path,
                    f"unknown keys {', '.join(sorted(map(str, unknown)))}; a leaf "
                    "has field, op, value and optionally case_sensitive",
                )
            )
            return None, _always
        field, name = raw.get("field"), raw.get("op")
        if field not in CONDITION_FIELDS:
            self.errors.append(
                FieldError(f"{path}.field", f"field must be one of {', '.join(CONDITION_FIELDS)}")
            )
            return None, _always
        op = self.ops.get(name) if isinstance(name, str) else None
        if op is None or field not in op.fields:
            self.errors.append(
                FieldError(
                    f"{path}.op",
                    f"op {name!r} does not apply to {field}; "
                    f"use one of {', '.join(ops_for(self.ops, field))}",
                )
            )
            return None, _always
        case_sensitive = raw.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            self.errors.append(FieldError(f"{path}.case_sensitive", "must be true or false"))
            return None, _always
        if "value" not in raw:
            self.errors.append(FieldError(f"{path}.value", f"op {name} needs a value"))
            return None, _always
        try:
            value, test = op.build(field, raw["value"], case_sensitive)
        except ValueError as exc:
            self.errors.append(FieldError(f"{path}.value", f"{field} {name}: {exc}"))
            return None, _always
        canonical = {"field": field, "op": name, "value": value, "case_sensitive": case_sensitive}
        return canonical, _leaf_test(field, test)


def compile_conditions(
    raw: Any, ops: Mapping[str, ConditionOp], path: str = "conditions"
) -> tuple[Any, Predicate, list[FieldError]]:
    """Canonical conditions, their test, and every problem found (empty when valid)."""
    tree = _Tree(ops)
    canonical, test = tree.node(raw, path, 1)
    return canonical, test, tree.errors


@attrs.frozen
class CompiledAction:
    proposal: Proposal
    #: Built-in actions validate their values when built; plugin ones on every run.
    trusted: bool


def compile_actions(
    raw: Any, kinds: Mapping[str, ActionKind], builtin: set[str], path: str = "actions"
) -> tuple[list[dict[str, Any]], list[CompiledAction], list[FieldError]]:
    """Canonical actions, their compiled form, and every problem found."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ACTIONS:
        return [], [], [FieldError(path, f"actions is a list of 1 to {MAX_ACTIONS} actions")]
    canonical: list[dict[str, Any]] = []
    compiled: list[CompiledAction] = []
    errors: list[FieldError] = []
    for index, action in enumerate(raw):
        where = f"{path}[{index}]"
        names = [k for k in action if k in kinds] if isinstance(action, Mapping) else []
        if len(names) != 1:
            errors.append(
                FieldError(where, f"an action has exactly one kind key: {', '.join(sorted(kinds))}")
            )
            continue
        try:
            body, proposal = kinds[names[0]].build(action)
        except ValueError as exc:
            errors.append(FieldError(where, str(exc)))
            continue
        canonical.append(body)
        compiled.append(CompiledAction(proposal, names[0] in builtin))
    return canonical, compiled, errors


def raise_if(errors: Sequence[FieldError]) -> None:
    if errors:
        raise ValidationError(errors)
