"""``GET /api/export``: the tenant's books as the JSON document or as CSV."""

from __future__ import annotations

import falcon

from finance_core.services import Ledger
from finance_http.context import FinanceRequest
from finance_import.http.params import Params, query_values


class Export:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        from finance_import.export_csv import to_csv
        from finance_import.export_document import to_json

        fmt = Params(query_values(req), ("format",)).choice("format", ("json", "csv")) or "json"
        principal = req.require_caller().principal
        books = self.ledger.export_data(principal)
        if fmt == "json":
            resp.data = to_json(books, tenant_name=self.ledger.get_tenant(principal).name)
            resp.content_type = "application/json"
        else:
            resp.data = to_csv(books)
            resp.content_type = "text/csv; charset=utf-8"
        resp.downloadable_as = f"finance-export.{fmt}"
