"""The compiled rule engine: gated lookups decide exactly what full tests decide."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from finance_core.categorize.bodies import clean_body
from finance_core.categorize.engine import BUILTIN_VOCABULARY, RuleBook
from finance_core.categorize.model import Rule
from finance_core.transactions import Transaction

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ["Shop", "shop", "CAFE", "straße", "STRASSE", "ref 12", "ref 123", "sh\ud800op", None]

ranges = st.one_of(
    st.builds(
        lambda op, value: {"field": "amount", "op": op, "value": value},
        st.sampled_from(["equals", "gt", "gte", "lt", "lte"]),
        st.sampled_from(["-5", "-5.00", "0", "-10", "3"]),
    ),
    st.builds(
        lambda low, high: {"field": "amount", "op": "between", "value": [low, high]},
        st.sampled_from(["-10", "-5", "-5.00"]),
        st.sampled_from(["-5", "-4.99", "0", "10"]),
    ),
    st.builds(
        lambda op, value: {"field": "date", "op": op, "value": value},
        st.sampled_from(["equals", "gt", "lte"]),
        st.sampled_from(["2026-01-01", "2026-01-02", "2026-01-03"]),
    ),
)
leaves = st.one_of(
    ranges,
    st.builds(
        lambda field, op, value, cs: {
            "field": field, "op": op, "value": value, "case_sensitive": cs,
        },
        st.sampled_from(["merchant", "description", "category"]),
        st.sampled_from(["equals", "contains", "starts_with", "ends_with", "matches"]),
        st.sampled_from(["shop", "cafe", "strasse", "Straße", r"ref \d{3}$", "^s"]),
        st.booleans(),
    ),
    st.builds(
        lambda field, values: {"field": field, "op": "one_of", "value": values},
        st.sampled_from(["merchant", "category"]),
        st.lists(st.sampled_from(["shop", "cafe", "x"]), min_size=1, max_size=3),
    ),
)  # fmt: skip
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(inner, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
    ),
    max_leaves=5,
)
actions = st.sampled_from(
    [
        {"set": "category", "value": "shop"},
        {"set": "merchant", "value": "CAFE"},
        {"set": "description", "value": "ref 123"},
        {"add_tag": "t"},
    ]
)


def _book(bodies: list[tuple[Any, Any, bool]]) -> RuleBook:
    rules = []
    for index, (tree, action, stop) in enumerate(bodies, 1):
        body = {"name": f"r{index}", "conditions": tree, "actions": [action], "stop": stop}
        cleaned = clean_body(body, BUILTIN_VOCABULARY)
        rules.append(
            Rule(index, "t", cleaned["name"], True, "default", index, stop,
                 cleaned["conditions"], cleaned["actions"], NOW, NOW)
        )  # fmt: skip
    return RuleBook.compile(rules, BUILTIN_VOCABULARY)


def _ungated(book: RuleBook) -> RuleBook:
    """The same rules tested one by one, with no gate in front of any."""
    plain = RuleBook(book.rules)
    plain.gates.any = False
    plain._ungated = list(range(len(book.rules)))
    plain._ungated_set = frozenset(plain._ungated)
    return plain


@given(
    bodies=st.lists(st.tuples(trees, actions, st.booleans()), min_size=1, max_size=6),
    merchant=st.sampled_from(WORDS),
    description=st.sampled_from(WORDS),
    amount=st.sampled_from(["-10", "-5", "-4.99", "0", "3", "11"]),
    day=st.sampled_from([1, 2, 3]),
)
def test_gates_change_nothing_but_speed(
    bodies: list[tuple[Any, Any, bool]],
    merchant: str | None,
    description: str | None,
    amount: str,
    day: int,
) -> None:
    """For any rules and transaction, the gated run equals testing every rule in turn."""
    book = _book(bodies)
    txn = Transaction(
        1, "t", 1, Decimal(amount), date(2026, 1, day), "uncategorized", NOW, NOW,
        description=description, merchant=merchant,
    )  # fmt: skip
    assert book.run(txn, "USD", ()) == _ungated(book).run(txn, "USD", ())


def test_a_gate_opened_by_an_earlier_rule_lets_the_later_one_run() -> None:
    """A rule gated on a category set earlier in the same run sees that category."""
    first = {"field": "merchant", "op": "equals", "value": "cafe"}
    second = {"field": "category", "op": "equals", "value": "SHOP"}
    book = _book(
        [(first, {"set": "category", "value": "shop"}, False), (second, {"add_tag": "t"}, False)]
    )
    txn = Transaction(1, "t", 1, Decimal("-5"), date(2026, 1, 2), "x", NOW, NOW, merchant="Cafe")
    outcome = book.run(txn, "USD", ())
    assert (outcome.transaction.category, outcome.transaction.tags) == ("shop", ("t",))


def test_a_rule_whose_gate_passed_is_still_tested_on_its_other_leaves() -> None:
    """A passed gate settles a one-leaf rule only; a rule with more leaves is tested in full."""
    gate = {"field": "merchant", "op": "equals", "value": "cafe"}
    big = {"all": [gate, {"field": "amount", "op": "lt", "value": "-100"}]}
    book = _book([(big, {"add_tag": "big"}, False), (gate, {"add_tag": "cafe"}, False)])
    txn = Transaction(1, "t", 1, Decimal("-5"), date(2026, 1, 2), "x", NOW, NOW, merchant="Cafe")
    assert book.run(txn, "USD", ()).transaction.tags == ("cafe",)
