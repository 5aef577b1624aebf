"""Hypothesis strategies for domain values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from finance_core.money import MAX_MAGNITUDE, minor_units

CATEGORIES = ("groceries", "rent", "salary", "fun", "travel")
TAGS = ("food", "seafood", "home", "work", "Food")
MERCHANTS = ("ACME Market", "acme online", "Café Zürich", "Corner Shop", None)

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 1, 15))


def amounts(currency: str = "USD", limit: Decimal = Decimal(100_000)) -> st.SearchStrategy[Decimal]:
    """Exact amounts for ``currency`` with magnitude at most ``limit``."""
    digits = minor_units(currency)
    bound = int(limit.scaleb(digits))
    return st.integers(-bound, bound).map(lambda units: Decimal(units).scaleb(-digits))


def extreme_amounts(currency: str = "USD") -> st.SearchStrategy[Decimal]:
    """Any amount the domain accepts, up to just under 10^14 major units."""
    digits = minor_units(currency)
    bound = int(MAX_MAGNITUDE.scaleb(digits)) - 1
    return st.integers(-bound, bound).map(lambda units: Decimal(units).scaleb(-digits))


tags = st.lists(st.sampled_from(TAGS), unique=True, max_size=3)


@st.composite
def transaction_fields(draw: st.DrawFn, currency: str = "USD") -> dict[str, object]:
    """Keyword arguments for ``Ledger.post_transaction``."""
    amount = draw(amounts(currency, Decimal(1000)))
    return {
        "amount": amount,
        "date": draw(dates),
        "category": draw(st.sampled_from(CATEGORIES)),
        "merchant": draw(st.sampled_from(MERCHANTS)),
        "description": draw(st.sampled_from(("weekly shop", "Refund", None))),
        "tags": draw(tags),
        "der_category": draw(st.sampled_from(("food", "housing", None))),
    }
