"""Planning use cases on the in-memory ledger: matching, posting, forecast, suggestions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core import ConflictError, PermissionDeniedError, ValidationError, open_ledger
from finance_core.accounts import Account
from finance_core.forecast import project, spread
from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role
from finance_core.testing.clock import FakeClock

D = Decimal
START = datetime(2026, 3, 2, 8, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def ledger(clock: FakeClock) -> Ledger:
    return open_ledger("memory://", clock=clock)


@pytest.fixture
def owner(ledger: Ledger) -> Principal:
    return ledger.create_tenant("home", "Home", owner="alice")


@pytest.fixture
def checking(ledger: Ledger, owner: Principal) -> Account:
    return ledger.open_account(owner, "Checking", initial_balance=D(2000), min_balance=D(0))


def _bill(ledger: Ledger, owner: Principal, account: Account, **fields: object) -> int:
    values: dict[str, object] = {
        "name": "Phone", "account_id": account.id, "amount": "-40.00", "category": "phone",
        "start_date": "2026-03-10", "freq": "monthly", **fields,
    }  # fmt: skip
    return ledger.create_schedule(owner, **values).id


class TestMatching:
    def test_an_early_payment_matches_an_upcoming_occurrence(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Paid two days early, the occurrence is matched and no longer upcoming."""
        bill = _bill(ledger, owner, checking)
        paid = ledger.post_transaction(
            owner, checking.id, amount="-40.00", date="2026-03-08", category="phone"
        )
        occ = ledger.schedule_occurrences(owner, bill, date(2026, 3, 10), date(2026, 3, 10))[0]
        assert (occ.status, occ.transaction_id) == ("matched", paid.id)

    def test_a_payment_outside_the_tolerances_does_not_match(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Three days off with a two-day tolerance, or a different amount, stays open."""
        bill = _bill(ledger, owner, checking)
        ledger.post_transaction(owner, checking.id, amount="-40.00", date="2026-03-07",
                                category="phone")  # fmt: skip
        ledger.post_transaction(owner, checking.id, amount="-40.01", date="2026-03-10",
                                category="phone")  # fmt: skip
        occ = ledger.schedule_occurrences(owner, bill, date(2026, 3, 10), date(2026, 3, 10))[0]
        assert occ.status == "upcoming"

    def test_an_absolute_tolerance_allows_a_close_amount(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """With {"amount": 5}, 44.99 settles a 40.00 bill."""
        bill = _bill(ledger, owner, checking, amount_tolerance={"amount": "5.00"})
        ledger.post_transaction(owner, checking.id, amount="-44.99", date="2026-03-10",
                                category="phone")  # fmt: skip
        occ = ledger.schedule_occurrences(owner, bill, date(2026, 3, 10), date(2026, 3, 10))[0]
        assert occ.status == "matched"

    def test_an_imported_bill_is_counted_once(
        self, ledger: Ledger, owner: Principal, checking: Account, clock: FakeClock
    ) -> None:
        """A batch (as an import posts it) settles the auto-post occurrence before post-due."""
        _bill(ledger, owner, checking, auto_post=True)
        ledger.post_batch(
            owner, checking.id,
            [{"amount": "-40.00", "date": "2026-03-10", "category": "phone",
              "external_id": "bank-1"}],
        )  # fmt: skip
        clock.advance(days=10)
        assert ledger.post_due(owner) == []
        assert ledger.get_account(owner, checking.id).balance == D("1960.00")


class TestPostDue:
    def test_catches_up_on_days_nobody_ran_it(
        self, ledger: Ledger, owner: Principal, checking: Account, clock: FakeClock
    ) -> None:
        """After three silent weeks, every weekly occurrence since creation is posted."""
        _bill(ledger, owner, checking, freq="weekly", start_date="2026-03-02", auto_post=True)
        clock.advance(days=21)
        posted = ledger.post_due(owner)
        assert [o.date for o in posted] == [date(2026, 3, d) for d in (2, 9, 16, 23)]

    def test_occurrences_before_creation_are_not_posted(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A schedule started in the past posts from the day it was created."""
        bill = _bill(ledger, owner, checking, start_date="2026-01-10", auto_post=True)
        assert ledger.post_due(owner) == []
        statuses = [
            o.status
            for o in ledger.schedule_occurrences(owner, bill, date(2026, 1, 1), date(2026, 3, 31))
        ]
        assert statuses == ["missed", "missed", "upcoming"]

    def test_a_scheduled_transfer_posts_both_legs(
        self, ledger: Ledger, owner: Principal, checking: Account, clock: FakeClock
    ) -> None:
        """A transfer schedule moves money between the two accounts."""
        savings = ledger.open_account(owner, "Savings")
        ledger.create_schedule(
            owner, name="Save", account_id=checking.id, to_account_id=savings.id,
            amount="250", start_date="2026-03-05", freq="monthly", auto_post=True,
        )  # fmt: skip
        clock.advance(days=5)
        (posted,) = ledger.post_due(owner)
        assert posted.status == "posted"
        assert ledger.get_account(owner, savings.id).balance == D("250.00")
        assert ledger.get_account(owner, checking.id).balance == D("1750.00")

    def test_a_viewer_cannot_post(self, ledger: Ledger, owner: Principal) -> None:
        """post-due writes, so viewers are refused."""
        ledger.add_member(owner, "vic", Role.VIEWER)
        with pytest.raises(PermissionDeniedError):
            ledger.post_due(Principal("vic", owner.tenant_id, Role.VIEWER))


class TestOccurrenceChanges:
    def test_a_posted_occurrence_cannot_be_skipped(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Skipping what was already paid is a conflict; change the transaction instead."""
        bill = _bill(ledger, owner, checking, start_date="2026-03-02", auto_post=True)
        ledger.post_due(owner)
        with pytest.raises(ConflictError):
            ledger.skip_occurrence(owner, bill, date(2026, 3, 2))

    def test_a_skipped_occurrence_is_not_posted(
        self, ledger: Ledger, owner: Principal, checking: Account, clock: FakeClock
    ) -> None:
        """post-due leaves a skipped occurrence alone."""
        bill = _bill(ledger, owner, checking, auto_post=True)
        ledger.skip_occurrence(owner, bill, date(2026, 3, 10))
        clock.advance(days=10)
        assert ledger.post_due(owner) == []


class TestScheduleInput:
    def test_bad_input_stores_nothing(self, ledger: Ledger, owner: Principal) -> None:
        """A refused schedule leaves no schedule behind, and names each bad field."""
        with pytest.raises(ValidationError) as caught:
            ledger.create_schedule(owner, name="X", amount="abc", freq="monthly")
        assert {e.field for e in caught.value.errors} >= {"account_id", "amount", "start_date"}
        assert ledger.list_schedules(owner) == []


class TestForecast:
    @given(
        start=st.integers(-1000, 1000),
        moves=st.dictionaries(st.integers(-3, 40), st.integers(-500, 500), max_size=15),
        floor=st.one_of(st.none(), st.integers(-200, 200)),
    )
    def test_projection_is_a_running_sum(
        self, start: int, moves: dict[int, int], floor: int | None
    ) -> None:
        """Each day's balance is the start plus every movement up to it; past ones count today."""
        today = date(2026, 3, 2)
        movements = {today + timedelta(days=k): D(v) for k, v in moves.items()}
        days, below = project(D(start), today, 30, movements, None if floor is None else D(floor))
        for entry in days:
            offset = (entry.date - today).days
            assert entry.balance == D(start) + sum(D(v) for k, v in moves.items() if k <= offset)
        expected = next((e.date for e in days if floor is not None and e.balance < floor), None)
        assert below == expected

    @given(cents=st.integers(0, 10**7), days=st.integers(1, 40))
    def test_spread_adds_up_exactly(self, cents: int, days: int) -> None:
        """Evenly spread shares differ by at most a cent and sum to the amount."""
        today = date(2026, 1, 1)
        shares = spread(D(cents) / 100, [today + timedelta(i) for i in range(days)], "USD")
        assert sum(shares.values()) == D(cents) / 100
        assert max(shares.values()) - min(shares.values()) <= D("0.01")

    def test_budgets_are_projected_on_their_account(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """The unspent budget of the current month is spread over its remaining days."""
        ledger.create_budget(
            owner, name="Food", category="food", amount="300", currency="USD",
            period="monthly", start="2026-03-01", account_id=checking.id,
        )  # fmt: skip
        ledger.post_transaction(owner, checking.id, amount="-60", date="2026-03-01",
                                category="food")  # fmt: skip
        (forecast,) = ledger.forecast(owner, 30, include_budgets=True)
        by_day = {d.date: d.balance for d in forecast.days}
        # 240 left over the 30 days from 2 to 31 March: 8.00 a day.
        assert by_day[date(2026, 3, 2)] == D("1932.00")
        assert by_day[date(2026, 3, 31)] == D("1700.00")

    def test_currencies_are_never_added(self, ledger: Ledger, owner: Principal) -> None:
        """Each account is projected in its own currency."""
        ledger.open_account(owner, "Yen", currency="JPY", initial_balance=D(5000))
        ledger.open_account(owner, "Dollars", initial_balance=D(5))
        got = {(f.currency, f.days[0].balance) for f in ledger.forecast(owner, 3)}
        assert got == {("JPY", D(5000)), ("USD", D(5))}


class TestSuggestions:
    def test_irregular_payments_are_not_suggested(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Gaps of 5, 40 and 12 days fit no interval."""
        for day in ("2026-01-01", "2026-01-06", "2026-02-15", "2026-02-27"):
            ledger.post_transaction(owner, checking.id, amount="-12", date=day,
                                    category="x", merchant="Cafe")  # fmt: skip
        assert ledger.schedule_suggestions(owner) == []

    def test_a_covered_payee_is_not_suggested_again(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Once a schedule names the merchant, the suggestion disappears."""
        for day in ("2025-12-01", "2026-01-01", "2026-02-01"):
            ledger.post_transaction(owner, checking.id, amount="-9.99", date=day,
                                    category="tv", merchant="Streamly 0423")  # fmt: skip
        (found,) = ledger.schedule_suggestions(owner)
        assert (found.freq, found.start_date, found.amount) == (
            "monthly", date(2026, 3, 1), D("-9.99"),
        )  # fmt: skip
        ledger.create_schedule(
            owner, name="TV", account_id=checking.id, amount="-9.99", category="tv",
            merchant="Streamly", start_date="2026-03-01", freq="monthly",
        )  # fmt: skip
        assert ledger.schedule_suggestions(owner) == []


class TestDeletingAnAccount:
    def test_its_schedules_go_and_budgets_stay_unprojected(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Schedules on a deleted account are deleted; a budget on it keeps counting."""
        _bill(ledger, owner, checking)
        budget = ledger.create_budget(
            owner, name="Food", category="food", amount="300", currency="USD",
            period="monthly", start="2026-03-01", account_id=checking.id,
        )  # fmt: skip
        ledger.delete_account(owner, checking.id)
        assert ledger.list_schedules(owner) == []
        assert ledger.get_budget(owner, budget.id).account_id is None


class TestChangingABudget:
    def test_a_new_name_keeps_the_amount_history(self, ledger: Ledger, owner: Principal) -> None:
        """Renaming a budget leaves every period's amount as it was."""
        budget = ledger.create_budget(
            owner, name="Food", category="food", amount="300", currency="USD",
            period="monthly", start="2026-01-01",
        )  # fmt: skip
        ledger.update_budget(owner, budget.id, {"amount": "350", "effective_from": "2026-02-10"})
        renamed = ledger.update_budget(owner, budget.id, {"name": "Groceries"})
        assert [(a.effective_from, a.amount) for a in renamed.amounts] == [
            (date(2026, 1, 1), D("300.00")),
            (date(2026, 2, 1), D("350.00")),
        ]

    def test_other_fields_with_effective_from_are_refused(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """effective_from changes the amount only; a name with it is a validation error."""
        budget = ledger.create_budget(
            owner, name="Food", category="food", amount="300", currency="USD",
            period="monthly", start="2026-01-01",
        )  # fmt: skip
        with pytest.raises(ValidationError, match="effective_from"):
            ledger.update_budget(owner, budget.id, {"name": "X", "effective_from": "2026-02-01"})
