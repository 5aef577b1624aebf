"""Figure 5: HTTP throughput of ``finance-planner serve`` against the framework's ceiling.

The real server runs as a user would start it (``finance-planner serve`` with
several workers) on SQLite and on PostgreSQL, each with one account of seeded
transactions. The ceiling is ``bench.ceiling_app``: the same routes answered
with fixed bodies of the real answers' size, under the same server (granian,
four threads a worker) with the same workers. Targets take turns on every
route and repeat, so load drift hits all.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from bench import loadgen, sqlite_ref
from bench.books import OWNER, fixed_clock, unique_tenant
from bench.data import row_fields
from bench.harness import Figure, Sizes, median, ratio
from finance_core import open_ledger
from finance_core.bootstrap import utc_now
from finance_core.tenancy import Role
from finance_http.tokens import issue_token

Log = Callable[[str], None]
STARTUP_TIMEOUT: Final = 60.0
CEILING: Final = "ceiling"
#: The server ``finance-planner serve`` runs (``finance_http.server``); the
#: ceiling runs under it too, so the ratio is the app's share of one server.
SERVE_SERVER: Final = "granian-threads"
ROUTES: Final = (
    "GET account",
    "GET transactions",
    "GET transactions, no total",
    "POST transaction",
)
#: The issue's goals, as shares of the ceiling on the same route: a page of 100
#: rows is held to half the account's share, and a POST, whose durable commit
#: is its floor, to a tenth.
GOALS: Final = {
    "GET account": 0.50,
    "GET transactions": 0.25,
    "GET transactions, no total": 0.25,
    "POST transaction": 0.10,
}
POST_BODY: Final = {"amount": "-4.20", "date": "2026-01-14", "category": "dining"}


@attrs.define
class Target:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    account_id: int
    token: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def command() -> list[str]:
    script = Path(sys.executable).with_name("finance-planner")
    found = str(script) if script.exists() else shutil.which("finance-planner")
    if found is None:
        raise RuntimeError("the finance-planner command is not installed (pip install -e .)")
    return [found]


def environment(secret: str, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SECRET_KEY=secret, DATABASE_URL=url, LOG_LEVEL="WARNING")
    return env


def seed(url: str, tenant_id: str, rows: int) -> int:
    ledger = open_ledger(url, clock=fixed_clock)
    try:
        principal, _ = ledger.provision(tenant_id, OWNER, Role.OWNER)
        account = ledger.open_account(principal, "Checking", "checking")
        items = [
            {
                "amount": Decimal(cents).scaleb(-2),
                "date": day,
                "category": category,
                "description": description,
                "merchant": merchant,
            }
            for day, cents, description, merchant, category in row_fields(rows)
        ]
        for start in range(0, len(items), 1000):
            ledger.post_batch(principal, account.id, items[start : start + 1000])
        return account.id
    finally:
        ledger.storage.close()


def _wait_ready(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not start: {log_path.read_text()[-2000:]}")


def _start_service(name: str, url: str, secret: str, sizes: Sizes, work: Path) -> Target:
    """Seed the books, get a token and start the server (without waiting for it)."""
    tenant_id = unique_tenant("bench-http")
    env = environment(secret, url)
    if url.startswith("postgresql"):
        subprocess.run(
            [*command(), "migrate", "--database-url", url],
            env=env,
            cwd=work,
            check=True,
            capture_output=True,
        )
    account_id = seed(url, tenant_id, sizes.http_seed_rows)
    # What ``finance-planner token`` prints, without starting another interpreter.
    token = issue_token(
        secret, sub=OWNER, tenant_id=tenant_id, role=Role.OWNER, now=utc_now(), minutes=180
    )
    port = free_port()
    serve = [*command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with _log_path(work, name).open("wb") as out:
        process = subprocess.Popen(
            [*serve, "--workers", str(sizes.http_workers)],
            env=env,
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Target(name, port, process, account_id, token)


def _log_path(work: Path, name: str) -> Path:
    return work / f"server-{name}.log"


def _start_ceiling(bodies: Path, workers: int, work: Path, first: Target) -> Target:
    """The fixed-body app under the server ``finance-planner serve`` runs."""
    port = free_port()
    log_path = work / "server-ceiling.log"
    ceiling = [sys.executable, "-m", "bench.server_app", "--server", SERVE_SERVER]
    ceiling += ["--port", str(port), "--workers", str(workers)]
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [*ceiling, "--app", "fixed", "--bodies", str(bodies)],
            cwd=Path(__file__).parent.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    target = Target(CEILING, port, process, first.account_id, first.token)
    wait_for_route(target, log_path)
    return target


def wait_for_route(target: Target, log_path: Path) -> None:
    """Wait until ``target`` answers its account route (fixed-body and real apps alike)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if target.process.poll() is not None:
            raise RuntimeError(f"{target.name} exited: {log_path.read_text()[-2000:]}")
        try:
            _fetch(_request(target, "GET account"))
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{target.name} did not start: {log_path.read_text()[-2000:]}")


def write_bodies(target: Target, path: Path) -> None:
    """The real answers of ``target``, for the fixed-body app to send."""
    bodies = {
        "account": _fetch(_request(target, "GET account")),
        "transactions": _fetch(_request(target, "GET transactions")),
        "posted": _fetch(_request(target, "POST transaction")),
    }
    path.write_text(json.dumps(bodies))


