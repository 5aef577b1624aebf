"""Service settings: the environment over a local ``.env`` file, validated once.

Every problem is reported at start-up with the variable's name and how to fix
it, so a misconfigured service never starts half-working.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs
from dotenv import dotenv_values

from finance_core.bootstrap import database_url
from finance_core.errors import ConfigurationError
from finance_core.money import check_currency

#: RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output.
MIN_SECRET_BYTES: Final = 32
MAX_LEEWAY_SECONDS: Final = 60
MAX_EXPENSIVE_PER_TENANT: Final = 64
HMAC_ALGORITHMS: Final = frozenset({"HS256", "HS384", "HS512"})
LOG_LEVELS: Final = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
ENV_FILE: Final = ".env"

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off", ""})


@attrs.frozen
class Settings:
    """The effective configuration of the HTTP service."""

    database_url: str
    secret_key: str | None = attrs.field(default=None, repr=False)
    debug: bool = False
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = ()
    default_currency: str = "USD"
    jwt_algorithms: tuple[str, ...] = ("HS256",)
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = 30
    max_body_bytes: int = 1024 * 1024
    docs_enabled: bool = True
    expensive_requests_per_tenant: int = 2
    #: Where the workers of one server keep their shared slot files (set by ``serve``).
    slot_dir: str | None = None

    def require_secret(self) -> str:
        if self.secret_key is None:
            raise ConfigurationError(
                "SECRET_KEY is not set; set it to the secret shared with MCP_Auth "
                "(at least 32 bytes), or run 'finance-planner serve' once to generate "
                "a development secret in .env"
            )
        return self.secret_key

    def described(self) -> dict[str, str]:
        """Every setting as text for operators, with the secret masked."""
        secret = self.secret_key
        return {
            "DATABASE_URL": _mask_url(self.database_url),
            "SECRET_KEY": "(not set)" if secret is None else f"set ({len(secret.encode())} bytes)",
            "DEBUG": str(self.debug).lower(),
            "LOG_LEVEL": self.log_level,
            "CORS_ORIGINS": ",".join(self.cors_origins) or "(none)",
            "DEFAULT_CURRENCY": self.default_currency,
            "JWT_ALGORITHMS": ",".join(self.jwt_algorithms),
            "JWT_ISSUER": self.jwt_issuer or "(not checked)",
            "JWT_AUDIENCE": self.jwt_audience or "(tokens must carry no aud)",
            "JWT_LEEWAY_SECONDS": str(self.jwt_leeway_seconds),
            "MAX_BODY_BYTES": str(self.max_body_bytes),
            "DOCS_ENABLED": str(self.docs_enabled).lower(),
            "EXPENSIVE_REQUESTS_PER_TENANT": str(self.expensive_requests_per_tenant),
        }


def _mask_url(url: str) -> str:
    """Hide a password inside ``scheme://user:password@host``."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def read_environment(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """The ``.env`` file's values overridden by the real environment."""
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)
    return merged


def load_settings(environ: Mapping[str, str], env_file: Path | None = None) -> Settings:
    """Build and validate ``Settings``; every problem found is in one ``ConfigurationError``."""
    values = read_environment(environ, env_file)
    problems: list[str] = []

    def text(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    def flag(name: str, default: bool) -> bool:
        raw = values.get(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        problems.append(f"{name}={raw!r} is not a boolean; use true or false")
        return default

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            problems.append(f"{name}={raw!r} is not a whole number; use {low} to {high}")
            return default
        if not low <= value <= high:
            problems.append(f"{name}={value} is out of range; use {low} to {high}")
            return default
        return value

    secret = values.get("SECRET_KEY") or None
    if secret is not None and len(secret.encode()) < MIN_SECRET_BYTES:
        problems.append(
            f"SECRET_KEY is {len(secret.encode())} bytes; HS256 needs at least "
            f"{MIN_SECRET_BYTES} (RFC 7518 section 3.2). Use the secret MCP_Auth signs with, "
            "or generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    algorithms = tuple(
        a.strip().upper() for a in (text("JWT_ALGORITHMS") or "HS256").split(",") if a.strip()
    )
    bad = [a for a in algorithms if a not in HMAC_ALGORITHMS]
    if bad or not algorithms:
        problems.append(
            f"JWT_ALGORITHMS={values.get('JWT_ALGORITHMS')!r} may only list "
            f"{', '.join(sorted(HMAC_ALGORITHMS))}: tokens are signed with a shared secret"
        )
        algorithms = ("HS256",)
    log_level = (text("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        problems.append(
            f"LOG_LEVEL={log_level!r} is not a level; use one of {', '.join(LOG_LEVELS)}"
        )
        log_level = "INFO"
    currency = (text("DEFAULT_CURRENCY") or "USD").upper()
    try:
        check_currency(currency)
    except ValueError as exc:
        problems.append(f"DEFAULT_CURRENCY: {exc}")
        currency = "USD"
    origins = tuple(o.strip() for o in (text("CORS_ORIGINS") or "").split(",") if o.strip())
    for origin in origins:
        if origin != "*" and "://" not in origin:
            problems.append(
                f"CORS_ORIGINS entry {origin!r} must be '*' or an origin like https://app.example"
            )
    settings = Settings(
        database_url=database_url(values),
        secret_key=secret,
        debug=flag("DEBUG", False),
        log_level=log_level,
        cors_origins=origins,
        default_currency=currency,
        jwt_algorithms=algorithms,
        jwt_issuer=text("JWT_ISSUER"),
        jwt_audience=text("JWT_AUDIENCE"),
        jwt_leeway_seconds=integer("JWT_LEEWAY_SECONDS", 30, 0, MAX_LEEWAY_SECONDS),
        max_body_bytes=integer("MAX_BODY_BYTES", 1024 * 1024, 1024, 1024**3),
        docs_enabled=flag("DOCS_ENABLED", True),
        expensive_requests_per_tenant=integer(
            "EXPENSIVE_REQUESTS_PER_TENANT", 2, 1, MAX_EXPENSIVE_PER_TENANT
        ),
    )
    if problems:
        raise ConfigurationError("invalid configuration:\n  - " + "\n  - ".join(problems))
    return settings


def generate_secret(env_file: Path) -> str:
    """Create a development secret and append it to ``env_file`` (created if missing)."""
    secret = secrets.token_urlsafe(48)
    existing = env_file.read_text() if env_file.is_file() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    env_file.write_text(
        f"{existing}{separator}# Development secret generated by 'finance-planner serve'.\n"
        f"# Replace it with the secret MCP_Auth signs with before going live.\n"
        f"SECRET_KEY={secret}\n"
    )
    env_file.chmod(0o600)
    return secret
