"""Wire shapes and OpenAPI schemas of statements and reconciliations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs

from finance_core.reconciliation import BalanceMismatch
from finance_core.statements import Reconciliation, ReconciliationCheck, StatementView
from finance_http.schemas import DATE, ID, MONEY_IN, MONEY_OUT, TIMESTAMP, Schema, nullable, ref
from finance_http.wire import TransactionOut


@attrs.frozen
class StatementOut:
    id: int
    account_id: int
    file_hash: str
    period_start: date | None
    period_end: date | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    book_balance: Decimal | None
    difference: Decimal | None

    @classmethod
    def of(cls, view: StatementView) -> StatementOut:
        s = view.statement
        return cls(
            s.id, s.account_id, s.file_hash, s.period_start, s.period_end,
            s.opening_balance, s.closing_balance, view.book_balance, view.difference,
        )  # fmt: skip


@attrs.frozen
class StatementListOut:
    statements: list[StatementOut]


@attrs.frozen
class ReconciliationCheckOut:
    statement_balance: Decimal
    book_balance: Decimal
    difference: Decimal

    @classmethod
    def of(cls, check: ReconciliationCheck | None) -> ReconciliationCheckOut | None:
        if check is None:
            return None
        return cls(check.statement_balance, check.book_balance, check.difference)


@attrs.frozen
class ReconciliationOut:
    id: int
    account_id: int
    date: date
    balance: Decimal
    created_at: datetime
    created_by: int | None

    @classmethod
    def of(cls, r: Reconciliation) -> ReconciliationOut:
        return cls(r.id, r.account_id, r.date, r.balance, r.created_at, r.created_by)


@attrs.frozen
class ReconciliationListOut:
    reconciliations: list[ReconciliationOut]


@attrs.frozen
class MismatchOut:
    """The extra members of a refused reconciliation's problem response."""

    date: date
    balance: Decimal
    book_balance: Decimal
    difference: Decimal
    transactions: list[TransactionOut]

    @classmethod
    def of(cls, error: BalanceMismatch) -> MismatchOut:
        return cls(
            error.date,
            error.statement_balance,
            error.book_balance,
            error.difference,
            [TransactionOut.of(t) for t in error.transactions],
        )


@attrs.frozen
class ReconciliationCreateIn:
    READ_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"id", "account_id", "created_at", "created_by"}
    )
    IDS: ClassVar[frozenset[str]] = frozenset()
    date: Any
    balance: Any


def _obj(properties: Schema, required: list[str] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


_MONEY_OR_NULL: Final = nullable(MONEY_OUT)
_DATE_OR_NULL: Final = nullable(DATE)

SCHEMAS: Final[dict[str, Any]] = {
    "Statement": _obj(
        {
            "id": ID,
            "account_id": ID,
            "file_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "period_start": _DATE_OR_NULL,
            "period_end": _DATE_OR_NULL,
            "opening_balance": _MONEY_OR_NULL,
            "closing_balance": _MONEY_OR_NULL,
            "book_balance": _MONEY_OR_NULL,
            "difference": _MONEY_OR_NULL,
        }
    ),
    "StatementList": _obj({"statements": {"type": "array", "items": ref("Statement")}}),
    "Reconciliation": _obj(
        {
            "id": ID,
            "account_id": ID,
            "date": DATE,
            "balance": MONEY_OUT,
            "created_at": TIMESTAMP,
            "created_by": nullable(ID),
        }
    ),
    "ReconciliationList": _obj(
        {"reconciliations": {"type": "array", "items": ref("Reconciliation")}}
    ),
    "ReconciliationCreate": {
        **_obj({"date": DATE, "balance": MONEY_IN}),
        "additionalProperties": False,
    },
}
