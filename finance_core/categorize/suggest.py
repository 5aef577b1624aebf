"""Rule suggestions: rules that reproduce what people categorized by hand.

A candidate comes from transactions whose category a person chose: one per
merchant, and one per normalized description (its words, without digits or
punctuation, which differ between statements of one payee). A candidate is
offered when, run over every hand-chosen category, it reproduces at least
``MIN_SUPPORT`` of them and contradicts none.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from finance_core.categorize.engine import RuleBook, Vocabulary, chosen_fields
from finance_core.categorize.model import (
    MAX_NAME,
    PLACEHOLDER_CATEGORY,
    FieldChange,
    Rule,
    Suggestion,
)
from finance_core.transactions import Transaction

#: Hand-made choices a suggestion must reproduce.
MIN_SUPPORT: Final = 3
#: Most suggestions offered at once (the best supported first).
MAX_SUGGESTIONS: Final = 50

_WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> tuple[str, ...]:
    """The text's runs of letters, case-folded: what a description pattern keys on."""
    return tuple(_WORD.findall(text.casefold()))


def description_pattern(key: Sequence[str]) -> str:
    """An RE2 pattern matching any text whose letter runs are exactly ``key``."""
    return r"^\PL*" + r"\PL+".join(re.escape(word) for word in key) + r"\PL*$"


def _chosen(txn: Transaction) -> bool:
    return (
        "category" in chosen_fields(txn)
        and txn.category != PLACEHOLDER_CATEGORY
        and txn.transfer_id is None
        and not txn.splits
    )


def _name(kind: str, label: str, category: str) -> str:
    name = f"{kind} {label} -> {category}"
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def _candidates(chosen: Sequence[Transaction]) -> list[dict[str, Any]]:
    by_merchant: dict[str, Counter[str]] = defaultdict(Counter)
    spelling: dict[str, Counter[str]] = defaultdict(Counter)
    by_words: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for txn in chosen:
        if txn.merchant and txn.merchant.strip():
            key = txn.merchant.strip().casefold()
            by_merchant[key][txn.category] += 1
            spelling[key][txn.merchant.strip()] += 1
        if txn.description and words(txn.description):
            by_words[words(txn.description)][txn.category] += 1
    out = []
    for key, categories in by_merchant.items():
        if len(categories) == 1 and categories.total() >= MIN_SUPPORT:
            merchant = spelling[key].most_common(1)[0][0]
            (category,) = categories
            out.append(
                {
                    "name": _name("merchant", merchant, category),
                    "stage": "default",
                    "conditions": {"field": "merchant", "op": "equals", "value": merchant},
                    "actions": [{"set": "category", "value": category}],
                }
            )
    for phrase, categories in by_words.items():
        if len(categories) == 1 and categories.total() >= MIN_SUPPORT:
            (category,) = categories
            out.append(
                {
                    "name": _name("description", " ".join(phrase), category),
                    "stage": "default",
                    "conditions": {
                        "field": "description",
                        "op": "matches",
                        "value": description_pattern(phrase),
                    },
                    "actions": [{"set": "category", "value": category}],
                }
            )
    return out


def suggest(
    transactions: Iterable[tuple[Transaction, str]],
    existing: Sequence[Rule],
    vocabulary: Vocabulary,
    make_rule: Callable[[dict[str, Any]], Rule],
) -> list[Suggestion]:
    """Suggestions over ``transactions`` (each with its account's currency).

    ``make_rule(body)`` builds an unsaved ``Rule`` from a body; candidates that
    an existing rule already states, or whose name is taken, are left out.
    """
    rows = list(transactions)
    chosen = [txn for txn, _ in rows if _chosen(txn)]
    taken_names = {rule.name for rule in existing}
    stated = {repr((rule.conditions, list(rule.actions))) for rule in existing}
    scored = []
    for body in _candidates(chosen):
        rule = make_rule(body)
        if rule.name in taken_names or repr((rule.conditions, list(rule.actions))) in stated:
            continue
        book = RuleBook.compile([rule], vocabulary)
        (compiled,) = book.rules
        category = body["actions"][0]["value"]
        agree = contradict = 0
        for txn, currency in rows:
            if _chosen(txn) and compiled.test(txn, currency):
                if txn.category == category:
                    agree += 1
                else:
                    contradict += 1
        if contradict or agree < MIN_SUPPORT:
            continue
        matches = 0
        changes: list[FieldChange] = []
        for txn, currency in rows:
            outcome = book.run(txn, currency, chosen_fields(txn))
            matches += outcome.matched
            changes.extend(outcome.changes)
        scored.append(Suggestion(body, matches, len(changes)))
    scored.sort(key=lambda s: (-s.matches, s.rule["name"]))
    return scored[:MAX_SUGGESTIONS]
