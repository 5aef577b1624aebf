"""Timing helpers, result rows and the sizes each mode uses.

Every figure is a pair: what the project does, and a reference measured in the
same run on the same machine. Samples of the two are interleaved so that a
noisy neighbour slows both alike, and the table reports medians and the ratio
of medians, never a lone absolute time.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Literal

import attrs

from finance_http.commands import default_workers

#: Which way a ratio has to go to meet its goal.
Direction = Literal["at_most", "at_least", "none"]


@attrs.frozen
class Sizes:
    """How big each benchmark is; ``quick`` is a smoke run, ``full`` the issue's sizes."""

    name: str
    import_sizes: tuple[int, ...]
    import_repeats: tuple[int, ...]
    #: Rows in the big account of figures 2 to 4, and in the small account of figure 2.
    big_account: int
    small_account: int
    deep_offset: int
    read_samples: int
    #: How long one timing sample of a fast call lasts (it repeats the call that long).
    sample_seconds: float
    report_samples: int
    json_sizes: tuple[int, int]
    json_writes: int
    json_load_samples: int
    hot_seconds: float
    hot_repeats: int
    hot_writers: int
    memory_sizes: tuple[int, int]
    http_seconds: float
    http_repeats: int
    http_workers: int
    http_connections: int
    http_seed_rows: int
    #: Figure 12 runs every candidate server on three apps: shorter runs, fewer rounds.
    server_seconds: float
    server_repeats: int


QUICK = Sizes(
    name="quick",
    import_sizes=(1_000, 3_000),
    import_repeats=(1, 1),
    big_account=10_000,
    small_account=1_000,
    deep_offset=9_000,
    read_samples=5,
    sample_seconds=0.05,
    report_samples=3,
    json_sizes=(200, 2_000),
    json_writes=30,
    json_load_samples=1,
    hot_seconds=0.5,
    hot_repeats=1,
    hot_writers=8,
    memory_sizes=(1_000, 10_000),
    http_seconds=1.0,
    http_repeats=1,
    http_workers=default_workers(),
    http_connections=8,
    http_seed_rows=1_000,
    server_seconds=1.0,
    server_repeats=1,
)

FULL = Sizes(
    name="full",
    import_sizes=(100_000, 1_000_000),
    import_repeats=(3, 1),
    big_account=1_000_000,
    small_account=1_000,
    deep_offset=900_000,
    read_samples=9,
    sample_seconds=0.2,
    report_samples=5,
    json_sizes=(1_000, 100_000),
    json_writes=200,
    json_load_samples=3,
    hot_seconds=5.0,
    hot_repeats=3,
    hot_writers=8,
    memory_sizes=(100_000, 1_000_000),
    http_seconds=8.0,
    http_repeats=3,
    # What ``finance-planner serve`` starts by default: one worker per core.
    http_workers=default_workers(),
    http_connections=16,
    http_seed_rows=10_000,
    server_seconds=3.0,
    server_repeats=2,
)

MODES = {"quick": QUICK, "full": FULL}


@attrs.frozen
class Figure:
    """One row of the table: a measured value, its reference, and the goal on their ratio."""

    key: str
    title: str
    value: float
    unit: str
    reference: float | None
    reference_label: str
    reference_unit: str
    ratio: float | None
    goal: str
    direction: Direction = "none"
    limit: float | None = None
    #: An extra condition the ratio alone cannot show (e.g. lost updates); False fails the goal.
    extra_ok: bool | None = None
    note: str = ""
    samples: tuple[float, ...] = ()
    reference_samples: tuple[float, ...] = ()

    @property
    def met(self) -> bool | None:
        """True or False against the goal; None for figures reported without one."""
        if self.direction == "none" or self.ratio is None or self.limit is None:
            return self.extra_ok
        within = (
            self.ratio <= self.limit if self.direction == "at_most" else self.ratio >= self.limit
        )
        return within and self.extra_ok is not False


def ratio(value: float, reference: float) -> float | None:
    return None if reference == 0 else value / reference


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def time_call(fn: Callable[[], object], *, loops: int = 1) -> float:
    """Seconds per call of ``fn`` over ``loops`` calls, with the collector paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        return (time.perf_counter() - start) / loops
    finally:
        if enabled:
            gc.enable()


def calibrate(fn: Callable[[], object], *, target: float = 0.2, cap: int = 10_000) -> int:
    """How many calls of ``fn`` take roughly ``target`` seconds (at least one)."""
    once = max(time_call(fn), 1e-7)
    return max(1, min(cap, int(target / once)))


def paired(
    candidate: Callable[[], object],
    reference: Callable[[], object],
    *,
    samples: int,
    target: float = 0.2,
) -> tuple[list[float], list[float]]:
    """Interleaved per-call times of two functions: A, B, B, A, A, B ...

    Alternating which goes first keeps a drift in machine load from favouring
    either side. Each sample repeats its function enough times to last about
    ``target`` seconds.
    """
    candidate()
    reference()
    loops_a = calibrate(candidate, target=target)
    loops_b = calibrate(reference, target=target)
    a: list[float] = []
    b: list[float] = []
    for index in range(samples):
        if index % 2 == 0:
            a.append(time_call(candidate, loops=loops_a))
            b.append(time_call(reference, loops=loops_b))
        else:
            b.append(time_call(reference, loops=loops_b))
            a.append(time_call(candidate, loops=loops_a))
    return a, b


def fmt_value(value: float | None, unit: str) -> str:
    """Human units: seconds become ms or µs, rates get thousands separators."""
    if value is None:
        return "-"
    if unit == "s":
        if value >= 1:
            return f"{value:.2f} s"
        if value >= 1e-3:
            return f"{value * 1e3:.2f} ms"
        return f"{value * 1e6:.0f} µs"
    if unit in ("rows/s", "writes/s", "req/s"):
        return f"{value:,.0f} {unit}"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.3g} {unit}".strip()
