"""Reconciling through a real ``finance-planner serve`` process on PostgreSQL, over real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from http_support import SECRET, ServerProcess, token

from finance_storage_sql.plugin import DEFAULT_TEST_DATABASE_URL


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    cwd: Path = tmp_path_factory.mktemp("reconcile")
    process = ServerProcess(cwd, workers=2, env={"SECRET_KEY": SECRET, "DATABASE_URL": url})
    process.wait_ready()
    yield process
    process.stop()


class TestReconcileOverHttp:
    def test_reconcile_lock_refuse_and_unlock(self, server: ServerProcess) -> None:
        """201 locks the day (409 on change), 422 tells the difference, DELETE unlocks."""
        tenant = f"rec-{os.getpid()}-{id(server)}"
        auth = {"Authorization": f"Bearer {token('owner', tenant)}"}

        def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
            status, _, answer = server.call(method, path, body, headers=auth)
            return status, answer

        status, account = call("POST", "/api/accounts", {"name": "Giro", "initial_balance": "50"})
        assert status == 201, account
        base = f"/api/accounts/{account['id']}/reconciliations"
        status, txn = call(
            "POST",
            "/api/transactions",
            {"account_id": account["id"], "amount": "-5", "date": "2024-03-01", "category": "c"},
        )
        assert status == 201, txn
        status, refused = call("POST", base, {"date": "2024-03-01", "balance": "50"})
        assert (status, refused["difference"]) == (422, D("5.00"))
        status, made = call("POST", base, {"date": "2024-03-01", "balance": "45"})
        assert status == 201, made
        status, problem = call("DELETE", f"/api/transactions/{txn['id']}")
        assert status == 409 and problem["reconciliation"]["id"] == made["id"]
        assert call("DELETE", f"{base}/{made['id']}")[0] == 204
        assert call("DELETE", f"/api/transactions/{txn['id']}")[0] == 204
