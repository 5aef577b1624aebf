"""Use cases of transactions: post, batch, read, list, change, move, delete."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from finance_core.accounts import Account
from finance_core.errors import (
    DuplicateError,
    FieldError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from finance_core.events import EventKind
from finance_core.ledger_base import (
    UNSET,
    BalanceWrite,
    BatchResult,
    check_version,
    positive_id,
)
from finance_core.occurrence_links import link_occurrences
from finance_core.ports import UnitOfWork
from finance_core.queries import Page, PageRequest, TransactionFilter
from finance_core.rule_steps import categorize_new, note_edit
from finance_core.tenancy import Principal
from finance_core.transactions import (
    Transaction,
    check_split_total,
    clean_fields,
)
from finance_core.transfer_services import TransferServices


class TransactionServices(TransferServices):
    """Transactions; deleting or changing a transfer leg acts on the whole transfer."""

    def _build(
        self,
        principal: Principal,
        account: Account,
        ident: int,
        fields: Mapping[str, Any],
        now: datetime,
    ) -> Transaction:
        cleaned = clean_fields(fields, account.currency)
        check_split_total(cleaned.get("splits", ()), cleaned["amount"])
        return Transaction(
            id=ident,
            tenant_id=principal.tenant_id,
            account_id=account.id,
            created_at=now,
            updated_at=now,
            **cleaned,
        )

    def post_transaction(self, principal: Principal, account_id: int, **fields: Any) -> Transaction:
        """Post one transaction and move the account's balance by its amount."""
        return self.post_batch(principal, account_id, [fields]).transactions[0]

    def post_batch(
        self, principal: Principal, account_id: int, items: Sequence[Mapping[str, Any]]
    ) -> BatchResult:
        """Post many transactions to one account, all or nothing."""
        principal.require_write()
        positive_id(account_id, "account_id")
        if not items:
            raise ValidationError.of("transactions", "a batch needs at least one transaction")
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            account = write.lock(account_id)[account_id]
            ids = uow.allocate_ids("transaction", len(items))
            txns = []
            errors: list[FieldError] = []
            for index, (ident, item) in enumerate(zip(ids, items, strict=True)):
                try:
                    txns.append(self._build(principal, account, ident, item, now))
                except ValidationError as exc:
                    prefix = f"transactions[{index}]." if len(items) > 1 else ""
                    errors.extend(attrs.evolve(e, field=prefix + e.field) for e in exc.errors)
            if errors:
                raise ValidationError(errors)
            txns = categorize_new(self, uow, account, items, txns)
            self._check_new_external_ids(uow, account_id, txns)
            for txn in txns:
                write.add(txn)
            write.settle(now)
            uow.transactions.add_many(txns)
            link_occurrences(uow, txns, now)
            for txn in txns:
                write.event(EventKind.TRANSACTION_POSTED, txn.id)
            write.finish()
        balance = write.locked[account_id].balance
        total = sum((t.amount for t in txns), Decimal(0))
        return BatchResult(txns, balance, total, len(txns))

    @staticmethod
    def _check_new_external_ids(
        uow: UnitOfWork, account_id: int, txns: Iterable[Transaction]
    ) -> None:
        wanted: dict[str, int] = {}
        for txn in txns:
            if txn.external_id is None:
                continue
            if txn.external_id in wanted:
                raise DuplicateError(
                    f"external_id {txn.external_id!r} appears twice in one request"
                )
            wanted[txn.external_id] = txn.id
        if not wanted:
            return
        existing = uow.transactions.find_external_ids(account_id, list(wanted))
        clashes = {ext: other for ext, other in existing.items() if other != wanted[ext]}
        if clashes:
            ext, other = next(iter(clashes.items()))
            raise DuplicateError(
                f"account {account_id} already has external_id {ext!r} (transaction {other})"
            )

    def get_transaction(self, principal: Principal, transaction_id: int) -> Transaction:
        positive_id(transaction_id, "transaction_id")
        with self._unit(principal.tenant_id, readonly=True) as uow:
            txn = uow.transactions.get(transaction_id)
        if txn is None:
            raise NotFoundError("transaction", transaction_id)
        return txn

    def list_transactions(
        self,
        principal: Principal,
        flt: TransactionFilter | None = None,
        page: PageRequest | None = None,
    ) -> Page[Transaction]:
        """Filtered transactions, newest first; an unknown ``account_id`` is not found."""
        flt = flt or TransactionFilter()
        page = page or PageRequest()
        with self._unit(principal.tenant_id, readonly=True) as uow:
            if flt.account_id is not None and uow.accounts.get(flt.account_id) is None:
                raise NotFoundError("account", flt.account_id)
            return uow.transactions.query(flt, page)

    def _locked_transaction(self, write: BalanceWrite, transaction_id: int) -> Transaction:
        """Fetch a transaction with its account locked, re-reading after the lock."""
        positive_id(transaction_id, "transaction_id")
        uow = write.uow
        for _ in range(5):
            txn = uow.transactions.get(transaction_id)
            if txn is None:
                raise NotFoundError("transaction", transaction_id)
            write.lock(txn.account_id)
            fresh = uow.transactions.get(transaction_id)
            if fresh is None:
                raise NotFoundError("transaction", transaction_id)
            if fresh.account_id == txn.account_id:
                return fresh
        raise StaleVersionError("transaction", transaction_id, 0, 0)

    def update_transaction(
        self,
        principal: Principal,
        transaction_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Transaction:
        """Change any field, including ``account_id`` (a move within one currency).

        On a transfer leg, a new date or description applies to both legs and a
        new amount to both (mirrored) when the currencies match; a leg cannot
        move to another account.
        """
        principal.require_write()
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            old = self._locked_transaction(write, transaction_id)
            check_version("transaction", transaction_id, expected_version, old.version)
            changes = dict(changes)
            target_id = old.account_id
            if "account_id" in changes:
                target_id = positive_id(changes.pop("account_id"), "account_id")
            if target_id != old.account_id and old.transfer_id is not None:
                raise ValidationError.of(
                    "account_id",
                    "a transfer leg cannot move; delete the transfer and make a new one",
                )
            target = write.lock(target_id)[target_id]
            source = write.locked[old.account_id]
            if target.currency != source.currency:
                raise ValidationError.of(
                    "account_id",
                    f"cannot move a {source.currency} transaction into a {target.currency} account",
                )
            cleaned = clean_fields(changes, target.currency, partial=True)
            if cleaned.get("category", UNSET) is None:
                raise ValidationError.of("category", "category cannot be null")
            new = attrs.evolve(
                note_edit(old, cleaned),
                **cleaned,
                account_id=target_id,
                updated_at=now,
                version=old.version + 1,
            )
            check_split_total(new.splits, new.amount)
            if new.external_id is not None and (
                new.external_id != old.external_id or target_id != old.account_id
            ):
                self._check_new_external_ids(uow, target_id, [new])
            write.remove(old)
            write.add(new)
            updates = [new]
            if old.transfer_id is not None:
                updates += self._mirror_to_partner(write, old, new, now)
            write.settle(now)
            for txn in updates:
                uow.transactions.update(txn)
                write.event(EventKind.TRANSACTION_CHANGED, txn.id)
            write.finish()
        return new

    def _mirror_to_partner(
        self, write: BalanceWrite, old: Transaction, new: Transaction, now: datetime
    ) -> list[Transaction]:
        uow = write.uow
        assert old.transfer_id is not None
        transfer = uow.transfers.get(old.transfer_id)
        if transfer is None:
            return []
        partner_id = (
            transfer.to_transaction_id
            if transfer.from_transaction_id == old.id
            else transfer.from_transaction_id
        )
        partner = uow.transactions.get(partner_id)
        if partner is None:
            return []
        write.lock(partner.account_id)
        same_currency = (
            write.locked[partner.account_id].currency == write.locked[old.account_id].currency
        )
        if new.amount != old.amount and not same_currency:
            raise ValidationError.of(
                "amount",
                "the legs of a cross-currency transfer have their own amounts; "
                "delete the transfer and make a new one",
            )
        mirrored = attrs.evolve(
            partner,
            amount=-new.amount if same_currency else partner.amount,
            date=new.date,
            description=new.description,
            updated_at=now,
            version=partner.version + 1,
        )
        write.remove(partner)
        write.add(mirrored)
        out_leg, in_leg = (
            (new, mirrored) if transfer.from_transaction_id == old.id else (mirrored, new)
        )
        if out_leg.amount >= 0 or in_leg.amount <= 0:
            raise ValidationError.of(
                "amount",
                "a transfer moves a positive amount: the outgoing leg stays negative "
                "and the incoming leg positive",
            )
        uow.transfers.update(
            attrs.evolve(
                transfer,
                amount=-out_leg.amount,
                to_amount=in_leg.amount,
                date=new.date,
                description=new.description,
            )
        )
        return [mirrored]

    def delete_transaction(
        self, principal: Principal, transaction_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete a transaction; deleting a transfer leg deletes the whole transfer."""
        principal.require_write()
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            txn = self._locked_transaction(write, transaction_id)
            check_version("transaction", transaction_id, expected_version, txn.version)
            if txn.transfer_id is not None:
                self._delete_transfer(write, txn.transfer_id)
            else:
                write.remove(txn)
                write.settle(now)
                uow.transactions.delete_many([txn.id])
                write.event(EventKind.TRANSACTION_DELETED, txn.id)
            write.finish()
