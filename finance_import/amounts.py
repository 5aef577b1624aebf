"""Amounts as banks write them: signs in front or behind, decimal commas, grouping.

Every amount is read from its text into a ``Decimal``; nothing passes through
a float. A text that does not fit the file's decimal separator is refused
rather than guessed, because reading ``12,34`` as 1234 is a silent 100x error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from finance_core.errors import ValidationError

#: Characters that only decorate an amount: spaces used for digit grouping
#: (French exports use no-break spaces) and the common currency symbols.
_DECORATION: Final = re.compile(r"[\s\u00a0\u202f\u2009$€£]")
#: Swiss exports group thousands with an apostrophe whatever the decimal mark.
_APOSTROPHES: Final = "'\u2019"


class AmountError(ValueError):
    """A text that is not an amount; the message says what was expected."""


def decimal_separator(value: str | None) -> str | None:
    """The caller's ``decimal_separator`` option, checked."""
    if value is None or value in (".", ","):
        return value
    raise ValidationError.of(
        "decimal_separator", f"{value!r} is not a decimal separator; use '.' or ','"
    )


def detect_decimal(values: Iterable[str], default: str = ".") -> str:
    """Which of ``.`` and ``,`` is the decimal separator in a column of amounts.

    Only unambiguous values vote: ``1.234,56`` and ``-10,7`` say comma,
    ``1,234.56`` and ``7498.1`` say point; ``1,500`` says nothing. Without any
    vote the ``default`` holds (a comma for semicolon-separated files).
    """
    comma = point = 0
    for value in values:
        vote = _vote(_DECORATION.sub("", value).strip("+-()"))
        if vote == ",":
            comma += 1
        elif vote == ".":
            point += 1
    if comma == point:
        return default
    return "," if comma > point else "."


def _vote(text: str) -> str | None:
    dot, comma = text.rfind("."), text.rfind(",")
    if dot >= 0 and comma >= 0:
        return "." if dot > comma else ","
    for mark, other in ((".", ","), (",", ".")):
        if mark in text:
            if text.count(mark) > 1:
                return other  # only a grouping mark repeats
            return None if len(text) - text.find(mark) - 1 == 3 else mark
    return None


def parse_amount(text: str, decimal: str) -> Decimal:
    """``'-1.001,00'`` with ``','`` -> ``Decimal('-1001.00')``; ``'9,90-'`` -> -9.90.

    A sign may stand in front or behind, or the amount may be in parentheses
    (accountants' negative); thousands are grouped in threes.
    """
    body = _DECORATION.sub("", text)
    if not body:
        raise AmountError("the amount is empty")
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    signs = [c for c in (body[:1], body[-1:]) if c in "+-"]
    if len(signs) > 1 or (signs and negative):
        raise AmountError(f"{text.strip()!r} has more than one sign")
    if signs:
        negative = signs[0] == "-"
        body = body[1:] if body[0] in "+-" else body[:-1]
    match = _pattern(decimal).fullmatch(body)
    if match is None or not (match["int"] or match["frac"]):
        example, other = ("1.234,56", ",") if decimal == "." else ("1,234.56", ".")
        raise AmountError(
            f"{text.strip()!r} is not an amount with {decimal!r} as the decimal separator; "
            f"if the file writes amounts like {example}, set decimal_separator={other!r}"
        )
    digits = re.sub(r"\D", "", match["int"] or "0")
    result = Decimal(f"{digits}.{match['frac']}" if match["frac"] is not None else digits)
    return as_debit(result) if negative else result


def as_debit(value: Decimal) -> Decimal:
    """Money out: minus the magnitude (``0`` stays ``0``, never ``-0``)."""
    return Decimal(0) - abs(value)


@functools.cache
def _pattern(decimal: str) -> re.Pattern[str]:
    group = re.escape(("," if decimal == "." else ".") + _APOSTROPHES)
    return re.compile(
        rf"(?P<int>\d{{1,3}}(?:[{group}]\d{{3}})+|\d*)(?:{re.escape(decimal)}(?P<frac>\d+))?"
    )
