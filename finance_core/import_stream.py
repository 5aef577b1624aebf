"""Importing a file too big to hold at once: planned, checked and posted in chunks.

``ImportServices.import_file`` plans a whole ``ParsedFile`` and reports every
row; its memory grows with the file. ``StreamImportServices.import_stream``
reads a ``RowSource`` twice, one chunk of rows at a time, inside one unit of
work, and keeps only counts and the first few rows that were not created:

1. The first pass checks every row as planning would (a rejected row is known
   before anything is written) and notes a 32-bit hash of each row's
   de-duplication key, to learn which keys occur more than once in the file
   (about 5 bytes a row, where a Python set would take 60).
2. The second pass plans each chunk exactly as ``plan_rows`` does (occurrence
   numbers are counted exactly, but only for the keys the first pass saw
   twice), looks the chunk's external ids up in storage and posts the new rows.

Rows, ids, duplicate decisions and balance rules are those of ``import_file``:
the stored transactions are the same. All or nothing: a rejected row (unless
``skip_bad_rows``) makes the run a dry run; any error rolls everything back.
Balance rules are checked after each chunk, in file order.

What the file states (its period, opening and closing balances) comes with the
first pass, in the source's last chunk; with ``file_hash`` it is recorded as
``import_file`` records it, and the result compares the stated closing balance
with the books, as ``import_file``'s does.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Any, Final, Protocol

import attrs

from finance_core.accounts import Account
from finance_core.categorize.model import PLACEHOLDER_CATEGORY
from finance_core.errors import NotFoundError, ValidationError
from finance_core.events import EventKind, EventLog, EventRun
from finance_core.importing import (
    DEFAULT_CATEGORY,
    ParsedFile,
    ParsedRow,
    RejectedRow,
    RowOutcome,
    TextKey,
    key_fingerprint,
    text_key,
)
from finance_core.ledger_base import BalanceWrite
from finance_core.money import ISO_4217_CODES, MAX_MAGNITUDE, check_amount, minor_units
from finance_core.occurrence_links import link_occurrences
from finance_core.ports import UnitOfWork
from finance_core.rule_steps import categorize_marked, given_fields
from finance_core.statement_services import StatementServices, against_books
from finance_core.statements import ParsedStatement, ReconciliationCheck, StatementView
from finance_core.tenancy import Principal
from finance_core.text import text_problem
from finance_core.transaction_services import TransactionServices
from finance_core.transactions import Transaction, check_split_total, clean_fields

#: Rows planned, looked up and inserted together: large enough that per-chunk
#: statements cost little per row, small enough that a chunk's objects are a
#: few megabytes.
CHUNK_ROWS: Final = 5000
#: Rows not created (duplicates and rejects) kept to show; the counts are exact.
MAX_EXAMPLES: Final = 100
_QUANTUM: Final = {code: Decimal(1).scaleb(-minor_units(code)) for code in ISO_4217_CODES}
_DAY: Final = attrgetter("date")
#: ``given_fields`` of a planned row without splits, by whether it gives a
#: category (other than the placeholder), a merchant and a description: the
#: only rule-settable fields a row carries, so these eight cover every row.
_GIVEN: Final = {
    (category, merchant, description): given_fields(
        {
            "category": "given" if category else PLACEHOLDER_CATEGORY,
            "merchant": "given" if merchant else None,
            "description": "given" if description else None,
        }
    )
    for category in (False, True)
    for merchant in (False, True)
    for description in (False, True)
}
#: A row to post: the row, its external id and its amount checked for the account.
_Planned = tuple[ParsedRow, str, Decimal]


@attrs.frozen
class RowChunk:
    """Consecutive rows of a file, and the rows among them a parser could not read."""

    rows: Sequence[ParsedRow]
    rejected: Sequence[RejectedRow] = ()
    #: What the file states about its rows; a source that knows it puts it on
    #: its last chunk (the whole file must be read to know it).
    statement: ParsedStatement | None = None


class RowSource(Protocol):
    """A parsed file read a chunk at a time; ``chunks()`` may be called more than once.

    A source that states no statement gets one covering the days of its rows.
    """

    @property
    def currency(self) -> str | None:
        """The currency the file states for all its rows, if it states one."""

    def chunks(self) -> Iterable[RowChunk]:
        """The file's rows in file order, in chunks, each time from the start."""


