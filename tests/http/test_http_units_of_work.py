"""One request, one unit of work: every documented route of a known caller opens exactly one.

The caller's membership and the use case's reads and writes then share one
snapshot, and a failed request rolls everything back. Every documented route
and method needs an example request below, so a new route cannot slip past.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import falcon
import pytest
from falcon import testing
from http_support import Api, data, make_settings, token

from finance_core.events import Event
from finance_core.importing import Importer, ImportOptions, ParsedFile, ParsedRow
from finance_core.plugins import hookimpl, make_plugin_manager
from finance_core.ports import UnitOfWork
from finance_http.app import Dependencies, all_routes, build_dependencies, create_app

#: A minimal CSV bank file, sent as the raw body of an import.
CSV = b"date,amount,description\n2024-03-05,-4.50,Coffee\n"


class Books:
    """What the example requests refer to, created before counting starts."""

    def __init__(self, api: Api) -> None:
        self.account = api.account("Main", initial_balance="100.00")
        self.other = api.account("Other")
        self.spare = api.account("Spare")
        self.txn = api.transaction(self.account["id"])
        self.doomed = api.transaction(self.account["id"])
        self.transfer = api.transfer(self.account["id"], self.other["id"])
        self.doomed_transfer = api.transfer(self.account["id"], self.other["id"])
        member = api.post("/api/tenants/me/members", {"auth_user_id": "m1", "role": "member"})
        assert member.status_code == 201, member.text
        self.member = data(member)
        gone = api.post("/api/tenants/me/members", {"auth_user_id": "m2", "role": "member"})
        self.leaving = data(gone)
        self.rule, self.doomed_rule = (
            data(api.post("/api/rules", {**RULE, "name": name})) for name in ("kept", "doomed")
        )
        schedule = {"name": "Rent", "account_id": self.account["id"], "amount": "-1",
                    "category": "rent", "start_date": "2024-03-01", "freq": "weekly"}  # fmt: skip
        self.schedule = data(api.post("/api/schedules", schedule))
        self.doomed_schedule = data(api.post("/api/schedules", schedule))
        budget = {"name": "Food", "category": "food", "amount": "50", "currency": "USD",
                  "period": "monthly", "start": "2024-03-01"}  # fmt: skip
        self.budget = data(api.post("/api/budgets", budget))
        self.doomed_budget = data(api.post("/api/budgets", budget))
        self.reconciled = api.account("Reconciled")
        made = api.post(
            f"/api/accounts/{self.reconciled['id']}/reconciliations",
            {"date": "2000-01-01", "balance": "0"},
        )
        assert made.status_code == 201, made.text
        self.reconciliation = data(made)


Example = Callable[[Api, Books], Any]

RULE: dict[str, Any] = {
    "conditions": {"field": "merchant", "op": "equals", "value": "Cafe"},
    "actions": [{"set": "category", "value": "coffee"}],
}

EXAMPLES: dict[tuple[str, str], Example] = {
    ("GET", "/api/accounts"): lambda api, b: api.get("/api/accounts"),
    ("POST", "/api/accounts"): lambda api, b: api.post("/api/accounts", {"name": "New"}),
    ("GET", "/api/accounts/{account_id}"): lambda api, b: api.get(
        f"/api/accounts/{b.account['id']}", params={"as_of": "2024-03-01"}
    ),
    ("PATCH", "/api/accounts/{account_id}"): lambda api, b: api.patch(
        f"/api/accounts/{b.account['id']}", {"name": "Renamed"}
    ),
    ("DELETE", "/api/accounts/{account_id}"): lambda api, b: api.delete(
        f"/api/accounts/{b.spare['id']}"
    ),
    ("GET", "/api/transactions"): lambda api, b: api.get("/api/transactions"),
    ("POST", "/api/transactions"): lambda api, b: api.post(
        "/api/transactions",
        {"account_id": b.account["id"], "amount": "-1", "date": "2024-03-03", "category": "c"},
    ),
    ("POST", "/api/transactions/batch"): lambda api, b: api.post(
        "/api/transactions/batch",
        {
            "account_id": b.account["id"],
            "transactions": [{"amount": "-1", "date": "2024-03-03", "category": "c"}],
        },
    ),
    ("GET", "/api/transactions/{transaction_id}"): lambda api, b: api.get(
        f"/api/transactions/{b.txn['id']}"
    ),
    ("PATCH", "/api/transactions/{transaction_id}"): lambda api, b: api.patch(
        f"/api/transactions/{b.txn['id']}", {"amount": "-2.00"}
    ),
    ("DELETE", "/api/transactions/{transaction_id}"): lambda api, b: api.delete(
        f"/api/transactions/{b.doomed['id']}"
    ),
    ("POST", "/api/transfers"): lambda api, b: api.post(
        "/api/transfers",
        {
            "from_account_id": b.account["id"],
            "to_account_id": b.other["id"],
            "amount": "1",
            "date": "2024-03-04",
        },
    ),
    ("GET", "/api/transfers/{transfer_id}"): lambda api, b: api.get(
        f"/api/transfers/{b.transfer['id']}"
    ),
    ("DELETE", "/api/transfers/{transfer_id}"): lambda api, b: api.delete(
        f"/api/transfers/{b.doomed_transfer['id']}"
    ),
    ("GET", "/api/tenants"): lambda api, b: api.get("/api/tenants"),
    ("GET", "/api/tenants/me"): lambda api, b: api.get("/api/tenants/me"),
    ("PATCH", "/api/tenants/me"): lambda api, b: api.patch("/api/tenants/me", {"name": "Home"}),
    ("GET", "/api/tenants/me/members"): lambda api, b: api.get("/api/tenants/me/members"),
    ("POST", "/api/tenants/me/members"): lambda api, b: api.post(
        "/api/tenants/me/members", {"auth_user_id": "m3"}
    ),
    ("PATCH", "/api/tenants/me/members/{user_id}/role"): lambda api, b: api.patch(
        f"/api/tenants/me/members/{b.member['user_id']}/role", {"role": "viewer"}
    ),
    ("GET", "/api/tenants/me/members/{user_id}"): lambda api, b: api.get(
        f"/api/tenants/me/members/{b.member['user_id']}"
    ),
    ("DELETE", "/api/tenants/me/members/{user_id}"): lambda api, b: api.delete(
        f"/api/tenants/me/members/{b.leaving['user_id']}"
    ),
    ("POST", "/api/imports"): lambda api, b: api.request(
        "POST",
        "/api/imports",
        raw=CSV,
        headers={"Content-Type": "text/csv"},
        params={"account_id": str(b.account["id"])},
    ),
    ("GET", "/api/accounts/{account_id}/statements"): lambda api, b: api.get(
        f"/api/accounts/{b.account['id']}/statements"
    ),
    ("GET", "/api/accounts/{account_id}/reconciliations"): lambda api, b: api.get(
        f"/api/accounts/{b.reconciled['id']}/reconciliations"
    ),
    ("POST", "/api/accounts/{account_id}/reconciliations"): lambda api, b: api.post(
        f"/api/accounts/{b.reconciled['id']}/reconciliations",
        {"date": "2000-01-02", "balance": "0"},
    ),
    ("DELETE", "/api/accounts/{account_id}/reconciliations/{reconciliation_id}"): (
        lambda api, b: api.delete(
            f"/api/accounts/{b.reconciled['id']}/reconciliations/{b.reconciliation['id']}"
        )
    ),
    ("GET", "/api/export"): lambda api, b: api.get("/api/export"),
    ("GET", "/api/rules"): lambda api, b: api.get("/api/rules"),
    ("POST", "/api/rules"): lambda api, b: api.post("/api/rules", {**RULE, "name": "new"}),
    ("GET", "/api/rules/{rule_id}"): lambda api, b: api.get(f"/api/rules/{b.rule['id']}"),
    ("PATCH", "/api/rules/{rule_id}"): lambda api, b: api.patch(
        f"/api/rules/{b.rule['id']}", {"position": 2}
    ),
    ("DELETE", "/api/rules/{rule_id}"): lambda api, b: api.delete(
        f"/api/rules/{b.doomed_rule['id']}"
    ),
    ("POST", "/api/rules/apply"): lambda api, b: api.post("/api/rules/apply", {"dry_run": False}),
    ("POST", "/api/rules/preview"): lambda api, b: api.post("/api/rules/preview", RULE),
    ("GET", "/api/rules/suggestions"): lambda api, b: api.get("/api/rules/suggestions"),
    ("GET", "/api/reports/spending"): lambda api, b: api.get("/api/reports/spending"),
    ("GET", "/api/reports/cashflow"): lambda api, b: api.get("/api/reports/cashflow"),
    ("GET", "/api/reports/net-worth"): lambda api, b: api.get("/api/reports/net-worth"),
    ("GET", "/api/accounts/{account_id}/balance-history"): lambda api, b: api.get(
        f"/api/accounts/{b.account['id']}/balance-history",
        params={"start_date": "2024-03-01", "end_date": "2024-03-31"},
    ),
    ("GET", "/api/schedules"): lambda api, b: api.get("/api/schedules"),
    ("POST", "/api/schedules"): lambda api, b: api.post(
        "/api/schedules",
        {
            "name": "Gym",
            "account_id": b.account["id"],
            "amount": "-1",
            "category": "sport",
            "start_date": "2024-03-01",
            "freq": "monthly",
        },
    ),
    ("POST", "/api/schedules/post-due"): lambda api, b: api.post("/api/schedules/post-due"),
    ("GET", "/api/schedules/suggestions"): lambda api, b: api.get("/api/schedules/suggestions"),
    ("GET", "/api/schedules/{schedule_id}"): lambda api, b: api.get(
        f"/api/schedules/{b.schedule['id']}"
    ),
    ("PATCH", "/api/schedules/{schedule_id}"): lambda api, b: api.patch(
        f"/api/schedules/{b.schedule['id']}", {"amount": "-2", "effective_from": "2024-04-01"}
    ),
    ("DELETE", "/api/schedules/{schedule_id}"): lambda api, b: api.delete(
        f"/api/schedules/{b.doomed_schedule['id']}"
    ),
    ("GET", "/api/schedules/{schedule_id}/occurrences"): lambda api, b: api.get(
        f"/api/schedules/{b.schedule['id']}/occurrences",
        params={"from": "2024-03-01", "to": "2024-03-31"},
    ),
    ("POST", "/api/schedules/{schedule_id}/occurrences/{date}/skip"): lambda api, b: api.post(
        f"/api/schedules/{b.schedule['id']}/occurrences/2024-03-08/skip"
    ),
    ("POST", "/api/schedules/{schedule_id}/occurrences/{date}/move"): lambda api, b: api.post(
        f"/api/schedules/{b.schedule['id']}/occurrences/2024-03-15/move", {"date": "2024-03-16"}
    ),
    ("GET", "/api/budgets"): lambda api, b: api.get("/api/budgets"),
    ("POST", "/api/budgets"): lambda api, b: api.post(
        "/api/budgets",
        {
            "name": "Fun",
            "tag": "fun",
            "amount": "20",
            "currency": "USD",
            "period": "weekly",
            "start": "2024-03-01",
        },
    ),
    ("GET", "/api/budgets/status"): lambda api, b: api.get(
        "/api/budgets/status", params={"from": "2024-03-01", "to": "2024-05-31"}
    ),
    ("GET", "/api/budgets/{budget_id}"): lambda api, b: api.get(f"/api/budgets/{b.budget['id']}"),
    ("PATCH", "/api/budgets/{budget_id}"): lambda api, b: api.patch(
        f"/api/budgets/{b.budget['id']}", {"amount": "60", "effective_from": "2024-04-01"}
    ),
    ("DELETE", "/api/budgets/{budget_id}"): lambda api, b: api.delete(
        f"/api/budgets/{b.doomed_budget['id']}"
    ),
    ("GET", "/api/forecast"): lambda api, b: api.get(
        "/api/forecast", params={"days": "30", "include_budgets": "true"}
    ),
}


def _documented(deps: Dependencies) -> list[tuple[str, str]]:
    return [
        (op.method, route.path)
        for route in all_routes(deps)
        if not route.public
        for op in route.operations
    ]


def _count_units(deps: Dependencies, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record every unit of work the request path asks storage for (True when read-only)."""
    storage = deps.ledger.storage
    real = storage.unit_of_work
    opened: list[bool] = []

    def counting(tenant_id: str, *, readonly: bool = False) -> UnitOfWork:
        opened.append(readonly)
        return real(tenant_id, readonly=readonly)

    monkeypatch.setattr(storage, "unit_of_work", counting)
    return opened


