"""The ``qif`` importer: Quicken Interchange Format bank, cash and card registers.

Only the sections that list transactions of a cash-like account are read
(``!Type:Bank``, ``!Type:Cash``, ``!Type:CCard``, ``!Type:Oth A``,
``!Type:Oth L``); investment records, memorized entries, category, class,
account and security lists are skipped. Records are numbered from 1 across
the sections that are read. ``L`` is the category (a ``/class`` suffix is
dropped; a transfer such as ``[My Cc]`` keeps its brackets), ``S``/``E``/``$``
lines are splits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Final

import attrs

from finance_core.errors import ValidationError
from finance_core.importing import DEFAULT_CATEGORY, ImportOptions, ParsedFile, ParsedRow
from finance_import.amounts import AmountError, decimal_separator, detect_decimal, parse_amount
from finance_import.dates import DateError, DateReader
from finance_import.rows import RowCollector
from finance_import.text import decode, fuller, squash

NAME: Final = "qif"
TRANSACTION_TYPES: Final = frozenset({"bank", "cash", "ccard", "oth a", "oth l"})
_HEADER: Final = re.compile(r"!\s*(type\s*:\s*(?P<type>[^\r\n]*)|account|option|clear)", re.I)
#: ``2/14'2020`` and ``1/ 5'05``: the apostrophe marks a year from 2000 on.
_APOSTROPHE_YEAR: Final = re.compile(r"'\s*(\d{1,4})$")


@attrs.define
class _Record:
    """The lines of one ``^``-terminated record, by their one-letter codes."""

    number: int
    fields: list[tuple[str, str]] = attrs.field(factory=list)

    def first(self, code: str) -> str | None:
        """The record's own ``code`` line, not one inside a split."""
        for key, value in self.fields:
            if key == "S":
                break
            if key == code:
                return value
        return None


def _records(text: str) -> Iterator[_Record]:
    """Records of the transaction sections, in file order."""
    section: str | None = None
    number = 0
    current: _Record | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        header = _HEADER.match(stripped)
        if header:
            kind = header["type"]
            section = " ".join(kind.casefold().split()) if kind is not None else None
            current = None
            continue
        if section not in TRANSACTION_TYPES:
            continue  # comments before the first header, and sections that are not read
        if stripped == "^":
            if current is not None:
                yield current
            current = None
            continue
        if current is None:
            number += 1
            current = _Record(number)
        current.fields.append((line.lstrip()[0], line.lstrip()[1:].rstrip()))
    if current is not None:
        yield current  # a last record without its closing ^


def _qif_date(text: str) -> str:
    """QIF's own spellings to plain separated dates (``2/14'2020`` -> ``2/14/2020``)."""
    text = re.sub(r"\s+", "", text)
    match = _APOSTROPHE_YEAR.search(text)
    if match:
        year = match[1]
        year = f"20{int(year):02d}" if len(year) <= 2 else year
        text = f"{text[: match.start()]}/{year}"
    return text


class _RowError(ValueError):
    pass


def parse_qif(data: bytes, options: ImportOptions) -> ParsedFile:
    """Transactions of the file's bank, cash and credit-card sections."""
    text = decode(data, options.encoding)
    if not _HEADER.search(text):
        raise ValidationError.of(
            "file", "the file has no QIF section header (such as !Type:Bank); is it a QIF export?"
        )
    records = list(_records(text))
    dates = DateReader.for_values(
        (_qif_date(d) for r in records if (d := r.first("D"))), options.date_format
    )
    decimal = decimal_separator(options.decimal_separator) or detect_decimal(
        v for r in records for k, v in r.fields if k in "TU$"
    )
    collector = RowCollector(NAME, options)
    for record in records:
        try:
            collector.add(_row(record, dates, decimal))
        except _RowError as exc:
            collector.reject(record.number, str(exc))
    return collector.result()


def _row(record: _Record, dates: DateReader, decimal: str) -> ParsedRow:
    raw_date = record.first("D")
    if raw_date is None:
        raise _RowError("the record has no D (date) line")
    try:
        day = dates(_qif_date(raw_date))
    except DateError as exc:
        raise _RowError(f"D: {exc}") from None
    total = record.first("T") or record.first("U")
    if total is None:
        raise _RowError("the record has no T (amount) line")
    amount = _amount("T", total, decimal)
    splits = _splits(record, decimal)
    if splits and sum(a for _, a in splits) != amount:
        added = sum((a for _, a in splits), Decimal(0))
        raise _RowError(
            f"the splits add up to {added}, but the record's amount is {amount}; "
            "correct the split amounts in the file"
        )
    payee = record.first("P")
    return ParsedRow(
        row=record.number,
        date=day,
        amount=amount,
        description=fuller(payee, record.first("M")),
        merchant=squash(payee),
        category=_category(record.first("L")),
        file_id=None,
        splits=tuple(splits),
    )


def _amount(code: str, text: str, decimal: str) -> Decimal:
    try:
        return parse_amount(text, decimal)
    except AmountError as exc:
        raise _RowError(f"{code}: {exc}") from None


def _category(text: str | None) -> str | None:
    # "Bills:Cell Phone/Test class": the part after "/" is a class, not a category.
    if text is None:
        return None
    return squash(text if text.startswith("[") else text.split("/", 1)[0])


def _splits(record: _Record, decimal: str) -> list[tuple[str, Decimal]]:
    splits: list[tuple[str, Decimal]] = []
    category: str | None = None
    open_split = False
    for code, value in record.fields:
        if code == "S":
            if open_split:
                raise _RowError(f"the split {category or '(no category)'!r} has no $ amount")
            category, open_split = value, True
        elif code == "$" and open_split:
            splits.append((_category(category) or DEFAULT_CATEGORY, _amount("$", value, decimal)))
            open_split = False
    if open_split:
        raise _RowError(f"the split {category or '(no category)'!r} has no $ amount")
    return splits


def sniff_qif(data: bytes) -> bool:
    """A QIF section header (``!Type:``, ``!Account``, ``!Option``) near the top."""
    lines = decode(data[:4096]).splitlines()[:60]
    return any(_HEADER.match(line.strip()) for line in lines)
