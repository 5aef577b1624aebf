"""Record ids: positive integers that fit a signed 64-bit column on every backend."""

from __future__ import annotations

from typing import Final

from finance_core.errors import ValidationError

#: Largest id any backend stores (PostgreSQL ``bigint``, SQLite ``INTEGER``).
MAX_ID: Final = 2**63 - 1


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def check_id(value: object, field: str) -> int:
    """Return ``value`` if it is an id from 1 to 2**63-1, else raise ``ValidationError``."""
    if not is_id(value):
        raise ValidationError.of(field, f"{field} must be an integer id from 1 to {MAX_ID}")
    assert isinstance(value, int)
    return value
