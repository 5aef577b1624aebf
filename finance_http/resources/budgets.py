"""``/api/budgets``: budgets per category or tag, and their status per period."""

from __future__ import annotations

import datetime as dt

import falcon

from finance_core.errors import FieldError, ValidationError
from finance_http.context import FinanceRequest
from finance_http.planning_wire import (
    BudgetIn,
    BudgetListOut,
    BudgetOut,
    BudgetStatusListOut,
    BudgetStatusOut,
)
from finance_http.reading import if_match, query_value, read_body
from finance_http.resources.base import Resource


class Budgets(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        budgets = self.ledger.list_budgets(self.principal(req))
        self.write(resp, BudgetListOut([BudgetOut.of(b) for b in budgets], len(budgets)))

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, BudgetIn, self.converter)
        budget = self.ledger.create_budget(self.principal(req), **body.fields())
        self.write(
            resp,
            BudgetOut.of(budget),
            status=201,
            version=budget.version,
            location=f"/api/budgets/{budget.id}",
        )

    def on_get_item(self, req: FinanceRequest, resp: falcon.Response, budget_id: int) -> None:
        budget = self.ledger.get_budget(self.principal(req), budget_id)
        self.write(resp, BudgetOut.of(budget), version=budget.version)

    def on_patch_item(self, req: FinanceRequest, resp: falcon.Response, budget_id: int) -> None:
        principal = self.principal(req)
        body = read_body(req, BudgetIn, self.converter)
        expected = if_match(req, lambda: self.ledger.get_budget(principal, budget_id).version)
        budget = self.ledger.update_budget(
            principal, budget_id, body.fields(), expected_version=expected
        )
        self.write(resp, BudgetOut.of(budget), version=budget.version)

    def on_delete_item(self, req: FinanceRequest, resp: falcon.Response, budget_id: int) -> None:
        principal = self.principal(req)
        expected = if_match(req, lambda: self.ledger.get_budget(principal, budget_id).version)
        self.ledger.delete_budget(principal, budget_id, expected_version=expected)
        self.no_content(resp)

    def on_get_status(self, req: FinanceRequest, resp: falcon.Response) -> None:
        errors: list[FieldError] = []
        bounds = []
        for name in ("from", "to"):
            try:
                bounds.append(
                    query_value(req, name, dt.date.fromisoformat, f"{name} must be YYYY-MM-DD")
                )
            except ValidationError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)
        reports = self.ledger.budget_statuses(self.principal(req), *bounds)
        self.write(resp, BudgetStatusListOut([BudgetStatusOut.of(r) for r in reports]))
