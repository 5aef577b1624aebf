"""Use cases of a tenant's whole books: export them, and restore them elsewhere.

``export_data`` reads every account, transaction and transfer in one snapshot.
``restore`` writes them into a tenant that has no accounts, keeping every field
(ids included when the tenant's id counters allow it; otherwise ids are
renumbered in order and every reference follows).

A restore is one write like any other: amounts must be exact in their
account's currency, every balance rule is checked for every restored account
(on its final balance, with all of its restored transactions as the change,
as for a batch), and after the commit plugins hear of every restored account,
transaction and transfer, as if each had been created by the ledger.
"""

from __future__ import annotations

import attrs

from finance_core.errors import ConflictError
from finance_core.events import EventKind
from finance_core.ledger_base import BalanceWrite
from finance_core.planning_portability import dump_planning, restore_planning
from finance_core.portability import TenantData, check_consistent, id_map
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.rule_services import RuleServices
from finance_core.rule_steps import categorize_restored, check_rules, rules_changed
from finance_core.rules import BalanceChange, enforce
from finance_core.statement_portability import export_statements, restore_statements
from finance_core.tenancy import Principal
from finance_core.transactions import Transaction


class PortabilityServices(RuleServices):
    """Export and restore of a tenant's books."""

    def export_data(self, principal: Principal) -> TenantData:
        """Everything the tenant keeps, in one consistent read."""
        with self._unit(principal.tenant_id, readonly=True) as uow:
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
            rules = uow.rules.list()
            planning = dump_planning(uow, {t.id for t in transactions})
            statements, reconciliations = export_statements(uow)
        transactions.sort(key=lambda t: t.id)
        return TenantData(
            tuple(accounts),
            tuple(transactions),
            tuple(sorted(transfers.values(), key=lambda t: t.id)),
            rules=tuple(rules),
            statements=statements,
            reconciliations=reconciliations,
            planning=planning,
        )

    def restore(
        self,
        principal: Principal,
        data: TenantData,
        *,
        dry_run: bool = False,
        apply_rules: bool = False,
    ) -> TenantData:
        """Write ``data`` into the principal's tenant, which must have no accounts yet.

        A dry run makes every check a real run makes and writes nothing. The
        document's rules come back with it (the tenant must have none); they run
        over the restored transactions only with ``apply_rules``, and never
        change a field a person set.
        """
        principal.require_write()
        check_consistent(data)
        now = self._now()
        with self._unit(principal.tenant_id, readonly=dry_run) as uow:
            if uow.accounts.list():
                raise ConflictError(
                    "restore needs a tenant without accounts; delete them or use a new tenant"
                )
            if data.rules and uow.rules.list():
                raise ConflictError(
                    "restore brings rules, but the tenant has rules already; delete them first"
                )
            maps = {}
            for kind, items in (
                ("account", data.accounts),
                ("transaction", data.transactions),
                ("transfer", data.transfers),
                ("rule", data.rules),
                ("schedule", data.planning.schedules),
                ("budget", data.planning.budgets),
            ):
                olds = [item.id for item in items]
                if dry_run or not olds:
                    ids = range(1, max(olds, default=0) + 1)
                else:
                    ids = uow.allocate_ids(kind, max(olds))
                maps[kind] = id_map(ids, olds)
            creator = (
                uow.users.find(principal.user_id)
                if dry_run
                else uow.users.get_or_create(principal.user_id)
            )
            accounts = [
                attrs.evolve(
                    a,
                    id=maps["account"][a.id],
                    tenant_id=principal.tenant_id,
                    created_by=None if creator is None else creator.id,
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
                    # A rule the document no longer holds cannot be credited.
                    rule_fields=tuple(
                        (field, maps["rule"][rule])
                        for field, rule in t.rule_fields
                        if rule in maps["rule"]
                    ),
                )
                for t in data.transactions
            ]
            rules = [
                attrs.evolve(r, id=maps["rule"][r.id], tenant_id=principal.tenant_id)
                for r in data.rules
            ]
            check_rules(rules, self.rule_vocabulary)
            if apply_rules:
                transactions = categorize_restored(self, accounts, rules, transactions)
            by_account: dict[int, list[Transaction]] = {a.id: [] for a in accounts}
            for txn in transactions:
                by_account[txn.account_id].append(txn)
            for account in accounts:
                enforce(
                    self.rules,
                    BalanceChange(
                        account, account.balance, tuple(by_account[account.id]), (), now.date()
                    ),
                )
            if dry_run:
                return TenantData(
                    tuple(accounts),
                    tuple(transactions),
                    tuple(transfers),
                    rules=tuple(rules),
                    statements=data.statements,
                    reconciliations=data.reconciliations,
                    planning=data.planning,
                )
            write = BalanceWrite(self, uow)
            for account in accounts:
                uow.accounts.add(account)
                write.event(EventKind.ACCOUNT_OPENED, account.id)
            for transfer in transfers:
                uow.transfers.add(transfer)
            uow.transactions.add_many(transactions)
            for txn in transactions:
                write.event(EventKind.TRANSACTION_POSTED, txn.id)
            for transfer in transfers:
                write.event(EventKind.TRANSFER_MADE, transfer.id)
            if rules:
                for restored_rule in rules:
                    uow.rules.add(restored_rule)
                rules_changed(self, uow)
            planning = restore_planning(uow, data.planning, maps)
            statements, reconciliations = restore_statements(
                uow, principal.tenant_id, maps["account"], data.statements,
                data.reconciliations, None if creator is None else creator.id,
            )  # fmt: skip
            write.finish()
        return TenantData(
            tuple(accounts),
            tuple(transactions),
            tuple(transfers),
            rules=tuple(rules),
            statements=statements,
            reconciliations=reconciliations,
            planning=planning,
        )
