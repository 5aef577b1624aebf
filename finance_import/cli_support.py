"""What the import, export, report and reconcile commands share: the tenant options,
opening the books, and printing a table."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from finance_core.bootstrap import database_url, open_ledger
from finance_core.cli import plugins_of
from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", required=True, help="the tenant (household) id")
    parser.add_argument(
        "--as-user", default="cli", help="user id recorded as the actor (default: cli)"
    )
    parser.add_argument(
        "--database-url", help="storage URL (default: DATABASE_URL or the SQLite file)"
    )


def open_books(args: argparse.Namespace) -> tuple[Ledger, Principal]:
    ledger = open_ledger(args.database_url or database_url(os.environ), plugins=plugins_of(args))
    principal, _ = ledger.provision(args.tenant, args.as_user, Role.OWNER)
    return ledger, principal


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
