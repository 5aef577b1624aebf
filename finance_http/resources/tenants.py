"""``/api/tenants``: the caller's memberships, their tenant, and its members."""

from __future__ import annotations

import falcon

from finance_http.context import FinanceRequest
from finance_http.reading import read_body
from finance_http.resources.base import Resource
from finance_http.wire import (
    MemberCreateIn,
    MemberOut,
    MemberRemovedOut,
    MembershipOut,
    RoleChangeIn,
    TenantOut,
    TenantPatchIn,
)


class Tenants(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        pairs = self.ledger.tenants_of(self.principal(req))
        self.write(resp, [MembershipOut.of(t, m) for t, m in pairs])


class CurrentTenant(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        self.write(resp, TenantOut.of(self.ledger.get_tenant(self.principal(req))))

    def on_patch(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, TenantPatchIn, self.converter)
        self.write(resp, TenantOut.of(self.ledger.rename_tenant(self.principal(req), body.name)))


class Members(Resource):
    def on_get(self, req: FinanceRequest, resp: falcon.Response) -> None:
        members = self.ledger.list_members(self.principal(req))
        self.write(resp, [MemberOut.of(m) for m in members])

    def on_post(self, req: FinanceRequest, resp: falcon.Response) -> None:
        body = read_body(req, MemberCreateIn, self.converter)
        member = self.ledger.add_member(self.principal(req), body.auth_user_id, body.role)
        self.write(resp, MemberOut.of(member), status=201)

    def on_patch_role(self, req: FinanceRequest, resp: falcon.Response, user_id: int) -> None:
        body = read_body(req, RoleChangeIn, self.converter)
        member = self.ledger.change_role(self.principal(req), user_id, body.role)
        self.write(resp, MemberOut.of(member))

    def on_delete_item(self, req: FinanceRequest, resp: falcon.Response, user_id: int) -> None:
        member = self.ledger.remove_member(self.principal(req), user_id)
        message = f"user {member.auth_user_id!r} was removed from the tenant"
        self.write(resp, MemberRemovedOut(message, member.user_id))