@attrs.frozen
class ParsedSource:
    """A ``ParsedFile`` already in memory as a ``RowSource``."""

    parsed: ParsedFile
    chunk_rows: int = CHUNK_ROWS

    @property
    def currency(self) -> str | None:
        return self.parsed.currency

    def chunks(self) -> Iterator[RowChunk]:
        rows = self.parsed.rows
        rejected = self.parsed.rejected
        statements = self.parsed.statements
        if len(statements) > 1:
            raise ValidationError.of(
                "file",
                f"the file holds {len(statements)} statements; a streamed import takes one "
                "account's rows: import it with import_file, which maps each statement",
            )
        for start in range(0, len(rows), self.chunk_rows):
            yield RowChunk(rows[start : start + self.chunk_rows])
        if rejected or statements:
            yield RowChunk((), rejected, statements[0] if statements else None)


@attrs.frozen
class StreamedImport:
    """What an import did (or, in a dry run, would do): exact counts, a few examples."""

    created: int
    duplicates: int
    rejected: int
    dry_run: bool
    committed: bool
    #: The first ``MAX_EXAMPLES`` duplicate and rejected rows, in the order met.
    examples: tuple[RowOutcome, ...]
    #: The statement the import recorded (with ``file_hash``, when it committed).
    statements: tuple[StatementView, ...] = ()
    #: The stated closing balance against the books, when the file states one.
    reconciliation: ReconciliationCheck | None = None


class _Repeats:
    """Which 32-bit key hashes a file holds more than once, in about 5 bytes a slot.

    An open-addressing table in an ``array``: a Python set of a million keys
    would take some 60 MB, this takes 10. Two different keys that share a hash
    only make both "repeated", which costs an exact count and nothing else.
    """

    def __init__(self) -> None:
        self._slots = array("I", bytes(4 * 1024))
        self._twice = bytearray(1024)
        self._used = 0

    @staticmethod
    def key(value: object) -> int:
        # 0 marks an empty slot, so keys are odd.
        return (hash(value) & 0xFFFFFFFF) | 1

    def add(self, value: object) -> bool:
        """Note ``value``; True when its hash was noted before (a repeat, or a shared hash)."""
        key = self.key(value)
        slots = self._slots
        mask = len(slots) - 1
        at = key & mask
        while True:
            found = slots[at]
            if found == 0:
                slots[at] = key
                self._used += 1
                if self._used * 4 > len(slots) * 3:
                    self._grow()
                return False
            if found == key:
                self._twice[at] = 1
                return True
            at = (at + 1) & mask

    def _grow(self) -> None:
        old, twice = self._slots, self._twice
        size = len(old) * 2
        self._slots = array("I", bytes(4 * size))
        self._twice = bytearray(size)
        mask = size - 1
        for index, key in enumerate(old):
            if key:
                at = key & mask
                while self._slots[at]:
                    at = (at + 1) & mask
                self._slots[at] = key
                self._twice[at] = twice[index]

    def repeated(self) -> frozenset[int]:
        return frozenset(key for key, twice in zip(self._slots, self._twice, strict=True) if twice)


def _check(row: ParsedRow, currency: str) -> tuple[Decimal | None, str | None]:
    """The row's amount checked for the account, or why the row is rejected."""
    amount = row.amount
    if row.currency is None or row.currency == currency:
        # The common case, without check_amount's layers: a Decimal that is
        # exact at the currency's exponent and in range is what it returns.
        quantum = _QUANTUM.get(currency)
        if quantum is not None and type(amount) is Decimal and amount.is_finite():
            try:
                exact = amount.quantize(quantum)
            except InvalidOperation:
                exact = None
            if exact == amount and abs(exact) < MAX_MAGNITUDE:
                return exact, None
    try:
        amount = check_amount(row.amount, currency, "amount")
        if row.currency is not None and row.currency != currency:
            raise ValidationError.of("currency", f"row is in {row.currency}, not {currency}")
    except ValidationError as exc:
        return None, str(exc)
    return amount, None


