"""Debit/credit markers: the words and signs banks put beside an unsigned amount.

A direction column holds one marker pair (``D``/``C``, ``Soll``/``Haben``,
``Af``/``Bij`` ...). Markers are compared as ``spelling`` leaves them, so case,
accents, dots and padding do not matter.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Final, Literal

#: (money out, money in) spellings of one pair; every pair a bank might use.
PAIRS: Final[tuple[tuple[frozenset[str], frozenset[str]], ...]] = tuple(
    (frozenset(out.split()), frozenset(into.split()))
    for out, into in (
        ("d", "c"),
        ("dr", "cr"),
        ("debit dbit", "credit crdt"),
        ("s", "h"),
        ("soll", "haben"),
        ("af", "bij"),
        ("debet", "credit"),
        ("-", "+"),
        ("lastschrift belastung", "gutschrift"),
        ("cargo", "abono"),
        ("addebito dare", "accredito avere"),
        ("debito", "credito"),
        ("out", "in"),
        ("withdrawal", "deposit"),
    )
)
DEBITS: Final = frozenset().union(*(out for out, _ in PAIRS))
CREDITS: Final = frozenset().union(*(into for _, into in PAIRS))

Direction = Literal[-1, 1]


def spelling(text: str) -> str:
    """``' Débit. '`` -> ``'debit'``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold().strip().rstrip(".").strip()


def direction(text: str) -> Direction | None:
    """-1 for a debit marker, 1 for a credit marker, None for anything else."""
    word = spelling(text)
    if word in DEBITS:
        return -1
    if word in CREDITS:
        return 1
    return None


def is_marker_column(values: Iterable[str]) -> bool:
    """Whether every non-blank value belongs to one marker pair (and there is one)."""
    words = {spelling(v) for v in values} - {""}
    return bool(words) and any(words <= out | into for out, into in PAIRS)
