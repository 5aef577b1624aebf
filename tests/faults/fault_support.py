"""Helpers for fault tests: a caller of the real server, a throwaway PostgreSQL cluster,
a small filesystem, and the server's worker processes.

Everything here talks to 127.0.0.1 only, and every helper that makes a process,
a mount or a cluster removes it again in a ``finally``.
"""

from __future__ import annotations

import glob
import http.client
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from http_support import SECRET, ServerProcess, free_port, token

from finance_http.jsonio import dumps, loads


@attrs.frozen
class Answer:
    """One HTTP exchange as the client saw it (header names in lower case); status 0 when no
    answer came."""

    status: int
    headers: Mapping[str, str]
    body: Any


class Caller:
    """One authenticated caller of a real server."""

    def __init__(self, port: int, sub: str, tenant: str, *, timeout: float = 60) -> None:
        self.port = port
        self.bearer = token(sub, tenant, "OWNER", minutes=60)
        self.timeout = timeout

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Answer:
        headers = {"Authorization": f"Bearer {self.bearer}"}
        if body is not None:
            raw = dumps(body).encode()
        if raw is not None:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=raw, headers=headers)
            response = connection.getresponse()
            text = response.read()
            json_body = response.getheader("Content-Type", "").endswith("json")
            headers = {name.lower(): value for name, value in response.getheaders()}
            return Answer(response.status, headers, loads(text) if text and json_body else text)
        except OSError:
            # Refused or timed out: the request may not have reached the service.
            return Answer(0, {}, None)
        finally:
            connection.close()

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        """A call that must succeed; its decoded body."""
        answer = self.call(method, path, body)
        assert 200 <= answer.status < 300, (method, path, answer)
        return answer.body

    def transactions(self, account_id: int) -> list[dict[str, Any]]:
        """Every stored transaction of one account, page by page."""
        rows: list[dict[str, Any]] = []
        path = f"/api/transactions?account_id={account_id}&limit=500"
        cursor: str | None = None
        while True:
            page = self.ok("GET", path + (f"&cursor={cursor}" if cursor else ""))
            rows.extend(page["transactions"])
            cursor = page.get("next_cursor")
            if not cursor:
                return rows

    def balance_matches_transactions(self, account_id: int) -> tuple[Decimal, Decimal]:
        """(stored balance, initial balance plus the sum of the stored transactions)."""
        account = self.ok("GET", f"/api/accounts/{account_id}")
        total = sum((Decimal(str(t["amount"])) for t in self.transactions(account_id)), Decimal(0))
        return Decimal(str(account["balance"])), Decimal(str(account["initial_balance"])) + total


def start_server(cwd: Path, database_url: str, *, workers: int = 2) -> ServerProcess:
    server = ServerProcess(
        cwd, workers=workers, env={"DATABASE_URL": database_url, "SECRET_KEY": SECRET}
    )
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_server(cwd: Path, database_url: str, *, workers: int = 2) -> Iterator[ServerProcess]:
    server = start_server(cwd, database_url, workers=workers)
    try:
        yield server
    finally:
        server.stop()


# -- processes --------------------------------------------------------------------------
def worker_pids(server: ServerProcess) -> list[int]:
    """The gunicorn workers: the children of the server's master process."""
    pid = server.process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return sorted(int(child) for child in children)


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


# -- a throwaway PostgreSQL cluster ---------------------------------------------------------
def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    located = shutil.which(name)
    assert located, f"{name} not found: install the PostgreSQL server binaries"
    return located


class ThrowawayCluster:
    """A private PostgreSQL server in a temporary directory, on a free port of 127.0.0.1.

    Run as the ``postgres`` user when the tests run as root (PostgreSQL refuses root).
    """

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="finance-pg-"))
        self.data = self.home / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/finance"
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def create(self) -> None:
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"
        )
        self.start()
        self._run(
            _pg_bin("createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "finance",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.home / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def throwaway_cluster() -> Iterator[ThrowawayCluster]:
    cluster = ThrowawayCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()


# -- a small filesystem ----------------------------------------------------------------------
@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A size-limited tmpfs mounted at ``path`` (needs root), unmounted at the end."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "finance-test", str(path)],
        check=True,
        stderr=subprocess.PIPE,
    )
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], stderr=subprocess.DEVNULL).returncode:
            # Still busy (a process failed to stop): detach it now, freed when released.
            subprocess.run(["umount", "--lazy", str(path)], check=True)


def fill_up(path: Path) -> Path:
    """Write a file in ``path`` until the filesystem has no space left; returns the file."""
    filler = path / "filler"
    block = b"\0" * (64 * 1024)
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(block)
        except OSError:
            pass
        # Take the last partial blocks too.
        try:
            while True:
                handle.write(b"\0" * 512)
        except OSError:
            pass
    return filler


# -- traffic ----------------------------------------------------------------------------------
@attrs.frozen
class Outcome:
    """What one request of a load thread got."""

    thread: int
    kind: str
    answer: Answer


class WriteLoad:
    """Writers posting -1.00 transactions and readers reading the balance, until stopped.

    Each thread sends at most ``limit`` requests, so the load ends by itself.
    """

    def __init__(
        self,
        caller: Caller,
        account_id: int,
        *,
        writers: int = 4,
        readers: int = 2,
        limit: int = 2000,
    ) -> None:
        self.caller = caller
        self.account_id = account_id
        self.limit = limit
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(i, i < writers), daemon=True)
            for i in range(writers + readers)
        ]

    def __enter__(self) -> WriteLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def _run(self, index: int, writer: bool) -> None:
        for n in range(self.limit):
            if self._stop.is_set():
                return
            if writer:
                body = {
                    "account_id": self.account_id,
                    "amount": "-1.00",
                    "date": "2026-02-01",
                    "category": "load",
                    "description": f"writer {index} request {n}",
                }
                outcome = Outcome(
                    index, "write", self.caller.call("POST", "/api/transactions", body)
                )
            else:
                answer = self.caller.call("GET", f"/api/accounts/{self.account_id}")
                outcome = Outcome(index, "read", answer)
            with self._lock:
                self.outcomes.append(outcome)

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)

    def acknowledged_writes(self) -> set[int]:
        return {
            o.answer.body["id"]
            for o in self.snapshot()
            if o.kind == "write" and o.answer.status == 201
        }

    def statuses(self) -> set[int]:
        return {o.answer.status for o in self.snapshot()}

    def unavailable(self) -> list[Answer]:
        return [o.answer for o in self.snapshot() if o.answer.status == 503]
