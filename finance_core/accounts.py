"""Accounts: where money sits, with a stored balance and an optional floor."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from finance_core.errors import ValidationError
from finance_core.text import check_chars


class AccountType(enum.Enum):
    CHECKING = "checking"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"
    INVESTMENT = "investment"
    LOAN = "loan"
    OTHER = "other"

    @classmethod
    def parse(cls, value: object) -> AccountType:
        if isinstance(value, AccountType):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                pass
        choices = ", ".join(t.value for t in cls)
        raise ValidationError.of(
            "account_type", f"{value!r} is not an account type; use one of: {choices}"
        )


@attrs.frozen
class Account:
    """One account of one tenant.

    ``balance`` is stored, and every write that affects it changes it in the same
    unit of work: ``balance == initial_balance + sum(transaction amounts)``.
    ``version`` goes up by one on every write (it backs HTTP ETags).
    """

    id: int
    tenant_id: str
    name: str
    account_type: AccountType
    currency: str
    initial_balance: Decimal
    balance: Decimal
    min_balance: Decimal | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    version: int = 1


def check_account_name(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError.of("name", "name must be a string")
    name = value.strip()
    if not 1 <= len(name) <= 255:
        raise ValidationError.of("name", "name must be 1 to 255 characters after trimming")
    return check_chars(name, "name")
