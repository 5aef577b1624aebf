"""Where a request's time goes: the WSGI app called in process, no server, no network.

``python -m bench.request_path [--rows N] [--postgres-url URL]`` calls the real
app (``finance_http.create_app``) directly with a WSGI environ for each route
of figure 5, on the memory backend, a SQLite file and (given a URL)
PostgreSQL, beside two references: the fixed-body app of figure 5 (what the
framework costs) and, for GET account, a bare Falcon responder that runs the
same two reads on ``sqlite3`` itself (what the work costs without the
service's layers). Samples are interleaved; the table shows medians in
microseconds per request. This is the profile behind figure 5's ratios; it
sets no goal.
"""

from __future__ import annotations

import argparse
import io
import json
import secrets
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import falcon
from falcon.testing import create_environ

from bench import fig_http
from bench.books import OWNER, unique_tenant
from bench.ceiling_app import create_app as create_fixed_app
from bench.data import row_fields
from bench.harness import median, time_call
from finance_core.bootstrap import utc_now
from finance_core.services import Ledger
from finance_core.tenancy import Role
from finance_http.app import build_dependencies, create_app
from finance_http.settings import load_settings
from finance_http.tokens import issue_token

ROUTES: Final = fig_http.ROUTES
#: A tenant no earlier run used: a PostgreSQL database outlives the run.
TENANT: Final = unique_tenant("request-path")
_SECRET: Final = secrets.token_urlsafe(48)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _seed(ledger: Ledger, rows: int) -> int:
    principal, _ = ledger.provision(TENANT, OWNER, Role.OWNER)
    account = ledger.open_account(principal, "Checking", "checking")
    items = [
        {"amount": Decimal(cents).scaleb(-2), "date": day, "category": category,
         "description": description, "merchant": merchant}
        for day, cents, description, merchant, category in row_fields(rows)
    ]  # fmt: skip
    for start in range(0, len(items), 1000):
        ledger.post_batch(principal, account.id, items[start : start + 1000])
    return account.id


def _service(url: str, rows: int) -> tuple[WsgiApp, int]:
    env = {"SECRET_KEY": _SECRET, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    deps = build_dependencies(load_settings(env, None))
    return create_app(deps), _seed(deps.ledger, rows)


def _environ(route: str, account_id: int, token: str) -> tuple[dict[str, Any], bytes]:
    headers = {"Authorization": f"Bearer {token}"}
    if route == "GET account":
        return create_environ(f"/api/accounts/{account_id}", headers=headers), b""
    if route.startswith("GET transactions"):
        query = "limit=100" + ("&total=false" if route.endswith("no total") else "")
        return create_environ("/api/transactions", query_string=query, headers=headers), b""
    body = json.dumps(
        {"account_id": account_id, "amount": "-4.20", "date": "2026-01-14", "category": "dining"}
    ).encode()
    headers["Content-Type"] = "application/json"
    return create_environ("/api/transactions", method="POST", headers=headers, body=body), body


def _caller(app: WsgiApp, environ: dict[str, Any], body: bytes) -> Callable[[], None]:
    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        statuses.append(status)

    def call() -> None:
        request = dict(environ)
        request["wsgi.input"] = io.BytesIO(body)
        b"".join(app(request, start_response))
        if not statuses.pop().startswith("2"):
            raise RuntimeError(f"{environ['PATH_INFO']} did not succeed")

    return call


def _bare_account_app(path: Path, account_id: int) -> WsgiApp:
    """GET account as the least Python can do it: two reads on sqlite3, json.dumps."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    caller_sql = (
        "SELECT members.role FROM members JOIN users ON users.id = members.user_id "
        "WHERE members.tenant_id = ? AND users.auth_user_id = ?"
    )
    account_sql = (
        "SELECT id, name, account_type, currency, balance_minor, created_at "
        "FROM accounts WHERE tenant_id = ? AND id = ?"
    )

    class Account:
        def on_get(self, req: falcon.Request, resp: falcon.Response, account_id: int) -> None:
            connection.execute("BEGIN")
            role = connection.execute(caller_sql, (TENANT, OWNER)).fetchone()
            row = connection.execute(account_sql, (TENANT, account_id)).fetchone()
            connection.execute("COMMIT")
            if role is None or row is None:
                raise falcon.HTTPNotFound()
            keys = ("id", "name", "account_type", "currency", "balance_minor", "created_at")
            resp.text = json.dumps(dict(zip(keys, row, strict=True)))

    app = falcon.App()
    app.add_route("/api/accounts/{account_id:int}", Account())
    return app


def measure(
    rows: int, postgres: str | None, samples: int, loops: int
) -> dict[str, dict[str, float]]:
    token = issue_token(_SECRET, sub=OWNER, tenant_id=TENANT, role=Role.OWNER, now=utc_now())
    with tempfile.TemporaryDirectory() as work:
        sqlite_path = Path(work) / "path.db"
        targets: dict[str, tuple[WsgiApp, int]] = {
            "memory": _service("memory://", rows),
            "SQLite": _service(f"sqlite:///{sqlite_path}", rows),
        }
        if postgres:
            from finance_storage_sql.migrations.run import migrate_url

            migrate_url(postgres)
            targets["PostgreSQL"] = _service(postgres, rows)
        fixed_bodies = {"account": "{}", "transactions": "{}", "posted": "{}"}
        targets["fixed body"] = (create_fixed_app(fixed_bodies), 1)
        bare = _bare_account_app(sqlite_path, targets["SQLite"][1])
        calls: dict[tuple[str, str], Callable[[], None]] = {}
        for route in ROUTES:
            for name, (app, account_id) in targets.items():
                calls[(name, route)] = _caller(app, *_environ(route, account_id, token))
        calls[("bare sqlite3", "GET account")] = _caller(
            bare, *_environ("GET account", targets["SQLite"][1], token)
        )
        times: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
        for call in calls.values():
            call()
        for sample in range(samples):
            order = list(calls.items())
            if sample % 2:
                order.reverse()
            for key, call in order:
                times[key].append(time_call(call, loops=loops))
    table: dict[str, dict[str, float]] = {}
    for (name, route), values in times.items():
        table.setdefault(route, {})[name] = median(values) * 1e6
    return table


def render(table: dict[str, dict[str, float]]) -> str:
    names = ["fixed body", "bare sqlite3", "memory", "SQLite", "PostgreSQL"]
    present = [n for n in names if any(n in row for row in table.values())]
    lines = ["| route | " + " | ".join(present) + " |", "|---" * (len(present) + 1) + "|"]
    for route, row in table.items():
        cells = [f"{row[n]:,.0f} µs" if n in row else "-" for n in present]
        lines.append(f"| {route} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the account")
    parser.add_argument("--postgres-url", default=None, help="also measure this database")
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--loops", type=int, default=200, help="calls per sample")
    args = parser.parse_args(argv)
    print(render(measure(args.rows, args.postgres_url, args.samples, args.loops)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
