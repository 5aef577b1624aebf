"""Contract tests for the streaming import: import_file's outcome, a chunk at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance_core.accounts import Account
from finance_core.errors import BalanceRuleViolation, ValidationError
from finance_core.events import Event, EventKind
from finance_core.import_stream import MAX_EXAMPLES, ParsedSource
from finance_core.importing import ParsedFile, ParsedRow, RejectedRow
from finance_core.ports import Storage
from finance_core.repeated_keys import RepeatedKeys
from finance_core.services import Ledger
from finance_core.statements import ParsedStatement, StatementView
from finance_core.tenancy import Principal
from finance_core.testing.clock import FakeClock
from finance_core.testing.fixtures import all_transactions, fresh_id

D = Decimal
HASH = "c" * 64


def row(number: int, amount: str = "-3.50", **fields: Any) -> ParsedRow:
    values: dict[str, Any] = {"date": date(2026, 2, 1), "description": "Coffee"}
    values.update(fields)
    return ParsedRow(number, amount=D(amount), **values)


def stream(parsed: ParsedFile, chunk_rows: int = 2) -> ParsedSource:
    return ParsedSource(parsed, chunk_rows)


def stored(ledger: Ledger, who: Principal, account: Account) -> Counter[tuple[Any, ...]]:
    """The account's transactions by their imported fields (ids aside)."""
    return Counter(
        (
            t.date,
            t.amount,
            t.category,
            t.description,
            t.merchant,
            t.external_id,
            t.splits,
            t.rule_fields,
            t.person_fields,
        )
        for t in all_transactions(ledger, who)
        if t.account_id == account.id
    )


#: Rows with every case planning tells apart: repeats with and without file
#: ids, a too-precise amount, a row in another currency, splits.
rows_strategy = st.lists(
    st.builds(
        lambda day, cents, text, file_id, bad, split: dict(
            date=date(2026, 1, day),
            amount=D(cents).scaleb(-2) + (D("0.001") if bad else 0),
            description=text,
            file_id=file_id,
            splits=(("a", D(cents).scaleb(-2) - 1), ("b", D(1))) if split and not bad else (),
        ),
        # Few values, so that identical rows (the case occurrences exist for) are common.
        day=st.integers(1, 2),
        cents=st.sampled_from([-350, -350, 1200, 0, 7]),
        text=st.sampled_from(["Coffee", " coffee ", "Rent", None]),
        file_id=st.none() | st.sampled_from(["A1", "A2"]),
        bad=st.sampled_from([False, False, False, True]),
        split=st.booleans(),
    ),
    max_size=14,
)


#: What a file may state: nothing, a period, or a period with its balances.
statement_strategy = st.none() | st.builds(
    lambda first, last, opening, closing: ParsedStatement(
        period_start=date(2026, 1, first),
        period_end=date(2026, 1, last),
        opening_balance=None if opening is None else D(opening),
        closing_balance=None if closing is None else D(closing),
    ),
    first=st.integers(1, 2),
    last=st.integers(1, 3),
    opening=st.none() | st.sampled_from(["0.00", "12.00"]),
    closing=st.none() | st.sampled_from(["0.00", "8.50", "-3.50"]),
)


def statement_figures(views: Sequence[StatementView]) -> list[tuple[Any, ...]]:
    """What recorded statements say, apart from their ids and accounts."""
    return [
        (
            v.statement.file_hash,
            v.statement.period_start,
            v.statement.period_end,
            v.statement.opening_balance,
            v.statement.closing_balance,
            v.book_balance,
            v.difference,
        )
        for v in views
    ]


def _books(storage: Storage) -> tuple[Ledger, Principal]:
    ledger = Ledger(storage, clock=FakeClock())
    tenant = fresh_id("stream")
    return ledger, ledger.create_tenant(tenant, "S", owner=f"{tenant}-o")


