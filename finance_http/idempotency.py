"""Idempotent POSTs: a retry with the same ``Idempotency-Key`` replays the first answer.

A key is reserved in its own unit of work before the request's unit of work
opens, so of many concurrent requests with one key exactly one gets to run; the
others see the reservation (409 while it runs, the stored answer afterwards).
The answer is stored after the request's own unit of work has committed. These
are the only requests that use more than one unit of work.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Final

import attrs
import falcon

from finance_core.ports import IdempotencyRecord
from finance_core.services import Ledger
from finance_http.context import FinanceRequest
from finance_http.jsonio import dumps
from finance_http.problems import PROBLEM_JSON, HttpProblem

log = logging.getLogger("finance_http.idempotency")

HEADER: Final = "Idempotency-Key"
MAX_KEY_LENGTH: Final = 255
RETENTION: Final = timedelta(hours=24)
#: How often one process sweeps expired keys of a tenant it is writing to.
PURGE_INTERVAL: Final = timedelta(minutes=10)


@attrs.frozen
class StoredResponse:
    status: int
    body: str


def request_hash(method: str, path: str, body: Any) -> str:
    """Fingerprint of what was asked; the body in canonical form, so spacing does not count."""
    canonical = dumps(body, sort_keys=True) if body is not None else ""
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


class IdempotencyService:
    """Reserve, complete or release keys through the ledger; decides replay, 409 or 422."""

    def __init__(self, ledger: Ledger, retention: timedelta = RETENTION) -> None:
        self.ledger = ledger
        self.retention = retention
        self._last_purge: dict[str, datetime] = {}
        self._purge_lock = threading.Lock()

    def _purge_due(self, tenant_id: str, now: datetime) -> bool:
        with self._purge_lock:
            last = self._last_purge.get(tenant_id)
            if last is not None and now - last < PURGE_INTERVAL:
                return False
            self._last_purge[tenant_id] = now
            return True

    def begin(self, tenant_id: str, key: str, fingerprint: str) -> StoredResponse | None:
        """Reserve ``key``: None means "go ahead"; a stored response means "replay this"."""
        existing = self.ledger.reserve_request(
            tenant_id,
            key,
            fingerprint,
            retention=self.retention,
            purge=self._purge_due(tenant_id, self.ledger.clock()),
        )
        if existing is None:
            return None
        return self._answer(existing, key, fingerprint)

    def _answer(self, record: IdempotencyRecord, key: str, fingerprint: str) -> StoredResponse:
        if record.request_hash != fingerprint:
            raise HttpProblem(
                422,
                "Idempotency key reused",
                f"{HEADER} {key!r} was first used with a different request; "
                "use a new key for a new request",
                slug="idempotency-key-reused",
            )
        if record.response_status is None or record.response_body is None:
            raise self._in_flight(key)
        return StoredResponse(record.response_status, record.response_body)

    @staticmethod
    def _in_flight(key: str) -> HttpProblem:
        return HttpProblem(
            409,
            "Request in progress",
            f"a request with {HEADER} {key!r} is still being processed; retry in a moment",
            slug="idempotency-in-flight",
            headers={"Retry-After": "1"},
        )

    def complete(self, tenant_id: str, key: str, fingerprint: str, answer: StoredResponse) -> None:
        self.ledger.complete_request(tenant_id, key, fingerprint, answer.status, answer.body)

    def release(self, tenant_id: str, key: str) -> None:
        """Forget a reservation whose request failed on the server side, so it can be retried."""
        self.ledger.release_request(tenant_id, key)


class IdempotencyMiddleware:
    """Applies ``IdempotencyService`` to POSTs that carry the header."""

    def __init__(self, service: IdempotencyService) -> None:
        self.service = service

    def process_resource(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, params: Any
    ) -> None:
        key = req.get_header(HEADER)
        who = req.context.identity
        if req.method != "POST" or key is None or who is None:
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in key):
            raise HttpProblem(
                400,
                "Bad idempotency key",
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters "
                f"(no spaces), e.g. a UUID; this one has {len(key)} characters",
                slug="bad-idempotency-key",
            )
        tenant_id = who.tenant_id
        fingerprint = request_hash(req.method, req.path, req.context.body)
        stored = self.service.begin(tenant_id, key, fingerprint)
        if stored is None:
            req.context.idempotency = (tenant_id, key, fingerprint)
            return
        resp.status = stored.status
        resp.content_type = PROBLEM_JSON if stored.status >= 400 else falcon.MEDIA_JSON
        resp.text = stored.body or None
        resp.set_header("Idempotent-Replayed", "true")
        resp.complete = True

    def process_response(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        reserved = req.context.idempotency
        if reserved is None:
            return
        tenant_id, key, fingerprint = reserved
        try:
            if resp.status_code >= 500 or req.context.caller is None:
                # A server fault may be retried; a caller who turned out not to be a
                # member must not hold a key of the tenant, nor leave an answer in it.
                self.service.release(tenant_id, key)
                return
            body = (
                resp.text
                if resp.text is not None
                else (dumps(resp.media) if resp.media is not None else "")
            )
            text = body.decode() if isinstance(body, bytes) else body
            self.service.complete(
                tenant_id, key, fingerprint, StoredResponse(resp.status_code, text)
            )
        except Exception:
            # The response itself is fine; only a retry would not be replayed.
            log.exception("could not store the outcome of %s %r", HEADER, key)