def _fields(row: ParsedRow, amount: Decimal, external_id: str) -> dict[str, Any]:
    """What ``plan_rows`` posts for a row (built here only for rows off the common path)."""
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
    return fields


@attrs.define
class _Tally:
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    examples: list[RowOutcome] = attrs.field(factory=list)

    def note(self, outcome: RowOutcome) -> None:
        if outcome.status == "duplicate":
            self.duplicates += 1
        else:
            self.rejected += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(outcome)


class _Planner:
    """Decides each row's external id and fate, chunk by chunk, as ``plan_rows`` does."""

    def __init__(self, currency: str, repeated: frozenset[int]) -> None:
        self.currency = currency
        self.repeated = repeated
        self.occurrences: Counter[TextKey] = Counter()
        self.seen_file_ids: set[str] = set()

    def plan(self, rows: Sequence[ParsedRow], tally: _Tally) -> list[_Planned]:
        planned = []
        currency, repeated, repeat_key = self.currency, self.repeated, _Repeats.key
        for row in rows:
            if row.file_id:
                external_id = row.file_id[:255]
                repeat = False
                if repeat_key(("id", external_id)) in repeated:
                    repeat = external_id in self.seen_file_ids
                    self.seen_file_ids.add(external_id)
                if repeat:
                    tally.note(
                        self._outcome(row, "duplicate", external_id, "the file repeats this id")
                    )
                    continue
            else:
                key = text_key(row)
                occurrence = 1
                if repeat_key(key) in repeated:
                    self.occurrences[key] += 1
                    occurrence = self.occurrences[key]
                external_id = key_fingerprint(key, occurrence)
            amount, reason = _check(row, currency)
            if amount is None:
                tally.note(self._outcome(row, "rejected", None, reason))
                continue
            planned.append((row, external_id, amount))
        return planned

    @staticmethod
    def _outcome(
        row: ParsedRow,
        status: str,
        external_id: str | None,
        reason: str | None,
        duplicate_of: int | None = None,
    ) -> RowOutcome:
        return RowOutcome(
            row.row,
            status,  # type: ignore[arg-type]  # one of RowStatus by construction
            row.date,
            row.amount,
            row.description,
            external_id,
            duplicate_of=duplicate_of,
            reason=reason,
        )


@attrs.frozen
class _FirstPass:
    #: Hashes of the keys seen more than once.
    repeated: frozenset[int]
    #: Whether any row will be rejected.
    rejects: bool
    #: What the file states, or the days its rows cover.
    statement: ParsedStatement
    #: The currency every row names, when they all name the same one (as a
    #: parser's ``ParsedFile`` takes it for the file's).
    currency: str | None


def _first_pass(source: RowSource, currency: str) -> _FirstPass:
    """Keys seen more than once, whether any row will be rejected, and the statement.

    A bad row that repeats an earlier row's file id is a duplicate, not a
    reject (as in ``plan_rows``). The hash table can only say "maybe seen", so
    such rows are settled exactly by one more pass, kept to their ids.
    """
    repeats = _Repeats()
    rejects = False
    doubtful: set[str] = set()
    stated: ParsedStatement | None = None
    first_day: date | None = None
    last_day: date | None = None
    common: str | None = None
    mixed = started = False
    add = repeats.add
    for chunk in source.chunks():
        rejects = rejects or bool(chunk.rejected)
        stated = chunk.statement or stated
        rows = chunk.rows
        if rows:
            days = list(map(_DAY, rows))
            low, high = min(days), max(days)
            first_day = low if first_day is None else min(first_day, low)
            last_day = high if last_day is None else max(last_day, high)
        for row in rows:
            if row.currency != common:
                mixed = mixed or started
                common = row.currency
            started = True
            bad = _check(row, currency)[1] is not None
            if row.file_id:
                external_id = row.file_id[:255]
                if add(("id", external_id)) and bad:
                    doubtful.add(external_id)
                    continue
            else:
                add(text_key(row))
            rejects = rejects or bad
    if doubtful and not rejects:
        rejects = _first_seen_bad(source, doubtful, currency)
    if stated is None:
        stated = ParsedStatement(period_start=first_day, period_end=last_day)
    return _FirstPass(repeats.repeated(), rejects, stated, None if mixed else common)


