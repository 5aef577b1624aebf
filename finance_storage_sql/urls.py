"""Which storage URLs this backend accepts, and the SQLAlchemy URL each one means."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from finance_core.errors import ConfigurationError

POOL_SIZE_ENV: Final = "DB_POOL_SIZE"
MAX_OVERFLOW_ENV: Final = "DB_MAX_OVERFLOW"
DEFAULT_POOL_SIZE: Final = 5
DEFAULT_MAX_OVERFLOW: Final = 10

_SQLITE_DRIVERS: Final = {None, "pysqlite"}
_POSTGRES_DRIVERS: Final = {None, "psycopg"}


@attrs.frozen
class DatabaseUrl:
    """A parsed storage URL: the SQLAlchemy URL to connect with, and what kind it is."""

    url: URL
    #: The SQLAlchemy dialect name: ``"sqlite"`` or ``"postgresql"``.
    dialect: str
    #: The URL as the user wrote it (before the driver was filled in), for messages.
    given: URL

    @property
    def in_memory(self) -> bool:
        """``sqlite://`` (no path): one private database living in the process."""
        return self.dialect == "sqlite" and self.url.database in (None, "", ":memory:")

    def display(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return self.given.render_as_string(hide_password=True)


def parse_database_url(raw: str) -> DatabaseUrl:
    """Accept ``sqlite://...`` and ``postgresql[+psycopg]://...``; map PostgreSQL to psycopg 3."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            f"{raw!r} is not a database URL; use sqlite:///finance.db, sqlite:// (in memory) "
            "or postgresql://user@host/dbname"
        ) from None
    backend, driver = url.get_backend_name(), url.get_driver_name()
    explicit = None if "+" not in url.drivername else driver
    if backend == "sqlite" and explicit in _SQLITE_DRIVERS:
        return DatabaseUrl(url.set(drivername="sqlite+pysqlite"), "sqlite", url)
    if backend == "postgresql" and explicit in _POSTGRES_DRIVERS:
        return DatabaseUrl(url.set(drivername="postgresql+psycopg"), "postgresql", url)
    raise ConfigurationError(
        f"the sql backend does not serve {url.drivername!r} URLs; use sqlite:///path.db, "
        "sqlite:// or postgresql://... (PostgreSQL is reached through psycopg 3)"
    )


@attrs.frozen
class PoolSettings:
    """Connection pool size for PostgreSQL, from ``DB_POOL_SIZE`` and ``DB_MAX_OVERFLOW``."""

    size: int = DEFAULT_POOL_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> PoolSettings:
        return cls(
            size=_count(environ, POOL_SIZE_ENV, DEFAULT_POOL_SIZE, minimum=1),
            max_overflow=_count(environ, MAX_OVERFLOW_ENV, DEFAULT_MAX_OVERFLOW, minimum=0),
        )


def _count(environ: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigurationError(
            f"{name}={raw!r} is not valid; set it to a whole number of at least {minimum} "
            f"(or unset it for the default, {default})"
        )
    return value
