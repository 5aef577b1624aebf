"""The README's household walkthrough runs as written and prints what it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


class TestHouseholdWalkthrough:
    def test_the_month_of_a_household_runs_as_written(self, tmp_path: Path) -> None:
        """The walkthrough's python block prints the envelope left and the day below the floor."""
        text = README.read_text()
        section = text[text.index("### A month of a household") :]
        match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
        assert match is not None
        done = subprocess.run(
            [sys.executable, "-c", match.group(1)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["515.80", "2026-03-28"]
