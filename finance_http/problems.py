"""Errors as RFC 9457 problem details: one mapping from exceptions to HTTP, in one place."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import falcon

from finance_core.errors import (
    BalanceRuleViolation,
    ConfigurationError,
    ConflictError,
    FieldError,
    FinanceError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    StorageError,
    StorageFullError,
    ValidationError,
)
from finance_core.reconciliation import ReconciledError
from finance_http.context import FinanceRequest
from finance_http.jsonio import dumps

log = logging.getLogger("finance_http.errors")

PROBLEM_JSON: Final = "application/problem+json"
TYPE_PREFIX: Final = "urn:finance-planner:problem:"


@attrs.frozen
class ErrorMapping:
    """How one exception class is answered. Plugins add these through a hook."""

    exception: type[Exception]
    status: int
    title: str
    slug: str


class HttpProblem(Exception):
    """An error response raised by the HTTP layer itself (auth, body, headers)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug or title.lower().replace(" ", "-")
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


#: Checked in order; the first class the exception is an instance of wins.
BUILTIN_MAPPINGS: Final[tuple[ErrorMapping, ...]] = (
    ErrorMapping(ValidationError, 422, "Validation failed", "validation"),
    ErrorMapping(BalanceRuleViolation, 422, "Balance rule violated", "balance-rule"),
    ErrorMapping(NotFoundError, 404, "Not found", "not-found"),
    ErrorMapping(PermissionDeniedError, 403, "Forbidden", "forbidden"),
    ErrorMapping(StaleVersionError, 409, "Stale version", "stale-version"),
    ErrorMapping(ConflictError, 409, "Conflict", "conflict"),
    ErrorMapping(StorageFullError, 507, "Insufficient storage", "storage-full"),
    ErrorMapping(StorageError, 503, "Storage unavailable", "storage-unavailable"),
    ErrorMapping(ConfigurationError, 503, "Service misconfigured", "configuration"),
    ErrorMapping(FinanceError, 400, "Bad request", "bad-request"),
)


