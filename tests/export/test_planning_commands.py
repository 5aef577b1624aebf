"""``finance-planner schedules post-due`` and ``finance-planner forecast``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from finance_core.bootstrap import open_ledger
from finance_core.cli import main
from finance_core.tenancy import Role


@pytest.fixture
def books(tmp_path: Path) -> str:
    """A SQLite file with a daily auto-post schedule that started two days ago."""
    url = f"sqlite:///{tmp_path}/books.db"
    now = datetime.now(UTC)
    ledger = open_ledger(url, clock=lambda: now - timedelta(days=2))
    who, _ = ledger.provision("7", "cli", Role.OWNER)
    account = ledger.open_account(who, "Checking", initial_balance="100.00", min_balance="0")
    ledger.create_schedule(
        who, name="Coffee", account_id=account.id, amount="-3.50", category="food",
        start_date=(now - timedelta(days=2)).date(), freq="daily", auto_post=True,
    )  # fmt: skip
    ledger.storage.close()
    return url


class TestPostDueCommand:
    def test_posts_due_occurrences_once(
        self, books: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The first run posts three days; the second posts nothing."""
        args = ["schedules", "post-due", "--tenant", "7", "--database-url", books]
        assert main(args) == 0
        assert "posted 3 occurrence(s)" in capsys.readouterr().err
        assert main(args) == 0
        assert "posted 0 occurrence(s)" in capsys.readouterr().err

    def test_a_refused_posting_exits_non_zero_with_the_reason(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A posting the floor refuses stops the run with exit code 1 and says why."""
        url = f"sqlite:///{tmp_path}/tight.db"
        ledger = open_ledger(url)
        who, _ = ledger.provision("8", "cli", Role.OWNER)
        account = ledger.open_account(who, "Tight", min_balance="0")
        ledger.create_schedule(
            who, name="Gym", account_id=account.id, amount="-30", category="sport",
            start_date=datetime.now(UTC).date(), freq="monthly", auto_post=True,
        )  # fmt: skip
        ledger.storage.close()
        assert main(["schedules", "post-due", "--tenant", "8", "--database-url", url]) == 1
        assert "min_balance" in capsys.readouterr().err


class TestForecastCommand:
    def test_prints_a_table_and_writes_a_chart(
        self, books: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The table names the account; --chart writes an SVG document."""
        chart = tmp_path / "forecast.svg"
        args = ["forecast", "--tenant", "7", "--days", "30", "--database-url", books]
        assert main([*args, "--chart", str(chart)]) == 0
        out = capsys.readouterr().out
        assert "Checking" in out and "BELOW FLOOR ON" in out
        assert chart.read_text().startswith("<svg")
