"""Request limits and malformed input: 400, 413, 415, 422 and problem bodies."""

from __future__ import annotations

import pytest
from falcon import testing
from http_support import Api, data, make_settings, token

from finance_http.app import build_dependencies, create_app


class TestBodies:
    def test_malformed_json_is_400(self, api: Api) -> None:
        """Broken JSON is a 400 problem saying so."""
        result = api.post("/api/accounts", raw='{"name": ')
        assert result.status_code == 400
        assert "not valid JSON" in data(result)["detail"]

    def test_nan_is_not_json(self, api: Api) -> None:
        """NaN is refused as malformed JSON, never turned into a number."""
        assert (
            api.post("/api/accounts", raw='{"name": "a", "initial_balance": NaN}').status_code
            == 400
        )

    def test_non_json_body_is_415(self, api: Api) -> None:
        """A form body is 415 and names the content type to use."""
        result = api.post(
            "/api/accounts",
            raw="name=a",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert result.status_code == 415
        assert "application/json" in data(result)["detail"]

    def test_missing_body_is_400(self, api: Api) -> None:
        """A POST without a body says a JSON object is needed."""
        assert api.post("/api/accounts").status_code == 400

    def test_array_body_is_422(self, api: Api) -> None:
        """A JSON array where an object belongs is a validation error."""
        assert api.post("/api/accounts", raw="[1]").status_code == 422

    def test_body_over_max_is_413(self, storage_url: str) -> None:
        """A body larger than MAX_BODY_BYTES is 413 and is not stored."""
        settings = make_settings(storage_url, MAX_BODY_BYTES="2048")
        caller = Api(testing.TestClient(create_app(build_dependencies(settings))), token())
        result = caller.post("/api/accounts", {"name": "a", "pad": "x" * 4096})
        assert result.status_code == 413
        assert data(caller.get("/api/accounts"))["total"] == 0

    def test_default_limit_allows_a_full_batch(self, api: Api) -> None:
        """1000 batch items fit in the default 1 MiB."""
        account = api.account()
        items = [
            {
                "amount": "1.00",
                "date": "2024-01-01",
                "category": "groceries",
                "description": "weekly shop",
            }
        ] * 1000
        result = api.post(
            "/api/transactions/batch", {"account_id": account["id"], "transactions": items}
        )
        assert result.status_code == 201


class TestFieldLimits:
    @pytest.mark.parametrize(
        ("field", "limit"), [("description", 1000), ("merchant", 255), ("category", 100)]
    )
    def test_long_strings_are_422(self, api: Api, field: str, limit: int) -> None:
        """A string over its limit is refused, naming the field."""
        body = {
            "account_id": api.account()["id"],
            "amount": "1.00",
            "date": "2024-01-01",
            "category": "x",
            field: "y" * (limit + 1),
        }
        result = api.post("/api/transactions", body)
        assert result.status_code == 422
        assert data(result)["errors"][0]["field"] == field

    def test_too_many_tags_is_422(self, api: Api) -> None:
        """21 tags are refused; the limit is 20."""
        body = {
            "account_id": api.account()["id"],
            "amount": "1.00",
            "date": "2024-01-01",
            "category": "x",
            "tags": [f"t{i}" for i in range(21)],
        }
        result = api.post("/api/transactions", body)
        assert result.status_code == 422
        assert "at most 20" in data(result)["errors"][0]["message"]

    def test_too_many_decimals_is_422_not_rounded(self, api: Api) -> None:
        """1.005 USD is refused rather than rounded."""
        result = api.post("/api/accounts", raw='{"name": "a", "initial_balance": 1.005}')
        assert result.status_code == 422

    def test_huge_path_id_is_404(self, api: Api) -> None:
        """An id beyond 64 bits matches no route: 404, not an error."""
        assert api.get("/api/accounts/99999999999999999999999").status_code == 404


class TestProblems:
    def test_unknown_path_is_problem_json(self, api: Api) -> None:
        """404 for an unknown route is a problem with type, title, status, detail, request id."""
        result = api.get("/api/nothing")
        assert result.headers["Content-Type"] == "application/problem+json"
        body = data(result)
        assert set(body) == {"type", "title", "status", "detail", "request_id"}
        assert body["request_id"] == result.headers["X-Request-ID"]

    def test_wrong_method_is_405_with_allow(self, api: Api) -> None:
        """PUT on a collection is 405 and lists allowed methods."""
        result = api.request("PUT", "/api/accounts", {"name": "a"})
        assert result.status_code == 405
        assert "POST" in result.headers["Allow"]
