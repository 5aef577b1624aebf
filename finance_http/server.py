"""Running the app under gunicorn, each worker building its own app after the fork.

Building after the fork matters: a worker must open its own database
connections, never share the parent's.
"""

from __future__ import annotations

import logging
import shutil
import signal
import time
from typing import Any, Final

import attrs
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from finance_core.errors import StorageError
from finance_core.plugins.manager import FinancePlugins
from finance_http.app import Dependencies, build_dependencies, create_app
from finance_http.limits import make_slot_dir
from finance_http.settings import Settings

log = logging.getLogger("finance_http.server")

#: Seconds a starting worker waits before trying the storage again, doubling up to the last.
_FIRST_RETRY_DELAY: Final = 0.5
_LAST_RETRY_DELAY: Final = 8.0


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("finance_http").setLevel("DEBUG" if settings.debug else settings.log_level)


class GunicornServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(
        self, settings: Settings, options: dict[str, Any], plugins: FinancePlugins | None = None
    ) -> None:
        self.settings = settings
        self.options = options
        # Built once by the command line and inherited by every worker: it holds no connections.
        self.plugins = plugins
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        configure_logging(self.settings)
        return create_app(self._dependencies())

    def _dependencies(self) -> Dependencies:
        # ``serve`` checked the storage before starting any worker. A worker
        # started later (its predecessor crashed) while the database is away
        # waits for it: failing to boot would make gunicorn stop the server.
        try:
            return build_dependencies(self.settings, self.plugins)
        except StorageError as exc:
            failure = exc
        # gunicorn's own SIGTERM handler only flags the worker, which would
        # keep waiting until the shutdown timeout; while waiting, stop at once.
        previous = signal.signal(signal.SIGTERM, _stop_waiting)
        try:
            delay = _FIRST_RETRY_DELAY
            while True:
                log.warning("worker waits %.1fs for the storage: %s", delay, failure)
                time.sleep(delay)
                delay = min(delay * 2, _LAST_RETRY_DELAY)
                try:
                    return build_dependencies(self.settings, self.plugins)
                except StorageError as exc:
                    failure = exc
        finally:
            signal.signal(signal.SIGTERM, previous)


def _stop_waiting(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    plugins: FinancePlugins | None = None,
) -> None:
    # Made before the fork, so every worker counts expensive requests in the same place.
    slot_dir = make_slot_dir()
    settings = attrs.evolve(settings, slot_dir=str(slot_dir))
    try:
        _run(settings, host=host, port=port, workers=workers, threads=threads, plugins=plugins)
    finally:
        shutil.rmtree(slot_dir, ignore_errors=True)


def _run(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    plugins: FinancePlugins | None,
) -> None:
    GunicornServer(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "preload_app": False,
            "accesslog": None,
            "loglevel": settings.log_level.lower(),
            "graceful_timeout": 10,
            "proc_name": "finance-planner",
        },
        plugins,
    ).run()
