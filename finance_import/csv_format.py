"""The ``csv`` importer: bank CSV exports in the many shapes banks write them.

Separator, encoding, header row (after any preamble), column meanings, date
order and decimal separator are detected; each can be given in
``ImportOptions`` instead. See ``csv_columns`` for the mapping's field names.
A running-balance column is checked against the amounts and states the
statement's opening and closing balances.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile
from finance_core.money import ISO_4217_CODES
from finance_core.statements import ParsedStatement
from finance_import.amounts import decimal_separator, detect_decimal
from finance_import.csv_balances import BalanceFollower, BalanceRow
from finance_import.csv_columns import Columns, check_mapping, header_currency
from finance_import.csv_direction import Direction, settle_direction, unsigned_refusal
from finance_import.csv_records import detect_delimiter, read_lines, read_records
from finance_import.csv_rows import RowError, RowReader
from finance_import.csv_table import Table, find_table
from finance_import.dates import DateReader, readings
from finance_import.rows import RowCollector
from finance_import.text import decode

NAME: Final = "csv"
_SNIFF_BYTES: Final = 64 * 1024

Rows = Sequence[tuple[int, list[str]]]


def parse_csv(data: bytes, options: ImportOptions) -> ParsedFile:
    """Every data row of a CSV export; unreadable rows are rejected with a reason."""
    text = decode(data, options.encoding)
    if not text.strip():
        raise ValidationError.of("file", "the file is empty; export the statement again")
    delimiter = options.delimiter or detect_delimiter(text)
    table = find_table(read_lines(text, delimiter), check_mapping(options.mapping))
    direction = settle_direction(table, options.unsigned_amounts)
    table = attrs.evolve(table, columns=direction.columns)
    columns, body = table.columns, table.body
    reader = RowReader(
        columns,
        _date_reader(columns, body, options.date_format),
        decimal_separator(options.decimal_separator)
        or detect_decimal(
            (r[i] for _, r in body for f, i in columns.index.items() if _is_money(f, i, r)),
            default="," if delimiter == ";" else ".",
        ),
        _stated_currency(columns),
        direction.unsigned,
    )
    collector = RowCollector(NAME, options)
    follower = BalanceFollower()
    for number, cells in body:
        try:
            row = reader.read(number, cells)
            balance = reader.balance(cells)
        except RowError as exc:
            collector.reject(number, str(exc))
            continue
        if row is None:
            continue
        collector.add(row)
        line = table.lines[number]
        follower.add(BalanceRow(number, line, row.date, row.amount, balance, row.pending))
    statement = file_statement(
        table, direction, follower, options, rejects=bool(collector.rejected)
    )
    return attrs.evolve(
        collector.result(), statements=(statement,) if statement is not None else ()
    )


def file_statement(
    table: Table,
    direction: Direction,
    follower: BalanceFollower,
    options: ImportOptions,
    *,
    rejects: bool,
) -> ParsedStatement | None:
    """The statement of a file whose every row ``follower`` has seen.

    Its balances are checked (unless a row was rejected, or ``check_balances``
    is off); unsigned amounts with no direction are refused here unless the
    balances chain with them read as money in.
    """
    stated = None
    if balances_checked(table, options) and not rejects:
        if direction.undecided and not follower.chains_as_credits():
            raise unsigned_refusal(table, direction.candidates, balances=True)
        stated = follower.stated(table.columns.label("balance"))
    elif direction.undecided:
        raise unsigned_refusal(table, direction.candidates, balances=False)
    return follower.statement(stated)


def balances_checked(table: Table, options: ImportOptions) -> bool:
    """Whether the file's running balances are checked (and so may sign unsigned amounts)."""
    return "balance" in table.columns.index and options.check_balances


def _is_money(field: str, at: int, cells: list[str]) -> bool:
    return field in ("amount", "debit", "credit", "fee") and at < len(cells)


def _date_reader(columns: Columns, body: Rows, date_format: str | None) -> DateReader:
    values = []
    for _, cells in body:
        for field in ("date", "fallback_date"):
            at = columns.index.get(field)
            if at is not None and at < len(cells) and cells[at].strip():
                values.append(cells[at])
                break
    reader = DateReader.for_values(values, date_format)
    if values and reader.order is None and reader.pattern is None:
        raise ValidationError.of(
            "date_format",
            f"{columns.label('date')} holds no date this importer can read (the first value "
            f"is {values[0].strip()!r}); map the date column explicitly, or set date_format "
            "(e.g. '%d %b %Y')",
        )
    return reader


def _stated_currency(columns: Columns) -> str | None:
    if columns.header is None or "currency" in columns.index:
        return None
    for field in ("amount", "debit", "credit"):
        at = columns.index.get(field)
        if at is not None and at < len(columns.header):
            code = header_currency(columns.header[at])
            if code in ISO_4217_CODES:
                return code
    return None


def sniff_csv(data: bytes) -> bool:
    """Delimited text with at least two columns and a date somewhere near the top."""
    text = decode(data[:_SNIFF_BYTES])
    start = text.lstrip()[:1]
    if start in ("<", "!") or "OFXHEADER" in text[:512].upper():
        return False
    try:
        records = read_records(text, detect_delimiter(text))
    except ValidationError:
        return False
    return any(readings(cell) for record in records[:30] for cell in record)


__all__ = ["NAME", "Table", "parse_csv", "sniff_csv"]
