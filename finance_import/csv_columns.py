"""Which CSV column holds what: header names in several languages, or a mapping.

Logical fields (keys of ``ImportOptions.mapping``):

``date``           booking date (required)
``fallback_date``  used when ``date`` is empty (Revolut's Started Date for pending rows)
``amount``         signed amount; or instead ``debit`` (money out) and ``credit`` (money in)
``sign``           DEBIT/CREDIT or Soll/Haben next to an unsigned amount
``fee``            charged on top of the amount (subtracted)
``description``, ``merchant``, ``category``, ``id`` (the file's transaction id),
``currency``, ``status`` (``PENDING`` rows are pending; declined ones are left out)
``balance``        the running balance after the row (checked, and it states the statement's
                   opening and closing balances)

Header names are in ``csv_vocabulary``; columns no name gives away are found
from their values (``csv_detect``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Final

import attrs

from finance_core.errors import ValidationError
from finance_import.csv_vocabulary import ALIASES

FIELDS: Final = tuple(ALIASES)
#: Fields that decide the amount; a row needs ``amount`` or ``debit``/``credit``.
MONEY_FIELDS: Final = ("amount", "debit", "credit")
#: A header is the first record naming at least this many known columns.
_HEADER_HITS: Final = 2
#: How far into the file a header is looked for (bank preambles are short).
_HEADER_SEARCH: Final = 30
_KNOWN: Final = {alias: field for field, names in ALIASES.items() for alias in names}
_PARENTHESES: Final = re.compile(r"\(([^)]*)\)")


def normalise(name: str) -> str:
    """Header spelling that survives case, accents, padding and ``(EUR)`` suffixes."""
    text = _PARENTHESES.sub(" ", name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().replace("\ufeff", "").split()).strip(" :#")


def header_currency(name: str) -> str | None:
    """``Betrag (EUR)`` states the currency of its column."""
    for inside in _PARENTHESES.findall(name):
        code = str(inside).strip().upper()
        if re.fullmatch(r"[A-Z]{3}", code):
            return code
    return None


@attrs.frozen
class Columns:
    """Field -> 0-based column index, with the header names when the file has them."""

    index: Mapping[str, int]
    header: tuple[str, ...] | None = None

    def label(self, field: str) -> str:
        """How an error names the column of ``field``: its header, else its position."""
        at = self.index[field]
        if self.header is not None and at < len(self.header) and self.header[at].strip():
            return f"column {self.header[at].strip()!r}"
        return f"column {at}"


def check_mapping(mapping: Mapping[str, str | int] | None) -> dict[str, str | int]:
    """The caller's mapping with its field names checked."""
    if not mapping:
        return {}
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ValidationError.of(
            "mapping",
            f"unknown field(s) {', '.join(map(repr, unknown))}; "
            f"mapping keys are: {', '.join(FIELDS)}",
        )
    for field, column in mapping.items():
        if isinstance(column, bool) or not isinstance(column, (str, int)) or column == "":
            raise ValidationError.of(
                "mapping", f"{field!r} must map to a column name or a 0-based index"
            )
        if isinstance(column, int) and column < 0:
            raise ValidationError.of(
                "mapping", f"{field!r} maps to {column}; column indexes start at 0"
            )
    return dict(mapping)


def find_header(records: Sequence[list[str]], wanted: Sequence[str]) -> int | None:
    """Position of the header record: it names ``wanted`` or enough known columns."""
    wanted_names = {normalise(n) for n in wanted}
    for position, cells in enumerate(records[:_HEADER_SEARCH]):
        names = {normalise(c) for c in cells}
        if wanted_names:
            if wanted_names <= names:
                return position
            continue
        if len(names & _KNOWN.keys()) >= _HEADER_HITS:
            return position
    return None


def header_hits(records: Sequence[list[str]]) -> int:
    """The most known column names any record near the top holds."""
    return max(
        (len({normalise(c) for c in r} & _KNOWN.keys()) for r in records[:_HEADER_SEARCH]),
        default=0,
    )


def detect(header: Sequence[str]) -> dict[str, int]:
    """Fields found in ``header`` by their usual names."""
    names = [normalise(c) for c in header]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for field, aliases in ALIASES.items():
        for alias in aliases:
            if alias in names and names.index(alias) not in taken:
                found[field] = names.index(alias)
                taken.add(found[field])
                break
    return found


def resolve(
    detected: Mapping[str, int],
    mapping: Mapping[str, str | int],
    header: Sequence[str] | None,
    width: int,
) -> Columns:
    """Detected columns overridden by the caller's mapping; required fields checked."""
    index = dict(detected)
    if any(f in mapping for f in MONEY_FIELDS):
        # A mapping that names the money columns replaces every detected one.
        for field in MONEY_FIELDS:
            index.pop(field, None)
    for field, column in mapping.items():
        index[field] = _position(field, column, header, width)
    if "amount" in index:
        index.pop("debit", None)
        index.pop("credit", None)
    elif "debit" in index or "credit" in index:
        index.pop("sign", None)
    columns = Columns(index, tuple(header) if header is not None else None)
    missing = [f for f in ("date", "amount") if f not in index]
    if "amount" in missing and ("debit" in index or "credit" in index):
        missing.remove("amount")
    if missing:
        raise ValidationError.of("mapping", _missing_message(missing, header, width))
    return columns


def _position(field: str, column: str | int, header: Sequence[str] | None, width: int) -> int:
    if isinstance(column, int):
        if column >= width:
            raise ValidationError.of(
                "mapping",
                f"{field!r} maps to column {column}, but the file has {width} columns "
                f"(0 to {width - 1})",
            )
        return column
    # A header is only accepted when it holds every name the mapping uses.
    names = [normalise(c) for c in header or ()]
    return names.index(normalise(column))


def _listing(header: Sequence[str]) -> str:
    return ", ".join(f"{i}: {name.strip()!r}" for i, name in enumerate(header) if name.strip())


def _missing_message(missing: list[str], header: Sequence[str] | None, width: int) -> str:
    wanted = " and ".join("amount (or debit/credit)" if f == "amount" else f for f in missing)
    if header is not None:
        found = f"the file's columns are {_listing(header)}"
        example = "mapping={'date': 'Posting Date', 'amount': 'Value', 'description': 'Text'}"
    else:
        found = f"the file has no header row with known names and {width} columns"
        example = "mapping={'date': 0, 'amount': 4, 'description': 1}"
    return (
        f"could not tell which column holds the {wanted}; {found}. "
        f"Name them with a mapping by column name or 0-based index, e.g. {example}"
    )
