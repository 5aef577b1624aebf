"""``GET /api/reports/{name}`` and an account's balance history: JSON rows or an SVG chart."""

from __future__ import annotations

from collections.abc import Sequence

import cattrs
import falcon

from finance_core.errors import ValidationError, gather
from finance_core.reports import GROUPS, PERIOD_NAMES
from finance_core.services import Ledger
from finance_http.context import FinanceRequest
from finance_http.jsonio import dumps
from finance_http.routing import Param
from finance_import.charts import render_svg
from finance_import.http.params import Params, query_values
from finance_import.http.schemas import SVG
from finance_import.http.wire import ReportRowsOut


class Report:
    def __init__(
        self,
        ledger: Ledger,
        converter: cattrs.Converter,
        name: str,
        query: Sequence[Param],
    ) -> None:
        self.ledger = ledger
        self.converter = converter
        self.name = name
        # The documented parameters are the accepted ones: one list for both.
        self.allowed = tuple(p.name for p in query)

    def on_get(
        self, req: FinanceRequest, resp: falcon.Response, account_id: int | None = None
    ) -> None:
        params = Params(query_values(req), self.allowed)
        # Every bad parameter in one answer.
        given, errors = gather(
            {
                "format": lambda: params.choice("format", ("json", "svg")),
                # Any period name passes here; the report says which of them it takes.
                "period": lambda: params.choice("period", PERIOD_NAMES),
                "group_by": lambda: params.choice("group_by", GROUPS),
                "start_date": lambda: params.day("start_date"),
                "end_date": lambda: params.day("end_date"),
                "account_id": lambda: (
                    account_id if account_id is not None else params.ident("account_id")
                ),
            }
        )
        if errors:
            raise ValidationError(errors)
        fmt = given.pop("format") or ""
        rows = self.ledger.run_report(req.require_caller().principal, self.name, **given)
        wants_svg = fmt == "svg" or (
            not fmt and req.client_prefers(["application/json", SVG]) == SVG
        )
        if wants_svg:
            resp.content_type = SVG
            resp.text = render_svg(self.name, rows, self.name.replace("-", " "))
            return
        resp.content_type = "application/json"
        resp.text = dumps(self.converter.unstructure(ReportRowsOut.of(rows)))
