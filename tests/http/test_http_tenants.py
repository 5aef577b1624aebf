"""Tenants, memberships and members over HTTP."""

from __future__ import annotations

from http_support import Api, data


class TestTenants:
    def test_tenant_id_of_digits_is_a_json_integer(self, api: Api) -> None:
        """MCP_Auth's "7" comes back as 7."""
        assert data(api.as_(tenant="7").get("/api/tenants/me"))["id"] == 7

    def test_integer_tenant_claim_is_accepted(self, api: Api) -> None:
        """tenant_id may be a JSON integer in the token."""
        assert data(api.as_(tenant=8).get("/api/tenants/me"))["id"] == 8

    def test_token_without_tenant_gets_a_personal_tenant(self, api: Api) -> None:
        """No tenant_id: a personal tenant that no issued id can equal."""
        body = data(api.as_(sub="5", tenant=None).get("/api/tenants/me"))
        assert body["id"] == "personal:5"

    def test_memberships_list_every_tenant_of_the_caller(self, api: Api) -> None:
        """GET /api/tenants lists the caller's tenants with roles."""
        api.as_(sub="9", tenant="1").get("/api/tenants/me")
        api.as_(sub="9", tenant="2", role="MEMBER").get("/api/tenants/me")
        body = data(api.as_(sub="9", tenant="2").get("/api/tenants"))
        assert [(t["id"], t["role"]) for t in body] == [(1, "owner"), (2, "member")]

    def test_owner_renames(self, api: Api) -> None:
        """PATCH /api/tenants/me renames the tenant."""
        assert data(api.patch("/api/tenants/me", {"name": "Home"}))["name"] == "Home"


class TestMembers:
    def test_member_fields(self, api: Api) -> None:
        """A member is {id, user_id, auth_user_id, role, created_at}."""
        (member,) = data(api.get("/api/tenants/me/members"))
        assert set(member) == {"id", "user_id", "auth_user_id", "role", "created_at"}
        assert member["auth_user_id"] == "1"

    def test_add_member_defaults_to_member(self, api: Api) -> None:
        """POST members adds with role member and answers 201."""
        result = api.post("/api/tenants/me/members", {"auth_user_id": "2"})
        assert result.status_code == 201
        assert data(result)["role"] == "member"

    def test_adding_a_member_twice_is_409(self, api: Api) -> None:
        """An existing member cannot be added again."""
        api.post("/api/tenants/me/members", {"auth_user_id": "2"})
        assert api.post("/api/tenants/me/members", {"auth_user_id": "2"}).status_code == 409

    def test_owner_changes_a_role_and_it_applies_at_once(self, api: Api) -> None:
        """A member demoted to viewer cannot write on the next request."""
        member = data(api.post("/api/tenants/me/members", {"auth_user_id": "2"}))
        result = api.patch(f"/api/tenants/me/members/{member['user_id']}/role", {"role": "VIEWER"})
        assert data(result)["role"] == "viewer"
        assert api.as_(sub="2").post("/api/accounts", {"name": "x"}).status_code == 403

    def test_remove_member_says_who(self, api: Api) -> None:
        """DELETE a member answers 200 with removed_user_id."""
        member = data(api.post("/api/tenants/me/members", {"auth_user_id": "2"}))
        result = api.delete(f"/api/tenants/me/members/{member['user_id']}")
        assert result.status_code == 200
        assert data(result)["removed_user_id"] == member["user_id"]

    def test_owner_cannot_remove_themselves(self, api: Api) -> None:
        """Removing oneself is 403."""
        (me,) = data(api.get("/api/tenants/me/members"))
        assert api.delete(f"/api/tenants/me/members/{me['user_id']}").status_code == 403

    def test_removed_member_without_role_claim_is_403(self, api: Api) -> None:
        """A non-member without a role claim is refused for an existing tenant."""
        api.get("/api/tenants/me")
        assert api.as_(sub="3", role=None).get("/api/accounts").status_code == 403
