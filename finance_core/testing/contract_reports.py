"""Contract tests for reports: storage aggregates agree with a plain computation."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.aggregates import bucket_start
from finance_core.errors import NotFoundError, ValidationError
from finance_core.ports import Storage
from finance_core.queries import TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing import strategies as fs
from finance_core.testing.clock import FakeClock
from finance_core.testing.fixtures import all_transactions, fresh_id
from finance_core.transactions import Transaction

D = Decimal


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _books(
    storage: Storage, items: list[dict[str, Any]], split_every: int
) -> tuple[Ledger, Principal]:
    """A tenant with a USD and a JPY account holding ``items``, some split, plus a transfer."""
    ledger = Ledger(storage, clock=FakeClock())
    tenant = fresh_id("reports")
    who = ledger.create_tenant(tenant, "R", owner=f"{tenant}-o")
    usd = ledger.open_account(who, "USD", "checking", initial_balance=D(100))
    jpy = ledger.open_account(who, "JPY", "checking", currency="JPY")
    for index, fields in enumerate(items):
        account = usd if index % 3 else jpy
        data = dict(fields)
        if index % split_every == 0 and data["amount"] != 0:
            half = (data["amount"] / 2).quantize(D(1))
            data["splits"] = [
                {"category": "split-a", "amount": half},
                {"category": "split-b", "amount": data["amount"] - half},
            ]
        ledger.post_transaction(who, account.id, **data)
    other = ledger.open_account(who, "USD 2", "savings")
    ledger.create_transfer(who, usd.id, other.id, "5", "2024-06-30")
    return ledger, who


def _lines_by_category(txn: Transaction) -> list[tuple[str, Decimal]]:
    if txn.splits:
        return [(s.category, s.amount) for s in txn.splits]
    return [(txn.category, txn.amount)]


items_strategy = st.lists(fs.transaction_fields("JPY"), min_size=0, max_size=25)


@given(items=items_strategy, split_every=st.integers(2, 5))
def test_report_spending_by_category_and_month_matches_a_plain_sum(
    contract_storage: Storage, items: list[dict[str, Any]], split_every: int
) -> None:
    """Money out per month, category and currency, splits by their own categories."""
    ledger, who = _books(contract_storage, items, split_every)
    currency = {a.id: a.currency for a in ledger.list_accounts(who)}
    expected: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [D(0), 0])
    for txn in all_transactions(ledger, who):
        if txn.transfer_id is not None:
            continue
        for category, amount in _lines_by_category(txn):
            if amount < 0:
                row = expected[(_month(txn.date), category, currency[txn.account_id])]
                row[0] -= amount
                row[1] += 1
    got = {
        (r.period, r.group, r.currency): [r.total, r.count]
        for r in ledger.report_spending(who, group_by="category", period="month")
    }
    assert got == dict(expected)


@given(items=items_strategy)
def test_report_cashflow_matches_a_plain_sum(
    contract_storage: Storage, items: list[dict[str, Any]]
) -> None:
    """Income, expenses and net per month and currency; transfers are not cash flow."""
    ledger, who = _books(contract_storage, items, 10**6)
    currency = {a.id: a.currency for a in ledger.list_accounts(who)}
    expected: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
    for txn in all_transactions(ledger, who):
        if txn.transfer_id is None:
            row = expected[(_month(txn.date), currency[txn.account_id])]
            row[0 if txn.amount > 0 else 1] += abs(txn.amount)
    got = {
        (r.period, r.currency): [r.income, r.expenses]
        for r in ledger.report_cashflow(who, period="month")
    }
    assert got == dict(expected)
    for line in ledger.report_cashflow(who, period="month"):
        assert line.net == (line.income or 0) - (line.expenses or 0)


@given(items=items_strategy, day=fs.dates)
def test_report_balance_history_matches_balance_as_of(
    contract_storage: Storage, items: list[dict[str, Any]], day: date
) -> None:
    """Each period's closing balance equals the as-of balance on its last day."""
    ledger, who = _books(contract_storage, items, 10**6)
    account = ledger.list_accounts(who)[0]
    rows = ledger.report_balance_history(
        who, account.id, period="month", start_date=date(2020, 1, 1), end_date=day
    )
    assert rows[-1].balance == ledger.balance_as_of(who, account.id, day)
    assert rows[0].period == "2020-01"


