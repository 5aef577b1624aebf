"""Request plumbing: request ids and access logs, and reading JSON bodies safely."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from typing import Any, Final

import falcon

from finance_http.context import FinanceRequest
from finance_http.jsonio import JsonLimitError, JsonSyntaxError, loads
from finance_http.problems import HttpProblem

access_log = logging.getLogger("finance_http.access")

BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """One log line per request; never logs headers, so never a token."""

    def process_request(self, req: FinanceRequest, resp: falcon.Response) -> None:
        given = req.get_header("X-Request-ID")
        req.context.request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        req.context.started = time.perf_counter()

    def process_response(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        resp.set_header("X-Request-ID", req.context.request_id)
        caller = req.context.caller
        access_log.info(
            "%s %s %s %.1fms request_id=%s tenant=%s",
            req.method,
            req.path,
            resp.status_code,
            (time.perf_counter() - req.context.started) * 1000,
            req.context.request_id,
            caller.principal.tenant_id if caller else "-",
        )


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonBodyMiddleware:
    """Reads at most ``max_bytes`` of a request body and parses it as exact JSON."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def _too_large(self) -> HttpProblem:
        return HttpProblem(
            413,
            "Payload too large",
            f"the body is larger than {self.max_bytes} bytes (MAX_BODY_BYTES); "
            "split it into smaller requests",
            slug="payload-too-large",
        )

    def process_resource(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, params: Any
    ) -> None:
        if req.method not in BODY_METHODS or resource is None:
            return
        length = req.content_length
        if length is not None and length > self.max_bytes:
            raise self._too_large()
        raw = req.bounded_stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise self._too_large()
        if getattr(resource, "accepts_raw_body", False):
            # File uploads (imports) take any media type; the resource parses them.
            # The fingerprint stands in for the body in Idempotency-Key checks.
            req.context.raw_body = raw
            req.context.body = {
                "sha256": hashlib.sha256(raw).hexdigest(),
                "content_type": req.content_type,
                "query": req.query_string,
            }
            return
        if not raw.strip():
            return
        if not _is_json(req.content_type):
            raise HttpProblem(
                415,
                "Unsupported media type",
                f"the body is {req.content_type or 'of no declared type'}; "
                "send JSON with 'Content-Type: application/json'",
                slug="unsupported-media-type",
            )
        try:
            req.context.body = loads(raw)
        except JsonLimitError as exc:
            raise HttpProblem(
                400, "JSON beyond limits", f"the body cannot be read: {exc}", slug="json-limits"
            ) from None
        except JsonSyntaxError as exc:
            raise HttpProblem(
                400, "Malformed JSON", f"the body is not valid JSON: {exc}", slug="malformed-json"
            ) from None
        req.context.body_given = True
