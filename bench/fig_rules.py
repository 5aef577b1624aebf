"""Figure 11: categorization rules, compiled once per change of the rule set.

11a. ``Ledger.import_file`` of the same rows into a new SQLite file with 200
    rules active, against the same import with none (the issue's goal: at most
    1.5x). The rows carry no category, so every rule is tested on every row.
11b. ``Ledger.apply_rules`` of those 200 rules as a dry run over the stored rows,
    reported as a rate, against reading the same rows through
    ``Ledger.list_transactions`` pages (what any pass over them costs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import attrs

from bench import sqlite_ref
from bench.books import open_books
from bench.data import CATEGORIES, MERCHANTS, parsed_file
from bench.harness import Figure, Sizes, median, ratio
from finance_core.importing import ParsedFile
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal

Log = Callable[[str], None]

#: Rows and repeats per mode; the full size is the issue's.
ROWS: Final = {"quick": (2_000, 1), "full": (100_000, 3)}
RULES: Final = 200


def rule_bodies() -> list[dict[str, Any]]:
    """200 rules of the kinds households write: merchants, patterns, amounts, mixes."""
    bodies: list[dict[str, Any]] = []
    for index, merchant in enumerate(MERCHANTS):
        bodies.append(
            {
                "name": f"merchant {merchant}",
                "conditions": {"field": "merchant", "op": "equals", "value": merchant},
                "actions": [{"set": "category", "value": CATEGORIES[index % len(CATEGORIES)]}],
            }
        )
    for digit in range(60):
        bodies.append(
            {
                "name": f"reference ending {digit:02d}",
                "stage": "post",
                "conditions": {
                    "field": "description",
                    "op": "matches",
                    "value": rf"ref \d*{digit:02d}$",
                },
                "actions": [{"add_tag": f"ref-{digit:02d}"}],
            }
        )
    for band in range(40):
        low = -(band + 1) * 1000
        bodies.append(
            {
                "name": f"amount band {band}",
                "stage": "pre",
                "conditions": {"field": "amount", "op": "between", "value": [low, low + 999]},
                "actions": [{"set": "der_category", "value": f"band {band}"}],
            }
        )
    for index in range(40):
        bodies.append(
            {
                "name": f"mixed {index}",
                "conditions": {
                    "all": [
                        {"field": "description", "op": "contains", "value": f"Merchant {index}"},
                        {
                            "any": [
                                {"field": "amount", "op": "lt", "value": -100},
                                {"not": {"field": "date", "op": "gt", "value": "2020-01-01"}},
                            ]
                        },
                    ]
                },
                "actions": [{"set": "location", "value": f"place {index}"}],
            }
        )
    assert len(bodies) == RULES
    return bodies


def _uncategorized(count: int) -> ParsedFile:
    parsed = parsed_file(count)
    return attrs.evolve(parsed, rows=tuple(attrs.evolve(r, category=None) for r in parsed.rows))


def _import(path: Path, parsed: ParsedFile, with_rules: bool) -> tuple[float, Ledger, Principal]:
    sqlite_ref.remove_database(path)
    ledger, principal, account_id = open_books(f"sqlite:///{path}")
    if with_rules:
        for body in rule_bodies():
            ledger.create_rule(principal, body)
    start = time.perf_counter()
    result = ledger.import_file(principal, account_id, parsed)
    elapsed = time.perf_counter() - start
    if result.created != len(parsed.rows):
        raise RuntimeError(f"imported {result.created} of {len(parsed.rows)} rows")
    return elapsed, ledger, principal


def _read_all(ledger: Ledger, principal: Principal) -> int:
    seen = 0
    cursor: Cursor | None = None
    while True:
        page = ledger.list_transactions(
            principal, TransactionFilter(), PageRequest(1000, cursor=cursor, with_total=False)
        )
        seen += len(page.items)
        if page.next_cursor is None:
            return seen
        cursor = Cursor.decode(page.next_cursor)


def run(sizes: Sizes, work: Path, log: Log) -> list[Figure]:
    count, repeats = ROWS[sizes.name]
    parsed = _uncategorized(count)
    plain_db, rules_db = work / "rules-none.db", work / "rules-200.db"
    with_rules: list[float] = []
    without: list[float] = []
    kept: tuple[Ledger, Principal] | None = None
    for index in range(repeats):
        order = (True, False) if index % 2 == 0 else (False, True)
        for active in order:
            elapsed, ledger, principal = _import(rules_db if active else plain_db, parsed, active)
            (with_rules if active else without).append(elapsed)
            if active and index == repeats - 1:
                kept = (ledger, principal)
            else:
                ledger.storage.close()
        log(f"  import {count:,}: 200 rules {with_rules[-1]:.2f} s, none {without[-1]:.2f} s")
    assert kept is not None
    ledger, principal = kept
    applied: list[float] = []
    read: list[float] = []
    changed = 0
    try:
        for index in range(repeats):
            for first in (True, False) if index % 2 == 0 else (False, True):
                start = time.perf_counter()
                if first:
                    changed = ledger.apply_rules(principal, dry_run=True, override=True).changed
                    applied.append(time.perf_counter() - start)
                else:
                    if _read_all(ledger, principal) != count:
                        raise RuntimeError("the read pass missed rows")
                    read.append(time.perf_counter() - start)
            log(
                f"  apply dry run: {applied[-1]:.2f} s ({changed:,} changes), read {read[-1]:.2f} s"
            )
    finally:
        ledger.storage.close()
        sqlite_ref.remove_database(plain_db)
        sqlite_ref.remove_database(rules_db)
    import_ratio = ratio(median(with_rules), median(without))
    rate, read_rate = count / median(applied), count / median(read)
    return [
        Figure(
            key=f"11.rules-import.{count}",
            title=f"11. Import of {count:,} rows with {RULES} rules active (SQLite)",
            value=median(with_rules),
            unit="s",
            reference=median(without),
            reference_label="same import, no rules",
            reference_unit="s",
            ratio=import_ratio,
            goal="<= 1.5x",
            direction="at_most",
            limit=1.5,
            note=f"median of {repeats}; rows without a category, so every rule is tested",
            samples=tuple(with_rules),
            reference_samples=tuple(without),
        ),
        Figure(
            key=f"11.rules-apply.{count}",
            title=f"11. Apply {RULES} rules, dry run, {count:,} stored rows (SQLite)",
            value=rate,
            unit="rows/s",
            reference=read_rate,
            reference_label="reading the same rows, 1,000 a page",
            reference_unit="rows/s",
            ratio=ratio(rate, read_rate),
            goal="- (reported)",
            note=f"median of {repeats}; {changed:,} field changes found",
            samples=tuple(applied),
            reference_samples=tuple(read),
        ),
    ]
