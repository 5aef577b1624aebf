"""``daily_totals`` in SQL: one row per (day, group, currency), summed by the database.

The reference is ``finance_core.aggregates.fold_daily``. Split transactions
contribute their split lines when grouped by category and a transaction
counts once under each of its tags (or once under None without tags): both
fall out of a LEFT JOIN on the child table, which yields one row per child or
a single row of NULLs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, select

from finance_core.aggregates import BUCKETS, GROUP_FIELDS, DailyTotal
from finance_core.errors import ValidationError
from finance_core.money import from_minor
from finance_core.queries import TransactionFilter
from finance_storage_sql.query import conditions
from finance_storage_sql.schema import transaction_splits, transaction_tags, transactions

t = transactions.c
_ZERO: Final = 0


def _bucket_keys(bucket: str) -> list[ColumnElement[Any]]:
    """The date part of the grouping key: the date itself, or its year (and month)."""
    if bucket == "day":
        return [t.date]
    # The ISO text of the date cut to "YYYY-MM" or "YYYY": SQLite keeps dates as
    # that text already, so this groups far faster than extracting parts.
    if bucket == "month":
        return [func.substr(cast(t.date, String), 1, 7)]
    if bucket == "year":
        return [func.substr(cast(t.date, String), 1, 4)]
    raise ValidationError.of(
        "bucket", f"unknown bucket {bucket!r}; use one of {', '.join(BUCKETS)}"
    )


def daily_totals_statement(
    tenant_id: str,
    flt: TransactionFilter,
    group_by: str | None,
    *,
    include_transfers: bool,
    bucket: str = "day",
) -> Select[Any]:
    """Columns: the bucket's date key(s), currency, group value, income, expenses,
    count_in, count_out (minor units)."""
    source: Any = transactions
    amount: ColumnElement[Any] = t.amount_minor
    group: ColumnElement[Any] | None
    if group_by is None:
        group = None
    elif group_by == "category":
        splits = transaction_splits.c
        source = transactions.outerjoin(
            transaction_splits,
            and_(splits.tenant_id == t.tenant_id, splits.transaction_id == t.id),
        )
        group = func.coalesce(splits.category, t.category)
        amount = func.coalesce(splits.amount_minor, t.amount_minor)
    elif group_by == "tag":
        tags = transaction_tags.c
        source = transactions.outerjoin(
            transaction_tags, and_(tags.tenant_id == t.tenant_id, tags.transaction_id == t.id)
        )
        group = tags.tag
    elif group_by == "der_category":
        group = t.der_category
    elif group_by == "merchant":
        group = t.merchant
    elif group_by == "account":
        group = t.account_id
    else:
        raise ValidationError.of(
            "group_by", f"cannot group by {group_by!r}; use one of {', '.join(GROUP_FIELDS)}"
        )
    where = conditions(tenant_id, flt)
    if not include_transfers:
        where.append(t.transfer_id.is_(None))
    keys: list[ColumnElement[Any]] = [*_bucket_keys(bucket), t.currency]
    if group is not None:
        keys.append(group)
    income = func.sum(case((amount > _ZERO, amount), else_=_ZERO))
    expenses = func.sum(case((amount < _ZERO, amount), else_=_ZERO))
    count_in = func.sum(case((amount > _ZERO, 1), else_=_ZERO))
    count_out = func.sum(case((amount < _ZERO, 1), else_=_ZERO))
    return (
        select(*keys, income, expenses, count_in, count_out)
        .select_from(source)
        .where(*where)
        .group_by(*keys)
    )


def _bucket_day(row: Any, bucket: str) -> tuple[date, int]:
    """The bucket's first day and how many leading columns named it."""
    if bucket == "month":
        return date(int(row[0][:4]), int(row[0][5:7]), 1), 1
    if bucket == "year":
        return date(int(row[0][:4]), 1, 1), 1
    return row[0], 1


def to_daily_totals(
    rows: Iterable[Any], group_by: str | None, bucket: str = "day"
) -> list[DailyTotal]:
    """Rows of ``daily_totals_statement`` as domain values, in the reference order."""
    out = []
    for row in rows:
        day, width = _bucket_day(row, bucket)
        currency = row[width]
        group = None if group_by is None else row[width + 1]
        if group_by == "account":
            group = str(group)
        income, expenses, count_in, count_out = row[-4:]
        out.append(
            DailyTotal(
                day=day,
                group=group,
                currency=currency,
                # PostgreSQL sums BIGINT into NUMERIC; the values are integers either way.
                income=from_minor(int(income), currency),
                expenses=from_minor(int(expenses), currency),
                count_in=int(count_in),
                count_out=int(count_out),
            )
        )
    # The reference sorts by day, currency, then group with None as "" (Python
    # string order, not the database's collation); None goes first on a tie.
    out.sort(key=lambda d: (d.day, d.currency, d.group or "", d.group is not None))
    return out
