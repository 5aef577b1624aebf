"""The ``ofx`` importer: OFX/QFX bank and credit-card statements, 1.x SGML and 2.x XML.

Each ``STMTTRN`` is a row: DTPOSTED is its date (the date part as written; the
bank's time zone is not applied, so a midnight posting keeps its day), TRNAMT
its amount, FITID its file id, NAME the merchant, and the fuller of NAME and
MEMO (a NAME is often cut at 32 characters) its description. CURDEF is the
file's currency.

Each statement (a file may hold several, one per account) states its account
(ACCTID), its period (BANKTRANLIST's DTSTART, and LEDGERBAL's DTASOF or else
DTEND) and its closing balance (LEDGERBAL); OFX states no opening balance.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Final
from xml.etree.ElementTree import Element

import attrs

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile, ParsedRow
from finance_core.statements import ParsedStatement
from finance_import.amounts import AmountError, decimal_separator, detect_decimal, parse_amount
from finance_import.ofx_markup import read_tree, text_of
from finance_import.rows import RowCollector
from finance_import.text import decode, fuller, squash

NAME: Final = "ofx"
_STATEMENTS: Final = ("STMTRS", "CCSTMTRS")
_DATE: Final = re.compile(r"(\d{4})(\d{2})(\d{2})")


class _RowError(ValueError):
    pass


def parse_ofx(data: bytes, options: ImportOptions) -> ParsedFile:
    """The transactions of every bank or credit-card statement in the file."""
    ofx = read_tree(decode(data, options.encoding))
    if ofx is None:
        raise ValidationError.of(
            "file", "the file has no <OFX> element; check that it is an OFX or QFX export"
        )
    statements = [s for s in ofx.iter() if s.tag in _STATEMENTS]
    if not statements:
        raise ValidationError.of(
            "file",
            "the OFX file holds no bank or credit-card statement (STMTRS or CCSTMTRS); "
            "investment statements cannot be imported, export the cash account instead",
        )
    currencies = {text_of(s, "CURDEF") for s in statements}
    collector = RowCollector(NAME, options)
    decimal = decimal_separator(options.decimal_separator)
    number = 0
    stated = []
    for index, statement in enumerate(statements):
        default_currency = text_of(statement, "CURDEF")
        dates = []
        for transaction in statement.iter("STMTTRN"):
            number += 1
            try:
                row = _row(number, transaction, default_currency, decimal)
            except _RowError as exc:
                collector.reject(number, str(exc))
                continue
            dates.append(row.date)
            collector.add(attrs.evolve(row, statement=index))
        stated.append(_statement(statement, dates, decimal))
    currency = currencies.pop() if len(currencies) == 1 else None
    parsed = collector.result(currency.upper() if currency else None)
    return attrs.evolve(parsed, statements=tuple(stated))


def _statement(statement: Element, dates: list[date], decimal: str | None) -> ParsedStatement:
    balance = text_of(statement, ".//LEDGERBAL/BALAMT")
    try:
        closing = _amount(balance, decimal, "LEDGERBAL/BALAMT") if balance is not None else None
    except _RowError as exc:
        raise ValidationError.of("file", str(exc)) from None
    return ParsedStatement(
        account=text_of(statement, "BANKACCTFROM/ACCTID")
        or text_of(statement, "CCACCTFROM/ACCTID"),
        period_start=_day(text_of(statement, "BANKTRANLIST/DTSTART")) or min(dates, default=None),
        period_end=_day(text_of(statement, ".//LEDGERBAL/DTASOF"))
        or _day(text_of(statement, "BANKTRANLIST/DTEND"))
        or max(dates, default=None),
        closing_balance=closing,
    )


def _day(text: str | None) -> date | None:
    """The date of an optional OFX date-time; None when missing or unreadable."""
    try:
        return _posted(text) if text else None
    except _RowError:
        return None


def _row(number: int, transaction: Element, currency: str | None, decimal: str | None) -> ParsedRow:
    name = text_of(transaction, "NAME") or text_of(transaction, "PAYEE/NAME")
    row_currency = text_of(transaction, "CURRENCY/CURSYM") or currency
    return ParsedRow(
        row=number,
        date=_posted(text_of(transaction, "DTPOSTED")),
        amount=_amount(text_of(transaction, "TRNAMT"), decimal),
        description=fuller(name, text_of(transaction, "MEMO")),
        merchant=squash(name),
        file_id=text_of(transaction, "FITID"),
        currency=row_currency.upper() if row_currency else None,
    )


def _posted(text: str | None) -> date:
    if text is None:
        raise _RowError("DTPOSTED is missing; every OFX transaction needs a posting date")
    match = _DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _RowError(f"DTPOSTED {text!r} is not an OFX date (YYYYMMDD...)") from None


def _amount(text: str | None, decimal: str | None, name: str = "TRNAMT") -> Decimal:
    if text is None:
        raise _RowError(f"{name} is missing; every OFX transaction needs an amount")
    if decimal is None:
        # OFX allows either mark as the decimal separator and has no grouping,
        # so a lone comma is a decimal comma.
        decimal = "," if "," in text and "." not in text else detect_decimal([text])
    try:
        return parse_amount(text, decimal)
    except AmountError as exc:
        raise _RowError(f"{name}: {exc}") from None


def sniff_ofx(data: bytes) -> bool:
    """An OFX header or an ``<OFX>`` element near the top."""
    head = decode(data[:4096]).upper()
    return "OFXHEADER" in head or re.search(r"<\s*OFX[\s>]", head) is not None
