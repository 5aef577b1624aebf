"""Figure 12: which WSGI server, measured on the fixed-body app and on the real routes.

Every candidate in ``bench.server_app.SERVERS`` serves three apps at once: the
fixed-body app, the real service on SQLite and the real service on
PostgreSQL, all with one worker per core. Every (server, app) pair answers
every route in turn, shifted each repeat, so load drift hits all alike. The
table gives each server's rate against gunicorn's sync workers on the same app
and route, and the real routes against the fixed-body app on the same server.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import attrs

from bench import fig_http, loadgen, sqlite_ref
from bench.books import OWNER, unique_tenant
from bench.fig_http import Log, Target
from bench.harness import Figure, Sizes, median, ratio
from bench.server_app import SERVERS
from finance_core.bootstrap import utc_now
from finance_core.tenancy import Role
from finance_http.tokens import issue_token

BASELINE: Final = "gunicorn-sync"
FIXED: Final = "fixed"
#: The server choice is made on the three routes of the issue.
ROUTES: Final = ("GET account", "GET transactions", "POST transaction")


@attrs.frozen
class Books:
    name: str
    url: str
    account_id: int
    token: str


def _books(name: str, url: str, secret: str, sizes: Sizes, work: Path) -> Books:
    env = fig_http.environment(secret, url)
    if url.startswith("postgresql"):
        subprocess.run(
            [*fig_http.command(), "migrate", "--database-url", url],
            env=env,
            cwd=work,
            check=True,
            capture_output=True,
        )
    tenant_id = unique_tenant("bench-servers")
    account_id = fig_http.seed(url, tenant_id, sizes.http_seed_rows)
    token = issue_token(
        secret, sub=OWNER, tenant_id=tenant_id, role=Role.OWNER, now=utc_now(), minutes=180
    )
    return Books(name, url, account_id, token)


def _start(
    server: str, app: str, books: Books, secret: str, workers: int, work: Path, bodies: Path
) -> Target:
    port = fig_http.free_port()
    name = f"{server}|{app}"
    log_path = work / f"server-{server}-{app}.log"
    env = fig_http.environment(secret, books.url)
    command = [sys.executable, "-m", "bench.server_app", "--server", server]
    command += ["--port", str(port), "--workers", str(workers), "--app"]
    command += ["fixed", "--bodies", str(bodies)] if app == FIXED else ["real"]
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=Path(__file__).parent.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    target = Target(name, port, process, books.account_id, books.token)
    fig_http.wait_for_route(target, log_path)
    return target


def run(
    sizes: Sizes, work: Path, postgres: str | None, log: Log
) -> tuple[list[Figure], dict[str, Any]]:
    secret = secrets.token_urlsafe(48)
    workers = os.cpu_count() or 1
    db = work / "servers.db"
    sqlite_ref.remove_database(db)
    books = [_books("SQLite", f"sqlite:///{db}", secret, sizes, work)]
    if postgres:
        books.append(_books("PostgreSQL", postgres, secret, sizes, work))
    bodies = work / "servers-bodies.json"
    targets: list[Target] = []
    try:
        first = _start(BASELINE, books[0].name, books[0], secret, workers, work, bodies)
        targets.append(first)
        fig_http.write_bodies(first, bodies)
        for server in SERVERS:
            for app in (FIXED, *(b.name for b in books)):
                if (server, app) != (BASELINE, books[0].name):
                    owner = next((b for b in books if b.name == app), books[0])
                    targets.append(_start(server, app, owner, secret, workers, work, bodies))
        log(f"  {len(targets)} servers up, {workers} workers each")
        runs = attrs.evolve(
            sizes, http_seconds=sizes.server_seconds, http_repeats=sizes.server_repeats
        )
        results = fig_http.measure(targets, runs, work, log, ROUTES)
    finally:
        fig_http.stop(targets)
    apps = [FIXED, *(b.name for b in books)]
    return _figures(results, apps, workers), {
        "tool": loadgen.tool(),
        "workers": workers,
        "connections": sizes.http_connections,
        "seconds_per_run": sizes.server_seconds,
        "seed_rows": sizes.http_seed_rows,
        "servers": list(SERVERS),
        "runs": {
            f"{name}|{route}": [attrs.asdict(r) for r in runs]
            for (name, route), runs in results.items()
        },
    }


def _figures(
    results: dict[tuple[str, str], list[loadgen.LoadResult]], apps: list[str], workers: int
) -> list[Figure]:
    figures = []
    for app in apps:
        for route in ROUTES:
            baseline = median([r.rps for r in results[(f"{BASELINE}|{app}", route)]])
            for server in SERVERS:
                runs = results[(f"{server}|{app}", route)]
                rps = median([r.rps for r in runs])
                fixed = median([r.rps for r in results[(f"{server}|{FIXED}", route)]])
                figures.append(
                    Figure(
                        key=f"12.servers.{server}.{app.lower()}.{route.replace(' ', '_').lower()}",
                        title=f"12. {route}, {app} app, {server}",
                        value=rps,
                        unit="req/s",
                        reference=baseline,
                        reference_label=f"{BASELINE}, same app and route",
                        reference_unit="req/s",
                        ratio=ratio(rps, baseline),
                        goal="- (reported)",
                        note=(
                            f"{ratio(rps, fixed):.2f} of the fixed-body app on {server}; "
                            f"p50 {median([r.p50 for r in runs]) * 1e3:.1f} ms, "
                            f"p99 {median([r.p99 for r in runs]) * 1e3:.1f} ms; "
                            f"{sum(r.errors for r in runs)} errors; {workers} workers"
                        ),
                        samples=tuple(r.rps for r in runs),
                    )
                )
    return figures


def table(details: dict[str, Any]) -> str:
    """Requests per second of every server on every app and route, and the ratios."""
    runs: dict[str, list[dict[str, Any]]] = details.get("runs", {})
    rates = {key: median([r["rps"] for r in values]) for key, values in runs.items()}
    errors = {key: sum(r["errors"] for r in values) for key, values in runs.items()}
    apps = sorted({key.split("|")[1] for key in rates}, key=lambda a: (a != FIXED, a))
    lines = [
        f"Server comparison: {details.get('tool')}, {details.get('connections')} connections, "
        f"{details.get('workers')} workers each, {details.get('seconds_per_run')} s per run, "
        f"medians; x = against {BASELINE}, of fixed = against the fixed-body app on the same "
        "server",
        "",
        "| route | app | " + " | ".join(details.get("servers", [])) + " |",
        "|---|---|" + "---|" * len(details.get("servers", [])),
    ]
    for route in ROUTES:
        for app in apps:
            cells = []
            base = rates.get(f"{BASELINE}|{app}|{route}")
            for server in details.get("servers", []):
                rps = rates.get(f"{server}|{app}|{route}")
                if rps is None:
                    cells.append("-")
                    continue
                cell = f"{rps:,.0f} ({ratio(rps, base or rps):.2f}x"
                fixed = rates.get(f"{server}|{FIXED}|{route}")
                if app != FIXED and fixed:
                    cell += f", {ratio(rps, fixed):.2f} of fixed"
                bad = errors.get(f"{server}|{app}|{route}", 0)
                cells.append(cell + (f", {bad} errors)" if bad else ")"))
            lines.append(f"| {route} | {app} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
