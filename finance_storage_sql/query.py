"""``TransactionFilter`` and ``PageRequest`` as SQL, with the reference semantics exactly.

Each function builds a statement and runs nothing, so the statements the
repository runs are the ones the query-plan tests examine.

* merchant, der_merchant and text are case-insensitive substrings: the needle is
  case-folded like the reference (``str.casefold``) and matched with an escaped
  LIKE against case-folded copies stored at write time;
* category, der_category and tags are exact (a tag filter matches any of them);
* dates are inclusive;
* amounts compare by value across currencies: each currency's bound is scaled
  to its own minor unit, rounding inwards, so integer comparison is exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import attrs
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)

from finance_core.errors import ValidationError
from finance_core.money import ISO_4217_CODES, MAX_MAGNITUDE, minor_units
from finance_core.queries import PageRequest, TransactionFilter
from finance_storage_sql.schema import transaction_tags, transactions

t = transactions.c


def _scale_groups() -> tuple[tuple[int, ColumnElement[bool]], ...]:
    """(minor digits, condition selecting the currencies that have them)."""
    by_digits: dict[int, list[str]] = {}
    for code in sorted(ISO_4217_CODES):
        by_digits.setdefault(minor_units(code), []).append(code)
    # minor_units gives 2 to every code it does not list, so "2" is "none of the others".
    others = [code for digits, codes in by_digits.items() if digits != 2 for code in codes]
    groups: list[tuple[int, ColumnElement[bool]]] = [(2, t.currency.not_in(others))]
    groups += [(d, t.currency.in_(codes)) for d, codes in sorted(by_digits.items()) if d != 2]
    return tuple(groups)


_SCALE_GROUPS: Final = _scale_groups()


def _amount_bound(bound: Decimal, field: str, *, upper: bool) -> ColumnElement[bool]:
    """``amount <= bound`` (upper) or ``amount >= bound``, in every currency's minor units."""
    if not isinstance(bound, Decimal) or not bound.is_finite():
        raise ValidationError.of(field, f"{field} must be a finite decimal amount")
    # Stored amounts are strictly inside (-10^14, 10^14), so a bound outside
    # that range either keeps every row or none; inside it, scaled bounds fit
    # in a BIGINT for every currency.
    if bound >= MAX_MAGNITUDE:
        return true() if upper else false()
    if bound <= -MAX_MAGNITUDE:
        return false() if upper else true()
    exact = Fraction(bound)
    rounding: Callable[[Fraction], int] = math.floor if upper else math.ceil
    clauses = []
    for digits, currencies in _SCALE_GROUPS:
        units = rounding(exact * 10**digits)
        compare = t.amount_minor <= units if upper else t.amount_minor >= units
        clauses.append(and_(currencies, compare))
    return or_(*clauses)


def _contains(column: Any, needle: str) -> ColumnElement[bool]:
    # autoescape turns % and _ (and the escape character) in the needle into literals.
    result: ColumnElement[bool] = column.contains(needle.casefold(), autoescape=True)
    return result


def conditions(tenant_id: str, flt: TransactionFilter) -> list[ColumnElement[bool]]:
    """Every condition of ``flt``, starting with the tenant."""
    out: list[ColumnElement[bool]] = [t.tenant_id == tenant_id]
    if flt.account_id is not None:
        out.append(t.account_id == flt.account_id)
    if flt.start_date is not None:
        out.append(t.date >= flt.start_date)
    if flt.end_date is not None:
        out.append(t.date <= flt.end_date)
    if flt.category is not None:
        out.append(t.category == flt.category)
    if flt.merchant is not None:
        out.append(_contains(t.merchant_folded, flt.merchant))
    if flt.tags:
        tags = transaction_tags.c
        tagged = select(tags.transaction_id).where(
            tags.tenant_id == tenant_id, tags.tag.in_(sorted(set(flt.tags)))
        )
        out.append(t.id.in_(tagged))
    if flt.der_category is not None:
        out.append(t.der_category == flt.der_category)
    if flt.der_merchant is not None:
        out.append(_contains(t.der_merchant_folded, flt.der_merchant))
    if flt.min_amount is not None:
        out.append(_amount_bound(flt.min_amount, "min_amount", upper=False))
    if flt.max_amount is not None:
        out.append(_amount_bound(flt.max_amount, "max_amount", upper=True))
    if flt.text is not None:
        out.append(
            or_(_contains(t.description_folded, flt.text), _contains(t.merchant_folded, flt.text))
        )
    return out


