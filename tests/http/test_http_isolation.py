"""Tenant isolation and roles: the cross-tenant matrix and the role matrix."""

from __future__ import annotations

from typing import Any

import pytest
from http_support import Api, data

#: Every id-bearing route and method, with a body where the method needs one.
ID_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/accounts/{account}", None),
    ("PATCH", "/api/accounts/{account}", {"name": "stolen"}),
    ("DELETE", "/api/accounts/{account}", None),
    ("GET", "/api/transactions/{transaction}", None),
    ("PATCH", "/api/transactions/{transaction}", {"amount": "1.00"}),
    ("DELETE", "/api/transactions/{transaction}", None),
    ("GET", "/api/transfers/{transfer}", None),
    ("DELETE", "/api/transfers/{transfer}", None),
    ("GET", "/api/transactions?account_id={account}", None),
    ("POST", "/api/transactions", {"account_id": "{account}", "amount": "1.00",
                                   "date": "2024-01-01", "category": "x"}),
    ("POST", "/api/transactions/batch", {"account_id": "{account}", "transactions": [
        {"amount": "1.00", "date": "2024-01-01", "category": "x"}]}),
    ("POST", "/api/transfers", {"from_account_id": "{account}", "to_account_id": "{other}",
                                "amount": "1.00", "date": "2024-01-01"}),
    ("PATCH", "/api/tenants/me/members/{user}/role", {"role": "viewer"}),
    ("DELETE", "/api/tenants/me/members/{user}", None),
]  # fmt: skip


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _split_query(path: str) -> tuple[str, dict[str, str]]:
    base, _, query = path.partition("?")
    return base, dict(pair.split("=") for pair in query.split("&") if pair)


@pytest.fixture
def victim_ids(api: Api) -> dict[str, int]:
    """Tenant 1's account, transaction, transfer and a member's user id."""
    a, b = api.account("A", initial_balance="50.00"), api.account("B")
    txn = api.transaction(a["id"])
    transfer = api.transfer(a["id"], b["id"])
    member = data(api.post("/api/tenants/me/members", {"auth_user_id": "victim-member"}))
    return {
        "account": a["id"],
        "other": b["id"],
        "transaction": txn["id"],
        "transfer": transfer["id"],
        "user": member["user_id"],
    }


class TestCrossTenant:
    @pytest.mark.parametrize(
        ("method", "path", "body"), ID_ROUTES, ids=[f"{m} {p}" for m, p, _ in ID_ROUTES]
    )
    def test_another_tenants_id_is_404(
        self, api: Api, victim_ids: dict[str, int], method: str, path: str, body: Any
    ) -> None:
        """Tenant 2's owner gets for tenant 1's ids exactly what ids that exist nowhere give."""
        attacker = api.as_(sub="intruder", tenant="2")
        nowhere = {k: v + 10**6 for k, v in victim_ids.items()}
        answers = []
        for ids in (victim_ids, nowhere):
            base, params = _split_query(path.format(**ids))
            result = attacker.request(
                method, base, _fill(body, ids) if body else None, params=params
            )
            answers.append((result.status_code, data(result)["title"]))
        assert answers[0] == answers[1] == (404, "Not found")

    def test_victim_data_is_untouched(self, api: Api, victim_ids: dict[str, int]) -> None:
        """After every cross-tenant attempt the victim's data is as it was."""
        before = data(api.get("/api/transactions"))
        attacker = api.as_(sub="intruder", tenant="2")
        for method, path, body in ID_ROUTES:
            base, params = _split_query(path.format(**victim_ids))
            attacker.request(method, base, _fill(body, victim_ids) if body else None, params=params)
        assert data(api.get("/api/transactions")) == before
        assert len(data(api.get("/api/tenants/me/members"))) == 2


#: (role, method, path, body, expected status)
ROLE_MATRIX: list[tuple[str, str, str, Any, int]] = [
    ("VIEWER", "GET", "/api/accounts", None, 200),
    ("VIEWER", "POST", "/api/accounts", {"name": "x"}, 403),
    ("VIEWER", "PATCH", "/api/accounts/{account}", {"name": "x"}, 403),
    ("VIEWER", "DELETE", "/api/transactions/{transaction}", None, 403),
    ("VIEWER", "POST", "/api/transfers", {"from_account_id": "{account}",
     "to_account_id": "{other}", "amount": "1.00", "date": "2024-01-01"}, 403),
    ("VIEWER", "GET", "/api/tenants/me/members", None, 200),
    ("MEMBER", "POST", "/api/accounts", {"name": "x"}, 201),
    ("MEMBER", "POST", "/api/tenants/me/members", {"auth_user_id": "new"}, 403),
    ("MEMBER", "PATCH", "/api/tenants/me", {"name": "x"}, 403),
    ("ADMIN", "POST", "/api/tenants/me/members", {"auth_user_id": "new"}, 201),
    ("ADMIN", "POST", "/api/tenants/me/members", {"auth_user_id": "new", "role": "owner"}, 403),
    ("ADMIN", "PATCH", "/api/tenants/me/members/{user}/role", {"role": "viewer"}, 403),
    ("ADMIN", "DELETE", "/api/tenants/me/members/{user}", None, 200),
    ("ADMIN", "PATCH", "/api/tenants/me", {"name": "x"}, 403),
    ("OWNER", "POST", "/api/tenants/me/members", {"auth_user_id": "new", "role": "owner"}, 201),
    ("OWNER", "PATCH", "/api/tenants/me/members/{user}/role", {"role": "viewer"}, 200),
    ("OWNER", "PATCH", "/api/tenants/me", {"name": "x"}, 200),
]  # fmt: skip


class TestRoles:
    @pytest.mark.parametrize(
        ("role", "method", "path", "body", "expected"),
        ROLE_MATRIX,
        ids=[f"{r} {m} {p} {s}" for r, m, p, _, s in ROLE_MATRIX],
    )
    def test_role_matrix(
        self,
        api: Api,
        victim_ids: dict[str, int],
        role: str,
        method: str,
        path: str,
        body: Any,
        expected: int,
    ) -> None:
        """Each role gets exactly the status its permissions imply."""
        caller = api.as_(sub=f"as-{role.lower()}", role=role)
        result = caller.request(
            method, path.format(**victim_ids), _fill(body, victim_ids) if body else None
        )
        assert result.status_code == expected, result.text

    def test_stored_membership_wins_over_the_role_claim(self, api: Api) -> None:
        """After joining, the stored role counts even if the token claims more."""
        api.get("/api/tenants/me")
        api.as_(sub="2", role="VIEWER").get("/api/tenants/me")
        assert (
            api.as_(sub="2", role="OWNER").post("/api/accounts", {"name": "x"}).status_code == 403
        )
