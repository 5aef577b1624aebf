"""Which account each statement of an imported file goes to.

A file names its accounts (an IBAN, an OFX ACCTID); the caller maps them to the
tenant's accounts with ``accounts``. Statements the mapping does not name go to
the account the import was asked for, as long as they are all of one account:
rows of two unmapped accounts are refused rather than mixed into one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date

import attrs

from finance_core.errors import ValidationError
from finance_core.importing import ParsedFile, RejectedRow
from finance_core.statements import ParsedStatement


@attrs.frozen
class StatementPart:
    """The rows of one account, and what the file stated about them."""

    account_id: int
    parsed: ParsedFile
    stated: ParsedStatement


def file_hash(data: bytes) -> str:
    """The SHA-256 of a file, in hex: how a statement names the file it came from."""
    return hashlib.sha256(data).hexdigest()


def _period(parsed: ParsedFile) -> ParsedStatement:
    """A file that states nothing (QIF) still covers the days of its rows."""
    days: list[date] = [r.date for r in parsed.rows]
    return ParsedStatement(period_start=min(days, default=None), period_end=max(days, default=None))


def _checked(accounts: Mapping[str, int] | None) -> dict[str, int]:
    if not accounts:
        return {}
    bad = [k for k, v in accounts.items() if isinstance(v, bool) or not isinstance(v, int)]
    if bad or not all(isinstance(k, str) for k in accounts):
        raise ValidationError.of(
            "accounts",
            'accounts maps the file\'s account ids to account ids, e.g. {"NL91ABNA0417164300": 3}',
        )
    return dict(accounts)


def split_by_account(
    parsed: ParsedFile, account_id: int, accounts: Mapping[str, int] | None
) -> list[StatementPart]:
    """One part per target account, in the order the file lists them."""
    mapping = _checked(accounts)
    stated = parsed.statements or (_period(parsed),)
    unmapped = sorted({s.account for s in stated if s.account and s.account not in mapping})
    if len(unmapped) > 1:
        raise ValidationError.of(
            "accounts",
            f"the file holds statements of {len(unmapped)} accounts the import does not map "
            f"({', '.join(map(repr, unmapped))}); map each to an account with the accounts "
            f'option, e.g. accounts={{"{unmapped[0]}": {account_id}, "{unmapped[1]}": 2}}',
        )
    parts = []
    for index, statement in enumerate(stated):
        target = mapping.get(statement.account or "", account_id)
        rows = tuple(r for r in parsed.rows if r.statement == index)
        # Unreadable rows carry no statement, so they stop every part alike.
        rejected: tuple[RejectedRow, ...] = parsed.rejected if index == 0 else ()
        part = attrs.evolve(parsed, rows=rows, rejected=rejected, statements=(statement,))
        parts.append(StatementPart(target, part, statement))
    return parts
