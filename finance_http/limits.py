"""A per-tenant cap on concurrent expensive requests (imports, reports...), answering 429.

The slots are ``flock`` locks on small files in one directory that every worker
process of a server shares (``serve`` creates it before forking), so the cap
holds across the threads of a worker and across the workers of one machine.
A lock belongs to an open file, so a worker that dies releases its slots.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Final

import falcon

from finance_http.context import FinanceRequest
from finance_http.problems import HttpProblem
from finance_http.routing import Route

#: Seconds a refused client should wait; expensive requests take about this long.
RETRY_AFTER_SECONDS: Final = 2


_process_dir: Path | None = None


def make_slot_dir() -> Path:
    """A fresh directory for the slot files of one server; ``serve`` removes it at exit."""
    return Path(tempfile.mkdtemp(prefix="finance-planner-slots-"))


def process_slot_dir() -> Path:
    """The directory of apps built without ``serve`` (tests, embedding): one per process."""
    global _process_dir
    if _process_dir is None:
        _process_dir = make_slot_dir()
        atexit.register(shutil.rmtree, _process_dir, True)
    return _process_dir


class TenantSlots:
    """Up to ``per_tenant`` slots per tenant, shared by every process using ``directory``."""

    def __init__(self, directory: Path, per_tenant: int) -> None:
        self.directory = directory
        self.per_tenant = per_tenant

    def acquire(self, tenant_id: str) -> int | None:
        """An open, locked slot file descriptor, or None when every slot is taken."""
        stem = hashlib.sha256(tenant_id.encode()).hexdigest()[:32]
        for index in range(self.per_tenant):
            fd = os.open(self.directory / f"{stem}.{index}", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    @staticmethod
    def release(fd: int) -> None:
        # Closing the file drops its lock.
        os.close(fd)


def expensive_operations(routes: list[Route]) -> frozenset[tuple[str, str]]:
    """(Falcon template, method) of every operation marked expensive."""
    return frozenset(
        (route.falcon_template(), op.method.upper())
        for route in routes
        for op in route.operations
        if op.expensive
    )


class ExpensiveRequestMiddleware:
    """Takes a tenant slot for an expensive operation, or answers 429 with Retry-After."""

    def __init__(self, slots: TenantSlots, expensive: frozenset[tuple[str, str]]) -> None:
        self.slots = slots
        self.expensive = expensive

    def process_resource(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, params: Any
    ) -> None:
        who = req.context.identity
        if who is None or (req.uri_template, req.method) not in self.expensive:
            return
        fd = self.slots.acquire(who.tenant_id)
        if fd is None:
            raise HttpProblem(
                429,
                "Too many requests",
                f"this tenant already runs {self.slots.per_tenant} expensive requests (imports, "
                "exports, reports, forecasts) at once (EXPENSIVE_REQUESTS_PER_TENANT); "
                f"retry in {RETRY_AFTER_SECONDS} seconds",
                slug="too-many-requests",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        req.context.slot = fd

    def process_response(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        fd = req.context.slot
        if fd is not None:
            req.context.slot = None
            self.slots.release(fd)
