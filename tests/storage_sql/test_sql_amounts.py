"""Exact money: every amount the domain accepts survives a round trip, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sql_support import fresh_tenant

from finance_core.accounts import Account, AccountType
from finance_core.errors import ValidationError
from finance_core.queries import PageRequest, TransactionFilter
from finance_core.testing.clock import FakeClock
from finance_core.testing.strategies import extreme_amounts
from finance_core.transactions import Split, Transaction, Transfer
from finance_storage_sql.storage import SqlStorage

#: One currency for each minor unit the domain knows: 2, 0, 3 and 4 decimals.
CURRENCIES = ("USD", "JPY", "BHD", "CLF")
NOW = FakeClock()()


def _account(tenant: str, ident: int, currency: str, amount: Decimal) -> Account:
    return Account(
        id=ident,
        tenant_id=tenant,
        name="A",
        account_type=AccountType.CHECKING,
        currency=currency,
        initial_balance=amount,
        balance=amount,
        min_balance=amount,
        created_by=None,
        created_at=NOW,
        updated_at=NOW,
    )


def _transaction(tenant: str, ident: int, account_id: int, amount: Decimal) -> Transaction:
    return Transaction(
        id=ident,
        tenant_id=tenant,
        account_id=account_id,
        amount=amount,
        date=date(2024, 5, 1),
        category="c",
        created_at=NOW,
        updated_at=NOW,
        splits=(Split("s", amount),),
    )


def _same(read: Decimal, written: Decimal) -> bool:
    """Equal value and the same exponent (the currency's): nothing rounded, nothing padded."""
    return read == written and read.as_tuple().exponent == written.as_tuple().exponent


@st.composite
def currency_and_amount(draw: st.DrawFn) -> tuple[str, Decimal]:
    currency = draw(st.sampled_from(CURRENCIES))
    return currency, draw(extreme_amounts(currency))


class TestRoundTrip:
    @given(case=currency_and_amount())
    def test_account_amounts_are_exact(
        self, any_storage: SqlStorage, case: tuple[str, Decimal]
    ) -> None:
        """Initial balance, balance and floor come back exactly as written."""
        currency, amount = case
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1, currency, amount))
            uow.commit()
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            read = uow.accounts.get(1)
        assert read is not None and read.min_balance is not None
        assert _same(read.initial_balance, amount)
        assert _same(read.balance, amount)
        assert _same(read.min_balance, amount)

    @given(case=currency_and_amount())
    def test_transaction_and_split_amounts_are_exact(
        self, any_storage: SqlStorage, case: tuple[str, Decimal]
    ) -> None:
        """A transaction's amount and its split's amount come back exactly."""
        currency, amount = case
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1, currency, Decimal(0)))
            uow.transactions.add_many([_transaction(tenant, 1, 1, amount)])
            uow.commit()
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            read = uow.transactions.get(1)
        assert read is not None
        assert _same(read.amount, amount)
        assert _same(read.splits[0].amount, amount)

    @given(case=currency_and_amount())
    def test_transfer_amounts_are_exact(
        self, any_storage: SqlStorage, case: tuple[str, Decimal]
    ) -> None:
        """Both amounts of a transfer come back exactly, each in its own currency."""
        currency, amount = case
        tenant = fresh_tenant()
        transfer = Transfer(
            1, tenant, 1, 2, 1, 2, amount, Decimal("0.01"), date(2024, 1, 1), None, NOW
        )
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1, currency, Decimal(0)))
            uow.accounts.add(_account(tenant, 2, "USD", Decimal(0)))
            uow.transfers.add(transfer)
            uow.commit()
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            read = uow.transfers.get(1)
        assert read is not None
        assert _same(read.amount, amount) and _same(read.to_amount, Decimal("0.01"))

    @given(currency=st.sampled_from(CURRENCIES), data=st.data())
    def test_sums_are_exact(
        self, any_storage: SqlStorage, currency: str, data: st.DataObject
    ) -> None:
        """The stored sum of two extreme amounts equals their Decimal sum."""
        first = data.draw(extreme_amounts(currency))
        second = data.draw(extreme_amounts(currency))
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1, currency, Decimal(0)))
            uow.transactions.add_many(
                [_transaction(tenant, 1, 1, first), _transaction(tenant, 2, 1, second)]
            )
            uow.commit()
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            assert uow.transactions.sum_amounts(1) == first + second

    @given(case=currency_and_amount())
    def test_amount_filter_finds_the_exact_value(
        self, any_storage: SqlStorage, case: tuple[str, Decimal]
    ) -> None:
        """min_amount == max_amount == the stored amount selects that transaction."""
        currency, amount = case
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1, currency, Decimal(0)))
            uow.transactions.add_many([_transaction(tenant, 1, 1, amount)])
            uow.commit()
        flt = TransactionFilter(min_amount=amount, max_amount=amount)
        with any_storage.unit_of_work(tenant, readonly=True) as uow:
            assert [t.id for t in uow.transactions.query(flt, PageRequest()).items] == [1]


class TestRefusals:
    def test_more_decimals_than_the_currency_is_refused_not_truncated(
        self, any_storage: SqlStorage
    ) -> None:
        """Storage refuses 0.5 yen rather than storing 0."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1, "JPY", Decimal(0)))
            txn = _transaction(tenant, 1, 1, Decimal("0.5"))
            with pytest.raises(ValidationError, match="more decimals than JPY allows"):
                uow.transactions.add_many([txn])

    def test_amounts_beyond_the_domain_limit_are_refused(self, any_storage: SqlStorage) -> None:
        """10^14 does not fit the exact range, so it is refused before reaching the database."""
        tenant = fresh_tenant()
        with any_storage.unit_of_work(tenant) as uow:
            uow.accounts.add(_account(tenant, 1, "USD", Decimal(0)))
            txn = _transaction(tenant, 1, 1, Decimal(10) ** 14)
            with pytest.raises(ValidationError, match="too large"):
                uow.transactions.add_many([txn])
