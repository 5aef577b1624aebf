"""Splitting CSV text into records: which separator the file uses."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Final

from finance_core.errors import ValidationError
from finance_import.csv_columns import header_hits

#: Separators tried when the caller names none, in order of preference on a tie.
DELIMITERS: Final = (",", ";", "\t", "|")
#: How much of the file decides the separator: enough for any preamble.
_SAMPLE_CHARS: Final = 64 * 1024


def _check(delimiter: str) -> None:
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValidationError.of(
            "delimiter", f"{delimiter!r} cannot separate columns; use one character such as ';'"
        )


def _unreadable(exc: csv.Error) -> ValidationError:
    return ValidationError.of(
        "file", f"the file is not readable as CSV ({exc}); check that it is a CSV export"
    )


def read_records(text: str, delimiter: str) -> list[list[str]]:
    """Every record of the file, blank ones as empty lists (quoted newlines stay inside)."""
    _check(delimiter)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _unreadable(exc) from None


def read_lines(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """The non-blank records, each with the file line it starts on (from 1)."""
    _check(delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found = []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                found.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _unreadable(exc) from None
    return found


def _shape(text: str, delimiter: str) -> tuple[int, int, int]:
    """How well ``delimiter`` splits ``text``, best first when compared.

    First the most known column names on one line (a recognised header is the
    strongest sign), then how many records share the most common width, then
    that width; a split that never yields two columns scores nothing.
    """
    try:
        records = read_records(text, delimiter)
    except ValidationError:
        return (0, 0, 0)
    widths = Counter(len(r) for r in records if any(c.strip() for c in r))
    if not widths:
        return (0, 0, 0)
    width, count = widths.most_common(1)[0]
    if width < 2:
        return (0, 0, 0)
    return (header_hits(records), count, width)


def detect_delimiter(text: str) -> str:
    """The separator that names known columns or splits the most lines alike."""
    sample = text[:_SAMPLE_CHARS]
    best = max(DELIMITERS, key=lambda d: _shape(sample, d))
    if _shape(sample, best) == (0, 0, 0):
        raise ValidationError.of(
            "delimiter",
            "no separator (comma, semicolon, tab or |) splits the lines into columns; "
            "set delimiter to the character between the file's columns",
        )
    return best
