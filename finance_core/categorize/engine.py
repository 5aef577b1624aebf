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
from finance_core.categorize.gates import Gates, gate_leaf
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
        # Rules whose whole condition is their gate's leaf: a passed gate is their
        # test already, so they are not tested a second time.
        self._gate_is_test = frozenset(
            i
            for i, rule in enumerate(self.rules)
            if self.gates.gated[i] and gate_leaf(rule.conditions) is rule.conditions
        )

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

    def run(
        self,
        txn: Transaction,
        currency: str,
        protected: Collection[str],
        *,
        person_fields: tuple[str, ...] | None = None,
        explain: bool = True,
    ) -> Outcome:
        """The rules' outcome for ``txn``; transfer legs are left as they are.

        ``person_fields``, when given, is recorded on the result as the fields
        a person chose (for a new transaction); otherwise they are kept, less
        any field a rule now changed. Without ``explain`` the outcome lists no
        changes (the new record still names its rules in ``rule_fields``):
        posting needs only the record, and building the list costs per row.
        """
        if not self.rules or txn.transfer_id is not None:
            return Outcome(_marked(txn, person_fields), (), False)
        work = _Working(txn)
        setter: dict[str, int] = {}
        matched = False
        passed = self.gates.open_for(work, currency) if self.gates.any else set()
        settled = passed & self._gate_is_test
        order = self._order(passed)
        position = 0
        while position < len(order):
            index = order[position]
            position += 1
            rule = self.rules[index]
            if index not in settled and not rule.test(work, currency):
                continue
            matched = True
            changed: dict[str, Any] = {}
            for action in rule.actions:
                if action.trusted:
                    proposal = action.proposal(work)  # type: ignore[arg-type]
                else:
                    proposal = {
                        field: _checked(field, value)
                        for field, value in action.proposal(work.apply_to(txn)).items()
                    }
                for field, value in proposal.items():
                    if field in protected or getattr(work, field) == value:
                        continue
                    setattr(work, field, value)
                    changed[field] = value
            if changed:
                for field in changed:
                    setter[field] = rule.id
                if rule.stop:
                    break
                if not self.gates.fields.isdisjoint(changed):
                    # The change may open or close gates of the rules still to come.
                    passed = self.gates.open_for(work, currency)
                    settled = passed & self._gate_is_test
                    order, position = self._order(passed, index), 0
        touched = {
            field: rule_id
            for field, rule_id in setter.items()
            if getattr(work, field) != getattr(txn, field)
        }
        if not touched:
            return Outcome(_marked(txn, person_fields), (), matched)
        changes = (
            tuple(
                FieldChange(txn.id, rule_id, field, getattr(txn, field), getattr(work, field))
                for field, rule_id in touched.items()
            )
            if explain
            else ()
        )
        rule_fields = dict(txn.rule_fields)
        rule_fields.update(touched)
        chosen = chosen_fields(txn) if person_fields is None else person_fields
        result = attrs.evolve(
            txn,
            **{field: getattr(work, field) for field in touched},
            rule_fields=tuple(sorted(rule_fields.items())),
            person_fields=tuple(f for f in chosen if f not in touched),
        )
        return Outcome(result, changes, matched)


def _marked(txn: Transaction, person_fields: tuple[str, ...] | None) -> Transaction:
    return txn if person_fields is None else attrs.evolve(txn, person_fields=person_fields)


class _Working:
    """A mutable copy of the fields rules read and write, for one run.

    Changing it costs an attribute write instead of a new ``Transaction`` per
    action; the result is built once, at the end. Plugin actions, which are
    promised a ``Transaction``, get one built from it.
    """

    __slots__ = (*RULE_FIELDS, "amount", "date", "account_id", "transfer_id")

    def __init__(self, txn: Transaction) -> None:
        # Spelled out: a loop over the slots costs more than the rule tests of a row.
        self.category = txn.category
        self.merchant = txn.merchant
        self.der_category = txn.der_category
        self.der_merchant = txn.der_merchant
        self.description = txn.description
        self.location = txn.location
        self.tags = txn.tags
        self.amount = txn.amount
        self.date = txn.date
        self.account_id = txn.account_id
        self.transfer_id = txn.transfer_id

    def apply_to(self, txn: Transaction) -> Transaction:
        return attrs.evolve(txn, **{name: getattr(self, name) for name in RULE_FIELDS})
