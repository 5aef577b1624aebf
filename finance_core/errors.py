"""The domain's error hierarchy.

Every adapter maps these exactly once (HTTP status, CLI exit code); nothing
outside the core needs to know which concrete check failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs


class FinanceError(Exception):
    """Base class of every error the domain raises on purpose."""


@attrs.frozen
class FieldError:
    """One problem with one input field; ``row`` and ``line`` point into an imported file."""

    field: str
    message: str
    #: The file's data row (counted from 1 after any header) the problem is in.
    row: int | None = None
    #: The line of the file that row starts on.
    line: int | None = None


class ValidationError(FinanceError, ValueError):
    """Input was malformed or out of range; ``errors`` names every bad field."""

    def __init__(self, errors: Sequence[FieldError] | str, field: str | None = None) -> None:
        if isinstance(errors, str):
            errors = [FieldError(field or "", errors)]
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(
            "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in self.errors)
        )

    @classmethod
    def of(cls, field: str, message: str) -> ValidationError:
        return cls([FieldError(field, message)])


def gather(checks: Mapping[str, Callable[[], Any]]) -> tuple[dict[str, Any], list[FieldError]]:
    """Run every check; return the cleaned values and every field error, so that one
    ``ValidationError`` can name all bad fields instead of only the first."""
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ValidationError as exc:
            errors.extend(exc.errors)
    return cleaned, errors


class NotFoundError(FinanceError, LookupError):
    """The thing does not exist in this tenant (or belongs to another one)."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident} not found")


class PermissionDeniedError(FinanceError):
    """The principal's role does not allow the operation."""


class ConflictError(FinanceError):
    """The write conflicts with stored state (stale version, duplicate key)."""


class StaleVersionError(ConflictError):
    """The caller's version of a record is not the stored one."""

    def __init__(self, kind: str, ident: object, expected: int, actual: int) -> None:
        self.kind = kind
        self.ident = ident
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{kind} {ident} is at version {actual}, not {expected}; re-read it and retry"
        )


class DuplicateError(ConflictError):
    """A unique value (external_id, membership) is already taken."""


class BalanceRuleViolation(FinanceError):
    """A write would break a balance rule; nothing of it was stored."""

    def __init__(self, rule: str, account_id: int, balance: Decimal, message: str) -> None:
        self.rule = rule
        self.account_id = account_id
        self.balance = balance
        super().__init__(
            f"balance rule {rule!r} rejected the write on account {account_id}: "
            f"it would leave the balance at {balance}: {message}"
        )


class StorageError(FinanceError):
    """The storage backend failed (connection lost, corrupt file); nothing was committed.

    ``outcome_unknown`` marks the one exception: the connection was lost during
    COMMIT, so the write may or may not be stored.
    """

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


class StorageFullError(StorageError):
    """The storage has no space left (disk full, quota); nothing was committed.

    Writes succeed again once space is freed, without restarting anything.
    """


class ConfigurationError(FinanceError):
    """The service or a plugin is configured wrongly; the message says how to fix it."""
