"""Use cases of tenants and their members."""

from __future__ import annotations

import attrs

from finance_core.errors import (
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
)
from finance_core.ids import MAX_USER_ID, check_id
from finance_core.ledger_base import LedgerBase
from finance_core.ports import UnitOfWork
from finance_core.tenancy import (
    Member,
    Principal,
    Role,
    Tenant,
    User,
    check_auth_user_id,
    check_tenant_id,
    check_tenant_name,
)


class TenantServices(LedgerBase):
    """Creating tenants, provisioning callers, and managing members and roles."""

    def create_tenant(self, tenant_id: str, name: str, owner: str) -> Principal:
        """Create a tenant with ``owner`` (an auth user id) as its owner."""
        tenant_id = check_tenant_id(tenant_id)
        name = check_tenant_name(name)
        owner = check_auth_user_id(owner, "owner")
        now = self._now()
        with self._unit(tenant_id) as uow:
            if uow.tenant.get() is not None:
                raise DuplicateError(f"tenant {tenant_id!r} already exists")
            uow.tenant.add(Tenant(tenant_id, name, now, now))
            user = uow.users.get_or_create(owner)
            (member_id,) = uow.allocate_ids("member")
            uow.members.add(Member(member_id, tenant_id, user.id, owner, Role.OWNER, now))
            uow.commit()
        return Principal(owner, tenant_id, Role.OWNER)

    def provision(
        self,
        tenant_id: str,
        auth_user_id: str,
        role_claim: Role | None,
        *,
        tenant_name: str | None = None,
    ) -> tuple[Principal, User]:
        """Resolve a caller on first contact, creating tenant and membership as needed.

        An unknown tenant is created with the caller as a member (owner unless
        ``role_claim`` says otherwise). A caller with a role claim who is not a
        member joins with that role. After that, the stored membership decides.
        """
        tenant_id = check_tenant_id(tenant_id)
        auth_user_id = check_auth_user_id(auth_user_id)
        if tenant_name is not None:
            tenant_name = check_tenant_name(tenant_name)
        if self.scopes.current is not None:
            # A failed attempt would poison the open scope, so a retry could not succeed.
            raise RuntimeError("provision runs in units of its own; call it outside any scope")
        for attempt in range(3):
            try:
                return self._provision_once(tenant_id, auth_user_id, role_claim, tenant_name)
            except DuplicateError:
                # Another first contact won the race; the next attempt sees its rows.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def find_caller(self, tenant_id: str, auth_user_id: str) -> tuple[Principal, User] | None:
        """A known member of an existing tenant as a ``Principal``; None for anyone else.

        One read. Adapters call it inside the request's scope, so the role that
        authorizes the request is read in the same snapshot as the request's data.
        """
        tenant_id = check_tenant_id(tenant_id)
        auth_user_id = check_auth_user_id(auth_user_id)
        with self._unit(tenant_id, readonly=True) as uow:
            found = uow.members.find_caller(auth_user_id)
        if found is None:
            return None
        user, membership = found
        return Principal(auth_user_id, tenant_id, membership.role), user

    def _provision_once(
        self, tenant_id: str, auth_user_id: str, role_claim: Role | None, tenant_name: str | None
    ) -> tuple[Principal, User]:
        known = self.find_caller(tenant_id, auth_user_id)
        if known is not None:
            return known
        now = self._now()
        with self._unit(tenant_id) as uow:
            tenant = uow.tenant.get()
            user = uow.users.get_or_create(auth_user_id)
            if tenant is None:
                uow.tenant.add(Tenant(tenant_id, tenant_name or tenant_id, now, now))
                role = role_claim or Role.OWNER
            else:
                member = uow.members.get_by_user(user.id)
                if member is not None:
                    uow.commit()
                    return Principal(auth_user_id, tenant_id, member.role), user
                if role_claim is None:
                    raise PermissionDeniedError(
                        f"user {auth_user_id!r} is not a member of tenant {tenant_id!r}; "
                        "ask one of its owners or admins to add you"
                    )
                role = role_claim
            (member_id,) = uow.allocate_ids("member")
            uow.members.add(Member(member_id, tenant_id, user.id, auth_user_id, role, now))
            uow.commit()
        return Principal(auth_user_id, tenant_id, role), user

    def get_tenant(self, principal: Principal) -> Tenant:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            tenant = uow.tenant.get()
        if tenant is None:
            raise NotFoundError("tenant", principal.tenant_id)
        return tenant

    def rename_tenant(self, principal: Principal, name: str) -> Tenant:
        principal.require_owner("rename the tenant")
        name = check_tenant_name(name)
        with self._unit(principal.tenant_id) as uow:
            tenant = uow.tenant.get()
            if tenant is None:
                raise NotFoundError("tenant", principal.tenant_id)
            tenant = attrs.evolve(tenant, name=name, updated_at=self._now())
            uow.tenant.update(tenant)
            uow.commit()
        return tenant

    def tenants_of(self, principal: Principal) -> list[tuple[Tenant, Member]]:
        """Every tenant the calling user belongs to (any tenant id works for the lookup)."""
        with self._unit(principal.tenant_id, readonly=True) as uow:
            user = uow.users.find(principal.user_id)
            return [] if user is None else uow.users.memberships(user.id)

    def list_members(self, principal: Principal) -> list[Member]:
        with self._unit(principal.tenant_id, readonly=True) as uow:
            return uow.members.list()

    def add_member(
        self, principal: Principal, auth_user_id: str, role: Role | str = Role.MEMBER
    ) -> Member:
        principal.require_manage_members()
        role = Role.parse(role)
        if role is Role.OWNER:
            principal.require_owner("add another owner")
        auth_user_id = check_auth_user_id(auth_user_id)
        now = self._now()
        with self._unit(principal.tenant_id) as uow:
            user = uow.users.get_or_create(auth_user_id)
            if uow.members.get_by_user(user.id) is not None:
                raise DuplicateError(f"user {auth_user_id!r} is already a member")
            (member_id,) = uow.allocate_ids("member")
            member = Member(member_id, principal.tenant_id, user.id, auth_user_id, role, now)
            uow.members.add(member)
            uow.commit()
        return member

    def _target_member(self, principal: Principal, uow: UnitOfWork, user_id: int) -> Member:
        check_id(user_id, "user_id", MAX_USER_ID)
        member = uow.members.get_by_user(user_id)
        if member is None:
            raise NotFoundError("member", user_id)
        if member.auth_user_id == principal.user_id:
            raise PermissionDeniedError("nobody can change their own role or remove themselves")
        if member.role is Role.OWNER:
            raise PermissionDeniedError("an owner cannot be demoted or removed")
        return member

    def change_role(self, principal: Principal, user_id: int, role: Role | str) -> Member:
        principal.require_owner("change roles")
        role = Role.parse(role)
        with self._unit(principal.tenant_id) as uow:
            member = attrs.evolve(self._target_member(principal, uow, user_id), role=role)
            uow.members.update(member)
            uow.commit()
        return member

    def remove_member(self, principal: Principal, user_id: int) -> Member:
        principal.require_manage_members()
        with self._unit(principal.tenant_id) as uow:
            member = self._target_member(principal, uow, user_id)
            uow.members.delete(user_id)
            uow.commit()
        return member
