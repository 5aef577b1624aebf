"""Where a CSV file's data starts and which column holds what.

The header is the first line naming known columns (after any bank preamble).
A file without one is matched against the known headerless layouts; failing
that, its columns are found from their values (``csv_detect``), and a first
line with no date where every other line has one is taken as a header of
unknown names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import attrs

from finance_core.errors import ValidationError
from finance_import.csv_columns import Columns, detect, find_header, resolve
from finance_import.csv_detect import complete, is_amount_column, is_date_column
from finance_import.csv_layouts import recognise
from finance_import.dates import readings

#: (line the record starts on, cells)
Lines = Sequence[tuple[int, list[str]]]


@attrs.frozen
class Table:
    """The columns, and the data records numbered from 1 with the line each starts on."""

    columns: Columns
    body: list[tuple[int, list[str]]]
    lines: dict[int, int]
    width: int


def _numbered(lines: Lines) -> tuple[list[tuple[int, list[str]]], dict[int, int]]:
    body = [(number, cells) for number, (_, cells) in enumerate(lines, 1)]
    return body, {number: line for number, (line, _) in enumerate(lines, 1)}


def find_table(lines: Lines, mapping: Mapping[str, str | int]) -> Table:
    records = [cells for _, cells in lines]
    named = [c for c in mapping.values() if isinstance(c, str)]
    at = find_header(records, named)
    if at is not None:
        return _with_header(lines[at][1], lines[at + 1 :], mapping)
    if named:
        raise ValidationError.of(
            "mapping",
            f"the mapping names the columns {', '.join(map(repr, named))}, but no line near "
            f"the top of the file holds all of them (the first reads {_first(records)}); "
            "check the spelling, or map by 0-based index if the file has no header row",
        )
    data = _without_preamble(lines)
    if _unnamed_header([cells for _, cells in data]):
        return _with_header(data[0][1], data[1:], mapping)
    body, numbers = _numbered(data)
    width = max((len(r) for _, r in body), default=0)
    layout = recognise([r for _, r in body])
    if layout is not None:
        found: dict[str, int] = dict(layout.columns)
    else:
        found = complete({}, mapping, None, body, width)
        if not mapping and not ({"date", "amount"} <= found.keys()):
            raise ValidationError.of(
                "mapping",
                "found no header row naming known columns (such as Date, Amount, Debit, "
                "Credit, Description, Buchungstag, Betrag, Soll, Haben, Montant) and no "
                "column holds only dates and another only amounts; the first line reads "
                f"{_first(records)}. Map the columns by name (if a line is the header) or by "
                "0-based index, e.g. mapping={'date': 0, 'amount': 2, 'description': 1}",
            )
    return Table(resolve(found, mapping, None, width), body, numbers, width)


def _with_header(header: list[str], data: Lines, mapping: Mapping[str, str | int]) -> Table:
    body, numbers = _numbered(data)
    width = max(len(r) for r in [header, *(cells for _, cells in body)])
    found = complete(detect(header), mapping, header, body, width)
    return Table(resolve(found, mapping, header, width), body, numbers, width)


def _first(records: Sequence[list[str]]) -> str:
    return ", ".join(repr(c.strip()) for c in records[0]) if records else "nothing"


def _without_preamble(lines: Lines) -> Lines:
    """Drops leading lines narrower or wider than the data (account number, period...)."""
    if not lines:
        return lines
    width = Counter(len(r) for _, r in lines).most_common(1)[0][0]
    start = next(i for i, (_, r) in enumerate(lines) if len(r) == width)
    return lines[start:]


def _unnamed_header(records: Sequence[list[str]]) -> bool:
    """A first line without dates or amounts above lines with a date column: a header."""
    if len(records) < 2 or any(readings(c) for c in records[0]):
        return False
    rest = records[1:]
    width = max(len(r) for r in rest)
    columns = [[r[i].strip() for r in rest if i < len(r) and r[i].strip()] for i in range(width)]
    if any(is_amount_column([c.strip()]) for c in records[0] if c.strip()):
        return False
    return any(is_date_column(values) for values in columns)
