"""Turning a file's bytes into text, and tidying the text a bank wrote."""

from __future__ import annotations

import codecs
from typing import Final

from finance_core.errors import ValidationError

#: Tried in order when the caller names no encoding. UTF-8 fails loudly on
#: anything that is not UTF-8, so it goes first; Windows-1252 is what most
#: "ANSI" exports are, and it agrees with Latin-1 on every printable character
#: except 0x80-0x9F, where it has the euro sign and typographic quotes.
#: Latin-1 decodes any byte, so it is the last resort for the five byte values
#: Windows-1252 leaves undefined.
FALLBACK_ENCODINGS: Final = ("utf-8", "cp1252")
LAST_RESORT: Final = "latin-1"

_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode(data: bytes, encoding: str | None = None) -> str:
    """The file's text: ``encoding`` if given, else UTF-8, then Windows-1252.

    A byte-order mark is dropped, so it never ends up in the first column name.
    """
    if encoding:
        return _decode_as(data, encoding)
    if data.startswith(_UTF16_BOMS):
        # Spreadsheet "Unicode text" exports are UTF-16 and always carry a BOM.
        return _decode_as(data, "utf-16")
    for candidate in FALLBACK_ENCODINGS:
        try:
            return _strip_bom(data.decode(candidate))
        except UnicodeDecodeError:
            continue
    return _strip_bom(data.decode(LAST_RESORT))


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise ValidationError.of(
            "encoding",
            f"{encoding!r} is not a known text encoding; use a name such as "
            "'utf-8', 'cp1252' or 'latin-1', or leave it out to detect it",
        ) from None
    try:
        return _strip_bom(data.decode(codec.name))
    except UnicodeDecodeError as exc:
        raise ValidationError.of(
            "encoding",
            f"the file is not valid {encoding}: byte {data[exc.start]:#04x} at offset "
            f"{exc.start} does not decode; name the file's real encoding, or leave "
            "encoding out to detect it",
        ) from None


def _strip_bom(text: str) -> str:
    return text.removeprefix("\ufeff")


def squash(text: str | None) -> str | None:
    """Runs of whitespace (padding, newlines, tabs) become one space; blank is None.

    Banks pad fixed-width texts and wrap long ones; the words are what matter,
    and one spelling of them keeps fingerprints stable across exports.
    """
    if text is None:
        return None
    squashed = " ".join(text.split())
    return squashed or None


def fuller(first: str | None, second: str | None) -> str | None:
    """One description from two texts that often repeat each other.

    When one text contains the other (a payee cut at 32 characters and the full
    memo), the longer is kept; otherwise both are kept, joined by `` / ``.
    """
    a, b = squash(first), squash(second)
    if a is None or b is None:
        return a or b
    if a.casefold() in b.casefold():
        return b
    if b.casefold() in a.casefold():
        return a
    return f"{a} / {b}"
