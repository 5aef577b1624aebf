"""The issue's hostile requests against the real ``finance-planner serve`` on each backend."""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from http_support import SECRET, ServerProcess, resolve_url, server_storage_urls, token

from finance_http.limits import TenantSlots


@pytest.fixture(scope="module", params=server_storage_urls(), ids=lambda u: u.split(":", 1)[0])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("hostile"),
        workers=2,
        env={"DATABASE_URL": resolve_url(request.param), "SECRET_KEY": SECRET},
    )
    process.wait_ready()
    yield process
    process.stop()


@pytest.fixture
def auth() -> dict[str, str]:
    """The owner of a tenant no other test uses (PostgreSQL is shared)."""
    tenant = f"hostile-{uuid.uuid4().hex[:12]}"
    return {"Authorization": f"Bearer {token(sub=tenant, tenant=tenant)}"}


def raw_call(
    server: ServerProcess, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(
            method, path, body=body, headers={**headers, "Content-Type": "application/json"}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def account(server: ServerProcess, auth: dict[str, str]) -> dict[str, Any]:
    status, _, body = server.call("POST", "/api/accounts", {"name": "Main"}, auth)
    assert status == 201, body
    return dict(body)


class TestHostileRequestsAgainstTheServer:
    def test_offset_of_10_to_the_20_is_422(
        self, server: ServerProcess, auth: dict[str, str]
    ) -> None:
        """No 500 on SQLite, no 503 on PostgreSQL: a validation error naming offset."""
        status, _, body = server.call(
            "GET", "/api/transactions?offset=100000000000000000000", headers=auth
        )
        assert status == 422
        assert [e["field"] for e in body["errors"]] == ["offset"]

    def test_5000_nested_brackets_are_400(
        self, server: ServerProcess, auth: dict[str, str]
    ) -> None:
        """The JSON reader refuses the depth before recursing."""
        status, body = raw_call(server, "POST", "/api/accounts", b"[" * 5000, auth)
        assert status == 400
        assert b"levels deep" in body

    def test_a_burst_of_1e999999999_leaves_the_service_answering(
        self, server: ServerProcess, auth: dict[str, str]
    ) -> None:
        """Eight such requests at once are each refused, and the workers stay free."""
        payload = b'{"account_id": 1e999999999, "amount": 1, "date": "2024-01-01", "category": "x"}'
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda _: raw_call(server, "POST", "/api/transactions", payload, auth)[0],
                    range(8),
                )
            )
        assert statuses == [400] * 8
        assert server.call("GET", "/api/accounts", headers=auth)[0] == 200

    def test_every_bad_field_is_listed(self, server: ServerProcess, auth: dict[str, str]) -> None:
        """amount "abc", date "not-a-date" and no category: one 422 naming all three."""
        body = {"account_id": account(server, auth)["id"], "amount": "abc", "date": "not-a-date"}
        status, _, answer = server.call("POST", "/api/transactions", body, auth)
        assert status == 422
        assert {e["field"] for e in answer["errors"]} == {"amount", "date", "category"}

    def test_nul_is_the_same_422_on_every_backend(
        self, server: ServerProcess, auth: dict[str, str]
    ) -> None:
        """Text with NUL is refused by the core, never stored and never a 503."""
        body = {
            "account_id": account(server, auth)["id"],
            "amount": "1.00",
            "date": "2024-01-01",
            "category": "x",
            "merchant": "Corner\x00Shop",
        }
        status, _, answer = server.call("POST", "/api/transactions", body, auth)
        assert (status, answer["errors"][0]["field"]) == (422, "merchant")
        assert server.call("GET", "/api/transactions", headers=auth)[2]["total"] == 0

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/api/budgets", {"name": "b\x00", "category": "x", "amount": "10",
             "currency": "USD", "period": "monthly", "start": "2024-01-01"}, "name"),
            ("/api/budgets", {"name": "b", "tag": "t\x00", "amount": "10",
             "currency": "USD", "period": "monthly", "start": "2024-01-01"}, "tag"),
            ("/api/schedules", {"name": "s\x00", "account_id": 1, "amount": "-1",
             "start_date": "2024-01-01", "freq": "monthly"}, "name"),
            ("/api/rules", {"name": "r\x00", "conditions": {"field": "merchant",
             "op": "contains", "value": "x"}, "actions": [{"set": "category", "value": "y"}]},
             "name"),
            ("/api/rules", {"name": "r", "conditions": {"field": "merchant", "op": "contains",
             "value": "x\x00"}, "actions": [{"set": "category", "value": "y"}]}, "conditions"),
        ],
    )  # fmt: skip
    def test_nul_in_planning_and_rules_is_422(
        self, server: ServerProcess, auth: dict[str, str], path: str, body: Any, field: str
    ) -> None:
        """Budgets, schedules and rules refuse NUL like every other text, on every backend."""
        account(server, auth)
        status, _, answer = server.call("POST", path, body, auth)
        assert status == 422, answer
        assert field in {e["field"] for e in answer["errors"]}

    @pytest.mark.parametrize(("sub", "tenant"), [("a\x00b", "t"), ("u", "t\x1b")])
    def test_a_token_with_control_characters_is_401(
        self, server: ServerProcess, sub: str, tenant: str
    ) -> None:
        """Claims that no backend could store are an unusable token, never a 503."""
        headers = {"Authorization": f"Bearer {token(sub=sub, tenant=tenant)}"}
        status, _, body = server.call("GET", "/api/accounts", headers=headers)
        assert status == 401
        assert "control characters are not allowed" in body["detail"]

    def test_a_day_by_day_history_of_ten_millennia_is_refused(
        self, server: ServerProcess, auth: dict[str, str]
    ) -> None:
        """Balance history and net worth over 0001..9999 by day are 422s, not runaways."""
        ident = account(server, auth)["id"]
        query = "start_date=0001-01-01&end_date=9999-12-31&period=day"
        for path in (f"/api/accounts/{ident}/balance-history", "/api/reports/net-worth"):
            status, _, answer = server.call("GET", f"{path}?{query}", headers=auth)
            assert (status, answer["errors"][0]["field"]) == (422, "end_date")


