"""``/api/transactions``: single posts, batches, filtered listing, edits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

import falcon

from finance_core.errors import FieldError, ValidationError
from finance_core.queries import DEFAULT_LIMIT, Cursor, PageRequest, TransactionFilter
from finance_http.context import FinanceRequest
from finance_http.reading import (
    if_match,
    parse_bool,
    parse_id,
    parse_int,
    query_value,
    read_body,
    shape_errors,
)
from finance_http.resources.base import Resource
from finance_http.rows import transaction_json, transaction_page_json
from finance_http.wire import (
    BatchIn,
    BatchItemIn,
    BatchOut,
    TransactionCreateIn,
    TransactionOut,
    TransactionPatchIn,
)

MAX_BATCH: Final = 1000
MAX_QUERY_TEXT: Final = 255
_TOO_LONG: Final = f"at most {MAX_QUERY_TEXT} characters"


def _decimal(raw: str) -> Decimal:
    value = Decimal(raw)
    if not value.is_finite():
        raise ValueError(raw)
    return value


def _text(raw: str) -> str:
    if len(raw) > MAX_QUERY_TEXT:
        raise ValueError(raw)
    return raw


def _tags(raw: str) -> tuple[str, ...]:
    return tuple(t for t in (part.strip() for part in _text(raw).split(",")) if t)


class _Query:
    """Collects every bad query parameter before failing."""

    def __init__(self, req: FinanceRequest) -> None:
        self.req = req
        self.errors: list[FieldError] = []

    def get(self, name: str, parse: Callable[[str], Any], message: str) -> Any:
        try:
            return query_value(self.req, name, parse, message)
        except ValidationError as exc:
            self.errors.extend(exc.errors)
            return None


def read_filter(req: FinanceRequest) -> tuple[TransactionFilter, PageRequest]:
    """The filter and page a query string asks for; every bad parameter in one error."""
    q = _Query(req)
    values = {
        "account_id": q.get("account_id", parse_id, "account_id must be a positive integer id"),
        "start_date": q.get("start_date", date.fromisoformat, "start_date must be YYYY-MM-DD"),
        "end_date": q.get("end_date", date.fromisoformat, "end_date must be YYYY-MM-DD"),
        "category": q.get("category", _text, f"category: {_TOO_LONG}"),
        "merchant": q.get("merchant", _text, f"merchant: {_TOO_LONG}"),
        "tags": q.get("tags", _tags, f"tags: {_TOO_LONG}") or (),
        "der_category": q.get("der_category", _text, f"der_category: {_TOO_LONG}"),
        "der_merchant": q.get("der_merchant", _text, f"der_merchant: {_TOO_LONG}"),
        "min_amount": q.get("min_amount", _decimal, "min_amount must be a decimal number"),
        "max_amount": q.get("max_amount", _decimal, "max_amount must be a decimal number"),
        "text": q.get("q", _text, f"q: {_TOO_LONG}"),
    }
    limit = q.get("limit", parse_int, "limit must be a whole number from 1 to 1000")
    offset = q.get("offset", parse_int, "offset must be a whole number, 0 or more")
    cursor = q.get("cursor", Cursor.decode, "cursor is not one this service issued")
    total = q.get("total", parse_bool, "total must be true or false")
    flt = page = None
    try:
        flt = TransactionFilter(**values)
    except ValidationError as exc:
        # The query parameter is "q"; the filter calls it "text".
        q.errors.extend(
            FieldError("q", e.message.replace("text", "q", 1)) if e.field == "text" else e
            for e in exc.errors
        )
    try:
        page = PageRequest(
            limit=DEFAULT_LIMIT if limit is None else limit,
            offset=offset or 0,
            cursor=cursor,
            with_total=total is not False,
        )
    except ValidationError as exc:
        q.errors.extend(exc.errors)
    if q.errors or page is None or flt is None:
        raise ValidationError(q.errors)
    return flt, page


def batch_items(body: BatchIn) -> list[Mapping[str, Any]]:
    items = body.transactions
    if not isinstance(items, list):
        raise ValidationError.of("transactions", "transactions must be a list of transactions")
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValidationError.of(
            "transactions",
            f"a batch holds 1 to {MAX_BATCH} transactions; this one has {len(items)}: split it",
        )
    errors = []
    for index, item in enumerate(items):
        errors.extend(shape_errors(item, BatchItemIn, f"transactions[{index}]."))
    if errors:
        raise ValidationError(errors)
    return items


class Transactions(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        flt, page_request = read_filter(req)
        principal = self.principal(req)
        page = self.ledger.list_transactions(principal, flt, page_request)
        locks = self.ledger.reconciled_through(principal)
        self.write_json(resp, transaction_page_json(page, locks))

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, TransactionCreateIn, self.converter)
        txn = self.ledger.post_transaction(self.principal(req), body.account_id, **body.fields())
        self.write_json(
            resp,
            transaction_json(txn),
            status=201,
            version=txn.version,
            location=f"/api/transactions/{txn.id}",
        )

    def on_post_batch(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, BatchIn, self.converter)
        result = self.ledger.post_batch(self.principal(req), body.account_id, batch_items(body))
        self.write(resp, BatchOut.of(result), status=201)

    def on_get_item(self, req: FinanceRequest, resp: falcon.Response, transaction_id: int) -> None:
        principal = self.principal(req)
        txn = self.ledger.get_transaction(principal, transaction_id)
        locks = self.ledger.reconciled_through(principal)
        self.write_json(resp, transaction_json(txn, locks), version=txn.version)

    def on_patch_item(
        self, req: FinanceRequest, resp: falcon.Response, transaction_id: int
    ) -> None:
        principal = self.principal(req)
        body = read_body(req, TransactionPatchIn, self.converter)
        expected = if_match(
            req, lambda: self.ledger.get_transaction(principal, transaction_id).version
        )
        txn = self.ledger.update_transaction(
            principal, transaction_id, body.changes(), expected_version=expected
        )
        self.write(resp, TransactionOut.of(txn), version=txn.version)

    def on_delete_item(
        self, req: FinanceRequest, resp: falcon.Response, transaction_id: int
    ) -> None:
        principal = self.principal(req)
        expected = if_match(
            req, lambda: self.ledger.get_transaction(principal, transaction_id).version
        )
        self.ledger.delete_transaction(principal, transaction_id, expected_version=expected)
        self.no_content(resp)
