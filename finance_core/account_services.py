"""Use cases of accounts: open, read, change, delete, balances."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import attrs

from finance_core.accounts import Account, AccountType, check_account_name
from finance_core.errors import (
    NotFoundError,
    ValidationError,
    gather,
)
from finance_core.events import Event, EventKind
from finance_core.ledger_base import (
    UNSET,
    BalanceDrift,
    BalanceWrite,
    LedgerBase,
    check_version,
    positive_id,
)
from finance_core.money import check_amount, check_currency
from finance_core.occurrence_links import forget_account_plans
from finance_core.reconciliation import refuse_reconciled_account
from finance_core.rules import BalanceChange, enforce
from finance_core.tenancy import Principal
from finance_core.transactions import check_date


class AccountServices(LedgerBase):
    """Accounts and their balances."""

    def open_account(
        self,
        principal: Principal,
        name: str,
        account_type: AccountType | str = AccountType.CHECKING,
        *,
        currency: str | None = None,
        initial_balance: Decimal | int | str = Decimal(0),
        min_balance: Decimal | int | str | None = None,
    ) -> Account:
        """Open an account; the initial balance must already satisfy every rule."""
        principal.require_write()
        cleaned, errors = gather(
            {
                "name": lambda: check_account_name(name),
                "account_type": lambda: AccountType.parse(account_type),
                "currency": lambda: check_currency(
                    self.default_currency if currency is None else currency
                ),
            }
        )
        if "currency" in cleaned:
            amounts, more = gather(
                {
                    field: partial(_optional_amount, value, cleaned["currency"], field)
                    for field, value in (
                        ("initial_balance", initial_balance),
                        ("min_balance", min_balance),
                    )
                }
            )
            cleaned.update(amounts)
            errors.extend(more)
        if errors:
            raise ValidationError(errors)
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            creator = uow.users.get_or_create(principal.user_id)
            (ident,) = uow.allocate_ids("account")
            account = Account(
                id=ident,
                tenant_id=principal.tenant_id,
                name=cleaned["name"],
                account_type=cleaned["account_type"],
                currency=cleaned["currency"],
                initial_balance=cleaned["initial_balance"],
                balance=cleaned["initial_balance"],
                min_balance=cleaned["min_balance"],
                created_by=creator.id,
                created_at=now,
                updated_at=now,
            )
            enforce(self.rules, BalanceChange(account, account.balance, (), (), now.date()))
            uow.accounts.add(account)
            uow.commit()
        self.notify(
            principal.tenant_id, [Event(EventKind.ACCOUNT_OPENED, principal.tenant_id, ident)]
        )
        return account

    def get_account(self, principal: Principal, account_id: int) -> Account:
        positive_id(account_id, "account_id")
        with self._unit(principal.tenant_id, readonly=True) as uow:
            account = uow.accounts.get(account_id)
        if account is None:
            raise NotFoundError("account", account_id)
        return account

    def list_accounts(self, principal: Principal) -> list[Account]:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return uow.accounts.list()

    def balance_as_of(self, principal: Principal, account_id: int, day: date) -> Decimal:
        """The balance at the end of ``day``: initial balance plus amounts dated up to it."""
        positive_id(account_id, "account_id")
        day = check_date(day, "as_of")
        with self._unit(principal.tenant_id, readonly=True) as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFoundError("account", account_id)
            return account.initial_balance + uow.transactions.sum_amounts(account_id, through=day)

    def update_account(
        self,
        principal: Principal,
        account_id: int,
        *,
        name: Any = UNSET,
        account_type: Any = UNSET,
        min_balance: Any = UNSET,
        expected_version: int | None = None,
    ) -> Account:
        """Change name, type or floor; a new floor must not be above the balance."""
        principal.require_write()
        positive_id(account_id, "account_id")
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            account = write.lock(account_id)[account_id]
            check_version("account", account_id, expected_version, account.version)
            given: dict[str, tuple[Any, Callable[[Any], Any]]] = {
                "name": (name, check_account_name),
                "account_type": (account_type, AccountType.parse),
                "min_balance": (
                    min_balance,
                    partial(_optional_amount, currency=account.currency, field="min_balance"),
                ),
            }
            changes, errors = gather(
                {
                    field: partial(check, value)
                    for field, (value, check) in given.items()
                    if value is not UNSET
                }
            )
            if errors:
                raise ValidationError(errors)
            updated = attrs.evolve(account, **changes, updated_at=now, version=account.version + 1)
            enforce(self.rules, BalanceChange(updated, updated.balance, (), (), now.date()))
            uow.accounts.update(updated)
            write.event(EventKind.ACCOUNT_CHANGED, account_id)
            write.finish()
        return updated

    def delete_account(
        self, principal: Principal, account_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete an account, its transactions, both legs of its transfers, and its schedules.

        Budgets that projected onto the account keep counting spending, unprojected.
        """
        principal.require_write()
        positive_id(account_id, "account_id")
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            account = write.lock(account_id)[account_id]
            check_version("account", account_id, expected_version, account.version)
            refuse_reconciled_account(uow, account_id)
            transfers = uow.transfers.list_for_account(account_id)
            partners = {
                t.to_account_id if t.from_account_id == account_id else t.from_account_id
                for t in transfers
            } - {account_id}
            write.lock(*partners)
            partner_legs = []
            for transfer in transfers:
                for leg_id in (transfer.from_transaction_id, transfer.to_transaction_id):
                    leg = uow.transactions.get(leg_id)
                    if leg is not None and leg.account_id != account_id:
                        write.remove(leg)
                        partner_legs.append(leg.id)
            write.locked.pop(account_id)
            write.settle(now)
            # Rows that reference a transfer go before the transfer itself.
            uow.transactions.delete_for_account(account_id)
            uow.transactions.delete_many(partner_legs)
            uow.statements.delete_for_account(account_id)
            for transfer in transfers:
                uow.transfers.delete(transfer.id)
                write.event(EventKind.TRANSFER_DELETED, transfer.id)
            forget_account_plans(uow, account_id, now)
            uow.accounts.delete(account_id)
            write.event(EventKind.ACCOUNT_DELETED, account_id)
            write.finish()

    def recompute_balances(self, principal: Principal) -> list[BalanceDrift]:
        """Recompute every balance from its transactions; fix and report any drift."""
        principal.require_write()
        drifts = []
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            for account in uow.accounts.list():
                locked = write.lock(account.id)[account.id]
                computed = locked.initial_balance + uow.transactions.sum_amounts(account.id)
                if computed != locked.balance:
                    drifts.append(BalanceDrift(account.id, locked.balance, computed))
                    uow.accounts.update(
                        attrs.evolve(
                            locked, balance=computed, updated_at=now, version=locked.version + 1
                        )
                    )
            uow.commit()
        return drifts


def _optional_amount(value: object, currency: str, field: str) -> Decimal | None:
    return None if value is None else check_amount(value, currency, field)