@settings(max_examples=15, deadline=None)
@given(
    items=rows_strategy,
    chunk_rows=st.integers(1, 4),
    skip=st.booleans(),
    stated=statement_strategy,
    dry_run=st.sampled_from([False, False, True]),
)
def test_streaming_import_matches_import_file(
    contract_storage: Storage,
    items: list[dict[str, Any]],
    chunk_rows: int,
    skip: bool,
    stated: ParsedStatement | None,
    dry_run: bool,
) -> None:
    """Any file, in any chunk size: the same rows stored, the same counts, statement
    and reconciliation as import_file, for real and in a dry run."""
    ledger, who = _books(contract_storage)
    whole = ledger.open_account(who, "Whole", "checking")
    streamed = ledger.open_account(who, "Streamed", "checking")
    parsed = ParsedFile(
        "test",
        tuple(ParsedRow(n, **item) for n, item in enumerate(items, 1)),
        (RejectedRow(len(items) + 1, "unreadable"),) if skip else (),
        statements=(stated,) if stated else (),
    )
    options: dict[str, Any] = {"skip_bad_rows": skip, "dry_run": dry_run, "file_hash": HASH}
    expected = ledger.import_file(who, whole.id, parsed, **options)
    got = ledger.import_stream(who, streamed.id, stream(parsed, chunk_rows), **options)
    counts = (expected.created, expected.duplicates, expected.rejected, expected.committed)
    assert (got.created, got.duplicates, got.rejected, got.committed) == counts
    assert statement_figures(got.statements) == statement_figures(expected.statements)
    assert got.reconciliation == expected.reconciliation
    assert stored(ledger, who, streamed) == stored(ledger, who, whole)
    assert ledger.get_account(who, streamed.id).balance == ledger.get_account(who, whole.id).balance
    assert [o.row for o in got.examples] == [o.row for o in expected.rows if o.status != "created"][
        :MAX_EXAMPLES
    ]


RULE_BODIES = (
    {
        "name": "coffee",
        "conditions": {"field": "description", "op": "contains", "value": "coffee"},
        "actions": [{"set": "category", "value": "coffee"}, {"add_tag": "drinks"}],
    },
    {
        "name": "cafe",
        "conditions": {"field": "merchant", "op": "equals", "value": "cafe"},
        "actions": [
            {"set": "der_merchant", "value": "Cafe Ltd"},
            {"set": "category", "value": "eat"},
        ],
    },
    {
        "name": "outflow",
        "stage": "post",
        "conditions": {"field": "amount", "op": "lt", "value": "0"},
        "actions": [{"set": "merchant", "value": "Somebody"}],
    },
)
rule_rows_strategy = st.lists(
    st.builds(
        lambda day, cents, text, merchant, category: dict(
            date=date(2026, 1, day),
            amount=D(cents).scaleb(-2),
            description=text,
            merchant=merchant,
            category=category,
        ),
        day=st.integers(1, 2),
        cents=st.sampled_from([-350, 1200]),
        text=st.sampled_from(["Coffee", "Rent", None]),
        merchant=st.sampled_from(["Cafe", None]),
        category=st.sampled_from(["uncategorized", "Food", None]),
    ),
    max_size=10,
)


def categorized(ledger: Ledger, who: Principal, account: Account) -> Counter[tuple[Any, ...]]:
    """The account's transactions by the fields rules read and write (ids aside)."""
    return Counter(
        (
            t.date,
            t.amount,
            t.description,
            t.category,
            t.merchant,
            t.der_merchant,
            t.tags,
            tuple(field for field, _ in t.rule_fields),
            t.person_fields,
        )
        for t in all_transactions(ledger, who)
        if t.account_id == account.id
    )


@settings(max_examples=10, deadline=None)
@given(items=rule_rows_strategy, chunk_rows=st.integers(1, 4))
def test_streamed_rows_meet_the_tenants_rules_as_import_files_do(
    contract_storage: Storage, items: list[dict[str, Any]], chunk_rows: int
) -> None:
    """With rules active, streamed rows get the categories, tags and marks import_file gives."""
    ledger, who = _books(contract_storage)
    for body in RULE_BODIES:
        ledger.create_rule(who, body)
    whole = ledger.open_account(who, "Whole", "checking")
    streamed = ledger.open_account(who, "Streamed", "checking")
    parsed = ParsedFile("test", tuple(ParsedRow(n, **item) for n, item in enumerate(items, 1)))
    ledger.import_file(who, whole.id, parsed)
    ledger.import_stream(who, streamed.id, stream(parsed, chunk_rows))
    assert categorized(ledger, who, streamed) == categorized(ledger, who, whole)


