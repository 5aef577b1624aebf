"""The rule steps other use cases take: compile the tenant's rules (cached), run them
over new or restored transactions, and record which fields a person chose.

A rule set is compiled once per change: the compiled form is cached per tenant
under the storage's rule-set revision, which every change of a rule advances,
so other processes notice a change at their next read of the revision.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from finance_core.accounts import Account
from finance_core.categorize.bodies import clean_body
from finance_core.categorize.engine import (
    BUILTIN_VOCABULARY,
    RuleBook,
    Vocabulary,
    chosen_fields,
)
from finance_core.categorize.model import PLACEHOLDER_CATEGORY, RULE_FIELDS, STAGES, Rule
from finance_core.errors import ValidationError
from finance_core.ledger_base import LedgerBase
from finance_core.ports import UnitOfWork
from finance_core.scope import Scope
from finance_core.transactions import Transaction


def vocabulary_of(ledger: LedgerBase) -> Vocabulary:
    """The ops and actions this ledger's rules may use."""
    vocabulary: Vocabulary = ledger.__dict__.get("_rule_vocabulary", BUILTIN_VOCABULARY)
    return vocabulary


def _cache(ledger: LedgerBase) -> dict[str, tuple[int, RuleBook]]:
    cache: dict[str, tuple[int, RuleBook]] = ledger.__dict__.setdefault("_rule_books", {})
    return cache


def forget_compiled(ledger: LedgerBase) -> None:
    """Drop every compiled rule set (the vocabulary changed)."""
    _cache(ledger).clear()


def _changed_scopes(ledger: LedgerBase) -> weakref.WeakSet[Scope]:
    """Scopes that changed rules: a set compiled there may yet be rolled back."""
    scopes: weakref.WeakSet[Scope] = ledger.__dict__.setdefault("_rule_scopes", weakref.WeakSet())
    return scopes


def rule_book(ledger: LedgerBase, uow: UnitOfWork) -> RuleBook:
    """The tenant's enabled rules, compiled; from the cache while the revision holds."""
    revision = uow.rules.revision()
    scope = ledger.scopes.current
    cacheable = scope is None or scope not in _changed_scopes(ledger)
    hit = _cache(ledger).get(uow.tenant_id)
    if cacheable and hit is not None and hit[0] == revision:
        return hit[1]
    book = RuleBook.compile([r for r in uow.rules.list() if r.enabled], vocabulary_of(ledger))
    if cacheable:
        _cache(ledger)[uow.tenant_id] = (revision, book)
    return book


def rules_changed(ledger: LedgerBase, uow: UnitOfWork) -> None:
    """Advance the revision, so every process recompiles the tenant's rules."""
    uow.allocate_ids("rule_set")
    _cache(ledger).pop(uow.tenant_id, None)
    scope = ledger.scopes.current
    if scope is not None:
        _changed_scopes(ledger).add(scope)


def given_fields(fields: Mapping[str, Any]) -> tuple[str, ...]:
    """The rule-settable fields a caller gave a value for (the placeholder category aside)."""
    return tuple(
        [
            name
            for name in RULE_FIELDS
            if fields.get(name) is not None
            and not (name == "category" and str(fields[name]).strip() == PLACEHOLDER_CATEGORY)
        ]
    )


def categorize_new(
    ledger: LedgerBase,
    uow: UnitOfWork,
    account: Account,
    items: Sequence[Mapping[str, Any]],
    txns: Sequence[Transaction],
) -> list[Transaction]:
    """New transactions with what their callers gave marked, and the tenant's rules run.

    Runs inside the posting use case, before balances settle; rules never change
    an amount, so the balance rules see exactly what they would have seen.
    """
    book = rule_book(ledger, uow)
    out = []
    for item, txn in zip(items, txns, strict=True):
        given = given_fields(item)
        outcome = book.run(txn, account.currency, given, person_fields=given, explain=False)
        out.append(outcome.transaction)
    return out


def categorize_marked(
    ledger: LedgerBase, uow: UnitOfWork, account: Account, txns: Sequence[Transaction]
) -> Sequence[Transaction]:
    """``categorize_new`` for transactions built with ``person_fields=given_fields(item)``.

    A bulk import marks each row as it builds it, which spares a second
    ``Transaction`` per row; a tenant without rules then leaves the rows as they are.
    """
    book = rule_book(ledger, uow)
    if not book:
        return txns
    currency = account.currency
    return [
        book.run(txn, currency, txn.person_fields or (), explain=False).transaction for txn in txns
    ]


def check_rules(rules: Sequence[Rule], vocabulary: Vocabulary) -> None:
    """Refuse rules from outside (a restored document) that could not have been saved."""
    for index, candidate in enumerate(rules):
        try:
            clean_body(
                {
                    "name": candidate.name,
                    "enabled": candidate.enabled,
                    "stage": candidate.stage,
                    "stop": candidate.stop,
                    "conditions": candidate.conditions,
                    "actions": list(candidate.actions),
                },
                vocabulary,
            )
        except ValidationError as exc:
            raise ValidationError.of("rules", f"rule {candidate.id} ({index}): {exc}") from None
    for stage in STAGES:
        lane = sorted(r.position for r in rules if r.stage == stage)
        if lane != list(range(1, len(lane) + 1)):
            raise ValidationError.of("rules", f"positions in stage {stage!r} are not 1..n")
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ValidationError.of("rules", "two rules share a name")


def categorize_restored(
    ledger: LedgerBase,
    accounts: Sequence[Account],
    rules: Sequence[Rule],
    transactions: Sequence[Transaction],
) -> list[Transaction]:
    """Restored transactions after the restored enabled rules; a person's fields are kept."""
    book = RuleBook.compile([r for r in rules if r.enabled], vocabulary_of(ledger))
    currency = {a.id: a.currency for a in accounts}
    return [
        book.run(txn, currency[txn.account_id], chosen_fields(txn)).transaction
        for txn in transactions
    ]


def note_edit(txn: Transaction, changes: Mapping[str, Any]) -> Transaction:
    """An edited transaction: fields a person gave are theirs, no rule's, from now on."""
    edited = set(changes) & set(RULE_FIELDS)
    if not edited:
        return txn
    given = set(given_fields(changes))
    before = chosen_fields(txn)
    person = [f for f in RULE_FIELDS if f in given or (f in before and f not in edited)]
    return attrs.evolve(
        txn,
        person_fields=tuple(person),
        rule_fields=tuple((f, r) for f, r in txn.rule_fields if f not in edited),
    )
