"""Finding CSV columns from their values when no header name gives them away.

A column whose every value is a date in one consistent format can be the
date; one whose every value reads as an amount (and some look like money:
cents or a sign) can be the amount; one whose values are a debit/credit marker
pair can be the direction. When exactly one column fits, it is taken; when
several fit equally, the file is refused with the candidates named, because a
guess could book money on the wrong day or in the wrong direction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from finance_core.errors import ValidationError
from finance_import.amounts import AmountError, detect_decimal, parse_amount
from finance_import.csv_columns import MONEY_FIELDS, normalise
from finance_import.csv_vocabulary import ALIASES
from finance_import.dates import readings
from finance_import.markers import is_marker_column

Body = Sequence[tuple[int, list[str]]]

#: Looks like money rather than a count or an account number: cents, or a sign.
_MONEY_LIKE: Final = re.compile(r"^[-+(]|[.,]\d{1,2}\)?-?$|-$")
_DIGITS: Final = re.compile(r"\d")
#: Header stems of value dates, and of booking dates, in the supported languages.
_VALUE_STEMS: Final = ("valu", "wert", "rente", "started")
_BOOKING_STEMS: Final = ("buch", "book", "boek", "post", "compt", "contab", "lanc", "regist")


def column_values(body: Body, at: int) -> list[str]:
    """The non-blank values of column ``at``."""
    return [r[at].strip() for _, r in body if at < len(r) and r[at].strip()]


def is_date_column(values: Sequence[str]) -> bool:
    """Every value is a date in one format: the same separators, one day/month order."""
    if not values or len({_DIGITS.sub("", v.split()[0]) for v in values}) > 1:
        return False
    orders = set(readings(values[0]))
    for value in values[1:]:
        orders &= set(readings(value))
        if not orders:
            return False
    return bool(orders)


def is_amount_column(values: Sequence[str]) -> bool:
    """Every value reads as an amount and at least one looks like money."""
    if not values or not any(_MONEY_LIKE.search(v) for v in values):
        return False
    decimal = detect_decimal(values)
    try:
        for value in values:
            parse_amount(value, decimal)
    except AmountError:
        return False
    return not is_date_column(values)


def label(header: Sequence[str] | None, at: int) -> str:
    if header is not None and at < len(header) and header[at].strip():
        return f"column {at} ({header[at].strip()!r})"
    return f"column {at}"


def _refuse(field: str, candidates: Sequence[int], header: Sequence[str] | None) -> None:
    named = ", ".join(label(header, at) for at in candidates)
    example = (
        repr(header[candidates[0]].strip())
        if header is not None and candidates[0] < len(header)
        else str(candidates[0])
    )
    raise ValidationError.of(
        "mapping",
        f"could not tell which column holds the {field}: {named} could each be it; "
        f"name it with the mapping option, e.g. mapping={{{field!r}: {example}}}",
    )


def _stem(header: Sequence[str] | None, at: int, stems: Sequence[str]) -> bool:
    name = normalise(header[at]) if header is not None and at < len(header) else ""
    return any(stem in name for stem in stems)


def _pick_date(candidates: list[int], header: Sequence[str] | None) -> list[int]:
    """Booking dates before value dates, when the header names give a hint."""
    booked = [at for at in candidates if not _stem(header, at, _VALUE_STEMS)]
    if len(booked) > 1:
        booked = [at for at in booked if _stem(header, at, _BOOKING_STEMS)] or booked
    return booked or candidates


def _value_date_alias(header: Sequence[str] | None, at: int) -> bool:
    if header is None or at >= len(header):
        return False
    return normalise(header[at]) in ALIASES["fallback_date"]


def complete(
    found: Mapping[str, int],
    mapping: Mapping[str, str | int],
    header: Sequence[str] | None,
    body: Body,
    width: int,
) -> dict[str, int]:
    """``found`` plus the date and amount columns the values give away.

    Only fields that neither a header name nor the caller's mapping supplies
    are looked for; the caller's mapping is applied afterwards and wins.
    """
    index = dict(found)
    taken = set(index.values()) | {c for c in mapping.values() if isinstance(c, int)}
    if header is not None:
        names = [normalise(c) for c in header]
        taken |= {names.index(normalise(c)) for c in mapping.values() if isinstance(c, str)}
    free = [at for at in range(width) if at not in taken]
    dates = [at for at in free if is_date_column(column_values(body, at))]
    if "date" not in index and "date" not in mapping:
        picked = _pick_date(dates, header)
        if len(picked) > 1:
            _refuse("date", picked, header)
        if picked:
            index["date"] = picked[0]
            free.remove(picked[0])
    elif (
        "date" in index
        and "date" not in mapping
        and _value_date_alias(header, index["date"])
        and len(_pick_date(dates, header)) == 1
    ):
        # The header named only the value date; an unnamed date column is the booking date.
        index["fallback_date"] = index["date"]
        index["date"] = _pick_date(dates, header)[0]
        free.remove(index["date"])
    if not any(f in index or f in mapping for f in MONEY_FIELDS):
        amounts = [at for at in free if is_amount_column(column_values(body, at))]
        if len(amounts) > 1:
            _refuse("amount", amounts, header)
        if amounts:
            index["amount"] = amounts[0]
    return index


def marker_columns(index: Mapping[str, int], body: Body, width: int) -> list[int]:
    """Columns no field holds whose values are a debit/credit marker pair."""
    taken = set(index.values())
    return [
        at for at in range(width) if at not in taken and is_marker_column(column_values(body, at))
    ]
