"""Schedules suggested from history: the same payee, a similar amount, a regular interval.

Transactions are grouped by account and by merchant (or, without one, by
description) normalized: case-folded, digits and punctuation dropped, so
"NETFLIX.COM 0423" and "Netflix.com 0524" are one payee. A group of at least
three whose amounts are all within 10% of their median and whose gaps all
fall in one band (weekly, fortnightly, monthly, quarterly, yearly) is a
suggestion.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

import attrs

from finance_core.recurrence import Recurrence, nominal_dates
from finance_core.schedules import Schedule
from finance_core.transactions import Transaction

MIN_OCCURRENCES: Final = 3
AMOUNT_SPREAD: Final = Decimal("0.10")
#: (lowest gap, highest gap, freq, interval), in days.
BANDS: Final = (
    (6, 8, "weekly", 1),
    (13, 15, "weekly", 2),
    (27, 33, "monthly", 1),
    (88, 94, "monthly", 3),
    (358, 372, "yearly", 1),
)
_NOISE = re.compile(r"[\W\d_]+")


@attrs.frozen
class Suggestion:
    name: str
    account_id: int
    amount: Decimal
    category: str
    merchant: str | None
    freq: str
    interval: int
    start_date: date
    by_month_day: int | None
    occurrences: int
    last_date: date


def normalize(text: str) -> str:
    return " ".join(_NOISE.sub(" ", text.casefold()).split())


def _payee(txn: Transaction) -> str:
    return normalize(txn.merchant or txn.description or "")


def _band(gaps: Sequence[int]) -> tuple[str, int] | None:
    for low, high, freq, interval in BANDS:
        if all(low <= gap <= high for gap in gaps):
            return freq, interval
    return None


def suggest(transactions: Iterable[Transaction], schedules: Iterable[Schedule]) -> list[Suggestion]:
    """Suggestions from ``transactions`` that no schedule covers yet, by account and name."""
    covered = {
        (t.account_id, normalize(t.merchant or s.name)) for s in schedules for t in s.terms
    } | {(t.account_id, normalize(s.name)) for s in schedules for t in s.terms}
    groups: dict[tuple[int, str], list[Transaction]] = defaultdict(list)
    for txn in transactions:
        payee = _payee(txn)
        if txn.transfer_id is None and payee and txn.amount != 0:
            groups[(txn.account_id, payee)].append(txn)
    out = []
    for (account_id, payee), txns in groups.items():
        if len(txns) < MIN_OCCURRENCES or (account_id, payee) in covered:
            continue
        txns.sort(key=lambda t: (t.date, t.id))
        amounts = [t.amount for t in txns]
        median = statistics.median(amounts)
        if any(abs(a - median) > abs(median) * AMOUNT_SPREAD for a in amounts):
            continue
        band = _band([(b.date - a.date).days for a, b in itertools.pairwise(txns)])
        if band is None:
            continue
        freq, interval = band
        last = txns[-1]
        by_day = last.date.day if freq == "monthly" else None
        rule = Recurrence(last.date, freq, interval)
        following = [d for d in nominal_dates(rule, last.date + timedelta(400)) if d > last.date]
        out.append(
            Suggestion(
                name=last.merchant or last.description or payee,
                account_id=account_id,
                amount=Decimal(median).quantize(last.amount),
                category=last.category,
                merchant=last.merchant,
                freq=freq,
                interval=interval,
                start_date=following[0] if following else last.date,
                by_month_day=by_day,
                occurrences=len(txns),
                last_date=last.date,
            )
        )
    return sorted(out, key=lambda s: (s.account_id, s.name.casefold()))
