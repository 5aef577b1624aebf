"""The OpenAPI 3.1 document, generated from the route table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from finance_http.routing import Operation, Route
from finance_http.schemas import COMPONENTS, ref

OPENAPI_VERSION: Final = "3.1.0"

_ERRORS: Final = {
    400: "Malformed request: invalid JSON, a missing body or a bad header.",
    401: "No valid bearer token.",
    403: "The caller's role does not allow this.",
    404: "No such resource in the caller's tenant.",
    409: "Conflict: a duplicate, or a request with this Idempotency-Key still in flight.",
    412: "If-Match does not match the current ETag.",
    413: "The body is larger than MAX_BODY_BYTES.",
    415: "The body is not JSON.",
    429: "The tenant already runs EXPENSIVE_REQUESTS_PER_TENANT such requests; see Retry-After.",
    422: "Validation failed or a balance rule was violated; `errors` lists every bad field.",
    503: "Storage is unreachable; retry after the Retry-After seconds.",
    507: "Storage has no space left; nothing was stored. Retry after the Retry-After seconds.",
}


def _problem(description: str, status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": "The Bearer challenge.",
                "schema": {"type": "string"},
            }
        }
    if status in (429, 503):
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "string"},
            }
        }
    return response


def _operation(route: Route, op: Operation) -> dict[str, Any]:
    method = op.method.upper()
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [route.tag],
    }
    if op.description:
        out["description"] = op.description
    params: list[dict[str, Any]] = []
    for p in (*route.path_params, *op.query):
        param: dict[str, Any] = {
            "name": p.name,
            "in": p.location,
            "description": p.description,
            "schema": dict(p.schema),
        }
        if p.location == "path" or p.required:
            param["required"] = True
        params.append(param)
    if method == "POST" and not route.public:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "description": "Replays the first response to a retry with the same key and body.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": "^[!-~]+$",
                },
            }
        )
    if op.conditional and method in ("PATCH", "DELETE"):
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "description": "The ETag of the version being changed; 412 when it is stale.",
                "schema": {"type": "string"},
            }
        )
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {
                media: {"schema": ref(op.body) if media in _STRUCTURED else _BINARY}
                for media in op.body_media_types
            },
        }
    responses: dict[str, Any] = {}
    for status, (description, schema) in sorted(op.responses.items()):
        response: dict[str, Any] = {"description": description}
        if status >= 400 and schema is not None:
            response["content"] = {"application/problem+json": {"schema": ref(schema)}}
        elif op.media_types != ("application/json",):
            response["content"] = {
                m: {"schema": ref(schema)}
                if m == "application/json" and schema is not None
                else {"schema": {"type": "string"}}
                for m in op.media_types
            }
        elif schema is not None:
            response["content"] = {"application/json": {"schema": ref(schema)}}
        if op.conditional and status < 300 and schema is not None:
            response["headers"] = {
                "ETag": {
                    "description": 'Strong tag quoting the resource version, e.g. "3".',
                    "schema": {"type": "string"},
                }
            }
        responses[str(status)] = response
    errors: set[int] = set()
    if not route.public:
        # Any authenticated request may write (first contact provisions the tenant).
        errors |= {400, 401, 403, 404, 409, 422, 503, 507}
    if op.body is not None or method in ("POST", "PUT", "PATCH"):
        # Every body is read by the same middleware, even where none is expected.
        errors |= {400, 413, 415, 422}
    if op.query:
        errors.add(422)
    if op.conditional:
        errors.add(412)
    if op.expensive:
        errors.add(429)
    for status in sorted(errors - set(op.responses)):
        responses[str(status)] = _problem(_ERRORS[status], status)
    out["responses"] = responses
    if not route.public:
        out["security"] = [{"bearerAuth": []}]
    return out


#: Request media types whose body follows the operation's schema component.
_STRUCTURED: Final = ("application/json", "multipart/form-data")
_BINARY: Final = {"type": "string", "format": "binary"}


def _link_created(
    route: Route, routes: Sequence[Route], paths: dict[str, Any], schemas: dict[str, Any]
) -> None:
    """Links from a POST's 201 to every operation on the paths below it (``/x`` -> ``/x/{id}``).

    The created resource's property named like the path parameter is used, else
    its ``id``; clients and stateful fuzzing follow them to the new resource.
    """
    for op in route.operations:
        created = op.responses.get(201)
        if op.method.upper() != "POST" or created is None or created[1] is None:
            continue
        properties = schemas.get(created[1], {}).get("properties", {})
        links: dict[str, Any] = {}
        for other in routes:
            if not other.path.startswith(route.path + "/{"):
                continue
            param = other.path[len(route.path) + 2 :].split("}", 1)[0]
            source = param if param in properties else "id" if "id" in properties else None
            if source is None:
                continue
            for target in other.operations:
                links[target.operation_id] = {
                    "operationId": target.operation_id,
                    "parameters": {f"path.{param}": f"$response.body#/{source}"},
                }
        if links:
            paths[route.path][op.method.lower()]["responses"]["201"]["links"] = links


def build_document(routes: Sequence[Route], version: str) -> dict[str, Any]:
    """The document for ``routes``; collection paths also answer with a trailing slash."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = dict(COMPONENTS)
    for route in routes:
        item = paths.setdefault(route.path, {})
        for op in route.operations:
            item[op.method.lower()] = _operation(route, op)
        schemas.update(route.schemas)
    for route in routes:
        _link_created(route, routes, paths, schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Finance Planner API",
            "version": version,
            "description": (
                "Accounts, transactions and transfers of one household (tenant), with exact "
                "decimal amounts. Authenticate with an MCP_Auth access token: "
                "`Authorization: Bearer <token>`. Every collection path also works with a "
                "trailing slash. Errors are `application/problem+json`."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
