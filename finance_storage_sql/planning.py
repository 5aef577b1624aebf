"""Schedules and budgets in SQL: explicit row mapping and the two repositories.

A schedule's revisions and a budget's amount changes are JSON text written
and read by the explicit functions below (amounts as decimal strings, dates in
ISO form). The occurrence links' primary key (tenant, schedule, nominal date)
is what refuses a second posting, from any process.
"""

from __future__ import annotations

import builtins
import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update

from finance_core.budgets import Budget, BudgetAmount
from finance_core.errors import DuplicateError
from finance_core.recurrence import Recurrence
from finance_core.schedules import (
    AmountTolerance,
    OccurrenceChange,
    Schedule,
    ScheduleLink,
    ScheduleTerms,
)
from finance_storage_sql.mapping import Row
from finance_storage_sql.schema import budgets, schedule_changes, schedule_links, schedules

if TYPE_CHECKING:
    from finance_storage_sql.unit_of_work import SqlUnitOfWork


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def terms_to_json(terms: tuple[ScheduleTerms, ...]) -> str:
    out = []
    for t in terms:
        r = t.recurrence
        tolerance = t.amount_tolerance
        out.append(
            {
                "account_id": t.account_id,
                "amount": str(t.amount),
                "category": t.category,
                "merchant": t.merchant,
                "description": t.description,
                "tags": list(t.tags),
                "to_account_id": t.to_account_id,
                "tolerance_percent": None if tolerance is None else _money(tolerance.percent),
                "tolerance_amount": None if tolerance is None else _money(tolerance.amount),
                "date_tolerance_days": t.date_tolerance_days,
                "auto_post": t.auto_post,
                "effective_from": _iso(t.effective_from),
                "start_date": r.start_date.isoformat(),
                "freq": r.freq,
                "interval": r.interval,
                "by_weekday": list(r.by_weekday),
                "by_month_day": list(r.by_month_day),
                "count": r.count,
                "until": _iso(r.until),
                "weekend": r.weekend,
            }
        )
    return json.dumps(out, separators=(",", ":"))


def terms_from_json(text: str) -> tuple[ScheduleTerms, ...]:
    out = []
    for item in json.loads(text):
        percent, amount = item["tolerance_percent"], item["tolerance_amount"]
        tolerance = (
            None
            if percent is None and amount is None
            else AmountTolerance(_decimal(percent), _decimal(amount))
        )
        start = _day(item["start_date"])
        assert start is not None
        recurrence = Recurrence(
            start,
            item["freq"],
            item["interval"],
            tuple(item["by_weekday"]),
            tuple(item["by_month_day"]),
            item["count"],
            _day(item["until"]),
            item["weekend"],
        )
        out.append(
            ScheduleTerms(
                account_id=item["account_id"],
                amount=Decimal(item["amount"]),
                recurrence=recurrence,
                category=item["category"],
                merchant=item["merchant"],
                description=item["description"],
                tags=tuple(item["tags"]),
                to_account_id=item["to_account_id"],
                amount_tolerance=tolerance,
                date_tolerance_days=item["date_tolerance_days"],
                auto_post=item["auto_post"],
                effective_from=_day(item["effective_from"]),
            )
        )
    return tuple(out)


def schedule_to_row(schedule: Schedule) -> dict[str, Any]:
    return {
        "tenant_id": schedule.tenant_id,
        "id": schedule.id,
        "name": schedule.name,
        "terms": terms_to_json(schedule.terms),
        "created_at": schedule.created_at,
        "updated_at": schedule.updated_at,
        "version": schedule.version,
    }


def schedule_from_row(row: Row) -> Schedule:
    return Schedule(
        row["id"],
        row["tenant_id"],
        row["name"],
        terms_from_json(row["terms"]),
        row["created_at"],
        row["updated_at"],
        row["version"],
    )


def budget_to_row(budget: Budget) -> dict[str, Any]:
    amounts = [[a.effective_from.isoformat(), str(a.amount)] for a in budget.amounts]
    return {
        "tenant_id": budget.tenant_id,
        "id": budget.id,
        "name": budget.name,
        "category": budget.category,
        "tag": budget.tag,
        "currency": budget.currency,
        "period": budget.period,
        "start_day": budget.start_day,
        "start": budget.start,
        "mode": budget.mode,
        "account_id": budget.account_id,
        "amounts": json.dumps(amounts),
        "created_at": budget.created_at,
        "updated_at": budget.updated_at,
        "version": budget.version,
    }


def budget_from_row(row: Row) -> Budget:
    amounts = tuple(
        BudgetAmount(date.fromisoformat(day), Decimal(value))
        for day, value in json.loads(row["amounts"])
    )
    return Budget(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        currency=row["currency"],
        period=row["period"],
        start_day=row["start_day"],
        start=row["start"],
        mode=row["mode"],
        amounts=amounts,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        category=row["category"],
        tag=row["tag"],
        account_id=row["account_id"],
        version=row["version"],
    )


class _Repository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _tenant_id(self) -> str:
        return self._uow.tenant_id


# Every transaction post asks for the tenant's schedules (to match payments to
# occurrences), so that statement is built once, like the other per-request ones.
_LIST_SCHEDULES = (
    select(schedules)
    .where(schedules.c.tenant_id == bindparam("key_tenant_id"))
    .order_by(schedules.c.id)
)


_SCHEDULES = (
    select(schedules)
    .where(schedules.c.tenant_id == bindparam("key_tenant_id"))
    .order_by(schedules.c.id)
)


