"""Hooks of the HTTP adapter, added to the plugin manager by ``finance_http.plugin``.

Implement them with ``finance_core.plugins.hookimpl``. Routes, middleware and
error mappings from every plugin are collected when an app is built; a plugin's
routes appear in ``/openapi.json`` like the built-in ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from finance_core.plugins.hookspecs import hookspec

if TYPE_CHECKING:
    from finance_http.app import Dependencies
    from finance_http.problems import ErrorMapping
    from finance_http.routing import Route


@hookspec
def finance_http_routes(deps: Dependencies) -> Sequence[Route]:
    """Contribute routes to every app ``create_app`` builds.

    Called once per app with its dependencies; all results are collected, after
    the built-in routes. Each ``Route`` names its resource (a Falcon resource whose
    responders read input, call ``deps.ledger`` and write output), its operations
    for the document, and whether it is public; every other route gets the caller
    in ``req.context.caller``. A path already taken is an error.

    Example::

        from finance_core.plugins import hookimpl
        from finance_http.routing import Operation, Route

        class Summary:
            def __init__(self, ledger):
                self.ledger = ledger

            def on_get(self, req, resp):
                accounts = self.ledger.list_accounts(req.require_caller().principal)
                resp.media = {"accounts": len(accounts)}

        @hookimpl
        def finance_http_routes(deps):
            op = Operation("GET", "getSummary", "Account count",
                           {200: ("The count.", "Summary")})
            return [Route("/api/reports/summary", Summary(deps.ledger), (op,), tag="reports",
                          schemas={"Summary": {"type": "object"}})]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_http_middleware(deps: Dependencies) -> Sequence[object]:
    """Contribute Falcon middleware components.

    Called once per app; all results are collected and run after the built-in
    middleware (request log, CORS, authentication, body reading, idempotency),
    so ``req.context.caller`` is already set in ``process_resource``.

    Example::

        class Stamp:
            def process_response(self, req, resp, resource, req_succeeded):
                resp.set_header("X-Served-By", "finance-planner")

        @hookimpl
        def finance_http_middleware(deps):
            return [Stamp()]
    """
    raise AssertionError("hookspec")


@hookspec
def finance_http_error_mappings() -> Sequence[ErrorMapping]:
    """Map a plugin's own exceptions to HTTP problem responses.

    Called once per app; all results are collected and checked before the
    built-in mappings, so a plugin may also refine how a core error answers.

    Example::

        from finance_http.problems import ErrorMapping

        class QuotaExceeded(Exception):
            pass

        @hookimpl
        def finance_http_error_mappings():
            return [ErrorMapping(QuotaExceeded, 429, "Quota exceeded", "quota")]
    """
    raise AssertionError("hookspec")
