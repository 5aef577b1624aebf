"""Use cases of transfers: two linked legs created, read and deleted together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from finance_core.errors import (
    NotFoundError,
    ValidationError,
    gather,
)
from finance_core.events import EventKind
from finance_core.ledger_base import (
    BalanceWrite,
    LedgerBase,
    TransferResult,
    check_version,
    positive_id,
    transfer_version,
)
from finance_core.money import check_amount
from finance_core.tenancy import Principal
from finance_core.transactions import (
    TRANSFER_CATEGORY,
    Transaction,
    Transfer,
    check_date,
    check_text,
)


class TransferServices(LedgerBase):
    """Transfers between two accounts of one tenant."""

    def create_transfer(
        self,
        principal: Principal,
        from_account_id: int,
        to_account_id: int,
        amount: Decimal | int | str,
        day: date | str,
        *,
        description: str | None = None,
        to_amount: Decimal | int | str | None = None,
    ) -> TransferResult:
        """Move ``amount`` out of one account and ``to_amount`` (default: the same) into another."""
        principal.require_write()
        _, id_errors = gather(
            {
                "from_account_id": lambda: positive_id(from_account_id, "from_account_id"),
                "to_account_id": lambda: positive_id(to_account_id, "to_account_id"),
            }
        )
        if id_errors:
            raise ValidationError(id_errors)
        if from_account_id == to_account_id:
            raise ValidationError.of("to_account_id", "a transfer needs two different accounts")
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            locked = write.lock(from_account_id, to_account_id)
            source, target = locked[from_account_id], locked[to_account_id]
            cleaned, errors = gather(
                {
                    "amount": lambda: check_amount(amount, source.currency, "amount"),
                    "date": lambda: check_date(day),
                    "description": lambda: check_text("description", description),
                    "to_amount": lambda: (
                        None
                        if to_amount is None
                        else check_amount(to_amount, target.currency, "to_amount")
                    ),
                }
            )
            if errors:
                raise ValidationError(errors)
            value: Decimal = cleaned["amount"]
            if value <= 0:
                raise ValidationError.of("amount", "a transfer amount must be positive")
            received: Decimal | None = cleaned["to_amount"]
            if source.currency != target.currency:
                if received is None:
                    raise ValidationError.of(
                        "to_amount",
                        f"{source.currency} to {target.currency} needs to_amount, "
                        "the amount the other account receives",
                    )
            elif received is None:
                received = value
            elif received != value:
                raise ValidationError.of(
                    "to_amount", "in one currency the received amount equals the amount"
                )
            if received <= 0:
                raise ValidationError.of("to_amount", "the received amount must be positive")
            (transfer_id,) = uow.allocate_ids("transfer")
            out_id, in_id = uow.allocate_ids("transaction", 2)
            out_leg = Transaction(
                id=out_id,
                tenant_id=principal.tenant_id,
                account_id=source.id,
                amount=-value,
                date=cleaned["date"],
                category=TRANSFER_CATEGORY,
                description=cleaned["description"],
                transfer_id=transfer_id,
                created_at=now,
                updated_at=now,
            )
            in_leg = attrs.evolve(out_leg, id=in_id, account_id=target.id, amount=received)
            transfer = Transfer(
                id=transfer_id,
                tenant_id=principal.tenant_id,
                from_account_id=source.id,
                to_account_id=target.id,
                from_transaction_id=out_id,
                to_transaction_id=in_id,
                amount=value,
                to_amount=received,
                date=cleaned["date"],
                description=cleaned["description"],
                created_at=now,
            )
            write.add(out_leg)
            write.add(in_leg)
            write.settle(now)
            uow.transfers.add(transfer)
            uow.transactions.add_many([out_leg, in_leg])
            write.event(EventKind.TRANSFER_MADE, transfer_id)
            write.finish()
        return TransferResult(transfer, out_leg, in_leg)

    def get_transfer(self, principal: Principal, transfer_id: int) -> TransferResult:
        positive_id(transfer_id, "transfer_id")
        with self._unit(principal.tenant_id, readonly=True) as uow:
            transfer = uow.transfers.get(transfer_id)
            if transfer is None:
                raise NotFoundError("transfer", transfer_id)
            out_leg = uow.transactions.get(transfer.from_transaction_id)
            in_leg = uow.transactions.get(transfer.to_transaction_id)
        if out_leg is None or in_leg is None:
            raise NotFoundError("transfer", transfer_id)
        return TransferResult(transfer, out_leg, in_leg)

    def delete_transfer(
        self, principal: Principal, transfer_id: int, *, expected_version: int | None = None
    ) -> None:
        """Delete both legs; ``expected_version`` is ``TransferResult.version``."""
        principal.require_write()
        with self._unit(principal.tenant_id) as uow:
            write = BalanceWrite(self, uow)
            self._delete_transfer(write, transfer_id, expected_version)
            write.finish()

    def _delete_transfer(
        self, write: BalanceWrite, transfer_id: int, expected_version: int | None = None
    ) -> None:
        positive_id(transfer_id, "transfer_id")
        uow = write.uow
        transfer = uow.transfers.get(transfer_id)
        if transfer is None:
            raise NotFoundError("transfer", transfer_id)
        write.lock(transfer.from_account_id, transfer.to_account_id)
        # Read the legs after the locks, so a concurrent change is seen.
        out_leg = uow.transactions.get(transfer.from_transaction_id)
        in_leg = uow.transactions.get(transfer.to_transaction_id)
        if expected_version is not None and out_leg is not None and in_leg is not None:
            check_version(
                "transfer", transfer_id, expected_version, transfer_version(out_leg, in_leg)
            )
        legs = [leg for leg in (out_leg, in_leg) if leg is not None]
        for leg in legs:
            write.remove(leg)
        write.settle(self._now())
        uow.transactions.delete_many([leg.id for leg in legs])
        uow.transfers.delete(transfer_id)
        write.event(EventKind.TRANSFER_DELETED, transfer_id)
