"""Plugins add condition ops and action kinds to categorization rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

from finance_core.bootstrap import open_ledger
from finance_core.categorize.actions import ActionKind, Proposal
from finance_core.categorize.ops import ConditionOp, ValueTest
from finance_core.errors import ConfigurationError, ValidationError
from finance_core.plugins import hookimpl, make_plugin_manager
from finance_core.transactions import Transaction


def _build_round(field: str, value: Any, case_sensitive: bool) -> tuple[Any, ValueTest]:
    if not isinstance(value, bool):
        raise ValueError("value must be true or false")
    return value, lambda amount: (amount == amount.to_integral_value()) is value


def _build_upper(action: Mapping[str, Any]) -> tuple[dict[str, Any], Proposal]:
    def propose(txn: Transaction) -> Mapping[str, Any]:
        return {"merchant": txn.description.upper()} if txn.description else {}

    return dict(action), propose


class _RoundAmounts:
    @hookimpl
    def finance_rule_condition_ops(self) -> Sequence[ConditionOp]:
        return [ConditionOp("is_round", frozenset({"amount"}), _build_round, "A whole amount.")]

    @hookimpl
    def finance_rule_actions(self) -> Sequence[ActionKind]:
        return [ActionKind("upper_merchant", _build_upper, "Shout the description.")]


class _Clash:
    @hookimpl
    def finance_rule_condition_ops(self) -> Sequence[ConditionOp]:
        return [ConditionOp("equals", frozenset({"amount"}), _build_round)]


class TestRulePlugins:
    def test_plugin_op_and_action_run_like_builtins(self) -> None:
        """A rule using a plugin op and a plugin action categorizes new transactions."""
        ledger = open_ledger(plugins=make_plugin_manager([_RoundAmounts()]))
        who = ledger.create_tenant("t1", "T", owner="u")
        account = ledger.open_account(who, "A", "checking", initial_balance=Decimal(100))
        ledger.create_rule(
            who,
            {
                "name": "round",
                "conditions": {"field": "amount", "op": "is_round", "value": True},
                "actions": [{"upper_merchant": {}}, {"add_tag": "round"}],
            },
        )
        fields = {"date": "2026-01-02", "category": "x", "description": "shop"}
        whole = ledger.post_transaction(who, account.id, amount=Decimal(-5), **fields)
        cents = ledger.post_transaction(who, account.id, amount=Decimal("-5.5"), **fields)
        assert (whole.merchant, whole.tags) == ("SHOP", ("round",))
        assert (cents.merchant, cents.tags) == (None, ())

    def test_plugin_ops_validate_their_values(self) -> None:
        """A plugin op's refusal is a validation error naming the leaf's value."""
        ledger = open_ledger(plugins=make_plugin_manager([_RoundAmounts()]))
        who = ledger.create_tenant("t1", "T", owner="u")
        with pytest.raises(ValidationError) as caught:
            ledger.create_rule(
                who,
                {
                    "name": "r",
                    "conditions": {"field": "amount", "op": "is_round", "value": "yes"},
                    "actions": [{"add_tag": "x"}],
                },
            )
        assert [e.field for e in caught.value.errors] == ["conditions.value"]

    def test_a_plugin_may_not_reuse_a_builtin_name(self) -> None:
        """Claiming ``equals`` again is a configuration error."""
        with pytest.raises(ConfigurationError, match="equals"):
            open_ledger(plugins=make_plugin_manager([_Clash()]))
