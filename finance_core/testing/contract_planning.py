"""Contract tests for planning: schedules, occurrence links and budgets on every backend."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.accounts import Account
from finance_core.budgets import Budget, BudgetAmount
from finance_core.errors import DuplicateError, NotFoundError
from finance_core.ports import Storage
from finance_core.recurrence import Recurrence
from finance_core.schedules import (
    AmountTolerance,
    OccurrenceChange,
    Schedule,
    ScheduleLink,
    ScheduleTerms,
)
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.clock import FakeClock
from finance_core.testing.fixtures import fresh_id

D = Decimal
NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def _schedule(tenant_id: str, ident: int = 1) -> Schedule:
    first = ScheduleTerms(
        account_id=1,
        amount=D("-1200.00"),
        recurrence=Recurrence(date(2026, 1, 31), "monthly", 1, (), (31,), None, None, "before"),
        category="rent",
        merchant="Landlord",
        tags=("home", "fixed"),
        amount_tolerance=AmountTolerance(percent=D("7.5")),
        auto_post=True,
    )
    second = ScheduleTerms(
        account_id=1,
        amount=D("-1250.00"),
        recurrence=Recurrence(date(2026, 1, 31), "weekly", 2, (1, 5), (), 10, None, "keep"),
        category="rent",
        to_account_id=2,
        amount_tolerance=AmountTolerance(amount=D("5.00")),
        date_tolerance_days=0,
        effective_from=date(2026, 6, 1),
    )
    return Schedule(ident, tenant_id, "Rent", (first, second), NOW, NOW)


def _budget(tenant_id: str, ident: int = 1) -> Budget:
    return Budget(
        id=ident,
        tenant_id=tenant_id,
        name="Food",
        currency="JPY",
        period="weekly",
        start_day=3,
        start=date(2026, 1, 7),
        mode="envelope",
        amounts=(BudgetAmount(date(2026, 1, 7), D(5000)), BudgetAmount(date(2026, 3, 4), D(6000))),
        created_at=NOW,
        updated_at=NOW,
        tag="food",
        account_id=3,
    )


class TestScheduleStorage:
    def test_a_schedule_reads_back_as_stored(self, contract_storage: Storage) -> None:
        """Every revision, recurrence and tolerance comes back exactly."""
        tenant = fresh_id("plan")
        with contract_storage.unit_of_work(tenant) as uow:
            uow.schedules.add(_schedule(tenant))
            uow.commit()
        with contract_storage.unit_of_work(tenant, readonly=True) as uow:
            assert uow.schedules.get(1) == _schedule(tenant)
            assert uow.schedules.list() == [_schedule(tenant)]

    def test_another_tenant_sees_no_schedule(self, contract_storage: Storage) -> None:
        """A schedule id of one tenant is missing in another."""
        tenant, other = fresh_id("plan"), fresh_id("plan")
        with contract_storage.unit_of_work(tenant) as uow:
            uow.schedules.add(_schedule(tenant))
            uow.commit()
        with contract_storage.unit_of_work(other, readonly=True) as uow:
            assert uow.schedules.get(1) is None
            assert uow.schedules.list() == []

    def test_a_second_link_for_one_occurrence_is_refused(self, contract_storage: Storage) -> None:
        """The (schedule, date) key is unique: a second posting raises and stores nothing."""
        tenant = fresh_id("plan")
        with contract_storage.unit_of_work(tenant) as uow:
            uow.schedules.add(_schedule(tenant))
            uow.schedules.add_link(ScheduleLink(1, date(2026, 1, 31), 10, "posted", NOW))
            uow.commit()
        with contract_storage.unit_of_work(tenant) as uow, pytest.raises(DuplicateError):
            uow.schedules.add_link(ScheduleLink(1, date(2026, 1, 31), 11, "posted", NOW))
        with contract_storage.unit_of_work(tenant, readonly=True) as uow:
            assert [link.transaction_id for link in uow.schedules.links()] == [10]

    def test_one_transaction_settles_one_occurrence(self, contract_storage: Storage) -> None:
        """A transaction already linked cannot settle a second occurrence."""
        tenant = fresh_id("plan")
        with contract_storage.unit_of_work(tenant) as uow:
            uow.schedules.add(_schedule(tenant))
            uow.schedules.add_link(ScheduleLink(1, date(2026, 1, 31), 10, "matched", NOW))
            uow.commit()
        with contract_storage.unit_of_work(tenant) as uow, pytest.raises(DuplicateError):
            uow.schedules.add_link(ScheduleLink(1, date(2026, 2, 28), 10, "matched", NOW))

    def test_a_change_replaces_the_earlier_one(self, contract_storage: Storage) -> None:
        """Skipping then moving one occurrence keeps only the move; removing clears it."""
        tenant = fresh_id("plan")
        day = date(2026, 2, 28)
        with contract_storage.unit_of_work(tenant) as uow:
            uow.schedules.add(_schedule(tenant))
            uow.schedules.set_change(OccurrenceChange(1, day, "skipped"))
            uow.schedules.set_change(OccurrenceChange(1, day, "moved", date(2026, 3, 2)))
            uow.commit()
        with contract_storage.unit_of_work(tenant) as uow:
            assert uow.schedules.changes(1) == [OccurrenceChange(1, day, "moved", date(2026, 3, 2))]
            uow.schedules.remove_change(1, day)
            uow.commit()
        with contract_storage.unit_of_work(tenant, readonly=True) as uow:
            assert uow.schedules.changes() == []

    def test_deleting_a_schedule_deletes_its_links_and_changes(
        self, contract_storage: Storage
    ) -> None:
        """Nothing of a deleted schedule is left behind."""
        tenant = fresh_id("plan")
        with contract_storage.unit_of_work(tenant) as uow:
            uow.schedules.add(_schedule(tenant))
            uow.schedules.add(_schedule(tenant, 2))
            uow.schedules.add_link(ScheduleLink(1, date(2026, 1, 30), 10, "posted", NOW))
            uow.schedules.add_link(ScheduleLink(2, date(2026, 1, 30), 11, "posted", NOW))
            uow.schedules.set_change(OccurrenceChange(1, date(2026, 2, 28), "skipped"))
            uow.commit()
        with contract_storage.unit_of_work(tenant) as uow:
            uow.schedules.delete(1)
            uow.commit()
        with contract_storage.unit_of_work(tenant, readonly=True) as uow:
            assert [s.id for s in uow.schedules.list()] == [2]
            assert [link.schedule_id for link in uow.schedules.links()] == [2]
            assert uow.schedules.changes() == []


class TestBudgetStorage:
    def test_a_budget_reads_back_as_stored(self, contract_storage: Storage) -> None:
        """Every field and every amount change comes back exactly."""
        tenant = fresh_id("plan")
        with contract_storage.unit_of_work(tenant) as uow:
            uow.budgets.add(_budget(tenant))
            uow.commit()
        with contract_storage.unit_of_work(tenant, readonly=True) as uow:
            assert uow.budgets.get(1) == _budget(tenant)
            assert uow.budgets.list() == [_budget(tenant)]

    def test_a_rolled_back_budget_is_not_stored(self, contract_storage: Storage) -> None:
        """A unit of work that ends without commit leaves no budget."""
        tenant = fresh_id("plan")
        with contract_storage.unit_of_work(tenant) as uow:
            uow.budgets.add(_budget(tenant))
        with contract_storage.unit_of_work(tenant, readonly=True) as uow:
            assert uow.budgets.list() == []


def _household(storage: Storage) -> tuple[Ledger, Principal, Account, FakeClock]:
    clock = FakeClock(NOW)
    ledger = Ledger(storage, clock=clock)
    tenant = fresh_id("plan")
    who = ledger.create_tenant(tenant, "Planners", owner=f"{tenant}-o")
    account = ledger.open_account(who, "Checking", initial_balance=D(5000))
    return ledger, who, account, clock


class TestPlanningUseCases:
    def test_post_due_posts_each_occurrence_once(self, contract_storage: Storage) -> None:
        """Running post-due twice after a month posts every due occurrence exactly once."""
        ledger, who, account, clock = _household(contract_storage)
        rent = ledger.create_schedule(
            who, name="Rent", account_id=account.id, amount="-100", category="rent",
            start_date="2026-01-16", freq="weekly", auto_post=True,
        )  # fmt: skip
        clock.advance(days=26)
        first = ledger.post_due(who)
        again = ledger.post_due(who)
        assert [o.scheduled for o in first] == [
            date(2026, 1, 16), date(2026, 1, 23), date(2026, 1, 30), date(2026, 2, 6),
        ]  # fmt: skip
        assert again == []
        listed = ledger.schedule_occurrences(who, rent.id, date(2026, 1, 1), date(2026, 2, 7))
        assert {o.status for o in listed} == {"posted"}
        assert ledger.get_account(who, account.id).balance == D(4600)

    def test_a_matching_payment_settles_an_occurrence(self, contract_storage: Storage) -> None:
        """A transaction within the tolerances is linked, so post-due does not post it again."""
        ledger, who, account, clock = _household(contract_storage)
        bill = ledger.create_schedule(
            who, name="Power", account_id=account.id, amount="-80", category="utilities",
            start_date="2026-01-20", freq="monthly", auto_post=True,
            amount_tolerance={"percent": 10},
        )  # fmt: skip
        paid = ledger.post_transaction(
            who, account.id, amount="-84.50", date="2026-01-19", category="utilities"
        )
        clock.advance(days=7)
        assert ledger.post_due(who) == []
        (occ,) = ledger.schedule_occurrences(who, bill.id, date(2026, 1, 1), date(2026, 1, 31))
        assert (occ.status, occ.transaction_id) == ("matched", paid.id)

    def test_another_tenants_schedule_is_not_found(self, contract_storage: Storage) -> None:
        """A schedule of one household is a 404 to another, like a missing one."""
        ledger, who, account, _ = _household(contract_storage)
        mine = ledger.create_schedule(
            who, name="Gym", account_id=account.id, amount="-30", category="sport",
            start_date="2026-01-01", freq="monthly",
        )  # fmt: skip
        other, stranger, _, _ = _household(contract_storage)
        with pytest.raises(NotFoundError):
            other.get_schedule(stranger, mine.id)


@given(
    spend=st.lists(
        st.tuples(st.integers(0, 120), st.integers(-5000, 3000), st.booleans()),
        max_size=12,
    )
)
def test_budget_spent_matches_a_plain_sum(
    contract_storage: Storage, spend: list[tuple[int, int, bool]]
) -> None:
    """Spent per month is the negated sum of the category's amounts, splits by line."""
    ledger, who, account, _ = _household(contract_storage)
    budget = ledger.create_budget(
        who, name="Food", category="food", amount="300", currency="USD",
        period="monthly", start="2025-10-01", mode="envelope",
    )  # fmt: skip
    expected: dict[date, Decimal] = defaultdict(Decimal)
    for offset, cents, split in spend:
        if cents == 0:
            continue
        day = date(2025, 10, 1) + timedelta(days=offset)
        amount = D(cents) / 100
        fields: dict[str, object] = {"amount": amount, "date": day, "category": "food"}
        if split:
            fields["category"] = "other"
            fields["splits"] = [
                {"category": "food", "amount": amount},
                {"category": "other", "amount": D(0)},
            ]
        ledger.post_transaction(who, account.id, **fields)
        expected[day.replace(day=1)] -= amount
    (report,) = ledger.budget_statuses(who, date(2025, 10, 1), date(2026, 1, 31))
    assert report.budget.id == budget.id
    assert {p.start: p.spent for p in report.periods} == {
        month: expected.get(month, D(0))
        for month in (date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1))
    }
