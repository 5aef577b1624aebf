"""Query semantics equal ``TransactionFilter.matches``, on data chosen to be awkward.

The data mixes currencies with 0, 2 and 3 decimals, text that folds differently
under ``str.casefold`` and ``lower()`` (ß, final sigma, dotted I, ligatures),
LIKE wildcards inside the text, and tags that are substrings of each other.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sql_support import fresh_tenant

from finance_core.accounts import Account, AccountType
from finance_core.aggregates import GROUP_FIELDS, fold_daily
from finance_core.queries import Cursor, PageRequest, TransactionFilter, paginate, sort_key
from finance_core.testing.clock import FakeClock
from finance_core.transactions import Split, Transaction
from finance_storage_sql.storage import SqlStorage

NOW = FakeClock()()
CURRENCIES = {1: "USD", 2: "JPY", 3: "BHD"}
TEXTS = (
    "Straße 5",
    "STRASSE",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "İstanbul",
    "istanbul",
    "oﬃce",
    "OFFICE",
    "100% Pure",
    "a_b",
    "axb",
    "Café Zürich",
    "CAFÉ",
    "seafood",
    None,
)
NEEDLES = (
    "ss",
    "ß",
    "STRA",
    "\N{GREEK SMALL LETTER SIGMA}",
    "ς",
    "Σ",
    "İ",
    "i̇",
    "ffi",
    "%",
    "_",
    "a_b",
    "é",
    "É",
    "",
)
TAGS = ("food", "seafood", "Food", "home", "x_y")
CATEGORIES = ("food", "Food", "rent", "split")
START = date(2024, 1, 1)

#: The store, the tenant, and every transaction written to it.
Books = tuple[SqlStorage, str, list[Transaction]]


def _amount(rng: random.Random, currency_digits: int) -> Decimal:
    units = rng.choice([0, 1, -1, 5, -5, 999, -999, 10**7, -(10**7), rng.randint(-5000, 5000)])
    return Decimal(units).scaleb(-currency_digits)


def _dataset(tenant: str) -> list[Transaction]:
    rng = random.Random(20240501)
    digits = {1: 2, 2: 0, 3: 3}
    out = []
    for ident in range(1, 121):
        account_id = rng.choice(list(CURRENCIES))
        amount = _amount(rng, digits[account_id])
        split = rng.random() < 0.2 and amount != 0
        out.append(
            Transaction(
                id=ident,
                tenant_id=tenant,
                account_id=account_id,
                amount=amount,
                date=START + timedelta(days=rng.randint(0, 60)),
                category=rng.choice(CATEGORIES),
                created_at=NOW,
                updated_at=NOW,
                description=rng.choice(TEXTS),
                merchant=rng.choice(TEXTS),
                tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
                der_category=rng.choice(("food", "Food", None)),
                der_merchant=rng.choice(TEXTS),
                splits=(Split("s1", amount), Split("s2", amount - amount)) if split else (),
            )
        )
    return out


@pytest.fixture(scope="module")
def books(any_storage: SqlStorage) -> Iterator[Books]:
    tenant = fresh_tenant()
    rows = _dataset(tenant)
    with any_storage.unit_of_work(tenant) as uow:
        for ident, currency in CURRENCIES.items():
            zero = Decimal(0)
            kind = AccountType.CHECKING
            uow.accounts.add(
                Account(ident, tenant, "A", kind, currency, zero, zero, None, None, NOW, NOW)
            )
        uow.transactions.add_many(rows)
        uow.commit()
    yield any_storage, tenant, rows


def _query(
    books: Books, flt: TransactionFilter, page: PageRequest
) -> tuple[list[int], int | None, str | None]:
    storage, tenant, _ = books
    with storage.unit_of_work(tenant, readonly=True) as uow:
        result = uow.transactions.query(flt, page)
    return [t.id for t in result.items], result.total, result.next_cursor


def _reference(
    books: Books, flt: TransactionFilter, page: PageRequest
) -> tuple[list[int], int | None, str | None]:
    rows = sorted((t for t in books[2] if flt.matches(t)), key=sort_key, reverse=True)
    result = paginate(rows, page)
    return [t.id for t in result.items], result.total, result.next_cursor


amounts = st.decimals(min_value=-20_000, max_value=20_000, places=5, allow_nan=False)
filters = st.builds(
    TransactionFilter,
    account_id=st.none() | st.sampled_from([1, 2, 3, 4]),
    start_date=st.none() | st.dates(START, START + timedelta(days=60)),
    end_date=st.none() | st.dates(START, START + timedelta(days=60)),
    category=st.none() | st.sampled_from(CATEGORIES),
    merchant=st.none() | st.sampled_from(NEEDLES),
    tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple),
    der_category=st.none() | st.sampled_from(("food", "Food", "nothing")),
    der_merchant=st.none() | st.sampled_from(NEEDLES),
    min_amount=st.none() | amounts,
    max_amount=st.none() | amounts,
    text=st.none() | st.sampled_from(NEEDLES),
)
pages = st.builds(
    PageRequest,
    limit=st.integers(1, 30),
    offset=st.integers(0, 40),
    with_total=st.booleans(),
)


class TestAgainstTheReference:
    @given(flt=filters, page=pages)
    def test_offset_pages_match(
        self, books: Books, flt: TransactionFilter, page: PageRequest
    ) -> None:
        """Any filter and offset page: same ids, order, total and next cursor."""
        assert _query(books, flt, page) == _reference(books, flt, page)

    @given(
        flt=filters,
        limit=st.integers(1, 30),
        cursor=st.builds(Cursor, st.dates(START, START + timedelta(61)), st.integers(0, 125)),
    )
    def test_cursor_pages_match(
        self, books: Books, flt: TransactionFilter, limit: int, cursor: Cursor
    ) -> None:
        """Any filter and any cursor position, even one between rows: same page."""
        page = PageRequest(limit=limit, cursor=cursor)
        assert _query(books, flt, page) == _reference(books, flt, page)

    @given(
        flt=filters,
        group_by=st.none() | st.sampled_from(GROUP_FIELDS),
        include_transfers=st.booleans(),
    )
    def test_daily_totals_match(
        self, books: Books, flt: TransactionFilter, group_by: str | None, include_transfers: bool
    ) -> None:
        """Aggregates over the filtered rows equal the reference fold."""
        storage, tenant, rows = books
        with storage.unit_of_work(tenant, readonly=True) as uow:
            got = uow.transactions.daily_totals(flt, group_by, include_transfers=include_transfers)
        matching = [t for t in rows if flt.matches(t)]
        expected = fold_daily(matching, CURRENCIES, group_by, include_transfers=include_transfers)
        assert got == expected


def _ids(books: Books, flt: TransactionFilter) -> set[int]:
    return set(_query(books, flt, PageRequest(limit=1000))[0])


def _expected(books: Books, flt: TransactionFilter) -> set[int]:
    return {t.id for t in books[2] if flt.matches(t)}


class TestAwkwardCases:
    def test_casefold_matches_sharp_s(self, books: Books) -> None:
        """'STRASSE' finds 'Straße': folding is str.casefold, not lower()."""
        flt = TransactionFilter(merchant="strasse")
        found = _ids(books, flt)
        assert found == _expected(books, flt)
        assert any(t.merchant == "Straße 5" for t in books[2] if t.id in found)

    def test_final_sigma_folds_like_sigma(self, books: Books) -> None:
        """Final and capital sigma fold to small sigma, as in the reference."""
        for needle in ("ς", "Σ"):
            flt = TransactionFilter(text=needle)
            assert _ids(books, flt) == _expected(books, flt) != set()

    def test_like_wildcards_are_literal(self, books: Books) -> None:
        """'%' and '_' in a needle match only those characters."""
        for needle in ("%", "_", "a_b"):
            flt = TransactionFilter(merchant=needle)
            assert _ids(books, flt) == _expected(books, flt) != set()

    def test_tags_are_exact(self, books: Books) -> None:
        """'food' matches neither 'seafood' nor 'Food'."""
        flt = TransactionFilter(tags=("food",))
        found = _ids(books, flt)
        assert found == _expected(books, flt)
        assert all("food" in t.tags for t in books[2] if t.id in found)

    def test_amount_bounds_finer_than_a_currency(self, books: Books) -> None:
        """A bound of 0.0005 keeps 0.001 BHD and 1 JPY but not 0 of anything."""
        flt = TransactionFilter(min_amount=Decimal("0.0005"), max_amount=Decimal("0.9995"))
        assert _ids(books, flt) == _expected(books, flt)

    def test_bounds_beyond_any_amount(self, books: Books) -> None:
        """Bounds past 10^14 keep everything or nothing, without overflowing BIGINT."""
        huge = Decimal("1e30")
        assert _ids(books, TransactionFilter(min_amount=-huge, max_amount=huge)) == {
            t.id for t in books[2]
        }
        assert _ids(books, TransactionFilter(min_amount=huge)) == set()