class _Books:
    """A ledger on the backend under test, a fresh tenant's owner and a checking account."""

    @pytest.fixture
    def ledger(self, contract_storage: Storage) -> Ledger:
        return Ledger(contract_storage, clock=FakeClock())

    @pytest.fixture
    def who(self, ledger: Ledger) -> Principal:
        tenant = fresh_id("stream")
        return ledger.create_tenant(tenant, "S", owner=f"{tenant}-o")

    @pytest.fixture
    def account(self, ledger: Ledger, who: Principal) -> Account:
        return ledger.open_account(who, "Checking", "checking", initial_balance=D(100))


class TestStreamingImport(_Books):
    def test_identical_rows_across_chunks_are_both_created(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """Two identical coffees in different chunks are two transactions, found again later."""
        parsed = ParsedFile("test", (row(1), row(2, "-9.00", description="Rent"), row(3)))
        first = ledger.import_stream(who, account.id, stream(parsed, 1))
        again = ledger.import_stream(who, account.id, stream(parsed, 2))
        assert (first.created, again.created, again.duplicates) == (3, 0, 3)
        assert len(stored(ledger, who, account)) == 3

    def test_rejected_row_in_the_last_chunk_stores_nothing(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """One bad row at the end of the file: nothing of the earlier chunks is stored."""
        rows = (*(row(n, description=f"r{n}") for n in range(1, 6)), row(6, "-1.001"))
        result = ledger.import_stream(who, account.id, stream(ParsedFile("test", rows)))
        assert (result.created, result.rejected, result.committed) == (5, 1, False)
        assert stored(ledger, who, account) == Counter()
        assert ledger.get_account(who, account.id).balance == D(100)

    def test_skip_bad_rows_stores_the_good_ones(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """With skip_bad_rows the readable rows are stored and the bad one reported."""
        rows = (row(1), row(2, "-1.001"), row(3, description="Tea"))
        result = ledger.import_stream(
            who, account.id, stream(ParsedFile("test", rows)), skip_bad_rows=True
        )
        assert (result.created, result.rejected, result.committed) == (2, 1, True)
        assert [o.row for o in result.examples] == [2]
        assert ledger.get_account(who, account.id).balance == D("93.00")

    def test_rule_broken_by_a_later_chunk_stores_nothing(
        self, ledger: Ledger, who: Principal
    ) -> None:
        """A balance floor broken in the third chunk rolls back the first two."""
        floor = ledger.open_account(who, "Floor", "checking", initial_balance=D(10), min_balance=0)
        rows = tuple(row(n, "-2.00", description=f"r{n}") for n in range(1, 7))
        with pytest.raises(BalanceRuleViolation):
            ledger.import_stream(who, floor.id, stream(ParsedFile("test", rows), 2))
        assert stored(ledger, who, floor) == Counter()
        assert ledger.get_account(who, floor.id).balance == D(10)

    def test_running_balance_at_a_chunk_end_is_not_judged(
        self, ledger: Ledger, who: Principal
    ) -> None:
        """The floor is judged on the final balance, as import_file judges it, not on
        the balance in file order where a chunk happens to end."""
        floor = ledger.open_account(who, "Floor", "checking", initial_balance=D(0), min_balance=0)
        rows = (row(1, "-50.00", description="Out"), row(2, "100.00", description="In"))
        result = ledger.import_stream(who, floor.id, stream(ParsedFile("test", rows), 1))
        assert result.committed
        assert ledger.get_account(who, floor.id).balance == D(50)

    def test_text_the_core_refuses_stores_nothing(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A control character in a description fails the import as import_file fails it."""
        rows = (row(1), row(2, description="Coffee\x07shop"), row(3, description="Tea"))
        parsed = ParsedFile("test", rows)
        with pytest.raises(ValidationError, match="U\\+0007"):
            ledger.import_file(who, account.id, parsed)
        with pytest.raises(ValidationError, match="U\\+0007"):
            ledger.import_stream(who, account.id, stream(parsed, 1))
        assert stored(ledger, who, account) == Counter()

    def test_rows_all_in_another_currency_refuse_the_file(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """Rows that all name EUR make an EUR file, refused for a USD account before any write."""
        rows = (row(1, currency="EUR"), row(2, description="Tea", currency="EUR"))
        with pytest.raises(ValidationError, match="the file is in EUR"):
            ledger.import_stream(who, account.id, stream(ParsedFile("test", rows), 1))
        assert stored(ledger, who, account) == Counter()

    def test_rows_of_several_currencies_reject_the_foreign_ones(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """Mixed currencies are judged row by row: the EUR row is rejected, as by import_file."""
        rows = (row(1, currency="USD"), row(2, description="Tea", currency="EUR"))
        result = ledger.import_stream(
            who, account.id, stream(ParsedFile("test", rows), 1), skip_bad_rows=True
        )
        assert (result.created, result.rejected) == (1, 1)

    def test_dry_run_writes_nothing_and_counts_like_a_real_run(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A dry run reports exactly what the real run then does."""
        parsed = ParsedFile("test", (row(1), row(2), row(3, file_id="X"), row(4, file_id="X")))
        dry = ledger.import_stream(who, account.id, stream(parsed), dry_run=True)
        assert stored(ledger, who, account) == Counter()
        real = ledger.import_stream(who, account.id, stream(parsed))
        assert (dry.created, dry.duplicates, dry.committed) == (3, 1, False)
        assert (real.created, real.duplicates, real.committed) == (3, 1, True)

    def test_examples_are_capped_and_counts_exact(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A re-import of many rows counts every duplicate but shows only the first few."""
        rows = tuple(row(n, description=f"r{n}") for n in range(1, MAX_EXAMPLES + 21))
        parsed = ParsedFile("test", rows)
        ledger.import_stream(who, account.id, stream(parsed, 50))
        again = ledger.import_stream(who, account.id, stream(parsed, 50))
        assert again.duplicates == MAX_EXAMPLES + 20
        assert [o.row for o in again.examples] == list(range(1, MAX_EXAMPLES + 1))

    def test_categorization_rules_run_on_streamed_rows(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """The tenant's rules categorize streamed rows exactly as they do import_file's."""
        ledger.create_rule(
            who,
            {
                "name": fresh_id("coffee"),
                "conditions": {"field": "description", "op": "contains", "value": "coffee"},
                "actions": [{"set": "category", "value": "coffee"}],
            },
        )
        whole = ledger.open_account(who, "Whole", "checking", initial_balance=D(100))
        rows = (row(1), row(2, description="Rent"), row(3, description="Coffee again"))
        ledger.import_file(who, whole.id, ParsedFile("test", rows))
        ledger.import_stream(who, account.id, stream(ParsedFile("test", rows), 2))
        assert stored(ledger, who, account) == stored(ledger, who, whole)
        categories = sorted(t.category for t in all_transactions(ledger, who))
        assert categories.count("coffee") == 4

    def test_file_in_another_currency_is_refused(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A file that states EUR does not go into a USD account."""
        parsed = ParsedFile("test", (row(1),), currency="EUR")
        with pytest.raises(ValidationError, match="EUR"):
            ledger.import_stream(who, account.id, stream(parsed))


class TestStreamedStatements(_Books):
    @staticmethod
    def stated(closing: str | None = "93.00") -> ParsedStatement:
        return ParsedStatement(
            period_start=date(2026, 2, 1),
            period_end=date(2026, 2, 28),
            opening_balance=D(100),
            closing_balance=None if closing is None else D(closing),
        )

    def test_statement_is_recorded_once_and_reconciled(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """The file's statement is recorded with its hash; importing it again adds none."""
        parsed = ParsedFile(
            "test", (row(1), row(2, description="Tea")), statements=(self.stated(),)
        )
        first = ledger.import_stream(who, account.id, stream(parsed), file_hash=HASH)
        again = ledger.import_stream(who, account.id, stream(parsed), file_hash=HASH)
        (view,) = first.statements
        assert (view.statement.file_hash, view.statement.closing_balance) == (HASH, D("93.00"))
        assert [v.statement.id for v in again.statements] == [view.statement.id]
        assert len(ledger.list_statements(who, account.id)) == 1
        assert first.reconciliation is not None and first.reconciliation.difference == 0

    def test_dry_run_reconciles_as_the_import_would(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A dry run records nothing and compares the closing balance with the books to be."""
        parsed = ParsedFile(
            "test", (row(1), row(2, description="Tea")), statements=(self.stated(),)
        )
        dry = ledger.import_stream(who, account.id, stream(parsed), dry_run=True, file_hash=HASH)
        assert dry.statements == ()
        assert ledger.list_statements(who, account.id) == []
        assert dry.reconciliation is not None
        assert (dry.reconciliation.book_balance, dry.reconciliation.difference) == (D(93), D(0))

    def test_closing_balance_the_books_miss_is_a_difference(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A stated closing balance the books do not reach shows the difference."""
        parsed = ParsedFile("test", (row(1),), statements=(self.stated("90.00"),))
        result = ledger.import_stream(who, account.id, stream(parsed), file_hash=HASH)
        assert result.reconciliation is not None
        assert result.reconciliation.difference == D("-6.50")

    def test_file_stating_nothing_records_its_rows_days(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """Without a stated statement the period is the first and last day of its rows."""
        rows = (row(1, date=date(2026, 2, 9)), row(2, date=date(2026, 2, 3)), row(3))
        result = ledger.import_stream(
            who, account.id, stream(ParsedFile("test", rows)), file_hash=HASH
        )
        (view,) = result.statements
        assert (view.statement.period_start, view.statement.period_end) == (
            date(2026, 2, 1),
            date(2026, 2, 9),
        )
        assert (view.statement.closing_balance, result.reconciliation) == (None, None)

    def test_refused_file_records_no_statement(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A file not imported because of a rejected row records nothing and checks nothing."""
        parsed = ParsedFile("test", (row(1), row(2, "-1.001")), statements=(self.stated(),))
        result = ledger.import_stream(who, account.id, stream(parsed), file_hash=HASH)
        assert (result.committed, result.statements, result.reconciliation) == (False, (), None)
        assert ledger.list_statements(who, account.id) == []

    def test_file_of_several_statements_is_refused(
        self, ledger: Ledger, who: Principal, account: Account
    ) -> None:
        """A parsed file of two statements is sent to import_file, and nothing is written."""
        parsed = ParsedFile("test", (row(1),), statements=(self.stated(), self.stated()))
        with pytest.raises(ValidationError, match="import_file"):
            ledger.import_stream(who, account.id, stream(parsed), file_hash=HASH)
        assert stored(ledger, who, account) == Counter()


class TestEvents:
    def test_each_created_transaction_is_told_once_after_the_commit(
        self, contract_storage: Storage
    ) -> None:
        """Listeners hear one transaction_posted per created row after the commit; none dry."""
        heard: list[Event] = []
        ledger = Ledger(
            contract_storage,
            clock=FakeClock(),
            on_commit=lambda tenant, events: heard.extend(events),
        )
        tenant = fresh_id("stream")
        who = ledger.create_tenant(tenant, "S", owner=f"{tenant}-o")
        account = ledger.open_account(who, "Checking", "checking")
        rows = tuple(row(n, description=f"r{n}") for n in range(1, 8))
        heard.clear()
        ledger.import_stream(who, account.id, stream(ParsedFile("test", rows), 3), dry_run=True)
        assert heard == []
        ledger.import_stream(who, account.id, stream(ParsedFile("test", rows), 3))
        created = sorted(t.id for t in all_transactions(ledger, who))
        assert sorted(e.entity_id for e in heard) == created
        assert {(e.kind, e.tenant_id) for e in heard} == {(EventKind.TRANSACTION_POSTED, tenant)}


class TestRepeatedKeys:
    def test_only_keys_seen_twice_are_repeated(self) -> None:
        """Across table growth, exactly the keys added twice come out as repeated."""
        repeats = RepeatedKeys()
        for value in range(20_000):
            repeats.add(("k", value))
        for value in range(0, 20_000, 997):
            repeats.add(("k", value))
        twice = {RepeatedKeys.key(("k", value)) for value in range(0, 20_000, 997)}
        assert twice <= repeats.repeated()
        # Two keys may share a 32-bit hash; with 20,000 keys that is rare, never many.
        assert len(repeats.repeated() - twice) <= 2
