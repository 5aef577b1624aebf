"""Schedules: recurring transactions, their occurrences and how payments match them.

A schedule keeps its terms as revisions: each ``ScheduleTerms`` applies from
its ``effective_from`` until the next revision's, so a change from a date on
leaves earlier occurrences (and what was posted for them) as they were.
Occurrences are computed, never stored ahead; storage keeps only what happened
to one: a ``ScheduleLink`` (posted or matched, unique per schedule and nominal
date) and an ``OccurrenceChange`` (skipped or moved).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from finance_core.recurrence import Recurrence, occurrence_dates

STATUSES: Final = ("posted", "matched", "due", "missed", "upcoming", "skipped")
#: How far an occurrence may be moved from its nominal date.
MAX_MOVE_DAYS: Final = 366


@attrs.frozen
class AmountTolerance:
    """How far a payment's amount may be from the scheduled one: a percentage or an amount."""

    percent: Decimal | None = None
    amount: Decimal | None = None

    def allows(self, expected: Decimal, actual: Decimal) -> bool:
        if (expected < 0) != (actual < 0):
            return False
        difference = abs(actual - expected)
        if self.percent is not None:
            return difference * 100 <= abs(expected) * self.percent
        assert self.amount is not None
        return difference <= self.amount


@attrs.frozen
class ScheduleTerms:
    """What a schedule posts and when, from ``effective_from`` (None: from the start) on.

    ``amount`` is signed like a transaction's; with ``to_account_id`` the
    schedule is a transfer of the (positive) amount from ``account_id``.
    """

    account_id: int
    amount: Decimal
    recurrence: Recurrence
    category: str | None = None
    merchant: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    to_account_id: int | None = None
    amount_tolerance: AmountTolerance | None = None
    date_tolerance_days: int = 2
    auto_post: bool = False
    effective_from: date | None = None

    def allows_amount(self, actual: Decimal) -> bool:
        if self.amount_tolerance is None:
            return actual == self.amount
        return self.amount_tolerance.allows(self.amount, actual)


@attrs.frozen
class Schedule:
    id: int
    tenant_id: str
    name: str
    terms: tuple[ScheduleTerms, ...]
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def current(self) -> ScheduleTerms:
        """The latest revision (what a client sees at the top level)."""
        return self.terms[-1]

    def terms_on(self, day: date) -> ScheduleTerms:
        """The revision in effect on ``day``."""
        chosen = self.terms[0]
        for terms in self.terms[1:]:
            assert terms.effective_from is not None
            if terms.effective_from <= day:
                chosen = terms
        return chosen

    @property
    def account_ids(self) -> set[int]:
        ids = {t.account_id for t in self.terms}
        return ids | {t.to_account_id for t in self.terms if t.to_account_id is not None}


@attrs.frozen
class ScheduleLink:
    """The transaction that settled one occurrence: ``posted`` by the schedule or ``matched``."""

    schedule_id: int
    scheduled: date
    transaction_id: int
    kind: str
    created_at: datetime

    @property
    def key(self) -> str:
        return occurrence_key(self.schedule_id, self.scheduled)


@attrs.frozen
class OccurrenceChange:
    """One occurrence ``skipped``, or ``moved`` to ``new_date``, without changing the schedule."""

    schedule_id: int
    scheduled: date
    action: str
    new_date: date | None = None

    @property
    def key(self) -> str:
        return occurrence_key(self.schedule_id, self.scheduled)


def occurrence_key(schedule_id: int, scheduled: date) -> str:
    """The storage key of one occurrence: schedule id and nominal date."""
    return f"{schedule_id}/{scheduled.isoformat()}"


@attrs.frozen
class Occurrence:
    """One computed occurrence; ``scheduled`` (the nominal date) is its identity."""

    schedule_id: int
    scheduled: date
    date: date
    amount: Decimal
    account_id: int
    to_account_id: int | None
    status: str
    transaction_id: int | None = None


def _nominal_in(
    schedule: Schedule, start: date, end: date
) -> list[tuple[date, date, ScheduleTerms]]:
    """(nominal, shifted, terms) of every revision, each within its own date span."""
    out = []
    for index, terms in enumerate(schedule.terms):
        begin = terms.effective_from or date.min
        nxt = schedule.terms[index + 1].effective_from if index + 1 < len(schedule.terms) else None
        for nominal, shifted in occurrence_dates(terms.recurrence, start, end):
            if nominal >= begin and (nxt is None or nominal < nxt):
                out.append((nominal, shifted, terms))
    return out


