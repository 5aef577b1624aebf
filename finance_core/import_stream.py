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
Each chunk's rows meet the balance rules as they are inserted; the final
balance is judged once, as ``import_file`` judges it.

What the file states (its period, opening and closing balances) comes with the
first pass, in the source's last chunk; with ``file_hash`` it is recorded as
``import_file`` records it, and the result compares the stated closing balance
with the books, as ``import_file``'s does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Final, Protocol

import attrs

from finance_core.accounts import Account
from finance_core.errors import NotFoundError, ValidationError
from finance_core.events import EventKind, EventLog, EventRun
from finance_core.import_rows import Planned, build_transactions
from finance_core.importing import (
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
from finance_core.repeated_keys import RepeatedKeys
from finance_core.rule_steps import categorize_marked
from finance_core.statement_services import StatementServices, against_books
from finance_core.statements import ParsedStatement, ReconciliationCheck, StatementView
from finance_core.tenancy import Principal
from finance_core.transaction_services import TransactionServices

#: Rows planned, looked up and inserted together: large enough that per-chunk
#: statements cost little per row, small enough that a chunk's objects are a
#: few megabytes.
CHUNK_ROWS: Final = 5000
#: Rows not created (duplicates and rejects) kept to show; the counts are exact.
MAX_EXAMPLES: Final = 100
_QUANTUM: Final = {code: Decimal(1).scaleb(-minor_units(code)) for code in ISO_4217_CODES}
_DAY: Final = attrgetter("date")


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

    def plan(self, rows: Sequence[ParsedRow], tally: _Tally) -> list[Planned]:
        planned = []
        currency, repeated, repeat_key = self.currency, self.repeated, RepeatedKeys.key
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
    repeats = RepeatedKeys()
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
        planned: list[Planned],
        tally: _Tally,
    ) -> list[Planned]:
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
        items: list[Planned],
        now: datetime,
    ) -> tuple[EventRun, Decimal]:
        """Insert one chunk, its rows checked by the balance rules; returns its amount."""
        uow = write.uow
        locked = write.lock(account_id)[account_id]
        ids = uow.allocate_ids("transaction", len(items))
        txns = build_transactions(principal, locked, ids, items, now)
        # What post_batch does besides: the tenant's categorization rules, and
        # matching the new rows to scheduled occurrences.
        categorized = categorize_marked(self, uow, locked, txns)
        write.check_part(now, account_id, categorized)
        uow.transactions.add_many(categorized)
        link_occurrences(uow, categorized, now)
        amount = sum((t.amount for t in categorized), Decimal(0))
        return EventRun(EventKind.TRANSACTION_POSTED, principal.tenant_id, ids), amount
