"""``finance-planner reconcile``: the books against the bank's balance at the end of a day,
and what an import's statement said about them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from finance_core.cli import CliCommand
from finance_core.errors import ValidationError
from finance_core.reconciliation import BalanceMismatch
from finance_import.cli_support import add_common, open_books, print_table


def add_reconcile(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--account", type=int, required=True, help="account id")
    parser.add_argument("--date", required=True, help="the day (YYYY-MM-DD) the balance is for")
    parser.add_argument("--balance", required=True, help="the bank's balance at the end of it")


def run_reconcile(args: argparse.Namespace) -> int:
    ledger, principal = open_books(args)
    try:
        made = ledger.reconcile(principal, args.account, args.date, args.balance)
    except BalanceMismatch as exc:
        print(
            f"not reconciled: the books show {exc.book_balance} at the end of "
            f"{exc.date.isoformat()}, the bank {exc.statement_balance} "
            f"(difference {exc.difference}); nothing was locked"
        )
        print_table(
            ("transaction", "date", "amount", "description"),
            [
                (str(t.id), t.date.isoformat(), f"{t.amount:f}", (t.description or "")[:40])
                for t in exc.transactions
            ],
        )
        return 1
    print(
        f"reconciled account {made.account_id} through {made.date.isoformat()} at "
        f"{made.balance:f} (reconciliation {made.id}); its transactions up to that day are "
        "locked until the reconciliation is deleted"
    )
    return 0


def parse_accounts(items: Sequence[str]) -> dict[str, int] | None:
    """``["NL01...=3"]`` -> ``{"NL01...": 3}``: the file's account ids mapped to accounts."""
    found: dict[str, int] = {}
    for item in items:
        key, sep, account = item.rpartition("=")
        if not sep or not key or not account.isdigit():
            raise ValidationError.of("account-map", f"{item!r} is not FILE_ACCOUNT=ACCOUNT_ID")
        found[key] = int(account)
    return found or None


COMMAND = CliCommand(
    "reconcile",
    "reconcile an account with the bank's balance at the end of a day, locking the books",
    add_reconcile,
    run_reconcile,
)

__all__ = ["COMMAND", "parse_accounts"]