class TestNoInternalsInBodies:
    def test_a_broken_journal_is_a_503_naming_only_the_request_id(
        self, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """JSON storage that cannot read its files answers without the path; the log has it."""
        server = ServerProcess(
            tmp_path_factory.mktemp("leak"),
            workers=1,
            env={"DATABASE_URL": "json:///books", "SECRET_KEY": SECRET},
        )
        server.wait_ready()
        try:
            headers = {"Authorization": f"Bearer {token(sub='leak', tenant='leak')}"}
            assert server.call("POST", "/api/accounts", {"name": "A"}, headers)[0] == 201
            (journal,) = (server.cwd / "books" / "tenants").glob("*/journal.*.jsonl")
            with journal.open("a") as out:
                out.write("this is not a journal line\n")
            status, answer_headers, body = server.call(
                "GET", "/api/accounts", headers={**headers, "X-Request-ID": "leak-1"}
            )
        finally:
            server.stop()
        assert status == 503
        assert {k.lower(): v for k, v in answer_headers.items()}["retry-after"] == "5"
        assert body["request_id"] == "leak-1"
        text = str(body)
        assert "books" not in text and "journal" not in text and str(server.cwd) not in text
        log_line = next(line for line in server.stderr().splitlines() if "leak-1" in line)
        assert "journal" in log_line


class TestConcurrencyCapOfTheServer:
    def test_a_tenant_at_its_cap_gets_429_from_every_worker(
        self, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """With the tenant's one slot taken, both workers answer 429; others still get through."""
        cwd = tmp_path_factory.mktemp("cap")
        (cwd / "tmp").mkdir()
        server = ServerProcess(
            cwd,
            workers=2,
            env={
                "DATABASE_URL": "sqlite:///finance.db",
                "SECRET_KEY": SECRET,
                "EXPENSIVE_REQUESTS_PER_TENANT": "1",
                # The server makes its slot directory under TMPDIR, where the test can see it.
                "TMPDIR": str(cwd / "tmp"),
            },
        )
        server.wait_ready()
        busy = {"Authorization": f"Bearer {token(sub='busy', tenant='busy')}"}
        other = {"Authorization": f"Bearer {token(sub='other', tenant='other')}"}
        try:
            (slot_dir,) = (cwd / "tmp").glob("finance-planner-slots-*")
            held = TenantSlots(slot_dir, 1).acquire("busy")
            assert held is not None
            try:
                refused = [
                    server.call("GET", "/api/reports/cashflow", headers=busy) for _ in range(6)
                ]
                others = server.call("GET", "/api/reports/cashflow", headers=other)[0]
                cheap = server.call("GET", "/api/accounts", headers=busy)[0]
            finally:
                TenantSlots.release(held)
            after = server.call("GET", "/api/reports/cashflow", headers=busy)[0]
        finally:
            server.stop()
        assert [status for status, _, _ in refused] == [429] * 6
        assert all(
            {k.lower(): v for k, v in headers.items()}["retry-after"] == "2"
            for _, headers, _ in refused
        )
        assert (others, cheap, after) == (200, 200, 200)
        assert not list((cwd / "tmp").glob("finance-planner-slots-*"))
