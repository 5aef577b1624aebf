"""A running server rides out PostgreSQL killing its connections and restarting."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fault_support import (
    Answer,
    Caller,
    ThrowawayCluster,
    WriteLoad,
    running_server,
    throwaway_cluster,
    wait_for,
    worker_pids,
)
from sqlalchemy import create_engine, text

from finance_storage_sql.migrations.run import migrate_url
from finance_storage_sql.plugin import DEFAULT_TEST_DATABASE_URL

PG_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
#: Seconds the throwaway cluster stays down.
OUTAGE = 2.0


def _terminate_backends(url: str, application_name: str) -> int:
    """End the server's connections (only this database's, only this application's)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": application_name},
            ).scalar_one()
            return int(ended)
    finally:
        engine.dispose()


def _report(what: str, load: WriteLoad) -> None:
    outcomes = load.snapshot()
    print(
        f"{what}: {len(outcomes)} requests, {len(load.acknowledged_writes())} writes acknowledged, "
        f"{len(load.unavailable())} answered 503"
    )


def _assert_only_503_with_retry_after(load: WriteLoad) -> None:
    assert load.statuses() <= {200, 201, 503}, load.statuses()
    for answer in load.unavailable():
        assert answer.headers.get("retry-after"), answer
        assert answer.headers["content-type"] == "application/problem+json", answer


def _assert_no_acknowledged_write_lost(caller: Caller, account_id: int, load: WriteLoad) -> None:
    stored = {t["id"] for t in caller.transactions(account_id)}
    assert load.acknowledged_writes() <= stored
    balance, expected = caller.balance_matches_transactions(account_id)
    assert balance == expected == Decimal(1000) - len(stored)


def _write_succeeds(caller: Caller, account_id: int) -> bool:
    body = {"account_id": account_id, "amount": "-1.00", "date": "2026-02-02", "category": "x"}
    answer: Answer = caller.call("POST", "/api/transactions", body)
    return answer.status == 201


class TestConnectionsKilled:
    def test_server_under_load_survives_pg_terminate_backend(self, tmp_path: Path) -> None:
        """Connections ended five times under load: only 503s, no acknowledged write lost."""
        migrate_url(PG_URL)
        name = f"finance-faults-{uuid.uuid4().hex[:12]}"
        with running_server(tmp_path, f"{PG_URL}?application_name={name}") as server:
            caller = Caller(server.port, f"kill-{name}", f"kill-{name}")
            account = caller.ok("POST", "/api/accounts", {"name": "Hot", "initial_balance": "1000"})
            ended = 0
            with WriteLoad(caller, account["id"], limit=300) as load:
                for _ in range(5):
                    time.sleep(0.4)
                    ended += _terminate_backends(PG_URL, name)
                wait_for(lambda: _write_succeeds(caller, account["id"]), 30, "a write after kills")
                time.sleep(0.5)
            _report(f"{ended} connections ended", load)
            assert ended > 0
            _assert_only_503_with_retry_after(load)
            _assert_no_acknowledged_write_lost(caller, account["id"], load)

    def test_idle_connections_ended_between_requests_are_not_seen_by_clients(
        self, tmp_path: Path
    ) -> None:
        """Pooled connections ended while idle are replaced inside the next request: all 2xx."""
        migrate_url(PG_URL)
        name = f"finance-faults-{uuid.uuid4().hex[:12]}"
        with running_server(tmp_path, f"{PG_URL}?application_name={name}") as server:
            caller = Caller(server.port, f"idle-{name}", f"idle-{name}")
            account = caller.ok("POST", "/api/accounts", {"name": "A", "initial_balance": "1000"})
            reads: list[int] = []
            writes: list[bool] = []
            for _ in range(3):
                for _ in range(6):
                    reads.append(caller.call("GET", f"/api/accounts/{account['id']}").status)
                assert _terminate_backends(PG_URL, name) > 0
                writes.extend(_write_succeeds(caller, account["id"]) for _ in range(3))
            assert set(reads) == {200} and all(writes), (reads, writes)


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayCluster]:
    """A PostgreSQL cluster of the tests' own, which they may stop and start."""
    with throwaway_cluster() as made:
        migrate_url(made.url)
        yield made


class TestDatabaseRestart:
    def test_server_under_load_recovers_after_a_restart(
        self, cluster: ThrowawayCluster, tmp_path: Path
    ) -> None:
        """PostgreSQL stopped for two seconds under load: 503s meanwhile, then writes resume."""
        with running_server(tmp_path, cluster.url) as server:
            caller = Caller(server.port, "restart-owner", "restart")
            account = caller.ok("POST", "/api/accounts", {"name": "Hot", "initial_balance": "1000"})
            with WriteLoad(caller, account["id"], limit=2000) as load:
                time.sleep(1)
                cluster.stop()
                try:
                    time.sleep(OUTAGE)
                finally:
                    cluster.start()
                wait_for(
                    lambda: _write_succeeds(caller, account["id"]), 30, "a write after restart"
                )
                time.sleep(1)
            _report(f"restart after {OUTAGE}s down", load)
            assert load.unavailable(), "the outage was never seen"
            _assert_only_503_with_retry_after(load)
            _assert_no_acknowledged_write_lost(caller, account["id"], load)
            assert server.process.poll() is None

    def test_worker_restarted_during_an_outage_waits_for_the_database(
        self, cluster: ThrowawayCluster, tmp_path: Path
    ) -> None:
        """A worker replaced while PostgreSQL is down waits for it; the server never stops."""
        with running_server(tmp_path, cluster.url, workers=1) as server:
            caller = Caller(server.port, "respawn-owner", "respawn", timeout=5)
            account = caller.ok("POST", "/api/accounts", {"name": "A", "initial_balance": "1000"})
            (old,) = worker_pids(server)
            cluster.stop()
            try:
                os.kill(old, signal.SIGKILL)
                wait_for(lambda: "worker waits" in server.stderr(), 30, "the new worker to wait")
                assert server.process.poll() is None
            finally:
                cluster.start()
            wait_for(lambda: _write_succeeds(caller, account["id"]), 60, "the new worker")
            assert worker_pids(server) != [old]
            assert server.process.poll() is None

    def test_worker_waiting_for_the_database_stops_when_the_server_stops(
        self, cluster: ThrowawayCluster, tmp_path: Path
    ) -> None:
        """Stopping the server while a worker waits ends that worker cleanly, not by SIGKILL."""
        with running_server(tmp_path, cluster.url, workers=1) as server:
            (old,) = worker_pids(server)
            cluster.stop()
            try:
                os.kill(old, signal.SIGKILL)
                wait_for(lambda: "worker waits" in server.stderr(), 30, "the new worker to wait")
                (waiting,) = worker_pids(server)
                server.stop()
            finally:
                cluster.start()
            assert server.process.returncode == 0
            # gunicorn logs this only for a worker that exits by itself, not one it kills.
            assert f"Worker exiting (pid: {waiting})" in server.stderr()
