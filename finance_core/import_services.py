"""Use case of importing a parsed bank file into one account."""

from __future__ import annotations

from typing import Final

import attrs

from finance_core.errors import NotFoundError, ValidationError
from finance_core.importing import ImportResult, ParsedFile, outcomes_for, plan_rows
from finance_core.ledger_base import positive_id
from finance_core.tenancy import Principal
from finance_core.transaction_services import TransactionServices

#: Most rows one import may hold; an import is one unit of work held in memory.
MAX_IMPORT_ROWS: Final = 100_000


class ImportServices(TransactionServices):
    """Bank files: planned, de-duplicated and posted in one unit of work."""

    def import_file(
        self,
        principal: Principal,
        account_id: int,
        parsed: ParsedFile,
        *,
        dry_run: bool = False,
        skip_bad_rows: bool = False,
    ) -> ImportResult:
        """Import a parsed file into one account.

        All or nothing: a rejected row stops the whole file unless
        ``skip_bad_rows``; a dry run reports exactly what a real run would do and
        writes nothing. Re-importing the same file creates nothing new. The
        duplicate check and the posting share one unit of work, so a concurrent
        import of the same file cannot slip between them.
        """
        principal.require_write()
        positive_id(account_id, "account_id")
        rows = len(parsed.rows) + len(parsed.rejected)
        if rows > MAX_IMPORT_ROWS:
            raise ValidationError.of(
                "file",
                f"the file holds {rows:,} rows; an import takes at most {MAX_IMPORT_ROWS:,}: "
                "split it into several files",
            )
        with self._unit(principal.tenant_id, readonly=dry_run) as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFoundError("account", account_id)
            planned = plan_rows(parsed, account.currency)
            existing = uow.transactions.find_external_ids(
                account_id, [p.external_id for p in planned if p.fields is not None]
            )
            outcomes = outcomes_for(planned, existing, parsed.rejected)
            has_rejects = any(o.status == "rejected" for o in outcomes)
            if dry_run or (has_rejects and not skip_bad_rows):
                return ImportResult(tuple(outcomes), dry_run=dry_run, committed=False)
            to_create = {o.row for o in outcomes if o.status == "created"}
            items = [
                p.fields for p in planned if p.fields is not None and p.parsed.row in to_create
            ]
            if not items:
                return ImportResult(tuple(outcomes), dry_run=False, committed=True)
            result = self.post_batch(principal, account_id, items)
            uow.commit()
        ids = iter(t.id for t in result.transactions)
        final = [
            attrs.evolve(o, transaction_id=next(ids)) if o.status == "created" else o
            for o in outcomes
        ]
        return ImportResult(tuple(final), dry_run=False, committed=True)
