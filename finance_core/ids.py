"""Record ids: positive integers that fit a signed 64-bit column on every backend."""

from __future__ import annotations

from typing import Final

from finance_core.errors import ValidationError

#: Largest id of accounts, transactions and transfers (PostgreSQL ``bigint``).
MAX_ID: Final = 2**63 - 1
#: Largest user id: users are numbered in a 32-bit column.
MAX_USER_ID: Final = 2**31 - 1


def is_id(value: object, maximum: int = MAX_ID) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= maximum


def check_id(value: object, field: str, maximum: int = MAX_ID) -> int:
    """Return ``value`` if it is an id from 1 to ``maximum``, else raise ``ValidationError``."""
    if not is_id(value, maximum):
        raise ValidationError.of(field, f"{field} must be an integer id from 1 to {maximum}")
    assert isinstance(value, int)
    return value
