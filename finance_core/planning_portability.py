"""Schedules and budgets in a tenant's export, and back in on restore.

Ids are renumbered with the same maps as accounts and transactions, so a
restored schedule still names its accounts and the transactions it posted.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from finance_core.budgets import Budget
from finance_core.errors import ValidationError
from finance_core.ports import UnitOfWork
from finance_core.schedules import OccurrenceChange, Schedule, ScheduleLink


@attrs.frozen
class PlanningData:
    schedules: tuple[Schedule, ...] = ()
    schedule_links: tuple[ScheduleLink, ...] = ()
    schedule_changes: tuple[OccurrenceChange, ...] = ()
    budgets: tuple[Budget, ...] = ()


def dump_planning(uow: UnitOfWork, transaction_ids: set[int]) -> PlanningData:
    """Everything planned; links to transactions deleted since are left out."""
    return PlanningData(
        tuple(uow.schedules.list()),
        tuple(link for link in uow.schedules.links() if link.transaction_id in transaction_ids),
        tuple(uow.schedules.changes()),
        tuple(uow.budgets.list()),
    )


def check_planning(data: PlanningData, account_ids: set[int], txn_ids: set[int]) -> None:
    """Refuse schedules, links and budgets that name accounts or rows not in the file."""
    schedule_ids = {s.id for s in data.schedules}
    for schedule in data.schedules:
        missing = schedule.account_ids - account_ids
        if missing:
            raise ValidationError.of(
                "schedules", f"schedule {schedule.id} names account {min(missing)}, not in the file"
            )
    named = [link.schedule_id for link in data.schedule_links]
    named += [change.schedule_id for change in data.schedule_changes]
    for schedule_id in named:
        if schedule_id not in schedule_ids:
            raise ValidationError.of(
                "schedules", f"an occurrence names schedule {schedule_id}, not in the file"
            )
    for link in data.schedule_links:
        if link.transaction_id not in txn_ids:
            raise ValidationError.of(
                "schedule_links",
                f"an occurrence names transaction {link.transaction_id}, not in the file",
            )
    for budget in data.budgets:
        if budget.account_id is not None and budget.account_id not in account_ids:
            raise ValidationError.of(
                "budgets", f"budget {budget.id} names account {budget.account_id}, not in the file"
            )


def restore_planning(
    uow: UnitOfWork, data: PlanningData, maps: Mapping[str, Mapping[int, int]]
) -> PlanningData:
    """Write ``data`` with every id mapped; the caller commits."""
    accounts, schedule_ids = maps["account"], maps["schedule"]
    schedules = tuple(
        attrs.evolve(
            s,
            id=schedule_ids[s.id],
            tenant_id=uow.tenant_id,
            terms=tuple(
                attrs.evolve(
                    t,
                    account_id=accounts[t.account_id],
                    to_account_id=None if t.to_account_id is None else accounts[t.to_account_id],
                )
                for t in s.terms
            ),
        )
        for s in data.schedules
    )
    links = tuple(
        attrs.evolve(
            link,
            schedule_id=schedule_ids[link.schedule_id],
            transaction_id=maps["transaction"][link.transaction_id],
        )
        for link in data.schedule_links
    )
    changes = tuple(
        attrs.evolve(c, schedule_id=schedule_ids[c.schedule_id]) for c in data.schedule_changes
    )
    budgets = tuple(
        attrs.evolve(
            b,
            id=maps["budget"][b.id],
            tenant_id=uow.tenant_id,
            account_id=None if b.account_id is None else accounts[b.account_id],
        )
        for b in data.budgets
    )
    for schedule in schedules:
        uow.schedules.add(schedule)
    for link in links:
        uow.schedules.add_link(link)
    for change in changes:
        uow.schedules.set_change(change)
    for budget in budgets:
        uow.budgets.add(budget)
    return PlanningData(schedules, links, changes, budgets)
