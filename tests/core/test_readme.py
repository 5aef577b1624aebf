"""The README's first python block is the library quick start, and it runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def first_python_block(text: str) -> str:
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match, "README has no python code block"
    return match.group(1)


class TestReadme:
    def test_quick_start_runs_as_written(self, tmp_path: Path) -> None:
        """The first python block executes without error in a fresh interpreter."""
        done = subprocess.run(
            [sys.executable, "-c", first_python_block(README.read_text())],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "min_balance" in done.stdout

    def test_readme_opens_with_the_two_commands(self) -> None:
        """The first code block holds the serve command and the test command."""
        block = re.search(r"```sh\n(.*?)```", README.read_text(), re.DOTALL)
        assert block is not None
        commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
        assert commands == ["scripts/serve", "scripts/test"]

    def test_ci_runs_the_readme_test_command(self) -> None:
        """.ci/run calls exactly the README's test command."""
        ci = (README.parent / ".ci" / "run").read_text()
        assert "scripts/test" in ci
