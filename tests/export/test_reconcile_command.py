"""``finance-planner reconcile`` and the import command's statement options, as processes."""

from __future__ import annotations

from pathlib import Path

from test_commands import books, cli

__all__ = ["books"]

#: Oldest first, with a running balance: opening 100.00, closing 87.50.
STATEMENT = "Datum;Omschrijving;Bedrag;Saldo\n02.03.2026;Huur;-10,00;90,00\n"
STATEMENT += "05.03.2026;Koffie;-2,50;87,50\n"


def _import(books: Path, *extra: str) -> str:
    path = books / "statement.csv"
    path.write_text(STATEMENT)
    done = cli(books, "import", str(path), "--tenant", "home", "--account", "1", *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout


class TestReconcileCommand:
    def test_agreeing_balance_reconciles_and_locks(self, books: Path) -> None:
        """The books match the bank: reconciled, and the day is locked for the next import."""
        _import(books)
        done = cli(
            books, "reconcile", "--tenant", "home", "--account", "1",
            "--date", "2026-03-05", "--balance", "-12.50",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "reconciled account 1 through 2026-03-05 at -12.50" in done.stdout
        late = books / "late.csv"
        late.write_text("Date;Amount\n04.03.2026;-1,00\n")
        refused = cli(books, "import", str(late), "--tenant", "home", "--account", "1")
        assert refused.returncode == 1
        assert "reconciliation 1" in refused.stderr

    def test_disagreeing_balance_lists_the_open_rows(self, books: Path) -> None:
        """A wrong balance: exit 1, the difference and the unreconciled rows, nothing locked."""
        _import(books)
        done = cli(
            books, "reconcile", "--tenant", "home", "--account", "1",
            "--date", "2026-03-04", "--balance", "-11.00",
        )  # fmt: skip
        assert done.returncode == 1
        assert "difference -1.00" in done.stdout
        assert "Huur" in done.stdout and "Koffie" not in done.stdout

    def test_bad_date_is_explained(self, books: Path) -> None:
        """A date that is not YYYY-MM-DD is named, not a traceback."""
        done = cli(
            books, "reconcile", "--tenant", "home", "--account", "1",
            "--date", "5.3.2026", "--balance", "0",
        )  # fmt: skip
        assert done.returncode == 1
        assert "date" in done.stderr and "YYYY-MM-DD" in done.stderr


class TestImportStatement:
    def test_import_reports_the_statement_against_the_books(self, books: Path) -> None:
        """The running balance states a closing balance the new account's books do not reach."""
        out = _import(books)
        assert "statement closing balance 87.50, books -12.50, difference 100.00" in out
        assert "does NOT reconcile" in out

    def test_unsigned_amounts_option(self, books: Path) -> None:
        """--unsigned-amounts debit books unsigned amounts as money out."""
        path = books / "card.csv"
        path.write_text("Date;Amount\n02.03.2026;10,00\n")
        done = cli(
            books, "import", str(path), "--tenant", "home", "--account", "1",
            "--unsigned-amounts", "debit",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        exported = cli(books, "export", "--tenant", "home", "--format", "csv")
        assert ",-10.00," in exported.stdout
