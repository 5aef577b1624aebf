"""Service routes, storage outages and request logging."""

from __future__ import annotations

import logging

import pytest
from falcon import testing
from http_support import Api, data, make_settings, token

from finance_core.bootstrap import utc_now
from finance_core.errors import StorageError
from finance_core.memory import MemoryStorage, MemoryUnitOfWork
from finance_core.services import Ledger
from finance_http.app import Dependencies, create_app


class _Unreachable(MemoryStorage):
    """A backend whose database has gone away."""

    def check(self) -> None:
        raise StorageError("connection refused by the database server")

    def unit_of_work(self, tenant_id: str, *, readonly: bool = False) -> MemoryUnitOfWork:
        raise StorageError("connection refused by the database server")


@pytest.fixture
def outage() -> Api:
    ledger = Ledger(_Unreachable(), clock=utc_now)
    deps = Dependencies(ledger, make_settings("memory://"))
    return Api(testing.TestClient(create_app(deps)), token())


class TestServiceRoutes:
    def test_root_names_the_service_and_docs(self, anonymous: Api) -> None:
        """GET / needs no token and says where the docs are."""
        body = data(anonymous.get("/"))
        assert (body["name"], body["docs"]) == ("Finance Planner", "/docs")

    def test_health_is_healthy_with_a_version(self, anonymous: Api) -> None:
        """GET /health needs no token and checks storage."""
        body = data(anonymous.get("/health"))
        assert (body["status"], body["storage"]) == ("healthy", "ok")
        assert body["version"]


class TestStorageOutage:
    def test_health_is_503_when_storage_is_unreachable(self, outage: Api) -> None:
        """/health answers 503, naming the request id rather than the cause."""
        result = outage.get("/health", headers={"X-Request-ID": "health-1"})
        assert result.status_code == 503
        body = data(result)
        assert body["status"] == "unhealthy"
        assert "health-1" in body["storage"] and "connection refused" not in result.text

    def test_api_call_is_503_problem_with_retry_after(self, outage: Api) -> None:
        """A storage failure is a 503 problem that says to retry, never a 500."""
        result = outage.get("/api/accounts")
        assert result.status_code == 503
        assert result.headers["Retry-After"] == "5"
        assert "nothing of this request was stored" in data(result)["detail"]


class TestRequestLog:
    def test_one_line_per_request_without_the_token(
        self, api: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        """One line per request: method, path, status, request id, tenant; never the token."""
        with caplog.at_level(logging.INFO, logger="finance_http.access"):
            api.get("/api/accounts", headers={"X-Request-ID": "abc-123"})
        (line,) = [r.getMessage() for r in caplog.records if r.name == "finance_http.access"]
        assert line.startswith("GET /api/accounts 200 ")
        assert "request_id=abc-123" in line and "tenant=1" in line
        assert api.bearer is not None and api.bearer not in caplog.text
