"""The ``camt053`` importer: ISO 20022 bank-to-customer statements (camt.053.001.xx).

One row per ``Ntry``: CdtDbtInd gives the sign, BookgDt (or ValDt when there
is no booking date) the date as written (a time-zone suffix is dropped),
``Amt`` and its ``Ccy`` the amount and currency, AcctSvcrRef (or NtryRef) the
file id, and AddtlNtryInf with the remittance lines (``RmtInf/Ustrd``) the
description. Entries whose status is not BOOK (pending, information only) are
pending rows. Elements are matched by local name, so every schema version
(001.02 to 001.08 and later) reads the same way.

Each ``Stmt`` states its account (IBAN, or another id), its period (FrToDt,
else the balances' and entries' dates) and its opening (OPBD, or PRCD) and
closing (CLBD) booked balances; a file may hold statements of several accounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Final
from xml.etree.ElementTree import Element, ParseError, fromstring

import attrs

from finance_core.errors import ValidationError
from finance_core.importing import ImportOptions, ParsedFile, ParsedRow
from finance_core.statements import ParsedStatement
from finance_import.amounts import AmountError, as_debit, parse_amount
from finance_import.rows import RowCollector
from finance_import.text import decode, fuller, squash

NAME: Final = "camt053"
_NAMESPACE: Final = re.compile(r"camt\.053\.001\.\d+")
_DATE: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SIGNS: Final = {"CRDT": 1, "DBIT": -1}


class _RowError(ValueError):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == name)


def _find(element: Element, path: str) -> Element | None:
    """The first element along ``path`` (local names separated by ``/``)."""
    found: Element | None = element
    for name in path.split("/"):
        if found is None:
            return None
        found = next(_children(found, name), None)
    return found


def _text(element: Element, *paths: str) -> str | None:
    """Stripped text of the first of ``paths`` that holds any."""
    for path in paths:
        found = _find(element, path)
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return None


def _document(data: bytes) -> Element:
    # Statements never need a DTD; refusing one rules out entity tricks.
    if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise ValidationError.of(
            "file", "the XML declares a DTD or entities, which a camt.053 statement never does"
        )
    try:
        root = fromstring(data)
    except ParseError as exc:
        raise ValidationError.of(
            "file", f"the file is not well-formed XML ({exc}); check that it is a camt.053 export"
        ) from None
    statement = _find(root, "BkToCstmrStmt")
    if statement is None:
        raise ValidationError.of(
            "file",
            f"the XML is not a camt.053 bank statement (its root is {_local(root.tag)!r} in "
            f"{root.tag.partition('}')[0].lstrip('{') or 'no namespace'}); "
            "camt.052 and camt.054 notifications are not statements",
        )
    return statement


def parse_camt053(data: bytes, options: ImportOptions) -> ParsedFile:
    """One row per statement entry, numbered in file order from 1."""
    statements = list(_children(_document(data), "Stmt"))
    collector = RowCollector(NAME, options)
    number = 0
    stated = []
    for index, statement in enumerate(statements):
        dates = []
        for entry in _children(statement, "Ntry"):
            number += 1
            try:
                row = _row(number, entry)
            except _RowError as exc:
                collector.reject(number, str(exc))
                continue
            if not row.pending:
                dates.append(row.date)
            collector.add(attrs.evolve(row, statement=index))
        stated.append(_statement(statement, dates))
    currencies = {_text(s, "Acct/Ccy") for s in statements} - {None}
    parsed = collector.result(currencies.pop() if len(currencies) == 1 else None)
    return attrs.evolve(parsed, statements=tuple(stated))


def _balances(statement: Element) -> dict[str, tuple[Decimal, date | None]]:
    """Booked balances by type code (OPBD, PRCD, CLBD ...): amount and date."""
    found: dict[str, tuple[Decimal, date | None]] = {}
    for balance in _children(statement, "Bal"):
        code = _text(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        amount = _text(balance, "Amt")
        if code is None or amount is None or code in found:
            continue
        try:
            value = abs(parse_amount(amount, "."))
        except AmountError as exc:
            raise ValidationError.of("file", f"balance {code} Amt: {exc}") from None
        if _text(balance, "CdtDbtInd") == "DBIT":
            value = as_debit(value)
        found[code] = (value, _day(_text(balance, "Dt/Dt", "Dt/DtTm")))
    return found


def _statement(statement: Element, dates: list[date]) -> ParsedStatement:
    balances = _balances(statement)
    opening = balances.get("OPBD") or balances.get("PRCD")
    closing = balances.get("CLBD")
    start = _day(_text(statement, "FrToDt/FrDtTm"))
    end = _day(_text(statement, "FrToDt/ToDtTm"))
    return ParsedStatement(
        account=_text(statement, "Acct/Id/IBAN", "Acct/Id/Othr/Id"),
        period_start=start or min(dates, default=None),
        period_end=(closing[1] if closing else None) or end or max(dates, default=None),
        opening_balance=opening[0] if opening else None,
        closing_balance=closing[0] if closing else None,
    )


def _day(text: str | None) -> date | None:
    match = _DATE.match(text or "")
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _row(number: int, entry: Element) -> ParsedRow:
    sign = _SIGNS.get(_text(entry, "CdtDbtInd") or "")
    if sign is None:
        raise _RowError("CdtDbtInd is missing or not CRDT/DBIT, so the direction is unknown")
    amount_element = _find(entry, "Amt")
    if amount_element is None or not (amount_element.text or "").strip():
        raise _RowError("the entry has no Amt")
    try:
        amount = abs(parse_amount(amount_element.text or "", "."))
    except AmountError as exc:
        raise _RowError(f"Amt: {exc}") from None
    if sign < 0:
        amount = as_debit(amount)
    status = _text(entry, "Sts/Cd", "Sts") or "BOOK"
    remittance = " ".join(
        u.text.strip()
        for u in entry.iter()
        if _local(u.tag) == "Ustrd" and u.text and u.text.strip()
    )
    party = "Cdtr" if sign < 0 else "Dbtr"
    merchant = _text(
        entry,
        f"NtryDtls/TxDtls/RltdPties/{party}/Nm",
        f"NtryDtls/TxDtls/RltdPties/{party}/Pty/Nm",
    )
    currency = amount_element.get("Ccy")
    return ParsedRow(
        row=number,
        date=_date(entry),
        amount=amount,
        description=fuller(_text(entry, "AddtlNtryInf"), remittance or None),
        merchant=squash(merchant),
        file_id=_text(entry, "AcctSvcrRef", "NtryRef"),
        currency=currency.strip().upper() if currency else None,
        pending=status.upper() != "BOOK",
    )


def _date(entry: Element) -> date:
    text = _text(entry, "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm")
    if text is None:
        raise _RowError("the entry has neither a booking date (BookgDt) nor a value date")
    match = _DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _RowError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def sniff_camt053(data: bytes) -> bool:
    """XML naming a camt.053 namespace or a ``BkToCstmrStmt`` element near the top."""
    head = decode(data[:4096])
    return head.lstrip().startswith("<") and (
        _NAMESPACE.search(head) is not None or "BkToCstmrStmt" in head
    )