@given(
    items=items_strategy,
    bucket=st.sampled_from(["month", "year"]),
    group_by=st.sampled_from([None, "category", "tag", "merchant", "account"]),
)
def test_report_month_and_year_buckets_equal_summed_days(
    contract_storage: Storage, items: list[dict[str, Any]], bucket: str, group_by: str | None
) -> None:
    """Storage's month and year buckets hold exactly the sums of their days."""
    ledger, who = _books(contract_storage, items, 3)
    with ledger.storage.unit_of_work(who.tenant_id, readonly=True) as uow:
        days = uow.transactions.daily_totals(TransactionFilter(), group_by, include_transfers=True)
        coarse = uow.transactions.daily_totals(
            TransactionFilter(), group_by, include_transfers=True, bucket=bucket
        )
    expected: dict[tuple[date, str | None, str], list[Any]] = defaultdict(
        lambda: [D(0), D(0), 0, 0]
    )
    for day in days:
        row = expected[(bucket_start(day.day, bucket), day.group, day.currency)]
        row[0] += day.income
        row[1] += day.expenses
        row[2] += day.count_in
        row[3] += day.count_out
    got = {
        (d.day, d.group, d.currency): [d.income, d.expenses, d.count_in, d.count_out]
        for d in coarse
    }
    assert got == dict(expected)


class TestReports:
    def test_net_worth_sums_balances_per_currency(self, contract_storage: Storage) -> None:
        """Net worth adds account balances of one currency, never across currencies."""
        ledger, who = _books(
            contract_storage,
            [{"amount": D(-7), "date": date(2024, 1, 5), "category": "c"}] * 3,
            10**6,
        )
        rows = ledger.report_net_worth(
            who, period="month", start_date=date(2024, 1, 1), end_date=date(2024, 6, 30)
        )
        by_key = {(r.period, r.currency): r.balance for r in rows}
        assert by_key[("2024-01", "JPY")] == D(-7)
        assert by_key[("2024-01", "USD")] == D(86)
        assert by_key[("2024-06", "USD")] == D(86)

    def test_spending_by_tag_counts_each_tag(self, contract_storage: Storage) -> None:
        """A transaction with two tags counts under both; untagged ones under None."""
        ledger, who = _books(
            contract_storage,
            [
                {"amount": D(-3), "date": date(2024, 2, 1), "category": "c", "tags": ["a", "b"]},
                {"amount": D(-4), "date": date(2024, 2, 2), "category": "c", "tags": ["a"]},
                {"amount": D(-5), "date": date(2024, 2, 3), "category": "c"},
            ],
            10**6,
        )
        rows = ledger.report_spending(who, group_by="tag", period="none")
        got = {(r.group, r.currency): r.total for r in rows}
        assert got == {
            ("a", "JPY"): D(3),
            ("a", "USD"): D(4),
            ("b", "JPY"): D(3),
            (None, "USD"): D(5),
        }

    def test_week_labels_are_iso_weeks(self, contract_storage: Storage) -> None:
        """2024-12-30 belongs to ISO week 2025-W01."""
        ledger, who = _books(
            contract_storage,
            [{"amount": D(-1), "date": date(2024, 12, 30), "category": "c"}],
            10**6,
        )
        assert [r.period for r in ledger.report_spending(who, period="week")] == ["2025-W01"]

    def test_bad_parameters_are_named(self, contract_storage: Storage) -> None:
        """Unknown groupings, periods and reversed ranges are validation errors."""
        ledger, who = _books(contract_storage, [], 10**6)
        with pytest.raises(ValidationError, match="group_by"):
            ledger.report_spending(who, group_by="colour")
        with pytest.raises(ValidationError, match="period"):
            ledger.report_cashflow(who, period="fortnight")
        with pytest.raises(ValidationError, match="start_date"):
            ledger.report_spending(who, start_date=date(2024, 2, 1), end_date=date(2024, 1, 1))

    def test_another_tenants_account_is_not_found(self, contract_storage: Storage) -> None:
        """Reports filtered by a foreign account id behave as for a missing one."""
        ledger, who = _books(contract_storage, [], 10**6)
        with pytest.raises(NotFoundError):
            ledger.report_spending(who, account_id=10**6)
