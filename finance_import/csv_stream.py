"""A CSV export read from disk a chunk at a time, for ``Ledger.import_stream``.

``parse_csv`` holds the file's bytes, its text, every record and every parsed
row at once. ``CsvFileSource`` keeps none of them: the separator and the header
(after any preamble) come from the top of the file, the date order and the
decimal separator from one streaming pass over the date and amount cells, and
``chunks()`` reads the records again each time it is called. The running
balances are checked as the rows go by (``BalanceFollower`` keeps the last
balance, not the rows), and the chunks end with the statement ``parse_csv``
states: its period, and the opening and closing balances of a balance column.
A break in the balances, or unsigned amounts that the balances cannot sign,
is refused at the end of the first reading, before anything is written.

For a file of up to ``HEAD_RECORDS`` records the rows and the statement are
those ``parse_csv`` gives (a test holds them to it); in a longer file the
columns and the direction of unsigned amounts are decided from its first
``HEAD_RECORDS`` records. A currency the rows name but no header states is
checked row by row, not for the whole file.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Final, TextIO

import attrs

from finance_core.errors import ValidationError
from finance_core.import_statements import file_hash
from finance_core.import_stream import CHUNK_ROWS, RowChunk
from finance_core.importing import ImportOptions
from finance_import.amounts import decimal_separator, detect_decimal
from finance_import.csv_balances import BalanceFollower, BalanceRow
from finance_import.csv_columns import Columns, check_mapping
from finance_import.csv_direction import settle_direction, unsigned_refusal
from finance_import.csv_format import (
    NAME,
    _is_money,
    _stated_currency,
    balances_checked,
    file_statement,
)
from finance_import.csv_records import detect_delimiter
from finance_import.csv_rows import RowError, RowReader
from finance_import.csv_table import find_table
from finance_import.dates import DateReader
from finance_import.rows import RowCollector
from finance_import.text import FALLBACK_ENCODINGS, LAST_RESORT

#: Records near the top that decide the header, the preamble and the layout.
HEAD_RECORDS: Final = 2000
_SAMPLE_CHARS: Final = 64 * 1024
_BLOCK: Final = 1 << 20


def _blocks(path: Path) -> Iterator[bytes]:
    """The file's bytes, a megabyte at a time."""
    with path.open("rb") as raw:
        while block := raw.read(_BLOCK):
            yield block


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for block in _blocks(path):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(path: Path, given: str | None) -> str:
    """What ``text.decode`` would pick, found without reading the file into memory."""
    if given:
        try:
            name = codecs.lookup(given).name
        except LookupError:
            raise ValidationError.of(
                "encoding",
                f"{given!r} is not a known text encoding; use a name such as "
                "'utf-8', 'cp1252' or 'latin-1', or leave it out to detect it",
            ) from None
        if not _decodes(path, name):
            raise ValidationError.of(
                "encoding",
                f"the file does not decode as {name}; name the file's real encoding, or "
                "leave encoding out to detect it",
            )
        return "utf-8-sig" if name == "utf-8" else name
    with path.open("rb") as raw:
        start = raw.read(2)
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    for candidate in FALLBACK_ENCODINGS:
        if _decodes(path, candidate):
            # A UTF-8 byte-order mark must not end up in the first column's name.
            return "utf-8-sig" if candidate == "utf-8" else candidate
    return LAST_RESORT


def _version(path: Path) -> tuple[int, int, int]:
    """What tells one state of a file from another: its size, change time and inode."""
    status = path.stat()
    return status.st_size, status.st_mtime_ns, status.st_ino


