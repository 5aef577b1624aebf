"""The aggregation primitive backends compute in storage, with its reference semantics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from finance_core.transactions import Transaction

#: What ``daily_totals`` can group by; None means no grouping.
GROUP_FIELDS: Final = ("category", "der_category", "merchant", "tag", "account")
#: How finely ``daily_totals`` buckets dates: a bucket is named by its first day.
BUCKETS: Final = ("day", "month", "year")


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the bucket holding ``day``."""
    if bucket == "month":
        return day.replace(day=1)
    if bucket == "year":
        return day.replace(month=1, day=1)
    if bucket == "day":
        return day
    raise ValueError(f"unknown bucket {bucket!r}; use one of {', '.join(BUCKETS)}")


@attrs.frozen
class DailyTotal:
    """Aggregates of one day (or one month or year, named by its first day), one
    group value and one currency.

    ``income`` sums positive amounts and ``expenses`` negative ones (so it is
    negative or zero); the counts are of the amounts in each. Zero amounts
    count in neither.
    """

    day: date
    group: str | None
    currency: str
    income: Decimal
    expenses: Decimal
    count_in: int
    count_out: int


def lines(txn: Transaction, group_by: str | None) -> list[tuple[str | None, Decimal]]:
    """The (group value, amount) pairs one transaction contributes.

    A split transaction contributes its split lines when grouped by category;
    a transaction with several tags counts once under each tag, and one with
    none under None; ``account`` groups by the account id written as text.
    """
    if group_by is None:
        return [(None, txn.amount)]
    if group_by == "category":
        if txn.splits:
            return [(s.category, s.amount) for s in txn.splits]
        return [(txn.category, txn.amount)]
    if group_by == "der_category":
        return [(txn.der_category, txn.amount)]
    if group_by == "merchant":
        return [(txn.merchant, txn.amount)]
    if group_by == "tag":
        return [(tag, txn.amount) for tag in txn.tags] or [(None, txn.amount)]
    if group_by == "account":
        return [(str(txn.account_id), txn.amount)]
    raise ValueError(f"cannot group by {group_by!r}; use one of {', '.join(GROUP_FIELDS)}")


def fold_daily(
    transactions: Iterable[Transaction],
    currencies: Mapping[int, str],
    group_by: str | None,
    *,
    include_transfers: bool,
    bucket: str = "day",
) -> list[DailyTotal]:
    """The reference computation of ``daily_totals`` over plain transactions."""
    income: dict[tuple[date, str | None, str], Decimal] = defaultdict(Decimal)
    expenses: dict[tuple[date, str | None, str], Decimal] = defaultdict(Decimal)
    count_in: dict[tuple[date, str | None, str], int] = defaultdict(int)
    count_out: dict[tuple[date, str | None, str], int] = defaultdict(int)
    keys: set[tuple[date, str | None, str]] = set()
    for txn in transactions:
        if not include_transfers and txn.transfer_id is not None:
            continue
        currency = currencies[txn.account_id]
        for group, amount in lines(txn, group_by):
            key = (bucket_start(txn.date, bucket), group, currency)
            keys.add(key)
            if amount > 0:
                income[key] += amount
                count_in[key] += 1
            elif amount < 0:
                expenses[key] += amount
                count_out[key] += 1
    return [
        DailyTotal(*key, income[key], expenses[key], count_in[key], count_out[key])
        for key in sorted(keys, key=lambda k: (k[0], k[2], k[1] or ""))
    ]
