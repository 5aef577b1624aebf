"""Load generators for figure 5: wrk when it is installed, else Python processes.

Both send requests to one loopback URL for a fixed time and stop by
themselves. wrk (Debian's ``wrk`` package) is far cheaper per request, so on
a two-core machine it leaves more CPU to the server; the results say which one
was used, and the ceiling is always measured with the same one.
"""

from __future__ import annotations

import http.client
import multiprocessing
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

#: Extra seconds a run may take past its duration before it is abandoned.
GRACE: Final = 30.0


@attrs.frozen
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""


@attrs.frozen
class LoadResult:
    tool: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50: float
    p99: float


#: Which generator to use: "auto" (wrk when installed), "wrk" or "python".
CHOICES: Final = ("auto", "wrk", "python")
_chosen = "auto"


def choose(name: str) -> None:
    global _chosen
    if name not in CHOICES:
        raise ValueError(f"load generator {name!r} is not one of {', '.join(CHOICES)}")
    if name == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    _chosen = name


def tool() -> str:
    if _chosen != "auto":
        return _chosen
    return "wrk" if shutil.which("wrk") else "python"


def run(request: Request, *, seconds: float, connections: int, work: Path) -> LoadResult:
    if tool() == "wrk":
        return _wrk(request, seconds=seconds, connections=connections, work=work)
    return _python(request, seconds=seconds, connections=connections)


# -- wrk --------------------------------------------------------------------------
def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
{headers}
"""


def _wrk(request: Request, *, seconds: float, connections: int, work: Path) -> LoadResult:
    script = work / "wrk-request.lua"
    headers = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in request.headers.items()
    )
    script.write_text(
        _WRK_SCRIPT.format(
            method=_lua_string(request.method),
            body=_lua_string(request.body.decode()),
            headers=headers,
        )
    )
    duration = max(1, round(seconds))
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            request.url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + GRACE,
        check=True,
    )
    return parse_wrk(done.stdout, duration)


_UNITS: Final = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse_wrk(output: str, duration: float) -> LoadResult:
    """Requests, errors, rate and the 50th/99th latency percentiles from ``wrk --latency``."""
    total = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (total and rps and p50 and p99):
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    errors = 0
    bad_status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad_status:
        errors += int(bad_status[1])
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        # Read errors are sync workers closing the connection after each answer,
        # which wrk counts but recovers from; the others are real failures.
        errors += int(socket_errors[1]) + int(socket_errors[3]) + int(socket_errors[4])
    return LoadResult(
        tool="wrk",
        requests=int(total[1]),
        errors=errors,
        seconds=duration,
        rps=float(rps[1]),
        p50=_seconds(p50[1]),
        p99=_seconds(p99[1]),
    )


# -- Python processes -----------------------------------------------------------------
def _client(request: Request, seconds: float, barrier: Any, out: Any) -> None:
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = 0
    barrier.wait()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=10
        )
        try:
            connection.request(request.method, target, body=request.body, headers=request.headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
        except OSError:
            errors += 1
        finally:
            connection.close()
        latencies.append(time.perf_counter() - start)
    out.put((latencies, errors))


def _python(request: Request, *, seconds: float, connections: int) -> LoadResult:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(connections + 1)
    out = context.Queue()
    clients = [
        context.Process(target=_client, args=(request, seconds, barrier, out), daemon=True)
        for _ in range(connections)
    ]
    for client in clients:
        client.start()
    barrier.wait(timeout=GRACE)
    start = time.perf_counter()
    results = [out.get(timeout=seconds + GRACE) for _ in clients]
    elapsed = time.perf_counter() - start
    for client in clients:
        client.join(timeout=GRACE)
        if client.is_alive():
            client.kill()
    latencies = sorted(t for times, _ in results for t in times)
    errors = sum(e for _, e in results)
    count = len(latencies)
    return LoadResult(
        tool="python",
        requests=count,
        errors=errors,
        seconds=elapsed,
        rps=count / elapsed,
        p50=latencies[count // 2] if count else 0.0,
        p99=latencies[min(count - 1, int(count * 0.99))] if count else 0.0,
    )
