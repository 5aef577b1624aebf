"""Unauthenticated routes: service info, health, the OpenAPI document and the docs page."""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any, Final

import falcon

from finance_core.errors import StorageError
from finance_core.ports import Storage
from finance_http.context import FinanceRequest
from finance_http.jsonio import dumps

log = logging.getLogger("finance_http.errors")

#: Swagger UI 5 (which renders OpenAPI 3.1), as shipped in the swagger-ui-py wheel.
SWAGGER_PACKAGE: Final = "swagger_ui"
SWAGGER_ASSETS: Final = (
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
)


class Root:
    def __init__(self, version: str, docs_enabled: bool) -> None:
        self.body = {
            "name": "Finance Planner",
            "version": version,
            "docs": "/docs" if docs_enabled else None,
            "openapi": "/openapi.json",
        }

    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        resp.media = self.body


class Health:
    def __init__(self, storage: Storage, version: str) -> None:
        self.storage = storage
        self.version = version

    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        try:
            self.storage.check()
        except StorageError as exc:
            # Anyone may call /health, so the cause (hosts, paths) goes to the log only.
            log.error("health check failed (request %s): %s", req.context.request_id, exc)
            resp.status = 503
            resp.set_header("Retry-After", "5")
            resp.media = {
                "status": "unhealthy",
                "version": self.version,
                "storage": f"unreachable; the log has the cause under request id "
                f"{req.context.request_id}",
            }
            return
        resp.media = {"status": "healthy", "version": self.version, "storage": "ok"}


class OpenApiDocument:
    def __init__(self, document: dict[str, Any]) -> None:
        self.text = dumps(document)

    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.text = self.text


_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Finance Planner API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
"""

# In a file of its own so the page works under a strict Content-Security-Policy.
_INIT: Final = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
});
"""


def swagger_asset(name: str) -> bytes:
    return (resources.files(SWAGGER_PACKAGE) / "static" / name).read_bytes()


class DocsPage:
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = _PAGE


class DocsAsset:
    """Serves the Swagger UI files from the installed package, read once."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {
            name: (swagger_asset(name), falcon.MEDIA_JS if name.endswith(".js") else "text/css")
            for name in SWAGGER_ASSETS
        }
        self.files["init.js"] = (_INIT.encode(), falcon.MEDIA_JS)

    def on_get(self, req: FinanceRequest, resp: falcon.Response, name: str) -> None:
        found = self.files.get(name)
        if found is None:
            raise falcon.HTTPNotFound(description=f"no docs asset named {name!r}")
        resp.data, resp.content_type = found
        resp.cache_control = ["public", "max-age=86400"]
