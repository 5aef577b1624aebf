"""``/api/transfers``."""

from __future__ import annotations

import falcon

from finance_http.context import FinanceRequest
from finance_http.reading import if_match, read_body
from finance_http.resources.base import Resource
from finance_http.wire import TransferCreateIn, TransferOut


class Transfers(Resource):
    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, TransferCreateIn, self.converter)
        result = self.ledger.create_transfer(
            self.principal(req),
            body.from_account_id,
            body.to_account_id,
            body.amount,
            body.date,
            description=body.description,
            to_amount=body.to_amount,
        )
        self.write(
            resp,
            TransferOut.of(result),
            status=201,
            version=result.version,
            location=f"/api/transfers/{result.transfer.id}",
        )

    def on_get_item(self, req: FinanceRequest, resp: falcon.Response, transfer_id: int) -> None:
        result = self.ledger.get_transfer(self.principal(req), transfer_id)
        self.write(resp, TransferOut.of(result), version=result.version)

    def on_delete_item(self, req: FinanceRequest, resp: falcon.Response, transfer_id: int) -> None:
        principal = self.principal(req)
        current = self.ledger.get_transfer(principal, transfer_id)
        expected = if_match(req, lambda: current.version)
        self.ledger.delete_transfer(principal, transfer_id, expected_version=expected)
        self.no_content(resp)
