"""The OpenAPI document: valid 3.1, and exactly the routes the app serves."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest
from falcon import inspect, testing
from http_support import Api, data
from openapi_spec_validator import validate

from finance_http.app import Dependencies, create_app

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(anonymous: Api) -> dict[str, Any]:
    result = anonymous.get("/openapi.json")
    assert result.status_code == 200
    body: dict[str, Any] = data(result)
    return body


def served_operations(deps: Dependencies) -> set[tuple[str, str]]:
    """(path, method) of every responder Falcon routes to, in OpenAPI path syntax."""
    app = create_app(deps)
    found = set()
    for route in inspect.inspect_routes(app):
        path = re.sub(r":int\([^)]*\)", "", route.path)
        for method in route.methods:
            if method.method != "OPTIONS" and not method.internal:
                found.add((path, method.method.lower()))
    return found


class TestDocument:
    def test_is_a_valid_openapi_3_1_document(self, document: dict[str, Any]) -> None:
        """openapi-spec-validator accepts the document as 3.1."""
        assert document["openapi"] == "3.1.0"
        validate(document)

    def test_documents_every_served_route(
        self, document: dict[str, Any], deps: Dependencies
    ) -> None:
        """Every route the app serves is in the document, and nothing else is."""
        documented = {
            (path, method) for path, item in document["paths"].items()
            for method in item if method in METHODS
        }  # fmt: skip
        assert documented == served_operations(deps)

    def test_every_operation_documents_its_errors(self, document: dict[str, Any]) -> None:
        """Authenticated operations document 401 and 422 as problem+json."""
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if "security" in operation:
                    assert {"401", "422"} <= set(operation["responses"]), (path, method)

    def test_created_resources_link_to_their_operations(self, document: dict[str, Any]) -> None:
        """POST /api/accounts links its new id to every operation on /api/accounts/{account_id}."""
        links = document["paths"]["/api/accounts"]["post"]["responses"]["201"]["links"]
        assert links["getAccount"]["parameters"] == {"path.account_id": "$response.body#/id"}
        below = {
            op["operationId"]
            for path, item in document["paths"].items()
            if path.startswith("/api/accounts/{account_id}")
            for op in item.values()
        }
        assert set(links) == below

    def test_a_member_link_uses_the_user_id(self, document: dict[str, Any]) -> None:
        """A new member is found again by its user id, the path's parameter."""
        created = document["paths"]["/api/tenants/me/members"]["post"]["responses"]["201"]
        assert created["links"]["removeMember"]["parameters"] == {
            "path.user_id": "$response.body#/user_id"
        }

    def test_every_body_method_documents_415(self, document: dict[str, Any]) -> None:
        """A POST or PATCH without a body schema still answers 415 to a non-JSON body."""
        for path, item in document["paths"].items():
            for method in ("post", "patch"):
                if method in item and "security" in item[method]:
                    assert "415" in item[method]["responses"], (path, method)

    def test_expensive_operations_document_429_with_retry_after(
        self, document: dict[str, Any]
    ) -> None:
        """Imports, exports and reports may answer 429; cheap reads never do."""
        expensive = document["paths"]["/api/reports/net-worth"]["get"]["responses"]
        assert "Retry-After" in expensive["429"]["headers"]
        assert "429" in document["paths"]["/api/imports"]["post"]["responses"]
        assert "429" not in document["paths"]["/api/accounts"]["get"]["responses"]

    def test_amounts_are_numbers_in_responses(self, document: dict[str, Any]) -> None:
        """Account balances are documented as JSON numbers."""
        balance = document["components"]["schemas"]["Account"]["properties"]["balance"]
        assert balance["type"] == "number"


class TestDocsPage:
    def test_docs_page_uses_local_assets_only(self, anonymous: Api) -> None:
        """/docs loads Swagger UI from this server, never a CDN."""
        page = anonymous.get("/docs").text
        assert "/docs/assets/swagger-ui-bundle.js" in page
        assert "https://" not in page and "http://" not in page

    @pytest.mark.parametrize(
        "name",
        ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "init.js"],
    )
    def test_assets_are_served(self, anonymous: Api, name: str) -> None:
        """Each asset the page needs is served from the installed package."""
        result = anonymous.get(f"/docs/assets/{name}")
        assert result.status_code == 200
        assert len(result.content) > 100

    def test_docs_can_be_disabled(self, deps: Dependencies) -> None:
        """DOCS_ENABLED=false removes /docs."""
        settings = attrs.evolve(deps.settings, docs_enabled=False)
        client = testing.TestClient(create_app(attrs.evolve(deps, settings=settings)))
        assert client.simulate_get("/docs").status_code == 404
