"""Running a compiled rule set over transactions.

Rules run stage by stage (``pre``, ``default``, ``post``), by position inside a
stage. A matching rule's actions run in order and every later rule sees their
result; a rule with ``stop`` that changed the transaction ends the run for it.
A protected field (one a person chose) is never written. The outcome lists each
field's net change once, credited to the last rule that set it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from finance_core.categorize.actions import BUILTIN_ACTIONS, ActionKind, action_table
from finance_core.categorize.compile import (
    CompiledAction,
    Predicate,
    compile_actions,
    compile_conditions,
    raise_if,
)
from finance_core.categorize.gates import Gates
from finance_core.categorize.model import PLACEHOLDER_CATEGORY, RULE_FIELDS, FieldChange, Rule
from finance_core.categorize.ops import ConditionOp, op_table
from finance_core.errors import ConfigurationError, FieldError
from finance_core.transactions import Transaction, check_category, check_tags, check_text

_BUILTIN_ACTION_NAMES: Final = {kind.name for kind in BUILTIN_ACTIONS}


@attrs.frozen
class Vocabulary:
    """The condition ops and action kinds rules may use: built-ins plus plugins'."""

    ops: Mapping[str, ConditionOp]
    actions_by_name: Mapping[str, ActionKind]

    @classmethod
    def of(cls, ops: Iterable[ConditionOp] = (), actions: Iterable[ActionKind] = ()) -> Vocabulary:
        return cls(op_table(ops), action_table(actions))

    def conditions(self, raw: Any) -> tuple[Any, Predicate, list[FieldError]]:
        """Canonical conditions, their test, and every problem (empty when valid)."""
        return compile_conditions(raw, self.ops)

    def actions(
        self, raw: Any
    ) -> tuple[list[dict[str, Any]], list[CompiledAction], list[FieldError]]:
        """Canonical actions, their compiled form, and every problem (empty when valid)."""
        return compile_actions(raw, self.actions_by_name, _BUILTIN_ACTION_NAMES)


BUILTIN_VOCABULARY: Final = Vocabulary.of()


@attrs.frozen
class CompiledRule:
    id: int
    stop: bool
    test: Predicate
    actions: tuple[CompiledAction, ...]
    conditions: Any = None


def compile_body(
    conditions: Any, actions: Any, vocabulary: Vocabulary
) -> tuple[Any, list[dict[str, Any]], Predicate, list[CompiledAction]]:
    """Validate and compile a rule's two parts; ``ValidationError`` names every bad path."""
    canonical_conditions, test, errors = vocabulary.conditions(conditions)
    canonical_actions, compiled, action_errors = vocabulary.actions(actions)
    raise_if(errors + action_errors)
    return canonical_conditions, canonical_actions, test, compiled


def compile_rule(rule: Rule, vocabulary: Vocabulary) -> CompiledRule:
    _, _, test, compiled = compile_body(rule.conditions, list(rule.actions), vocabulary)
    return CompiledRule(rule.id, rule.stop, test, tuple(compiled), rule.conditions)


@attrs.frozen
class Outcome:
    """One transaction after the rules: the new record and its net field changes."""

    transaction: Transaction
    changes: tuple[FieldChange, ...]
    matched: bool


def _checked(field: str, value: Any) -> Any:
    """A plugin action's proposed value, held to the same limits as a person's."""
    if field not in RULE_FIELDS:
        raise ConfigurationError(
            f"a rule action proposed a value for {field!r}; rules may only change "
            f"{', '.join(RULE_FIELDS)}"
        )
    if field == "category":
        return check_category(value)
    if field == "tags":
        return check_tags(value)
    return check_text(field, value)


def chosen_fields(txn: Transaction) -> tuple[str, ...]:
    """The fields of ``txn`` a person chose, which rules leave alone without override.

    A row stored before choices were recorded counts every field with a value
    (a category other than the placeholder) as chosen, so it loses nothing.
    """
    if txn.person_fields is not None:
        return txn.person_fields
    return tuple(
        name
        for name in RULE_FIELDS
        if getattr(txn, name) and not (name == "category" and txn.category == PLACEHOLDER_CATEGORY)
    )


class RuleBook:
    """A rule set compiled once, run over any number of transactions."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self.rules = tuple(rules)
        self.gates = Gates([rule.conditions for rule in self.rules])
        self._ungated = [i for i, gated in enumerate(self.gates.gated) if not gated]
        self._ungated_set = frozenset(self._ungated)

    @classmethod
    def compile(cls, rules: Iterable[Rule], vocabulary: Vocabulary) -> RuleBook:
        ordered = sorted(rules, key=lambda r: r.run_order)
        return cls([compile_rule(rule, vocabulary) for rule in ordered])

    def __len__(self) -> int:
        return len(self.rules)

    def _order(self, passed: set[int], after: int = -1) -> list[int]:
        """Rules still to test after ``after``: the ungated ones and those whose gate passed."""
        if not passed:
            return [i for i in self._ungated if i > after] if after >= 0 else self._ungated
        return sorted(i for i in self._ungated_set.union(passed) if i > after)

    def run(self, txn: Transaction, currency: str, protected: Collection[str]) -> Outcome:
        """The rules' outcome for ``txn``; transfer legs are left as they are."""
        if not self.rules or txn.transfer_id is not None:
            return Outcome(txn, (), False)
        current = txn
        setter: dict[str, int] = {}
        matched = False
        passed = self.gates.open_for(current, currency) if self.gates.any else set()
        order = self._order(passed)
        position = 0
        while position < len(order):
            index = order[position]
            position += 1
            rule = self.rules[index]
            if not rule.test(current, currency):
                continue
            matched = True
            changed: dict[str, Any] = {}
            for action in rule.actions:
                update = {}
                for field, value in action.proposal(current).items():
                    if not action.trusted:
                        value = _checked(field, value)
                    if field in protected or getattr(current, field) == value:
                        continue
                    update[field] = value
                if update:
                    current = attrs.evolve(current, **update)
                    changed.update(update)
            if changed:
                for field in changed:
                    setter[field] = rule.id
                if rule.stop:
                    break
                if not self.gates.fields.isdisjoint(changed):
                    # The change may open or close gates of the rules still to come.
                    passed = self.gates.open_for(current, currency)
                    order, position = self._order(passed, index), 0
        changes = tuple(
            FieldChange(txn.id, rule_id, field, getattr(txn, field), getattr(current, field))
            for field, rule_id in setter.items()
            if getattr(current, field) != getattr(txn, field)
        )
        if not changes:
            return Outcome(txn, (), matched)
        touched = {c.field: c.rule_id for c in changes}
        rule_fields = dict(txn.rule_fields)
        rule_fields.update(touched)
        current = attrs.evolve(
            current,
            rule_fields=tuple(sorted(rule_fields.items())),
            person_fields=tuple(f for f in chosen_fields(txn) if f not in touched),
        )
        return Outcome(current, changes, matched)
