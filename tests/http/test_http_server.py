"""The real ``finance-planner serve`` process, over real HTTP on a real port."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from http_support import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server started with no configuration at all, in an empty directory."""
    process = ServerProcess(tmp_path_factory.mktemp("serve"), workers=3)
    process.wait_ready()
    yield process
    process.stop()


def printed_token(server: ServerProcess) -> str:
    match = re.search(r"Development token.*?\n\n(\S+)\n", server.stderr(), re.S)
    assert match, server.stderr()
    return match.group(1)


class TestFirstStart:
    def test_generated_secret_is_announced(self, server: ServerProcess) -> None:
        """Without SECRET_KEY the server says loudly that it generated one."""
        assert "WARNING: SECRET_KEY was not set" in server.stderr()

    def test_secret_is_kept_in_dot_env(self, server: ServerProcess) -> None:
        """The generated secret lands in .env in the working directory."""
        content = (server.cwd / ".env").read_text()
        assert re.search(r"^SECRET_KEY=\S{48,}$", content, re.M)

    def test_embedded_sqlite_default_is_used(self, server: ServerProcess) -> None:
        """The default DATABASE_URL puts finance.db in the working directory."""
        assert (server.cwd / "finance.db").exists()

    def test_printed_token_makes_an_authenticated_call(self, server: ServerProcess) -> None:
        """The printed development token works as printed in the curl line."""
        token = printed_token(server)
        assert f"curl -H 'Authorization: Bearer {token}'" in server.stderr()
        status, _, body = server.call(
            "GET", "/api/accounts", headers={"Authorization": f"Bearer {token}"}
        )
        assert (status, body) == (200, {"accounts": [], "total": 0})

    def test_secret_never_appears_in_the_output(self, server: ServerProcess) -> None:
        """Logs carry no secret."""
        secret = (server.cwd / ".env").read_text().split("SECRET_KEY=")[1].strip()
        assert secret not in server.stderr()


class TestOverHttp:
    def test_health(self, server: ServerProcess) -> None:
        """GET /health answers healthy with a version."""
        status, _, body = server.call("GET", "/health")
        assert (status, body["status"]) == (200, "healthy")

    def test_trailing_slash_without_redirect(self, server: ServerProcess) -> None:
        """/api/accounts/ answers 200 itself, no 3xx."""
        auth = {"Authorization": f"Bearer {printed_token(server)}"}
        assert server.call("GET", "/api/accounts/", headers=auth)[0] == 200

    def test_ten_concurrent_requests_with_one_key_create_one_account(
        self, server: ServerProcess
    ) -> None:
        """Ten simultaneous POSTs with one Idempotency-Key store exactly one account."""
        headers = {
            "Authorization": f"Bearer {printed_token(server)}",
            "Idempotency-Key": "concurrent-1",
        }
        body = {"name": "Race", "initial_balance": "1.00"}
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(
                pool.map(lambda _: server.call("POST", "/api/accounts", body, headers), range(10))
            )
        statuses = sorted(status for status, _, _ in answers)
        assert set(statuses) <= {201, 409}
        assert 201 in statuses
        _, _, listing = server.call("GET", "/api/accounts", headers=headers)
        assert [a["name"] for a in listing["accounts"]].count("Race") == 1


class TestStartupChecks:
    def test_short_secret_stops_start_up(self, tmp_path: Path) -> None:
        """SECRET_KEY under 32 bytes exits non-zero with a message naming RFC 7518."""
        process = ServerProcess(tmp_path, env={"SECRET_KEY": "short"})
        code = process.process.wait(timeout=60)
        process.stop()
        assert code != 0
        assert "RFC 7518" in process.stderr()
