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
        resp.media = self.converter.unstructure(shape)
        self._headers(resp, status, version, location)

    def write_json(
        self,
        resp: falcon.Response,
        text: str,
        *,
        status: int = 200,
        version: int | None = None,
        location: str | None = None,
    ) -> None:
        """Send JSON text a writer in ``finance_http.rows`` has already made."""
        resp.text = text
        resp.content_type = falcon.MEDIA_JSON
        self._headers(resp, status, version, location)

    @staticmethod
    def _headers(
        resp: falcon.Response, status: int, version: int | None, location: str | None
    ) -> None:
        resp.status = status
        if version is not None:
            resp.set_header("ETag", etag(version))
        if location is not None:
            resp.location = location

    @staticmethod
    def no_content(resp: falcon.Response) -> None:
        resp.status = 204
        resp.media = None
        resp.text = None
