"""Run one CSV import in this process and report its peak RSS as JSON on stdout.

Started by figure 8 as ``python -m bench.memory_child CSV DB``; a process of
its own, so the high-water mark is the import's and nothing else's. The import
is the real command, ``finance-planner import CSV --account N``, run in this
process (it streams the file through ``CsvFileSource`` and
``Ledger.import_stream``).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import resource
import sys
import time
from pathlib import Path

from bench.books import OWNER, open_books
from finance_core.cli import main as cli_main


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
    url = f"sqlite:///{db_path}"
    ledger, principal, account_id = open_books(url)
    ledger.storage.close()
    baseline = _peak_mb()
    command = ["import", str(csv_path), "--tenant", principal.tenant_id, "--as-user", OWNER]
    command += ["--account", str(account_id), "--database-url", url]
    start = time.perf_counter()
    # The file is read from disk a chunk at a time, inside one unit of work.
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        code = cli_main(command)
    seconds = time.perf_counter() - start
    summary = re.search(r"(\d+) created, (\d+) duplicates, (\d+) rejected", printed.getvalue())
    if code != 0 or summary is None:
        print(f"the import command failed ({code}): {printed.getvalue()[-2000:]}", file=sys.stderr)
        return 1
    created, duplicates, rejected = map(int, summary.groups())
    report = {
        "baseline_mb": baseline,
        "peak_mb": _peak_mb(),
        "rows": created + duplicates + rejected,
        "created": created,
        "seconds": seconds,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
