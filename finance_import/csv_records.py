"""Splitting CSV text into records: which separator, and numbered non-blank rows."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Final

from finance_core.errors import ValidationError

#: Separators tried when the caller names none, in order of preference on a tie.
DELIMITERS: Final = (",", ";", "\t", "|")
#: How much of the file decides the separator: enough for any preamble.
_SAMPLE_CHARS: Final = 64 * 1024


def read_records(text: str, delimiter: str) -> list[list[str]]:
    """Every record of the file, blank ones as empty lists (quoted newlines stay inside)."""
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValidationError.of(
            "delimiter", f"{delimiter!r} cannot separate columns; use one character such as ';'"
        )
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ValidationError.of(
            "file", f"the file is not readable as CSV ({exc}); check that it is a CSV export"
        ) from None


def _shape(text: str, delimiter: str) -> tuple[int, int]:
    """How many records share the most common width, and that width (1 means no split)."""
    try:
        records = read_records(text, delimiter)
    except ValidationError:
        return (0, 0)
    widths = Counter(len(_trimmed(r)) for r in records if any(c.strip() for c in r))
    if not widths:
        return (0, 0)
    width, count = widths.most_common(1)[0]
    return (count, width) if width > 1 else (0, 0)


def _trimmed(record: list[str]) -> list[str]:
    # Some exports end every line with a separator (an empty last column).
    end = len(record)
    while end and not record[end - 1].strip():
        end -= 1
    return record[:end]


def detect_delimiter(text: str) -> str:
    """The separator that splits the most records into the same number of columns."""
    sample = text[:_SAMPLE_CHARS]
    best = max(DELIMITERS, key=lambda d: _shape(sample, d))
    if _shape(sample, best) == (0, 0):
        raise ValidationError.of(
            "delimiter",
            "no separator (comma, semicolon, tab or |) splits the lines into columns; "
            "set delimiter to the character between the file's columns",
        )
    return best


def numbered(records: list[list[str]]) -> list[tuple[int, list[str]]]:
    """Non-blank records numbered from 1 in file order."""
    rows = [r for r in records if any(cell.strip() for cell in r)]
    return list(enumerate(rows, 1))
