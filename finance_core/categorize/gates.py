"""Gates: which rules can possibly match a transaction, found in a few lookups.

A rule whose conditions require a text field to equal one of some values, to
contain, start or end with a text or to match a pattern, or an amount or date
to lie in a range, is *gated* by that leaf. Per transaction, one dictionary
lookup per gated text field finds the rules whose values it has, one RE2 set
search per gated field finds every pattern and text it holds, and one binary
search per gated amount or date field
finds every range that holds it, so 200 rules cost a few lookups plus the
ungated rules, not 200 full tests. A gate is exactly its leaf's test, so a
rule it lets through is then tested in full as usual.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final

import re2  # type: ignore[import-untyped]

from finance_core.categorize.model import TEXT_FIELDS
from finance_core.categorize.ops import search_text

#: (field, case_sensitive)
Lane = tuple[str, bool]


_RANGE_OPS: Final = frozenset({"equals", "gt", "gte", "lt", "lte", "between"})
#: Text ops a gate answers with one RE2 set search per field.
_SEARCHES: Final = ("matches", "contains", "starts_with", "ends_with")
#: How a search lane reads its field: as written or case-folded, and whether its
#: patterns are the rules' own expressions or literal text.
SearchLane = tuple[str, str]


def _search(leaf: Mapping[str, Any]) -> tuple[SearchLane, str]:
    """The lane and RE2 pattern that answer a search leaf exactly.

    Literal ops compare case-folded text (Python's ``str.casefold``), so their
    patterns are the folded literal searched case-sensitively in the folded
    field, which is exactly ``fold(value) in fold(field)``.
    """
    field, op, value = leaf["field"], leaf["op"], leaf["value"]
    case_sensitive = bool(leaf.get("case_sensitive", False))
    if op == "matches":
        return (field, "regex-cs" if case_sensitive else "regex"), value
    literal = re2.escape(value if case_sensitive else value.casefold())
    pattern = {"contains": literal, "starts_with": "^" + literal, "ends_with": literal + "$"}[op]
    return (field, "exact" if case_sensitive else "folded"), pattern


#: A range: (low or None, low included, high or None, high included).
Range = tuple[Any, bool, Any, bool]


def _is_gate(leaf: Mapping[str, Any]) -> bool:
    field, op = leaf.get("field"), leaf.get("op")
    if field in TEXT_FIELDS:
        return op in ("equals", "one_of", *_SEARCHES)
    return field in ("amount", "date") and op in _RANGE_OPS


def gate_leaf(conditions: Any) -> Mapping[str, Any] | None:
    """The leaf every match of ``conditions`` must pass, when it is a gate kind."""
    if isinstance(conditions, Mapping):
        if "all" in conditions:
            for child in conditions["all"]:
                leaf = gate_leaf(child)
                if leaf is not None:
                    return leaf
            return None
        if _is_gate(conditions):
            return conditions
    return None


def _range(leaf: Mapping[str, Any]) -> Range:
    parse: Any = Decimal if leaf["field"] == "amount" else date.fromisoformat
    op, value = leaf["op"], leaf["value"]
    if op == "between":
        return parse(value[0]), True, parse(value[1]), True
    bound = parse(value)
    shapes: dict[str, Range] = {
        "equals": (bound, True, bound, True),
        "gt": (bound, False, None, False),
        "gte": (bound, True, None, False),
        "lt": (None, False, bound, False),
        "lte": (None, False, bound, True),
    }
    return shapes[op]


class _Ranges:
    """Ranges over one ordered field: which hold a value, by one binary search.

    The ranges' ends cut the line into points and the open stretches between
    them; each piece knows the ranges that cover it.
    """

    def __init__(self, ranges: Sequence[tuple[Range, int]]) -> None:
        ends = {p for (lo, _, hi, _), _ in ranges for p in (lo, hi) if p is not None}
        self.points = sorted(ends)
        count = len(self.points)
        self.pieces: list[list[int]] = [[] for _ in range(2 * count + 1)]
        for (lo, lo_in, hi, hi_in), owner in ranges:
            for i in range(count + 1):
                # The open stretch just below points[i] (or above the last point).
                below_ok = lo is None or (i > 0 and lo <= self.points[i - 1])
                above_ok = hi is None or (i < count and hi >= self.points[i])
                if below_ok and above_ok:
                    self.pieces[2 * i].append(owner)
            for i, point in enumerate(self.points):
                low_ok = lo is None or lo < point or (lo == point and lo_in)
                high_ok = hi is None or hi > point or (hi == point and hi_in)
                if low_ok and high_ok:
                    self.pieces[2 * i + 1].append(owner)

    def holding(self, value: Any) -> list[int]:
        i = bisect_left(self.points, value)
        on_point = i < len(self.points) and self.points[i] == value
        return self.pieces[2 * i + 1 if on_point else 2 * i]


def _value(txn: Any, field: str, currency: str) -> str | None:
    value: str | None = currency if field == "currency" else getattr(txn, field)
    return value


class Gates:
    """The gates of one compiled rule set (rules by their index in run order)."""

    def __init__(self, conditions: Sequence[Any]) -> None:
        self.gated: list[bool] = []
        values: dict[Lane, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        patterns: dict[SearchLane, list[tuple[str, int]]] = defaultdict(list)
        ranges: dict[str, list[tuple[Range, int]]] = defaultdict(list)
        for index, tree in enumerate(conditions):
            leaf = gate_leaf(tree)
            self.gated.append(leaf is not None)
            if leaf is None:
                continue
            if leaf["field"] in ("amount", "date"):
                ranges[leaf["field"]].append((_range(leaf), index))
                continue
            if leaf["op"] in _SEARCHES:
                search_lane, pattern = _search(leaf)
                patterns[search_lane].append((pattern, index))
                continue
            lane = (leaf["field"], bool(leaf.get("case_sensitive", False)))
            wanted = leaf["value"] if leaf["op"] == "one_of" else [leaf["value"]]
            for value in wanted:
                key = value if lane[1] else value.casefold()
                values[lane][key].append(index)
        self.values = {lane: dict(table) for lane, table in values.items()}
        self.sets: dict[SearchLane, tuple[Any, list[int]]] = {}
        for search_lane, entries in patterns.items():
            options = re2.Options()
            options.case_sensitive = search_lane[1] != "regex"
            options.log_errors = False
            pattern_set = re2.Set.SearchSet(options)
            owners = []
            for pattern, index in entries:
                pattern_set.Add(pattern)
                owners.append(index)
            pattern_set.Compile()
            self.sets[search_lane] = (pattern_set, owners)
        self.ranges = {field: _Ranges(entries) for field, entries in ranges.items()}
        self.any = any(self.gated)
        #: Fields some gate reads: only a change to one of them can open or close a gate.
        self.fields = frozenset(
            [field for field, _ in (*self.values, *self.sets)] + list(self.ranges)
        )

    def open_for(self, txn: Any, currency: str) -> set[int]:
        """Indexes of the gated rules whose gate ``txn`` passes."""
        passed: set[int] = set()
        for (field, case_sensitive), table in self.values.items():
            value = _value(txn, field, currency)
            if value is not None:
                hits = table.get(value if case_sensitive else value.casefold())
                if hits:
                    passed.update(hits)
        for (field, mode), (pattern_set, owners) in self.sets.items():
            value = _value(txn, field, currency)
            if value is not None:
                text = value.casefold() if mode == "folded" else value
                try:
                    found = pattern_set.Match(text)
                except UnicodeEncodeError:
                    found = pattern_set.Match(search_text(text))
                if found:
                    passed.update(owners[i] for i in found)
        for field, ranges in self.ranges.items():
            passed.update(ranges.holding(getattr(txn, field)))
        return passed
