"""Contract tests for hostile input: every backend refuses the same text and numbers.

The core checks text (no NUL, no control characters, no lone surrogates,
length limits) and integers (ids, offsets, cursors, amounts) before storage
sees them, so each backend answers alike and a refused write stores nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.accounts import Account
from finance_core.errors import ValidationError
from finance_core.ids import MAX_ID, MAX_USER_ID
from finance_core.queries import MAX_OFFSET, Cursor, PageRequest, TransactionFilter
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.fixtures import fresh_id, post, snapshot

D = Decimal
TOO_BIG_ID = MAX_ID + 1

#: A text with each kind of character the core refuses.
BAD_TEXTS = {
    "nul": "a\x00b",
    "escape": "a\x1bb",
    "delete": "a\x7fb",
    "c1-control": "a\x85b",
    "surrogate": "a\ud800b",
}


def _fields(error: ValidationError) -> set[str]:
    return {e.field for e in error.errors}


def _refused(action: Callable[[], object]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        action()
    return _fields(caught.value)


def _text_writes(
    ledger: Ledger, owner: Principal, account: Account, text: str
) -> dict[str, Callable[[], object]]:
    """One write per text field of the core, each carrying ``text``."""
    base: dict[str, Any] = {"amount": D("-1.00"), "date": "2026-01-10", "category": "misc"}

    def optional(name: str) -> Callable[[], object]:
        return lambda: ledger.post_transaction(owner, account.id, **base, **{name: text})

    writes = {
        name: optional(name)
        for name in ("merchant", "location", "der_category", "der_merchant", "external_id")
    }
    writes.update(
        {
            "category": lambda: ledger.post_transaction(
                owner, account.id, **{**base, "category": text}
            ),
            "description": lambda: ledger.post_transaction(
                owner, account.id, **base, description=text
            ),
            "tags": lambda: ledger.post_transaction(owner, account.id, **base, tags=[text]),
            "splits[0].category": lambda: ledger.post_transaction(
                owner, account.id, **base, splits=[{"category": text, "amount": D("-1.00")}]
            ),
            "name": lambda: ledger.open_account(owner, text, "checking"),
            "tenant name": lambda: ledger.rename_tenant(owner, text),
            "auth_user_id": lambda: ledger.add_member(owner, text, "member"),
        }
    )
    return writes


class TestTextIsRefusedAlike:
    @pytest.mark.parametrize("kind", sorted(BAD_TEXTS))
    def test_every_text_field_refuses_control_characters(
        self, ledger: Ledger, owner: Principal, checking: Account, kind: str
    ) -> None:
        """NUL, controls, DEL, C1 controls and lone surrogates are refused in every text field."""
        before = snapshot(ledger, owner)
        for field, write in _text_writes(ledger, owner, checking, BAD_TEXTS[kind]).items():
            with pytest.raises(ValidationError, match=r"not allowed"):
                write()
            assert snapshot(ledger, owner) == before, field

    def test_the_error_names_the_field_and_position(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """The message says which field, which character and where."""
        with pytest.raises(ValidationError) as caught:
            post(ledger, owner, checking, "-1", merchant="Corner\x00Shop")
        (error,) = caught.value.errors
        assert error.field == "merchant"
        assert "NUL" in error.message
        assert "position 6" in error.message

    def test_description_keeps_tabs_and_line_breaks(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A description may span lines; it is read back exactly."""
        text = "line one\r\nline\ttwo\n"
        txn = post(ledger, owner, checking, "-1", description=text)
        assert ledger.get_transaction(owner, txn.id).description == text

    def test_line_breaks_are_refused_outside_descriptions(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A merchant is one line."""
        assert _refused(lambda: post(ledger, owner, checking, "-1", merchant="a\nb")) == {
            "merchant"
        }

    def test_a_new_tenant_id_with_nul_is_refused(self, ledger: Ledger) -> None:
        """Tenant ids and owners are text like any other."""
        assert _refused(lambda: ledger.create_tenant("t\x00", "T", owner="o")) == {"tenant_id"}
        assert _refused(lambda: ledger.create_tenant(fresh_id(), "T", owner="o\x00")) == {"owner"}

    def test_resolving_a_caller_checks_the_ids_first(
        self, ledger: Ledger, owner: Principal
    ) -> None:
        """A caller id with NUL is a validation error before storage is asked."""
        assert _refused(lambda: ledger.find_caller(owner.tenant_id, "a\x00b")) == {"auth_user_id"}
        assert _refused(lambda: ledger.find_caller("t\x00", "a")) == {"tenant_id"}

    def test_filters_refuse_control_characters(self, ledger: Ledger, owner: Principal) -> None:
        """A filter text with NUL is a validation error, never a storage error."""
        assert _refused(lambda: TransactionFilter(merchant="a\x00", text="b\x01")) == {
            "merchant",
            "text",
        }


class TestIntegersHaveRanges:
    @pytest.mark.parametrize("ident", [0, -1, TOO_BIG_ID, 10**30])
    def test_ids_outside_the_range_are_refused_by_every_read_and_write(
        self, ledger: Ledger, owner: Principal, checking: Account, ident: int
    ) -> None:
        """An id outside 1..2**63-1 is a validation error naming the id, on every use case."""
        calls: dict[str, Callable[[], object]] = {
            "account_id": lambda: ledger.get_account(owner, ident),
            "transaction_id": lambda: ledger.get_transaction(owner, ident),
            "transfer_id": lambda: ledger.get_transfer(owner, ident),
            "user_id": lambda: ledger.remove_member(owner, ident),
        }
        for field, call in calls.items():
            assert _refused(call) == {field}
        assert _refused(lambda: post(ledger, owner, ident, "-1")) == {"account_id"}
        assert _refused(lambda: ledger.update_account(owner, ident, name="x")) == {"account_id"}
        assert _refused(lambda: ledger.delete_transaction(owner, ident)) == {"transaction_id"}
        assert _refused(
            lambda: ledger.create_transfer(owner, checking.id, ident, D(1), "2026-01-01")
        ) == {"to_account_id"}
        assert _refused(
            lambda: ledger.list_transactions(owner, TransactionFilter(account_id=ident))
        ) == {"account_id"}

    def test_user_ids_stop_at_32_bits(self, ledger: Ledger, owner: Principal) -> None:
        """Users are numbered in 32 bits: 2**31 is refused, 2**31-1 is simply not a member."""
        assert _refused(lambda: ledger.remove_member(owner, MAX_USER_ID + 1)) == {"user_id"}
        with pytest.raises(LookupError):
            ledger.remove_member(owner, MAX_USER_ID)

    def test_the_largest_id_is_simply_not_found(self, ledger: Ledger, owner: Principal) -> None:
        """2**63-1 is a valid id that names nothing yet."""
        with pytest.raises(LookupError):
            ledger.get_account(owner, MAX_ID)

    def test_offset_beyond_the_maximum_is_refused(self) -> None:
        """Offsets stop at a billion; deeper pages use the cursor."""
        assert _refused(lambda: PageRequest(offset=MAX_OFFSET + 1)) == {"offset"}
        assert _refused(lambda: PageRequest(offset=10**20, limit=0)) == {"offset", "limit"}

    def test_the_largest_offset_reads_an_empty_page(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Offset 1,000,000,000 is answered by every backend: an empty page with the total."""
        post(ledger, owner, checking, "-1")
        page = ledger.list_transactions(owner, TransactionFilter(), PageRequest(offset=MAX_OFFSET))
        assert (list(page.items), page.total) == ([], 1)

    @pytest.mark.parametrize("ident", ["0", str(TOO_BIG_ID), "-5", "1e3", "x"])
    def test_a_cursor_with_an_id_out_of_range_is_refused(self, ident: str) -> None:
        """A forged cursor cannot carry an id no backend can compare."""
        token = base64.urlsafe_b64encode(f"2026-01-01|{ident}".encode()).decode()
        assert _refused(lambda: Cursor.decode(token)) == {"cursor"}

    @pytest.mark.parametrize(
        "amount", ["1e999999999", "-1e999999999", "1" * 101, "100000000000000"]
    )
    def test_huge_amounts_are_refused_at_once(
        self, ledger: Ledger, owner: Principal, checking: Account, amount: str
    ) -> None:
        """Amounts of 10^14 and more are refused, however they are spelt."""
        before = snapshot(ledger, owner)
        assert _refused(lambda: post(ledger, owner, checking, amount)) == {"amount"}
        assert snapshot(ledger, owner) == before

    def test_huge_filter_bounds_are_refused_but_wide_ones_work(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """Bounds past 10^400 are refused; 10^30 simply keeps every row."""
        assert _refused(lambda: TransactionFilter(min_amount=D("1e999999999"))) == {"min_amount"}
        txn = post(ledger, owner, checking, "-1")
        flt = TransactionFilter(min_amount=D("-1e30"), max_amount=D("1e30"))
        assert [t.id for t in ledger.list_transactions(owner, flt).items] == [txn.id]


class TestEveryBadFieldIsListed:
    def test_a_post_lists_amount_date_and_category_together(
        self, ledger: Ledger, owner: Principal, checking: Account
    ) -> None:
        """A bad amount, a bad date and a missing category are reported in one error."""
        fields = _refused(
            lambda: ledger.post_transaction(owner, checking.id, amount="abc", date="not-a-date")
        )
        assert fields == {"amount", "date", "category"}

    def test_a_transfer_lists_both_bad_ids(self, ledger: Ledger, owner: Principal) -> None:
        """Two bad account ids are two field errors."""
        assert _refused(
            lambda: ledger.create_transfer(owner, 0, TOO_BIG_ID, D(1), "2026-01-01")
        ) == {"from_account_id", "to_account_id"}


# Hypothesis tests are module functions: as methods they would run from a new
# instance per backend, which hypothesis reports as differing executors.
@given(
    text=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
        lambda s: s.strip() == s
    ),
    bad=st.sampled_from(sorted(BAD_TEXTS.values())),
    at=st.integers(0, 40),
)
def test_input_clean_text_round_trips_and_dirty_text_is_refused(
    ledger: Ledger, owner: Principal, checking: Account, text: str, bad: str, at: int
) -> None:
    """Any text without controls is stored exactly; with one inserted, it is refused."""
    txn = post(ledger, owner, checking, "-1", merchant=text, category=text)
    stored = ledger.get_transaction(owner, txn.id)
    assert (stored.merchant, stored.category) == (text, text)
    dirty = text[:at] + bad[1] + text[at:]
    assert _refused(lambda: post(ledger, owner, checking, "-1", merchant=dirty)) == {"merchant"}
