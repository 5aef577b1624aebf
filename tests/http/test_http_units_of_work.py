"""One request, one unit of work: every documented route of a known caller opens exactly one.

The caller's membership and the use case's reads and writes then share one
snapshot, and a failed request rolls everything back. Every documented route
and method needs an example request below, so a new route cannot slip past.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from http_support import Api, data

from finance_http.app import Dependencies, all_routes

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


Example = Callable[[Api, Books], Any]

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
    ("GET", "/api/export"): lambda api, b: api.get("/api/export"),
    ("GET", "/api/reports/spending"): lambda api, b: api.get("/api/reports/spending"),
    ("GET", "/api/reports/cashflow"): lambda api, b: api.get("/api/reports/cashflow"),
    ("GET", "/api/reports/net-worth"): lambda api, b: api.get("/api/reports/net-worth"),
    ("GET", "/api/accounts/{account_id}/balance-history"): lambda api, b: api.get(
        f"/api/accounts/{b.account['id']}/balance-history",
        params={"start_date": "2024-03-01", "end_date": "2024-03-31"},
    ),
}


def _documented(deps: Dependencies) -> list[tuple[str, str]]:
    return [
        (op.method, route.path)
        for route in all_routes(deps)
        if not route.public
        for op in route.operations
    ]


class TestOneUnitOfWorkPerRequest:
    def test_every_documented_route_has_an_example(self, deps: Dependencies) -> None:
        """A new authenticated route needs an example here, so it is counted too."""
        missing = sorted(set(_documented(deps)) - set(EXAMPLES))
        assert missing == []

    def test_every_route_opens_exactly_one_unit_of_work(self, api: Api, deps: Dependencies) -> None:
        """Caller resolution and the use case share one unit of work, on every route."""
        books = Books(api)
        opened: list[tuple[str, bool]] = []
        deps.ledger.scopes.on_open = lambda tenant, readonly: opened.append((tenant, readonly))
        counts = {}
        for key in _documented(deps):
            opened.clear()
            result = EXAMPLES[key](api, books)
            assert result.status_code < 400, (key, result.text)
            counts[key] = list(opened)
        wrong = {key: units for key, units in counts.items() if len(units) != 1}
        assert wrong == {}

    def test_reads_use_a_read_only_unit_and_writes_a_writing_one(
        self, api: Api, deps: Dependencies
    ) -> None:
        """GET runs in a read-only snapshot; POST, PATCH and DELETE in one writing unit."""
        books = Books(api)
        opened: list[bool] = []
        deps.ledger.scopes.on_open = lambda tenant, readonly: opened.append(readonly)
        EXAMPLES[("GET", "/api/accounts/{account_id}")](api, books)
        EXAMPLES[("POST", "/api/transactions")](api, books)
        assert opened == [True, False]

    @pytest.mark.parametrize("status_path", ["/api/transactions"])
    def test_a_failed_request_writes_nothing(
        self, api: Api, deps: Dependencies, status_path: str
    ) -> None:
        """A request answered with an error rolls its unit of work back."""
        books = Books(api)
        before = api.get(f"/api/accounts/{books.account['id']}").json["balance"]
        refused = api.post(
            status_path,
            {"account_id": books.account["id"], "amount": "-1", "date": "2024-03-03"},
        )
        assert refused.status_code == 422
        assert api.get(f"/api/accounts/{books.account['id']}").json["balance"] == before

    def test_first_contact_provisions_then_uses_one_unit(
        self, api: Api, deps: Dependencies
    ) -> None:
        """A new caller is provisioned once; from the next request on, one unit per request."""
        newcomer = api.as_(sub="new-user", tenant="brand-new", role="OWNER")
        assert newcomer.get("/api/tenants/me").status_code == 200
        opened: list[str] = []
        deps.ledger.scopes.on_open = lambda tenant, readonly: opened.append(tenant)
        assert newcomer.get("/api/tenants/me").status_code == 200
        assert opened == ["brand-new"]
