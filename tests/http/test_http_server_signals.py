"""The real ``finance-planner serve``: graceful stop, graceful restart and the request log."""

from __future__ import annotations

import http.client
import re
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from http_support import ServerProcess

#: Bounds for waiting on the server; the tests never assert a duration.
PATIENCE = 60.0


def workers_of(server: ServerProcess) -> set[int]:
    """The worker processes: the serving process's children."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def status_of(server: ServerProcess, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


class Traffic:
    """GET /health in a loop on one thread until stopped; records what came back."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.statuses: list[int] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            try:
                connection.request("GET", "/health")
                response = connection.getresponse()
                response.read()
                self.statuses.append(response.status)
            except ConnectionRefusedError:
                # Only after the listening socket closed, which a stop does at once.
                self.failures.append("refused")
            except (ConnectionResetError, http.client.RemoteDisconnected):
                # A connection still in the listen backlog when a stop closes it.
                self.failures.append("reset")
            except (OSError, http.client.HTTPException) as exc:
                self.failures.append(type(exc).__name__)
            finally:
                connection.close()

    def __enter__(self) -> Traffic:
        self._thread.start()
        wait_until(lambda: len(self.statuses) >= 5, "the first answers")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(PATIENCE)


@pytest.fixture
def server(tmp_path: Path) -> ServerProcess:
    process = ServerProcess(tmp_path, workers=2)
    process.wait_ready()
    return process


class TestGracefulStop:
    def test_sigterm_exits_cleanly(self, server: ServerProcess) -> None:
        """SIGTERM stops the server with exit status 0 and no worker left behind."""
        workers = workers_of(server)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=PATIENCE) == 0
        server.stop()
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid)

    def test_sigterm_under_load_answers_every_accepted_request(self, server: ServerProcess) -> None:
        """Requests under way when SIGTERM comes are answered; later ones are refused."""
        with Traffic(server) as traffic:
            server.process.send_signal(signal.SIGTERM)
            assert server.process.wait(timeout=PATIENCE) == 0
            wait_until(lambda: bool(traffic.failures), "the listening socket to close")
        server.stop()
        assert set(traffic.statuses) == {200}
        assert "refused" in traffic.failures
        assert set(traffic.failures) <= {"refused", "reset"}


class TestGracefulRestart:
    def test_sighup_replaces_every_worker(self, server: ServerProcess) -> None:
        """After SIGHUP the same server runs with new worker processes."""
        before = workers_of(server)
        server.process.send_signal(signal.SIGHUP)
        wait_until(lambda: len(workers_of(server) - before) == len(before), "new workers")
        wait_until(lambda: not workers_of(server) & before, "the old workers to stop")
        assert server.process.poll() is None
        assert server.call("GET", "/health")[0] == 200
        server.stop()

    def test_sighup_under_load_drops_no_request(self, server: ServerProcess) -> None:
        """Every request sent while the workers are replaced is answered 200."""
        before = workers_of(server)
        with Traffic(server) as traffic:
            server.process.send_signal(signal.SIGHUP)
            wait_until(lambda: not workers_of(server) & before, "the old workers to stop")
            answered = len(traffic.statuses)
            wait_until(lambda: len(traffic.statuses) > answered + 5, "answers from new workers")
        server.stop()
        assert traffic.failures == []
        assert set(traffic.statuses) == {200}

    def test_sighup_reads_the_settings_again(self, server: ServerProcess) -> None:
        """A setting changed in .env applies after SIGHUP (here: the docs page goes away)."""
        assert status_of(server, "/docs") == 200
        with (server.cwd / ".env").open("a") as env:
            env.write("DOCS_ENABLED=false\n")
        before = workers_of(server)
        server.process.send_signal(signal.SIGHUP)
        wait_until(lambda: not workers_of(server) & before, "the old workers to stop")
        assert status_of(server, "/docs") == 404
        server.stop()


class TestRequestLog:
    def test_one_line_per_request_without_the_token(self, server: ServerProcess) -> None:
        """Each request logs one line: method, path, status, time, request id, tenant."""
        secret_header = {"Authorization": "Bearer not-a-real-token", "X-Request-ID": "trace-42"}
        server.call("GET", "/api/accounts", headers=secret_header)
        wait_until(lambda: "trace-42" in server.stderr(), "the request's log line")
        server.stop()
        lines = [line for line in server.stderr().splitlines() if "trace-42" in line]
        assert len(lines) == 1
        assert re.search(r"GET /api/accounts 401 [\d.]+ms request_id=trace-42 tenant=-", lines[0])
        assert "not-a-real-token" not in server.stderr()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"
