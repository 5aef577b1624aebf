"""CSV exports without a header row whose layout is recognised from the data.

Such a file cannot name its columns, so each known layout says how to tell it
apart (by what every row looks like) and which column holds what.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import attrs

from finance_import.dates import readings

_IBAN: Final = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}")
_SIGNED: Final = re.compile(r"[+-]\d[\d.]*,\d{2}")
_CURRENCY: Final = re.compile(r"[A-Z]{3}")


@attrs.frozen
class HeaderlessLayout:
    """A named layout: ``matches`` looks at every row, ``columns`` maps fields to indexes."""

    name: str
    matches: Callable[[Sequence[list[str]]], bool]
    columns: Mapping[str, int]


def _easybank(rows: Sequence[list[str]]) -> bool:
    # IBAN; padded text; booking date; value date; +/- amount with decimal comma; currency
    return bool(rows) and all(
        len(r) == 6
        and _IBAN.fullmatch(r[0].strip()) is not None
        and "DMY" in readings(r[2])
        and "DMY" in readings(r[3])
        and _SIGNED.fullmatch(r[4].strip()) is not None
        and _CURRENCY.fullmatch(r[5].strip()) is not None
        for r in rows
    )


LAYOUTS: Final = (
    HeaderlessLayout(
        "easybank (Austria)",
        _easybank,
        {"date": 2, "fallback_date": 3, "description": 1, "amount": 4, "currency": 5},
    ),
)


def recognise(rows: Sequence[list[str]]) -> HeaderlessLayout | None:
    """The known layout every row fits, if any."""
    for layout in LAYOUTS:
        if layout.matches(rows):
            return layout
    return None
