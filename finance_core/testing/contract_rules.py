"""Contract tests for categorization rules: every op, action, stage, stop, override
and dry run, on every backend."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.accounts import Account
from finance_core.categorize.actions import ActionKind
from finance_core.categorize.model import MAX_DEPTH
from finance_core.errors import (
    ConfigurationError,
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    ValidationError,
)
from finance_core.events import EventKind
from finance_core.importing import ParsedFile, ParsedRow
from finance_core.ports import Storage
from finance_core.queries import TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal, Role
from finance_core.testing.clock import FakeClock
from finance_core.testing.fixtures import all_transactions, fresh_id, join, post, snapshot
from finance_core.transactions import Transaction

D = Decimal
HIT: Mapping[str, Any] = {"set": "der_category", "value": "hit"}


def rule(
    ledger: Ledger, who: Principal, conditions: Any, *actions: Mapping[str, Any], **extra: Any
) -> int:
    """Create a rule (named after a fresh id unless given) and return its id."""
    body = {
        "name": extra.pop("name", fresh_id("rule")),
        "conditions": conditions,
        "actions": list(actions) or [dict(HIT)],
        **extra,
    }
    return ledger.create_rule(who, body).id


def uncategorized(ledger: Ledger, who: Principal, account: Account, **fields: Any) -> Transaction:
    return post(
        ledger, who, account, fields.pop("amount", "-10.00"), category="uncategorized", **fields
    )


def positions(ledger: Ledger, who: Principal) -> list[tuple[str, str, int]]:
    return [(r.name, r.stage, r.position) for r in ledger.list_rules(who)]


class TestSavingRules:
    def test_conditions_come_back_canonical(self, ledger: Ledger, owner: Principal) -> None:
        """A saved leaf states its case flag; the tree is otherwise as sent."""
        saved = ledger.create_rule(
            owner,
            {
                "name": "coffee",
                "conditions": {"any": [{"field": "merchant", "op": "contains", "value": "Cafe"}]},
                "actions": [{"set": "category", "value": "coffee"}],
            },
        )
        assert saved.conditions == {
            "any": [
                {"field": "merchant", "op": "contains", "value": "Cafe", "case_sensitive": False}
            ]
        }
        assert (saved.enabled, saved.stage, saved.position, saved.stop) == (
            True,
            "default",
            1,
            False,
        )
        assert ledger.get_rule(owner, saved.id) == saved

    def test_a_name_is_unique_in_the_tenant(self, ledger: Ledger, owner: Principal) -> None:
        """A second rule with a taken name is a conflict."""
        rule(ledger, owner, {"all": []}, name="same")
        with pytest.raises(DuplicateError):
            rule(ledger, owner, {"all": []}, name="same")

    def test_an_op_that_does_not_fit_its_field_names_the_leaf(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """``gt`` on a merchant is refused, naming the leaf's path."""
        with pytest.raises(ValidationError) as caught:
            rule(ledger, owner, {"all": [{"field": "merchant", "op": "gt", "value": "a"}]})
        assert [e.field for e in caught.value.errors] == ["conditions.all[0].op"]
        assert ledger.list_rules(owner) == []

    def test_a_bad_pattern_names_the_leaf(self, ledger: Ledger, owner: Principal) -> None:
        """An unparsable regular expression is refused when the rule is saved."""
        with pytest.raises(ValidationError) as caught:
            rule(ledger, owner, {"not": {"field": "description", "op": "matches", "value": "(a"}})
        assert [e.field for e in caught.value.errors] == ["conditions.not.value"]

    def test_a_pattern_that_backtracks_elsewhere_runs_in_linear_time(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A classic catastrophic pattern is accepted and answers at once (RE2)."""
        rule(ledger, owner, {"field": "description", "op": "matches", "value": "^(a+)+$"})
        txn = uncategorized(ledger, owner, checking, description="a" * 900 + "!")
        assert txn.der_category is None

    def test_trees_deeper_than_the_limit_are_refused(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """Nesting past the documented depth is a validation error."""
        tree: Any = {"field": "amount", "op": "lt", "value": 0}
        for _ in range(MAX_DEPTH):
            tree = {"not": tree}
        with pytest.raises(ValidationError, match="levels deep"):
            rule(ledger, owner, tree)

    def test_every_bad_field_is_named_at_once(self, ledger: Ledger, owner: Principal) -> None:
        """Bad stage, unknown action and a missing name are reported together."""
        with pytest.raises(ValidationError) as caught:
            ledger.create_rule(
                owner, {"stage": "late", "conditions": {"all": []}, "actions": [{"paint": 1}]}
            )
        assert {e.field for e in caught.value.errors} == {"name", "stage", "actions[0]"}

    def test_viewers_read_rules_but_cannot_write_them(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """A viewer lists rules; creating one is denied."""
        rule(ledger, owner, {"all": []}, name="r")
        viewer = join(ledger, owner, Role.VIEWER)
        assert [r.name for r in ledger.list_rules(viewer)] == ["r"]
        with pytest.raises(PermissionDeniedError):
            rule(ledger, viewer, {"all": []})
        with pytest.raises(PermissionDeniedError):
            ledger.apply_rules(viewer, dry_run=True)

    def test_another_tenants_rule_is_not_found(
        self, ledger: Ledger, owner: Principal, other_owner: Principal
    ) -> None:
        """Reading, changing, deleting or applying a foreign rule id is not found."""
        foreign = rule(ledger, other_owner, {"all": []})
        for attempt in (
            lambda: ledger.get_rule(owner, foreign),
            lambda: ledger.update_rule(owner, foreign, {"enabled": False}),
            lambda: ledger.delete_rule(owner, foreign),
            lambda: ledger.apply_rules(owner, rule_ids=[foreign]),
        ):
            with pytest.raises(NotFoundError):
                attempt()


class TestOrdering:
    def test_new_rules_go_last_in_their_stage(self, ledger: Ledger, owner: Principal) -> None:
        """Without a position a rule is appended; the list is in run order."""
        rule(ledger, owner, {"all": []}, name="b", stage="post")
        rule(ledger, owner, {"all": []}, name="a")
        rule(ledger, owner, {"all": []}, name="c")
        rule(ledger, owner, {"all": []}, name="p", stage="pre")
        assert positions(ledger, owner) == [
            ("p", "pre", 1),
            ("a", "default", 1),
            ("c", "default", 2),
            ("b", "post", 1),
        ]

    def test_a_position_on_create_shifts_the_others(self, ledger: Ledger, owner: Principal) -> None:
        """Inserting at 1 moves every other rule of the stage down one."""
        rule(ledger, owner, {"all": []}, name="a")
        rule(ledger, owner, {"all": []}, name="b")
        rule(ledger, owner, {"all": []}, name="first", position=1)
        assert [p for _, _, p in positions(ledger, owner)] == [1, 2, 3]
        assert [n for n, _, _ in positions(ledger, owner)] == ["first", "a", "b"]

    def test_a_position_past_the_end_is_refused(self, ledger: Ledger, owner: Principal) -> None:
        """Positions are 1..n+1 on create."""
        with pytest.raises(ValidationError, match="position"):
            rule(ledger, owner, {"all": []}, position=2)

    def test_moving_a_rule_keeps_positions_gap_free(self, ledger: Ledger, owner: Principal) -> None:
        """PATCH position moves the rule and shifts the rules between."""
        ids = [rule(ledger, owner, {"all": []}, name=n) for n in "abcd"]
        ledger.update_rule(owner, ids[3], {"position": 2})
        assert positions(ledger, owner) == [
            ("a", "default", 1),
            ("d", "default", 2),
            ("b", "default", 3),
            ("c", "default", 4),
        ]

    def test_changing_stage_puts_the_rule_last_there(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """The old stage closes its gap; the new stage gets the rule at its end."""
        a = rule(ledger, owner, {"all": []}, name="a")
        rule(ledger, owner, {"all": []}, name="b")
        rule(ledger, owner, {"all": []}, name="p", stage="post")
        ledger.update_rule(owner, a, {"stage": "post"})
        assert positions(ledger, owner) == [
            ("b", "default", 1),
            ("p", "post", 1),
            ("a", "post", 2),
        ]

    def test_deleting_closes_the_gap(self, ledger: Ledger, owner: Principal) -> None:
        """Rules after a deleted one move up."""
        a = rule(ledger, owner, {"all": []}, name="a")
        rule(ledger, owner, {"all": []}, name="b")
        ledger.delete_rule(owner, a)
        assert positions(ledger, owner) == [("b", "default", 1)]

    def test_a_stale_version_is_refused(self, ledger: Ledger, owner: Principal) -> None:
        """Changing with an old version is a conflict and changes nothing."""
        a = rule(ledger, owner, {"all": []}, name="a")
        ledger.update_rule(owner, a, {"enabled": False})
        with pytest.raises(StaleVersionError):
            ledger.update_rule(owner, a, {"name": "b"}, expected_version=1)
        assert ledger.get_rule(owner, a).name == "a"


def _leaf(field: str, op: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value, **extra}


#: (condition, fields of a matching transaction, fields of one that does not match)
OP_CASES: list[tuple[str, Any, dict[str, Any], dict[str, Any] | None]] = [
    (
        "equals-text",
        _leaf("merchant", "equals", "ACME"),
        {"merchant": "acme"},
        {"merchant": "acme co"},
    ),
    (
        "equals-amount",
        _leaf("amount", "equals", "-12.50"),
        {"amount": "-12.5"},
        {"amount": "-12.51"},
    ),
    (
        "equals-date",
        _leaf("date", "equals", "2026-01-10"),
        {"date": "2026-01-10"},
        {"date": "2026-01-11"},
    ),
    (
        "contains",
        _leaf("description", "contains", "rent"),
        {"description": "MAY RENT"},
        {"description": "ren t"},
    ),
    (
        "starts_with",
        _leaf("description", "starts_with", "pos "),
        {"description": "POS 123"},
        {"description": "a POS"},
    ),
    (
        "ends_with",
        _leaf("location", "ends_with", "berlin"),
        {"location": "Mitte, Berlin"},
        {"location": "Berlin Mitte"},
    ),
    (
        "matches",
        _leaf("description", "matches", r"^card \d{4}"),
        {"description": "CARD 1234 shop"},
        {"description": "card 12"},
    ),
    (
        "matches-case",
        _leaf("description", "matches", "Shop", case_sensitive=True),
        {"description": "a Shop"},
        {"description": "a shop"},
    ),
    (
        "one_of",
        _leaf("der_merchant", "one_of", ["aldi", "lidl"]),
        {"der_merchant": "LIDL"},
        {"der_merchant": "rewe"},
    ),
    (
        "one_of-amount",
        _leaf("amount", "one_of", ["-1", "-2"]),
        {"amount": "-2.00"},
        {"amount": "-3"},
    ),
    ("one_of-tags", _leaf("tags", "one_of", ["x", "y"]), {"tags": ["a", "y"]}, {"tags": ["a"]}),
    ("gt", _leaf("amount", "gt", -5), {"amount": "-4.99"}, {"amount": "-5"}),
    ("gte", _leaf("amount", "gte", -5), {"amount": "-5"}, {"amount": "-5.01"}),
    ("lt", _leaf("date", "lt", "2026-01-10"), {"date": "2026-01-09"}, {"date": "2026-01-10"}),
    ("lte", _leaf("date", "lte", "2026-01-10"), {"date": "2026-01-10"}, {"date": "2026-01-11"}),
    (
        "between-amount",
        _leaf("amount", "between", ["-20", "-10"]),
        {"amount": "-20"},
        {"amount": "-9.99"},
    ),
    (
        "between-date",
        _leaf("date", "between", ["2026-01-01", "2026-01-31"]),
        {"date": "2026-01-31"},
        {"date": "2026-02-01"},
    ),
    ("has_tag", _leaf("tags", "has_tag", "Trip"), {"tags": ["trip"]}, {"tags": ["trips"]}),
    ("currency", _leaf("currency", "equals", "usd"), {}, None),
    ("category", _leaf("category", "equals", "uncategorized"), {}, {"category": "food"}),
    (
        "all",
        {"all": [_leaf("amount", "lt", 0), _leaf("merchant", "contains", "a")]},
        {"merchant": "a"},
        {"merchant": "b"},
    ),
    (
        "any",
        {"any": [_leaf("merchant", "equals", "a"), _leaf("merchant", "equals", "b")]},
        {"merchant": "b"},
        {"merchant": "c"},
    ),
    ("not", {"not": _leaf("merchant", "equals", "a")}, {"merchant": "b"}, {"merchant": "A"}),
    ("empty-all", {"all": []}, {}, None),
]


def _post_case(
    ledger: Ledger, who: Principal, account: Account, fields: dict[str, Any]
) -> Transaction:
    data = {"amount": "-10.00", "category": "uncategorized", **fields}
    return post(ledger, who, account, data.pop("amount"), **data)


class TestConditionOps:
    @pytest.mark.parametrize(
        ("case", "tree", "hit", "miss"), OP_CASES, ids=[c[0] for c in OP_CASES]
    )
    def test_op_matches_exactly_what_it_says(
        self,
        ledger: Ledger,
        owner: Principal,
        checking: Account,
        case: str,
        tree: Any,
        hit: dict[str, Any],
        miss: dict[str, Any] | None,
    ) -> None:
        """The rule fires on the matching transaction and not on the other."""
        rule(ledger, owner, tree)
        assert _post_case(ledger, owner, checking, hit).der_category == "hit"
        if miss is not None:
            assert _post_case(ledger, owner, checking, miss).der_category is None

    def test_account_id_selects_one_account(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """``account_id`` equals matches only that account's transactions."""
        rule(ledger, owner, _leaf("account_id", "one_of", [checking.id]))
        assert uncategorized(ledger, owner, checking).der_category == "hit"
        assert uncategorized(ledger, owner, savings, amount="10").der_category is None

    def test_a_missing_text_field_never_matches(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A ``not contains`` still needs no merchant to match; ``contains`` does."""
        rule(ledger, owner, _leaf("merchant", "contains", "a"))
        assert uncategorized(ledger, owner, checking).der_category is None


class TestActions:
    @pytest.mark.parametrize(
        "field", ["category", "merchant", "der_category", "der_merchant", "description", "location"]
    )
    def test_set_writes_the_field(
        self, ledger: Ledger, owner: Principal, checking: Account, field: str
    ) -> None:
        """``set`` gives the field the value and credits the rule."""
        ident = rule(ledger, owner, {"all": []}, {"set": field, "value": "Set"})
        txn = uncategorized(ledger, owner, checking)
        assert getattr(txn, field) == "Set"
        assert dict(txn.rule_fields) == {field: ident}

    def test_add_tag_and_remove_tag(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Tags are added once and removed when present."""
        rule(
            ledger,
            owner,
            {"all": []},
            {"add_tag": "new"},
            {"remove_tag": "old"},
            {"add_tag": "new"},
        )
        txn = post(ledger, owner, checking, "-1", category="uncategorized")
        assert txn.tags == ("new",)
        stored = ledger.update_transaction(owner, txn.id, {"tags": None})
        assert stored.tags == ()

    def test_remove_tag_takes_away_a_tag(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """``remove_tag`` drops the tag from a stored transaction on apply."""
        txn = post(ledger, owner, checking, "-1", tags=["old", "keep"])
        ledger.update_transaction(owner, txn.id, {"tags": None})
        ledger.update_transaction(owner, txn.id, {"tags": ["old", "keep"]})
        rule(ledger, owner, {"all": []}, {"remove_tag": "old"})
        result = ledger.apply_rules(owner, override=True)
        assert ledger.get_transaction(owner, txn.id).tags == ("keep",)
        assert [(c.field, c.before, c.after) for c in result.changes] == [
            ("tags", ("old", "keep"), ("keep",))
        ]

    def test_actions_run_in_order(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A later action of one rule overrides an earlier one."""
        rule(
            ledger,
            owner,
            {"all": []},
            {"set": "merchant", "value": "a"},
            {"set": "merchant", "value": "b"},
        )
        assert uncategorized(ledger, owner, checking).merchant == "b"

    def test_set_cannot_touch_amounts(self, ledger: Ledger, owner: Principal) -> None:
        """``set`` on amount, date or account is refused when saved."""
        with pytest.raises(ValidationError) as caught:
            rule(ledger, owner, {"all": []}, {"set": "amount", "value": "1"})
        assert [e.field for e in caught.value.errors] == ["actions[0]"]


class TestStagesAndStop:
    def test_stages_run_pre_default_post(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Whatever the creation order, post runs last, so its value stands."""
        post_rule = rule(
            ledger, owner, {"all": []}, {"set": "category", "value": "post"}, stage="post"
        )
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "default"})
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "pre"}, stage="pre")
        txn = uncategorized(ledger, owner, checking)
        assert (txn.category, dict(txn.rule_fields)) == ("post", {"category": post_rule})

    def test_a_later_stage_sees_what_an_earlier_one_set(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A post rule can key on the category a pre rule set."""
        rule(
            ledger,
            owner,
            _leaf("category", "equals", "coffee"),
            {"add_tag": "caffeine"},
            stage="post",
        )
        rule(
            ledger,
            owner,
            _leaf("merchant", "equals", "cafe"),
            {"set": "category", "value": "coffee"},
            stage="pre",
        )
        assert uncategorized(ledger, owner, checking, merchant="Cafe").tags == ("caffeine",)

    def test_positions_order_rules_inside_a_stage(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Moving a rule to the end makes its value the final one."""
        first = rule(ledger, owner, {"all": []}, {"set": "location", "value": "first"})
        rule(ledger, owner, {"all": []}, {"set": "location", "value": "second"})
        assert uncategorized(ledger, owner, checking).location == "second"
        ledger.update_rule(owner, first, {"position": 2})
        assert uncategorized(ledger, owner, checking).location == "first"

    def test_stop_ends_the_run_when_the_rule_changed_something(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """No later rule runs after a stopping rule that changed the transaction."""
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "stopped"}, stop=True)
        rule(ledger, owner, {"all": []}, {"add_tag": "later"})
        txn = uncategorized(ledger, owner, checking)
        assert (txn.category, txn.tags) == ("stopped", ())

    def test_stop_does_not_end_the_run_when_nothing_changed(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A stopping rule whose values are already there lets later rules run."""
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "uncategorized"}, stop=True)
        rule(ledger, owner, {"all": []}, {"add_tag": "later"})
        assert uncategorized(ledger, owner, checking).tags == ("later",)

    def test_disabled_rules_do_not_run(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """``enabled: false`` keeps a rule out of every automatic run."""
        rule(ledger, owner, {"all": []}, enabled=False)
        assert uncategorized(ledger, owner, checking).der_category is None


class TestNewTransactions:
    def test_a_given_value_is_never_overwritten(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A category in the request stays; the person's fields are recorded."""
        rule(
            ledger,
            owner,
            {"all": []},
            {"set": "category", "value": "rule"},
            {"set": "merchant", "value": "m"},
        )
        txn = post(ledger, owner, checking, "-1", category="mine")
        assert (txn.category, txn.merchant) == ("mine", "m")
        assert txn.person_fields == ("category",)
        assert set(dict(txn.rule_fields)) == {"merchant"}

    def test_the_placeholder_category_counts_as_not_given(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """``uncategorized`` is replaced by a rule."""
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "rule"})
        txn = uncategorized(ledger, owner, checking)
        assert (txn.category, txn.person_fields) == ("rule", ())

    def test_every_item_of_a_batch_is_categorized(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Rules run on each transaction of a batch."""
        rule(
            ledger,
            owner,
            _leaf("merchant", "equals", "shop"),
            {"set": "category", "value": "shopping"},
        )
        items = [
            {"amount": D("-1"), "date": "2026-01-02", "category": "uncategorized", "merchant": m}
            for m in ("shop", "other", "SHOP")
        ]
        result = ledger.post_batch(owner, checking.id, items)
        assert [t.category for t in result.transactions] == [
            "shopping",
            "uncategorized",
            "shopping",
        ]

    def test_an_import_keeps_a_files_category_and_categorizes_the_rest(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A category column counts as given; rows without one get the rule's."""
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "rule"})
        rows = (
            ParsedRow(1, date(2026, 1, 2), D("-1"), "a", category="groceries"),
            ParsedRow(2, date(2026, 1, 3), D("-2"), "b"),
        )
        ledger.import_file(owner, checking.id, ParsedFile("csv", rows))
        by_description = {t.description: t for t in all_transactions(ledger, owner)}
        assert by_description["a"].category == "groceries"
        assert by_description["b"].category == "rule"
        assert "category" in (by_description["a"].person_fields or ())

    def test_a_rule_change_applies_to_the_next_post(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """The compiled set is refreshed after every change of the rules."""
        ident = rule(ledger, owner, {"all": []})
        uncategorized(ledger, owner, checking)
        ledger.update_rule(owner, ident, {"actions": [{"set": "der_category", "value": "v2"}]})
        assert uncategorized(ledger, owner, checking).der_category == "v2"

    def test_another_ledger_on_the_same_storage_sees_rule_changes(
        self, contract_storage: Storage, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A second process's cache notices the revision the first one advanced."""
        other = Ledger(contract_storage, clock=FakeClock())
        ident = rule(ledger, owner, {"all": []})
        assert uncategorized(other, owner, checking).der_category == "hit"
        ledger.update_rule(owner, ident, {"enabled": False})
        assert uncategorized(other, owner, checking).der_category is None

    def test_editing_a_field_makes_it_the_persons(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """PATCH with a value marks the field as a person's and forgets the rule."""
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "rule"})
        txn = uncategorized(ledger, owner, checking)
        edited = ledger.update_transaction(owner, txn.id, {"category": "mine"})
        assert (edited.person_fields, edited.rule_fields) == (("category",), ())
        assert ledger.get_transaction(owner, txn.id) == edited


class TestApplying:
    def test_a_dry_run_reports_and_writes_nothing(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """The dry run's changes are exactly the real run's; storage is untouched."""
        a = uncategorized(ledger, owner, checking, merchant="x")
        uncategorized(ledger, owner, checking, merchant="y")
        ident = rule(
            ledger, owner, _leaf("merchant", "equals", "x"), {"set": "category", "value": "c"}
        )
        before = snapshot(ledger, owner)
        dry = ledger.apply_rules(owner, dry_run=True)
        assert snapshot(ledger, owner) == before
        assert [(c.transaction_id, c.rule_id, c.field, c.before, c.after) for c in dry.changes] == [
            (a.id, ident, "category", "uncategorized", "c")
        ]
        real = ledger.apply_rules(owner)
        assert (real.changes, real.changed, real.transactions) == (dry.changes, 1, 1)
        stored = ledger.get_transaction(owner, a.id)
        assert (stored.category, dict(stored.rule_fields), stored.version) == (
            "c",
            {"category": ident},
            2,
        )

    def test_changed_counts_fields_and_transactions_counts_rows(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Two fields on one transaction: changed 2, transactions 1."""
        uncategorized(ledger, owner, checking)
        rule(
            ledger,
            owner,
            {"all": []},
            {"set": "category", "value": "c"},
            {"set": "location", "value": "l"},
        )
        result = ledger.apply_rules(owner, dry_run=True)
        assert (result.changed, result.transactions) == (2, 1)

    def test_a_real_run_tells_listeners_of_each_changed_transaction(
        self, contract_storage: Storage, owner: Principal, checking: Account
    ) -> None:
        """After the commit, one transaction_changed event per changed row."""
        heard: list[Any] = []
        ledger = Ledger(contract_storage, clock=FakeClock(), on_commit=lambda t, e: heard.extend(e))
        first, second = (uncategorized(ledger, owner, checking) for _ in "ab")
        rule(ledger, owner, {"all": []})
        heard.clear()
        ledger.apply_rules(owner)
        assert sorted(e.entity_id for e in heard) == sorted([first.id, second.id])
        assert {e.kind for e in heard} == {EventKind.TRANSACTION_CHANGED}

    def test_a_persons_field_is_kept_without_override(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A hand-set category survives an apply; with override it is replaced."""
        txn = post(ledger, owner, checking, "-1", category="mine")
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "rule"})
        assert ledger.apply_rules(owner).changed == 0
        assert ledger.get_transaction(owner, txn.id).category == "mine"
        assert ledger.apply_rules(owner, override=True).changed == 1
        stored = ledger.get_transaction(owner, txn.id)
        assert (stored.category, stored.person_fields) == ("rule", ())

    def test_rows_stored_before_choices_were_recorded_keep_their_values(
        self, ledger: Ledger, owner: Principal, other_owner: Principal, checking: Account
    ) -> None:
        """Without a record of who chose what, every field with a value counts as chosen."""
        post(ledger, owner, checking, "-1", category="food", merchant="m")
        data = ledger.export_data(owner)
        legacy = attrs.evolve(
            data, transactions=tuple(attrs.evolve(t, person_fields=None) for t in data.transactions)
        )
        ledger.restore(other_owner, legacy)
        (stored,) = all_transactions(ledger, other_owner)
        assert stored.person_fields is None
        rule(ledger, other_owner, {"all": []}, {"set": "category", "value": "c"}, {"add_tag": "t"})
        result = ledger.apply_rules(other_owner)
        assert [(c.field, c.after) for c in result.changes] == [("tags", ("t",))]
        assert ledger.get_transaction(other_owner, stored.id).person_fields == (
            "category",
            "merchant",
        )

    def test_named_rules_run_even_when_disabled(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """``rule_ids`` runs exactly those rules."""
        uncategorized(ledger, owner, checking)
        rule(ledger, owner, {"all": []}, {"set": "location", "value": "enabled"})
        off = rule(ledger, owner, {"all": []}, {"set": "merchant", "value": "off"}, enabled=False)
        result = ledger.apply_rules(owner, rule_ids=[off], dry_run=True)
        assert [(c.rule_id, c.field) for c in result.changes] == [(off, "merchant")]

    def test_a_missing_rule_id_changes_nothing(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """An unknown id among the named rules is not found; nothing runs."""
        uncategorized(ledger, owner, checking)
        real = rule(ledger, owner, {"all": []})
        before = snapshot(ledger, owner)
        with pytest.raises(NotFoundError):
            ledger.apply_rules(owner, rule_ids=[real, 10**9])
        assert snapshot(ledger, owner) == before

    def test_filters_choose_the_transactions(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Only transactions the list filters select are changed."""
        uncategorized(ledger, owner, checking, date="2026-01-01")
        inside = uncategorized(ledger, owner, checking, date="2026-02-01")
        rule(ledger, owner, {"all": []})
        flt = TransactionFilter(start_date=inside.date)
        result = ledger.apply_rules(owner, flt=flt)
        assert [c.transaction_id for c in result.changes] == [inside.id]

    def test_a_failing_run_changes_nothing(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """An action that breaks mid-run leaves every transaction as it was."""
        for _ in range(3):
            uncategorized(ledger, owner, checking)
        calls = []

        def build(action: Mapping[str, Any]) -> Any:
            def propose(txn: Transaction) -> dict[str, Any]:
                calls.append(txn.id)
                return {"amount": D(0)} if len(calls) == 3 else {"location": "x"}

            return dict(action), propose

        ledger.use_rule_extensions(actions=[ActionKind("sneaky", build)])
        rule(ledger, owner, {"all": []}, {"sneaky": True})
        before = snapshot(ledger, owner)
        with pytest.raises(ConfigurationError):
            ledger.apply_rules(owner)
        assert snapshot(ledger, owner) == before

    def test_transfer_legs_are_left_alone(
        self, ledger: Ledger, owner: Principal, checking: Account, savings: Account
    ) -> None:
        """Rules never recategorize a transfer."""
        ledger.create_transfer(owner, checking.id, savings.id, D("5"), "2026-01-02")
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "c"})
        assert ledger.apply_rules(owner, override=True, dry_run=True).changed == 0


class TestPreviewAndSuggestions:
    def test_preview_counts_matches_and_changes_and_stores_nothing(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """An unsaved rule reports what it would match and change."""
        uncategorized(ledger, owner, checking, merchant="a")
        post(ledger, owner, checking, "-1", category="mine", merchant="a")
        uncategorized(ledger, owner, checking, merchant="b")
        before = snapshot(ledger, owner)
        result = ledger.preview_rule(
            owner,
            {
                "conditions": _leaf("merchant", "equals", "a"),
                "actions": [{"set": "category", "value": "c"}],
            },
        )
        assert (result.matched, result.changed) == (2, 1)
        assert snapshot(ledger, owner) == before
        assert ledger.list_rules(owner) == []

    def test_three_agreeing_hand_choices_make_a_suggestion(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A merchant categorized alike three times by hand is suggested."""
        for _ in range(3):
            post(ledger, owner, checking, "-1", category="groceries", merchant="Corner Shop")
        uncategorized(ledger, owner, checking, merchant="corner shop")
        found = ledger.suggest_rules(owner)
        merchant = [s for s in found if s.rule["conditions"]["field"] == "merchant"]
        assert [(s.rule["actions"], s.matches, s.changes) for s in merchant] == [
            ([{"set": "category", "value": "groceries"}], 4, 1)
        ]
        created = ledger.create_rule(owner, merchant[0].rule)
        assert ledger.apply_rules(owner).changes[0].rule_id == created.id

    def test_a_contradiction_or_too_few_choices_suggest_nothing(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Two choices are too few; three with one disagreeing contradict."""
        for category in ("a", "a"):
            post(ledger, owner, checking, "-1", category=category, merchant="Two")
        for category in ("a", "a", "a", "b"):
            post(ledger, owner, checking, "-1", category=category, merchant="Mixed")
        assert ledger.suggest_rules(owner) == []


class TestRulesTravel:
    def test_export_carries_rules_and_restore_brings_them_back(
        self, ledger: Ledger, owner: Principal, other_owner: Principal, checking: Account
    ) -> None:
        """Rules and which rule set which field survive an export and restore."""
        rule(ledger, owner, {"all": []}, name="first", stage="pre")
        ident = rule(ledger, owner, {"all": []}, {"set": "category", "value": "c"}, name="second")
        uncategorized(ledger, owner, checking)
        data = ledger.export_data(owner)
        assert [r.name for r in data.rules] == ["first", "second"]
        restored = ledger.restore(other_owner, data)
        assert [(r.name, r.stage, r.position) for r in ledger.list_rules(other_owner)] == [
            ("first", "pre", 1),
            ("second", "default", 1),
        ]
        (txn,) = all_transactions(ledger, other_owner)
        new_id = next(r.id for r in restored.rules if r.name == "second")
        assert dict(txn.rule_fields)["category"] == new_id
        assert ident in {r.id for r in data.rules}

    def test_restore_runs_rules_only_when_asked(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Restored rows keep their fields unless apply_rules; then the rules run."""
        uncategorized(ledger, owner, checking)
        rule(ledger, owner, {"all": []}, {"set": "category", "value": "c"})
        data = ledger.export_data(owner)
        plain, asked = (ledger.create_tenant(fresh_id(), "R", owner=fresh_id()) for _ in "ab")
        ledger.restore(plain, data)
        ledger.restore(asked, data, apply_rules=True)
        assert [t.category for t in all_transactions(ledger, plain)] == ["uncategorized"]
        assert [t.category for t in all_transactions(ledger, asked)] == ["c"]


_texts = st.sampled_from(["alpha", "beta", "Gamma", None])
_leaves = st.one_of(
    st.builds(
        _leaf,
        st.just("merchant"),
        st.sampled_from(["equals", "contains"]),
        st.sampled_from(["a", "b"]),
    ),
    st.builds(
        _leaf, st.just("amount"), st.sampled_from(["lt", "gte"]), st.sampled_from(["-5", "0"])
    ),
)
_actions = st.sampled_from(
    [{"set": "category", "value": "x"}, {"set": "merchant", "value": "beta"}, {"add_tag": "t"}]
)


@given(
    leaves=st.lists(st.tuples(_leaves, _actions, st.booleans()), min_size=1, max_size=4),
    rows=st.lists(st.tuples(_texts, st.sampled_from(["-10", "-1", "3"])), min_size=1, max_size=6),
)
def test_rules_dry_run_equals_real_run_and_never_moves_money(
    contract_storage: Storage, leaves: list[Any], rows: list[Any]
) -> None:
    """For any rules and rows: dry run == real run, and balances stay the fold of amounts."""
    ledger = Ledger(contract_storage, clock=FakeClock())
    tenant = fresh_id("rules")
    who = ledger.create_tenant(tenant, "R", owner=f"{tenant}-o")
    account = ledger.open_account(who, "A", "checking", initial_balance=D(100))
    for merchant, amount in rows:
        post(ledger, who, account, amount, category="uncategorized", merchant=merchant)
    for index, (leaf, action, stop) in enumerate(leaves):
        rule(ledger, who, leaf, action, name=f"r{index}", stop=stop)
    amounts = sorted(t.amount for t in all_transactions(ledger, who))
    dry = ledger.apply_rules(who, dry_run=True, override=True)
    real = ledger.apply_rules(who, override=True)
    assert dry.changes == real.changes
    after = all_transactions(ledger, who)
    assert sorted(t.amount for t in after) == amounts
    assert ledger.get_account(who, account.id).balance == D(100) + sum(amounts, D(0))


__all__ = [
    "TestActions",
    "TestApplying",
    "TestConditionOps",
    "TestNewTransactions",
    "TestOrdering",
    "TestPreviewAndSuggestions",
    "TestRulesTravel",
    "TestSavingRules",
    "TestStagesAndStop",
    "test_rules_dry_run_equals_real_run_and_never_moves_money",
]
