"""Planning over real HTTP: a real ``finance-planner serve`` with several workers."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from http_support import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("planning-serve"), workers=3)
    process.wait_ready()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def auth(server: ServerProcess) -> dict[str, str]:
    match = re.search(r"Development token.*?\n\n(\S+)\n", server.stderr(), re.S)
    assert match, server.stderr()
    return {"Authorization": f"Bearer {match.group(1)}"}


class TestPostDueOverHttp:
    def test_concurrent_post_due_requests_post_once(
        self, server: ServerProcess, auth: dict[str, str]
    ) -> None:
        """Eight simultaneous post-due calls across three workers post today's rent once."""
        _, _, account = server.call(
            "POST", "/api/accounts", {"name": "Rent account", "initial_balance": "900"}, auth
        )
        today = datetime.now(UTC).date().isoformat()
        status, _, _ = server.call(
            "POST",
            "/api/schedules",
            {"name": "Rent", "account_id": account["id"], "amount": "-450", "category": "rent",
             "start_date": today, "freq": "monthly", "auto_post": True},
            auth,
        )  # fmt: skip
        assert status == 201
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(
                pool.map(
                    lambda _: server.call("POST", "/api/schedules/post-due", None, auth), range(8)
                )
            )
        assert {status for status, _, _ in answers} <= {200, 409}
        assert sum(body["count"] for status, _, body in answers if status == 200) == 1
        _, _, listing = server.call(
            "GET", f"/api/transactions?account_id={account['id']}", None, auth
        )
        assert [t["amount"] for t in listing["transactions"]] == [-450]

    def test_the_forecast_chart_is_served(
        self, server: ServerProcess, auth: dict[str, str]
    ) -> None:
        """GET /api/forecast?format=svg answers an SVG document."""
        request = urllib.request.Request(
            server.base + "/api/forecast?days=30&format=svg", headers=auth
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.headers["Content-Type"].startswith("image/svg+xml")
            assert response.read().startswith(b"<svg")
