"""One WSGI app under one of the candidate servers, for figure 12 and the ceiling.

``python -m bench.server_app --server NAME --port P --workers N --app fixed|real``
serves either the fixed-body app (``bench.ceiling_app``, bodies from
``--bodies``) or the real service (``finance_http.create_app`` configured from
the environment, as ``finance-planner serve`` is) under the named server. Each
worker builds its own app after the fork, so every server gets the same app.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Final

#: Candidate servers: gunicorn's two worker kinds, granian's WSGI interface
#: (one Python thread per worker, and several), and waitress (threads, one process).
SERVERS: Final = (
    "gunicorn-sync",
    "gunicorn-gthread",
    "granian",
    "granian-threads",
    "waitress",
)
THREADS: Final = 4
_APP_ENV: Final = "BENCH_SERVER_APP"
_BODIES_ENV: Final = "BENCH_SERVER_BODIES"


def make_app() -> Any:
    """The app the environment names; called in each worker after the fork."""
    if os.environ[_APP_ENV] == "fixed":
        from bench.ceiling_app import create_app

        return create_app(json.loads(Path(os.environ[_BODIES_ENV]).read_text()))
    from finance_http.app import build_dependencies
    from finance_http.app import create_app as create_service
    from finance_http.settings import load_settings

    return create_service(build_dependencies(load_settings(os.environ, None)))


def _gunicorn(port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
        def load_config(self) -> None:
            self.cfg.set("bind", f"127.0.0.1:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")

        def load(self) -> Any:
            return make_app()

    Server().run()


def _granian(port: int, workers: int, threads: int) -> None:
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    Server(
        "bench.server_app:make_app",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backpressure=threads,
        factory=True,
        log_level=LogLevels.warning,
    ).serve()


def _waitress(port: int, workers: int, threads: int) -> None:
    import waitress  # type: ignore[import-untyped]

    # One process only: waitress has no worker processes, so it gets the threads.
    waitress.serve(make_app(), host="127.0.0.1", port=port, threads=workers * threads)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=SERVERS, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--app", choices=("fixed", "real"), required=True)
    parser.add_argument("--bodies", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ[_APP_ENV] = args.app
    if args.bodies is not None:
        os.environ[_BODIES_ENV] = str(args.bodies.absolute())
    if args.server == "gunicorn-sync":
        _gunicorn(args.port, args.workers, 1)
    elif args.server == "gunicorn-gthread":
        _gunicorn(args.port, args.workers, THREADS)
    elif args.server == "granian":
        _granian(args.port, args.workers, 1)
    elif args.server == "granian-threads":
        _granian(args.port, args.workers, THREADS)
    else:
        _waitress(args.port, args.workers, THREADS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