class SqlScheduleRepository(_Repository):
    def add(self, schedule: Schedule) -> None:
        self._uow.require_writable()
        self._uow.require_own(schedule.tenant_id, "the schedule")
        self._uow.execute(insert(schedules).values(schedule_to_row(schedule)))

    def get(self, schedule_id: int) -> Schedule | None:
        row = self._uow.execute(
            select(schedules).where(
                schedules.c.tenant_id == self._tenant_id, schedules.c.id == schedule_id
            )
        ).first()
        return None if row is None else schedule_from_row(row._mapping)

    def list(self) -> builtins.list[Schedule]:
        # Every write asks (matching new rows to scheduled occurrences).
        rows = self._uow.fetch(_SCHEDULES, {"key_tenant_id": self._tenant_id})
        return [schedule_from_row(row) for row in rows]

    def update(self, schedule: Schedule) -> None:
        self._uow.require_writable()
        self._uow.require_own(schedule.tenant_id, "the schedule")
        row = schedule_to_row(schedule)
        del row["tenant_id"], row["id"]
        self._uow.execute(
            update(schedules)
            .where(schedules.c.tenant_id == self._tenant_id, schedules.c.id == schedule.id)
            .values(row)
        )

    def delete(self, schedule_id: int) -> None:
        self._uow.require_writable()
        for table in (schedule_links, schedule_changes):
            self._uow.execute(
                delete(table).where(
                    table.c.tenant_id == self._tenant_id, table.c.schedule_id == schedule_id
                )
            )
        self._uow.execute(
            delete(schedules).where(
                schedules.c.tenant_id == self._tenant_id, schedules.c.id == schedule_id
            )
        )

    def add_link(self, link: ScheduleLink) -> None:
        self._uow.require_writable()
        self._uow.execute(
            insert(schedule_links).values(
                tenant_id=self._tenant_id,
                schedule_id=link.schedule_id,
                scheduled=link.scheduled,
                transaction_id=link.transaction_id,
                kind=link.kind,
                created_at=link.created_at,
            ),
            on_duplicate=lambda columns: DuplicateError(
                f"transaction {link.transaction_id} already settles an occurrence"
                if "transaction_id" in columns
                else f"schedule {link.schedule_id} already has a transaction for {link.scheduled}"
            ),
        )

    def links(self, schedule_id: int | None = None) -> builtins.list[ScheduleLink]:
        statement = select(schedule_links).where(schedule_links.c.tenant_id == self._tenant_id)
        if schedule_id is not None:
            statement = statement.where(schedule_links.c.schedule_id == schedule_id)
        rows = self._uow.execute(
            statement.order_by(schedule_links.c.schedule_id, schedule_links.c.scheduled)
        ).mappings()
        return [
            ScheduleLink(
                r["schedule_id"], r["scheduled"], r["transaction_id"], r["kind"], r["created_at"]
            )
            for r in rows
        ]

    def set_change(self, change: OccurrenceChange) -> None:
        self.remove_change(change.schedule_id, change.scheduled)
        self._uow.execute(
            insert(schedule_changes).values(
                tenant_id=self._tenant_id,
                schedule_id=change.schedule_id,
                scheduled=change.scheduled,
                action=change.action,
                new_date=change.new_date,
            )
        )

    def remove_change(self, schedule_id: int, scheduled: date) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(schedule_changes).where(
                schedule_changes.c.tenant_id == self._tenant_id,
                schedule_changes.c.schedule_id == schedule_id,
                schedule_changes.c.scheduled == scheduled,
            )
        )

    def changes(self, schedule_id: int | None = None) -> builtins.list[OccurrenceChange]:
        statement = select(schedule_changes).where(schedule_changes.c.tenant_id == self._tenant_id)
        if schedule_id is not None:
            statement = statement.where(schedule_changes.c.schedule_id == schedule_id)
        rows = self._uow.execute(
            statement.order_by(schedule_changes.c.schedule_id, schedule_changes.c.scheduled)
        ).mappings()
        return [
            OccurrenceChange(r["schedule_id"], r["scheduled"], r["action"], r["new_date"])
            for r in rows
        ]


class SqlBudgetRepository(_Repository):
    def add(self, budget: Budget) -> None:
        self._uow.require_writable()
        self._uow.require_own(budget.tenant_id, "the budget")
        self._uow.execute(insert(budgets).values(budget_to_row(budget)))

    def get(self, budget_id: int) -> Budget | None:
        row = self._uow.execute(
            select(budgets).where(budgets.c.tenant_id == self._tenant_id, budgets.c.id == budget_id)
        ).first()
        return None if row is None else budget_from_row(row._mapping)

    def list(self) -> builtins.list[Budget]:
        rows = self._uow.execute(
            select(budgets).where(budgets.c.tenant_id == self._tenant_id).order_by(budgets.c.id)
        )
        return [budget_from_row(row._mapping) for row in rows]

    def update(self, budget: Budget) -> None:
        self._uow.require_writable()
        self._uow.require_own(budget.tenant_id, "the budget")
        row = budget_to_row(budget)
        del row["tenant_id"], row["id"]
        self._uow.execute(
            update(budgets)
            .where(budgets.c.tenant_id == self._tenant_id, budgets.c.id == budget.id)
            .values(row)
        )

    def delete(self, budget_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(budgets).where(budgets.c.tenant_id == self._tenant_id, budgets.c.id == budget_id)
        )
