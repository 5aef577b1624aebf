"""The categorization flow end to end, against a real server process and real storage:
import a bank file, accept suggestions, apply them, and read spending by category."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from http_support import SECRET, ServerProcess, token

from finance_http.jsonio import loads
from finance_storage_sql.plugin import DEFAULT_TEST_DATABASE_URL

#: A bank statement as banks write them: payee and text vary per line.
STATEMENT = """\
Date,Amount,Payee,Description
2026-03-02,-54.20,Tesco,CARD 4411 TESCO STORES 2231
2026-03-05,-12.10,Tesco,CARD 4411 TESCO STORES 2231
2026-03-09,-40.00,Shell,SHELL 0098 FUEL
2026-03-12,-33.35,Tesco,CARD 4411 TESCO STORES 1187
2026-03-15,-45.00,Shell,SHELL 0121 FUEL
2026-03-19,-61.75,Tesco,CARD 4411 TESCO STORES 2231
2026-03-22,-38.90,Shell,SHELL 0098 FUEL
2026-03-25,-50.00,Shell,SHELL 0077 FUEL
2026-03-28,-9.99,Streamflix,STREAMFLIX MONTHLY
2026-03-30,-19.00,Tesco,CARD 4411 TESCO STORES 1187
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Two worker processes on the test PostgreSQL database (schema migrated by the suite)."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    cwd: Path = tmp_path_factory.mktemp("rules-flow")
    process = ServerProcess(cwd, workers=2, env={"DATABASE_URL": url, "SECRET_KEY": SECRET})
    process.wait_ready()
    yield process
    process.stop()


def test_suggested_rules_leave_no_covered_merchant_uncategorized(server: ServerProcess) -> None:
    """Import, categorize three by hand, accept the suggestions, apply, report by category."""
    tenant = f"flow-{os.getpid()}-{id(server)}"
    auth = {"Authorization": f"Bearer {token(sub='flow', tenant=tenant)}"}

    def call(method: str, path: str, body: Any = None, **headers: str) -> Any:
        status, _, answer = server.call(method, path, body, {**auth, **headers})
        assert status < 300, (status, answer)
        return answer

    account = call("POST", "/api/accounts", {"name": "Current", "initial_balance": "1000.00"})
    query = urlencode({"account_id": account["id"], "format": "csv"})
    imported = _post_raw(server, f"/api/imports?{query}", STATEMENT.encode(), auth)
    assert imported["created"] == 10
    rows = call("GET", f"/api/transactions?account_id={account['id']}&limit=100")["transactions"]
    assert {t["category"] for t in rows} == {"uncategorized"}

    # A person categorizes three of each merchant by hand.
    hand = {"Tesco": "groceries", "Shell": "fuel"}
    for merchant, category in hand.items():
        for txn in [t for t in rows if t["merchant"] == merchant][:3]:
            call("PATCH", f"/api/transactions/{txn['id']}", {"category": category})

    suggestions = call("GET", "/api/rules/suggestions")["suggestions"]
    by_merchant = [s for s in suggestions if s["rule"]["conditions"]["field"] == "merchant"]
    assert sorted(s["rule"]["actions"][0]["value"] for s in by_merchant) == ["fuel", "groceries"]
    for suggestion in by_merchant:
        call("POST", "/api/rules", suggestion["rule"])

    dry = call("POST", "/api/rules/apply", {"dry_run": True})
    assert dry["changed"] == 3  # two Tesco rows and one Shell row were left to the rules
    applied = call("POST", "/api/rules/apply", {"dry_run": False})
    assert applied["changes"] == dry["changes"]

    report = call("GET", "/api/reports/spending?group_by=category&period=month")["rows"]
    totals = {row["group"]: row["total"] for row in report}
    assert totals == {
        "groceries": Decimal("180.40"),
        "fuel": Decimal("173.90"),
        "uncategorized": Decimal("9.99"),
    }


def _post_raw(server: ServerProcess, path: str, body: bytes, auth: dict[str, str]) -> Any:
    """POST a raw (non-JSON) body, as a bank file upload is sent."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={**auth, "Content-Type": "text/csv"})
        response = connection.getresponse()
        text = response.read()
        assert response.status == 201, text
        return loads(text)
    finally:
        connection.close()