def page_statement(tenant_id: str, flt: TransactionFilter, page: PageRequest) -> Select[Any]:
    """One page in (date desc, id desc) order, with one row more to tell whether more follow."""
    where = conditions(tenant_id, flt)
    statement = select(transactions)
    if page.cursor is not None:
        # A row value comparison: both databases turn it into one index range.
        cursor = tuple_(literal(page.cursor.date, Date()), literal(page.cursor.id, BigInteger()))
        where.append(tuple_(t.date, t.id) < cursor)
    else:
        statement = statement.offset(page.offset)
    return statement.where(*where).order_by(t.date.desc(), t.id.desc()).limit(page.limit + 1)


# The pages most clients ask for, the newest rows of the tenant or of one
# account by offset, and their totals: built once with parameters, so they run
# on the driver's cursor (``SqlUnitOfWork.fetch``) and skip building and
# compiling a statement per request.
_NEWEST = select(transactions).where(t.tenant_id == bindparam("key_tenant_id"))
_OF_ACCOUNT = t.account_id == bindparam("key_account_id")
_NEWEST_PAGE: Final = {
    False: _NEWEST.order_by(t.date.desc(), t.id.desc())
    .limit(bindparam("key_limit"))
    .offset(bindparam("key_offset")),
    True: _NEWEST.where(_OF_ACCOUNT)
    .order_by(t.date.desc(), t.id.desc())
    .limit(bindparam("key_limit"))
    .offset(bindparam("key_offset")),
}
_COUNT = select(func.count().label("total")).select_from(transactions)
_NEWEST_COUNT: Final = {
    False: _COUNT.where(t.tenant_id == bindparam("key_tenant_id")),
    True: _COUNT.where(t.tenant_id == bindparam("key_tenant_id"), _OF_ACCOUNT),
}
#: Every filter but the account, with its "not given" default.
_OTHER_FILTERS: Final = tuple(
    (field.name, field.default)
    for field in attrs.fields(TransactionFilter)
    if field.name != "account_id"
)


def _at_most_account(flt: TransactionFilter) -> bool:
    return all(getattr(flt, name) == default for name, default in _OTHER_FILTERS)


def newest_page(
    tenant_id: str, flt: TransactionFilter, page: PageRequest
) -> tuple[Select[Any], dict[str, Any]] | None:
    """``page_statement`` as a prepared statement and its parameters, when the
    page is by offset and filters by nothing but the account; else None."""
    if page.cursor is not None or not _at_most_account(flt):
        return None
    key = {"key_tenant_id": tenant_id, "key_limit": page.limit + 1, "key_offset": page.offset}
    if flt.account_id is not None:
        key["key_account_id"] = flt.account_id
    return _NEWEST_PAGE[flt.account_id is not None], key


def newest_count(
    tenant_id: str, flt: TransactionFilter
) -> tuple[Select[Any], dict[str, Any]] | None:
    """``count_statement`` prepared, for the filters ``newest_page`` takes."""
    if not _at_most_account(flt):
        return None
    key: dict[str, Any] = {"key_tenant_id": tenant_id}
    if flt.account_id is not None:
        key["key_account_id"] = flt.account_id
    return _NEWEST_COUNT[flt.account_id is not None], key


def count_statement(tenant_id: str, flt: TransactionFilter) -> Select[Any]:
    return select(func.count()).select_from(transactions).where(*conditions(tenant_id, flt))


def sum_statement(tenant_id: str, account_id: int, through: date | None) -> Select[Any]:
    """The account's currency and amount total in minor units; (None, None) without rows."""
    where = [t.tenant_id == tenant_id, t.account_id == account_id]
    if through is not None:
        where.append(t.date <= through)
    # All rows of one account share its currency, so max() just names it.
    return select(func.max(t.currency), func.sum(t.amount_minor)).where(*where)
