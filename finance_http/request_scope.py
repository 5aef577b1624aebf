"""One request, one unit of work: the caller's membership and the use case share a snapshot.

After the token is verified, this middleware opens the ledger's scope for the
token's tenant (read-only for GET and HEAD, writing otherwise), reads the
caller's stored membership in it, and leaves it open for the resource: every
service the resource calls runs in that same unit of work. When the response
is ready the scope commits if the request succeeded (status below 400) and
rolls back otherwise, so a failed request changes nothing.

A resource that must do slow work on its input first (an import parses the
uploaded file) says ``resolves_caller_late = True``: the scope then opens when
the resource first asks for the caller, after that work, so no storage lock is
held while a file is parsed. Anything it reads or writes still shares the one
unit of work.

A caller seen for the first time is provisioned (tenant and membership
created) in a unit of work of its own before the request's scope opens; that
happens once per user and tenant. Requests with an ``Idempotency-Key`` also
reserve and store the key in units of their own (``finance_http.idempotency``).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import falcon

from finance_core.services import Ledger
from finance_http.context import Caller, FinanceRequest, Identity

READ_METHODS: Final = frozenset({"GET", "HEAD"})

log = logging.getLogger("finance_http.request_scope")


class RequestScopeMiddleware:
    """Opens the request's unit of work and resolves the caller inside it."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def process_resource(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, params: Any
    ) -> None:
        who = req.context.identity
        if who is None or req.context.scope is not None:
            return
        if self.ledger.drop_abandoned_scope():
            log.warning("a request left its unit of work open; it was dropped")
        readonly = req.method in READ_METHODS
        if getattr(resource, "resolves_caller_late", False):
            req.context.resolve_caller = lambda: self._resolve(req, who, readonly=readonly)
            return
        self._resolve(req, who, readonly=readonly)

    def _resolve(self, req: FinanceRequest, who: Identity, *, readonly: bool) -> Caller:
        self._open(req, who, readonly=readonly)
        known = self.ledger.find_caller(who.tenant_id, who.auth_user_id)
        if known is None:
            self._close(req, commit=False)
            principal, user = self.ledger.provision(who.tenant_id, who.auth_user_id, who.role_claim)
            self._open(req, who, readonly=readonly)
        else:
            principal, user = known
        req.context.caller = Caller(principal, user, who.claims)
        return req.context.caller

    def process_response(
        self, req: FinanceRequest, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        if req.context.scope is None:
            return
        scope = req.context.scope
        commit = req_succeeded and resp.status_code < 400 and not scope.readonly
        self._close(req, commit=commit)

    def _open(self, req: FinanceRequest, who: Identity, *, readonly: bool) -> None:
        block = self.ledger.scope(who.tenant_id, readonly=readonly)
        req.context.scope = block.__enter__()
        req.context.scope_block = block

    @staticmethod
    def _close(req: FinanceRequest, *, commit: bool) -> None:
        scope, block = req.context.scope, req.context.scope_block
        req.context.scope = req.context.scope_block = None
        if scope is None or block is None:
            return
        try:
            if commit:
                scope.uow.commit()
        except BaseException as exc:
            block.__exit__(type(exc), exc, exc.__traceback__)
            raise
        block.__exit__(None, None, None)
