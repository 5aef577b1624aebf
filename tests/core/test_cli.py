"""The finance-planner console script: sub-commands come from plugins."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from finance_core.cli import CliCommand, build_parser, load_env_file
from finance_core.errors import FinanceError
from finance_core.plugins import hookimpl, make_plugin_manager


def _add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--who", required=True)


def _run(args: argparse.Namespace) -> int:
    print(f"hello {args.who}")
    return 0


class _Hello:
    @hookimpl
    def finance_cli_commands(self) -> Sequence[CliCommand]:
        return [CliCommand("hello", "say hello", _add, _run)]


class TestCommands:
    def test_plugin_commands_become_subcommands(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A contributed command parses its own arguments and runs."""
        parser = build_parser(make_plugin_manager([_Hello()]))
        args = parser.parse_args(["hello", "--who", "ann"])
        assert args._run(args) == 0
        assert capsys.readouterr().out == "hello ann\n"

    def test_two_commands_with_one_name_are_rejected(self) -> None:
        """Command names are unique across plugins."""
        with pytest.raises(FinanceError, match="hello"):
            build_parser(
                make_plugin_manager([_Hello(), _Hello.__new__(type("Again", (_Hello,), {}))])
            )

    def test_console_script_without_a_command_prints_help(self) -> None:
        """Running the script bare explains itself and exits 2."""
        done = subprocess.run(
            [sys.executable, "-m", "finance_core.cli"], capture_output=True, text=True
        )
        assert done.returncode == 2
        assert "usage: finance-planner" in done.stdout


class TestEnvFile:
    def test_env_file_values_fill_in_missing_variables(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A .env value is used when the environment does not set the variable."""
        (tmp_path / ".env").write_text("FP_TEST_FROM_FILE=file\nFP_TEST_BOTH=file\n")
        monkeypatch.setenv("FP_TEST_BOTH", "environment")
        monkeypatch.delenv("FP_TEST_FROM_FILE", raising=False)
        load_env_file(str(tmp_path / ".env"))
        assert os.environ["FP_TEST_FROM_FILE"] == "file"
        assert os.environ["FP_TEST_BOTH"] == "environment"
        monkeypatch.delenv("FP_TEST_FROM_FILE")


class TestOnePluginManagerPerProcess:
    def test_an_import_builds_the_plugin_manager_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Opening storage, finding the importer and parsing share the command line's manager."""
        from finance_core import open_ledger
        from finance_core.cli import main
        from finance_core.plugins.manager import FinancePlugins

        url = f"sqlite:///{tmp_path / 'books.db'}"
        ledger = open_ledger(url)
        who, _ = ledger.provision("home", "cli", None)
        account = ledger.open_account(who, "Giro", "checking", currency="EUR")
        ledger.storage.close()
        bank_file = tmp_path / "bank.csv"
        bank_file.write_text("date,amount,description\n2024-03-05,-4.50,Coffee\n")
        built: list[FinancePlugins] = []
        original = FinancePlugins.__init__

        def counting(self: FinancePlugins, pm: object) -> None:
            built.append(self)
            original(self, pm)  # type: ignore[arg-type]

        monkeypatch.setattr(FinancePlugins, "__init__", counting)
        monkeypatch.setenv("DATABASE_URL", url)
        code = main(["import", str(bank_file), "--tenant", "home", "--account", str(account.id)])
        assert code == 0, capsys.readouterr().err
        assert "1 created" in capsys.readouterr().out
        assert len(built) == 1
