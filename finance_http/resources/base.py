"""What every resource shares: the ledger, the wire converter, and output helpers."""

from __future__ import annotations

import cattrs
import falcon

from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_http.context import FinanceRequest
from finance_http.reading import etag


class Resource:
    """Base of the API's authenticated resources."""

    def __init__(self, ledger: Ledger, converter: cattrs.Converter) -> None:
        self.ledger = ledger
        self.converter = converter

    @staticmethod
    def principal(req: FinanceRequest) -> Principal:
        return req.require_caller().principal

    def write(
        self,
        resp: falcon.Response,
        shape: object,
        *,
        status: int = 200,
        version: int | None = None,
        location: str | None = None,
    ) -> None:
        resp.status = status
        resp.media = self.converter.unstructure(shape)
        if version is not None:
            resp.set_header("ETag", etag(version))
        if location is not None:
            resp.location = location

    @staticmethod
    def no_content(resp: falcon.Response) -> None:
        resp.status = 204
        resp.media = None
        resp.text = None
