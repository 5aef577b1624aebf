"""The fuzz suite: every documented route and method, on SQLite, PostgreSQL and JSON storage.

Three parts, each driven by ``/openapi.json`` so a new route is fuzzed the day
it is documented: schemathesis with every check, one operation at a time;
schemathesis' stateful machine following the document's links (create, then
read, change and delete what was created); and our own hypothesis strategies
sending hostile bodies and query strings (control characters, oversize
numbers, deep nesting, unknown names) to every operation. Every answer must
be below 500 and a status the document lists for the operation.

``FINANCE_FUZZ_PROFILE=ci`` (the default) runs a fixed, derandomized budget of
a few minutes of CPU; ``FINANCE_FUZZ_PROFILE=long`` draws far more, new
examples each run, for a manual run.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import attrs
import pytest
import schemathesis
from falcon import testing
from http_support import Api, make_settings, resolve_url, token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from finance_http.app import build_dependencies, create_app
from finance_http.jsonio import dumps, loads


@attrs.frozen
class Budget:
    """How much each part of the suite draws for one backend."""

    per_operation: int
    stateful_runs: int
    stateful_steps: int
    hostile: int
    derandomize: bool


PROFILES: Final = {
    "ci": Budget(per_operation=8, stateful_runs=6, stateful_steps=8, hostile=80, derandomize=True),
    "long": Budget(
        per_operation=200, stateful_runs=150, stateful_steps=25, hostile=3000, derandomize=False
    ),
}
BUDGET: Final = PROFILES[os.environ.get("FINANCE_FUZZ_PROFILE", "ci")]
_HEALTH: Final = list(HealthCheck)

# Valid-by-schema requests may still meet rules JSON Schema cannot say (a balance
# floor, split sums, a stale If-Match, report ranges, the per-tenant cap), so
# 409, 412, 422 and 429 are acceptable answers to them too. If-Match is evaluated
# before the body (RFC 9110 section 13.2.1), so a stale tag with a bad body is a 412.
_CHECKS: Final = {
    "positive_data_acceptance": {
        "expected-statuses": ["2xx", "403", "404", "409", "412", "422", "429"]
    },
    "negative_data_rejection": {
        "expected-statuses": [
            "400",
            "401",
            "403",
            "404",
            "405",
            "406",
            "409",
            "412",
            "413",
            "415",
            "422",
            "429",
        ]
    },
}


# A rule's condition tree nests at most 8 levels, which its recursive schema says
# only in words: written out level by level, the schema makes the schema
# fuzzers' strategies grow past memory. A schema-valid tree can so nest past the
# JSON reader's 32 levels, which is a 400 (JSON beyond limits) for the three
# operations whose bodies carry a tree; no other operation is widened.
_RULE_BODIES: Final = {
    "include-operation-id": ["createRule", "updateRule", "previewRule"],
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": [
                *_CHECKS["positive_data_acceptance"]["expected-statuses"],
                "400",
            ]
        }
    },
}


def _config(auth: Mapping[str, str]) -> SchemathesisConfig:
    """Every check, with the caller's token as the valid credentials schemathesis knows."""
    bearer = auth["Authorization"].removeprefix("Bearer ")
    return SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"bearerAuth": {"bearer": bearer}}},
            "checks": _CHECKS,
            "operations": [_RULE_BODIES],
        }
    )


BACKENDS: Final = ("sqlite", "postgresql", "json")


@attrs.frozen
class Target:
    """One app on one backend, with a tenant of its own and the document it serves."""

    app: Any
    auth: Mapping[str, str]
    document: Mapping[str, Any]

    @property
    def client(self) -> testing.TestClient:
        return testing.TestClient(self.app)


def _url(backend: str, directory: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory}/fuzz.db"
    if backend == "json":
        return f"json:///{directory}/books"
    return resolve_url("postgresql:lazy")


def _target(backend: str) -> Target:
    """An app on the backend, seeded so that generated ids can find something."""
    directory = Path(tempfile.mkdtemp(prefix=f"finance-fuzz-{backend}-"))
    atexit.register(shutil.rmtree, directory, True)
    deps = build_dependencies(make_settings(_url(backend, directory)))
    atexit.register(deps.ledger.storage.close)
    app = create_app(deps)
    # PostgreSQL is shared with other tests: a tenant of our own keeps us apart.
    tenant = f"fuzz-{uuid.uuid4().hex[:12]}"
    bearer = token(sub=tenant, tenant=tenant)
    api = Api(testing.TestClient(app), bearer)
    first, second = api.account("A", initial_balance="500.00"), api.account("B")
    api.transaction(first["id"])
    api.transfer(first["id"], second["id"])
    document = loads(api.get("/openapi.json").text)
    return Target(app, {"Authorization": f"Bearer {bearer}"}, document)


