"""A tenant's whole books as data, and the checks a document must pass to come back.

The use cases are ``PortabilityServices.export_data`` and ``restore`` in
``finance_core.portability_services``; this module holds what they share with
the export formats: the document's shape and its consistency checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from finance_core.accounts import Account
from finance_core.categorize.model import Rule
from finance_core.errors import ValidationError
from finance_core.money import check_amount
from finance_core.planning_portability import PlanningData, check_planning
from finance_core.statement_portability import check_statements
from finance_core.statements import Reconciliation, Statement
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
    #: Categorization rules, in run order.
    rules: tuple[Rule, ...] = ()
    statements: tuple[Statement, ...] = ()
    reconciliations: tuple[Reconciliation, ...] = ()
    planning: PlanningData = attrs.field(factory=lambda: PlanningData())


def id_map(uow_ids: range, old_ids: Sequence[int]) -> dict[int, int]:
    """Keep old ids when the allocated range covers them, else renumber in order."""
    if old_ids and uow_ids.start == 1 and max(old_ids) <= uow_ids.stop - 1:
        return {i: i for i in old_ids}
    return dict(zip(sorted(old_ids), uow_ids, strict=False))


def check_consistent(data: TenantData) -> None:
    """Refuse documents whose balances, references or transfers do not add up."""
    accounts = {a.id: a for a in data.accounts}
    for account in data.accounts:
        for field in ("initial_balance", "balance", "min_balance"):
            value = getattr(account, field)
            if value is not None:
                try:
                    check_amount(value, account.currency, field)
                except ValidationError as exc:
                    raise ValidationError.of("accounts", f"account {account.id}: {exc}") from None
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
    check_statements(data.accounts, data.transactions, data.statements, data.reconciliations)
