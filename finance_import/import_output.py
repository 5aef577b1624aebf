"""What the import command prints: rows, the counts, the statement against the books,
and progress on a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TextIO

from finance_core.importing import RowOutcome
from finance_core.statements import ReconciliationCheck
from finance_import.cli_support import print_table


def show_progress(done: int, total: int, stream: TextIO) -> None:
    """A bar of rows done out of ``total``, redrawn in place on a terminal only."""
    if not stream.isatty() or total == 0:
        return
    width = 30
    filled = width * done // total
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows")
    if done == total:
        stream.write("\n")
    stream.flush()


def print_rows(rows: Sequence[RowOutcome]) -> None:
    """One line a row: its fate, what it holds, and the transaction it made or matches;
    then a blank line."""
    print_table(
        ("row", "status", "date", "amount", "description", "transaction", "reason"),
        [
            (
                str(r.row),
                r.status,
                r.date.isoformat() if r.date else "",
                f"{r.amount:f}" if r.amount is not None else "",
                (r.description or "")[:40],
                str(r.transaction_id or r.duplicate_of or ""),
                r.reason or "",
            )
            for r in rows
        ],
    )
    print()


class ImportOutcome(Protocol):
    """What both imports report: ``ImportResult`` and the streamed ``StreamedImport``."""

    @property
    def created(self) -> int: ...
    @property
    def duplicates(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def committed(self) -> bool: ...
    @property
    def reconciliation(self) -> ReconciliationCheck | None: ...


def finish(fmt: str, result: ImportOutcome) -> int:
    """Print the counts and the statement against the books; the command's exit code
    (1 when rejected rows stopped the import)."""
    if result.dry_run:
        state = "dry run, nothing written"
    elif result.committed:
        state = "committed"
    else:
        state = "NOT imported: fix the rejected rows or pass --skip-bad-rows"
    print(
        f"{fmt}: {result.created} created, {result.duplicates} duplicates, "
        f"{result.rejected} rejected ({state})"
    )
    print_reconciliation(result.reconciliation)
    return 0 if result.committed or result.dry_run else 1


def print_reconciliation(check: ReconciliationCheck | None) -> None:
    """What the file stated, and how the books compare."""
    if check is not None:
        state = "reconciles" if check.difference == 0 else "does NOT reconcile"
        print(
            f"statement closing balance {check.statement_balance:f}, books "
            f"{check.book_balance:f}, difference {check.difference:f} ({state})"
        )
