"""Tenants (households), their members, roles and what each role may do."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from finance_core.errors import PermissionDeniedError, ValidationError
from finance_core.text import check_chars


class Role(enum.Enum):
    """A member's role in one tenant, from most to least powerful."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"

    @classmethod
    def parse(cls, value: object, field: str = "role") -> Role:
        """Case-insensitive parse: ``"OWNER"``, ``"owner"`` and ``Role.OWNER`` all work."""
        if isinstance(value, Role):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                pass
        choices = ", ".join(r.value for r in cls)
        raise ValidationError.of(field, f"{value!r} is not a role; use one of: {choices}")

    @property
    def can_write(self) -> bool:
        return self is not Role.VIEWER

    @property
    def can_manage_members(self) -> bool:
        return self in (Role.OWNER, Role.ADMIN)


@attrs.frozen
class Principal:
    """Who is calling: a user acting in one tenant with one role."""

    user_id: str
    tenant_id: str
    role: Role

    def require_write(self) -> None:
        if not self.role.can_write:
            raise PermissionDeniedError(
                f"role {self.role.value!r} is read-only; ask an owner or admin for member access"
            )

    def require_manage_members(self) -> None:
        if not self.role.can_manage_members:
            raise PermissionDeniedError(
                f"role {self.role.value!r} cannot manage members; an admin or owner can"
            )

    def require_owner(self, action: str) -> None:
        if self.role is not Role.OWNER:
            raise PermissionDeniedError(f"only an owner can {action}")


@attrs.frozen
class Tenant:
    """A household: the unit of isolation for every piece of data."""

    id: str
    name: str
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class User:
    """A person as this service knows them: a stable integer id for an auth subject."""

    id: int
    auth_user_id: str


@attrs.frozen
class Member:
    """A user's membership of one tenant."""

    id: int
    tenant_id: str
    user_id: int
    auth_user_id: str
    role: Role
    created_at: datetime


def check_tenant_name(value: object) -> str:
    if not isinstance(value, str) or not (1 <= len(value.strip()) <= 255):
        raise ValidationError.of("name", "tenant name must be 1 to 255 characters")
    return check_chars(value.strip(), "name")


def check_tenant_id(value: object) -> str:
    if not isinstance(value, str) or not (1 <= len(value) <= 255):
        raise ValidationError.of("tenant_id", "tenant id must be a string of 1 to 255 characters")
    return check_chars(value, "tenant_id")


def check_auth_user_id(value: object, field: str = "auth_user_id") -> str:
    """A user id as the auth service issues it (a token's ``sub``)."""
    if not isinstance(value, str) or not (1 <= len(value) <= 255):
        raise ValidationError.of(field, f"{field} must be 1 to 255 characters")
    return check_chars(value, field)
