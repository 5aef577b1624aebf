"""Hot reads on the driver's cursor give exactly what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from sql_support import fresh_tenant
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, event, select

from finance_core.accounts import Account, AccountType
from finance_core.errors import StorageError
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.transactions import Split, Transaction
from finance_storage_sql import query
from finance_storage_sql.fetch import FetchPlan
from finance_storage_sql.schema import accounts, transactions
from finance_storage_sql.storage import SqlStorage
from finance_storage_sql.transactions import _SPLITS_OF, _TAGS_OF

NOW = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
_BY_KEY = select(transactions).where(
    transactions.c.tenant_id == bindparam("key_tenant_id"),
    transactions.c.id == bindparam("key_id"),
)


def _books(storage: SqlStorage) -> str:
    tenant = fresh_tenant()
    zero = Decimal(0)
    with storage.unit_of_work(tenant) as uow:
        uow.accounts.add(
            Account(1, tenant, "A", AccountType.CHECKING, "EUR", zero, zero, None, None, NOW, NOW)
        )
        uow.transactions.add_many(
            [
                Transaction(
                    id=ident,
                    tenant_id=tenant,
                    account_id=1,
                    amount=Decimal("-12.34"),
                    date=date(2026, 3, ident),
                    category="food",
                    created_at=NOW,
                    updated_at=NOW,
                    tags=("a", "b") if ident % 2 else (),
                    splits=(Split("food", Decimal("-10.00")), Split("fun", Decimal("-2.34")))
                    if ident == 3
                    else (),
                )
                for ident in range(1, 6)
            ]
        )
        uow.commit()
    return tenant


def _through_sqlalchemy(
    storage: SqlStorage, tenant: str, statement: Any, key: dict[str, Any]
) -> Any:
    with storage.unit_of_work(tenant, readonly=True) as uow:
        return [dict(row) for row in uow.execute(statement, key).mappings()]


class TestFetch:
    def test_a_row_comes_back_with_sqlalchemys_values(self, any_storage: SqlStorage) -> None:
        """Dates, aware timestamps and integers are the values ``execute`` gives."""
        tenant = _books(any_storage)
        key = {"key_tenant_id": tenant, "key_id": 3}
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            fetched = uow.fetch(_BY_KEY, key)
        assert fetched == _through_sqlalchemy(any_storage, tenant, _BY_KEY, key)
        assert fetched[0]["date"] == date(2026, 3, 3)
        assert fetched[0]["created_at"] == NOW

    def test_a_list_parameter_becomes_one_placeholder_a_value(
        self, any_storage: SqlStorage
    ) -> None:
        """Tags and splits of several transactions, in order, as ``execute`` gives them."""
        tenant = _books(any_storage)
        key = {"key_tenant_id": tenant, "key_ids": [5, 3, 1, 2]}
        for statement in (_TAGS_OF, _SPLITS_OF):
            with any_storage.unit_of_work(tenant, readonly=True) as uow:
                fetched = uow.fetch(statement, key)
            assert fetched == _through_sqlalchemy(any_storage, tenant, statement, key)
            assert fetched

    def test_a_value_written_in_the_statement_is_sent_too(self, any_storage: SqlStorage) -> None:
        """A literal compared with a column travels with the statement's own parameters."""
        tenant = _books(any_storage)
        by_category = _BY_KEY.where(transactions.c.category == "food")
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            assert len(uow.fetch(by_category, {"key_tenant_id": tenant, "key_id": 2})) == 1

    def test_no_row_is_an_empty_list(self, any_storage: SqlStorage) -> None:
        """A key that matches nothing gives no rows."""
        tenant = _books(any_storage)
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            assert uow.fetch(_BY_KEY, {"key_tenant_id": tenant, "key_id": 99}) == []

    def test_a_fault_fails_the_unit_of_work_like_execute(self, any_storage: SqlStorage) -> None:
        """A statement the database refuses is a StorageError, and the unit refuses to go on."""
        missing = Table("no_such_table", MetaData(), Column("id", Integer))
        broken = select(missing.c.id).where(missing.c.id == bindparam("key_id"))
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            with pytest.raises(StorageError):
                uow.fetch(broken, {"key_id": 1})
            with pytest.raises(StorageError, match="already failed"):
                uow.accounts.list()

    def test_cursor_listeners_see_fetched_statements_with_a_context(
        self, any_storage: SqlStorage
    ) -> None:
        """Tracers keep their span on the context; fetched statements give them one."""
        seen: list[str] = []

        def before(
            _conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: bool
        ) -> None:
            context.span = sql

        def after(
            _conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: bool
        ) -> None:
            seen.append(context.span)

        tenant = _books(any_storage)
        event.listen(any_storage.engine, "before_cursor_execute", before)
        event.listen(any_storage.engine, "after_cursor_execute", after)
        try:
            with any_storage.unit_of_work(tenant, readonly=True) as uow:
                uow.fetch(_BY_KEY, {"key_tenant_id": tenant, "key_id": 1})
        finally:
            event.remove(any_storage.engine, "before_cursor_execute", before)
            event.remove(any_storage.engine, "after_cursor_execute", after)
        assert any("FROM transactions" in sql for sql in seen)

    def test_an_empty_list_parameter_is_refused(self, sqlite_storage: SqlStorage) -> None:
        """``IN ()`` is not SQL: the caller must skip the statement instead."""
        plan = FetchPlan.compile(_TAGS_OF, sqlite_storage.engine.dialect)
        with pytest.raises(ValueError, match="lists no values"):
            plan.bind({"key_tenant_id": "t", "key_ids": []})

    def test_a_parameter_that_needs_conversion_is_refused(self, sqlite_storage: SqlStorage) -> None:
        """Timestamps need SQLAlchemy's bind processing; such statements use execute()."""
        by_time = select(accounts.c.id).where(accounts.c.created_at == bindparam("at"))
        with pytest.raises(TypeError, match="needs conversion"):
            FetchPlan.compile(by_time, sqlite_storage.engine.dialect)


