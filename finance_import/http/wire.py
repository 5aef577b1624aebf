"""JSON shapes of the import and report routes, written through the adapter's converter.

Import rows leave out what does not apply to them (a created row has no
``duplicate_of``), as they always have; ``register_wire_hooks`` teaches the one
converter of the HTTP boundary to do that.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn

from finance_core.importing import ImportResult, RowOutcome
from finance_core.portability import TenantData
from finance_core.reports import ReportRow
from finance_http.statement_wire import ReconciliationCheckOut, StatementOut


@attrs.frozen
class ImportRowOut:
    row: int
    status: str
    date: date | None = None
    amount: Decimal | None = None
    description: str | None = None
    external_id: str | None = None
    transaction_id: int | None = None
    duplicate_of: int | None = None
    reason: str | None = None
    account_id: int | None = None

    @classmethod
    def of(cls, outcome: RowOutcome) -> ImportRowOut:
        return cls(
            outcome.row,
            outcome.status,
            outcome.date,
            outcome.amount,
            outcome.description,
            outcome.external_id,
            outcome.transaction_id,
            outcome.duplicate_of,
            outcome.reason,
            outcome.account_id,
        )


@attrs.frozen
class ImportResultOut:
    format: str
    created: int
    duplicates: int
    rejected: int
    dry_run: bool
    committed: bool
    rows: list[ImportRowOut]
    #: The stated closing balance against the books; null when the file states none.
    reconciliation: ReconciliationCheckOut | None
    #: The statements a bank file's import recorded.
    statements: list[StatementOut] = attrs.Factory(list)
    #: Only for a restored JSON export.
    accounts: int | None = None
    transfers: int | None = None

    @classmethod
    def of(cls, fmt: str, result: ImportResult) -> ImportResultOut:
        return cls(
            fmt,
            result.created,
            result.duplicates,
            result.rejected,
            result.dry_run,
            result.committed,
            [ImportRowOut.of(o) for o in result.rows],
            ReconciliationCheckOut.of(result.reconciliation),
            [StatementOut.of(v) for v in result.statements],
        )

    @classmethod
    def restored(cls, books: TenantData, *, dry_run: bool) -> ImportResultOut:
        return cls(
            "json",
            len(books.transactions),
            0,
            0,
            dry_run,
            not dry_run,
            [
                ImportRowOut(n, "created", transaction_id=t.id, amount=t.amount)
                for n, t in enumerate(books.transactions, 1)
            ],
            None,
            accounts=len(books.accounts),
            transfers=len(books.transfers),
        )


@attrs.frozen
class SpendingRowOut:
    period: str | None
    group: str | None
    currency: str
    total: Decimal
    count: int


@attrs.frozen
class CashflowRowOut:
    period: str | None
    currency: str
    income: Decimal
    expenses: Decimal
    net: Decimal


@attrs.frozen
class BalanceRowOut:
    period: str | None
    currency: str
    balance: Decimal


ReportRowOut = SpendingRowOut | CashflowRowOut | BalanceRowOut


@attrs.frozen
class ReportRowsOut:
    rows: list[ReportRowOut]

    @classmethod
    def of(cls, rows: list[ReportRow]) -> ReportRowsOut:
        return cls([_row_out(r) for r in rows])


def _row_out(row: ReportRow) -> ReportRowOut:
    if row.total is not None and row.count is not None:
        return SpendingRowOut(row.period, row.group, row.currency, row.total, row.count)
    if row.income is not None and row.expenses is not None and row.net is not None:
        return CashflowRowOut(row.period, row.currency, row.income, row.expenses, row.net)
    if row.balance is not None:
        return BalanceRowOut(row.period, row.currency, row.balance)
    raise ValueError(f"a report row with no figures: {row!r}")


def register_wire_hooks(converter: cattrs.Converter) -> None:
    """Leave absent (None) fields out of import rows and results."""
    for shape in (ImportRowOut, ImportResultOut):
        converter.register_unstructure_hook(
            shape,
            make_dict_unstructure_fn(shape, converter, _cattrs_omit_if_default=True),
        )
