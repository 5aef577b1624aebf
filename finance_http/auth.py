"""Bearer tokens from MCP_Auth: verified with PyJWT, read into an ``Identity`` once.

A verified token's claims are remembered until the token expires (see
``token_cache``), but nothing else about a caller is: roles are read from
storage on every request, so an owner's change of someone's role applies at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from types import MappingProxyType
from typing import Any, Final

import falcon
import jwt

from finance_core.errors import ValidationError
from finance_core.tenancy import Role
from finance_core.text import text_problem
from finance_http.context import FinanceRequest, Identity
from finance_http.problems import HttpProblem
from finance_http.settings import Settings
from finance_http.token_cache import DEFAULT_MAX_ENTRIES, TokenExpired, VerifiedTokens

#: Tenants for tokens without ``tenant_id``. MCP_Auth issues digit strings, so a
#: prefix with a colon can never collide with an issued id.
PERSONAL_PREFIX: Final = "personal:"
MAX_ID_LENGTH: Final = 255


def challenge(error: str | None = None, description: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="finance-planner"'
    if error is not None:
        value += f', error="{error}"'
    if description is not None:
        value += ', error_description="' + description.replace('"', "'") + '"'
    return {"WWW-Authenticate": value}


def unauthorized(detail: str, *, token_sent: bool) -> HttpProblem:
    headers = challenge("invalid_token", detail) if token_sent else challenge()
    return HttpProblem(401, "Unauthorized", detail, slug="unauthorized", headers=headers)


def _expired() -> HttpProblem:
    return unauthorized("the token has expired; get a new one", token_sent=True)


class TokenVerifier:
    """Checks signature and claims exactly as the settings say, once per token."""

    def __init__(
        self,
        settings: Settings,
        *,
        cache_size: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = settings.require_secret()
        self.algorithms = list(settings.jwt_algorithms)
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway = settings.jwt_leeway_seconds
        self.verified = VerifiedTokens(
            leeway_seconds=self.leeway, max_entries=cache_size, clock=clock
        )

    def verify(self, token: str) -> Mapping[str, Any]:
        """The token's claims; ``HttpProblem`` 401 for any reason not to trust it."""
        try:
            claims = self.verified.get(token)
        except TokenExpired:
            raise _expired() from None
        if claims is None:
            # Read-only, since every later request with this token shares it.
            claims = MappingProxyType(self._decode(token))
            self.verified.put(token, claims)
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            # With no audience configured PyJWT still verifies one, so a token
            # that names an audience is refused, as the contract requires.
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise _expired() from None
        except jwt.ImmatureSignatureError:
            raise unauthorized(
                "the token is not valid yet (nbf or iat in the future); check the clocks",
                token_sent=True,
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise unauthorized(
                f"the token lacks the {exc.claim!r} claim", token_sent=True
            ) from None
        except jwt.InvalidAudienceError:
            expected = self.audience or "no audience"
            raise unauthorized(
                f"the token's audience does not match; this service accepts {expected}",
                token_sent=True,
            ) from None
        except jwt.InvalidIssuerError:
            raise unauthorized(
                f"the token's issuer is not {self.issuer!r}", token_sent=True
            ) from None
        except jwt.InvalidAlgorithmError:
            raise unauthorized(
                f"the token's algorithm is not accepted; use {', '.join(self.algorithms)}",
                token_sent=True,
            ) from None
        except jwt.InvalidSignatureError:
            raise unauthorized(
                "the token's signature does not verify with this service's secret",
                token_sent=True,
            ) from None
        except jwt.InvalidTokenError as exc:
            raise unauthorized(f"the token is not valid: {exc}", token_sent=True) from None
        token_type = claims.get("type")
        if token_type is not None and token_type != "access":
            raise unauthorized(
                f"a {token_type!r} token cannot call the API; send an access token",
                token_sent=True,
            )
        return claims


def identity(claims: Mapping[str, Any]) -> tuple[str, str, Role | None]:
    """(tenant id, auth user id, role claim) from verified claims."""
    sub = claims["sub"]
    if not isinstance(sub, str) or not 1 <= len(sub) <= MAX_ID_LENGTH:
        raise unauthorized("the sub claim must be a string of 1 to 255 characters", token_sent=True)
    if (problem := text_problem(sub)) is not None:
        raise unauthorized(f"the sub claim {problem}", token_sent=True)
    raw_tenant = claims.get("tenant_id")
    if raw_tenant is None:
        tenant_id = PERSONAL_PREFIX + sub
        if len(tenant_id) > MAX_ID_LENGTH:
            raise unauthorized(
                f"a token without tenant_id acts in a personal tenant named after its sub, "
                f"so its sub may be at most {MAX_ID_LENGTH - len(PERSONAL_PREFIX)} characters",
                token_sent=True,
            )
    elif isinstance(raw_tenant, bool) or not isinstance(raw_tenant, str | int):
        raise unauthorized("the tenant_id claim must be a string or an integer", token_sent=True)
    else:
        tenant_id = str(raw_tenant)
        if not 1 <= len(tenant_id) <= MAX_ID_LENGTH - len(PERSONAL_PREFIX):
            raise unauthorized("the tenant_id claim must be 1 to 246 characters", token_sent=True)
        if (problem := text_problem(tenant_id)) is not None:
            raise unauthorized(f"the tenant_id claim {problem}", token_sent=True)
    raw_role = claims.get("role")
    role = None
    if raw_role is not None:
        try:
            role = Role.parse(raw_role)
        except ValidationError:
            raise unauthorized(
                f"the role claim {raw_role!r} is not one of OWNER, ADMIN, MEMBER, VIEWER",
                token_sent=True,
            ) from None
    return tenant_id, sub, role


def bearer_token(req: falcon.Request) -> str:
    header = req.get_header("Authorization")
    if header is None:
        raise unauthorized(
            "this route needs 'Authorization: Bearer <token>'; "
            "'finance-planner token' prints one for development",
            token_sent=False,
        )
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized(
            f"the {scheme!r} scheme is not accepted; send 'Authorization: Bearer <token>'",
            token_sent=False,
        )
    token = token.strip()
    if not token:
        raise unauthorized("the Bearer header carries no token", token_sent=True)
    return token


class AuthMiddleware:
    """Verifies the token of every route whose resource is not in ``public``.

    It only reads the token; the caller's stored membership is read later, in
    the request's own unit of work (``finance_http.request_scope``).
    """

    def __init__(self, verifier: TokenVerifier, public: Collection[int]) -> None:
        self.verifier = verifier
        self.public = frozenset(public)

    def process_resource(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, params: Any
    ) -> None:
        # Preflight requests carry no credentials; CORS middleware answers them.
        if resource is None or id(resource) in self.public or req.method == "OPTIONS":
            return
        claims = self.verifier.verify(bearer_token(req))
        tenant_id, sub, role = identity(claims)
        req.context.identity = Identity(tenant_id, sub, role, claims)
