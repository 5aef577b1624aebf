"""CSV export: one row per transaction, with its account's name and currency."""

from __future__ import annotations

import csv
import io
from typing import Final

from finance_core.portability import TenantData

COLUMNS: Final = (
    "account",
    "currency",
    "transaction_id",
    "date",
    "amount",
    "category",
    "description",
    "merchant",
    "location",
    "tags",
    "der_category",
    "der_merchant",
    "external_id",
    "splits",
    "transfer_id",
)


def to_csv(data: TenantData) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets pick the encoding), CRLF rows.

    Tags are joined with ``|``; splits are written ``category=amount`` joined
    with ``|``. Amounts keep their exact decimal text.
    """
    accounts = {a.id: a for a in data.accounts}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for txn in sorted(data.transactions, key=lambda t: (t.date, t.id)):
        account = accounts[txn.account_id]
        writer.writerow(
            (
                account.name,
                account.currency,
                txn.id,
                txn.date.isoformat(),
                f"{txn.amount:f}",
                txn.category,
                txn.description or "",
                txn.merchant or "",
                txn.location or "",
                "|".join(txn.tags),
                txn.der_category or "",
                txn.der_merchant or "",
                txn.external_id or "",
                "|".join(f"{s.category}={s.amount:f}" for s in txn.splits),
                txn.transfer_id or "",
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode()
