"""Synthetic bank data: deterministic, shaped like a household's statement history.

Rows run in date order over ten years (as a bank export does), mostly card
payments across a dozen categories and sixty merchants, with a salary-like
income now and then. The same seed always gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from finance_core.importing import ParsedFile, ParsedRow

CATEGORIES: Final = (
    "groceries",
    "rent",
    "utilities",
    "transport",
    "dining",
    "health",
    "clothing",
    "travel",
    "entertainment",
    "insurance",
    "education",
    "gifts",
)
MERCHANTS: Final = tuple(f"Merchant {n:02d}" for n in range(60))
FIRST_DAY: Final = date(2016, 1, 1)
DAYS: Final = 3653


def _cents(rnd: random.Random) -> int:
    """Minor units: nine payments in ten, the rest income."""
    if rnd.random() < 0.9:
        return -rnd.randint(1, 50_000)
    return rnd.randint(1_000, 400_000)


def row_fields(count: int, seed: int = 7) -> Iterator[tuple[date, int, str, str, str]]:
    """(date, amount in cents, description, merchant, category) for ``count`` rows."""
    rnd = random.Random(seed)
    step = DAYS / max(count, 1)
    for index in range(count):
        merchant = MERCHANTS[rnd.randrange(len(MERCHANTS))]
        yield (
            FIRST_DAY + timedelta(days=int(index * step)),
            _cents(rnd),
            f"Card payment {merchant} ref {rnd.randrange(100_000)}",
            merchant,
            CATEGORIES[rnd.randrange(len(CATEGORIES))],
        )


def parsed_file(count: int, seed: int = 7) -> ParsedFile:
    """What a CSV parser would hand to ``Ledger.import_file`` for ``count`` rows."""
    rows = tuple(
        ParsedRow(
            row=number,
            date=day,
            amount=Decimal(cents).scaleb(-2),
            description=description,
            merchant=merchant,
            category=category,
        )
        for number, (day, cents, description, merchant, category) in enumerate(
            row_fields(count, seed), 1
        )
    )
    return ParsedFile("csv", rows)


def csv_bytes(count: int, seed: int = 7) -> bytes:
    """A bank CSV export of ``count`` rows with a header the importer recognises."""
    lines = ["Date,Description,Merchant,Category,Amount"]
    for day, cents, description, merchant, category in row_fields(count, seed):
        sign = "-" if cents < 0 else ""
        units, rest = divmod(abs(cents), 100)
        lines.append(
            f"{day.isoformat()},{description},{merchant},{category},{sign}{units}.{rest:02d}"
        )
    return ("\n".join(lines) + "\n").encode()
