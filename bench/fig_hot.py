"""Figure 6: one hot account, 8 writer processes against 1, on SQLite and PostgreSQL.

Each writer is its own OS process with its own ledger and connections, posting
single transactions of +1.00 for a fixed time after a common start. Afterwards
the account must hold exactly one row per acknowledged post and a balance that
is their sum: anything else is a lost (or phantom) update.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any, Final

import attrs

from bench import sqlite_ref
from bench.books import open_books, reopen, unique_tenant
from bench.harness import Figure, Sizes, median, ratio
from finance_core.errors import FinanceError
from finance_core.queries import PageRequest, TransactionFilter

Log = Callable[[str], None]
AMOUNT: Final = Decimal("1.00")
#: Untimed posts each writer makes first, so connection set-up is not in the rate.
WARMUP: Final = 3
#: A writer that has not reported this long after its time is up is stuck.
GRACE: Final = 60.0


@attrs.frozen
class WriterReport:
    #: Posts acknowledged before the common start (they warm connections and caches).
    warmup: int
    posted: int
    failed: int
    seconds: float
    first_error: str | None


def _writer(
    url: str, tenant_id: str, account_id: int, seconds: float, barrier: Barrier, out: Any
) -> None:
    """One writer process: post until the time is up, then report what was acknowledged."""
    ledger, principal = reopen(url, tenant_id)
    posted = failed = 0
    first_error = None
    for _ in range(WARMUP):
        ledger.post_transaction(
            principal, account_id, amount=AMOUNT, date=date(2026, 1, 14), category="hot"
        )
    barrier.wait()
    start = time.perf_counter()
    end = start + seconds
    last = start
    while last < end:
        try:
            ledger.post_transaction(
                principal, account_id, amount=AMOUNT, date=date(2026, 1, 14), category="hot"
            )
            posted += 1
        except FinanceError as exc:
            failed += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
        last = time.perf_counter()
    ledger.storage.close()
    out.put(WriterReport(WARMUP, posted, failed, last - start, first_error))


def _round(url: str, tenant_id: str, account_id: int, writers: int, seconds: float) -> WriterReport:
    """Start ``writers`` processes together; their combined posts and the longest time."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(writers + 1)
    out = context.Queue()
    processes = [
        context.Process(
            target=_writer, args=(url, tenant_id, account_id, seconds, barrier, out), daemon=True
        )
        for _ in range(writers)
    ]
    for process in processes:
        process.start()
    try:
        barrier.wait(timeout=GRACE)
        reports = [out.get(timeout=seconds + GRACE) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=GRACE)
            if process.is_alive():
                process.kill()
    errors = [r.first_error for r in reports if r.first_error]
    return WriterReport(
        warmup=sum(r.warmup for r in reports),
        posted=sum(r.posted for r in reports),
        failed=sum(r.failed for r in reports),
        seconds=max(r.seconds for r in reports),
        first_error=errors[0] if errors else None,
    )


def _backend(label: str, url: str, sizes: Sizes, log: Log) -> Figure:
    tenant_id = unique_tenant("bench-hot")
    ledger, _, account_id = open_books(url, tenant_id)
    ledger.storage.close()
    many = sizes.hot_writers
    rates: dict[int, list[float]] = {1: [], many: []}
    acknowledged = 0
    failures = 0
    first_error = None
    for index in range(sizes.hot_repeats):
        for writers in (1, many) if index % 2 == 0 else (many, 1):
            result = _round(url, tenant_id, account_id, writers, sizes.hot_seconds)
            acknowledged += result.warmup + result.posted
            failures += result.failed
            first_error = first_error or result.first_error
            rates[writers].append(result.posted / result.seconds)
            log(
                f"  {label}: {writers} writer(s) {rates[writers][-1]:,.0f} writes/s"
                + (f", {result.failed} failed" if result.failed else "")
            )
    lost = _lost_updates(url, tenant_id, account_id, acknowledged)
    value, reference = median(rates[many]), median(rates[1])
    note = f"lost updates: {lost}; failed posts: {failures}"
    if first_error:
        note += f" (first: {first_error[:120]})"
    return Figure(
        key=f"6.hot.{label.lower()}",
        title=f"6. Hot account, {many} writers ({label})",
        value=value,
        unit="writes/s",
        reference=reference,
        reference_label="1 writer",
        reference_unit="writes/s",
        ratio=ratio(value, reference),
        goal=">= 0.50 and 0 lost",
        direction="at_least",
        limit=0.5,
        extra_ok=lost == 0,
        note=note,
        samples=tuple(rates[many]),
        reference_samples=tuple(rates[1]),
    )


def _lost_updates(url: str, tenant_id: str, account_id: int, acknowledged: int) -> int:
    """Acknowledged posts missing from the rows, or from the stored balance."""
    ledger, principal = reopen(url, tenant_id)
    try:
        account = ledger.get_account(principal, account_id)
        page = ledger.list_transactions(
            principal, TransactionFilter(account_id=account_id), PageRequest(limit=1)
        )
        rows = page.total or 0
        in_balance = int((account.balance - account.initial_balance) / AMOUNT)
    finally:
        ledger.storage.close()
    return max(acknowledged - rows, acknowledged - in_balance, rows - in_balance)


def run(sizes: Sizes, work: Path, postgres: str | None, log: Log) -> list[Figure]:
    path = work / "hot.db"
    sqlite_ref.remove_database(path)
    backends = [("SQLite", f"sqlite:///{path}")]
    if postgres:
        from finance_storage_sql.migrations.run import migrate_url

        # Opening PostgreSQL refuses an out-of-date schema; bring it up first.
        migrate_url(postgres)
        backends.append(("PostgreSQL", postgres))
    return [_backend(label, url, sizes, log) for label, url in backends]