def _refuse_other_currency(currency: str | None, account: Account) -> None:
    if currency is not None and currency != account.currency:
        raise ValidationError.of(
            "account_id",
            f"the file is in {currency} but the account is in "
            f"{account.currency}; import it into an account of that currency",
        )


def _first_seen_bad(source: RowSource, ids: set[str], currency: str) -> bool:
    """True when a bad row is the first in the file with its id (so it is rejected)."""
    seen: set[str] = set()
    for chunk in source.chunks():
        for row in chunk.rows:
            external_id = (row.file_id or "")[:255]
            if external_id in ids:
                if external_id not in seen and _check(row, currency)[1] is not None:
                    return True
                seen.add(external_id)
    return False


def _transactions(
    principal: Principal,
    account: Account,
    ids: Iterable[int],
    planned: Sequence[_Planned],
    now: datetime,
) -> list[Transaction]:
    """``TransactionServices._build`` for planned rows, whose amounts are checked already.

    A planned row's texts are cut to their limits, so for a row without splits
    whose texts hold only allowed characters what ``clean_fields`` would do
    comes down to the category's strip; anything else takes ``clean_fields``
    itself, which refuses what the core refuses. The fields the row gives are marked as a
    person's, as ``categorize_new`` marks them.
    """
    tenant_id, account_id = principal.tenant_id, account.id
    out = []
    for ident, (row, external_id, amount) in zip(ids, planned, strict=True):
        category = (row.category or DEFAULT_CATEGORY)[:100].strip()
        description, merchant = row.description, row.merchant
        description = description[:1000] if description else None
        merchant = merchant[:255] if merchant else None
        if (
            row.splits
            or type(row.date) is not date
            or not category
            # Text the core refuses (control characters) takes clean_fields, which says why.
            or text_problem(category if merchant is None else category + merchant) is not None
            or (description is not None and text_problem(description, multiline=True) is not None)
        ):
            out.append(_cleaned(principal, account, ident, row, external_id, amount, now))
            continue
        given = _GIVEN[
            category != PLACEHOLDER_CATEGORY, merchant is not None, description is not None
        ]
        out.append(
            Transaction(
                id=ident,
                tenant_id=tenant_id,
                account_id=account_id,
                amount=amount,
                date=row.date,
                category=category,
                created_at=now,
                updated_at=now,
                description=description,
                merchant=merchant,
                external_id=external_id,
                person_fields=given,
            )
        )
    return out


def _cleaned(
    principal: Principal,
    account: Account,
    ident: int,
    row: ParsedRow,
    external_id: str,
    amount: Decimal,
    now: datetime,
) -> Transaction:
    """A planned row with splits (or an odd date or category), through ``clean_fields``."""
    fields = _fields(row, amount, external_id)
    given = given_fields(fields)
    rest = {k: v for k, v in fields.items() if k != "amount"}
    cleaned = clean_fields(rest, account.currency, partial=True)
    check_split_total(cleaned.get("splits", ()), amount)
    return Transaction(
        id=ident,
        tenant_id=principal.tenant_id,
        account_id=account.id,
        amount=amount,
        created_at=now,
        updated_at=now,
        person_fields=given,
        **cleaned,
    )


