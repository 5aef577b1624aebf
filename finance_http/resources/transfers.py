"""``/api/transfers``."""

from __future__ import annotations

import falcon

from finance_core.errors import StaleVersionError
from finance_core.services import TransferResult
from finance_http.context import FinanceRequest
from finance_http.reading import if_match, read_body
from finance_http.resources.base import Resource
from finance_http.wire import TransferCreateIn, TransferOut


def transfer_version(result: TransferResult) -> int:
    """A transfer changes only through its legs, so their versions make its version."""
    return result.from_transaction.version + result.to_transaction.version - 1


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
            version=transfer_version(result),
            location=f"/api/transfers/{result.transfer.id}",
        )

    def on_get_item(self, req: FinanceRequest, resp: falcon.Response, transfer_id: int) -> None:
        result = self.ledger.get_transfer(self.principal(req), transfer_id)
        self.write(resp, TransferOut.of(result), version=transfer_version(result))

    def on_delete_item(self, req: FinanceRequest, resp: falcon.Response, transfer_id: int) -> None:
        principal = self.principal(req)
        current = self.ledger.get_transfer(principal, transfer_id)
        expected = if_match(req, lambda: transfer_version(current))
        if expected is not None and expected != transfer_version(current):
            # Checked here because Ledger.delete_transfer takes no expected version yet.
            raise StaleVersionError("transfer", transfer_id, expected, transfer_version(current))
        self.ledger.delete_transfer(principal, transfer_id)
        self.no_content(resp)
