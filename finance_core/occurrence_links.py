"""Keeping schedules in step with transactions and accounts.

The transaction-posting use case calls ``link_occurrences`` once per batch,
inside its unit of work and after its accounts are locked, so an import or a
hand-entered payment settles a scheduled bill and the bill is counted once.
Deleting an account takes the schedules that use it along.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta

import attrs

from finance_core.errors import ConflictError, DuplicateError
from finance_core.ports import UnitOfWork
from finance_core.schedule_input import MAX_DATE_TOLERANCE
from finance_core.schedules import ScheduleLink, best_match, match_candidates
from finance_core.transactions import Transaction

#: The occurrence a post-due run is posting right now: its transaction is
#: linked to it as ``posted`` instead of being matched.
_posting: ContextVar[tuple[int, date] | None] = ContextVar("finance_posting", default=None)


@contextmanager
def posting(schedule_id: int, scheduled: date) -> Iterator[None]:
    """Within the block, posted transactions settle this occurrence."""
    token = _posting.set((schedule_id, scheduled))
    try:
        yield
    finally:
        _posting.reset(token)


def link_occurrences(uow: UnitOfWork, txns: Sequence[Transaction], now: datetime) -> None:
    """Link newly posted transactions to the occurrences they settle.

    Called by the transaction-posting use case inside its unit of work. A
    post-due run links its transaction to the occurrence it posts; any other
    transaction settles the closest open occurrence on its account whose
    amount and date are within the schedule's tolerances (an upcoming one
    too: a payment made early).
    """
    current = _posting.get()
    if current is not None:
        for txn in txns:
            link(uow, current[0], current[1], txn.id, "posted", now)
        return
    plain = [t for t in txns if t.transfer_id is None]
    if not plain:
        return
    schedules = uow.schedules.list()
    if not schedules:
        return
    reach = timedelta(days=MAX_DATE_TOLERANCE)
    start = min(t.date for t in plain) - reach
    end = max(t.date for t in plain) + reach
    changes = uow.schedules.changes()
    links = uow.schedules.links()
    taken: set[tuple[int, date]] = set()
    for account_id in sorted({t.account_id for t in plain}):
        candidates = match_candidates(schedules, account_id, start, end, now.date(), changes, links)
        if not candidates:
            continue
        for txn in (t for t in plain if t.account_id == account_id):
            chosen = best_match(candidates, txn.amount, txn.date, taken)
            if chosen is not None:
                occ = chosen.occurrence
                taken.add((occ.schedule_id, occ.scheduled))
                link(uow, occ.schedule_id, occ.scheduled, txn.id, "matched", now)


def link(
    uow: UnitOfWork, schedule_id: int, scheduled: date, txn_id: int, kind: str, now: datetime
) -> None:
    try:
        uow.schedules.add_link(ScheduleLink(schedule_id, scheduled, txn_id, kind, now))
    except DuplicateError:
        raise ConflictError(
            f"the occurrence of schedule {schedule_id} on {scheduled} was settled by another "
            "request just now; nothing was stored: read it again"
        ) from None


def forget_account_plans(uow: UnitOfWork, account_id: int, now: datetime) -> None:
    """Before an account is deleted: delete its schedules, and unhook budgets from it.

    Called by the account-deleting use case, in its unit of work.
    """
    for schedule in uow.schedules.list():
        if account_id in schedule.account_ids:
            uow.schedules.delete(schedule.id)
    for budget in uow.budgets.list():
        if budget.account_id == account_id:
            uow.budgets.update(
                attrs.evolve(budget, account_id=None, updated_at=now, version=budget.version + 1)
            )
