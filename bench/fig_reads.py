"""Figures 2 to 4: reads on one SQLite file with a big and a small account.

The file holds a big account (1,000,000 rows in the full run) and a small one
(1,000 rows), both written through the library's import path. Figure 1's
largest import is reused as the big account when it has the right size.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench import sqlite_ref
from bench.books import open_books, reopen
from bench.data import parsed_file
from bench.harness import Figure, Sizes, median, paired, ratio
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.reports import ReportRow
from finance_core.services import Ledger
from finance_core.tenancy import Principal

Log = Callable[[str], None]
TENANT = "bench"
BIG, SMALL = 1, 2


def ensure_dataset(path: Path, candidate: Path | None, sizes: Sizes, log: Log) -> Path:
    """The dataset file: reused when its accounts already have the right sizes."""
    if _has_sizes(path, sizes):
        log(f"  reusing {path.name}")
        return path
    if candidate is not None and candidate.exists() and _count(candidate, BIG) == sizes.big_account:
        sqlite_ref.remove_database(path)
        candidate.rename(path)
        log(f"  big account taken over from figure 1 ({sizes.big_account:,} rows)")
    else:
        sqlite_ref.remove_database(path)
        ledger, principal, account_id = open_books(f"sqlite:///{path}")
        assert account_id == BIG
        log(f"  importing {sizes.big_account:,} rows into the big account")
        ledger.import_file(principal, BIG, parsed_file(sizes.big_account))
        ledger.storage.close()
    ledger, principal = reopen(f"sqlite:///{path}", TENANT)
    small = ledger.open_account(principal, "Small", "checking", initial_balance="0.00")
    assert small.id == SMALL
    ledger.import_file(principal, SMALL, parsed_file(sizes.small_account, seed=11))
    ledger.storage.close()
    return path


def _count(path: Path, account_id: int) -> int:
    try:
        return sqlite_ref.count_rows(path, TENANT, account_id)
    except sqlite3.Error:
        return -1


def _has_sizes(path: Path, sizes: Sizes) -> bool:
    return (
        path.exists()
        and _count(path, BIG) == sizes.big_account
        and _count(path, SMALL) == sizes.small_account
    )


def run(path: Path, sizes: Sizes, log: Log) -> list[Figure]:
    url = f"sqlite:///{path}"
    ledger, principal = reopen(url, TENANT)
    connection = sqlite_ref.connect(path)
    try:
        return [
            _balance(ledger, principal, sizes),
            *_pages(ledger, principal, connection, sizes),
            _report(ledger, principal, connection, sizes, log),
        ]
    finally:
        connection.close()
        ledger.storage.close()


def _balance(ledger: Ledger, principal: Principal, sizes: Sizes) -> Figure:
    big, small = paired(
        lambda: ledger.get_account(principal, BIG).balance,
        lambda: ledger.get_account(principal, SMALL).balance,
        samples=sizes.read_samples,
        target=sizes.sample_seconds,
    )
    value, reference = median(big), median(small)
    return Figure(
        key="2.balance",
        title=f"2. Balance read, {sizes.big_account:,} rows",
        value=value,
        unit="s",
        reference=reference,
        reference_label=f"same read, {sizes.small_account:,} rows",
        reference_unit="s",
        ratio=ratio(value, reference),
        goal="<= 1.2x",
        direction="at_most",
        limit=1.2,
        note="Ledger.get_account(...).balance",
        samples=tuple(big),
        reference_samples=tuple(small),
    )


def _pages(
    ledger: Ledger, principal: Principal, connection: sqlite3.Connection, sizes: Sizes
) -> list[Figure]:
    day, ident = sqlite_ref.position(connection, TENANT, BIG, sizes.deep_offset - 1)
    cursor = Cursor(date.fromisoformat(day), ident)
    flt = TransactionFilter(account_id=BIG)
    deep_page = ledger.list_transactions(
        principal, flt, PageRequest(limit=100, cursor=cursor, with_total=False)
    )
    if len(deep_page.items) != 100 or not cursor.is_after(deep_page.items[0]):
        raise RuntimeError("the deep page is not the 100 rows after the cursor")
    figures = []
    variants = (
        ("3.page.cursor", "cursor, with total (as the HTTP API asks)", True, True),
        ("3.page.cursor_no_total", "cursor, without total", False, True),
        ("3.page.offset", "offset, without total (contrast, no goal)", False, False),
    )
    for key, label, with_total, by_cursor in variants:
        first = PageRequest(limit=100, with_total=with_total)
        deep = (
            PageRequest(limit=100, cursor=cursor, with_total=with_total)
            if by_cursor
            else PageRequest(limit=100, offset=sizes.deep_offset, with_total=with_total)
        )
        deep_times, first_times = paired(
            functools.partial(ledger.list_transactions, principal, flt, deep),
            functools.partial(ledger.list_transactions, principal, flt, first),
            samples=sizes.read_samples,
            target=sizes.sample_seconds,
        )
        value, reference = median(deep_times), median(first_times)
        figures.append(
            Figure(
                key=key,
                title=f"3. Page of 100, {sizes.deep_offset:,} deep: {label}",
                value=value,
                unit="s",
                reference=reference,
                reference_label="first page, same request",
                reference_unit="s",
                ratio=ratio(value, reference),
                goal="<= 1.5x" if by_cursor else "-",
                direction="at_most" if by_cursor else "none",
                limit=1.5 if by_cursor else None,
                note=f"account of {sizes.big_account:,} rows",
                samples=tuple(deep_times),
                reference_samples=tuple(first_times),
            )
        )
    return figures


def _report(
    ledger: Ledger,
    principal: Principal,
    connection: sqlite3.Connection,
    sizes: Sizes,
    log: Log,
) -> Figure:
    def ours() -> list[ReportRow]:
        return ledger.report_spending(
            principal, group_by="category", period="month", account_id=BIG
        )

    def theirs() -> list[tuple[str, str, str, int, int]]:
        return sqlite_ref.spending_by_month(connection, TENANT, BIG)

    _check_same_report(ours(), theirs())
    report, handwritten = paired(
        ours, theirs, samples=sizes.report_samples, target=sizes.sample_seconds
    )
    value, reference = median(report), median(handwritten)
    log(f"  spending report {value:.3f} s, hand-written GROUP BY {reference:.3f} s")
    return Figure(
        key="4.report",
        title=f"4. Monthly spending by category, {sizes.big_account:,} rows",
        value=value,
        unit="s",
        reference=reference,
        reference_label="hand-written SQL GROUP BY",
        reference_unit="s",
        ratio=ratio(value, reference),
        goal="<= 1.5x",
        direction="at_most",
        limit=1.5,
        note="Ledger.report_spending",
        samples=tuple(report),
        reference_samples=tuple(handwritten),
    )


def _check_same_report(
    report: list[ReportRow], handwritten: list[tuple[str, str, str, int, int]]
) -> None:
    """Both sides must compute the same figures, or the comparison means nothing."""
    ours = {
        (r.period, r.group, r.currency, int(r.total * 100), r.count)
        for r in report
        if r.total is not None
    }
    theirs = {(m, c, cur, int(spent), n) for m, c, cur, spent, n in handwritten}
    if ours != theirs:
        raise RuntimeError(
            f"the report and the hand-written query disagree ({len(ours ^ theirs)} rows differ)"
        )
