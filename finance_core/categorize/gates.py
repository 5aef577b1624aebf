"""Gates: which rules can possibly match a transaction, found in a few lookups.

A rule whose conditions require a text field to equal one of some values, or to
match a pattern, is *gated* by that leaf. Per transaction, one dictionary
lookup per gated field finds the rules whose values it has, and one RE2 set
search per gated field finds every pattern that matches, so 200 rules cost a
few lookups plus the ungated rules, not 200 full tests. A gate is exactly its
leaf's test, so a rule it lets through is then tested in full as usual.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import re2  # type: ignore[import-untyped]

from finance_core.categorize.model import TEXT_FIELDS
from finance_core.transactions import Transaction

#: (field, case_sensitive)
Lane = tuple[str, bool]


def gate_leaf(conditions: Any) -> Mapping[str, Any] | None:
    """The leaf every match of ``conditions`` must pass, when it is a gate kind."""
    if isinstance(conditions, Mapping):
        if "all" in conditions:
            for child in conditions["all"]:
                leaf = gate_leaf(child)
                if leaf is not None:
                    return leaf
            return None
        if conditions.get("field") in TEXT_FIELDS and conditions.get("op") in (
            "equals",
            "one_of",
            "matches",
        ):
            return conditions
    return None


def _value(txn: Transaction, field: str, currency: str) -> str | None:
    value: str | None = currency if field == "currency" else getattr(txn, field)
    return value


class Gates:
    """The gates of one compiled rule set (rules by their index in run order)."""

    def __init__(self, conditions: Sequence[Any]) -> None:
        self.gated: list[bool] = []
        values: dict[Lane, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        patterns: dict[Lane, list[tuple[str, int]]] = defaultdict(list)
        for index, tree in enumerate(conditions):
            leaf = gate_leaf(tree)
            self.gated.append(leaf is not None)
            if leaf is None:
                continue
            lane = (leaf["field"], bool(leaf.get("case_sensitive", False)))
            if leaf["op"] == "matches":
                patterns[lane].append((leaf["value"], index))
                continue
            wanted = leaf["value"] if leaf["op"] == "one_of" else [leaf["value"]]
            for value in wanted:
                key = value if lane[1] else value.casefold()
                values[lane][key].append(index)
        self.values = {lane: dict(table) for lane, table in values.items()}
        self.sets: dict[Lane, tuple[Any, list[int]]] = {}
        for lane, entries in patterns.items():
            options = re2.Options()
            options.case_sensitive = lane[1]
            options.log_errors = False
            pattern_set = re2.Set.SearchSet(options)
            owners = []
            for pattern, index in entries:
                pattern_set.Add(pattern)
                owners.append(index)
            pattern_set.Compile()
            self.sets[lane] = (pattern_set, owners)
        self.any = any(self.gated)
        #: Fields some gate reads: only a change to one of them can open or close a gate.
        self.fields = frozenset(field for field, _ in (*self.values, *self.sets))

    def open_for(self, txn: Transaction, currency: str) -> set[int]:
        """Indexes of the gated rules whose gate ``txn`` passes."""
        passed: set[int] = set()
        for (field, case_sensitive), table in self.values.items():
            value = _value(txn, field, currency)
            if value is not None:
                hits = table.get(value if case_sensitive else value.casefold())
                if hits:
                    passed.update(hits)
        for (field, _), (pattern_set, owners) in self.sets.items():
            value = _value(txn, field, currency)
            if value is not None:
                found = pattern_set.Match(value)
                if found:
                    passed.update(owners[i] for i in found)
        return passed
