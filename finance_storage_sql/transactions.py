"""The transaction repository: rows, their tags and splits, queries and sums."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar

from sqlalchemy import RowMapping, bindparam, delete, insert, select, update

from finance_core.aggregates import DailyTotal
from finance_core.errors import DuplicateError, NotFoundError
from finance_core.money import from_minor
from finance_core.queries import Cursor, Page, PageRequest, TransactionFilter
from finance_core.transactions import Transaction
from finance_storage_sql import bulk, mapping, query
from finance_storage_sql.aggregates import daily_totals_statement, to_daily_totals
from finance_storage_sql.schema import transaction_splits, transaction_tags, transactions

if TYPE_CHECKING:
    from finance_storage_sql.unit_of_work import SqlUnitOfWork

#: Ids per IN (...) list: far below both databases' bound-parameter limits.
CHUNK: Final = 1000

T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# The reads of every page and every single transaction, built once (the
# expanding parameter takes any number of ids): building them per call costs
# more than running them.
_tag = transaction_tags.c
_TAGS_OF = (
    select(_tag.transaction_id, _tag.tag)
    .where(
        _tag.tenant_id == bindparam("key_tenant_id"),
        _tag.transaction_id.in_(bindparam("key_ids", expanding=True)),
    )
    .order_by(_tag.transaction_id, _tag.position)
)
_split = transaction_splits.c
_SPLITS_OF = (
    select(_split.transaction_id, _split.category, _split.amount_minor)
    .where(
        _split.tenant_id == bindparam("key_tenant_id"),
        _split.transaction_id.in_(bindparam("key_ids", expanding=True)),
    )
    .order_by(_split.transaction_id, _split.position)
)
_EXTERNAL_IDS_IN = select(transactions.c.external_id, transactions.c.id).where(
    transactions.c.tenant_id == bindparam("key_tenant_id"),
    transactions.c.account_id == bindparam("key_account_id"),
    transactions.c.external_id.in_(bindparam("key_external_ids", expanding=True)),
)
_GET_TRANSACTION = select(transactions).where(
    transactions.c.tenant_id == bindparam("key_tenant_id"),
    transactions.c.id == bindparam("key_id"),
)


class SqlTransactionRepository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _tenant_id(self) -> str:
        return self._uow.tenant_id

    # -- writes ------------------------------------------------------------------
    def add_many(self, txns: Sequence[Transaction]) -> None:
        """Three executemany statements (rows, tags, splits) in the unit of work's transaction."""
        self._uow.require_writable()
        if not txns:
            return
        tenant_id = self._tenant_id
        for txn in txns:
            if txn.tenant_id != tenant_id:
                self._uow.require_own(txn.tenant_id, f"transaction {txn.id}")
        currency = self._uow.currencies({txn.account_id for txn in txns})
        # Most rows have no splits: ask the mapping only for those that do.
        splits = [
            row
            for txn in txns
            if txn.splits
            for row in mapping.split_rows(txn, currency[txn.account_id])
        ]
        on_duplicate = functools.partial(self._duplicate, txns)
        if self._uow.dialect == "sqlite" and len(txns) >= bulk.MIN_ROWS:
            self._uow.execute_many_raw(
                bulk.INSERT_SQL, bulk.sqlite_rows(txns, currency), on_duplicate=on_duplicate
            )
            tag_rows = bulk.sqlite_tag_rows(txns)
            if tag_rows:
                self._uow.execute_many_raw(bulk.TAG_INSERT_SQL, tag_rows)
        else:
            rows = [mapping.transaction_to_row(txn, currency[txn.account_id]) for txn in txns]
            self._uow.execute(insert(transactions), rows, on_duplicate=on_duplicate)
            tags = [row for txn in txns if txn.tags for row in mapping.tag_rows(txn)]
            if tags:
                self._uow.execute(insert(transaction_tags), tags)
        if splits:
            self._uow.execute(insert(transaction_splits), splits)

    def _duplicate(self, txns: Sequence[Transaction], columns: frozenset[str]) -> DuplicateError:
        """Name the row that clashed; the unit of work is already rolled back."""
        stored = "; nothing of this unit of work was stored"
        if "external_id" in columns:
            keys = Counter((t.account_id, t.external_id) for t in txns if t.external_id is not None)
            for (account_id, external_id), count in keys.items():
                if count > 1:
                    return DuplicateError(
                        f"external_id {external_id!r} appears twice for account {account_id} "
                        f"in one batch; external ids are unique per account{stored}"
                    )
            for account_id, external_id in keys:
                assert external_id is not None
                taken = self.find_external_ids(account_id, [external_id])
                if taken:
                    return DuplicateError(
                        f"account {account_id} already has a transaction with external_id "
                        f"{external_id!r} (transaction {taken[external_id]}); "
                        f"import it under another external_id or skip it{stored}"
                    )
            names = ", ".join(repr(external_id) for _, external_id in keys)
            return DuplicateError(
                f"external_id {names} was already used in its account earlier in this "
                f"unit of work{stored}"
            )
        ids = [t.id for t in txns]
        clashing = sorted(ident for ident, count in Counter(ids).items() if count > 1) or sorted(
            ident
            for chunk in _chunks(ids)
            for ident in self._uow.execute(
                select(transactions.c.id).where(
                    transactions.c.tenant_id == self._tenant_id, transactions.c.id.in_(chunk)
                )
            ).scalars()
        )
        where = "in this tenant" if clashing else "earlier in this unit of work"
        named = clashing or ids
        shown = ", ".join(map(str, named[:10])) + (", ..." if len(named) > 10 else "")
        return DuplicateError(
            f"transaction id {shown} is already taken {where}; allocate fresh ids "
            f"with allocate_ids('transaction'){stored}"
        )

    def update(self, txn: Transaction) -> None:
        self._uow.require_writable()
        self._uow.require_own(txn.tenant_id, f"transaction {txn.id}")
        currency = self._uow.currencies([txn.account_id])[txn.account_id]
        row = mapping.transaction_to_row(txn, currency)
        del row["tenant_id"], row["id"]
        result = self._uow.execute(
            update(transactions)
            .where(transactions.c.tenant_id == self._tenant_id, transactions.c.id == txn.id)
            .values(row),
            on_duplicate=lambda cols: self._duplicate([txn], cols),
        )
        if result.rowcount == 0:
            raise NotFoundError("transaction", txn.id)
        # Tags and splits are small; replacing them is simpler than diffing.
        for child in (transaction_tags, transaction_splits):
            self._uow.execute(
                delete(child).where(
                    child.c.tenant_id == self._tenant_id, child.c.transaction_id == txn.id
                )
            )
        if txn.tags:
            self._uow.execute(insert(transaction_tags), mapping.tag_rows(txn))
        if txn.splits:
            self._uow.execute(insert(transaction_splits), mapping.split_rows(txn, currency))

    def delete_many(self, transaction_ids: Collection[int]) -> None:
        """Tags and splits go with their rows (ON DELETE CASCADE)."""
        self._uow.require_writable()
        for chunk in _chunks(sorted(set(transaction_ids))):
            self._uow.execute(
                delete(transactions).where(
                    transactions.c.tenant_id == self._tenant_id, transactions.c.id.in_(chunk)
                )
            )

    def delete_for_account(self, account_id: int) -> None:
        self._uow.require_writable()
        self._uow.execute(
            delete(transactions).where(
                transactions.c.tenant_id == self._tenant_id,
                transactions.c.account_id == account_id,
            )
        )

    # -- reads -------------------------------------------------------------------
    def _hydrate(
        self, rows: Sequence[Mapping[str, Any]] | Sequence[RowMapping]
    ) -> list[Transaction]:
        """Attach tags and splits to rows: two queries for the whole page."""
        ids = [row["id"] for row in rows]
        tags: dict[int, list[str]] = defaultdict(list)
        splits: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for chunk in _chunks(ids):
            key = {"key_tenant_id": self._tenant_id, "key_ids": list(chunk)}
            for tag in self._uow.fetch(_TAGS_OF, key):
                tags[tag["transaction_id"]].append(tag["tag"])
            for split in self._uow.fetch(_SPLITS_OF, key):
                splits[split["transaction_id"]].append((split["category"], split["amount_minor"]))
        return [
            mapping.transaction_from_row(row, tags[row["id"]], splits[row["id"]]) for row in rows
        ]

    def get(self, transaction_id: int) -> Transaction | None:
        key = {"key_tenant_id": self._tenant_id, "key_id": transaction_id}
        rows = self._uow.fetch(_GET_TRANSACTION, key)
        return self._hydrate(rows)[0] if rows else None

    def query(self, flt: TransactionFilter, page: PageRequest) -> Page[Transaction]:
        rows: Sequence[Mapping[str, Any]] | Sequence[RowMapping]
        newest = query.newest_page(self._tenant_id, flt, page)
        if newest is not None:
            rows = self._uow.fetch(*newest)
        else:
            statement = query.page_statement(self._tenant_id, flt, page)
            rows = self._uow.execute(statement).mappings().all()
        items = self._hydrate(rows[: page.limit])
        more = len(rows) > page.limit
        total = None
        if page.with_total:
            total = self._count(flt)
        next_cursor = Cursor(items[-1].date, items[-1].id).encode() if items and more else None
        return Page(items, total, next_cursor)

    def _count(self, flt: TransactionFilter) -> int:
        newest = query.newest_count(self._tenant_id, flt)
        if newest is not None:
            return int(self._uow.fetch(*newest)[0]["total"])
        return int(self._uow.execute(query.count_statement(self._tenant_id, flt)).scalar_one())

    def sum_amounts(self, account_id: int, *, through: date | None = None) -> Decimal:
        statement = query.sum_statement(self._tenant_id, account_id, through)
        currency, total = self._uow.execute(statement).one()
        if total is None:
            return Decimal(0)
        # PostgreSQL sums BIGINT into NUMERIC; either way the value is an integer.
        return from_minor(int(total), currency)

    def daily_totals(
        self,
        flt: TransactionFilter,
        group_by: str | None,
        *,
        include_transfers: bool,
        bucket: str = "day",
    ) -> list[DailyTotal]:
        """Per (day, group, currency) sums, aggregated by the database."""
        statement = daily_totals_statement(
            self._tenant_id, flt, group_by, include_transfers=include_transfers, bucket=bucket
        )
        return to_daily_totals(self._uow.execute(statement), group_by, bucket)

    def find_external_ids(self, account_id: int, external_ids: Collection[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(sorted(set(external_ids))):
            key = {
                "key_tenant_id": self._tenant_id,
                "key_account_id": account_id,
                "key_external_ids": list(chunk),
            }
            # On the driver's cursor: an import asks this of every chunk of
            # rows, and SQLAlchemy's work per listed id costs more than the lookup.
            for row in self._uow.fetch(_EXTERNAL_IDS_IN, key):
                out[row["external_id"]] = row["id"]
        return out