class StreamImportServices(TransactionServices, StatementServices):
    """Bank files too big to hold: streamed through one unit of work."""

    def import_stream(
        self,
        principal: Principal,
        account_id: int,
        source: RowSource,
        *,
        dry_run: bool = False,
        skip_bad_rows: bool = False,
        file_hash: str | None = None,
    ) -> StreamedImport:
        """Import every row of ``source`` into one account, a chunk at a time.

        The same rows are created, found duplicate or rejected as by
        ``import_file``; a dry run (or a file with a rejected row, unless
        ``skip_bad_rows``) writes nothing and reports what a real run would do.
        With ``file_hash`` (the SHA-256 of the file) a committed import records
        the file's statement; the result compares its closing balance with the
        books at its last day (in a dry run, as they would be after the import).
        """
        principal.require_write()
        with self._unit(principal.tenant_id, readonly=dry_run) as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFoundError("account", account_id)
            _refuse_other_currency(source.currency, account)
            first = _first_pass(source, account.currency)
            if source.currency is None:
                _refuse_other_currency(first.currency, account)
            writing = not dry_run and (not first.rejects or skip_bad_rows)
            planner = _Planner(account.currency, first.repeated)
            tally = _Tally()
            events = EventLog()
            # What a dry run's new rows would add to the books by the statement's last day.
            end = first.statement.period_end
            added = Decimal(0)
            # One balance write for the whole file: each chunk's rows meet the
            # rules as they are inserted, the final balance once at the end.
            write = BalanceWrite(self, uow) if writing else None
            now = self._now()
            delta = Decimal(0)
            for chunk in source.chunks():
                for bad in chunk.rejected:
                    tally.note(RowOutcome(bad.row, "rejected", reason=bad.reason))
                new = self._new_rows(uow, account_id, planner.plan(chunk.rows, tally), tally)
                tally.created += len(new)
                if write is not None and new:
                    posted, amount = self._post_chunk(principal, write, account_id, new, now)
                    events.extend(posted)
                    delta += amount
                elif dry_run and end is not None:
                    added += sum((a for row, _, a in new if row.date <= end), Decimal(0))
            views: tuple[StatementView, ...] = ()
            check = None
            if write is not None:
                if write.locked:
                    write.settle_total(now, account_id, delta)
                views = self._record_file(principal, uow, [(account, first.statement)], file_hash)
                check = against_books(uow, account, first.statement)
                self.notify(principal.tenant_id, events)
                uow.commit()
            elif dry_run:
                check = against_books(uow, account, first.statement, added)
        examples = tuple(sorted(tally.examples, key=lambda o: o.row))
        return StreamedImport(
            tally.created,
            tally.duplicates,
            tally.rejected,
            dry_run,
            writing,
            examples,
            views,
            check,
        )

    @staticmethod
    def _new_rows(
        uow: UnitOfWork,
        account_id: int,
        planned: list[_Planned],
        tally: _Tally,
    ) -> list[_Planned]:
        """The planned rows the account does not hold yet; the others are duplicates."""
        existing = uow.transactions.find_external_ids(account_id, [p[1] for p in planned])
        new = []
        for item in planned:
            row, external_id, _ = item
            if external_id in existing:
                why = (
                    "the account already has a transaction with this file id"
                    if row.file_id
                    else "the account already has a transaction with the same date, amount "
                    "and description at this occurrence"
                )
                tally.note(
                    _Planner._outcome(row, "duplicate", external_id, why, existing[external_id])
                )
            else:
                new.append(item)
        return new

    def _post_chunk(
        self,
        principal: Principal,
        write: BalanceWrite,
        account_id: int,
        items: list[_Planned],
        now: datetime,
    ) -> tuple[EventRun, Decimal]:
        """Insert one chunk, its rows checked by the balance rules; returns its amount."""
        uow = write.uow
        locked = write.lock(account_id)[account_id]
        ids = uow.allocate_ids("transaction", len(items))
        txns = _transactions(principal, locked, ids, items, now)
        # What post_batch does besides: the tenant's categorization rules, and
        # matching the new rows to scheduled occurrences.
        categorized = categorize_marked(self, uow, locked, txns)
        write.check_part(now, account_id, categorized)
        uow.transactions.add_many(categorized)
        link_occurrences(uow, categorized, now)
        amount = sum((t.amount for t in categorized), Decimal(0))
        return EventRun(EventKind.TRANSACTION_POSTED, principal.tenant_id, ids), amount
