"""Authentication: the negative-token matrix and first-contact provisioning."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest
from falcon import testing
from http_support import SECRET, Api, data, make_settings, token

from finance_http.app import build_dependencies, create_app

NOW = int(time.time())


def _unsigned() -> str:
    return jwt.encode({"sub": "1", "tenant_id": "1", "exp": NOW + 60}, None, algorithm="none")


def _without(claim: str) -> str:
    payload = {"sub": "1", "tenant_id": "1", "role": "OWNER", "exp": NOW + 60, "iat": NOW}
    del payload[claim]
    return jwt.encode(payload, SECRET, algorithm="HS256")


#: Every token the contract says must be rejected, with a name for the test id.
BAD_TOKENS: dict[str, Callable[[], str]] = {
    "malformed": lambda: "not.a.jwt",
    "garbage": lambda: "abc",
    "bad-signature": lambda: token(secret="another-secret-that-is-long-enough-0123456789"),
    "alg-none": _unsigned,
    "alg-hs512-not-configured": lambda: token(algorithm="HS512"),
    "expired": lambda: token(minutes=-5),
    "nbf-in-future": lambda: token(nbf=NOW + 600),
    "iat-in-future": lambda: token(iat=NOW + 600),
    "missing-exp": lambda: _without("exp"),
    "missing-sub": lambda: _without("sub"),
    "refresh-type": lambda: token(type="refresh"),
    "aud-when-none-configured": lambda: token(aud="someone"),
    "unknown-role": lambda: token(role="EMPEROR"),
    "tenant-not-string-or-int": lambda: token(tenant=["1"]),
}


class TestRejectedTokens:
    @pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
    def test_bad_token_is_401_invalid_token(
        self, client: testing.TestClient, make: Callable[[], str]
    ) -> None:
        """Each bad token is a 401 with an invalid_token Bearer challenge."""
        result = Api(client, make()).get("/api/accounts")
        assert result.status_code == 401
        assert 'error="invalid_token"' in result.headers["WWW-Authenticate"]
        assert result.headers["Content-Type"] == "application/problem+json"

    def test_no_header_is_401_with_plain_challenge(self, anonymous: Api) -> None:
        """Without Authorization the challenge names Bearer and no error."""
        result = anonymous.get("/api/accounts")
        assert result.status_code == 401
        assert result.headers["WWW-Authenticate"] == 'Bearer realm="finance-planner"'

    def test_other_scheme_is_401(self, anonymous: Api) -> None:
        """Basic credentials are refused with a Bearer challenge."""
        result = anonymous.get("/api/accounts", headers={"Authorization": "Basic dTpw"})
        assert result.status_code == 401
        assert result.headers["WWW-Authenticate"].startswith("Bearer")

    def test_rejection_stores_nothing(self, client: testing.TestClient, api: Api) -> None:
        """A rejected token provisions no tenant."""
        Api(client, token(sub="x", tenant="99", minutes=-5)).get("/api/accounts")
        memberships = data(api.as_(sub="x", tenant="98").get("/api/tenants"))
        assert [t["id"] for t in memberships] == [98]


class TestAcceptedTokens:
    def test_mcp_auth_token_is_accepted(self, api: Api) -> None:
        """The exact MCP_Auth payload with the shared secret works."""
        assert api.get("/api/accounts").status_code == 200

    def test_role_claim_is_case_insensitive(self, api: Api) -> None:
        """role "viewer" and "VIEWER" are the same."""
        api.get("/api/tenants/me")
        assert (
            api.as_(sub="2", role="viewer").post("/api/accounts", {"name": "x"}).status_code == 403
        )

    def test_leeway_accepts_a_just_expired_token(self, api: Api) -> None:
        """A token expired 10 s ago passes within the 30 s leeway."""
        expired = jwt.encode(
            {"sub": "1", "tenant_id": "1", "exp": int(time.time()) - 10}, SECRET, algorithm="HS256"
        )
        assert Api(api.client, expired).get("/api/accounts").status_code == 200


class TestConfiguredClaims:
    @pytest.fixture
    def strict(self, storage_url: str) -> testing.TestClient:
        settings = make_settings(storage_url, JWT_ISSUER="mcp-auth", JWT_AUDIENCE="finance")
        return testing.TestClient(create_app(build_dependencies(settings)))

    def test_matching_issuer_and_audience_pass(self, strict: testing.TestClient) -> None:
        """iss and aud equal to the configured ones are accepted."""
        good = token(iss="mcp-auth", aud="finance")
        assert Api(strict, good).get("/api/accounts").status_code == 200

    def test_wrong_audience_is_401(self, strict: testing.TestClient) -> None:
        """An aud other than JWT_AUDIENCE is refused."""
        assert Api(strict, token(iss="mcp-auth", aud="x")).get("/api/accounts").status_code == 401

    def test_wrong_issuer_is_401(self, strict: testing.TestClient) -> None:
        """An iss other than JWT_ISSUER is refused."""
        assert Api(strict, token(iss="x", aud="finance")).get("/api/accounts").status_code == 401

    def test_missing_issuer_is_401(self, strict: testing.TestClient) -> None:
        """With JWT_ISSUER set a token must carry iss."""
        assert Api(strict, token(aud="finance")).get("/api/accounts").status_code == 401
