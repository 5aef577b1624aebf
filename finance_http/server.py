"""Running the app under granian's WSGI server, each worker building its own app.

granian was chosen by measurement against gunicorn (sync and gthread workers)
and waitress; the figures are in the benchmark README. Its HTTP handling is
Rust, so a worker's one Python thread spends its time in the app.

Building after the fork matters: a worker must open its own database
connections, never share the parent's. Signals: SIGTERM or SIGINT stops
accepting, lets each worker finish the requests it holds, then exits; SIGHUP
replaces the workers one at a time (each new one re-reads the settings from
the environment and ``.env``) while the listening socket stays open.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any, Final

import attrs

from finance_core.errors import StorageError
from finance_core.plugins.manager import FinancePlugins
from finance_http.limits import make_slot_dir
from finance_http.settings import Settings, load_settings

log = logging.getLogger("finance_http.server")

#: Seconds a starting worker waits before trying the storage again, doubling up to the last.
_FIRST_RETRY_DELAY: Final = 0.5
_LAST_RETRY_DELAY: Final = 8.0

#: A replaced worker gets this long to finish its requests before it is killed.
GRACEFUL_SECONDS: Final = 10
#: How long a new worker gets to start before the old one is told to stop.
RESPAWN_SECONDS: Final = 2.0


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("finance_http").setLevel("DEBUG" if settings.debug else settings.log_level)


def load_app(settings: Settings, env_file: Path | None, plugins: FinancePlugins | None) -> Any:
    """Build the app in a worker; settings are read again when there is a file to read."""
    from finance_http.app import create_app

    if env_file is not None:
        fresh = load_settings(os.environ, env_file)
        # A generated development secret lives only in the settings passed in
        # until it is written to .env; keep it if the file has none.
        # The slot directory is the server's, made before the workers: keep it.
        settings = (
            attrs.evolve(fresh, slot_dir=settings.slot_dir)
            if fresh.secret_key is not None
            else settings
        )
    configure_logging(settings)
    return create_app(_dependencies(settings, plugins))


def _dependencies(settings: Settings, plugins: FinancePlugins | None) -> Any:
    """The worker's dependencies, waiting for the storage if it is away.

    ``serve`` checked the storage before starting any worker. A worker started
    later (a replacement after SIGHUP or a crash) while the database is away
    waits for it rather than fail to boot. The plugin manager is built once by
    the command line and inherited by every worker: it holds no connections.
    """
    from finance_http.app import build_dependencies

    try:
        return build_dependencies(settings, plugins)
    except StorageError as exc:
        failure = exc
    # The worker's own signal handling starts only once its app is built, so
    # while waiting SIGTERM has to stop it here.
    previous = signal.signal(signal.SIGTERM, _stop_waiting)
    try:
        delay = _FIRST_RETRY_DELAY
        while True:
            log.warning("worker waits %.1fs for the storage: %s", delay, failure)
            time.sleep(delay)
            delay = min(delay * 2, _LAST_RETRY_DELAY)
            try:
                return build_dependencies(settings, plugins)
            except StorageError as exc:
                failure = exc
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_waiting(signum: int, frame: object) -> None:
    # Said so an operator (and a test) can tell a clean stop from a kill.
    log.warning("worker %d stops waiting for the storage: the server is stopping", os.getpid())
    raise SystemExit(0)


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    env_file: Path | None = None,
    plugins: FinancePlugins | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT; ``threads`` Python threads per worker."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    level = "debug" if settings.debug else settings.log_level.lower()
    server = Server(
        "finance_http.app:create_app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        # One request at a time per Python thread: more queued in the worker
        # would only wait for the GIL; the rest wait in the listen backlog.
        blocking_threads=threads,
        backpressure=threads,
        log_level=LogLevels(level),
        log_access=False,
        workers_kill_timeout=GRACEFUL_SECONDS,
        # A worker that dies (a crash, an out-of-memory kill) is replaced, as
        # under gunicorn; without this granian stops the whole server.
        respawn_failed_workers=True,
        respawn_interval=RESPAWN_SECONDS,
    )
    # Made before the workers start, so every worker counts a tenant's expensive
    # requests in the same place.
    slot_dir = make_slot_dir()
    settings = attrs.evolve(settings, slot_dir=str(slot_dir))
    try:
        server.serve(
            target_loader=functools.partial(load_app, settings, env_file, plugins),
            wrap_loader=False,
        )
    finally:
        shutil.rmtree(slot_dir, ignore_errors=True)
