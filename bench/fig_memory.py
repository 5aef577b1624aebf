"""Figure 8: peak memory of importing a CSV file, at two file sizes.

Each import runs in a child process of its own (``bench.memory_child``), from
reading the file to the committed transaction, into a new SQLite file. Flat
memory means the peak at the large file stays close to the peak at the small
one; the goal also caps it at 300 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from bench import sqlite_ref
from bench.data import csv_bytes
from bench.harness import Figure, Sizes, ratio

Log = Callable[[str], None]
CAP_MB: Final = 300.0
#: How much the peak may grow from the small file to the large one and still be "flat".
GROWTH: Final = 1.2
TIMEOUT: Final = 1800


def _child(csv_path: Path, db_path: Path) -> dict[str, Any]:
    sqlite_ref.remove_database(db_path)
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory_child", str(csv_path), str(db_path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    sqlite_ref.remove_database(db_path)
    if done.returncode != 0:
        raise RuntimeError(f"the import child failed: {done.stderr.strip()[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def run(sizes: Sizes, work: Path, log: Log) -> list[Figure]:
    small_n, big_n = sizes.memory_sizes
    reports = {}
    for count in (small_n, big_n):
        csv_path = work / f"statement-{count}.csv"
        if not csv_path.exists():
            csv_path.write_bytes(csv_bytes(count))
        report = _child(csv_path, work / f"memory-{count}.db")
        if report["created"] != count:
            raise RuntimeError(f"the child imported {report['created']} of {count} rows")
        size_mb = csv_path.stat().st_size / 1e6
        log(
            f"  {count:,} rows ({size_mb:.0f} MB CSV): peak {report['peak_mb']:.0f} MB "
            f"(baseline {report['baseline_mb']:.0f} MB), {report['seconds']:.1f} s"
        )
        reports[count] = {**report, "csv_mb": size_mb}
    big, small = reports[big_n], reports[small_n]
    return [
        Figure(
            key="8.memory",
            title=f"8. Peak RSS, CSV import of {big_n:,} rows",
            value=big["peak_mb"],
            unit="MB",
            reference=small["peak_mb"],
            reference_label=f"same import, {small_n:,} rows",
            reference_unit="MB",
            ratio=ratio(big["peak_mb"], small["peak_mb"]),
            goal=f"< {CAP_MB:.0f} MB and <= {GROWTH}x",
            direction="at_most",
            limit=GROWTH,
            extra_ok=big["peak_mb"] < CAP_MB,
            note=(
                f"process baseline {big['baseline_mb']:.0f} MB; CSV {big['csv_mb']:.0f} MB; "
                f"import took {big['seconds']:.0f} s ({big_n / big['seconds']:,.0f} rows/s)"
            ),
            samples=(big["peak_mb"],),
            reference_samples=(small["peak_mb"],),
        )
    ]
