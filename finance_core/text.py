"""Text the ledger accepts: no NUL, no control characters, no lone surrogates.

Every backend stores exactly the text the core accepted, so these checks run in
the core before any storage sees a value. PostgreSQL refuses NUL in text, and
no backend can encode a lone surrogate as UTF-8; the others would store what
they were given, so without one rule the backends would disagree.
"""

from __future__ import annotations

import re
from typing import Final

from finance_core.errors import ValidationError

#: Control characters that multi-line text (a description) may hold.
MULTILINE_CONTROLS: Final = "\t\n\r"

# C0 controls, DEL, C1 controls and UTF-16 surrogates (which JSON's \ud800 can spell).
_REFUSED: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_MULTILINE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with the characters of ``value``, or None when they are fine."""
    found = (_REFUSED_MULTILINE if multiline else _REFUSED).search(value)
    if found is None:
        return None
    char = found.group()
    position = found.start()
    if char == "\x00":
        what = "a NUL character"
    elif "\ud800" <= char <= "\udfff":
        what = f"an unpaired surrogate U+{ord(char):04X}"
    else:
        what = f"the control character U+{ord(char):04X}"
    allowed = " (tab and line breaks are allowed)" if multiline else ""
    return f"holds {what} at position {position}; control characters are not allowed{allowed}"


def check_chars(value: str, field: str, *, multiline: bool = False) -> str:
    """Return ``value`` if its characters are allowed, else raise ``ValidationError``."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise ValidationError.of(field, f"{field} {problem}")
    return value
