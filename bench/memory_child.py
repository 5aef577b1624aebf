"""Run one CSV import in this process and report its peak RSS as JSON on stdout.

Started by figure 8 as ``python -m bench.memory_child CSV DB``; a process of
its own, so the high-water mark is the import's and nothing else's.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench.books import open_books
from finance_core.importing import ImportOptions
from finance_core.plugins import make_plugin_manager


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
    importer = make_plugin_manager().importer_for(b"", "csv")
    baseline = _peak_mb()
    start = time.perf_counter()
    data = csv_path.read_bytes()
    parsed = importer.parse(data, ImportOptions())
    result = ledger.import_file(principal, account_id, parsed)
    seconds = time.perf_counter() - start
    ledger.storage.close()
    report = {
        "baseline_mb": baseline,
        "peak_mb": _peak_mb(),
        "rows": len(parsed.rows),
        "created": result.created,
        "seconds": seconds,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