class TestNewestPage:
    @pytest.mark.parametrize("account_id", [None, 1])
    @pytest.mark.parametrize("offset", [0, 2])
    def test_prepared_page_gives_the_rows_of_the_general_statement(
        self, any_storage: SqlStorage, account_id: int | None, offset: int
    ) -> None:
        """The newest rows by offset, of the tenant or one account, and their total,
        are the rows and the count the general page statement finds."""
        tenant = _books(any_storage)
        flt = TransactionFilter(account_id=account_id)
        page = PageRequest(limit=2, offset=offset)
        prepared = query.newest_page(tenant, flt, page)
        counted = query.newest_count(tenant, flt)
        assert prepared is not None and counted is not None
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            fetched = uow.fetch(*prepared)
            total = uow.fetch(*counted)[0]["total"]
        general = _through_sqlalchemy(
            any_storage, tenant, query.page_statement(tenant, flt, page), {}
        )
        assert fetched == general and [row["id"] for row in fetched]
        assert total == 5

    def test_any_other_filter_or_a_cursor_takes_the_general_statement(self) -> None:
        """Only the account may be given; a category, or a keyset page, is built per request."""
        assert query.newest_page("t", TransactionFilter(category="food"), PageRequest()) is None
        assert query.newest_count("t", TransactionFilter(category="food")) is None
        cursor = PageRequest(cursor=Cursor(date(2026, 3, 3), 3))
        assert query.newest_page("t", TransactionFilter(), cursor) is None


#: A value that filters for every field of ``TransactionFilter`` but the account.
_FILTERING = {
    "start_date": date(2026, 1, 1),
    "end_date": date(2026, 1, 1),
    "category": "food",
    "merchant": "shop",
    "tags": ("a",),
    "der_category": "food",
    "der_merchant": "shop",
    "min_amount": Decimal("1.00"),
    "max_amount": Decimal("1.00"),
    "text": "coffee",
}


class TestNewestPageCoversEveryFilter:
    def test_every_other_filter_field_takes_the_general_statement(self) -> None:
        """Any filter field but the account, set, turns the prepared page off; a new
        field of TransactionFilter fails here until it is listed above."""
        fields = {f.name for f in attrs.fields(TransactionFilter)} - {"account_id"}
        assert fields == set(_FILTERING)
        for name, value in _FILTERING.items():
            flt = TransactionFilter(**{name: value})
            assert query.newest_page("t", flt, PageRequest()) is None, name
            assert query.newest_count("t", flt) is None, name

    def test_default_filters_add_no_condition(self) -> None:
        """The prepared page filters by tenant (and account) only, which is all the
        general statement does when no other field is set."""
        assert len(query.conditions("t", TransactionFilter())) == 1
        assert len(query.conditions("t", TransactionFilter(account_id=1))) == 2

    def test_page_request_has_no_field_the_prepared_page_ignores(self) -> None:
        """limit, offset and with_total are bound; a cursor takes the general statement."""
        assert {f.name for f in attrs.fields(PageRequest)} == {
            "limit",
            "offset",
            "cursor",
            "with_total",
        }
