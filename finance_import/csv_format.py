"""The ``csv`` importer: bank CSV exports in the many shapes banks write them.

Separator, encoding, header row (after any preamble), column meanings, date
order and decimal separator are detected; each can be given in
``ImportOptions`` instead. See ``csv_columns`` for the mapping's field names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Final

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile
from finance_core.money import ISO_4217_CODES
from finance_import.amounts import decimal_separator, detect_decimal
from finance_import.csv_columns import (
    Columns,
    check_mapping,
    detect,
    find_header,
    header_currency,
    resolve,
)
from finance_import.csv_layouts import recognise
from finance_import.csv_records import detect_delimiter, read_records
from finance_import.csv_rows import RowError, RowReader
from finance_import.dates import DateReader, readings
from finance_import.rows import RowCollector
from finance_import.text import decode

NAME: Final = "csv"
_SNIFF_BYTES: Final = 64 * 1024

Rows = list[tuple[int, list[str]]]


def parse_csv(data: bytes, options: ImportOptions) -> ParsedFile:
    """Every data row of a CSV export; unreadable rows are rejected with a reason."""
    text = decode(data, options.encoding)
    if not text.strip():
        raise ValidationError.of("file", "the file is empty; export the statement again")
    delimiter = options.delimiter or detect_delimiter(text)
    records = [r for r in read_records(text, delimiter) if any(c.strip() for c in r)]
    columns, body = _table(records, check_mapping(options.mapping))
    reader = RowReader(
        columns,
        _date_reader(columns, body, options.date_format),
        decimal_separator(options.decimal_separator)
        or detect_decimal(
            (r[i] for _, r in body for f, i in columns.index.items() if _is_money(f, i, r)),
            default="," if delimiter == ";" else ".",
        ),
        _stated_currency(columns),
    )
    collector = RowCollector(NAME, options)
    for number, cells in body:
        try:
            row = reader.read(number, cells)
        except RowError as exc:
            collector.reject(number, str(exc))
            continue
        if row is not None:
            collector.add(row)
    return collector.result()


def _is_money(field: str, at: int, cells: list[str]) -> bool:
    return field in ("amount", "debit", "credit", "fee") and at < len(cells)


def _table(records: list[list[str]], mapping: Mapping[str, str | int]) -> tuple[Columns, Rows]:
    """The columns and the numbered data records (those after the header, if any)."""
    named = [c for c in mapping.values() if isinstance(c, str)]
    at = find_header(records, named)
    if at is not None:
        header = records[at]
        data = records[at + 1 :]
        width = max(len(r) for r in [header, *data])
        return resolve(detect(header), mapping, header, width), list(enumerate(data, 1))
    if named:
        raise ValidationError.of(
            "mapping",
            f"the mapping names the columns {', '.join(map(repr, named))}, but no line near "
            f"the top of the file holds all of them (the first reads {_first(records)}); "
            "check the spelling, or map by 0-based index if the file has no header row",
        )
    body = _without_preamble(records)
    layout = recognise(body)
    if layout is None and not mapping:
        raise ValidationError.of(
            "mapping",
            "found no header row naming known columns (such as Date, Amount, Debit, Credit, "
            "Description, Buchungstag, Betrag, Soll, Haben, Montant) and the rows fit no "
            f"known layout without a header; the first line reads {_first(records)}. "
            "Map the columns by name (if a line is the header) or by 0-based index, "
            "e.g. mapping={'date': 0, 'amount': 2, 'description': 1}",
        )
    width = max((len(r) for r in body), default=0)
    columns = resolve(layout.columns if layout else {}, mapping, None, width)
    if layout is None and _unnamed_header(body, columns.index["date"]):
        body = body[1:]
    return columns, list(enumerate(body, 1))


def _first(records: list[list[str]]) -> str:
    return ", ".join(repr(c.strip()) for c in records[0]) if records else "nothing"


def _without_preamble(records: list[list[str]]) -> list[list[str]]:
    """Drops leading lines narrower or wider than the data (account number, period...)."""
    if not records:
        return records
    width = Counter(len(r) for r in records).most_common(1)[0][0]
    start = next(i for i, r in enumerate(records) if len(r) == width)
    return records[start:]


def _unnamed_header(body: list[list[str]], date_at: int) -> bool:
    """A first line whose date cell is no date while the next one's is: a header."""
    cells = [r[date_at] if date_at < len(r) else "" for r in body[:2]]
    return len(cells) == 2 and not readings(cells[0]) and bool(readings(cells[1]))


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
