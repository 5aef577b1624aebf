"""Statements and reconciliations of an account, and their routes."""

from __future__ import annotations

import cattrs
import falcon

from finance_core.reconciliation import BalanceMismatch
from finance_core.services import Ledger
from finance_http.context import FinanceRequest
from finance_http.problems import HttpProblem, field_error
from finance_http.reading import read_body
from finance_http.resources.base import Resource
from finance_http.routing import Operation, Param, Route
from finance_http.schemas import ID
from finance_http.statement_wire import (
    SCHEMAS,
    MismatchOut,
    ReconciliationCreateIn,
    ReconciliationListOut,
    ReconciliationOut,
    StatementListOut,
    StatementOut,
)


class Statements(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response, account_id: int) -> None:
        views = self.ledger.list_statements(self.principal(req), account_id)
        self.write(resp, StatementListOut([StatementOut.of(v) for v in views]))


class Reconciliations(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response, account_id: int) -> None:
        found = self.ledger.list_reconciliations(self.principal(req), account_id)
        self.write(resp, ReconciliationListOut([ReconciliationOut.of(r) for r in found]))

    def on_post(self, req: FinanceRequest, resp: falcon.Response, account_id: int) -> None:
        body = read_body(req, ReconciliationCreateIn, self.converter)
        try:
            made = self.ledger.reconcile(self.principal(req), account_id, body.date, body.balance)
        except BalanceMismatch as exc:
            extra = self.converter.unstructure(MismatchOut.of(exc))
            extra["errors"] = [field_error(e) for e in exc.errors]
            raise HttpProblem(
                422, "Books do not match", str(exc), slug="reconciliation-mismatch", extra=extra
            ) from None
        self.write(
            resp,
            ReconciliationOut.of(made),
            status=201,
            location=f"/api/accounts/{account_id}/reconciliations/{made.id}",
        )

    def on_delete_item(
        self,
        req: FinanceRequest,
        resp: falcon.Response,
        account_id: int,
        reconciliation_id: int,
    ) -> None:
        self.ledger.delete_reconciliation(self.principal(req), account_id, reconciliation_id)
        self.no_content(resp)


def _id(name: str, what: str) -> Param:
    return Param(name, ID, f"The {what}'s id.", location="path", required=True)


def statement_routes(ledger: Ledger, converter: cattrs.Converter) -> list[Route]:
    """The routes of statements and reconciliations, under an account."""
    account = _id("account_id", "account")
    reconciliations = Reconciliations(ledger, converter)
    return [
        Route(
            "/api/accounts/{account_id}/statements",
            Statements(ledger, converter),
            tag="statements",
            path_params=(account,),
            schemas=SCHEMAS,
            operations=(
                Operation(
                    "GET",
                    "listStatements",
                    "List an account's imported statements, with the books against each",
                    {200: ("The statements, oldest first.", "StatementList")},
                ),
            ),
        ),
        Route(
            "/api/accounts/{account_id}/reconciliations",
            reconciliations,
            tag="statements",
            path_params=(account,),
            schemas=SCHEMAS,
            operations=(
                Operation(
                    "GET",
                    "listReconciliations",
                    "List an account's reconciliations, oldest day first",
                    {200: ("The reconciliations.", "ReconciliationList")},
                ),
                Operation(
                    "POST",
                    "reconcile",
                    "Reconcile the books with the bank's balance at the end of a day",
                    {
                        201: ("Reconciled: the books up to that day are locked.", "Reconciliation"),
                    },
                    body="ReconciliationCreate",
                ),
            ),
        ),
        Route(
            "/api/accounts/{account_id}/reconciliations/{reconciliation_id}",
            reconciliations,
            suffix="item",
            tag="statements",
            path_params=(account, _id("reconciliation_id", "reconciliation")),
            schemas=SCHEMAS,
            operations=(
                Operation(
                    "DELETE",
                    "deleteReconciliation",
                    "Delete a reconciliation, unlocking its days (admins and owners)",
                    {204: ("Deleted.", None)},
                ),
            ),
        ),
    ]
