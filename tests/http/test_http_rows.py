"""The row writer writes exactly what the wire shapes and the exact writer would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance_core.queries import Page
from finance_core.testing import strategies as fs
from finance_core.transactions import Split, Transaction
from finance_http.jsonio import dumps
from finance_http.rows import transaction_json, transaction_page_json
from finance_http.wire import TransactionListOut, TransactionOut, make_converter

CONVERTER = make_converter()
#: Text a JSON string must escape: quotes, backslashes, controls, non-ASCII.
AWKWARD = st.text(alphabet=st.sampled_from('a"\\\n\t\x01é€😀 /<'), max_size=12)
INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@st.composite
def transactions(draw: st.DrawFn) -> Transaction:
    fields = draw(fs.transaction_fields())
    amount = fields["amount"]
    assert isinstance(amount, Decimal)
    splits: tuple[Split, ...] = ()
    if draw(st.booleans()):
        half = (amount / 2).quantize(Decimal("0.01"))
        splits = (Split(draw(AWKWARD) or "a", half), Split("b", amount - half))
    return Transaction(
        id=draw(st.integers(1, 2**63 - 1)),
        tenant_id="t",
        account_id=draw(st.integers(1, 2**63 - 1)),
        amount=amount,
        date=draw(st.dates(date(1, 1, 1), date(9999, 12, 31))),
        category=draw(AWKWARD) or "c",
        created_at=draw(INSTANTS),
        updated_at=draw(INSTANTS),
        description=draw(st.none() | AWKWARD),
        merchant=draw(st.none() | AWKWARD),
        location=draw(st.none() | AWKWARD),
        tags=tuple(draw(st.lists(AWKWARD, unique=True, max_size=3))),
        der_category=draw(st.none() | AWKWARD),
        der_merchant=draw(st.none() | AWKWARD),
        external_id=draw(st.none() | AWKWARD),
        splits=splits,
        transfer_id=draw(st.none() | st.integers(1, 2**63 - 1)),
        rule_fields=tuple(
            draw(
                st.dictionaries(
                    st.sampled_from(["category", "merchant", "tags"]), st.integers(1, 99)
                ).map(lambda d: tuple(d.items()))
            )
        ),
    )


def through_wire(shape: object) -> str:
    return dumps(CONVERTER.unstructure(shape))


class TestRowWriter:
    @given(txn=transactions(), lock=st.none() | st.dates(date(1, 1, 1), date(9999, 12, 31)))
    def test_row_is_the_wire_shape_byte_for_byte(self, txn: Transaction, lock: date | None) -> None:
        """A transaction's text equals TransactionOut through cattrs and the exact writer."""
        locks = None if lock is None else {txn.account_id: lock}
        assert transaction_json(txn, locks) == through_wire(TransactionOut.of(txn, locks))

    @given(
        rows=st.lists(transactions(), max_size=4),
        total=st.none() | st.integers(0, 10**9),
        cursor=st.none() | st.text(alphabet="abcXYZ-_09", min_size=1, max_size=20),
    )
    def test_page_is_the_wire_shape_byte_for_byte(
        self, rows: list[Transaction], total: int | None, cursor: str | None
    ) -> None:
        """A page's text equals TransactionListOut through cattrs and the exact writer."""
        locks = {t.account_id: t.date for t in rows[:1]}
        wire = TransactionListOut([TransactionOut.of(t, locks) for t in rows], total, cursor)
        assert transaction_page_json(Page(rows, total, cursor), locks) == through_wire(wire)

    def test_times_in_other_zones_are_written_in_utc(self) -> None:
        """A timestamp with another offset is written as the same instant in UTC."""
        base = Transaction(
            id=1,
            tenant_id="t",
            account_id=1,
            amount=Decimal("1.00"),
            date=date(2024, 1, 1),
            category="c",
            created_at=datetime(2024, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))),
            updated_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
        assert '"created_at":"2024-01-01T00:00:00Z"' in transaction_json(base)

    def test_an_amount_that_is_not_finite_is_refused(self) -> None:
        """NaN has no JSON number, so the writer refuses it rather than write bad JSON."""
        now = datetime(2024, 1, 1, tzinfo=UTC)
        bad = Transaction(1, "t", 1, Decimal("NaN"), date(2024, 1, 1), "c", now, now)
        with pytest.raises(ValueError, match="JSON number"):
            transaction_json(bad)
