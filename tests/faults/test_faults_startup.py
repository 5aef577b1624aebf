"""``finance-planner serve`` with its storage unreachable: one clear line, exit status 1."""

from __future__ import annotations

from pathlib import Path

from fault_support import ThrowawayCluster
from http_support import SECRET, ServerProcess, free_port

from finance_storage_sql.migrations.run import migrate_url

PASSWORD = "s3cret-pw"


def _start_and_wait(cwd: Path, url: str) -> tuple[int, str]:
    cwd.mkdir(exist_ok=True)
    server = ServerProcess(cwd, env={"DATABASE_URL": url, "SECRET_KEY": SECRET})
    try:
        code = server.process.wait(timeout=60)
    finally:
        server.stop()
    return code, server.stderr()


class TestStorageDownAtStartUp:
    def test_postgresql_down_exits_non_zero_with_one_line(self, tmp_path: Path) -> None:
        """Nobody listening on the port: exit 1, one line, no traceback, no workers started."""
        url = f"postgresql://finance:{PASSWORD}@127.0.0.1:{free_port()}/books"
        code, stderr = _start_and_wait(tmp_path, url)
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert code == 1
        assert len(lines) == 1, stderr
        assert "Traceback" not in stderr
        assert lines[0].startswith("finance-planner serve: cannot start")

    def test_nothing_is_written_when_start_up_is_refused(self, tmp_path: Path) -> None:
        """Without SECRET_KEY and with the database down: one line, and no .env generated."""
        url = f"postgresql://finance@127.0.0.1:{free_port()}/books"
        server = ServerProcess(tmp_path, env={"DATABASE_URL": url})
        try:
            code = server.process.wait(timeout=60)
        finally:
            server.stop()
        assert code == 1
        assert len(server.stderr().strip().splitlines()) == 1, server.stderr()
        assert not (tmp_path / ".env").exists()

    def test_the_line_names_the_database_and_masks_the_password(self, tmp_path: Path) -> None:
        """The line names host, port, database and user; the password shows as ***."""
        port = free_port()
        url = f"postgresql://finance:{PASSWORD}@127.0.0.1:{port}/books"
        _, stderr = _start_and_wait(tmp_path, url)
        assert f"postgresql://finance:***@127.0.0.1:{port}/books" in stderr
        assert PASSWORD not in stderr

    def test_the_line_says_how_to_fix_it(self, tmp_path: Path) -> None:
        """The line says to start the server or correct DATABASE_URL."""
        _, stderr = _start_and_wait(tmp_path, f"postgresql://finance@127.0.0.1:{free_port()}/b")
        assert "check that the database server is running" in stderr
        assert "DATABASE_URL" in stderr

    def test_a_stopped_cluster_is_reported_then_serves_once_started(self, tmp_path: Path) -> None:
        """A real PostgreSQL that is stopped refuses start-up; started again, serve works."""
        cluster = ThrowawayCluster()
        try:
            cluster.create()
            cluster.stop()
            code, stderr = _start_and_wait(tmp_path / "down", cluster.url)
            assert code == 1 and "cannot connect" in stderr
            cluster.start()
            migrate_url(cluster.url)
            (tmp_path / "up").mkdir()
            server = ServerProcess(
                tmp_path / "up", env={"DATABASE_URL": cluster.url, "SECRET_KEY": SECRET}
            )
            try:
                server.wait_ready()
                assert server.call("GET", "/health")[0] == 200
            finally:
                server.stop()
        finally:
            cluster.remove()

    def test_unwritable_sqlite_location_is_one_line(self, tmp_path: Path) -> None:
        """A SQLite file in a directory that does not exist: exit 1 with one line naming it."""
        code, stderr = _start_and_wait(tmp_path, "sqlite:////nonexistent-dir/finance.db")
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert code == 1 and len(lines) == 1, stderr
        assert "/nonexistent-dir/finance.db" in lines[0]
        assert "directory exists" in lines[0]
