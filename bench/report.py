"""The results table (Markdown, ready for the README) and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from bench.harness import Figure, fmt_value


def _met(figure: Figure) -> str:
    met = figure.met
    if met is None:
        return "-"
    return "yes" if met else "**no**"


def _ratio(figure: Figure) -> str:
    return "-" if figure.ratio is None else f"{figure.ratio:.2f}"


def table(figures: list[Figure]) -> str:
    """One Markdown table: each figure, its reference, the ratio and the goal."""
    header = ("figure", "project", "reference", "ratio", "goal", "met")
    rows = [
        (
            f.title,
            fmt_value(f.value, f.unit),
            f"{fmt_value(f.reference, f.reference_unit)} ({f.reference_label})"
            if f.reference is not None
            else f.reference_label or "-",
            _ratio(f),
            f.goal,
            _met(f),
        )
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), separator, *(line(r) for r in rows)])


def http_table(details: dict[str, Any]) -> str:
    """Requests per second and p50/p99 latency of every figure 5 target and route."""
    runs: dict[str, list[dict[str, Any]]] = details.get("runs", {})
    lines = [
        f"HTTP detail: {details.get('tool')} load generator, {details.get('connections')} "
        f"connections, {details.get('workers')} workers, {details.get('seconds_per_run')} s "
        f"per run, {details.get('seed_rows'):,} rows in the account; medians over runs",
        "",
        "| route | target | req/s | p50 | p99 | errors |",
        "|---|---|---|---|---|---|",
    ]
    for key, results in runs.items():
        target, route = key.split("|")
        rps = statistics.median(r["rps"] for r in results)
        p50 = statistics.median(r["p50"] for r in results)
        p99 = statistics.median(r["p99"] for r in results)
        errors = sum(r["errors"] for r in results)
        lines.append(
            f"| {route} | {target} | {rps:,.0f} | {p50 * 1e3:.1f} ms | {p99 * 1e3:.1f} ms "
            f"| {errors} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    memory = None
    try:
        with open("/proc/meminfo") as meminfo:
            for entry in meminfo:
                if entry.startswith("MemTotal:"):
                    memory = round(int(entry.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "kind": f"{os.cpu_count()} cores, {round(memory or 0)} GiB, Python "
        f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def changed_files() -> list[str]:
    """Files that differ from the commit: the numbers measured them, not the commit."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line[3:] for line in out.stdout.splitlines() if line.strip()]


def code_state() -> dict[str, Any]:
    """The commit and the files that differ from it: what the numbers measured."""
    return {"commit": git_commit(), "changed_files": changed_files()}


def write_json(
    directory: Path,
    *,
    mode: str,
    started: datetime,
    finished: datetime,
    figures: list[Figure],
    errors: dict[str, str],
    details: dict[str, Any],
    code_at_start: dict[str, Any],
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{started.strftime('%Y%m%dT%H%M%S')}-{mode}.json"
    document = {
        "mode": mode,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 1),
        "machine": machine(),
        # Others may commit to the checkout while a run goes on: say so.
        "code_at_start": code_at_start,
        "code_at_end": code_state(),
        "figures": [{**attrs.asdict(f), "met": f.met} for f in figures],
        "errors": errors,
        "details": details,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path
