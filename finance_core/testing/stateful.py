"""The stateful contract: random operation sequences on a backend and on the oracle.

Every step runs on the backend under test and on a fresh in-memory ledger; both
must succeed with equal results or fail with the same error class, and after
every step both must hold the same accounts and transactions. Ids may differ
between backends, so results are compared through an id map.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from finance_core.accounts import Account
from finance_core.errors import FinanceError
from finance_core.memory import MemoryStorage
from finance_core.ports import Storage
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing import strategies as fs
from finance_core.testing.clock import FakeClock
from finance_core.testing.fixtures import all_transactions, fresh_id
from finance_core.transactions import Transaction

D = Decimal


class LedgerComparison(RuleBasedStateMachine):
    """Drives two ledgers in lock step; see the module docstring."""

    storage: Storage  # set by the test before the machine runs

    def __init__(self) -> None:
        super().__init__()
        clock = FakeClock()
        self.oracle = Ledger(MemoryStorage(), clock=clock)
        self.subject = Ledger(self.storage, clock=clock)
        tenant = fresh_id("stateful")
        self.o_who = self.oracle.create_tenant(tenant, "Oracle", owner=f"{tenant}-owner")
        self.s_who = self.subject.create_tenant(tenant, "Oracle", owner=f"{tenant}-owner")
        # oracle id -> subject id, per kind
        self.ids: dict[str, dict[int, int]] = {"account": {}, "transaction": {}, "transfer": {}}

    # -- plumbing ---------------------------------------------------------------
    def both(self, call: Callable[[Ledger, Principal], Any]) -> tuple[Any, Any] | None:
        """Run ``call`` on both; return both results, or None if both failed alike."""
        outcomes = []
        for ledger, who in ((self.oracle, self.o_who), (self.subject, self.s_who)):
            try:
                outcomes.append(("ok", call(ledger, who)))
            except FinanceError as exc:
                outcomes.append(("error", type(exc)))
        (o_kind, o_val), (s_kind, s_val) = outcomes
        assert (o_kind, o_val if o_kind == "error" else None) == (
            s_kind,
            s_val if s_kind == "error" else None,
        ), f"oracle gave {o_kind} {o_val!r}, backend gave {s_kind} {s_val!r}"
        return (o_val, s_val) if o_kind == "ok" else None

    def pick(self, kind: str, index: int) -> tuple[int, int]:
        keys = sorted(self.ids[kind])
        oracle_id = keys[index % len(keys)]
        return oracle_id, self.ids[kind][oracle_id]

    def remember(self, kind: str, oracle_obj: Any, subject_obj: Any) -> None:
        self.ids[kind][oracle_obj.id] = subject_obj.id

    def on(self, ledger: Ledger, kind: str, pair: tuple[int, int]) -> int:
        return pair[0] if ledger is self.oracle else pair[1]

    def norm_txn(self, txn: Transaction, mapping: bool) -> Transaction:
        if not mapping:
            return txn
        acc = self.ids["account"]
        trf = self.ids["transfer"]
        return attrs.evolve(
            txn,
            id=self.ids["transaction"].get(txn.id, -txn.id),
            account_id=acc.get(txn.account_id, -txn.account_id),
            transfer_id=None if txn.transfer_id is None else trf.get(txn.transfer_id, -1),
            tenant_id="",
        )

    # -- rules --------------------------------------------------------------------
    @rule(
        currency=st.sampled_from(["USD", "JPY"]),
        initial=fs.amounts("JPY", D(500)),
        floor=st.sampled_from([None, D(0), D(-100)]),
    )
    def open_account(self, currency: str, initial: Decimal, floor: Decimal | None) -> None:
        result = self.both(
            lambda ledger, who: ledger.open_account(
                who,
                "Acct",
                "checking",
                currency=currency,
                initial_balance=initial,
                min_balance=floor,
            )
        )
        if result:
            self.remember("account", *result)

    @precondition(lambda self: self.ids["account"])
    @rule(index=st.integers(0, 99), fields=fs.transaction_fields("JPY"))
    def post(self, index: int, fields: dict[str, Any]) -> None:
        pair = self.pick("account", index)
        result = self.both(
            lambda ledger, who: ledger.post_transaction(
                who, self.on(ledger, "account", pair), **fields
            )
        )
        if result:
            self.remember("transaction", *result)

    @precondition(lambda self: self.ids["account"])
    @rule(
        index=st.integers(0, 99),
        items=st.lists(fs.transaction_fields("JPY"), min_size=1, max_size=5),
    )
    def batch(self, index: int, items: list[dict[str, Any]]) -> None:
        pair = self.pick("account", index)
        result = self.both(
            lambda ledger, who: ledger.post_batch(who, self.on(ledger, "account", pair), items)
        )
        if result:
            for o, s in zip(result[0].transactions, result[1].transactions, strict=True):
                self.remember("transaction", o, s)

    @precondition(lambda self: self.ids["transaction"])
    @rule(
        index=st.integers(0, 999),
        changes=st.fixed_dictionaries(
            {},
            optional={
                "amount": fs.amounts("JPY", D(800)),
                "date": fs.dates,
                "category": st.sampled_from(fs.CATEGORIES),
                "merchant": st.sampled_from(fs.MERCHANTS),
                "tags": fs.tags,
            },
        ),
        move_to=st.none() | st.integers(0, 99),
    )
    def update(self, index: int, changes: dict[str, Any], move_to: int | None) -> None:
        pair = self.pick("transaction", index)
        target = None if move_to is None else self.pick("account", move_to)

        def call(ledger: Ledger, who: Principal) -> Transaction:
            data = dict(changes)
            if target is not None:
                data["account_id"] = self.on(ledger, "account", target)
            return ledger.update_transaction(who, self.on(ledger, "transaction", pair), data)

        self.both(call)

    @precondition(lambda self: self.ids["transaction"])
    @rule(index=st.integers(0, 999))
    def delete_transaction(self, index: int) -> None:
        pair = self.pick("transaction", index)
        self.both(
            lambda ledger, who: ledger.delete_transaction(who, self.on(ledger, "transaction", pair))
        )

    @precondition(lambda self: len(self.ids["account"]) >= 2)
    @rule(src=st.integers(0, 99), dst=st.integers(0, 99), amount=st.integers(1, 400), day=fs.dates)
    def transfer(self, src: int, dst: int, amount: int, day: Any) -> None:
        a, b = self.pick("account", src), self.pick("account", dst)
        result = self.both(
            lambda ledger, who: ledger.create_transfer(
                who,
                self.on(ledger, "account", a),
                self.on(ledger, "account", b),
                amount,
                day,
                to_amount=amount,
            )
        )
        if result:
            o, s = result
            self.remember("transfer", o.transfer, s.transfer)
            self.remember("transaction", o.from_transaction, s.from_transaction)
            self.remember("transaction", o.to_transaction, s.to_transaction)

    @precondition(lambda self: self.ids["transfer"])
    @rule(index=st.integers(0, 99))
    def delete_transfer(self, index: int) -> None:
        pair = self.pick("transfer", index)
        self.both(
            lambda ledger, who: ledger.delete_transfer(who, self.on(ledger, "transfer", pair))
        )

    @precondition(lambda self: self.ids["account"])
    @rule(index=st.integers(0, 99), floor=st.sampled_from([None, D(0), D(-50), D(10**6)]))
    def set_floor(self, index: int, floor: Decimal | None) -> None:
        pair = self.pick("account", index)
        self.both(
            lambda ledger, who: ledger.update_account(
                who, self.on(ledger, "account", pair), min_balance=floor
            )
        )

    @precondition(lambda self: len(self.ids["account"]) > 1)
    @rule(index=st.integers(0, 99))
    def delete_account(self, index: int) -> None:
        pair = self.pick("account", index)
        self.both(lambda ledger, who: ledger.delete_account(who, self.on(ledger, "account", pair)))

    # -- invariants -----------------------------------------------------------------
    def _accounts(self, ledger: Ledger, who: Principal, mapping: bool) -> list[Account]:
        out = []
        for account in ledger.list_accounts(who):
            ident = self.ids["account"].get(account.id, -1) if mapping else account.id
            out.append(attrs.evolve(account, id=ident, tenant_id="", created_by=None))
        return sorted(out, key=lambda a: a.id)

    @invariant()
    def same_books(self) -> None:
        o_accounts = self._accounts(self.oracle, self.o_who, mapping=True)
        s_accounts = self._accounts(self.subject, self.s_who, mapping=False)
        assert o_accounts == s_accounts
        o_txns = [self.norm_txn(t, True) for t in all_transactions(self.oracle, self.o_who)]
        s_txns = [attrs.evolve(t, tenant_id="") for t in all_transactions(self.subject, self.s_who)]
        assert sorted(o_txns, key=lambda t: t.id) == sorted(s_txns, key=lambda t: t.id)
        for account in s_accounts:
            total = sum((t.amount for t in s_txns if t.account_id == account.id), D(0))
            assert account.balance == account.initial_balance + total


def test_backend_agrees_with_memory_oracle(contract_storage: Storage) -> None:
    """Random sequences of operations leave the backend and the in-memory oracle equal."""

    class Machine(LedgerComparison):
        storage = contract_storage

    run_state_machine_as_test(
        Machine, settings=settings(settings(), stateful_step_count=25, deadline=None)
    )
