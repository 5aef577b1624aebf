"""Importing bank files: parsed rows in, explainable de-duplication, all or nothing.

Parsers live in plugins (``finance_importers`` hook) and turn bytes into a
``ParsedFile``. This module decides what happens to each row: created,
duplicate (of which transaction, and why) or rejected (with the reason). The
use case that posts the created rows is ``ImportServices.import_file``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from finance_core.errors import ValidationError
from finance_core.money import check_amount
from finance_core.statements import ParsedStatement, ReconciliationCheck, StatementView

#: Category given to imported rows that carry none.
DEFAULT_CATEGORY: Final = "uncategorized"

RowStatus = Literal["created", "duplicate", "rejected"]


@attrs.frozen
class ParsedRow:
    """One transaction as a parser read it; ``row`` counts records in file order from 1."""

    row: int
    date: date
    amount: Decimal
    description: str | None = None
    merchant: str | None = None
    category: str | None = None
    #: The file's own id for the transaction (OFX FITID, camt AcctSvcrRef ...).
    file_id: str | None = None
    currency: str | None = None
    pending: bool = False
    splits: tuple[tuple[str, Decimal], ...] = ()
    #: Which of the file's statements the row belongs to (an index into ``statements``).
    statement: int = 0


@attrs.frozen
class RejectedRow:
    row: int
    reason: str


@attrs.frozen
class ParsedFile:
    """What a parser found: good rows, rows it could not read, and the currency if stated."""

    format: str
    rows: tuple[ParsedRow, ...]
    rejected: tuple[RejectedRow, ...] = ()
    currency: str | None = None
    #: What the file states about each statement it holds (account, period, balances).
    statements: tuple[ParsedStatement, ...] = ()


@attrs.frozen
class ImportOptions:
    """What the caller can tell a parser that it cannot detect.

    ``mapping`` maps logical fields (date, fallback_date, amount, debit, credit,
    sign, fee, description, merchant, category, id, currency, status, balance) to CSV
    column names or 0-based indexes; ``include_pending`` keeps rows a bank marks as pending;
    ``include_zero`` keeps amount-0 rows (info lines); ``unsigned_amounts``
    ("debit" or "credit") says which way CSV amounts go when none carries a sign
    and no column says; ``check_balances`` off imports a CSV whose running
    balances do not add up (without its balances).
    """

    mapping: Mapping[str, str | int] | None = None
    date_format: str | None = None
    decimal_separator: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    include_pending: bool = False
    include_zero: bool = True
    unsigned_amounts: str | None = None
    check_balances: bool = True


@attrs.frozen
class Importer:
    """A file format: its name, typical file extensions, a sniffer and a parser."""

    name: str
    extensions: tuple[str, ...]
    parse: Callable[[bytes, ImportOptions], ParsedFile]
    sniff: Callable[[bytes], bool] | None = None
    description: str = ""
    #: Sniffers run in ascending order, so a generic format (CSV accepts almost
    #: any text) gives a specific one the first word.
    sniff_order: int = 100


@attrs.frozen
class RowOutcome:
    """What happened (or, in a dry run, would happen) to one row."""

    row: int
    status: RowStatus
    date: date | None = None
    amount: Decimal | None = None
    description: str | None = None
    external_id: str | None = None
    transaction_id: int | None = None
    duplicate_of: int | None = None
    reason: str | None = None
    #: The account the row went (or would go) to; a multi-account file fills several.
    account_id: int | None = None


@attrs.frozen
class ImportResult:
    rows: tuple[RowOutcome, ...]
    dry_run: bool
    committed: bool
    #: The statements the import recorded, with the books at their last day.
    statements: tuple[StatementView, ...] = ()
    #: The stated closing balance against the books, when the file states one.
    reconciliation: ReconciliationCheck | None = None

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def rejected(self) -> int:
        return self.count("rejected")


#: A row's de-duplication key: date, amount and description as compared.
TextKey = tuple[date, Decimal, str]
_sha256 = hashlib.sha256


def text_key(row: ParsedRow) -> TextKey:
    """What makes two rows without file ids the same: date, amount, folded description."""
    return (row.date, row.amount, " ".join((row.description or "").split()).casefold())


def fingerprint(row: ParsedRow, occurrence: int) -> str:
    """A stable id for a row without a file id.

    Same date, amount and description make the same fingerprint, so the
    ``occurrence`` number (1 for the first such row in a file, 2 for the next)
    keeps two real identical coffees on one day apart.
    """
    return key_fingerprint(text_key(row), occurrence)


def key_fingerprint(key: TextKey, occurrence: int) -> str:
    """``fingerprint`` of a row whose ``text_key`` is known already."""
    day, amount, text = key
    digest = _sha256(f"{day.isoformat()}|{amount.normalize():f}|{text}|{occurrence}".encode())
    return "fp:" + digest.hexdigest()[:32]


@attrs.frozen
class PlannedRow:
    """A row with its external id decided and its fields checked for the account."""

    parsed: ParsedRow
    external_id: str
    fields: dict[str, Any] | None
    reason: str | None = None
    duplicate_reason: str | None = None


def plan_rows(parsed: ParsedFile, currency: str) -> list[PlannedRow]:
    """Assign external ids and validate each row against the account's currency."""
    if parsed.currency is not None and parsed.currency != currency:
        raise ValidationError.of(
            "account_id",
            f"the file is in {parsed.currency} but the account is in {currency}; "
            "import it into an account of that currency",
        )
    occurrences: Counter[TextKey] = Counter()
    seen_file_ids: set[str] = set()
    planned = []
    for row in parsed.rows:
        if row.file_id:
            external_id = row.file_id[:255]
            repeat = external_id in seen_file_ids
            seen_file_ids.add(external_id)
        else:
            key = text_key(row)
            occurrences[key] += 1
            external_id = key_fingerprint(key, occurrences[key])
            repeat = False
        if repeat:
            planned.append(
                PlannedRow(row, external_id, None, duplicate_reason="the file repeats this id")
            )
            continue
        try:
            amount = check_amount(row.amount, currency, "amount")
            if row.currency is not None and row.currency != currency:
                raise ValidationError.of("currency", f"row is in {row.currency}, not {currency}")
        except ValidationError as exc:
            planned.append(PlannedRow(row, external_id, None, reason=str(exc)))
            continue
        fields: dict[str, Any] = {
            "amount": amount,
            "date": row.date,
            "category": (row.category or DEFAULT_CATEGORY)[:100],
            "description": (row.description or None) and row.description[:1000],
            "merchant": (row.merchant or None) and row.merchant[:255],
            "external_id": external_id,
        }
        if row.splits:
            fields["splits"] = [{"category": c[:100], "amount": a} for c, a in row.splits]
        planned.append(PlannedRow(row, external_id, fields))
    return planned


def outcomes_for(
    planned: Sequence[PlannedRow], existing: Mapping[str, int], rejected: Sequence[RejectedRow]
) -> list[RowOutcome]:
    """Decide each row's status against the external ids the account already holds."""
    out = [RowOutcome(r.row, "rejected", reason=r.reason) for r in rejected]
    for plan in planned:
        p = plan.parsed
        base = RowOutcome(p.row, "created", p.date, p.amount, p.description, plan.external_id)
        if plan.reason is not None:
            out.append(attrs.evolve(base, status="rejected", external_id=None, reason=plan.reason))
        elif plan.duplicate_reason is not None:
            out.append(attrs.evolve(base, status="duplicate", reason=plan.duplicate_reason))
        elif plan.external_id in existing:
            why = (
                "the account already has a transaction with this file id"
                if p.file_id
                else "the account already has a transaction with the same date, amount "
                "and description at this occurrence"
            )
            out.append(
                attrs.evolve(
                    base,
                    status="duplicate",
                    duplicate_of=existing[plan.external_id],
                    reason=why,
                )
            )
        else:
            out.append(base)
    return sorted(out, key=lambda o: o.row)
