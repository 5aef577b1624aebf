"""A process that runs ``finance-planner schedules post-due`` when told to.

Run as ``python post_due_worker.py URL TENANT USER``. It loads the command
line program (imports, plugins, engine set-up happen before the race), prints
``ready``, waits for a line on stdin so every worker starts together, runs
the command, and prints its exit code on the last line.
"""

from __future__ import annotations

import sys

from finance_core.cli import main


def run() -> None:
    url, tenant, user = sys.argv[1:4]
    print("ready", flush=True)
    sys.stdin.readline()
    code = main(
        ["schedules", "post-due", "--tenant", tenant, "--as-user", user, "--database-url", url]
    )
    print(f"exit {code}", flush=True)


if __name__ == "__main__":
    run()
