"""The request-path profile runs and names every route and target.

Like the benchmarks it prints durations and checks none of them.
"""

from __future__ import annotations

import pytest

from bench import request_path


@pytest.mark.slow
def test_profile_prints_a_row_per_route_and_a_column_per_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each route of figure 5 gets a row; the fixed-body, bare, memory and SQLite columns."""
    assert request_path.main(["--rows", "50", "--samples", "1", "--loops", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| route | fixed body | bare sqlite3 | memory | SQLite |"
    routes = [line.split(" | ")[0].lstrip("| ") for line in lines[2:]]
    assert routes == list(request_path.ROUTES)
    assert all("µs" in line for line in lines[2:])
