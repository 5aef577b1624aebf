"""Helpers for the HTTP tests: tokens, settings, and a client that acts as one caller."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt
from falcon import testing

from finance_core.errors import ConfigurationError
from finance_core.plugins.manager import make_plugin_manager
from finance_http.jsonio import dumps, loads
from finance_http.settings import Settings, load_settings

SECRET = "test-secret-long-enough-even-for-hs512-" + "0123456789abcdef" * 2
PLUGINS = make_plugin_manager()


def _has_backend(url: str) -> bool:
    try:
        PLUGINS.backend_for_url(url)
    except ConfigurationError:
        return False
    return True


def storage_urls() -> list[str]:
    """memory:// always; the embedded SQLite default as soon as its backend is installed."""
    urls = ["memory://"]
    if _has_backend("sqlite:///x.db"):
        urls.append("sqlite:///{tmp}/http.db")
    return urls


def postgres_url() -> str:
    """The test PostgreSQL database, brought to the current schema (as ``migrate`` would)."""
    from finance_storage_sql.migrations.run import migrate_url
    from finance_storage_sql.plugin import DEFAULT_TEST_DATABASE_URL

    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    migrate_url(url)
    return url


def server_storage_urls() -> list[str]:
    """SQLite and JSON files (relative to the server's directory) and PostgreSQL."""
    return ["sqlite:///finance.db", "postgresql:lazy", "json:///books"]


def resolve_url(url: str) -> str:
    """``postgresql:lazy`` becomes the migrated test database once a test needs it."""
    return postgres_url() if url == "postgresql:lazy" else url


def make_settings(url: str, **overrides: str) -> Settings:
    environ = {"DATABASE_URL": url, "SECRET_KEY": SECRET, **overrides}
    return load_settings(environ, None)


def token(
    sub: str = "1",
    tenant: object = "1",
    role: str | None = "OWNER",
    *,
    secret: str = SECRET,
    algorithm: str = "HS256",
    minutes: int = 10,
    **claims: Any,
) -> str:
    """An MCP_Auth-shaped access token; ``None`` for tenant or role leaves the claim out."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": sub,
        "email": f"{sub}@example.com",
        "exp": now + minutes * 60,
        "iat": now,
        "scopes": [],
    }
    if tenant is not None:
        payload["tenant_id"] = tenant
    if role is not None:
        payload["role"] = role
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm=algorithm)


class Api:
    """A test client that acts as one caller, sending exact JSON."""

    def __init__(self, client: testing.TestClient, bearer: str | None) -> None:
        self.client = client
        self.bearer = bearer

    def as_(self, sub: str = "1", tenant: object = "1", role: str | None = "OWNER") -> Api:
        return Api(self.client, token(sub, tenant, role))

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        raw: str | bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> testing.Result:
        sent = dict(headers or {})
        if self.bearer is not None:
            sent.setdefault("Authorization", f"Bearer {self.bearer}")
        if body is not None:
            raw = dumps(body)
        if raw is not None:
            sent.setdefault("Content-Type", "application/json")
        return self.client.simulate_request(
            method, path, headers=sent, body=raw, params=dict(params or {})
        )

    def get(self, path: str, **kw: Any) -> testing.Result:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> testing.Result:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> testing.Result:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> testing.Result:
        return self.request("DELETE", path, **kw)

    # Shortcuts that must succeed.
    def account(self, name: str = "Main", **fields: Any) -> dict[str, Any]:
        result = self.post("/api/accounts", {"name": name, **fields})
        assert result.status_code == 201, result.text
        return data(result)

    def transaction(self, account_id: int, amount: str = "-10.00", **fields: Any) -> dict[str, Any]:
        body = {
            "account_id": account_id,
            "amount": amount,
            "date": "2024-03-01",
            "category": "food",
            **fields,
        }
        result = self.post("/api/transactions", body)
        assert result.status_code == 201, result.text
        return data(result)

    def transfer(self, src: int, dst: int, amount: str = "5.00") -> dict[str, Any]:
        body = {
            "from_account_id": src,
            "to_account_id": dst,
            "amount": amount,
            "date": "2024-03-02",
        }
        result = self.post("/api/transfers", body)
        assert result.status_code == 201, result.text
        return data(result)


def data(result: testing.Result) -> Any:
    """The response body with every non-integer number as an exact Decimal."""
    return loads(result.text)


# -- a real server process ---------------------------------------------------------
class ServerProcess:
    """``finance-planner serve`` in a working directory of its own, on a free port."""

    def __init__(self, cwd: Path, *, workers: int = 2, env: Mapping[str, str] | None = None):
        self.cwd = cwd
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.stderr_path = cwd / "server.stderr"
        clean = {k: v for k, v in os.environ.items() if k not in _SERVER_SETTINGS}
        command = [
            str(Path(sys.executable).with_name("finance-planner")),
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**clean, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    def wait_ready(self, attempts: int = 300) -> None:
        """Poll /health until it answers; fail with the server's output if it never does."""
        for _ in range(attempts):
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()

    def call(
        self, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, Mapping[str, str], Any]:
        """One HTTP request; returns (status, headers, decoded JSON body or None)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = dict(headers or {})
            raw = None
            if body is not None:
                raw = dumps(body).encode()
                sent["Content-Type"] = "application/json"
            connection.request(method, path, body=raw, headers=sent)
            response = connection.getresponse()
            text = response.read()
            decoded = loads(text) if text else None
            return response.status, dict(response.getheaders()), decoded
        finally:
            connection.close()


_SERVER_SETTINGS = frozenset(
    {
        "DATABASE_URL",
        "SECRET_KEY",
        "DEBUG",
        "LOG_LEVEL",
        "CORS_ORIGINS",
        "DEFAULT_CURRENCY",
        "JWT_ALGORITHMS",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "JWT_LEEWAY_SECONDS",
        "MAX_BODY_BYTES",
        "DOCS_ENABLED",
    }
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
