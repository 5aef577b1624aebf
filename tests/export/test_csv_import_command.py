"""``finance-planner import FILE.csv``: the file streamed into the account, as a user runs it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from test_commands import books, cli

import finance_core.import_services
from finance_core.cli import main
from finance_core.import_stream import MAX_EXAMPLES

__all__ = ["books"]

#: Oldest first, after a preamble line, with a running balance: opening 100.00, closing 87.50.
STATEMENT = (
    "Kontoauszug\n"
    "Datum;Omschrijving;Bedrag;Saldo\n"
    "02.03.2026;Huur;-10,00;90,00\n"
    "03.03.2026;Brood;-1,00;89,00\n"
    "05.03.2026;Koffie;-1,50;87,50\n"
)
#: The middle row's date does not exist.
ONE_BAD_ROW = (
    "Datum;Omschrijving;Bedrag\n02.04.2026;A;-1,00\n31.02.2026;B;-2,00\n03.04.2026;C;-3,00\n"
)
CHECK = "statement closing balance 87.50, books -12.50, difference 100.00 (does NOT reconcile)"


def write(books: Path, text: str, name: str = "statement.csv") -> str:
    (books / name).write_text(text)
    return name


def run(books: Path, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli(books, "import", name, "--tenant", "home", "--account", "1", *extra)


def stored(books: Path) -> tuple[int, int]:
    """How many transactions and statements the tenant's account holds."""
    code = (
        "from finance_core import open_ledger\n"
        "ledger = open_ledger('sqlite:///books.db')\n"
        "who, _ = ledger.provision('home', 'cli', None)\n"
        "print(len(ledger.list_transactions(who).items), len(ledger.list_statements(who, 1)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=books, check=True, capture_output=True, text=True
    ).stdout
    transactions, statements = out.split()
    return int(transactions), int(statements)


class TestStreamedCsvImport:
    def test_balance_break_is_refused_with_row_and_line(self, books: Path) -> None:
        """A balance that does not follow: exit 1, its row and line named, nothing written."""
        name = write(books, STATEMENT.replace("87,50", "88,50"))
        done = run(books, name)
        assert done.returncode == 1
        assert "row 3 (line 5) states 88.50" in done.stderr
        assert stored(books) == (0, 0)

    def test_statement_is_recorded_and_reconciliation_shown(self, books: Path) -> None:
        """The balance column's statement is recorded and compared with the books."""
        done = run(books, write(books, STATEMENT))
        assert done.returncode == 0, done.stderr
        assert "csv: 3 created, 0 duplicates, 0 rejected (committed)" in done.stdout
        assert CHECK in done.stdout
        assert stored(books) == (3, 1)

    def test_reimport_creates_nothing(self, books: Path) -> None:
        """The same file again: every row a listed duplicate, no second statement."""
        name = write(books, STATEMENT)
        run(books, name)
        again = run(books, name)
        assert again.returncode == 0, again.stderr
        assert "csv: 0 created, 3 duplicates, 0 rejected (committed)" in again.stdout
        assert again.stdout.count("duplicate  2026-03-0") == 3
        assert stored(books) == (3, 1)

    def test_dry_run_writes_nothing(self, books: Path) -> None:
        """A dry run counts and reconciles as the real run would, and stores nothing."""
        done = run(books, write(books, STATEMENT), "--dry-run")
        assert done.returncode == 0, done.stderr
        assert "3 created, 0 duplicates, 0 rejected (dry run, nothing written)" in done.stdout
        assert CHECK in done.stdout
        assert stored(books) == (0, 0)

    def test_rejected_row_stops_the_file(self, books: Path) -> None:
        """An unreadable row: exit 1, the row and why listed, nothing written."""
        done = run(books, write(books, ONE_BAD_ROW))
        assert done.returncode == 1
        assert "'31.02.2026' is not a date" in done.stdout
        assert "1 rejected (NOT imported" in done.stdout
        assert stored(books) == (0, 0)

    def test_skip_bad_rows_imports_the_others(self, books: Path) -> None:
        """--skip-bad-rows: the readable rows are committed and the bad one still listed."""
        done = run(books, write(books, ONE_BAD_ROW), "--skip-bad-rows")
        assert done.returncode == 0, done.stderr
        assert "csv: 2 created, 0 duplicates, 1 rejected (committed)" in done.stdout
        assert "'31.02.2026' is not a date" in done.stdout
        assert stored(books) == (2, 1)

    def test_rows_not_created_are_listed_up_to_the_examples(self, books: Path) -> None:
        """Past the stream's examples the rows not created are counted, not listed."""
        count = MAX_EXAMPLES + 5
        rows = "".join(f"01.03.2026;Row {n};-1,00\n" for n in range(count))
        name = write(books, "Datum;Omschrijving;Bedrag\n" + rows)
        run(books, name)
        again = run(books, name)
        assert f"the first {MAX_EXAMPLES} of {count:,} rows not created" in again.stdout
        assert again.stdout.count("duplicate  2026-03-01") == MAX_EXAMPLES


class TestInProcess:
    @pytest.fixture
    def csv_file(self, books: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.chdir(books)
        monkeypatch.setenv("DATABASE_URL", "sqlite:///books.db")
        return books / write(books, STATEMENT)

    def test_no_in_memory_row_cap(self, csv_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A CSV file is not held to the in-memory import's row cap."""
        monkeypatch.setattr(finance_core.import_services, "MAX_IMPORT_ROWS", 1)
        code = main(["import", str(csv_file), "--tenant", "home", "--account", "1"])
        assert code == 0
        assert stored(csv_file.parent) == (3, 1)

    def test_progress_on_a_terminal(
        self, csv_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """On a terminal, standard error shows the rows checked, then the rows imported."""

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(["import", str(csv_file), "--tenant", "home", "--account", "1"]) == 0
        shown = terminal.getvalue()
        assert "\rchecked 3 rows\n" in shown
        assert "] 3/3 rows\n" in shown
        assert "] 3/3 rows" not in capsys.readouterr().out
