"""``daily_totals`` in SQL: one row per (day, group, currency), summed by the database.

The reference is ``finance_core.aggregates.fold_daily``. A transaction counts
once under each of its tags (or once under None without tags), which falls out
of a LEFT JOIN on the tag table: one row per tag or a single row of NULLs.

Split transactions contribute their split lines when grouped by category. A
LEFT JOIN would do that too, but it probes the split table for every row of a
large history; instead every transaction is summed under its own category, and
two small corrections driven by the split table (few rows) take the split
transactions out again and add their lines. The three parts are grouped
separately and added up per key in Python; a key whose rows all cancel out
(``rows`` 0) is no group at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    select,
    union_all,
)

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


def _sums(amount: ColumnElement[Any], sign: int = 1) -> list[ColumnElement[Any]]:
    """income, expenses, count_in, count_out and rows, each times ``sign``."""
    columns: list[ColumnElement[Any]] = [
        func.sum(case((amount > _ZERO, amount), else_=_ZERO)),
        func.sum(case((amount < _ZERO, amount), else_=_ZERO)),
        func.sum(case((amount > _ZERO, 1), else_=_ZERO)),
        func.sum(case((amount < _ZERO, 1), else_=_ZERO)),
        func.count(),
    ]
    return columns if sign == 1 else [-column for column in columns]


def _by_split_lines(
    tenant_id: str, where: list[ColumnElement[Any]], bucket: str
) -> CompoundSelect[Any]:
    """Every transaction by its category, minus the split ones, plus their lines."""
    splits = transaction_splits.c
    # Both corrections start from the split table: the split transactions'
    # distinct ids, joined to the big table by primary key. (An ``id IN``
    # condition instead lets SQLite walk the account's whole index.)
    split_ids = (
        select(splits.transaction_id).where(splits.tenant_id == tenant_id).distinct().subquery()
    )
    split_parents = split_ids.join(
        transactions, and_(t.tenant_id == tenant_id, t.id == split_ids.c.transaction_id)
    )
    # The split lines drive the join, as the split parents do: DISTINCT (over the
    # whole primary key, so no line is lost) keeps the planner from turning the
    # join around and probing the split table once for every transaction in range.
    line_rows = (
        select(splits.transaction_id, splits.position, splits.category, splits.amount_minor)
        .where(splits.tenant_id == tenant_id)
        .distinct()
        .subquery()
    )
    split_lines = line_rows.join(
        transactions, and_(t.tenant_id == tenant_id, t.id == line_rows.c.transaction_id)
    )
    # Each part selects and groups by the very same key objects: PostgreSQL
    # compares the expressions, bound parameters included.
    whole_keys = [*_bucket_keys(bucket), t.currency, t.category]
    parent_keys = [*_bucket_keys(bucket), t.currency, t.category]
    line_keys = [*_bucket_keys(bucket), t.currency, line_rows.c.category]
    whole = select(*whole_keys, *_sums(t.amount_minor)).where(*where)
    parents = (
        select(*parent_keys, *_sums(t.amount_minor, -1)).select_from(split_parents).where(*where)
    )
    lines = (
        select(*line_keys, *_sums(line_rows.c.amount_minor)).select_from(split_lines).where(*where)
    )
    return union_all(
        whole.group_by(*whole_keys),
        parents.group_by(*parent_keys),
        lines.group_by(*line_keys),
    )


def daily_totals_statement(
    tenant_id: str,
    flt: TransactionFilter,
    group_by: str | None,
    *,
    include_transfers: bool,
    bucket: str = "day",
) -> Select[Any] | CompoundSelect[Any]:
    """Columns: the bucket's date key(s), currency, group value, income, expenses,
    count_in, count_out, rows (minor units). A key may come in several rows, to be
    added up (``to_daily_totals`` does)."""
    where = conditions(tenant_id, flt)
    if not include_transfers:
        where.append(t.transfer_id.is_(None))
    if group_by == "category":
        return _by_split_lines(tenant_id, where, bucket)
    source: Any = transactions
    group: ColumnElement[Any] | None
    if group_by is None:
        group = None
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
    keys: list[ColumnElement[Any]] = [*_bucket_keys(bucket), t.currency]
    if group is not None:
        keys.append(group)
    return select(*keys, *_sums(t.amount_minor)).select_from(source).where(*where).group_by(*keys)


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
    summed: dict[tuple[date, str, Any], list[int]] = {}
    for row in rows:
        day, width = _bucket_day(row, bucket)
        currency = row[width]
        group = None if group_by is None else row[width + 1]
        if group_by == "account":
            group = str(group)
        # PostgreSQL sums BIGINT into NUMERIC; the values are integers either way.
        values = [int(value) for value in row[-5:]]
        known = summed.get((day, currency, group))
        if known is None:
            summed[(day, currency, group)] = values
        else:
            for index, value in enumerate(values):
                known[index] += value
    out = [
        DailyTotal(
            day=day,
            group=group,
            currency=currency,
            income=from_minor(income, currency),
            expenses=from_minor(expenses, currency),
            count_in=count_in,
            count_out=count_out,
        )
        for (day, currency, group), (income, expenses, count_in, count_out, rows) in summed.items()
        if rows
    ]
    # The reference sorts by day, currency, then group with None as "" (Python
    # string order, not the database's collation); None goes first on a tie.
    out.sort(key=lambda d: (d.day, d.currency, d.group or "", d.group is not None))
    return out
