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
