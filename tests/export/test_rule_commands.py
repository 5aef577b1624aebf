"""``finance-planner rules``, run as a user runs it: as a process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RULES_YAML = """\
rules:
  - name: coffee
    conditions: {field: merchant, op: contains, value: cafe}
    actions: [{set: category, value: coffee}]
  - name: big spend
    stage: post
    conditions: {field: amount, op: lt, value: -100.50}
    actions: [{add_tag: big}]
"""


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finance_core.cli", "rules", *args, "--tenant", "home",
         "--database-url", "sqlite:///books.db"],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """Tenant 'home' with one account and one uncategorized coffee of 200."""
    code = (
        "from decimal import Decimal\n"
        "from finance_core import open_ledger\n"
        "ledger = open_ledger('sqlite:///books.db')\n"
        "who, _ = ledger.provision('home', 'cli', None)\n"
        "a = ledger.open_account(who, 'Giro', 'checking', initial_balance=Decimal(1000))\n"
        "ledger.post_transaction(who, a.id, amount=Decimal('-200'), date='2026-01-01',\n"
        "    category='uncategorized', merchant='Cafe X')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    return tmp_path


class TestRulesCommand:
    def test_add_a_yaml_file_then_list(self, books: Path) -> None:
        """Every rule of the file is created and listed in run order."""
        (books / "rules.yaml").write_text(RULES_YAML)
        added = cli(books, "add", "rules.yaml")
        assert added.returncode == 0, added.stderr
        listed = cli(books, "list").stdout.splitlines()
        assert [line.split()[1:3] for line in listed] == [["default", "1"], ["post", "1"]]
        assert listed[1].endswith("big spend")

    def test_apply_dry_run_then_for_real(self, books: Path) -> None:
        """The dry run lists the changes; the real run writes them, once."""
        (books / "rules.json").write_text(
            '{"name": "coffee", "conditions": {"field": "merchant", "op": "contains", '
            '"value": "cafe"}, "actions": [{"set": "category", "value": "coffee"}]}'
        )
        cli(books, "add", "rules.json")
        dry = cli(books, "apply", "--dry-run")
        assert "category 'uncategorized' -> 'coffee' (rule 1)" in dry.stdout
        assert "1 changes on 1 transactions (dry run, nothing written)" in dry.stdout
        assert "(written)" in cli(books, "apply").stdout
        assert "0 changes on 0 transactions" in cli(books, "apply").stdout

    def test_a_bad_rule_adds_none_of_the_file(self, books: Path) -> None:
        """One bad rule fails the file, naming it; the good one is not created."""
        (books / "rules.yaml").write_text(RULES_YAML.replace("op: lt", "op: contains"))
        done = cli(books, "add", "rules.yaml")
        assert done.returncode == 1
        assert "rules[1].conditions.op" in done.stderr
        assert cli(books, "list").stdout == ""
