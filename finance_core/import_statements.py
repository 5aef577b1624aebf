"""Which account each statement of an imported file goes to.

A file names its accounts (an IBAN, an OFX ACCTID); the caller maps them to the
tenant's accounts with ``accounts``. Statements the mapping does not name go to
the account the import was asked for, as long as they are all of one account:
rows of two unmapped accounts are refused rather than mixed into one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from finance_core.errors import ValidationError
from finance_core.ids import is_id
from finance_core.importing import ParsedFile, RejectedRow
from finance_core.statements import ParsedStatement


@attrs.frozen
class StatementPart:
    """The rows of one account, and what the file stated about them."""

    account_id: int
    parsed: ParsedFile
    stated: ParsedStatement


def file_hash(data: bytes | Iterable[bytes]) -> str:
    """The SHA-256 of a file, in hex: how a statement names the file it came from.

    ``data`` is the file's bytes, or its blocks in order (a file too big to hold).
    """
    digest = hashlib.sha256()
    for block in (data,) if isinstance(data, bytes) else data:
        digest.update(block)
    return digest.hexdigest()


def _period(parsed: ParsedFile) -> ParsedStatement:
    """A file that states nothing (QIF) still covers the days of its rows."""
    days: list[date] = [r.date for r in parsed.rows]
    return ParsedStatement(period_start=min(days, default=None), period_end=max(days, default=None))


def _checked(accounts: Mapping[str, int] | None) -> dict[str, int]:
    if not accounts:
        return {}
    bad = [k for k, v in accounts.items() if not is_id(v)]
    if bad or not all(isinstance(k, str) for k in accounts):
        raise ValidationError.of(
            "accounts",
            'accounts maps the file\'s account ids to account ids, e.g. {"NL91ABNA0417164300": 3}',
        )
    return dict(accounts)


def split_by_account(
    parsed: ParsedFile, account_id: int, accounts: Mapping[str, int] | None
) -> list[StatementPart]:
    """One part per statement that goes somewhere, in the order the file lists them.

    A statement of an unmapped account without rows (a card statement with no
    activity beside the giro's) is left out rather than put in the wrong account.
    """
    mapping = _checked(accounts)
    stated = parsed.statements or (_period(parsed),)
    with_rows = {r.statement for r in parsed.rows}
    unmapped = sorted(
        {s.account for i, s in enumerate(stated) if i in with_rows and s.account} - mapping.keys()
    )
    if len(unmapped) > 1:
        raise ValidationError.of(
            "accounts",
            f"the file holds statements of {len(unmapped)} accounts the import does not map "
            f"({', '.join(map(repr, unmapped))}); map each to an account with the accounts "
            f'option, e.g. accounts={{"{unmapped[0]}": {account_id}, "{unmapped[1]}": 2}}',
        )
    if not unmapped:
        idle = sorted({s.account for s in stated if s.account} - mapping.keys())
        unmapped = idle if len(idle) == 1 else []
    parts: list[StatementPart] = []
    for index, statement in enumerate(stated):
        if statement.account is not None and statement.account in mapping:
            target = mapping[statement.account]
        elif statement.account is None or statement.account in unmapped:
            target = account_id
        else:
            continue
        rows = tuple(r for r in parsed.rows if r.statement == index)
        # Unreadable rows carry no statement, so they stop every part alike.
        rejected: tuple[RejectedRow, ...] = parsed.rejected if not parts else ()
        part = attrs.evolve(parsed, rows=rows, rejected=rejected, statements=(statement,))
        parts.append(StatementPart(target, part, statement))
    return parts
