"""Use case of importing a parsed bank file into one account (or, for a file of
several accounts, into the accounts the caller maps them to)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final

import attrs

from finance_core.accounts import Account
from finance_core.errors import NotFoundError, ValidationError
from finance_core.import_statements import StatementPart, split_by_account
from finance_core.importing import (
    ImportResult,
    ParsedFile,
    PlannedRow,
    RowOutcome,
    outcomes_for,
    plan_rows,
)
from finance_core.ledger_base import positive_id
from finance_core.ports import UnitOfWork
from finance_core.statement_services import StatementServices, against_books
from finance_core.statements import ReconciliationCheck
from finance_core.tenancy import Principal
from finance_core.transaction_services import TransactionServices

#: Most rows one import may hold; an import is one unit of work held in memory.
MAX_IMPORT_ROWS: Final = 100_000


@attrs.frozen
class _Plan:
    part: StatementPart
    account: Account
    planned: list[PlannedRow]
    outcomes: list[RowOutcome]

    def items(self) -> list[dict[str, Any]]:
        to_create = {o.row for o in self.outcomes if o.status == "created"}
        return [
            p.fields for p in self.planned if p.fields is not None and p.parsed.row in to_create
        ]


class ImportServices(TransactionServices, StatementServices):
    """Bank files: planned, de-duplicated and posted in one unit of work."""

    def import_file(
        self,
        principal: Principal,
        account_id: int,
        parsed: ParsedFile,
        *,
        dry_run: bool = False,
        skip_bad_rows: bool = False,
        file_hash: str | None = None,
        accounts: Mapping[str, int] | None = None,
    ) -> ImportResult:
        """Import a parsed file into one account.

        All or nothing: a rejected row stops the whole file unless
        ``skip_bad_rows``; a dry run reports exactly what a real run would do and
        writes nothing. Re-importing the same file creates nothing new. The
        duplicate check and the posting share one unit of work, so a concurrent
        import of the same file cannot slip between them.

        Each statement of the file goes to ``account_id`` unless ``accounts``
        maps the file's account id elsewhere. With ``file_hash`` (the SHA-256
        of the file) every statement is recorded; the result compares the
        stated closing balance with the books at the statement's last day.
        """
        principal.require_write()
        positive_id(account_id, "account_id")
        row_count = len(parsed.rows) + len(parsed.rejected)
        if row_count > MAX_IMPORT_ROWS:
            raise ValidationError.of(
                "file",
                f"the file holds {row_count:,} rows; an import takes at most "
                f"{MAX_IMPORT_ROWS:,}: split it into several files",
            )
        parts = split_by_account(parsed, account_id, accounts)
        with self._unit(principal.tenant_id, readonly=dry_run) as uow:
            plans = [self._plan(uow, part) for part in parts]
            outcomes = tuple(sorted((o for p in plans for o in p.outcomes), key=lambda o: o.row))
            has_rejects = any(o.status == "rejected" for o in outcomes)
            if dry_run or (has_rejects and not skip_bad_rows):
                check = self._check(uow, plans, account_id, simulate=True) if dry_run else None
                return ImportResult(
                    outcomes, dry_run=dry_run, committed=False, reconciliation=check
                )
            created: dict[int, int] = {}
            for plan in plans:
                items = plan.items()
                if items:
                    result = self.post_batch(principal, plan.account.id, items)
                    rows = [o.row for o in plan.outcomes if o.status == "created"]
                    created.update(zip(rows, (t.id for t in result.transactions), strict=True))
            views = self._record_file(
                principal, uow, [(p.account, p.part.stated) for p in plans], file_hash
            )
            check = self._check(uow, plans, account_id, simulate=False)
            uow.commit()
        final = tuple(
            attrs.evolve(o, transaction_id=created[o.row]) if o.row in created else o
            for o in outcomes
        )
        return ImportResult(
            final, dry_run=False, committed=True, statements=views, reconciliation=check
        )

    @staticmethod
    def _plan(uow: UnitOfWork, part: StatementPart) -> _Plan:
        account = uow.accounts.get(part.account_id)
        if account is None:
            raise NotFoundError("account", part.account_id)
        planned = plan_rows(part.parsed, account.currency)
        existing = uow.transactions.find_external_ids(
            account.id, [p.external_id for p in planned if p.fields is not None]
        )
        outcomes = [
            attrs.evolve(o, account_id=account.id)
            for o in outcomes_for(planned, existing, part.parsed.rejected)
        ]
        return _Plan(part, account, planned, outcomes)

    @staticmethod
    def _check(
        uow: UnitOfWork, plans: Sequence[_Plan], account_id: int, *, simulate: bool
    ) -> ReconciliationCheck | None:
        """The latest statement of ``account_id`` that states a closing balance, against
        the books at its last day (in a dry run, as they would be after the import)."""
        stated = [
            p
            for p in plans
            if p.account.id == account_id
            and p.part.stated.closing_balance is not None
            and p.part.stated.period_end is not None
        ]
        if not stated:
            return None
        plan = max(stated, key=lambda p: p.part.stated.period_end or date.min)
        end = plan.part.stated.period_end
        assert end is not None
        added = Decimal(0)
        if simulate:
            # Every part of this account adds its new rows, not only the latest one.
            for other in plans:
                if other.account.id != account_id:
                    continue
                rows = {o.row for o in other.outcomes if o.status == "created"}
                added += sum(
                    (
                        p.parsed.amount
                        for p in other.planned
                        if p.parsed.row in rows and p.parsed.date <= end
                    ),
                    Decimal(0),
                )
        return against_books(uow, plan.account, plan.part.stated, added)