class CsvFileSource:
    """The rows of one CSV file on disk, in chunks (a ``RowSource``)."""

    def __init__(
        self, path: Path, options: ImportOptions | None = None, chunk_rows: int = CHUNK_ROWS
    ) -> None:
        self.path = path
        self.options = options or ImportOptions()
        self.chunk_rows = chunk_rows
        self._version = _version(path)
        self.encoding = _encoding(path, self.options.encoding)
        with self._open() as text:
            sample = text.read(_SAMPLE_CHARS)
        if not sample.strip():
            raise ValidationError.of("file", "the file is empty; export the statement again")
        self.delimiter = self.options.delimiter or detect_delimiter(sample)
        head = list(islice(self._lines(), HEAD_RECORDS))
        table = find_table(head, check_mapping(self.options.mapping))
        direction = settle_direction(table, self.options.unsigned_amounts)
        if direction.undecided and not balances_checked(table, self.options):
            raise unsigned_refusal(table, direction.candidates, balances=False)
        columns = direction.columns
        #: The top of the file, which a refusal names its columns from.
        self.table = attrs.evolve(table, columns=columns)
        self.direction = direction
        #: How many non-blank records come before the first data record.
        self.skip = len(head) - len(table.body)
        self.columns = columns
        self.reader = RowReader(
            columns,
            self._dates(columns),
            decimal_separator(self.options.decimal_separator)
            or detect_decimal(
                (
                    cells[at]
                    for _, cells in self._body()
                    for field, at in columns.index.items()
                    if _is_money(field, at, cells)
                ),
                default="," if self.delimiter == ";" else ".",
            ),
            _stated_currency(columns),
            direction.unsigned,
        )

    @property
    def currency(self) -> str | None:
        return self.reader.currency

    def _open(self) -> TextIO:
        return self.path.open(encoding=self.encoding, newline="")

    def _lines(self) -> Iterator[tuple[int, list[str]]]:
        """Every non-blank record with the line it starts on, read afresh from the file."""
        if len(self.delimiter) != 1 or self.delimiter in '"\r\n':
            raise ValidationError.of(
                "delimiter",
                f"{self.delimiter!r} cannot separate columns; use one character such as ';'",
            )
        with self._open() as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            start = 1
            try:
                for record in reader:
                    if any(cell.strip() for cell in record):
                        yield start, record
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise ValidationError.of(
                    "file",
                    f"the file is not readable as CSV ({exc}); check that it is a CSV export",
                ) from None

    def _body(self) -> Iterator[tuple[int, list[str]]]:
        """The data records, numbered from 1 as ``parse_csv`` numbers them."""
        return ((number, cells) for number, _, cells in self._numbered())

    def _numbered(self) -> Iterator[tuple[int, int, list[str]]]:
        """The data records with their number and the line each starts on."""
        records = islice(self._lines(), self.skip, None)
        return ((number, line, cells) for number, (line, cells) in enumerate(records, 1))

    def file_hash(self) -> str:
        """The SHA-256 of the file, read a block at a time."""
        return file_hash(_blocks(self.path))

    def _dates(self, columns: Columns) -> DateReader:
        first: list[str] = []

        def values() -> Iterator[str]:
            for _, cells in self._body():
                for field in ("date", "fallback_date"):
                    at = columns.index.get(field)
                    if at is not None and at < len(cells) and cells[at].strip():
                        if not first:
                            first.append(cells[at])
                        yield cells[at]
                        break

        reader = DateReader.for_values(values(), self.options.date_format)
        if first and reader.order is None and reader.pattern is None:
            raise ValidationError.of(
                "date_format",
                f"{columns.label('date')} holds no date this importer can read (the first "
                f"value is {first[0].strip()!r}); map the date column explicitly, or set "
                "date_format (e.g. '%d %b %Y')",
            )
        return reader

    def chunks(self) -> Iterator[RowChunk]:
        """The rows in chunks, then one last chunk with the file's statement.

        ``ValidationError`` after the last rows when the balances do not add up.
        """
        self._check_unchanged()
        body = self._numbered()
        follower = BalanceFollower()
        rejects = False
        while batch := list(islice(body, self.chunk_rows)):
            collector = RowCollector(NAME, self.options)
            for number, line, cells in batch:
                try:
                    row = self.reader.read(number, cells)
                    balance = self.reader.balance(cells)
                except RowError as exc:
                    collector.reject(number, str(exc))
                    continue
                if row is not None:
                    collector.add(row)
                    follower.add(
                        BalanceRow(number, line, row.date, row.amount, balance, row.pending)
                    )
            rejects = rejects or bool(collector.rejected)
            yield RowChunk(collector.rows, collector.rejected)
        # Every reading must see the same file: an import reads it twice and
        # commits only after the second reading has ended here.
        self._check_unchanged()
        statement = file_statement(
            self.table, self.direction, follower, self.options, rejects=rejects
        )
        if statement is not None:
            yield RowChunk((), (), statement)

    def _check_unchanged(self) -> None:
        if _version(self.path) != self._version:
            raise ValidationError.of(
                "file",
                f"{self.path.name} changed while it was being imported; nothing was "
                "imported: import it again once it is complete",
            )
