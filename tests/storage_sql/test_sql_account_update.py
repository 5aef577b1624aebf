"""A balance change updates the account row without touching its transactions."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite

from finance_storage_sql.repositories import _UPDATE_ACCOUNT
from finance_storage_sql.schema import accounts, metadata


def referenced_account_columns() -> set[str]:
    return {
        element.column.name
        for table in metadata.tables.values()
        for constraint in table.foreign_key_constraints
        for element in constraint.elements
        if element.column.table is accounts
    }


class TestAccountUpdate:
    def test_update_assigns_no_column_a_foreign_key_refers_to(self) -> None:
        """The statement sets neither the key nor the currency other tables point at."""
        sql = str(_UPDATE_ACCOUNT.compile(dialect=sqlite.dialect()))
        assignments = sql.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
        assigned = {part.split("=")[0].strip() for part in assignments.split(",")}
        assert referenced_account_columns() == {"tenant_id", "id", "currency"}
        assert assigned.isdisjoint(referenced_account_columns())
        assert "balance_minor" in assigned
