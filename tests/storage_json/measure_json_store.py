"""Measure the JSON store: load time and per-write latency as a tenant grows.

Not a test (nothing here asserts a duration); run it by hand and read the numbers::

    .venv/bin/python tests/storage_json/measure_json_store.py [--sizes 1000,100000] [--writes 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.clock import FakeClock
from finance_storage_json.storage import JsonStorage

BATCH = 1000


def grow(ledger: Ledger, size: int) -> tuple[Principal, int]:
    who = ledger.create_tenant("measured", "Measured", owner="owner")
    account = ledger.open_account(who, "Checking", initial_balance="0.00")
    items = [
        {"amount": Decimal("-1.25"), "date": "2026-01-02", "category": "food", "merchant": "Shop"}
    ] * BATCH
    for _ in range(size // BATCH):
        ledger.post_batch(who, account.id, items)
    return who, account.id


def measure(size: int, writes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"json:///{Path(tmp).absolute()}/store"
        ledger = Ledger(JsonStorage(url), clock=FakeClock())
        who, account_id = grow(ledger, size)
        latencies = []
        cpu_start = time.process_time()
        for _ in range(writes):
            start = time.perf_counter()
            ledger.post_transaction(
                who, account_id, amount=Decimal("2.00"), date="2026-01-03", category="pay"
            )
            latencies.append(time.perf_counter() - start)
        # CPU time leaves out waiting for the disk, which other programs make noisy.
        cpu = (time.process_time() - cpu_start) / writes
        start = time.perf_counter()
        fresh = Ledger(JsonStorage(url), clock=FakeClock())
        balance = fresh.get_account(who, account_id).balance
        load = time.perf_counter() - start
        files = sorted(p for p in Path(tmp, "store", "tenants").rglob("*") if p.is_file())
        on_disk = sum(p.stat().st_size for p in files)
        print(
            f"{size:>7} transactions: load {load:.2f} s (balance {balance}), "
            f"write median {statistics.median(latencies) * 1000:.2f} ms, "
            f"mean {statistics.fmean(latencies) * 1000:.2f} ms, "
            f"max {max(latencies) * 1000:.1f} ms, CPU {cpu * 1000:.2f} ms over {writes} writes; "
            f"{on_disk / 1e6:.1f} MB on disk"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size, args.writes)


if __name__ == "__main__":
    main()
