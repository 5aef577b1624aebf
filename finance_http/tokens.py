"""Development tokens in exactly MCP_Auth's access-token format."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

from finance_core.tenancy import Role


def issue_token(
    secret: str,
    *,
    sub: str,
    tenant_id: str,
    role: Role,
    now: datetime,
    minutes: int = 60,
    email: str | None = None,
    algorithm: str = "HS256",
) -> str:
    """A signed access token: sub, email, tenant_id, role (upper case), exp, iat, scopes."""
    payload = {
        "sub": sub,
        "email": email or f"{sub}@example.com",
        "tenant_id": tenant_id,
        "role": role.value.upper(),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "iat": int(now.timestamp()),
        "scopes": [],
    }
    return jwt.encode(payload, secret, algorithm=algorithm)
