"""Programs the JSON storage tests run as separate OS processes.

Each sub-command opens the store itself, says ``ready`` on stdout, waits for a
line on stdin (so several processes start writing together), then works and
reports on stdout. Run as ``python json_child.py COMMAND URL ...``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from decimal import Decimal

from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role
from finance_core.testing.clock import FakeClock
from finance_storage_json.storage import JsonStorage

#: Transactions in the largest batch the crash writer posts (a journal line of ~20 kB).
BIG_BATCH = 50


def say(line: str) -> None:
    # One write per line: a line shorter than PIPE_BUF reaches the pipe whole or
    # not at all, even when the process is killed right after.
    os.write(sys.stdout.fileno(), (line + "\n").encode())


def owner_of(tenant: str) -> Principal:
    return Principal(f"{tenant}-owner", tenant, Role.OWNER)


def open_ledger(url: str, compact_min_bytes: int) -> Ledger:
    return Ledger(JsonStorage(url, compact_min_bytes=compact_min_bytes), clock=FakeClock())


def post(args: argparse.Namespace) -> None:
    """Post ``count`` transactions of ``amount`` to one account."""
    ledger = open_ledger(args.url, args.compact_min_bytes)
    who = owner_of(args.tenant)
    say("ready")
    sys.stdin.readline()
    for _ in range(args.count):
        ledger.post_transaction(
            who, args.account, amount=Decimal(args.amount), date="2026-02-01", category="load"
        )
    say("done")


def transfer(args: argparse.Namespace) -> None:
    """Move money back and forth between two accounts; their total never changes."""
    ledger = open_ledger(args.url, args.compact_min_bytes)
    who = owner_of(args.tenant)
    rng = random.Random(args.seed)
    say("ready")
    sys.stdin.readline()
    for _ in range(args.count):
        source, target = rng.sample([args.account, args.other], 2)
        ledger.create_transfer(
            who, source, target, Decimal(rng.randint(1, 500)) / 100, "2026-02-01"
        )
    say("done")


def provision(args: argparse.Namespace) -> None:
    """Bring ``--user`` (or ``count`` new users) into a tenant, creating it if need be."""
    ledger = open_ledger(args.url, args.compact_min_bytes)
    users = [args.user] if args.user else [f"{args.tenant}-user-{n}" for n in range(args.count)]
    say("ready")
    sys.stdin.readline()
    for user in users:
        ledger.provision(args.tenant, user, Role.MEMBER)
    say("done")


def write_until_killed(url: str, tenant: str, seed: int, compact_min_bytes: int) -> None:
    """Post, batch and transfer forever, reporting each acknowledged transaction.

    A report is ``ok <transaction id> <account id> <amount>``, written only after
    the call that stored it returned.
    """
    ledger = open_ledger(url, compact_min_bytes)
    who = owner_of(tenant)
    accounts = [a.id for a in ledger.list_accounts(who)]
    rng = random.Random(seed)
    say("loaded")
    while True:
        choice = rng.random()
        account = rng.choice(accounts)
        amount = Decimal(rng.randint(-5000, 5000)) / 100
        if choice < 0.6:
            txns = [
                ledger.post_transaction(
                    who, account, amount=amount, date="2026-03-01", category="crash"
                )
            ]
        elif choice < 0.8:
            # Now and then a batch whose journal line spans many pages, which a
            # kill can cut in the middle of the write system call.
            size = BIG_BATCH if choice < 0.63 else 3
            items = [
                {"amount": amount + n, "date": "2026-03-02", "category": "crash"}
                for n in range(size)
            ]
            txns = list(ledger.post_batch(who, account, items).transactions)
        else:
            source, target = rng.sample(accounts, 2)
            made = ledger.create_transfer(who, source, target, abs(amount) + 1, "2026-03-03")
            txns = [made.from_transaction, made.to_transaction]
        for txn in txns:
            say(f"ok {txn.id} {txn.account_id} {txn.amount}")


def fork_server(args: argparse.Namespace) -> None:
    """Fork a fresh writer per ``go <tenant> <seed>`` line, and report its end.

    Imports are paid once here, so the crash test can kill hundreds of writers
    a minute. Each writer is a real process that opens the store from scratch.
    Replies: ``pid <pid>`` after forking, ``reaped <pid> <signal>`` once it is
    gone (signal 0: it exited by itself, which only an error makes it do).
    """
    say("ready")
    for line in sys.stdin:
        command, tenant, seed = line.split()
        assert command == "go"
        pid = os.fork()
        if pid == 0:
            try:
                write_until_killed(args.url, tenant, int(seed), args.compact_min_bytes)
            finally:
                os._exit(1)
        say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        say(f"reaped {pid} {signal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["post", "transfer", "provision", "fork-server"])
    parser.add_argument("url")
    parser.add_argument("--tenant", default="")
    parser.add_argument("--user", default="")
    parser.add_argument("--account", type=int, default=0)
    parser.add_argument("--other", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--amount", default="1.00")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compact-min-bytes", type=int, default=1 << 20)
    args = parser.parse_args()
    commands = {
        "post": post,
        "transfer": transfer,
        "provision": provision,
        "fork-server": fork_server,
    }
    commands[args.command](args)


if __name__ == "__main__":
    main()
