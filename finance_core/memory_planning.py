"""The memory backend's repositories of what households plan and decide ahead:
categorization rules, schedules with their occurrence links and changes, budgets.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from finance_core.budgets import Budget
from finance_core.categorize.model import Rule
from finance_core.errors import DuplicateError
from finance_core.schedules import OccurrenceChange, Schedule, ScheduleLink, occurrence_key

if TYPE_CHECKING:
    from finance_core.memory import MemoryUnitOfWork, TenantState


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _state(self) -> TenantState:
        return self._uow.state


class MemoryRuleRepository(_Repo):
    def list(self) -> list[Rule]:
        return sorted(self._state.rules.values(), key=lambda r: r.run_order)

    def get(self, rule_id: int) -> Rule | None:
        return self._state.rules.get(rule_id)

    def _check_name(self, rule: Rule) -> None:
        for other in self._state.rules.values():
            if other.name == rule.name and other.id != rule.id:
                raise DuplicateError(f"a rule named {rule.name!r} already exists (rule {other.id})")

    def add(self, rule: Rule) -> None:
        self._check_name(rule)
        self._uow._put("rules", rule.id, rule)

    def update_many(self, rules: Sequence[Rule]) -> None:
        for rule in rules:
            self._check_name(rule)
            self._uow._put("rules", rule.id, rule)

    def delete(self, rule_id: int) -> None:
        self._uow._put("rules", rule_id, None)

    def revision(self) -> int:
        return self._state.counters.get("rule_set", 0)


class MemoryScheduleRepository(_Repo):
    def add(self, schedule: Schedule) -> None:
        self._uow._put("schedules", schedule.id, schedule)

    def get(self, schedule_id: int) -> Schedule | None:
        return self._state.schedules.get(schedule_id)

    def list(self) -> list[Schedule]:
        return [self._state.schedules[k] for k in sorted(self._state.schedules)]

    def update(self, schedule: Schedule) -> None:
        self._uow._put("schedules", schedule.id, schedule)

    def delete(self, schedule_id: int) -> None:
        for link in self.links(schedule_id):
            self._uow._put("schedule_links", link.key, None)
        for change in self.changes(schedule_id):
            self._uow._put("schedule_changes", change.key, None)
        self._uow._put("schedules", schedule_id, None)

    def add_link(self, link: ScheduleLink) -> None:
        if link.key in self._state.schedule_links:
            raise DuplicateError(
                f"schedule {link.schedule_id} already has a transaction for {link.scheduled}"
            )
        other = self._state.linked_transactions.get(link.transaction_id)
        if other is not None:
            raise DuplicateError(
                f"transaction {link.transaction_id} already settles the occurrence {other}"
            )
        self._uow._put("schedule_links", link.key, link)

    def links(self, schedule_id: int | None = None) -> builtins.list[ScheduleLink]:
        rows = self._state.schedule_links.values()
        return sorted(
            (r for r in rows if schedule_id is None or r.schedule_id == schedule_id),
            key=lambda r: (r.schedule_id, r.scheduled),
        )

    def set_change(self, change: OccurrenceChange) -> None:
        self._uow._put("schedule_changes", change.key, change)

    def remove_change(self, schedule_id: int, scheduled: date) -> None:
        self._uow._put("schedule_changes", occurrence_key(schedule_id, scheduled), None)

    def changes(self, schedule_id: int | None = None) -> builtins.list[OccurrenceChange]:
        rows = self._state.schedule_changes.values()
        return sorted(
            (r for r in rows if schedule_id is None or r.schedule_id == schedule_id),
            key=lambda r: (r.schedule_id, r.scheduled),
        )


class MemoryBudgetRepository(_Repo):
    def add(self, budget: Budget) -> None:
        self._uow._put("budgets", budget.id, budget)

    def get(self, budget_id: int) -> Budget | None:
        return self._state.budgets.get(budget_id)

    def list(self) -> list[Budget]:
        return [self._state.budgets[k] for k in sorted(self._state.budgets)]

    def update(self, budget: Budget) -> None:
        self._uow._put("budgets", budget.id, budget)

    def delete(self, budget_id: int) -> None:
        self._uow._put("budgets", budget_id, None)
