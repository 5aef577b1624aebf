"""The benchmark command runs end to end in quick mode and reports every figure.

Durations are never checked here: benchmarks are not tests. This only proves
that ``python -m bench --quick`` works and that its table and JSON are whole.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}


@pytest.mark.slow
def test_quick_run_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    """Every figure has a value, a reference and a verdict, in the table and the JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    header = next(line for line in done.stdout.splitlines() if line.startswith("| figure"))
    for column in ("project", "reference", "ratio", "goal", "met"):
        assert column in header
    (path,) = tmp_path.glob("*-quick.json")
    document = json.loads(path.read_text())
    assert document["mode"] == "quick"
    assert document["errors"] == {}
    assert document["machine"]["cores"] >= 1
    figures = document["figures"]
    assert {f["key"].split(".")[0] for f in figures} == FIGURES
    for figure in figures:
        assert figure["value"] > 0, figure["key"]
        assert figure["reference"] is not None and figure["reference"] > 0, figure["key"]
        assert figure["ratio"] is not None, figure["key"]
        assert figure["met"] in (True, False, None), figure["key"]
        assert figure["title"] in done.stdout