def problem_body(
    status: int,
    title: str,
    detail: str,
    slug: str,
    extra: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    if request_id:
        body["request_id"] = request_id
    return body


def write_problem(
    resp: falcon.Response,
    status: int,
    title: str,
    detail: str,
    slug: str,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
) -> None:
    resp.status = status
    resp.content_type = PROBLEM_JSON
    resp.text = dumps(problem_body(status, title, detail, slug, extra, request_id))
    resp.media = None
    for name, value in (headers or {}).items():
        resp.set_header(name, value)


def field_error(error: FieldError) -> dict[str, Any]:
    """One ``errors`` entry; ``row`` and ``line`` only when the error points into a file."""
    entry: dict[str, Any] = {"field": error.field, "message": error.message}
    if error.row is not None:
        entry["row"] = error.row
    if error.line is not None:
        entry["line"] = error.line
    return entry


class ErrorMapper:
    """Turns any exception into a problem response; installed once on the app."""

    def __init__(self, extra: Iterable[ErrorMapping] = ()) -> None:
        # Plugin mappings first, so a plugin's own exception classes are honoured
        # even when they subclass a core error.
        self.mappings: Sequence[ErrorMapping] = (*extra, *BUILTIN_MAPPINGS)

    def install(self, app: falcon.App[FinanceRequest, falcon.Response]) -> None:
        app.add_error_handler(Exception, self.handle_unexpected)
        app.add_error_handler(FinanceError, self.handle_domain)
        app.add_error_handler(HttpProblem, self.handle_problem)
        app.set_error_serializer(self.serialize_http_error)
        for mapping in self.mappings:
            if not issubclass(mapping.exception, FinanceError):
                app.add_error_handler(mapping.exception, self.handle_domain)

    def handle_problem(
        self, req: FinanceRequest, resp: falcon.Response, ex: HttpProblem, params: Any
    ) -> None:
        write_problem(
            resp,
            ex.status,
            ex.title,
            ex.detail,
            ex.slug,
            ex.extra,
            ex.headers,
            req.context.request_id,
        )

    def handle_domain(
        self, req: FinanceRequest, resp: falcon.Response, ex: Exception, params: Any
    ) -> None:
        mapping = next(m for m in self.mappings if isinstance(ex, m.exception))
        status, title, slug = mapping.status, mapping.title, mapping.slug
        extra: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if isinstance(ex, StaleVersionError) and req.context.if_match_given:
            status, title = 412, "Precondition failed"
        if isinstance(ex, ValidationError):
            extra["errors"] = [field_error(e) for e in ex.errors]
        elif isinstance(ex, ReconciledError):
            rec = ex.reconciliation
            extra["reconciliation"] = {
                "id": rec.id,
                "account_id": rec.account_id,
                "date": rec.date.isoformat(),
            }
        elif isinstance(ex, BalanceRuleViolation):
            extra.update(rule=ex.rule, account_id=ex.account_id, balance=ex.balance)
        detail = str(ex)
        if status >= 500:
            # Storage and configuration messages name files, hosts, users and SQL:
            # the log gets them, the client gets the request id to quote.
            request_id = req.context.request_id
            log.error(
                "%s on %s %s (request %s): %s",
                type(ex).__name__,
                req.method,
                req.path,
                request_id,
                ex,
            )
            detail = _server_fault_detail(ex, request_id)
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        write_problem(resp, status, title, detail, slug, extra, headers, req.context.request_id)

    def handle_unexpected(
        self, req: FinanceRequest, resp: falcon.Response, ex: Exception, params: Any
    ) -> None:
        log.exception(
            "unhandled error on %s %s (request %s)", req.method, req.path, req.context.request_id
        )
        write_problem(
            resp,
            500,
            "Internal error",
            f"the server failed unexpectedly; report request id {req.context.request_id}",
            "internal",
            request_id=req.context.request_id,
        )

    def serialize_http_error(
        self, req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError
    ) -> None:
        request_id = getattr(req.context, "request_id", None)
        self._write_http_error(resp, ex, request_id)

    @staticmethod
    def _write_http_error(
        resp: falcon.Response, ex: falcon.HTTPError, request_id: str | None = None
    ) -> None:
        status = ex.status_code
        # Falcon's default titles repeat the code ("404 Not Found"); the problem has it already.
        title = ex.title or ""
        if not title or title.split(" ", 1)[0].isdigit():
            title = falcon.code_to_http_status(status).split(" ", 1)[-1]
        detail = ex.description or _DEFAULT_DETAILS.get(status, title)
        resp.content_type = PROBLEM_JSON
        resp.media = None
        slug = title.lower().replace(" ", "-")
        resp.text = dumps(problem_body(status, title, detail, slug, None, request_id))


#: Seconds a client should wait before retrying after a fault of ours (503, 507).
RETRY_AFTER_SECONDS: Final = 5


def _server_fault_detail(ex: Exception, request_id: str) -> str:
    """What a client may know of a fault of ours: what happened to its request."""
    if isinstance(ex, StorageFullError):
        stored = (
            "the storage has no space left, so nothing of this request was stored; "
            "writes work again once space is freed"
        )
    elif isinstance(ex, StorageError) and ex.outcome_unknown:
        stored = "whether this request's changes were stored is unknown; look before retrying"
    elif isinstance(ex, StorageError):
        stored = f"nothing of this request was stored; retry in {RETRY_AFTER_SECONDS} seconds"
    else:
        stored = "the service is configured wrongly; nothing was stored"
    return f"{stored}. If it persists, report request id {request_id}"


_DEFAULT_DETAILS: Final = {
    404: "no resource lives at this path; GET /openapi.json lists every route",
    405: "this path does not support that method; the Allow header lists the ones it does",
}