class TestOneUnitOfWorkPerRequest:
    def test_every_documented_route_has_an_example(self, deps: Dependencies) -> None:
        """A new authenticated route needs an example here, so it is counted too."""
        missing = sorted(set(_documented(deps)) - set(EXAMPLES))
        assert missing == []

    def test_every_route_opens_exactly_one_unit_of_work(
        self, api: Api, deps: Dependencies, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Caller resolution and the use case share one unit of work, on every route."""
        books = Books(api)
        opened = _count_units(deps, monkeypatch)
        counts = {}
        for key in _documented(deps):
            opened.clear()
            result = EXAMPLES[key](api, books)
            assert result.status_code < 400, (key, result.text)
            counts[key] = list(opened)
        wrong = {key: units for key, units in counts.items() if len(units) != 1}
        assert wrong == {}

    def test_reads_use_a_read_only_unit_and_writes_a_writing_one(
        self, api: Api, deps: Dependencies, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """GET runs in a read-only snapshot; POST, PATCH and DELETE in one writing unit."""
        books = Books(api)
        opened = _count_units(deps, monkeypatch)
        EXAMPLES[("GET", "/api/accounts/{account_id}")](api, books)
        EXAMPLES[("POST", "/api/transactions")](api, books)
        assert opened == [True, False]

    def test_first_contact_provisions_then_uses_one_unit(
        self, api: Api, deps: Dependencies, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A new caller is provisioned once; from the next request on, one unit per request."""
        newcomer = api.as_(sub="new-user", tenant="brand-new", role="OWNER")
        assert newcomer.get("/api/tenants/me").status_code == 200
        opened = _count_units(deps, monkeypatch)
        assert newcomer.get("/api/tenants/me").status_code == 200
        assert opened == [True]


class _FailAfterTheResource:
    """A plugin middleware that turns a finished request into a 409 when asked to."""

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: object, ok: bool
    ) -> None:
        if req.get_header("X-Fail-After-Resource"):
            resp.status = 409
            resp.media = {"title": "refused after the resource ran"}


