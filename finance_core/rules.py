"""Balance rules: checks every balance-changing write must pass before it is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from finance_core.accounts import Account
from finance_core.errors import BalanceRuleViolation
from finance_core.money import MAX_MAGNITUDE
from finance_core.transactions import Transaction


@attrs.frozen
class BalanceChange:
    """What one write does to one account, shown to every rule before it is stored.

    ``added`` holds the account's transactions as they will be after the write
    (new or changed); ``removed`` holds them as they were before (deleted,
    changed or moved away). ``today`` comes from the service's clock.
    """

    account: Account
    new_balance: Decimal
    added: Sequence[Transaction]
    removed: Sequence[Transaction]
    today: date


@runtime_checkable
class BalanceRule(Protocol):
    """A rule that can veto a write. Return a reason to refuse it, or None."""

    @property
    def name(self) -> str: ...

    def check(self, change: BalanceChange) -> str | None: ...


@attrs.frozen
class MinBalanceRule:
    """The account's ``min_balance`` is a floor no write may cross."""

    name: str = "min_balance"

    def check(self, change: BalanceChange) -> str | None:
        floor = change.account.min_balance
        if floor is not None and change.new_balance < floor:
            return f"the account's minimum balance is {floor}"
        return None


@attrs.frozen
class BalanceRangeRule:
    """Balances stay inside the range every backend can store exactly."""

    name: str = "balance_range"

    def check(self, change: BalanceChange) -> str | None:
        if abs(change.new_balance) >= MAX_MAGNITUDE:
            return "balances must stay below 10^14 in magnitude"
        return None


@attrs.frozen
class NoFutureDatedRule:
    """Refuses transactions dated after today. Not on by default: a plugin enables it."""

    name: str = "no_future_dates"

    def check(self, change: BalanceChange) -> str | None:
        for txn in change.added:
            if txn.date > change.today:
                return f"transaction dated {txn.date} is in the future (today is {change.today})"
        return None


BUILTIN_RULES: tuple[BalanceRule, ...] = (BalanceRangeRule(), MinBalanceRule())


def enforce(rules: Sequence[BalanceRule], change: BalanceChange) -> None:
    """Raise ``BalanceRuleViolation`` for the first rule that refuses ``change``."""
    for rule in rules:
        reason = rule.check(change)
        if reason is not None:
            raise BalanceRuleViolation(rule.name, change.account.id, change.new_balance, reason)