def status_of(
    terms: ScheduleTerms,
    day: date,
    today: date,
    link: ScheduleLink | None,
    skipped: bool,
    posts_from: date,
) -> str:
    """The status of an occurrence on ``day`` that is not linked or skipped otherwise."""
    if link is not None:
        return link.kind
    if skipped:
        return "skipped"
    if day > today:
        return "upcoming"
    if terms.auto_post and day >= posts_from:
        return "due"
    return "due" if (today - day).days <= terms.date_tolerance_days else "missed"


def occurrences(
    schedule: Schedule,
    start: date,
    end: date,
    today: date,
    changes: Iterable[OccurrenceChange] = (),
    links: Iterable[ScheduleLink] = (),
) -> list[Occurrence]:
    """Occurrences whose date (after the weekend rule and any move) is in ``[start, end]``.

    Auto-posted schedules post from the day they were created on; an earlier
    occurrence nobody settled is ``missed`` like one of a manual schedule.
    """
    moved = {c.scheduled: c for c in changes if c.schedule_id == schedule.id}
    linked = {link.scheduled: link for link in links if link.schedule_id == schedule.id}
    posts_from = schedule.created_at.date()
    found: dict[date, tuple[date, ScheduleTerms]] = {}
    for nominal, shifted, terms in _nominal_in(schedule, start, end):
        found[nominal] = (shifted, terms)
    # A moved occurrence is listed under its new date, wherever its nominal date is.
    for nominal, moving in moved.items():
        if moving.action == "moved" and nominal not in found:
            assert moving.new_date is not None
            if start <= moving.new_date <= end and _exists(schedule, nominal):
                found[nominal] = (moving.new_date, schedule.terms_on(nominal))
    out = []
    for nominal, (shifted, terms) in found.items():
        change = moved.get(nominal)
        day = shifted
        if change is not None and change.action == "moved":
            assert change.new_date is not None
            day = change.new_date
            if not start <= day <= end:
                continue
        skipped = change is not None and change.action == "skipped"
        link = linked.get(nominal)
        out.append(
            Occurrence(
                schedule.id,
                nominal,
                day,
                terms.amount,
                terms.account_id,
                terms.to_account_id,
                status_of(terms, day, today, link, skipped, posts_from),
                None if link is None else link.transaction_id,
            )
        )
    return sorted(out, key=lambda o: (o.date, o.scheduled))


def _exists(schedule: Schedule, nominal: date) -> bool:
    near = _nominal_in(schedule, nominal - timedelta(3), nominal + timedelta(3))
    return any(n == nominal for n, _, _ in near)


def find_occurrence(
    schedule: Schedule,
    day: date,
    today: date,
    changes: Sequence[OccurrenceChange],
    links: Sequence[ScheduleLink],
) -> Occurrence | None:
    """The occurrence listed on ``day``, or else the one whose nominal date is ``day``."""
    listed = occurrences(schedule, day, day, today, changes, links)
    if listed:
        return listed[0]
    if _exists(schedule, day):
        reach = timedelta(MAX_MOVE_DAYS + 3)
        for occurrence in occurrences(schedule, day - reach, day + reach, today, changes, links):
            if occurrence.scheduled == day:
                return occurrence
    return None


OPEN: Final = frozenset({"due", "missed", "upcoming"})


@attrs.frozen
class Candidate:
    """An open occurrence a new transaction could settle."""

    occurrence: Occurrence
    terms: ScheduleTerms


def match_candidates(
    schedules: Sequence[Schedule],
    account_id: int,
    start: date,
    end: date,
    today: date,
    changes: Sequence[OccurrenceChange],
    links: Sequence[ScheduleLink],
) -> list[Candidate]:
    """Open, non-transfer occurrences on ``account_id`` dated within ``[start, end]``."""
    out = []
    for schedule in schedules:
        if not any(t.account_id == account_id for t in schedule.terms):
            continue
        for occurrence in occurrences(schedule, start, end, today, changes, links):
            terms = schedule.terms_on(occurrence.scheduled)
            if (
                occurrence.status in OPEN
                and terms.account_id == account_id
                and terms.to_account_id is None
            ):
                out.append(Candidate(occurrence, terms))
    return out


def best_match(
    candidates: Iterable[Candidate], amount: Decimal, day: date, taken: set[tuple[int, date]]
) -> Candidate | None:
    """The closest open occurrence (by days, then amount) within both tolerances."""
    fitting = [
        c
        for c in candidates
        if (c.occurrence.schedule_id, c.occurrence.scheduled) not in taken
        and abs((c.occurrence.date - day).days) <= c.terms.date_tolerance_days
        and c.terms.allows_amount(amount)
    ]
    if not fitting:
        return None
    return min(
        fitting,
        key=lambda c: (
            abs((c.occurrence.date - day).days),
            abs(c.occurrence.amount - amount),
            c.occurrence.schedule_id,
            c.occurrence.scheduled,
        ),
    )