class _Plugin:
    def __init__(self) -> None:
        self.heard: list[Event] = []

    @hookimpl
    def finance_http_middleware(self, deps: Dependencies) -> Sequence[object]:
        return [_FailAfterTheResource()]

    @hookimpl
    def finance_after_commit(self, tenant_id: str, events: Sequence[Event]) -> None:
        self.heard.extend(events)


class TestAFailedRequestChangesNothing:
    def test_writes_of_a_request_answered_with_an_error_are_rolled_back(
        self, storage_url: str
    ) -> None:
        """A transaction posted by a request that ends in an error is not stored, nor announced."""
        plugin = _Plugin()
        deps = build_dependencies(make_settings(storage_url), make_plugin_manager([plugin]))
        try:
            api = Api(testing.TestClient(create_app(deps)), token())
            account = api.account("Main", initial_balance="100.00")
            plugin.heard.clear()
            refused = api.post(
                "/api/transactions",
                {"account_id": account["id"], "amount": "-30", "date": "2024-03-03",
                 "category": "c"},
                headers={"X-Fail-After-Resource": "yes"},
            )  # fmt: skip
            assert refused.status_code == 409
            after = api.get(f"/api/accounts/{account['id']}").json
            assert after["balance"] == 100
            assert api.get("/api/transactions").json["transactions"] == []
            assert plugin.heard == []
        finally:
            deps.ledger.storage.close()


