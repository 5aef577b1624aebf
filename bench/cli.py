"""``python -m bench``: prepare data, run every figure, print the table, write JSON."""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench import report
from bench.harness import FULL, QUICK, Figure, Sizes

DEFAULT_POSTGRES: Final = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESULTS: Final = Path(__file__).parent / "results"
FIGURES: Final = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the performance figures and print them against their references.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a smoke run of every figure"
    )
    parser.add_argument(
        "--only",
        default=",".join(FIGURES),
        help="comma-separated figure numbers to run (default: all, 1 to 11)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES),
        help="PostgreSQL for figures 5 and 6 (default: $TEST_DATABASE_URL or the local test db)",
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="leave PostgreSQL out of figures 5 and 6"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep generated data here and reuse it next time (default: a temporary directory)",
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="figure 5's load generator (default: wrk when installed, else Python processes)",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS, help="where the JSON results go"
    )
    return parser


class Run:
    """Collects figures, errors and free-form details while the figures run."""

    def __init__(self, sizes: Sizes, work: Path, args: argparse.Namespace) -> None:
        self.sizes = sizes
        self.work = work
        self.args = args
        self.figures: list[Figure] = []
        self.errors: dict[str, str] = {}
        self.details: dict[str, Any] = {}
        self.largest_import: Path | None = None

    def log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def postgres(self) -> str | None:
        return None if self.args.no_postgres else str(self.args.postgres_url)

    def step(self, number: str, name: str, body: Callable[[], list[Figure]]) -> None:
        start = time.perf_counter()
        self.log(f"[{number}] {name}")
        try:
            self.figures.extend(body())
        except Exception as exc:
            self.errors[number] = f"{type(exc).__name__}: {exc}"
            self.log(traceback.format_exc())
        self.details.setdefault("seconds", {})[number] = round(time.perf_counter() - start, 1)
        self.log(f"[{number}] done in {time.perf_counter() - start:.1f} s")


def _import(run: Run) -> list[Figure]:
    from bench import fig_import

    figures, largest = fig_import.run(run.sizes, run.work, run.log)
    run.largest_import = largest
    return figures


def _reads(run: Run) -> list[Figure]:
    from bench import fig_reads

    path = fig_reads.ensure_dataset(
        run.work / f"dataset-{run.sizes.name}.db", run.largest_import, run.sizes, run.log
    )
    return fig_reads.run(path, run.sizes, run.log)


def _json(run: Run) -> list[Figure]:
    from bench import fig_json

    return fig_json.run(run.sizes, run.work, run.log)


def _hot(run: Run) -> list[Figure]:
    from bench import fig_hot

    return fig_hot.run(run.sizes, run.work, run.postgres(), run.log)


def _memory(run: Run) -> list[Figure]:
    from bench import fig_memory

    return fig_memory.run(run.sizes, run.work, run.log)


def _http(run: Run) -> list[Figure]:
    from bench import fig_http, loadgen

    loadgen.choose(run.args.load_generator)
    figures, details = fig_http.run(run.sizes, run.work, run.postgres(), run.log)
    run.details["http"] = details
    return figures


def _rules(run: Run) -> list[Figure]:
    from bench import fig_rules

    return fig_rules.run(run.sizes, run.work, run.log)


def _planning(run: Run) -> list[Figure]:
    from bench import fig_planning, fig_reads

    figures = []
    wanted = {part.strip() for part in run.args.only.split(",")}
    if "9" in wanted:
        figures.append(fig_planning.run_forecast(run.sizes, run.work, run.log))
    if "10" in wanted:
        path = fig_reads.ensure_dataset(
            run.work / f"dataset-{run.sizes.name}.db", run.largest_import, run.sizes, run.log
        )
        figures.append(fig_planning.run_budgets(path, run.sizes, run.log))
    return figures


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = QUICK if args.quick else FULL
    wanted = {part.strip() for part in args.only.split(",") if part.strip()}
    unknown = wanted - set(FIGURES)
    if unknown:
        print(f"unknown figures: {', '.join(sorted(unknown))}; use 1 to 11", file=sys.stderr)
        return 2
    keep = args.data_dir is not None
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="finance-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    code_at_start = report.code_state()
    run = Run(sizes, work.absolute(), args)
    # Figure 1 goes first: its largest import becomes the data of figures 2 to 4.
    steps: list[tuple[set[str], str, Callable[[Run], list[Figure]]]] = [
        ({"1"}, "bulk import into SQLite", _import),
        ({"2", "3", "4"}, "balance, pages and report on one big account", _reads),
        ({"7"}, "JSON backend writes and load", _json),
        ({"6"}, "hot account: concurrent writers", _hot),
        ({"8"}, "peak memory of a CSV import", _memory),
        ({"5"}, "HTTP throughput", _http),
        ({"9", "10"}, "planning: forecast and budget status", _planning),
        ({"11"}, "categorization rules on import and on demand", _rules),
    ]
    try:
        for numbers, name, body in steps:
            if numbers & wanted:
                label = ",".join(sorted(numbers))
                run.step(label, name, functools.partial(body, run))
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    figures = [f for f in run.figures if f.key.split(".")[0] in wanted]
    finished = datetime.now(UTC)
    path = report.write_json(
        args.results_dir,
        mode=sizes.name,
        started=started,
        finished=finished,
        figures=figures,
        errors=run.errors,
        details=run.details,
        code_at_start=code_at_start,
    )
    kind = report.machine()["kind"]
    minutes = (finished - started).total_seconds() / 60
    print(
        f"\nFinance Planner benchmarks ({sizes.name}), {kind}, "
        f"{started:%Y-%m-%d}, {minutes:.1f} min\n"
    )
    if code_at_start != report.code_state():
        print("note: the code changed during the run (see code_at_start and code_at_end)\n")
    print(report.table(figures))
    if "http" in run.details:
        print("\n" + report.http_table(run.details["http"]))
    for number, error in run.errors.items():
        print(f"\nfigure {number} failed: {error}")
    print(f"\nresults: {path}")
    return 1 if run.errors else 0
