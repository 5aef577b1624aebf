"""Helpers shared by the sql backend's tests (imported by name, like a conftest)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from finance_core.ports import Storage
from finance_core.services import Ledger
from finance_core.tenancy import Principal
from finance_core.testing.clock import FakeClock
from finance_storage_sql.plugin import DEFAULT_TEST_DATABASE_URL

PG_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)

#: Makes an empty PostgreSQL database and returns its URL.
ScratchDatabase = Callable[[], str]


def fresh_tenant() -> str:
    """A tenant id no other test uses, so tests can share one database."""
    return f"sqlt-{uuid.uuid4().hex[:16]}"


def owner_ledger(storage: Storage) -> tuple[Ledger, Principal]:
    """A ledger on ``storage`` and the owner of a fresh tenant in it."""
    ledger = Ledger(storage, clock=FakeClock())
    tenant = fresh_tenant()
    return ledger, ledger.create_tenant(tenant, "Household", owner=f"{tenant}-owner")


def admin_url(url: str) -> URL:
    """The maintenance database of the server ``url`` points at."""
    return make_url(url).set(drivername="postgresql+psycopg", database="postgres")


@contextmanager
def scratch_databases() -> Iterator[ScratchDatabase]:
    """Makes empty PostgreSQL databases on demand and drops them all at the end."""
    admin = create_engine(admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"finance_scratch_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
