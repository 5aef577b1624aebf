"""Planned import rows turned into the transactions an import posts.

A planned row is checked already (its amount against the account's currency,
its external id decided), so the common row needs no second validation: its
texts are cut to their limits and the fields it gives are marked as a
person's, as ``categorize_new`` marks them. Anything unusual (splits, an odd
date or category, text the core refuses) takes ``clean_fields``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from finance_core.accounts import Account
from finance_core.categorize.model import PLACEHOLDER_CATEGORY
from finance_core.importing import DEFAULT_CATEGORY, ParsedRow
from finance_core.rule_steps import given_fields
from finance_core.tenancy import Principal
from finance_core.text import text_problem
from finance_core.transactions import Transaction, check_split_total, clean_fields

#: ``given_fields`` of a planned row without splits, by whether it gives a
#: category (other than the placeholder), a merchant and a description: the
#: only rule-settable fields a row carries, so these eight cover every row.
_GIVEN: Final = {
    (category, merchant, description): given_fields(
        {
            "category": "given" if category else PLACEHOLDER_CATEGORY,
            "merchant": "given" if merchant else None,
            "description": "given" if description else None,
        }
    )
    for category in (False, True)
    for merchant in (False, True)
    for description in (False, True)
}
#: A row to post: the row, its external id and its amount checked for the account.
Planned = tuple[ParsedRow, str, Decimal]


def _fields(row: ParsedRow, amount: Decimal, external_id: str) -> dict[str, Any]:
    """What ``plan_rows`` posts for a row (built here only for rows off the common path)."""
    fields: dict[str, Any] = {
        "amount": amount,
        "date": row.date,
        "category": (row.category or DEFAULT_CATEGORY)[:100],
        "description": (row.description or None) and row.description[:1000],
        "merchant": (row.merchant or None) and row.merchant[:255],
        "external_id": external_id,
    }
    if row.splits:
        fields["splits"] = [{"category": c[:100], "amount": a} for c, a in row.splits]
    return fields


def build_transactions(
    principal: Principal,
    account: Account,
    ids: Iterable[int],
    planned: Sequence[Planned],
    now: datetime,
) -> list[Transaction]:
    """``TransactionServices._build`` for planned rows, whose amounts are checked already.

    A planned row's texts are cut to their limits, so for a row without splits
    whose texts hold only allowed characters what ``clean_fields`` would do
    comes down to the category's strip; anything else takes ``clean_fields``
    itself, which refuses what the core refuses. The fields the row gives are marked as a
    person's, as ``categorize_new`` marks them.
    """
    tenant_id, account_id = principal.tenant_id, account.id
    out = []
    for ident, (row, external_id, amount) in zip(ids, planned, strict=True):
        category = (row.category or DEFAULT_CATEGORY)[:100].strip()
        description, merchant = row.description, row.merchant
        description = description[:1000] if description else None
        merchant = merchant[:255] if merchant else None
        if (
            row.splits
            or type(row.date) is not date
            or not category
            # Text the core refuses (control characters) takes clean_fields, which says why.
            or text_problem(category if merchant is None else category + merchant) is not None
            or (description is not None and text_problem(description, multiline=True) is not None)
        ):
            out.append(_cleaned(principal, account, ident, row, external_id, amount, now))
            continue
        given = _GIVEN[
            category != PLACEHOLDER_CATEGORY, merchant is not None, description is not None
        ]
        out.append(
            Transaction(
                id=ident,
                tenant_id=tenant_id,
                account_id=account_id,
                amount=amount,
                date=row.date,
                category=category,
                created_at=now,
                updated_at=now,
                description=description,
                merchant=merchant,
                external_id=external_id,
                person_fields=given,
            )
        )
    return out


def _cleaned(
    principal: Principal,
    account: Account,
    ident: int,
    row: ParsedRow,
    external_id: str,
    amount: Decimal,
    now: datetime,
) -> Transaction:
    """A planned row with splits (or an odd date or category), through ``clean_fields``."""
    fields = _fields(row, amount, external_id)
    given = given_fields(fields)
    rest = {k: v for k, v in fields.items() if k != "amount"}
    cleaned = clean_fields(rest, account.currency, partial=True)
    check_split_total(cleaned.get("splits", ()), amount)
    return Transaction(
        id=ident,
        tenant_id=principal.tenant_id,
        account_id=account.id,
        amount=amount,
        created_at=now,
        updated_at=now,
        person_fields=given,
        **cleaned,
    )
