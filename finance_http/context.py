"""The typed request context every middleware and resource shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

import attrs
import falcon

from finance_core.scope import Scope
from finance_core.tenancy import Principal, Role, User


@attrs.frozen
class Identity:
    """Who the verified token says is calling, before their membership is read."""

    tenant_id: str
    auth_user_id: str
    role_claim: Role | None
    claims: Mapping[str, Any] = attrs.field(repr=False, eq=False)


@attrs.frozen
class Caller:
    """Who is calling, resolved once per request inside the request's unit of work."""

    principal: Principal
    user: User
    claims: Mapping[str, Any] = attrs.field(repr=False, eq=False)


class RequestContext(falcon.Context):
    """Per-request state; attributes are set by middleware in a fixed order."""

    def __init__(self) -> None:
        self.request_id: str = ""
        self.started: float = 0.0
        #: Set by the auth middleware from the verified token.
        self.identity: Identity | None = None
        #: Set by the request-scope middleware from the stored membership.
        self.caller: Caller | None = None
        #: The request's unit of work (see ``finance_http.request_scope``).
        self.scope: Scope | None = None
        self.scope_block: AbstractContextManager[Scope] | None = None
        #: Resolves the caller on first use, for resources that resolve it late.
        self.resolve_caller: Callable[[], Caller] | None = None
        #: The parsed JSON body of a POST/PATCH/PUT (None for no body).
        self.body: Any = None
        self.body_given: bool = False
        #: The unparsed body, for resources that declare ``accepts_raw_body``.
        self.raw_body: bytes | None = None
        #: Whether the request carried If-Match: a stale version is then a 412.
        self.if_match_given: bool = False
        #: (tenant id, key, request fingerprint) of an Idempotency-Key this request reserved.
        self.idempotency: tuple[str, str, str] | None = None
        #: The open slot file of an expensive request, released with the response.
        self.slot: int | None = None


class FinanceRequest(falcon.Request):
    context_type = RequestContext
    context: RequestContext

    def require_caller(self) -> Caller:
        """The authenticated caller; the auth middleware guarantees it on protected routes."""
        caller = self.context.caller
        if caller is None and self.context.resolve_caller is not None:
            resolve, self.context.resolve_caller = self.context.resolve_caller, None
            caller = resolve()
        if caller is None:
            raise RuntimeError("route is protected but no caller was resolved")
        return caller
