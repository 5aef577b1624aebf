"""The import, export and report commands, run as a user runs them: as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

#: An Austrian giro export's layout: no header, Latin-1, CRLF, signed decimal commas.
GIRO = (
    "AT123456789012345678;Zinsen HABEN     BG/1 ;01.01.2014;31.12.2013;+1,23;EUR\r\n"
    "AT123456789012345678;Abbuchung Einzugserm\u00e4chtigung ;08.01.2014;08.01.2014;-32,00;EUR\r\n"
    "AT123456789012345678;Gutschrift      ;03.03.2015;03.03.2015;+12,10;EUR\r\n"
    "AT123456789012345678;Miete           ;07.10.2015;07.10.2015;-1.001,00;EUR\r\n"
).encode("latin-1")
EASYBANK = "giro.csv"


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``finance-planner`` in ``cwd`` on its own SQLite file."""
    env = {**os.environ, "DATABASE_URL": "sqlite:///books.db"}
    return subprocess.run(
        [sys.executable, "-m", "finance_core.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """A working directory whose tenant 'home' has one EUR account (id 1)."""
    code = (
        "from finance_core import open_ledger\n"
        "ledger = open_ledger('sqlite:///books.db')\n"
        "who, _ = ledger.provision('home', 'cli', None)\n"
        "ledger.open_account(who, 'Giro', 'checking', currency='EUR')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    (tmp_path / EASYBANK).write_bytes(GIRO)
    return tmp_path


class TestImportCommand:
    def test_import_prints_a_summary(self, books: Path) -> None:
        """Every row is listed and the summary counts them."""
        done = cli(books, "import", str(EASYBANK), "--tenant", "home", "--account", "1")
        assert done.returncode == 0, done.stderr
        assert "4 created, 0 duplicates, 0 rejected (committed)" in done.stdout

    def test_dry_run_then_reimport(self, books: Path) -> None:
        """A dry run writes nothing; a second real run finds only duplicates."""
        dry = cli(books, "import", str(EASYBANK), "--tenant", "home", "--account", "1", "--dry-run")
        assert "4 created" in dry.stdout and "dry run" in dry.stdout
        cli(books, "import", str(EASYBANK), "--tenant", "home", "--account", "1")
        again = cli(books, "import", str(EASYBANK), "--tenant", "home", "--account", "1")
        assert "0 created, 4 duplicates" in again.stdout

    def test_bank_file_needs_an_account(self, books: Path) -> None:
        """Leaving out --account is explained, not a traceback."""
        done = cli(books, "import", str(EASYBANK), "--tenant", "home")
        assert done.returncode == 1
        assert "--account is required" in done.stderr


class TestExportAndRestore:
    def test_json_export_restores_into_a_new_tenant(self, books: Path) -> None:
        """export --format json then import --format json into another tenant."""
        cli(books, "import", str(EASYBANK), "--tenant", "home", "--account", "1")
        exported = cli(
            books, "export", "--tenant", "home", "--format", "json", "--output", "x.json"
        )
        assert exported.returncode == 0, exported.stderr
        document = json.loads((books / "x.json").read_text())
        assert len(document["transactions"]) == 4
        restored = cli(books, "import", "x.json", "--tenant", "copy", "--format", "json")
        assert "restored 1 accounts, 4 transactions" in restored.stdout
        again = cli(books, "export", "--tenant", "copy", "--format", "json")
        assert json.loads(again.stdout)["accounts"][0]["balance"] == "-1019.67"

    def test_csv_export_goes_to_standard_output(self, books: Path) -> None:
        """Without --output the file is written to stdout."""
        cli(books, "import", str(EASYBANK), "--tenant", "home", "--account", "1")
        done = cli(books, "export", "--tenant", "home", "--format", "csv")
        assert done.stdout.count("\n") == 5 and "Giro,EUR" in done.stdout


class TestReportCommand:
    def test_report_prints_a_table_and_writes_a_chart(self, books: Path) -> None:
        """The table lists each period; --chart writes a well-formed SVG."""
        cli(books, "import", str(EASYBANK), "--tenant", "home", "--account", "1")
        done = cli(
            books, "report", "cashflow", "--tenant", "home", "--period", "year", "--chart", "c.svg"
        )
        assert done.returncode == 0, done.stderr
        assert "2014" in done.stdout and "2015" in done.stdout
        root = ET.parse(books / "c.svg").getroot()
        assert root.tag.endswith("svg")
        assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) > 3

    def test_balance_history_needs_an_account(self, books: Path) -> None:
        """The error names the missing option."""
        done = cli(books, "report", "balance-history", "--tenant", "home")
        assert done.returncode == 1 and "account" in done.stderr
