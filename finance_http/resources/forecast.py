"""``/api/forecast``: projected balances per account and day, as JSON or an SVG chart.

The chart renderer is passed in by whoever registers the route, so this
adapter needs no charting code of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import cattrs
import falcon

from finance_core.errors import FieldError, ValidationError
from finance_core.forecast import AccountForecast
from finance_core.services import Ledger
from finance_http.context import FinanceRequest
from finance_http.planning_wire import AccountForecastOut, ForecastOut
from finance_http.reading import parse_id, parse_int, query_value
from finance_http.resources.base import Resource

SVG: Final = "image/svg+xml"
ChartRenderer = Callable[[Sequence[AccountForecast], str], str]


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(raw)
    return value in ("true", "1", "yes")


def _format(raw: str) -> str:
    if raw not in ("json", "svg"):
        raise ValueError(raw)
    return raw


class Forecast(Resource):
    def __init__(
        self, ledger: Ledger, converter: cattrs.Converter, chart: ChartRenderer | None = None
    ) -> None:
        super().__init__(ledger, converter)
        self.chart = chart

    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        errors: list[FieldError] = []
        values = {}
        for name, parse, message in (
            ("days", parse_int, "days must be a whole number from 1 to 3660"),
            ("account_id", parse_id, "account_id must be a positive integer id"),
            ("include_budgets", _flag, "include_budgets must be true or false"),
            ("format", _format, "format must be json or svg"),
        ):
            try:
                values[name] = query_value(req, name, parse, message)
            except ValidationError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)
        fmt = values["format"]
        wants_svg = self.chart is not None and (
            fmt == "svg" or (fmt is None and req.client_prefers(["application/json", SVG]) == SVG)
        )
        if fmt == "svg" and self.chart is None:
            raise ValidationError.of("format", "no chart renderer is installed; use json")
        result = self.ledger.forecast(
            self.principal(req),
            90 if values["days"] is None else values["days"],
            account_id=values["account_id"],
            include_budgets=bool(values["include_budgets"]),
        )
        if wants_svg:
            assert self.chart is not None
            resp.content_type = SVG
            resp.text = self.chart(result, "forecast")
            return
        self.write(resp, ForecastOut([AccountForecastOut.of(f) for f in result]))
