"""The categorization-rule repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, insert, select, update

from finance_core.categorize.model import STAGES, Rule
from finance_core.errors import DuplicateError, NotFoundError
from finance_storage_sql import mapping
from finance_storage_sql.schema import categorization_rules, id_counters

if TYPE_CHECKING:
    from finance_storage_sql.unit_of_work import SqlUnitOfWork

_rule = categorization_rules.c


_RULE_SET_REVISION = select(id_counters.c.last).where(
    id_counters.c.tenant_id == bindparam("key_tenant_id"), id_counters.c.kind == "rule_set"
)


class SqlRuleRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _taken(self, rule: Rule) -> DuplicateError:
        return DuplicateError(f"a rule named {rule.name!r} already exists")

    def list(self) -> list[Rule]:
        rows = self._uow.execute(
            select(categorization_rules).where(_rule.tenant_id == self._uow.tenant_id)
        )
        rules = [mapping.rule_from_row(row._mapping) for row in rows]
        return sorted(rules, key=lambda r: (STAGES.index(r.stage), r.position, r.id))

    def get(self, rule_id: int) -> Rule | None:
        row = self._uow.execute(
            select(categorization_rules).where(
                _rule.tenant_id == self._uow.tenant_id, _rule.id == rule_id
            )
        ).first()
        return None if row is None else mapping.rule_from_row(row._mapping)

    def add(self, rule: Rule) -> None:
        self._uow.require_writable()
        self._uow.require_own(rule.tenant_id, f"rule {rule.id}")
        self._uow.execute(
            insert(categorization_rules).values(mapping.rule_to_row(rule)),
            on_duplicate=lambda _: self._taken(rule),
        )

    def update_many(self, rules: Sequence[Rule]) -> None:
        self._uow.require_writable()
        for rule in rules:
            self._uow.require_own(rule.tenant_id, f"rule {rule.id}")
            row = mapping.rule_to_row(rule)
            del row["tenant_id"], row["id"]
            result = self._uow.execute(
                update(categorization_rules)
                .where(_rule.tenant_id == self._uow.tenant_id, _rule.id == rule.id)
                .values(row),
                on_duplicate=lambda _, rule=rule: self._taken(rule),  # type: ignore[misc]
            )
            if result.rowcount == 0:
                raise NotFoundError("rule", rule.id)

    def delete(self, rule_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(categorization_rules).where(
                _rule.tenant_id == self._uow.tenant_id, _rule.id == rule_id
            )
        )

    def revision(self) -> int:
        # Every write asks, so it is one of the reads run on the driver's cursor.
        rows = self._uow.fetch(_RULE_SET_REVISION, {"key_tenant_id": self._uow.tenant_id})
        return int(rows[0]["last"]) if rows else 0
