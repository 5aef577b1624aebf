"""Dates as banks write them, and which day/month order a whole file uses.

A single ``03/04/2024`` cannot say whether it is March or April; a file
usually can, because somewhere a day above 12 gives the order away. So the
order is decided once per file from every value, and a file that never gives
it away is an error that asks for ``date_format`` instead of a guess.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Final, Literal

import attrs

from finance_core.errors import ValidationError

Order = Literal["YMD", "DMY", "MDY"]

#: Day, month and year in any order, with ``.``, ``/`` or ``-`` between them,
#: optionally followed by a time (``2022-01-02 12:16:54``, ``...T10:00``).
_SEPARATED: Final = re.compile(r"(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})(?:[ T].*)?")
_COMPACT: Final = re.compile(r"(\d{4})(\d{2})(\d{2})(?:[ T].*)?")
_TOKENS: Final = re.compile(r"YYYY|YY|MM|DD|M|D")
_TOKEN_CODES: Final = {"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d", "M": "%m", "D": "%d"}
_SHOWN: Final[dict[Order, str]] = {"YMD": "YYYY-MM-DD", "DMY": "DD.MM.YYYY", "MDY": "MM/DD/YYYY"}
#: Two-digit years below this are 20xx, the rest 19xx (as ``strptime``'s %y does).
_PIVOT: Final = 69


class DateError(ValueError):
    """A text that is not a date in the file's format; the message says why."""


def strptime_format(date_format: str) -> str:
    """The caller's ``date_format``: a ``strptime`` pattern or ``DD.MM.YYYY`` style."""
    if "%" in date_format:
        return date_format
    converted = _TOKENS.sub(lambda m: _TOKEN_CODES[m.group()], date_format)
    if "%" not in converted:
        raise ValidationError.of(
            "date_format",
            f"{date_format!r} is not a date format; write it like '%d.%m.%Y' or 'DD.MM.YYYY'",
        )
    return converted


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        year += 2000 if year < _PIVOT else 1900
    return year


# Statements repeat the same few dates on many rows; each text is read once.
@functools.lru_cache(maxsize=4096)
def readings(text: str) -> Mapping[Order, date]:
    """Every order in which ``text`` is a real calendar date, and that date."""
    text = text.strip()
    found: dict[Order, date] = {}
    compact = _COMPACT.fullmatch(text)
    if compact:
        _add(found, "YMD", int(compact[1]), int(compact[2]), int(compact[3]))
        return found
    match = _SEPARATED.fullmatch(text)
    if match is None:
        return found
    first, sep, second, third = match.groups()
    if len(first) == 4:
        _add(found, "YMD", int(first), int(second), int(third))
    elif len(third) in (2, 4):
        year = _year(third)
        _add(found, "DMY", year, int(second), int(first))
        # Nobody writes month-first dates with dots.
        if sep != ".":
            _add(found, "MDY", year, int(first), int(second))
    return found


def _add(found: dict[Order, date], order: Order, year: int, month: int, day: int) -> None:
    try:
        found[order] = date(year, month, day)
    except ValueError:
        return


@attrs.frozen
class DateReader:
    """Reads one file's dates: in a detected order, or with the caller's format."""

    order: Order | None = None
    pattern: str | None = None

    @classmethod
    def for_values(cls, values: Iterable[str], date_format: str | None) -> DateReader:
        """Decide the order from all of a file's date texts (or take ``date_format``).

        The order that reads the most values wins; values it cannot read
        become rejected rows later. A tie means the file never says.
        """
        if date_format:
            return cls(pattern=strptime_format(date_format))
        votes: Counter[Order] = Counter()
        example: dict[Order, str] = {}
        for value in values:
            for order in readings(value):
                votes[order] += 1
                example.setdefault(order, value.strip())
        if not votes:
            return cls()
        best = max(votes.values())
        winners = sorted(o for o, n in votes.items() if n == best)
        if len(winners) > 1:
            sample = example[winners[0]]
            raise ValidationError.of(
                "date_format",
                f"dates like {sample!r} could be day-first or month-first and no row "
                "decides it; pass date_format='%d/%m/%Y' (day first) or "
                "date_format='%m/%d/%Y' (month first), matching the file's separators",
            )
        return cls(order=winners[0])

    def describe(self) -> str:
        if self.pattern is not None:
            return self.pattern
        return _SHOWN[self.order] if self.order else "a recognised date format"

    def __call__(self, text: str) -> date:
        text = text.strip()
        if not text:
            raise DateError("the date is empty")
        if self.pattern is not None:
            return self._with_pattern(text, self.pattern)
        found = readings(text)
        if self.order is not None and self.order in found:
            return found[self.order]
        raise DateError(f"{text!r} is not a date in the file's format ({self.describe()})")

    @staticmethod
    def _with_pattern(text: str, pattern: str) -> date:
        # Timestamps are common in date columns; the date part is what counts.
        for candidate in (text, re.split(r"[ T]", text, maxsplit=1)[0]):
            try:
                return datetime.strptime(candidate, pattern).date()
            except ValueError:
                continue
        raise DateError(f"{text!r} does not match date_format {pattern!r}")
