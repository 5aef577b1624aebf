"""A service process for the concurrency tests: its own interpreter, engine and ledger.

Run as ``python sql_worker.py '<json job>'``. It opens the storage, prints
``ready``, waits for a line on stdin (so every worker starts together), does
its job, and prints one JSON line with what happened. Jobs:

* ``post``: post ``count`` deposits to one account;
* ``withdraw``: try each withdrawal in ``amounts``; a refusal must be a
  BalanceRuleViolation, anything else is reported as an error;
* ``interleave``: transfer between two shared accounts and post to them, then
  print ``done``, wait for another line, and report what it sees.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from finance_core.bootstrap import utc_now
from finance_core.errors import BalanceRuleViolation, FinanceError
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role
from finance_storage_sql.storage import SqlStorage


def _wait_for_go() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


def _post(ledger: Ledger, who: Principal, job: dict[str, Any]) -> dict[str, Any]:
    posted, errors = [], []
    for index in range(job["count"]):
        amount = Decimal(job["worker"] * 1000 + index + 1).scaleb(-2)
        try:
            ledger.post_transaction(
                who, job["account"], amount=amount, date="2024-03-01", category="deposit"
            )
            posted.append(str(amount))
        except FinanceError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"posted": posted, "errors": errors}


def _withdraw(ledger: Ledger, who: Principal, job: dict[str, Any]) -> dict[str, Any]:
    posted, rejected, errors = [], [], []
    for raw in job["amounts"]:
        amount = -Decimal(raw)
        try:
            txn = ledger.post_transaction(
                who, job["account"], amount=amount, date="2024-03-01", category="withdrawal"
            )
            posted.append([txn.id, str(amount)])
        except BalanceRuleViolation:
            rejected.append(str(amount))
        except FinanceError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"posted": posted, "rejected": rejected, "errors": errors}


def _all_external_ids(ledger: Ledger, who: Principal, account: int) -> list[str]:
    flt = TransactionFilter(account_id=account)
    page = ledger.list_transactions(who, flt, PageRequest(limit=200, with_total=False))
    seen = [t.external_id for t in page.items]
    while page.next_cursor is not None:
        cursor = Cursor.decode(page.next_cursor)
        page = ledger.list_transactions(who, flt, PageRequest(limit=200, cursor=cursor))
        seen += [t.external_id for t in page.items]
    return sorted(e for e in seen if e is not None)


def _interleave(ledger: Ledger, who: Principal, job: dict[str, Any]) -> dict[str, Any]:
    source, target = job["accounts"]
    errors = []
    for index in range(job["rounds"]):
        try:
            ledger.create_transfer(who, source, target, Decimal("1.25"), "2024-03-02")
            ledger.post_transaction(
                who,
                target,
                amount=Decimal("0.10"),
                date="2024-03-03",
                category="interest",
                external_id=f"{job['name']}-{index}",
            )
        except FinanceError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    print("done", flush=True)
    sys.stdin.readline()
    return {
        "errors": errors,
        "seen": {str(a): _all_external_ids(ledger, who, a) for a in (source, target)},
        "balances": {str(a): str(ledger.get_account(who, a).balance) for a in (source, target)},
    }


JOBS = {"post": _post, "withdraw": _withdraw, "interleave": _interleave}


def main() -> None:
    job = json.loads(sys.argv[1])
    storage = SqlStorage(job["url"])
    ledger = Ledger(storage, clock=utc_now)
    who = Principal(job["owner"], job["tenant"], Role.OWNER)
    _wait_for_go()
    try:
        result = JOBS[job["mode"]](ledger, who, job)
    finally:
        storage.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
