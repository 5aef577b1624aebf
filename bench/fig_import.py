"""Figure 1: bulk import into SQLite against ``sqlite3.executemany`` of the same rows.

The project's side is ``Ledger.import_file`` (planning, duplicate check and
``Ledger.post_batch`` in one unit of work) on rows a parser already produced;
parsing is figure 8's business. The reference inserts the rows the project
stored, byte for byte, into a copy of the project's own schema (same indexes,
same foreign keys, same pragmas) in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bench import sqlite_ref
from bench.books import open_books
from bench.data import parsed_file
from bench.harness import Figure, Sizes, median, ratio
from finance_core.importing import ParsedFile

Log = Callable[[str], None]


def _library_import(path: Path, parsed: ParsedFile) -> float:
    sqlite_ref.remove_database(path)
    ledger, principal, account_id = open_books(f"sqlite:///{path}")
    try:
        start = time.perf_counter()
        result = ledger.import_file(principal, account_id, parsed)
        elapsed = time.perf_counter() - start
    finally:
        ledger.storage.close()
    if result.created != len(parsed.rows):
        raise RuntimeError(f"imported {result.created} of {len(parsed.rows)} rows")
    return elapsed


def _reference_insert(library_db: Path, path: Path) -> float:
    rows = sqlite_ref.read_rows(library_db)
    sqlite_ref.clone_schema(library_db, path)
    # Reading the rows and copying the schema stay outside the timing.
    start = time.perf_counter()
    sqlite_ref.insert_rows(path, rows)
    elapsed = time.perf_counter() - start
    sqlite_ref.remove_database(path)
    return elapsed


def run(sizes: Sizes, work: Path, log: Log) -> tuple[list[Figure], Path]:
    """The figures, and the library database of the largest size (reused by figures 2-4)."""
    figures = []
    kept = work / "import-largest.db"
    for count, repeats in zip(sizes.import_sizes, sizes.import_repeats, strict=True):
        parsed = parsed_file(count)
        library_db = work / f"import-{count}.db"
        reference_db = work / f"reference-{count}.db"
        ours: list[float] = []
        theirs: list[float] = []
        for index in range(repeats):
            # The reference needs the library's rows, so it follows on the first
            # repeat and goes first on the next (the rows are identical each time).
            if index % 2 == 0 or not library_db.exists():
                ours.append(_library_import(library_db, parsed))
                theirs.append(_reference_insert(library_db, reference_db))
            else:
                theirs.append(_reference_insert(library_db, reference_db))
                ours.append(_library_import(library_db, parsed))
            log(f"  import {count:,}: project {ours[-1]:.2f} s, executemany {theirs[-1]:.2f} s")
        del parsed
        rate = count / median(ours)
        reference_rate = count / median(theirs)
        figures.append(
            Figure(
                key=f"1.import.{count}",
                title=f"1. Bulk import, {count:,} rows (SQLite)",
                value=rate,
                unit="rows/s",
                reference=reference_rate,
                reference_label="sqlite3 executemany, same schema",
                reference_unit="rows/s",
                ratio=ratio(rate, reference_rate),
                goal=">= 0.50 of reference rate",
                direction="at_least",
                limit=0.5,
                note=f"median of {repeats}; Ledger.import_file into one account",
                samples=tuple(ours),
                reference_samples=tuple(theirs),
            )
        )
        if count == max(sizes.import_sizes):
            sqlite_ref.remove_database(kept)
            library_db.rename(kept)
        else:
            sqlite_ref.remove_database(library_db)
    return figures, kept
