"""Figure 7: the JSON backend's write latency as a tenant grows, and its load time.

Two stores, a small one and a big one, take single posts in turn, so both see
the same machine load. The load time opens the big store from cold (a new
``JsonStorage``) and reads a balance; its reference is reading and parsing the
same files with ``json`` alone, the floor any loader has to pay.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench.books import open_books, reopen
from bench.data import row_fields
from bench.harness import Figure, Sizes, median, ratio
from finance_core.services import Ledger
from finance_core.tenancy import Principal

Log = Callable[[str], None]
TENANT = "bench"
BATCH = 1000


def _grow(url: str, count: int) -> tuple[Ledger, Principal, int]:
    ledger, principal, account_id = open_books(url, TENANT)
    fields = list(row_fields(count))
    for start in range(0, count, BATCH):
        items = [
            {
                "amount": Decimal(cents).scaleb(-2),
                "date": day,
                "category": category,
                "description": description,
                "merchant": merchant,
            }
            for day, cents, description, merchant, category in fields[start : start + BATCH]
        ]
        ledger.post_batch(principal, account_id, items)
    return ledger, principal, account_id


def _post(ledger: Ledger, principal: Principal, account_id: int) -> float:
    start = time.perf_counter()
    ledger.post_transaction(
        principal,
        account_id,
        amount=Decimal("-4.20"),
        date="2026-01-14",
        category="dining",
        merchant="Corner Cafe",
    )
    return time.perf_counter() - start


def _load(url: str, account_id: int) -> float:
    start = time.perf_counter()
    ledger, principal = reopen(url, TENANT)
    ledger.get_account(principal, account_id)
    elapsed = time.perf_counter() - start
    ledger.storage.close()
    return elapsed


def _parse_files(root: Path) -> float:
    files = sorted(p for p in (root / "tenants").rglob("*.json*") if p.is_file())
    start = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        else:
            for line in data.splitlines():
                json.loads(line)
    return time.perf_counter() - start


def _describe(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"mean {statistics.fmean(samples) * 1e3:.2f} ms, p99 {p99 * 1e3:.1f} ms"


def run(sizes: Sizes, work: Path, log: Log) -> list[Figure]:
    small_n, big_n = sizes.json_sizes
    small_root, big_root = work / "json-small", work / "json-big"
    small_url, big_url = f"json:///{small_root}", f"json:///{big_root}"
    for root in (small_root, big_root):
        shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    small = _grow(small_url, small_n)
    big = _grow(big_url, big_n)
    log(f"  grew stores of {small_n:,} and {big_n:,} rows in {time.perf_counter() - start:.1f} s")
    small_times: list[float] = []
    big_times: list[float] = []
    for index in range(sizes.json_writes):
        pair = ((small, small_times), (big, big_times))
        for (ledger, principal, account_id), out in pair if index % 2 == 0 else pair[::-1]:
            out.append(_post(ledger, principal, account_id))
    for ledger, _, _ in (small, big):
        ledger.storage.close()
    loads: list[float] = []
    parses: list[float] = []
    for _ in range(sizes.json_load_samples):
        loads.append(_load(big_url, big[2]))
        parses.append(_parse_files(big_root))
    write, write_ref = median(big_times), median(small_times)
    load, parse = median(loads), median(parses)
    log(f"  writes: big {_describe(big_times)}; small {_describe(small_times)}")
    return [
        Figure(
            key="7.json.write",
            title=f"7. JSON backend write, {big_n:,} stored rows",
            value=write,
            unit="s",
            reference=write_ref,
            reference_label=f"same write, {small_n:,} stored rows",
            reference_unit="s",
            ratio=ratio(write, write_ref),
            goal="<= 1.5x",
            direction="at_most",
            limit=1.5,
            note=f"median of {sizes.json_writes} posts each; big store {_describe(big_times)}",
            samples=tuple(big_times),
            reference_samples=tuple(small_times),
        ),
        Figure(
            key="7.json.load",
            title=f"7. JSON backend load, {big_n:,} stored rows",
            value=load,
            unit="s",
            reference=parse,
            reference_label="json.loads of the same files",
            reference_unit="s",
            ratio=ratio(load, parse),
            goal="- (reported)",
            note="new JsonStorage, first balance read",
            samples=tuple(loads),
            reference_samples=tuple(parses),
        ),
    ]
