"""Run one CSV import in this process and report its peak RSS as JSON on stdout.

Started by figure 8 as ``python -m bench.memory_child CSV DB``; a process of
its own, so the high-water mark is the import's and nothing else's. The import
is the streaming one (``Ledger.import_stream`` over ``CsvFileSource``).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench.books import open_books
from finance_import.csv_stream import CsvFileSource


def _peak_mb() -> float:
    """This process's RSS high-water mark.

    ``VmHWM`` belongs to the process's own address space, which starts afresh
    at exec; ``ru_maxrss`` does not (Linux carries it over from the parent
    across fork and exec, so a child of a big parent would report the parent).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # Elsewhere ru_maxrss is the best there is (kilobytes on Linux, bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def main(argv: list[str]) -> int:
    csv_path, db_path = Path(argv[0]), Path(argv[1])
    ledger, principal, account_id = open_books(f"sqlite:///{db_path}")
    baseline = _peak_mb()
    start = time.perf_counter()
    # The file is read from disk a chunk at a time, twice, inside one unit of work.
    result = ledger.import_stream(principal, account_id, CsvFileSource(csv_path))
    seconds = time.perf_counter() - start
    ledger.storage.close()
    report = {
        "baseline_mb": baseline,
        "peak_mb": _peak_mb(),
        "rows": result.created + result.duplicates + result.rejected,
        "created": result.created,
        "seconds": seconds,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
