"""Use cases of schedules: create, read, change, delete, occurrences, skip, move, post-due."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import attrs

from finance_core.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from finance_core.ledger_base import BalanceWrite, check_version, positive_id
from finance_core.occurrence_links import link, posting
from finance_core.ports import UnitOfWork
from finance_core.schedule_input import (
    SCHEDULE_FIELDS,
    TERM_FIELDS,
    check_name,
    clean_terms,
    terms_fields,
    unknown_fields,
)
from finance_core.schedules import (
    MAX_MOVE_DAYS,
    Occurrence,
    OccurrenceChange,
    Schedule,
    ScheduleTerms,
    find_occurrence,
    occurrences,
)
from finance_core.tenancy import Principal
from finance_core.transaction_services import TransactionServices
from finance_core.transactions import Transaction, check_date

#: Longest range one occurrence listing may cover.
MAX_RANGE_DAYS = 3660


class ScheduleServices(TransactionServices):
    """Recurring transactions."""

    def _currency_of(self, uow: UnitOfWork) -> Callable[[int], str]:
        def currency_of(account_id: int) -> str:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFoundError("account", account_id)
            return account.currency

        return currency_of

    def create_schedule(self, principal: Principal, **fields: Any) -> Schedule:
        """Store a schedule; ``fields`` are the flat contract fields (template and recurrence)."""
        principal.require_write()
        errors = unknown_fields(fields, SCHEDULE_FIELDS)
        name: str | None = None
        try:
            name = check_name(fields.get("name"))
        except ValidationError as exc:
            errors.extend(exc.errors)
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            terms_in = {k: v for k, v in fields.items() if k in TERM_FIELDS}
            try:
                terms = clean_terms(terms_in, self._currency_of(uow))
            except ValidationError as exc:
                errors.extend(exc.errors)
            if errors or name is None:
                raise ValidationError(errors)
            (ident,) = uow.allocate_ids("schedule")
            schedule = Schedule(ident, principal.tenant_id, name, (terms,), now, now)
            uow.schedules.add(schedule)
            uow.commit()
        return schedule

    def get_schedule(self, principal: Principal, schedule_id: int) -> Schedule:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return _schedule(uow, schedule_id)

    def list_schedules(self, principal: Principal) -> list[Schedule]:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return uow.schedules.list()

    def update_schedule(
        self,
        principal: Principal,
        schedule_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Schedule:
        """Change a schedule; with ``effective_from`` only occurrences from that date on.

        Without ``effective_from`` every revision takes the change. Earlier
        revisions, and what was posted or matched for their occurrences, stay.
        """
        principal.require_write()
        changes = dict(changes)
        errors = unknown_fields(changes, SCHEDULE_FIELDS | {"effective_from"})
        effective: date | None = None
        if changes.get("effective_from") is not None:
            try:
                effective = check_date(changes["effective_from"], "effective_from")
            except ValidationError as exc:
                errors.extend(exc.errors)
        changes.pop("effective_from", None)
        name: str | None = None
        if "name" in changes:
            try:
                name = check_name(changes.pop("name"))
            except ValidationError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            old = _schedule(uow, schedule_id)
            check_version("schedule", schedule_id, expected_version, old.version)
            currency_of = self._currency_of(uow)
            if effective is None:
                revised = tuple(
                    attrs.evolve(
                        clean_terms({**terms_fields(t), **changes}, currency_of),
                        effective_from=t.effective_from,
                    )
                    for t in old.terms
                )
            else:
                base = old.terms_on(effective)
                new = clean_terms({**terms_fields(base), **changes}, currency_of)
                kept = tuple(
                    t for t in old.terms if t.effective_from is None or t.effective_from < effective
                )
                if effective <= old.terms[0].recurrence.start_date:
                    kept = ()
                revised = (
                    (*kept, attrs.evolve(new, effective_from=effective))
                    if kept
                    else (attrs.evolve(new, effective_from=None),)
                )
            schedule = attrs.evolve(
                old,
                name=old.name if name is None else name,
                terms=revised,
                updated_at=now,
                version=old.version + 1,
            )
            uow.schedules.update(schedule)
            uow.commit()
        return schedule

    def delete_schedule(
        self, principal: Principal, schedule_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a schedule; the transactions it posted or matched stay."""
        principal.require_write()
        with self._unit(principal.tenant_id) as uow:
            old = _schedule(uow, schedule_id)
            check_version("schedule", schedule_id, expected_version, old.version)
            uow.schedules.delete(schedule_id)
            uow.commit()

    def schedule_occurrences(
        self, principal: Principal, schedule_id: int, start: date | None, end: date | None
    ) -> list[Occurrence]:
        """Occurrences dated in ``[start, end]`` (default: 30 days back to 90 days ahead)."""
        today = self._now().date()
        start = today - timedelta(days=30) if start is None else check_date(start, "from")
        if end is None:
            end = max(today, start) + timedelta(days=90)
        end = check_date(end, "to")
        _check_range(start, end)
        with self._unit(principal.tenant_id, readonly=True) as uow:
            schedule = _schedule(uow, schedule_id)
            changes = uow.schedules.changes(schedule_id)
            links = uow.schedules.links(schedule_id)
        return occurrences(schedule, start, end, today, changes, links)

    def skip_occurrence(self, principal: Principal, schedule_id: int, day: date) -> Occurrence:
        """Skip one open occurrence (named by its listed or nominal date)."""
        return self._change_occurrence(principal, schedule_id, day, None)

    def move_occurrence(
        self, principal: Principal, schedule_id: int, day: date, new_date: date
    ) -> Occurrence:
        """Move one open occurrence to ``new_date``; it is then listed under that date."""
        return self._change_occurrence(principal, schedule_id, day, check_date(new_date, "date"))

    def _change_occurrence(
        self, principal: Principal, schedule_id: int, day: date, new_date: date | None
    ) -> Occurrence:
        principal.require_write()
        day = check_date(day, "date")
        today = self._now().date()
        with self._unit(principal.tenant_id) as uow:
            schedule = _schedule(uow, schedule_id)
            changes = uow.schedules.changes(schedule_id)
            links = uow.schedules.links(schedule_id)
            found = find_occurrence(schedule, day, today, changes, links)
            if found is None:
                raise NotFoundError("occurrence", f"{schedule_id}/{day.isoformat()}")
            if found.status in ("posted", "matched"):
                raise ConflictError(
                    f"the occurrence of {found.scheduled} is already {found.status} "
                    f"(transaction {found.transaction_id}); change that transaction instead"
                )
            if new_date is None:
                change = OccurrenceChange(schedule_id, found.scheduled, "skipped")
            else:
                if abs((new_date - found.scheduled).days) > MAX_MOVE_DAYS:
                    raise ValidationError.of(
                        "date", f"an occurrence moves at most {MAX_MOVE_DAYS} days"
                    )
                change = OccurrenceChange(schedule_id, found.scheduled, "moved", new_date)
            uow.schedules.set_change(change)
            uow.commit()
            changed = [c for c in changes if c.scheduled != found.scheduled] + [change]
            shown = change.new_date or found.date
            result = find_occurrence(schedule, shown, today, changed, links)
        assert result is not None
        return result

    def post_due(self, principal: Principal) -> list[Occurrence]:
        """Post every due occurrence of the auto-post schedules, up to today, exactly once.

        The accounts are locked before the links are read, so a concurrent run
        waits and then finds the occurrences posted; the unique key on
        (schedule, date) refuses a second posting in any case (409). A run is
        all or nothing: a posting a balance rule refuses stops it, stores
        nothing and names the account (skip that occurrence or change the
        floor, and run it again).
        """
        principal.require_write()
        today = self._now().date()
        posted: list[Occurrence] = []
        with self._unit(principal.tenant_id) as uow:
            schedules = [s for s in uow.schedules.list() if any(t.auto_post for t in s.terms)]
            if not schedules:
                return []
            known = {a.id for a in uow.accounts.list()}
            accounts = sorted({i for s in schedules for i in s.account_ids} & known)
            BalanceWrite(self, uow).lock(*accounts)
            changes = uow.schedules.changes()
            links = uow.schedules.links()
            due: list[tuple[Occurrence, Schedule, ScheduleTerms]] = []
            for schedule in schedules:
                start = max(schedule.created_at.date(), schedule.terms[0].recurrence.start_date)
                for occ in occurrences(schedule, start, today, today, changes, links):
                    terms = schedule.terms_on(occ.scheduled)
                    wanted = {terms.account_id, terms.to_account_id} - {None}
                    if occ.status == "due" and terms.auto_post and wanted <= known:
                        due.append((occ, schedule, terms))
            # In date order, money in before money out on one day, as a bank books them,
            # so a catch-up run meets the balance rules as the days would have.
            for occ, schedule, terms in sorted(
                due, key=lambda d: (d[0].date, -d[0].amount, d[0].schedule_id)
            ):
                txn = self._post_occurrence(principal, schedule, terms, occ)
                posted.append(attrs.evolve(occ, status="posted", transaction_id=txn.id))
            uow.commit()
        return posted

    def _post_occurrence(
        self, principal: Principal, schedule: Schedule, terms: ScheduleTerms, occ: Occurrence
    ) -> Transaction:
        if terms.to_account_id is not None:
            result = self.create_transfer(
                principal,
                terms.account_id,
                terms.to_account_id,
                terms.amount,
                occ.date,
                description=terms.description or schedule.name,
            )
            out: Transaction = result.from_transaction
            with self._unit(principal.tenant_id) as uow:
                link(uow, schedule.id, occ.scheduled, out.id, "posted", self._now())
            return out
        fields = {
            "amount": terms.amount,
            "date": occ.date,
            "category": terms.category,
            "merchant": terms.merchant,
            "description": terms.description or schedule.name,
            "tags": list(terms.tags),
        }
        with posting(schedule.id, occ.scheduled):
            return self.post_transaction(principal, terms.account_id, **fields)


def _schedule(uow: UnitOfWork, schedule_id: int) -> Schedule:
    schedule = uow.schedules.get(positive_id(schedule_id, "schedule_id"))
    if schedule is None:
        raise NotFoundError("schedule", schedule_id)
    return schedule


def _check_range(start: date, end: date) -> None:
    errors = []
    if start > end:
        errors.append(FieldError("to", "to is before from"))
    elif (end - start).days > MAX_RANGE_DAYS:
        errors.append(FieldError("to", f"a range covers at most {MAX_RANGE_DAYS} days"))
    if errors:
        raise ValidationError(errors)
