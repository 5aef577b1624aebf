"""Contract tests for pages without a total: the same rows, no count."""

from __future__ import annotations

from datetime import date

import pytest

from finance_core.accounts import Account
from finance_core.queries import Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.fixtures import post

DAYS = ("2026-02-01", "2026-02-03", "2026-02-03", "2026-02-02", "2026-02-05", "2026-02-04")


class TestPagesWithoutTotal:
    @pytest.fixture
    def six(self, ledger: Ledger, owner: Principal, checking: Account) -> Account:
        for index, day in enumerate(DAYS):
            post(ledger, owner, checking, f"-{index + 1}", date=day)
        return checking

    def test_offset_page_without_total_has_no_total(
        self, ledger: Ledger, owner: Principal, six: Account
    ) -> None:
        """with_total=False leaves total None and returns the same rows as with it."""
        counted = ledger.list_transactions(owner, page=PageRequest(limit=4, offset=1))
        uncounted = ledger.list_transactions(
            owner, page=PageRequest(limit=4, offset=1, with_total=False)
        )
        assert counted.total == len(DAYS)
        assert uncounted.total is None
        assert [t.id for t in uncounted.items] == [t.id for t in counted.items]
        assert uncounted.next_cursor == counted.next_cursor

    def test_cursor_walk_without_total_sees_every_row(
        self, ledger: Ledger, owner: Principal, six: Account
    ) -> None:
        """Keyset pages without a total still walk every row once, newest first."""
        everything = [t.id for t in ledger.list_transactions(owner).items]
        seen: list[int] = []
        cursor = None
        while True:
            page = ledger.list_transactions(
                owner, page=PageRequest(limit=4, cursor=cursor, with_total=False)
            )
            assert page.total is None
            seen += [t.id for t in page.items]
            if page.next_cursor is None:
                break
            cursor = Cursor.decode(page.next_cursor)
        assert seen == everything

    def test_filtered_page_without_total_matches_the_filter(
        self, ledger: Ledger, owner: Principal, six: Account
    ) -> None:
        """Filters apply the same with and without the total."""
        flt = TransactionFilter(account_id=six.id, start_date=date.fromisoformat(DAYS[1]))
        counted = ledger.list_transactions(owner, flt, PageRequest(limit=10))
        uncounted = ledger.list_transactions(owner, flt, PageRequest(limit=10, with_total=False))
        assert counted.total == 4
        assert [t.id for t in uncounted.items] == [t.id for t in counted.items]
        assert uncounted.total is None
