"""A tenant's whole books, out and back in: the basis of export and restore.

``dump`` reads every account, transaction and transfer. ``restore`` writes
them into a tenant that has no accounts, keeping every field (ids included
when the tenant's id counters allow it; otherwise ids are renumbered in order
and every reference follows), and checks that the restored balances are the
exported ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from finance_core.accounts import Account
from finance_core.errors import ConflictError, ValidationError
from finance_core.planning_portability import (
    PlanningData,
    check_planning,
    dump_planning,
    restore_planning,
)
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.transactions import (
    TRANSACTION_FIELDS,
    Transaction,
    Transfer,
    check_split_total,
    clean_fields,
)


@attrs.frozen
class TenantData:
    accounts: tuple[Account, ...]
    transactions: tuple[Transaction, ...]
    transfers: tuple[Transfer, ...]
    planning: PlanningData = attrs.field(factory=lambda: PlanningData())


def dump(ledger: Ledger, principal: Principal) -> TenantData:
    """Everything the tenant keeps, in one consistent read."""
    with ledger.storage.unit_of_work(principal.tenant_id, readonly=True) as uow:
        accounts = uow.accounts.list()
        transactions: list[Transaction] = []
        cursor: Cursor | None = None
        while True:
            page = uow.transactions.query(
                TransactionFilter(), PageRequest(limit=1000, cursor=cursor, with_total=False)
            )
            transactions.extend(page.items)
            if page.next_cursor is None:
                break
            cursor = Cursor.decode(page.next_cursor)
        transfers = {t.id: t for a in accounts for t in uow.transfers.list_for_account(a.id)}
        planning = dump_planning(uow)
    transactions.sort(key=lambda t: t.id)
    return TenantData(
        tuple(accounts),
        tuple(transactions),
        tuple(sorted(transfers.values(), key=lambda t: t.id)),
        planning,
    )


def _id_map(uow_ids: range, old_ids: Sequence[int]) -> dict[int, int]:
    """Keep old ids when the allocated range covers them, else renumber in order."""
    if old_ids and uow_ids.start == 1 and max(old_ids) <= uow_ids.stop - 1:
        return {i: i for i in old_ids}
    return dict(zip(sorted(old_ids), uow_ids, strict=False))


def restore(ledger: Ledger, principal: Principal, data: TenantData) -> TenantData:
    """Write ``data`` into the principal's tenant, which must have no accounts yet."""
    principal.require_write()
    _check_consistent(data)
    with ledger.storage.unit_of_work(principal.tenant_id) as uow:
        if uow.accounts.list():
            raise ConflictError(
                "restore needs a tenant without accounts; delete them or use a new tenant"
            )
        maps = {}
        for kind, items in (
            ("account", data.accounts),
            ("transaction", data.transactions),
            ("transfer", data.transfers),
            ("schedule", data.planning.schedules),
            ("budget", data.planning.budgets),
        ):
            olds = [item.id for item in items]
            ids = uow.allocate_ids(kind, max(olds)) if olds else range(1, 1)
            maps[kind] = _id_map(ids, olds)
        creator = uow.users.get_or_create(principal.user_id)
        accounts = [
            attrs.evolve(
                a, id=maps["account"][a.id], tenant_id=principal.tenant_id, created_by=creator.id
            )
            for a in data.accounts
        ]
        transfers = [
            attrs.evolve(
                t,
                id=maps["transfer"][t.id],
                tenant_id=principal.tenant_id,
                from_account_id=maps["account"][t.from_account_id],
                to_account_id=maps["account"][t.to_account_id],
                from_transaction_id=maps["transaction"][t.from_transaction_id],
                to_transaction_id=maps["transaction"][t.to_transaction_id],
            )
            for t in data.transfers
        ]
        transactions = [
            attrs.evolve(
                t,
                id=maps["transaction"][t.id],
                tenant_id=principal.tenant_id,
                account_id=maps["account"][t.account_id],
                transfer_id=None if t.transfer_id is None else maps["transfer"][t.transfer_id],
            )
            for t in data.transactions
        ]
        for account in accounts:
            uow.accounts.add(account)
        for transfer in transfers:
            uow.transfers.add(transfer)
        uow.transactions.add_many(transactions)
        planning = restore_planning(uow, data.planning, maps)
        uow.commit()
    return TenantData(tuple(accounts), tuple(transactions), tuple(transfers), planning)


def _check_consistent(data: TenantData) -> None:
    """Refuse documents whose balances, references or transfers do not add up."""
    accounts = {a.id: a for a in data.accounts}
    sums: dict[int, Decimal] = dict.fromkeys(accounts, Decimal(0))
    txn_ids = set()
    for txn in data.transactions:
        if txn.account_id not in accounts:
            raise ValidationError.of(
                "transactions",
                f"transaction {txn.id} names account {txn.account_id}, not in the file",
            )
        sums[txn.account_id] += txn.amount
        txn_ids.add(txn.id)
        fields = {name: getattr(txn, name) for name in TRANSACTION_FIELDS}
        try:
            cleaned = clean_fields(fields, accounts[txn.account_id].currency)
            check_split_total(cleaned.get("splits", ()), cleaned["amount"])
        except ValidationError as exc:
            raise ValidationError.of("transactions", f"transaction {txn.id}: {exc}") from None
    for ident, account in accounts.items():
        if account.initial_balance + sums[ident] != account.balance:
            raise ValidationError.of(
                "accounts",
                f"account {ident} says balance {account.balance}, but its initial balance and "
                f"transactions add up to {account.initial_balance + sums[ident]}",
            )
    for transfer in data.transfers:
        if not {transfer.from_transaction_id, transfer.to_transaction_id} <= txn_ids:
            raise ValidationError.of("transfers", f"transfer {transfer.id} names missing legs")
    check_planning(data.planning, set(accounts), txn_ids)