class _Probe:
    """An importer that records whether a unit of work was open while it parsed."""

    def __init__(self) -> None:
        self.ledger: Any = None
        self.scope_open_while_parsing: list[bool] = []

    @hookimpl
    def finance_importers(self) -> Sequence[Importer]:
        return [Importer("probe", (".probe",), self.parse)]

    def parse(self, data: bytes, options: ImportOptions) -> ParsedFile:
        self.scope_open_while_parsing.append(self.ledger.scopes.current is not None)
        return ParsedFile("probe", (ParsedRow(1, date(2024, 3, 5), Decimal("-1.00")),))


class TestImportsParseOutsideTheUnitOfWork:
    def test_the_file_is_parsed_before_the_unit_of_work_opens(self, storage_url: str) -> None:
        """No storage lock is held while an uploaded file is parsed; the import still lands."""
        probe = _Probe()
        deps = build_dependencies(make_settings(storage_url), make_plugin_manager([probe]))
        probe.ledger = deps.ledger
        try:
            api = Api(testing.TestClient(create_app(deps)), token())
            account = api.account("Main")
            done = api.request(
                "POST",
                "/api/imports",
                raw=b"anything",
                headers={"Content-Type": "application/octet-stream"},
                params={"account_id": str(account["id"]), "format": "probe"},
            )
            assert done.status_code == 201, done.text
            assert probe.scope_open_while_parsing == [False]
            assert api.get(f"/api/accounts/{account['id']}").json["balance"] == -1
        finally:
            deps.ledger.storage.close()
