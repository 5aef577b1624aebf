"""The app factory: ``create_app(dependencies)`` builds the Falcon app from what it is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import cattrs
import falcon

import finance_core
from finance_core.bootstrap import open_ledger
from finance_core.errors import ConfigurationError
from finance_core.plugins.manager import FinancePlugins, make_plugin_manager
from finance_core.services import Ledger
from finance_http.auth import AuthMiddleware, TokenVerifier
from finance_http.context import FinanceRequest
from finance_http.idempotency import IdempotencyMiddleware, IdempotencyService
from finance_http.jsonio import ExactJSONHandler
from finance_http.limits import (
    ExpensiveRequestMiddleware,
    TenantSlots,
    expensive_operations,
    process_slot_dir,
)
from finance_http.middleware import JsonBodyMiddleware, RequestLogMiddleware
from finance_http.openapi import build_document
from finance_http.problems import ErrorMapper, ErrorMapping
from finance_http.request_scope import RequestScopeMiddleware
from finance_http.resources.meta import OpenApiDocument
from finance_http.routes import api_routes, document_route, service_routes
from finance_http.routing import Route
from finance_http.settings import Settings
from finance_http.wire import make_converter

EXPOSED_HEADERS = ("ETag", "Location", "X-Request-ID", "Idempotent-Replayed", "Retry-After")


@attrs.frozen
class Dependencies:
    """Everything the app needs, built by the caller (tests pass their own)."""

    ledger: Ledger
    settings: Settings
    plugins: FinancePlugins | None = None
    version: str = finance_core.__version__
    #: The one converter of the HTTP boundary; plugin routes use it too.
    converter: cattrs.Converter = attrs.field(factory=make_converter)


def build_dependencies(settings: Settings, plugins: FinancePlugins | None = None) -> Dependencies:
    """Open the configured storage with the installed plugins."""
    plugins = plugins or make_plugin_manager()
    ledger = open_ledger(
        settings.database_url, plugins=plugins, default_currency=settings.default_currency
    )
    return Dependencies(ledger, settings, plugins)


def _collect(plugins: FinancePlugins | None, hook_name: str, **kwargs: Any) -> list[Any]:
    """Results of one HTTP hook from every plugin, flattened."""
    if plugins is None:
        return []
    hook = getattr(plugins.pm.hook, hook_name, None)
    if hook is None:
        return []
    return [item for batch in hook(**kwargs) for item in batch]


def _cors(settings: Settings) -> list[object]:
    origins = settings.cors_origins
    if not origins:
        return []
    if "*" in origins:
        # A wildcard never goes with credentials.
        return [falcon.CORSMiddleware(allow_origins="*", expose_headers=EXPOSED_HEADERS)]
    return [
        falcon.CORSMiddleware(
            allow_origins=origins, allow_credentials=origins, expose_headers=EXPOSED_HEADERS
        )
    ]


def all_routes(deps: Dependencies) -> list[Route]:
    """Built-in and plugin routes, the OpenAPI document's own route last."""
    settings = deps.settings
    routes = [
        *service_routes(deps.ledger, deps.version, settings.docs_enabled),
        *api_routes(deps.ledger, deps.converter),
        *_collect(deps.plugins, "finance_http_routes", deps=deps),
    ]
    seen: set[str] = set()
    for route in routes:
        if route.path in seen:
            raise ConfigurationError(f"two routes claim the path {route.path!r}")
        seen.add(route.path)
    placeholder = document_route(OpenApiDocument({}))
    document = build_document([*routes, placeholder], deps.version)
    return [*routes, attrs.evolve(placeholder, resource=OpenApiDocument(document))]


def create_app(deps: Dependencies) -> falcon.App[FinanceRequest, falcon.Response]:
    settings = deps.settings
    routes = all_routes(deps)
    public = {id(route.resource) for route in routes if route.public}
    slots = TenantSlots(
        Path(settings.slot_dir) if settings.slot_dir else process_slot_dir(),
        settings.expensive_requests_per_tenant,
    )
    middleware: list[Any] = [
        RequestLogMiddleware(),
        *_cors(settings),
        AuthMiddleware(TokenVerifier(settings), public),
        # Before the request's unit of work opens, so a refused request holds nothing.
        ExpensiveRequestMiddleware(slots, expensive_operations(routes)),
        JsonBodyMiddleware(settings.max_body_bytes),
        IdempotencyMiddleware(IdempotencyService(deps.ledger)),
        # After the idempotency reservation (its own unit of work) and before
        # plugin middleware, so that plugins run inside the request's unit.
        RequestScopeMiddleware(deps.ledger),
        *_collect(deps.plugins, "finance_http_middleware", deps=deps),
    ]
    app: falcon.App[FinanceRequest, falcon.Response] = falcon.App(
        request_type=FinanceRequest, middleware=middleware
    )
    # Collections answer with and without a trailing slash, with no redirect.
    app.req_options.strip_url_path_trailing_slash = True
    # "?as_of=" is a malformed date, not an absent parameter.
    app.req_options.keep_blank_qs_values = True
    json_handler = ExactJSONHandler()
    app.req_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    extra: list[ErrorMapping] = _collect(deps.plugins, "finance_http_error_mappings")
    ErrorMapper(extra).install(app)
    for route in routes:
        app.add_route(route.falcon_template(), route.resource, suffix=route.suffix)
    return app