def _request(target: Target, route: str) -> loadgen.Request:
    base = f"http://127.0.0.1:{target.port}"
    headers = {"Authorization": f"Bearer {target.token}"}
    if route == "GET account":
        return loadgen.Request("GET", f"{base}/api/accounts/{target.account_id}", headers)
    if route == "GET transactions":
        return loadgen.Request("GET", f"{base}/api/transactions?limit=100", headers)
    if route == "GET transactions, no total":
        return loadgen.Request("GET", f"{base}/api/transactions?limit=100&total=false", headers)
    body = json.dumps({"account_id": target.account_id, **POST_BODY}).encode()
    headers["Content-Type"] = "application/json"
    return loadgen.Request("POST", f"{base}/api/transactions", headers, body)


def _fetch(request: loadgen.Request) -> str:
    sent = urllib.request.Request(
        request.url, data=request.body or None, headers=request.headers, method=request.method
    )
    with urllib.request.urlopen(sent, timeout=10) as response:
        body: bytes = response.read()
    return body.decode()


def stop(targets: list[Target]) -> None:
    """Quick shutdown (SIGINT) of every server at once; the measuring is over."""
    running = [t.process for t in targets if t.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGINT)
    for process in running:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(
    sizes: Sizes, work: Path, postgres: str | None, log: Log
) -> tuple[list[Figure], dict[str, Any]]:
    secret = secrets.token_urlsafe(48)
    http_db = work / "http.db"
    sqlite_ref.remove_database(http_db)
    backends = [("SQLite", f"sqlite:///{http_db}")]
    if postgres:
        backends.append(("PostgreSQL", postgres))
    targets: list[Target] = []
    try:
        for name, url in backends:
            targets.append(_start_service(name, url, secret, sizes, work))
        for target in targets:
            _wait_ready(target.port, target.process, _log_path(work, target.name))
            log(
                f"  {target.name}: serving on port {target.port} with {sizes.http_workers} "
                f"workers, {sizes.http_seed_rows:,} rows seeded"
            )
        first = targets[0]
        bodies = work / "ceiling-bodies.json"
        write_bodies(first, bodies)
        targets.append(_start_ceiling(bodies, sizes.http_workers, work, first))
        results = measure(targets, sizes, work, log)
    finally:
        stop(targets)
    return _figures(results, [name for name, _ in backends], sizes), {
        "tool": loadgen.tool(),
        "workers": sizes.http_workers,
        "connections": sizes.http_connections,
        "seconds_per_run": sizes.http_seconds,
        "seed_rows": sizes.http_seed_rows,
        "runs": {
            f"{name}|{route}": [attrs.asdict(r) for r in runs]
            for (name, route), runs in results.items()
        },
    }


def measure(
    targets: list[Target],
    sizes: Sizes,
    work: Path,
    log: Log,
    routes: tuple[str, ...] = ROUTES,
) -> dict[tuple[str, str], list[loadgen.LoadResult]]:
    results: dict[tuple[str, str], list[loadgen.LoadResult]] = {}
    for repeat in range(sizes.http_repeats):
        for route in routes:
            shift = repeat % len(targets)
            for target in targets[shift:] + targets[:shift]:
                result = loadgen.run(
                    _request(target, route),
                    seconds=sizes.http_seconds,
                    connections=sizes.http_connections,
                    work=work,
                )
                results.setdefault((target.name, route), []).append(result)
                log(
                    f"  {route} on {target.name}: {result.rps:,.0f} req/s, "
                    f"p50 {result.p50 * 1e3:.1f} ms, p99 {result.p99 * 1e3:.1f} ms"
                    + (f", {result.errors} errors" if result.errors else "")
                )
    return results


def _figures(
    results: dict[tuple[str, str], list[loadgen.LoadResult]], backends: list[str], sizes: Sizes
) -> list[Figure]:
    figures = []
    for name in backends:
        for route in ROUTES:
            ours, ceiling = results[(name, route)], results[(CEILING, route)]
            rps, ceiling_rps = median([r.rps for r in ours]), median([r.rps for r in ceiling])
            errors = sum(r.errors for r in ours)
            goal = GOALS[route]
            figures.append(
                Figure(
                    key=f"5.http.{name.lower()}.{route.replace(',', '').replace(' ', '_').lower()}",
                    title=f"5. HTTP {route} ({name})",
                    value=rps,
                    unit="req/s",
                    reference=ceiling_rps,
                    reference_label="fixed-body Falcon app",
                    reference_unit="req/s",
                    ratio=ratio(rps, ceiling_rps),
                    goal=f">= {goal:.2f} of ceiling",
                    direction="at_least",
                    limit=goal,
                    extra_ok=errors == 0,
                    note=(
                        f"p50 {median([r.p50 for r in ours]) * 1e3:.1f} ms, "
                        f"p99 {median([r.p99 for r in ours]) * 1e3:.1f} ms; ceiling "
                        f"p50 {median([r.p50 for r in ceiling]) * 1e3:.1f} ms, "
                        f"p99 {median([r.p99 for r in ceiling]) * 1e3:.1f} ms; "
                        f"{errors} errors; {sizes.http_workers} workers"
                    ),
                    samples=tuple(r.rps for r in ours),
                    reference_samples=tuple(r.rps for r in ceiling),
                )
            )
    return figures