# Built at collection, because schemathesis generates one test per documented operation.
TARGETS: Final = {backend: _target(backend) for backend in BACKENDS}


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest) -> Target:
    return TARGETS[request.param]


def _schema(backend: str) -> Any:
    target = TARGETS[backend]
    return schemathesis.openapi.from_wsgi("/openapi.json", target.app, config=_config(target.auth))


def _conformance(backend: str) -> Any:
    schema = _schema(backend)

    @schema.parametrize()
    @settings(
        max_examples=BUDGET.per_operation,
        deadline=None,
        derandomize=BUDGET.derandomize,
        suppress_health_check=_HEALTH,
    )
    def test(case: schemathesis.Case) -> None:
        case.call_and_validate()

    test.__doc__ = (
        f"On {backend}: no 5xx, and every answer has a documented status, media type, "
        "headers and schema."
    )
    return test


test_operations_conform_on_sqlite = _conformance("sqlite")
test_operations_conform_on_postgresql = _conformance("postgresql")
test_operations_conform_on_json = _conformance("json")


def test_only_bodies_carrying_a_condition_tree_may_meet_the_nesting_limit() -> None:
    """The 400 allowance for schema-valid bodies covers creating, changing and
    previewing a rule, and no other operation."""
    schema = _schema("sqlite")
    widened = {
        (path, method)
        for path, methods in TARGETS["sqlite"].document["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
        and "400"
        in schema.config.checks_config_for(
            operation=schema[path][method.upper()]
        ).positive_data_acceptance.expected_statuses
    }
    assert widened == {
        ("/api/rules", "post"),
        ("/api/rules/{rule_id}", "patch"),
        ("/api/rules/preview", "post"),
    }


def test_stateful_sequences_follow_the_links(target: Target) -> None:
    """Create, then read, change and delete what was created: every step conforms."""
    schema = schemathesis.openapi.from_wsgi(
        "/openapi.json", target.app, config=SchemathesisConfig.from_dict({"checks": _CHECKS})
    )
    scenario = {"bearer": ""}

    @schema.auth(refresh_interval=None)
    class ScenarioToken:
        """The token of the running scenario's own tenant."""

        def get(self, case: schemathesis.Case, context: Any) -> str:
            return scenario["bearer"]

        def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    class FreshTenant(schema.as_state_machine()):  # type: ignore[misc]
        """Each scenario acts in a new tenant, so a replayed scenario meets the same state."""

        def setup(self) -> None:
            tenant = f"fuzz-{uuid.uuid4().hex[:12]}"
            scenario["bearer"] = token(sub=tenant, tenant=tenant)

    FreshTenant.run(
        settings=settings(
            max_examples=BUDGET.stateful_runs,
            stateful_step_count=BUDGET.stateful_steps,
            deadline=None,
            derandomize=BUDGET.derandomize,
            suppress_health_check=_HEALTH,
        )
    )


# -- hostile bodies and query strings -------------------------------------------------
_NASTY_TEXT: Final = st.sampled_from(
    ["\x00", "\x1b[2J", "\ud800", "\u202e", "\x7f", "\x85", "'; DROP TABLE accounts; --", "%00"]
)
_TEXT: Final = st.text(max_size=30) | _NASTY_TEXT | st.just("x" * 1001)
_NUMBER_TEXT: Final = st.sampled_from(
    [
        "1e999999999",
        "-1e999999999",
        "9" * 120,
        "1e-999999",
        "0.000001",
        "100000000000000",
        "9223372036854775808",
        "-1",
        "0",
        "1.005",
        "NaN",
        "Infinity",
    ]
)
_QUERY_VALUE: Final = _TEXT | _NUMBER_TEXT | st.dates().map(str) | st.integers().map(str)


def _json_text() -> st.SearchStrategy[str]:
    """JSON text: arbitrary values, hostile strings, and raw oversize or deep fragments."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**70), 2**70)
        | _TEXT
        | st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)
    )
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(max_size=12) | _NASTY_TEXT, inner, max_size=5)
        ),
        max_leaves=12,
    )
    raw = st.one_of(
        _NUMBER_TEXT,
        st.integers(30, 3000).map(lambda depth: "[" * depth + "]" * depth),
        st.integers(1, 3000).map(lambda depth: "{" + '"a":[' * depth),
        st.just('{"name": "\\ud800"}'),
    )
    return st.one_of(values.map(dumps), raw)


def _operations(document: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method.upper(), operation)
        for path, item in sorted(document["paths"].items())
        for method, operation in sorted(item.items())
    ]


@st.composite
def hostile_requests(draw: st.DrawFn, document: Mapping[str, Any]) -> dict[str, Any]:
    """One request to a documented operation, with every part drawn to be awkward."""
    path, method, operation = draw(st.sampled_from(_operations(document)))
    params = operation.get("parameters", [])
    for param in params:
        if param["in"] == "path":
            value = draw(
                st.integers(1, 5).map(str)
                | st.integers(-(2**70), 2**70).map(str)
                | _NUMBER_TEXT
                | st.text(st.characters(codec="ascii"), max_size=6)
            )
            path = path.replace("{" + param["name"] + "}", quote(value, safe="") or "0")
    names = [p["name"] for p in params if p["in"] == "query"] + ["unknown", "limit", "offset"]
    query = draw(st.dictionaries(st.sampled_from(names), _QUERY_VALUE, max_size=4))
    request: dict[str, Any] = {
        "method": method,
        "path": path,
        "params": query,
        "statuses": sorted(operation["responses"]),
    }
    if method in ("POST", "PATCH", "PUT"):
        shape = _body_schema(document, operation)
        bodies = _json_text() if shape is None else _json_text() | _shaped(document, shape)
        request["body"] = draw(bodies)
        request["content_type"] = draw(
            st.sampled_from(["application/json", "application/json", "text/csv"])
        )
    return request


def _resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema
    resolved: Mapping[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def _body_schema(document: Mapping[str, Any], operation: Mapping[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return None if schema is None else _resolve(document, schema)


def _plausible(document: Mapping[str, Any], schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A value of roughly the right type, with hostile text wherever a string goes."""
    schema = _resolve(document, schema)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type", "string")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if schema.get("format") == "date":
        return st.dates().map(str)
    if "number" in kinds:
        return st.sampled_from(["1.00", "-1.00", "0"])
    if "integer" in kinds:
        return st.integers(1, 3)
    if "boolean" in kinds:
        return st.booleans()
    if "array" in kinds:
        return st.lists(_TEXT, max_size=2)
    if "object" in kinds:
        return st.just({})
    return _TEXT


def _shaped(document: Mapping[str, Any], schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    """A body with the documented fields, every string among them drawn to be hostile."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    fields = {
        name: _plausible(document, sub)
        if name in required
        else st.none() | _plausible(document, sub)
        for name, sub in properties.items()
    }
    return st.fixed_dictionaries(fields).map(
        lambda body: dumps({k: v for k, v in body.items() if v is not None})
    )


def _bytes(text: str) -> bytes:
    # A lone surrogate becomes the invalid UTF-8 a hostile client can send.
    return text.encode("utf-8", "surrogatepass")


def _send(target: Target, request: Mapping[str, Any]) -> testing.Result:
    headers = dict(target.auth)
    body = request.get("body")
    if body is not None:
        headers["Content-Type"] = request["content_type"]
    query = "&".join(
        f"{quote(name)}={quote(_bytes(value), safe='')}"
        for name, value in request["params"].items()
    )
    return target.client.simulate_request(
        request["method"],
        request["path"],
        query_string=query or None,
        headers=headers,
        body=None if body is None else _bytes(body),
    )


def _documented(request: Mapping[str, Any], status: int) -> bool:
    """The operation lists the status; 404 is the router's answer to a path no route has."""
    return status == 404 or str(status) in request["statuses"]


@settings(
    max_examples=BUDGET.hostile,
    deadline=None,
    derandomize=BUDGET.derandomize,
    suppress_health_check=_HEALTH,
)
@given(data=st.data())
def test_hostile_bodies_and_query_strings_are_4xx_problems(
    target: Target, data: st.DataObject
) -> None:
    """Whatever a client sends: no 5xx, a documented status, and a problem body for a 4xx."""
    request = data.draw(hostile_requests(target.document))
    result = _send(target, request)
    assert result.status_code < 500, (request, result.status_code, result.text)
    assert _documented(request, result.status_code), (request, result.status_code, result.text)
    if result.status_code >= 400:
        assert result.headers["Content-Type"] == "application/problem+json", result.text
        problem = loads(result.text)
        assert {"type", "title", "status", "detail"} <= set(problem), problem
        assert problem["status"] == result.status_code
